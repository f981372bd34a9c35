"""What the patient does on the page (shared by the browser tests)."""

from __future__ import annotations

import pathlib
import re
from typing import Any

AXE = pathlib.Path(__file__).with_name("vendor") / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAYJP_TDS = re.compile(r"/v1/tds/ch_[0-9A-Za-z]+/start\?publickey=pk_[^&]+&back_url=[^&]+$")
THANKS = re.compile(r"/pay/[A-Za-z0-9_-]+/thanks(\?.*)?$")  # for page.wait_for_url


def fill_card(page: Any, number: str = "4242424242424242", name: str = "HANAKO YAMADA",
              expiry: str = "12 / 30", cvc: str = "123") -> None:
    """Type into the card fields of PAY.JP's iframes (the simulator's stand-in), then the name."""
    page.frame_locator("#card-number iframe").locator("input").fill(number)
    page.frame_locator("#card-expiry iframe").locator("input").fill(expiry)
    page.frame_locator("#card-cvc iframe").locator("input").fill(cvc)
    page.get_by_label("名前（カード名義）").fill(name)


def answer_3ds(page: Any, authenticate: bool = True) -> None:
    """On PAY.JP's 3-D Secure page (the simulator's, same tab): answer the challenge."""
    page.wait_for_url(PAYJP_TDS)
    label = "認証する (Authenticate)" if authenticate else "認証しない (Fail)"
    page.get_by_role("button", name=label).click()


def pay_with_3ds(page: Any, authenticate: bool = True) -> None:
    """Press 支払う: the page goes to PAY.JP's 3-D Secure page (redirect, no pop-up); answer it.

    PAY.JP then sends the patient back to our return page, which finishes the payment.
    """
    popups = watch_popups(page)
    page.get_by_role("button", name="支払う ¥1,200").click()
    answer_3ds(page, authenticate)
    assert not popups, "the checkout opened a pop-up window"


def watch_popups(page: Any) -> list[Any]:
    """The pop-up windows the page opens from now on (there should be none)."""
    popups: list[Any] = []

    def opened(popup: Any) -> None:
        popups.append(popup)

    page.on("popup", opened)
    return popups


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.x A/AA violations on the page (our document; PAY.JP's frames are theirs)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, iframes: false})", WCAG_TAGS)
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]]
