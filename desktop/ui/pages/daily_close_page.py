"""日次締め (管理者, 経理): one day's figures in Japan time, 締める, and the PDF and CSV for the
accountant; any day can be shown and printed again. A closed day shows the figures as closed."""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Awaitable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget

from desktop.domain.formatting import JST, format_yen
from desktop.services.daily_close import DayFigures, report_rows
from desktop.ui import async_ops, i18n, messages
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import ask_save_path, button_bar, date_edit, edited_date, row_table, wrapped_label


class DailyClosePage(QWidget):
    COLUMNS = (QT_TRANSLATE_NOOP("DailyClosePage", "項目"), QT_TRANSLATE_NOOP("DailyClosePage", "件数"),
               QT_TRANSLATE_NOOP("DailyClosePage", "金額"))

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.figures: DayFigures | None = None
        layout = QVBoxLayout(self)
        yesterday = dt.datetime.now(JST).date() - dt.timedelta(days=1)
        self.day_edit = date_edit(yesterday)
        self.day_edit.setAccessibleName(self.tr("対象日"))
        self.show_button = QPushButton(self.tr("表示"))
        self.close_button = QPushButton(self.tr("この日を締める"))
        self.pdf_button = QPushButton(self.tr("PDF出力"))
        self.csv_button = QPushButton(self.tr("CSV出力"))
        layout.addLayout(button_bar(QLabel(self.tr("対象日（日本時間）")), self.day_edit, self.show_button, None,
                                    self.close_button, self.pdf_button, self.csv_button))
        self.status_label = wrapped_label()
        self.status_label.setStyleSheet("font-weight: bold; padding: 4px;")
        layout.addWidget(self.status_label)
        self.table = row_table([self.tr(c) for c in self.COLUMNS], stretch_column=0, object_name="dailyCloseTable",
                               widths=(0, 140, 140))
        self.table.setAlternatingRowColors(True)
        layout.addWidget(self.table, 1)
        self.note_label = wrapped_label()
        self.note_label.setStyleSheet("color: #555;")
        layout.addWidget(self.note_label)

        self.show_button.clicked.connect(self.reload)
        self.day_edit.dateChanged.connect(lambda _d: self.reload())
        self.close_button.clicked.connect(self._on_close_clicked)
        self.pdf_button.clicked.connect(self._on_pdf_clicked)
        self.csv_button.clicked.connect(self._on_csv_clicked)
        self.reload()

    def day(self) -> dt.date:
        return edited_date(self.day_edit)

    def reload(self) -> None:
        """Read the chosen day's figures."""
        async_ops.run_op(self.session.actions.day_figures(self.session.clinic.id, self.day()), on_success=self._show,
                         name="daily-close")

    def _show(self, figures: DayFigures) -> None:
        if figures.day != self.day():
            return
        self.figures = figures
        lang = i18n.language()
        rows = report_rows(figures, lang)[2:]  # the day and its status are shown above the table
        self.table.setRowCount(len(rows))
        for r, (label, count, amount) in enumerate(rows):
            shown = format_yen(int(amount)) if amount.lstrip("-").isdigit() else amount
            for c, text in enumerate((label, count, shown)):
                cell = QTableWidgetItem(text)
                if c:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, cell)
        self.table.resizeRowsToContents()
        ended = figures.day < dt.datetime.now(JST).date()
        if figures.closed_at is not None:
            self.status_label.setText(self.tr("締め済み（{at}・{name}）。この日の数字は変わりません。").format(
                at=figures.closed_at.astimezone(JST).strftime("%Y/%m/%d %H:%M"), name=figures.closed_by))
            self.status_label.setStyleSheet("font-weight: bold; padding: 4px; color: #1b5e20;")
        else:  # a day is closed once it is over: patients pay from their phones until midnight
            self.status_label.setText(self.tr("未締め：数字は変わることがあります。") if ended else
                                      self.tr("未締め：この日の分は、日本時間で翌日から締められます"
                                              "（それまでお支払いや返金が入ることがあります）。"))
            self.status_label.setStyleSheet("font-weight: bold; padding: 4px; color: #8a4b00;")
        self.close_button.setEnabled(not figures.closed and ended)
        self.close_button.setToolTip("" if ended else self.tr("日本時間で翌日から締められます"))
        notes = [self.tr("返金は返金した日に計上されます（締めた日の決済をあとで返金しても、締めた日の数字は変わりません）。")]
        if figures.payjp_fee_estimated or figures.platform_fee_estimated:
            notes.append(self.tr("「推定を含む」手数料は、PAY.JPが手数料を報告していない決済を標準料率で計算したものです。"))
        self.note_label.setText("\n".join(notes))

    def _on_close_clicked(self) -> None:
        if self.figures is None or self.figures.closed:
            return
        day = self.figures.day
        if not ConfirmDialog.ask(self, self.tr("日次締め"),
                                 self.tr("{day} を締めますか？締めた後はこの日の数字は変わりません。").format(day=day.isoformat()),
                                 self.tr("締める")):
            return
        s = self.session

        def done(figures: DayFigures) -> None:
            self._show(figures)
            messages.info(self.tr("{day} を締めました。").format(day=day.isoformat()))

        async_ops.run_op(s.actions.close_day(s.actor, s.clinic.id, day), busy=[self.close_button],
                         busy_text=self.tr("処理中…"), on_success=done, name="close-day")

    def _ask_path(self, title: str, suffix: str, file_filter: str) -> pathlib.Path | None:
        """Where to write the shown day's report (``日次締め_2026-11-29.pdf`` in the home folder first)."""
        if self.figures is None:
            return None
        return ask_save_path(self, title, f"{self.tr('日次締め')}_{self.figures.day.isoformat()}.{suffix}", file_filter)

    def _on_pdf_clicked(self) -> None:
        path = self._ask_path(self.tr("PDF出力"), "pdf", self.tr("PDFファイル (*.pdf)"))
        if path is not None:
            self.export_pdf(path)

    def _on_csv_clicked(self) -> None:
        path = self._ask_path(self.tr("CSV出力"), "csv", self.tr("CSVファイル (*.csv)"))
        if path is not None:
            self.export_csv(path)

    def _export(self, work: Awaitable[object], button: QPushButton, written: str, name: str) -> None:
        async_ops.run_op(work, busy=[button], on_success=lambda _: messages.info(written), name=name)

    def export_pdf(self, path: pathlib.Path) -> None:
        """The shown day's report as a PDF at ``path``."""
        assert self.figures is not None
        s = self.session
        self._export(s.actions.export_day_pdf(self.figures, s.clinic.name, path, i18n.language()), self.pdf_button,
                     self.tr("PDFを出力しました: {path}").format(path=path), "day-pdf")

    def export_csv(self, path: pathlib.Path) -> None:
        """The shown day's figures as a CSV at ``path``."""
        assert self.figures is not None
        self._export(self.session.actions.export_day_csv(self.figures, path, i18n.language()), self.csv_button,
                     self.tr("CSVを出力しました: {path}").format(path=path), "day-csv")
