"""Translation catalogs: extract, update and compile (gettext via Babel, Qt via lrelease).

``python -m desktop.catalogs`` compiles every ``resources/locale/*/LC_MESSAGES/*.po`` to ``.mo``
and every ``resources/translations/*.ts`` to ``.qm`` next to it; the install, test and build
steps run it, and compiled catalogs are never committed.

``python -m desktop.catalogs update`` extracts the messages of ``desktop/`` and
``resources/templates/`` (as ``pybabel extract -F babel.cfg`` with the keywords below) and
merges them into each ``.po`` (as ``pybabel update``); new entries arrive untranslated, and the
catalog test fails until someone translates them.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "clinicpay"

# Python code marks its texts with N_("…") / NP_("context", "…") where they are defined and
# translates them when read (i18n.gettext(lang, TEXT)); templates call _(), gettext(), pgettext()
# and {% trans %}.  On the command line:
#   pybabel extract -F babel.cfg -k N_ -k NP_:1c,2 -o clinicpay.pot .
KEYWORDS: dict[str, object] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "N_": None,
    "NP_": ((1, "c"), 2),
}


def locale_root(root: Path = ROOT) -> Path:
    return root / "resources" / "locale"


def translations_root(root: Path = ROOT) -> Path:
    return root / "resources" / "translations"


def extract(root: Path = ROOT) -> Catalog:
    """Every translatable message of the sources, as a template catalog (the ``.pot``)."""
    with open(root / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    catalog = Catalog(project="ClinicPay", domain=DOMAIN, locale=None, charset="utf-8")
    for path, lineno, message, comments, context in extract_from_dir(
            str(root), method_map, options_map, keywords=KEYWORDS,  # type: ignore[arg-type]
            comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
        catalog.add(message, None, [(path, lineno)], auto_comments=comments, context=context)
    return catalog


def update(root: Path = ROOT) -> list[Path]:
    """Merge freshly extracted messages into every ``.po`` (``pybabel update``); returns them."""
    template = extract(root)
    updated = []
    for po in sorted(locale_root(root).glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with open(po, "rb") as f:
            catalog = read_po(f)
        catalog.update(template, no_fuzzy_matching=True)
        with open(po, "wb") as f:
            write_po(f, catalog, width=100, omit_header=False, ignore_obsolete=True, no_location=True)
        updated.append(po)
    return updated


def compile_po(po: Path) -> Path:
    """Compile one ``.po`` into the ``.mo`` next to it (fuzzy entries are left out)."""
    mo = po.with_suffix(".mo")
    with open(po, "rb") as f:
        catalog = read_po(f)
    with open(mo, "wb") as f:
        write_mo(f, catalog, use_fuzzy=False)
    return mo


def _lrelease() -> str | None:
    found = shutil.which("pyside6-lrelease")
    if found:
        return found
    beside = Path(sys.executable).parent / "pyside6-lrelease"
    return str(beside) if beside.exists() else None


def compile_ts(ts_files: Iterable[Path]) -> list[Path]:
    """Run ``pyside6-lrelease`` over Qt ``.ts`` sources; each ``.qm`` lands next to its ``.ts``.

    Raises:
        RuntimeError: there are ``.ts`` files but no ``pyside6-lrelease``, or it failed.
    """
    files = list(ts_files)
    if not files:
        return []
    tool = _lrelease()
    if tool is None:
        raise RuntimeError("pyside6-lrelease not found (it comes with PySide6)")
    out = []
    for ts in files:
        qm = ts.with_suffix(".qm")
        subprocess.run([tool, "-silent", str(ts), "-qm", str(qm)], check=True)
        out.append(qm)
    return out


def stale(root: Path = ROOT) -> bool:
    """True when a compiled catalog is missing or older than its source."""
    sources = [*locale_root(root).glob("*/LC_MESSAGES/*.po"), *translations_root(root).glob("*.ts")]
    for src in sources:
        out = src.with_suffix(".mo" if src.suffix == ".po" else ".qm")
        if not out.exists() or out.stat().st_mtime < src.stat().st_mtime:
            return True
    return False


def compile_all(root: Path = ROOT) -> list[Path]:
    """Compile every gettext ``.po`` and Qt ``.ts`` catalog under ``resources/``.

    Returns the compiled files. Raises ``RuntimeError`` as ``compile_ts`` does.
    """
    out = [compile_po(po) for po in sorted(locale_root(root).glob("*/LC_MESSAGES/*.po"))]
    out += compile_ts(sorted(translations_root(root).glob("*.ts")))
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["update"]:
        for po in update():
            print(f"updated {po.relative_to(ROOT)}")
        return 0
    if args and args[0] != "compile":
        print("usage: python -m desktop.catalogs [compile | update]", file=sys.stderr)
        return 2
    for path in compile_all():
        print(f"compiled {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
