"""Messages outside the Qt widgets (mail, checkout pages, errors) through gettext catalogs.

The source strings (msgids) are the Japanese texts, word for word as shown to people; other
languages come from ``resources/locale/<lang>/LC_MESSAGES/clinicpay.mo``, compiled from the
``.po`` sources by ``python -m desktop.catalogs``. A msgid without a translation falls back to
the Japanese text.

Tables of texts mark their entries with ``N_`` (or ``NP_`` with a context) so the extractor
finds them; they are translated when read, in the reader's language::

    TITLE = N_("領収書")
    gettext("en", TITLE)  # "Receipt"

An enum whose members are read by people declares each member's label with it
(``LabelledEnum``)::

    class Step(LabelledEnum):
        RECEIPT = "receipt", N_("領収書ページが開けた")

    Step.RECEIPT.label("en")  # "The receipt page opened"

Jinja2 templates use the ``i18n`` extension (``{% trans %}``, ``_()``); ``install_jinja``
installs callables that translate into the template's ``lang`` variable.
"""

from __future__ import annotations

import enum
import gettext as _gettext
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, Literal, Self

from desktop.paths import resource_path

if TYPE_CHECKING:
    import jinja2
    from jinja2.runtime import Context

Language = Literal["ja", "en"]
DOMAIN: Final = "clinicpay"
SOURCE_LANGUAGE: Final = "ja"


def locale_dir() -> str:
    """The folder holding ``<lang>/LC_MESSAGES/clinicpay.mo`` (works from source and frozen)."""
    return str(resource_path("locale"))


@lru_cache(maxsize=None)
def translations(lang: str) -> _gettext.NullTranslations:
    """The catalog of ``lang``; Japanese (the source language) and unknown languages give the
    identity catalog. Loaded once per language."""
    if lang == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, localedir=locale_dir(), languages=[lang], fallback=True)


def reload() -> None:
    """Forget loaded catalogs (after recompiling them)."""
    translations.cache_clear()


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (tables, constants)."""
    return message


def NP_(context: str, message: str) -> tuple[str, str]:
    """Mark ``message`` with a disambiguating ``context`` for extraction; read with ``pgettext_pair``."""
    return (context, message)


def gettext(lang: str, message: str) -> str:
    """``message`` (a Japanese msgid) in ``lang``; the msgid itself when untranslated."""
    return translations(lang).gettext(message)


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for the count ``n`` in ``lang``."""
    return translations(lang).ngettext(singular, plural, n)


def pgettext(lang: str, context: str, message: str) -> str:
    """``message`` in ``lang`` within ``context`` (the same Japanese word used twice)."""
    return translations(lang).pgettext(context, message)


def pgettext_pair(lang: str, marked: tuple[str, str]) -> str:
    """Translate a ``NP_(context, message)`` marker."""
    return pgettext(lang, marked[0], marked[1])


class LabelledEnum(enum.StrEnum):
    """A ``StrEnum`` whose members carry their label: ``NAME = "value", N_("ラベル")``.

    A member equals (and is stored as) its value; ``msgid`` is the Japanese label and
    ``label(lang)`` gives it in ``lang``. Looking a member up by value works as for any enum
    (``Step("receipt")``).
    """

    msgid: str

    # ``msgid`` has a default only so that a look-up by value (``Step("receipt")``, which never
    # runs this) type-checks; every member is declared with its label.
    def __new__(cls, value: str, msgid: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.msgid = msgid
        return member

    def label(self, lang: str = SOURCE_LANGUAGE) -> str:
        """The member's label in ``lang`` ("ja" or "en")."""
        return gettext(lang, self.msgid)


def install_jinja(env: jinja2.Environment) -> jinja2.Environment:
    """Add Jinja2's ``i18n`` extension to ``env``, translating into each template's ``lang``.

    New-style gettext: ``_("…%(name)s…", name=value)`` formats and escapes the value.
    """
    from jinja2 import pass_context

    def lang_of(context: Context) -> str:
        return str(context.get("lang", SOURCE_LANGUAGE))

    @pass_context
    def _gettext(context: Context, message: str) -> str:
        return gettext(lang_of(context), message)

    @pass_context
    def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
        return ngettext(lang_of(context), singular, plural, n)

    @pass_context
    def _pgettext(context: Context, ctx: str, message: str) -> str:
        return pgettext(lang_of(context), ctx, message)

    @pass_context
    def _npgettext(context: Context, ctx: str, singular: str, plural: str, n: int) -> str:
        return translations(lang_of(context)).npgettext(ctx, singular, plural, n)

    env.add_extension("jinja2.ext.i18n")
    install: Any = getattr(env, "install_gettext_callables")
    install(gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext, newstyle=True)
    return env
