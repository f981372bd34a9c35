"""Server-rendered HTML of the simulator: 3-D Secure challenge and tenant application.

Every page is plainly marked as the simulator, loads only same-origin CSS/JS and has no
inline script, so it works under ``script-src 'self'``.
"""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

BANNER = "PAY.JP シミュレーター (デモ用・実際の決済は行われません) / PAY.JP simulator — no real payment"
# Simulator pages may be framed (3DS iframe) but run nothing that is not ours.
PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action *"


def _page(
    title: str, body: str, *, status: int = 200, body_attrs: str = "", scripts: tuple[str, ...] = ()
) -> HTMLResponse:
    script_tags = "".join(f'<script src="{escape(src)}" defer></script>' for src in scripts)
    html = (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f'<link rel="stylesheet" href="/payjs/v2/sim.css">{script_tags}</head>'
        f'<body{body_attrs}><main class="page"><div class="banner">{escape(BANNER)}</div>{body}</main></body></html>'
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def error_page(message_ja: str, message_en: str, status: int = 400) -> HTMLResponse:
    body = f'<h1>エラー / Error</h1><p>{escape(message_ja)}</p><p class="muted">{escape(message_en)}</p>'
    return _page("PAY.JP simulator error", body, status=status)


def challenge_page(resource_id: str, action: str, hidden: dict[str, str]) -> HTMLResponse:
    fields = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">' for name, value in hidden.items()
    )
    body = (
        "<h1>3Dセキュア認証 / 3-D Secure</h1>"
        "<p>カード会社の本人認証画面の代わりです。結果を選んでください。</p>"
        '<p class="muted">Stand-in for the card issuer\'s authentication page. Choose the outcome.</p>'
        f'<p class="muted">対象 / Object: {escape(resource_id)}</p>'
        f'<form method="post" action="{escape(action)}">{fields}<div class="buttons">'
        '<button class="ok" type="submit" name="result" value="verified">認証する (Authenticate)</button>'
        '<button class="ng" type="submit" name="result" value="failed">認証しない (Fail)</button>'
        "</div></form>"
    )
    return _page("3-D Secure (PAY.JP simulator)", body)


def challenge_done_page(resource_id: str, status: str, mode: str, origin: str) -> HTMLResponse:
    text = "認証しました / Authenticated" if status == "verified" else "認証されませんでした / Not authenticated"
    attrs = (
        f' data-resource="{escape(resource_id)}" data-status="{escape(status)}"'
        f' data-mode="{escape(mode)}" data-origin="{escape(origin)}"'
    )
    body = f'<h1>3Dセキュア / 3-D Secure</h1><p>{escape(text)}</p><p class="muted">この画面は自動で閉じます。</p>'
    return _page("3-D Secure result (PAY.JP simulator)", body, body_attrs=attrs, scripts=("/payjs/v2/tds-result.js",))


def application_form_page(tenant_name: str, action: str) -> HTMLResponse:
    body = (
        "<h1>テナント審査申請 / Tenant review application</h1>"
        f"<p>テナント: <strong>{escape(tenant_name)}</strong></p>"
        '<p class="muted">PAY.JP の審査申請フォームの代わりです。入力内容は保存されません。'
        " Stand-in for PAY.JP's application form; nothing entered here is kept.</p>"
        f'<form method="post" action="{escape(action)}">'
        '<label>事業者名 / Business name<input name="business_name" required></label>'
        '<label>代表者名 / Representative<input name="representative"></label>'
        '<label>電話番号 / Phone<input name="phone" type="tel"></label>'
        '<div class="buttons"><button class="ok" type="submit">申請する (Submit)</button></div></form>'
    )
    return _page("Tenant application (PAY.JP simulator)", body)


def review_page(tenant_name: str, brands: list[dict[str, object]], action: str) -> HTMLResponse:
    rows = "".join(
        f"<tr><td>{escape(str(entry['brand']))}</td><td>{escape(str(entry['status']))}</td></tr>" for entry in brands
    )
    body = (
        "<h1>審査状況 / Review status</h1>"
        f"<p>テナント: <strong>{escape(tenant_name)}</strong></p>"
        f'<table class="brands"><tr><th>ブランド / Brand</th><th>状態 / Status</th></tr>{rows}</table>'
        "<p>デモ用: 審査結果をここで決められます。 / Demo: decide the review outcome here.</p>"
        f'<form method="post" action="{escape(action)}"><div class="buttons">'
        '<button class="ok" type="submit" name="status" value="passed">審査通過 (Pass)</button>'
        '<button class="ng" type="submit" name="status" value="declined">否決 (Decline)</button>'
        "</div></form>"
    )
    return _page("Tenant review (PAY.JP simulator)", body)
