"""UI language through Qt's translation system.

Widget strings are Japanese source texts (word for word as in SCREENS.md) given to ``self.tr()``
or ``QCoreApplication.translate(context, text)``; patterns are translated first and filled after
(``self.tr("未送信 {n} 件").format(n=n)``). ``pyside6-lupdate`` extracts them into
``resources/translations/clinicpay_en.ts`` (English filled in there), ``pyside6-lrelease``
compiles ``clinicpay_en.qm`` next to it, and ``set_language`` installs it. The Japanese UI needs
no catalogue of ours, only Qt's own ``qtbase_ja.qm`` so standard dialogs and buttons are Japanese.
The names of domain values (billing states, review statuses, roles, payment modes …) come from
``desktop.domain.labels`` through the gettext catalogue, as in error messages and 操作履歴.

After changing a UI string, refresh the catalogue and translate what is new (tests/ui/test_translations.py
fails until every string has a finished English translation)::

    pyside6-lupdate $(find desktop/ui -name '*.py') -ts resources/translations/clinicpay_en.ts \
        -source-language ja -target-language en -locations none -no-obsolete
    pyside6-linguist resources/translations/clinicpay_en.ts   # or edit the XML
"""

from __future__ import annotations

import enum
import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from desktop.domain.billing import BillingState
from desktop.domain.clinic import PaymentMode
from desktop.domain import labels as domain_labels
from desktop.paths import resource_path

log = logging.getLogger(__name__)

CATALOG = "clinicpay"  # resources/translations/clinicpay_<lang>.ts / .qm

_lang = "ja"
_installed: list[QTranslator] = []


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name pyside6-lupdate looks for
    """Mark ``text`` for extraction under ``context``; translate it later with that context."""
    return text


def translations_dir() -> Path:
    """``resources/translations``: the ``.ts`` sources and the ``.qm`` files built from them."""
    return resource_path("translations")


def catalog_path(lang: str) -> Path:
    """The compiled catalogue of ``lang`` (``clinicpay_en.qm``); it may not exist before a build."""
    return translations_dir() / f"{CATALOG}_{lang}.qm"


def set_language(lang: str) -> None:
    """Switch the UI language: ``"en"`` or ``"ja"`` (anything else is Japanese).

    Sets the default ``QLocale`` (date pickers, weekdays) and replaces the translators installed
    on the running ``QCoreApplication`` (none is installed while there is no application yet).
    Widgets built before the switch keep their texts: the main window is rebuilt after a switch.
    A missing ``.qm`` is logged as a warning and leaves the Japanese source texts in place.
    """
    global _lang
    _lang = "en" if lang == "en" else "ja"
    # Dates and weekdays in Qt's own widgets (the date pickers) follow the UI language, not the OS.
    if _lang == "ja":
        QLocale.setDefault(QLocale(QLocale.Language.Japanese, QLocale.Country.Japan))
    else:
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    app = QCoreApplication.instance()
    if app is None:
        return
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    for translator in _translators(_lang):
        app.installTranslator(translator)
        _installed.append(translator)


def _translators(lang: str) -> list[QTranslator]:
    found: list[QTranslator] = []
    if lang == "en":
        ours = QTranslator()
        path = catalog_path("en")
        if ours.load(str(path)):
            found.append(ours)
        else:
            log.warning("no English catalogue at %s (build it with pyside6-lrelease)", path)
    else:
        qt = QTranslator()
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt.load(QLocale(QLocale.Language.Japanese, QLocale.Country.Japan), "qtbase", "_", qt_dir):
            found.append(qt)
        else:
            log.warning("Qt's Japanese translations (qtbase_ja.qm) not found in %s", qt_dir)
    return found


def language() -> str:
    """The UI language: ``"ja"`` or ``"en"``."""
    return _lang


_NOT_BILLED = QT_TRANSLATE_NOOP("BillingState", "未請求")


def sex_label(sex: str) -> str:
    """性別 as stored (男性 / 女性 / その他) in the UI language; other text is shown as entered."""
    return domain_labels.sex_label(sex, _lang)


def enum_label(member: enum.Enum) -> str:
    """The label of a domain enum member (BillingState, ReservationStatus, PaymentTiming, ReviewStatus,
    CareType, StaffRole) in the UI language, from ``desktop.domain.labels`` (one table for the screens,
    the refusals and 操作履歴). A payment mode standing alone is ``mode_label``'s. Raises KeyError for a
    member without a label."""
    return domain_labels.label(member, _lang)


def mode_label(mode: PaymentMode) -> str:
    """The payment mode standing alone (the badge, the status bar) in the UI language: デモ / "Demo"."""
    return domain_labels.mode_name(mode, _lang)


def state_label(state: BillingState | None) -> str:
    """決済状況 of a request in the UI language; ``None`` (never billed) is 未請求."""
    return QCoreApplication.translate("BillingState", _NOT_BILLED) if state is None else enum_label(state)


def state_labels() -> dict[BillingState, str]:
    """Every billing state's label in the UI language (the CSV export's 状態 column)."""
    return {state: enum_label(state) for state in BillingState}


reservation_status_label = timing_label = review_label = care_type_label = enum_label


# Texts the application shows from outside a widget (start-up and language switch).


def simulator_failed_text(reason: object) -> str:
    return QCoreApplication.translate("ClinicPayApp", "PAY.JPシミュレーターを起動できませんでした: {reason}").format(
        reason=reason)


def checkout_failed_text(port: int | None, reason: object) -> str:
    return QCoreApplication.translate(
        "ClinicPayApp", "決済ページのサーバーを起動できませんでした（ポート {port}）: {reason}").format(
        port=port, reason=reason)


def language_changed_text() -> str:
    return QCoreApplication.translate("ClinicPayApp", "言語を変更しました。")


def workspace_failed_text(reason: object) -> str:
    return QCoreApplication.translate(
        "ClinicPayApp", "データベースを開けませんでした。元の画面に戻ります: {reason}").format(reason=reason)
