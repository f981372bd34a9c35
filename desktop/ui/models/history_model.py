"""Table models over the billing history.

``HistoryTableModel`` is a *virtual* model for 決済管理: it knows the row count and holds at most
``MAX_PAGES`` pages of rows. A row that is not loaded shows ``…`` while its page is read in the
background (``DeskActions``); the view never waits, so a million rows scroll like a hundred.
``RequestListModel`` is a plain list for the few requests of one reservation.
"""

from __future__ import annotations

import collections
import logging

import shiboken6
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from desktop.services.history import HistoryFilter, HistoryRow
from desktop.ui import async_ops, messages
from desktop.ui.models.columns import ACTIONS, ACTIONS_TIP, HISTORY_COLUMNS, RESERVATION_COLUMNS, STATE, STATE_COLORS
from desktop.ui.models.columns import Column, state_tip

log = logging.getLogger(__name__)

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE_SIZE = 200
MAX_PAGES = 40
LOADING = "…"

Index = QModelIndex | QPersistentModelIndex


class HistorySource(Protocol):
    def count(self, f: HistoryFilter) -> Awaitable[int]: ...
    def page(self, f: HistoryFilter, offset: int, limit: int, total: int | None) -> Awaitable[list[HistoryRow]]: ...


def _display(columns: Sequence[Column], row: HistoryRow, index: Index, role: int) -> Any:
    col = columns[index.column()]
    if role == Qt.ItemDataRole.DisplayRole:
        return col.text(row)
    if role == Qt.ItemDataRole.TextAlignmentRole:
        return int(col.align | Qt.AlignmentFlag.AlignVCenter)
    if role == Qt.ItemDataRole.ForegroundRole and col is STATE:
        return QColor("#b71c1c" if row.mail_refused or row.declined_at is not None else STATE_COLORS[row.state])
    if role == Qt.ItemDataRole.ToolTipRole and col is STATE:
        return state_tip(row)
    if role == Qt.ItemDataRole.ToolTipRole and col.header_ja == "伝達事項":
        return row.message
    if role == Qt.ItemDataRole.ToolTipRole and col.header_ja in ("患者名", "予約内容", "請求スタッフ"):
        return col.text(row)  # whole, where a narrow column elides it
    if role == Qt.ItemDataRole.ToolTipRole and col is ACTIONS and col.text(row):
        return QCoreApplication.translate("HistoryColumn", ACTIONS_TIP)
    if role == ROW_ROLE:
        return row
    return None


class RequestListModel(QAbstractTableModel):
    """The billing history of one reservation (a handful of rows)."""

    def __init__(self, parent: Any = None, columns: Sequence[Column] = RESERVATION_COLUMNS) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: list[HistoryRow] = []

    def set_rows(self, rows: Sequence[HistoryRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[HistoryRow]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self._columns)):
            return self._columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return _display(self._columns, self._rows[index.row()], index, role)


class HistoryTableModel(QAbstractTableModel):
    """All billing requests of the clinic, newest first, loaded page by page.

    Signals:
        loaded(total): the count and the first page are in (after ``reload``).
        page_loaded(page): one page arrived.
    """

    loaded = Signal(int)
    page_loaded = Signal(int)

    def __init__(self, source: HistorySource, parent: Any = None) -> None:
        super().__init__(parent)
        self._source = source
        self._filter = HistoryFilter()
        self._total = 0
        self._pages: collections.OrderedDict[int, list[HistoryRow]] = collections.OrderedDict()
        self._stale: set[int] = set()
        self._loading: set[int] = set()
        self._generation = 0

    # -- loading -----------------------------------------------------------------------------

    @property
    def filter(self) -> HistoryFilter:
        return self._filter

    @property
    def total(self) -> int:
        return self._total

    def reload(self, f: HistoryFilter | None = None) -> None:
        """Read the count and the first page again (with a new filter, or the same one)."""
        if f is not None:
            self._filter = f
        self._generation += 1
        async_ops.spawn(self._reload(self._generation, self._filter), "history-reload")

    async def _reload(self, generation: int, f: HistoryFilter) -> None:
        try:
            first = await self._source.page(f, 0, PAGE_SIZE, None)
            total = len(first) if len(first) < PAGE_SIZE else await self._source.count(f)
        except Exception as exc:  # noqa: BLE001
            messages.exception(exc)
            return
        if generation != self._generation or not shiboken6.isValid(self):
            return
        self.beginResetModel()
        self._total = total
        self._pages.clear()
        self._pages[0] = first
        self._stale.clear()
        self._loading.clear()
        self.endResetModel()
        self.loaded.emit(total)

    def refresh(self) -> None:
        """Something changed: keep showing what we have, re-read the count and the pages in view."""
        if self._total == 0 or not self._pages:
            self.reload()
            return
        async_ops.spawn(self._refresh(self._generation, self._filter), "history-refresh")

    async def _refresh(self, generation: int, f: HistoryFilter) -> None:
        try:
            total = await self._source.count(f)
        except Exception as exc:  # noqa: BLE001
            log.warning("history refresh failed: %s", exc)
            return
        if generation != self._generation or not shiboken6.isValid(self):
            return
        if total != self._total:
            self.reload()
            return
        self._stale.update(self._pages.keys())
        for page in list(self._pages.keys()):
            self._request(page)

    def _request(self, page: int) -> None:
        if page in self._loading:
            return
        self._loading.add(page)
        async_ops.spawn(self._load_page(self._generation, self._filter, page), "history-page")

    async def _load_page(self, generation: int, f: HistoryFilter, page: int) -> None:
        try:
            rows = await self._source.page(f, page * PAGE_SIZE, PAGE_SIZE, self._total)
        except Exception as exc:  # noqa: BLE001
            log.warning("history page %s failed: %s", page, exc)
            self._loading.discard(page)
            return
        if generation != self._generation or not shiboken6.isValid(self):
            return
        self._loading.discard(page)
        self._stale.discard(page)
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        first = page * PAGE_SIZE
        last = min(self._total, first + PAGE_SIZE) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))
        self.page_loaded.emit(page)

    def row_at(self, row: int) -> HistoryRow | None:
        """The row if loaded (asks for its page otherwise)."""
        page, offset = divmod(row, PAGE_SIZE)
        rows = self._pages.get(page)
        if rows is None or page in self._stale:
            self._request(page)
        if rows is None:
            return None
        self._pages.move_to_end(page)
        return rows[offset] if offset < len(rows) else None

    def row_of(self, request_id: int) -> int | None:
        """The row of request ``request_id`` among the pages loaded now (None if not loaded)."""
        for page, rows in self._pages.items():
            for offset, r in enumerate(rows):
                if r.id == request_id:
                    return page * PAGE_SIZE + offset
        return None

    def is_loaded(self, row: int) -> bool:
        page, offset = divmod(row, PAGE_SIZE)
        rows = self._pages.get(page)
        return rows is not None and offset < len(rows) and page not in self._stale

    # -- Qt model ----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HISTORY_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(HISTORY_COLUMNS)):
            return HISTORY_COLUMNS[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._total:
            return None
        row = self.row_at(index.row())
        if row is None:
            return LOADING if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 else None
        return _display(HISTORY_COLUMNS, row, index, role)
