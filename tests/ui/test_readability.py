"""Coloured state text stays readable: on a selected row it is drawn in the highlighted-text colour,
and every state colour has at least WCAG AA contrast (4.5:1) on the row backgrounds."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QPalette

from desktop.ui.models.columns import STATE_COLORS
from desktop.ui.pages.billing_page import BillingPage
from desktop.ui.widgets.common import contrast_ratio, readable_background

from .conftest import wait_idle
from .test_billing_page import _paid_requests

STATE_COLUMN = 7


def _text_colours(image: Any, rect: Any, background: QColor) -> list[QColor]:
    """Pixel colours in ``rect`` that differ from the cell background (the glyphs)."""
    out = []
    for x in range(rect.left() + 2, rect.right() - 2):
        for y in range(rect.top() + 2, rect.bottom() - 2):
            c = image.pixelColor(x, y)
            if contrast_ratio(c, background) > 1.5:
                out.append(c)
    return out


def test_state_colours_have_aa_contrast_on_rows(qapp: Any) -> None:
    pal = qapp.palette()
    for bg in (pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.AlternateBase)):
        for state, colour in STATE_COLORS.items():
            assert contrast_ratio(QColor(colour), bg) >= 4.5, (state, colour, bg.name())
    # the selection colour of the tables is made dark enough for white text
    hl = readable_background(pal.color(QPalette.ColorRole.Highlight), pal.color(QPalette.ColorRole.HighlightedText))
    assert contrast_ratio(pal.color(QPalette.ColorRole.HighlightedText), hl) >= 4.5


def test_selected_row_draws_state_in_highlighted_text(qtbot: Any, clinic_app: Any) -> None:
    _paid_requests(qtbot, clinic_app, [1200, 2400])
    page = clinic_app.window.show_page("決済管理")
    assert isinstance(page, BillingPage)
    page.apply_filter()
    wait_idle(qtbot)
    page.view.selectRow(0)
    qtbot.wait(50)
    image = page.view.viewport().grab().toImage()
    selected = page.view.visualRect(page.model.index(0, STATE_COLUMN))
    plain = page.view.visualRect(page.model.index(1, STATE_COLUMN))
    highlight = image.pixelColor(selected.left() + 1, selected.top() + 1)
    glyphs = _text_colours(image, selected, highlight)
    assert glyphs, "no text drawn"
    best = max(glyphs, key=lambda c: contrast_ratio(c, highlight))
    assert contrast_ratio(best, highlight) >= 4.5, (best.name(), highlight.name())
    assert contrast_ratio(best, QColor(STATE_COLORS[page.model.row_at(0).state])) > 2  # not the green any more
    base = image.pixelColor(plain.left() + 1, plain.top() + 1)
    unselected = _text_colours(image, plain, base)
    assert max(contrast_ratio(c, base) for c in unselected) >= 4.5
