"""The receipt (領収書) of a paid link: what it says, its PDF, and the two writes the patient may make.

The addressee may be edited until the first issue; every later issue is marked 再発行.
Both writes are conditional UPDATEs, so two tabs cannot both set the addressee.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
from typing import TYPE_CHECKING, Callable, Literal

from sqlalchemy import select, update

from desktop.domain.billing import PAID_STATES, TaxCategory, included_tax
from desktop.domain.errors import ValidationError
from desktop.domain.formatting import Language, format_jst_date, format_jst_datetime, format_yen
from desktop.domain.text import tidy_text
from desktop.paths import resource_path
from desktop.services import audit, links
from desktop.storage.orm import BillingRequest, Clinic
from desktop.storage.repositories import BillingRequestRepository
from desktop.storage.unit_of_work import Database

if TYPE_CHECKING:
    from fpdf import FPDF

MAX_ADDRESSEE = 100
FONT_FILE = "BIZUDPGothic-Regular.ttf"
# Noto Sans CJK JP's characters that BIZ UDPGothic lacks (CJK Extension B and later, e.g. 𠮷 U+20BB7;
# rarer BMP ideographs), SIL OFL 1.1; made by scripts/build_fallback_font.py from Debian's fonts-noto-cjk.
FALLBACK_FONT_FILE = "NotoSansCJKjp-Fallback.otf"
_MIN_FONT_PT = 6.5  # the smallest size a text is shrunk to before it wraps

Texts = Callable[[Language], Callable[..., str]]
"""``texts(lang)`` gives ``t(key, **params) -> str``, the receipt's words in that language."""


class UnknownLinkError(LookupError):
    """No payment link has this token (or it is malformed): nothing to show, nothing changed."""


class NotPaidError(LookupError):
    """The link is known but not paid (or no longer paid): it has no receipt; nothing changed."""


@dataclasses.dataclass(frozen=True)
class ReceiptData:
    """Everything printed on one receipt: amounts in whole yen (tax included), times in UTC."""

    request_id: int
    clinic_name: str
    clinic_postal_code: str
    clinic_address: str
    clinic_phone: str
    registration_number: str  # T + 13 digits, or ""
    patient_name: str
    addressee: str  # the stored one after the first issue, else the patient's name (a suggestion)
    issued_count: int
    menu_name: str
    amount: int
    tax_category: TaxCategory
    paid_at: dt.datetime
    card_brand: str
    card_last4: str
    refunded_amount: int  # refunded so far (whole yen)
    refunded_at: dt.datetime | None  # the last refund
    purpose: str = ""  # 但し書き as the clinic set it on the menu; "" prints the default 「診療代として」

    @property
    def fully_refunded(self) -> bool:
        return self.refunded_amount >= self.amount > 0

    @property
    def taxable_amount(self) -> int:
        return self.amount if self.tax_category is TaxCategory.TAXABLE else 0

    @property
    def non_taxable_amount(self) -> int:
        return self.amount if self.tax_category is TaxCategory.NON_TAXABLE else 0

    @property
    def tax(self) -> int:
        return included_tax(self.amount, self.tax_category)

    @property
    def reissued(self) -> bool:
        return self.issued_count >= 2

    @property
    def number(self) -> str:
        return f"{self.request_id:08d}-{max(self.issued_count, 1)}"

    @property
    def registration_valid(self) -> bool:
        value = self.registration_number
        return len(value) == 14 and value[0] == "T" and value[1:].isdigit()


class ReceiptService:
    """Shows, issues and prints the receipt of a paid payment link.

    Args:
        db: the database.
        texts: the receipt's words per language (``texts(lang)("title_receipt")``).
    """

    def __init__(self, db: Database, texts: Texts) -> None:
        self._db = db
        self._texts = texts

    def load(self, raw_token: str) -> ReceiptData:
        """The receipt of the link ``raw_token`` as it would be printed now (amounts in whole yen).

        Raises:
            UnknownLinkError: no such link (or a malformed token).
            NotPaidError: the link is not paid (or no longer paid).
        """
        req, clinic = self._find(raw_token)
        if req.state not in PAID_STATES or req.paid_at is None:
            raise NotPaidError("link not paid")
        return ReceiptData(
            request_id=req.id, clinic_name=clinic.name, clinic_postal_code=clinic.postal_code,
            clinic_address=clinic.address, clinic_phone=clinic.phone,
            registration_number=(clinic.registration_number or "").strip(),
            patient_name=req.patient_name, addressee=req.receipt_addressee or req.patient_name,
            issued_count=req.receipt_issued_count, menu_name=req.menu_name, amount=req.amount,
            tax_category=req.tax_category, paid_at=req.paid_at, card_brand=req.card_brand or "",
            card_last4=req.card_last4 or "", refunded_amount=req.refunded_amount, refunded_at=req.last_refunded_at,
            purpose=req.receipt_purpose,
        )

    def issue(self, raw_token: str, addressee: str | None) -> None:
        """Issue the receipt (the first time, to ``addressee``; blank: the patient's name) or reissue it.

        After the first issue the addressee is fixed and ``addressee`` is ignored; each later
        issue counts as a 再発行. Audited as ``receipt_issued`` (actor ``patient``).

        Raises:
            UnknownLinkError: no such link (or a malformed token).
            ValidationError: ``addressee`` is longer than ``MAX_ADDRESSEE`` characters
                (``field_too_long``), or has a character no bundled font can print
                (``addressee_unprintable``, naming the first one).
            NotPaidError: the link is not paid (or no longer paid); nothing was changed.
        """
        req, _clinic = self._find(raw_token)
        name = tidy_text(addressee)
        if len(name) > MAX_ADDRESSEE:
            raise ValidationError("field_too_long", field="addressee", label="宛名", max=MAX_ADDRESSEE)
        missing = unprintable_characters(name)
        if missing:
            raise ValidationError("addressee_unprintable", field="addressee", char=missing[0],
                                  codepoint=f"U+{ord(missing[0]):04X}")
        with self._db.uow() as uow:
            s = uow.session
            paid = BillingRequest.state.in_(list(PAID_STATES))
            first = s.execute(
                update(BillingRequest)
                .where(BillingRequest.id == req.id, paid, BillingRequest.receipt_issued_count == 0)
                .values(receipt_addressee=name or req.patient_name, receipt_issued_count=1)
                .execution_options(synchronize_session=False)
            )
            if first.rowcount != 1:  # type: ignore[attr-defined]
                again = s.execute(
                    update(BillingRequest)
                    .where(BillingRequest.id == req.id, paid, BillingRequest.receipt_issued_count >= 1)
                    .values(receipt_issued_count=BillingRequest.receipt_issued_count + 1)
                    .execution_options(synchronize_session=False)
                )
                if again.rowcount != 1:  # type: ignore[attr-defined]
                    raise NotPaidError("link not paid")
            audit.record(s, clinic_id=req.clinic_id, actor="patient", action="receipt_issued",
                         entity_type="billing_request", entity_id=req.id,
                         before={"receipt_issued_count": req.receipt_issued_count}, after=None)
            uow.commit()

    def render_pdf(self, receipt: ReceiptData, lang: Language = "ja") -> bytes:
        """``receipt`` as an A5 PDF document in ``lang`` (the font subset and embedded).

        Dates are printed in JST; amounts in whole yen. The receipt is printed as given:
        only an issued one (``issued_count >= 1``) should be offered to the patient.
        """
        return _pdf(receipt, self._texts(lang), lang)

    def _find(self, raw_token: str) -> tuple[BillingRequest, Clinic]:
        if not links.looks_like_token(raw_token):
            raise UnknownLinkError("malformed link")
        with self._db.uow(readonly=True) as uow:
            s = uow.session
            token_hash = links.hash_link_token(raw_token)
            req = BillingRequestRepository(s).by_link_digest(token_hash)  # the first link or the reminder's
            if req is None:
                raise UnknownLinkError("unknown link")
            clinic = s.get(Clinic, req.clinic_id)
            assert clinic is not None
            return req, clinic

@functools.lru_cache(maxsize=1)
def _font_path() -> str:
    return str(resource_path("fonts", FONT_FILE))


@functools.lru_cache(maxsize=1)
def _fallback_font_path() -> str:
    return str(resource_path("fonts", FALLBACK_FONT_FILE))


@functools.lru_cache(maxsize=1)
def _printable() -> frozenset[int]:
    """Code points the receipt's fonts can draw (the main font's and the fallback's)."""
    points: set[int] = set()
    for path in (_font_path(), _fallback_font_path()):
        from fontTools.ttLib import TTFont  # with fpdf2, on the first receipt only

        with TTFont(path, lazy=True) as font:
            points.update(font.getBestCmap())
    return frozenset(points)


def unprintable_characters(text: str) -> list[str]:
    """The characters of ``text`` that no bundled font can print, in order, each once (spaces are fine)."""
    printable = _printable()
    found: list[str] = []
    for char in text:
        if not char.isspace() and ord(char) not in printable and char not in found:
            found.append(char)
    return found


def _fit(pdf: "FPDF", width: float, height: float, text: str, size: float, *, align: str = "L",
         border: Literal[0, 1] | str = 0) -> None:
    """``text`` in one cell ``width`` mm wide: shrunk from ``size`` pt until it fits, and wrapped
    onto more lines (at ``_MIN_FONT_PT``) when even that is too wide. Nothing runs off the page."""
    points = size
    pdf.set_font_size(points)
    while pdf.get_string_width(text) > width - 2 * pdf.c_margin and points > _MIN_FONT_PT:
        points = max(_MIN_FONT_PT, points - 0.5)
        pdf.set_font_size(points)
    line_height = height if points == size else max(height * points / size, points * 0.45)
    pdf.multi_cell(width, line_height, text, border=border, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(size)


def japanese_pdf(page: Literal["A4", "A5"], *, title: str, author: str, margin: float) -> "FPDF":
    """A portrait PDF of ``page`` size on its first page, in mm, that prints Japanese: the bundled
    font ("jp", the fallback font for characters it lacks), ``margin`` mm kept free at the foot
    before a new page begins, the document's ``title`` and ``author`` set (creator ClinicPay).
    """
    from fpdf import FPDF  # imported on the first PDF, not at start (fpdf2 and fontTools take ~0.3 s)

    pdf = FPDF(orientation="P", unit="mm", format=page)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("ClinicPay")
    pdf.add_font("jp", "", _font_path())
    pdf.add_font("jp-fallback", "", _fallback_font_path())
    pdf.set_fallback_fonts(["jp-fallback"], exact_match=False)
    pdf.set_auto_page_break(True, margin=margin)
    pdf.add_page()
    return pdf


def _pdf(r: ReceiptData, t: Callable[..., str], lang: Language) -> bytes:
    pdf = japanese_pdf("A5", title=f"{t('title_receipt')} {r.number}", author=r.clinic_name, margin=12)
    width = pdf.epw
    pdf.set_font("jp", size=20)
    pdf.cell(width, 12, t("title_receipt"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("jp", size=9)
    marks = ([t("reissued")] if r.reissued else []) + ([t("fully_refunded")] if r.fully_refunded else [])
    if marks:
        pdf.set_text_color(150, 20, 20)
        pdf.cell(width, 6, "".join(f"【{m}】" for m in marks), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.cell(width, 5, f"{t('receipt_no')} {r.number}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width, 5, f"{t('issue_date')}: {format_jst_date(r.paid_at, lang)}", align="R",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("jp", size=13)
    _fit(pdf, width, 9, t("addressee_line", name=r.addressee).strip(), 13, border="B")
    pdf.ln(4)
    pdf.set_font("jp", size=18)
    pdf.cell(width, 13, f"{t('receipt_sum')}  {format_yen(r.amount)} -", border=1, align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("jp", size=10)
    pdf.ln(2)
    _fit(pdf, width, 6, f"{t('receipt_for')}  {r.purpose or t('receipt_purpose_default')}", 10)
    pdf.cell(width, 6, t("received_with_thanks"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    rows = [(t("taxable_10"), format_yen(r.taxable_amount)), (t("tax_amount"), format_yen(r.tax)),
            (t("non_taxable_amount"), format_yen(r.non_taxable_amount))]
    if r.refunded_amount:
        rows.append((t("refund_amount"), "-" + format_yen(r.refunded_amount)))
        if r.refunded_at is not None:
            rows.append((t("refund_date"), format_jst_date(r.refunded_at, lang)))
        rows.append((t("net_amount"), format_yen(r.amount - r.refunded_amount)))
    card = f"{t('card_payment')} {r.card_brand} ****{r.card_last4}".strip()
    rows.append((t("payment_method"), card))
    rows.append((t("paid_at"), format_jst_datetime(r.paid_at, lang)))
    pdf.set_font("jp", size=9)
    pdf.cell(width, 6, t("breakdown"), new_x="LMARGIN", new_y="NEXT")
    for label, value in rows:
        pdf.cell(width * 0.5, 6, label, border="B")
        pdf.cell(width * 0.5, 6, value, border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    pdf.set_font("jp", size=10)
    lines = [r.clinic_name]
    if r.clinic_postal_code or r.clinic_address:
        lines.append(f"〒{r.clinic_postal_code} {r.clinic_address}".replace("〒 ", "").strip())
    if r.clinic_phone:
        lines.append(f"TEL {r.clinic_phone}")
    if r.registration_valid:
        lines.append(f"{t('registration_number')}: {r.registration_number}")
    for line in lines:
        _fit(pdf, width, 6, line, 10, align="R")
    buffer = io.BytesIO()
    pdf.output(buffer)
    return buffer.getvalue()
