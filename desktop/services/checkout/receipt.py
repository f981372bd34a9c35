"""領収書: the HTML page, the issue / reissue form and the PDF (Japanese font embedded).

GET never changes anything; the first POST fixes the addressee, later POSTs reissue (再発行).
"""

from __future__ import annotations

import functools
import io

from fpdf import FPDF
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desktop.domain.errors import ValidationError
from desktop.domain.formatting import format_jst_date, format_jst_datetime, format_yen
from desktop.paths import resource_path
from desktop.services.checkout.app import checkout_of, language, not_found_page
from desktop.services.checkout.receipt_data import ReceiptData, issue_receipt, load_receipt
from desktop.services.checkout.security import same_origin
from desktop.services.checkout.texts import translator

FONT_FILE = "BIZUDPGothic-Regular.ttf"


def _token(request: Request) -> str:
    return str(request.path_params["token"])


async def _load(request: Request) -> ReceiptData | None | bool:
    checkout = checkout_of(request)
    return await checkout.ctx.runner.db(load_receipt, checkout.ctx.db, _token(request))


async def receipt_page(request: Request, error: str = "") -> Response:
    """GET /pay/{token}/receipt: the addressee form before the first issue, then the receipt."""
    checkout = checkout_of(request)
    if not checkout.allow(request):
        return checkout.render(request, "status.html", 429, kind="too_many", clinic=None, token="")
    data = await _load(request)
    if data is None:
        return await not_found_page(request)
    if data is False:
        return RedirectResponse(f"/pay/{_token(request)}", status_code=303)
    assert isinstance(data, ReceiptData)
    token = _token(request)
    clinic = {"name": data.clinic_name, "phone": data.clinic_phone}
    return checkout.render(request, "receipt.html", 400 if error else 200, r=data, token=token, clinic=clinic,
                           error=error, csrf=checkout.csrf.token("receipt", token))


async def receipt_issue(request: Request) -> Response:
    """POST /pay/{token}/receipt: issue (with the addressee) or reissue."""
    checkout = checkout_of(request)
    form = await request.form()
    token = _token(request)
    if not same_origin(request.headers) or not checkout.csrf.verify("receipt", token, str(form.get("csrf") or "")):
        return checkout.render(request, "status.html", 403, kind="forbidden", clinic=None, token="")
    if not checkout.allow(request):
        return checkout.render(request, "status.html", 429, kind="too_many", clinic=None, token="")
    try:
        ok = await checkout.ctx.runner.db(issue_receipt, checkout.ctx.db, token, str(form.get("addressee") or ""))
    except ValidationError:
        return await receipt_page(request, error=translator(language(request))("err_addressee"))
    if not ok:
        data = await _load(request)
        if data is None:
            return await not_found_page(request)
    return RedirectResponse(f"/pay/{token}/receipt", status_code=303)


async def receipt_pdf(request: Request) -> Response:
    """GET /pay/{token}/receipt.pdf: the issued receipt as PDF (only after it was issued)."""
    checkout = checkout_of(request)
    if not checkout.allow(request):
        return checkout.render(request, "status.html", 429, kind="too_many", clinic=None, token="")
    data = await _load(request)
    if data is None:
        return await not_found_page(request)
    if data is False or (isinstance(data, ReceiptData) and data.issued_count == 0):
        return RedirectResponse(f"/pay/{_token(request)}/receipt", status_code=303)
    assert isinstance(data, ReceiptData)
    pdf = await checkout.ctx.runner.db(render_pdf, data, language(request))
    name = f"receipt-{data.number}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@functools.lru_cache(maxsize=1)
def _font_path() -> str:
    return str(resource_path("fonts", FONT_FILE))


def render_pdf(r: ReceiptData, lang: str = "ja") -> bytes:
    """An A5 receipt; the font is subset and embedded by fpdf2."""
    t = translator("en" if lang == "en" else "ja")
    pdf = FPDF(orientation="P", unit="mm", format="A5")
    pdf.set_title(f"{t('title_receipt')} {r.number}")
    pdf.set_author(r.clinic_name)
    pdf.set_creator("ClinicPay")
    pdf.add_font("jp", "", _font_path())
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("jp", size=20)
    pdf.cell(width, 12, t("title_receipt"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("jp", size=9)
    if r.reissued:
        pdf.set_text_color(150, 20, 20)
        pdf.cell(width, 6, f"【{t('reissued')}】", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.cell(width, 5, f"{t('receipt_no')} {r.number}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width, 5, f"{t('issue_date')}: {format_jst_date(r.paid_at, lang)}", align="R",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("jp", size=13)
    pdf.cell(width, 9, t("addressee_line", name=r.addressee).strip(), border="B", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("jp", size=18)
    pdf.cell(width, 13, f"{t('receipt_sum')}  {format_yen(r.amount)} -", border=1, align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("jp", size=10)
    pdf.ln(2)
    pdf.cell(width, 6, f"{t('receipt_for')}  {t('receipt_for_text', menu=r.menu_name)}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width, 6, t("received_with_thanks"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    rows = [(t("taxable_10"), format_yen(r.taxable_amount)), (t("tax_amount"), format_yen(r.tax)),
            (t("non_taxable_amount"), format_yen(r.non_taxable_amount))]
    if r.refunded_amount:
        rows.append((t("refund"), "-" + format_yen(r.refunded_amount)))
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
        pdf.cell(width, 6, line, align="R", new_x="LMARGIN", new_y="NEXT")
    buffer = io.BytesIO()
    pdf.output(buffer)
    return buffer.getvalue()


ROUTES = [
    Route("/pay/{token}/receipt", receipt_page, methods=["GET"]),
    Route("/pay/{token}/receipt", receipt_issue, methods=["POST"]),
    Route("/pay/{token}/receipt.pdf", receipt_pdf, methods=["GET"]),
]
