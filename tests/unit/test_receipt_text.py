"""The receipt PDF prints every character and keeps every text on the A5 page.

Each text is read back from the PDF (pypdf) with its position; its width comes from the two
bundled fonts' advance widths, so a line that runs past the page edge or is cut is caught.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from sqlalchemy import update

from desktop.domain.billing import BillingState, TaxCategory
from desktop.domain.errors import ValidationError
from desktop.paths import resource_path
from desktop.services import links
from desktop.services.checkout.texts import translator
from desktop.services.directory import DirectoryService, MenuInput
from desktop.services.receipts import (
    FALLBACK_FONT_FILE,
    FONT_FILE,
    MAX_ADDRESSEE,
    ReceiptData,
    ReceiptService,
    unprintable_characters,
)
from desktop.storage.orm import BillingRequest
from desktop.storage.unit_of_work import Database
from tests.integration.seed import seed_front_desk

PAID_AT = dt.datetime(2026, 11, 2, 6, 30, tzinfo=dt.timezone.utc)  # 15:30 JST
REFUNDED_AT = dt.datetime(2026, 11, 4, 1, 0, tzinfo=dt.timezone.utc)  # 11月4日 JST
A5_WIDTH_PT = 148 / 25.4 * 72
A5_HEIGHT_PT = 210 / 25.4 * 72


def receipt(**changes: object) -> ReceiptData:
    base = ReceiptData(
        request_id=42, clinic_name="やまだ内科クリニック", clinic_postal_code="100-0001", clinic_address="東京都千代田区1-1-1",
        clinic_phone="03-1234-5678", registration_number="T1234567890123", patient_name="山田 花子",
        addressee="山田 花子", issued_count=1, menu_name="オンライン診療 (後決済)", amount=1200,
        tax_category=TaxCategory.TAXABLE, paid_at=PAID_AT, card_brand="Visa", card_last4="4242",
        refunded_amount=0, refunded_at=None,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=None)
def _metrics() -> list[tuple[dict[int, str], dict[str, tuple[int, int]], int]]:
    out = []
    for name in (FONT_FILE, FALLBACK_FONT_FILE):
        font = TTFont(str(resource_path("fonts", name)))
        out.append((font.getBestCmap(), dict(font["hmtx"].metrics), font["head"].unitsPerEm))
    return out


def _width_pt(text: str, size: float) -> float:
    total = 0.0
    for char in text:
        for cmap, hmtx, units in _metrics():
            if ord(char) in cmap:
                total += hmtx[cmap[ord(char)]][0] / units * size
                break
    return total


@dataclasses.dataclass
class Line:
    text: str
    x: float
    y: float
    size: float

    @property
    def right(self) -> float:
        return self.x + _width_pt(self.text, self.size)


def _lines(content: bytes) -> tuple[int, list[Line]]:
    """The PDF's page count and its text lines (fragments at one position joined) with their geometry."""
    reader = PdfReader(io.BytesIO(content))
    lines: dict[tuple[float, float], Line] = {}
    for page in reader.pages:
        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            text = text.replace("\x00", "").replace("\n", "")
            if not text:
                return
            key = (round(tm[4] + cm[4], 2), round(tm[5] + cm[5], 2))
            if key in lines:
                lines[key].text += text
            else:
                lines[key] = Line(text, key[0], key[1], size)
        page.extract_text(visitor_text=visit)
    return len(reader.pages), list(lines.values())


def _render(data: ReceiptData, lang: str = "ja") -> tuple[int, list[Line]]:
    return _lines(ReceiptService(None, translator).render_pdf(data, lang))  # type: ignore[arg-type]


def _assert_on_the_page(pages: int, lines: list[Line]) -> None:
    assert pages == 1
    for line in lines:
        assert line.x >= 0 and line.right <= A5_WIDTH_PT - 10, (line.text, line.right)
        assert 10 <= line.y <= A5_HEIGHT_PT, line.text


def _text(lines: list[Line]) -> str:
    return "".join(line.text for line in lines)


def test_a_name_outside_the_main_font_prints_in_full() -> None:
    """The issue's example: 𠮷田 花子 printed as 「田 花子 様」 (U+20BB7 is not in BIZ UDPGothic)."""
    pages, lines = _render(receipt(addressee="𠮷田 花子"))
    assert "𠮷田 花子 様" in _text(lines)
    _assert_on_the_page(pages, lines)


@pytest.mark.parametrize("name", ["𠀋", "𡈽", "𩸽", "𪚲", "㐂", "丟", "﨑"])
def test_other_rare_characters_print_too(name: str) -> None:
    assert unprintable_characters(name) == []
    assert f"{name} 様" in _text(_render(receipt(addressee=name))[1])


def test_only_what_no_bundled_font_can_draw_is_refused_naming_it() -> None:
    assert unprintable_characters("𠮷田 花子") == []
    assert unprintable_characters("山田\U000f0000花\U000f0000子\U0001fa90") == ["\U000f0000", "\U0001fa90"]


@pytest.mark.parametrize("length", [29, 31, 60, MAX_ADDRESSEE])
def test_an_addressee_of_any_allowed_length_fits_the_page(length: int) -> None:
    """The issue's examples: at 29 characters 「様」 ran past the edge, at 31 it was gone, at 60 the name was cut."""
    name = ("株式会社山田商事ヘルスケアホールディングス東日本支社総務部" * 4)[:length]
    pages, lines = _render(receipt(addressee=name))
    assert f"{name} 様" in _text(lines)
    _assert_on_the_page(pages, lines)


def test_latin_addressee_at_the_maximum_fits_in_english_too() -> None:
    name = ("Yamada Medical Corporation Human Resources " * 3)[:MAX_ADDRESSEE]
    pages, lines = _render(receipt(addressee=name), "en")
    assert name.replace(" ", "") in _text(lines).replace(" ", "")
    _assert_on_the_page(pages, lines)


def test_clinic_name_address_and_purpose_at_their_maximum_lengths_fit() -> None:
    data = receipt(addressee="山" * MAX_ADDRESSEE, clinic_name="医療法人社団やまだ会" * 20, clinic_address="東京都千代田区" * 42 + "1-1",
                   clinic_postal_code="100-0001", clinic_phone="03-1234-5678-" + "9" * 19, purpose="オンライン診療代" * 6 + "とし",
                   refunded_amount=200, refunded_at=REFUNDED_AT, issued_count=3)
    assert len(data.clinic_name) == 200 and len(data.clinic_address) == 297 and len(data.purpose) == 50
    for lang in ("ja", "en"):
        pages, lines = _render(data, lang)
        text = _text(lines)
        assert data.clinic_name in text and data.clinic_address in text and data.purpose in text
        _assert_on_the_page(pages, lines)


def test_purpose_is_the_menus_or_the_default_never_the_internal_menu_name() -> None:
    text = _text(_render(receipt())[1])
    assert "但し  診療代として" in text and "後決済" not in text
    assert "For medical treatment" in _text(_render(receipt(), "en")[1])
    assert "但し  オンライン診療代として" in _text(_render(receipt(purpose="オンライン診療代として"))[1])


def test_a_partly_refunded_receipt_shows_the_refund_amount_and_date() -> None:
    text = _text(_render(receipt(refunded_amount=200, refunded_at=REFUNDED_AT))[1])
    for expected in ("返金額", "-¥200", "返金日", "2026年11月4日", "¥1,000"):
        assert expected in text, expected
    assert "返金済み" not in text


def test_a_fully_refunded_receipt_is_marked_refunded() -> None:
    text = _text(_render(receipt(refunded_amount=1200, refunded_at=REFUNDED_AT))[1])
    assert "【返金済み】" in text and "-¥1,200" in text and "¥0" in text
    english = _text(_render(receipt(refunded_amount=1200, refunded_at=REFUNDED_AT), "en")[1])
    assert "Refunded" in english and "Refund date" in english


def test_a_reissue_has_its_own_number() -> None:
    first, second = receipt(issued_count=1), receipt(issued_count=2)
    assert first.number == "00000042-1" and second.number == "00000042-2"
    text = _text(_render(second)[1])
    assert "00000042-2" in text and "【再発行】" in text


def _paid_request(db: Database, purpose: str = "") -> tuple[int, str]:
    front = seed_front_desk(db)
    directory = DirectoryService(db)
    directory.save_menu(front.clinic_id, MenuInput(name="オンライン診療 (後決済)", price=1200, receipt_purpose=purpose),
                        front.menu_id)
    raw, token_hash = links.new_link_token()
    with db.uow() as uow:
        menu_purpose = purpose
        req = BillingRequest(
            clinic_id=front.clinic_id, reservation_id=front.reservation_id, patient_id=front.patient_id,
            staff_id=front.staff_id, amount=1200, tax_category=TaxCategory.TAXABLE, state=BillingState.PAID,
            patient_name="山田 花子", menu_name="オンライン診療 (後決済)", link_token_hash=token_hash, requested_at=PAID_AT,
            paid_at=PAID_AT, charge_id="ch_receipt", card_brand="Visa", card_last4="4242", receipt_purpose=menu_purpose,
        )
        uow.session.add(req)
        uow.commit()
        return req.id, raw


def test_an_addressee_no_font_can_print_is_refused_and_nothing_issued(db: Database) -> None:
    receipts = ReceiptService(db, translator)
    _request_id, raw = _paid_request(db)
    with pytest.raises(ValidationError) as raised:
        receipts.issue(raw, "山田\U000f0000花子")
    assert raised.value.code == "addressee_unprintable" and raised.value.field == "addressee"
    assert "U+F0000" in raised.value.message("ja") and "U+F0000" in raised.value.message("en")
    assert receipts.load(raw).issued_count == 0
    receipts.issue(raw, "𠮷田　花子（株式会社 𠮷田）")
    assert receipts.load(raw).addressee == "𠮷田 花子（株式会社 𠮷田）"  # full-width brackets printed as typed


def test_the_menus_purpose_is_printed_and_a_full_refund_is_marked(db: Database) -> None:
    receipts = ReceiptService(db, translator)
    request_id, raw = _paid_request(db, "オンライン診療代として")
    with db.uow() as uow:
        uow.session.execute(update(BillingRequest).where(BillingRequest.id == request_id).values(
            refunded_amount=1200, last_refunded_at=REFUNDED_AT, state=BillingState.REFUNDED))
        uow.commit()
    receipts.issue(raw, "")
    data = receipts.load(raw)
    assert data.purpose == "オンライン診療代として" and data.fully_refunded
    text = _text(_lines(receipts.render_pdf(data, "ja"))[1])
    assert "但し  オンライン診療代として" in text and "【返金済み】" in text and "返金日" in text
