"""The reservation list of 予約管理 (one day, or a search: a few hundred rows at most)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from desktop.domain.clinic import ReservationStatus
from desktop.domain.formatting import JST
from desktop.services.front_desk import ReservationRow
from desktop.ui import i18n
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.models.columns import STATE_COLORS

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
HEADERS = (QT_TRANSLATE_NOOP("ReservationTableModel", "日付"), QT_TRANSLATE_NOOP("ReservationTableModel", "時間"),
           QT_TRANSLATE_NOOP("ReservationTableModel", "患者"), QT_TRANSLATE_NOOP("ReservationTableModel", "メニュー"),
           QT_TRANSLATE_NOOP("ReservationTableModel", "予約ステータス"),
           QT_TRANSLATE_NOOP("ReservationTableModel", "決済状況"))

Index = QModelIndex | QPersistentModelIndex


class ReservationTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ReservationRow] = []

    def set_rows(self, rows: Sequence[ReservationRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_of(self, reservation_id: int) -> int | None:
        for i, r in enumerate(self._rows):
            if r.id == reservation_id:
                return i
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(HEADERS)):
            return self.tr(HEADERS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == ROW_ROLE:
            return r
        if role == Qt.ItemDataRole.DisplayRole:
            local = r.starts_at.astimezone(JST)
            wd = "月火水木金土日"[local.weekday()] if i18n.language() == "ja" else local.strftime("%a")
            return (f"{local:%Y/%m/%d} ({wd})", f"{local:%H:%M}", r.patient_name, r.menu_name,
                    i18n.reservation_status_label(r.status), i18n.state_label(r.payment_state))[col]
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 5 and r.payment_state is not None:
                return QColor(STATE_COLORS[r.payment_state])
            if r.status is ReservationStatus.CANCELLED:
                return QColor("#5f6368")
        return None
