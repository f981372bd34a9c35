"""接続チェック (テストモード): a ¥50 test request shown as a QR code, then every step with ✓ or its reason.

Opened from 決済会社設定. The 管理者 enters their e-mail address (the test request's mail goes
there too), presses テスト請求を作成, opens the link on a phone from the QR code, pays with a PAY.JP
test card (3-D Secure included), opens the receipt, and presses 結果を確認. The result is kept
with its date; the 本番 switch needs a pass within 30 days.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.domain.errors import UserError
from desktop.domain.formatting import JST
from desktop.domain.live_check import Step, StepResult
from desktop.services.actions import DeskActions
from desktop.services.live_check import LiveCheckResult, LiveCheckStarted
from desktop.ui import async_ops, i18n
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import ErrorLabel, dialog_buttons

OK_STYLE = "color: #1b5e20; font-weight: bold;"
NG_STYLE = "color: #c62828; font-weight: bold;"
WAIT_STYLE = "color: #607d8b; font-weight: bold;"
QR_PIXELS = 180


def qr_pixmap(url: str, size: int = QR_PIXELS) -> QPixmap:
    """``url`` as a QR code (segno, error correction M, PNG bytes) scaled to about ``size`` pixels."""
    import io

    import segno

    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    modules = code.symbol_size(scale=1, border=4)[0]
    code.save(buffer, kind="png", scale=max(1, size // modules), border=4)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue())  # PNG, recognised by its signature
    return pixmap


class LiveCheckDialog(QDialog):
    """The check: e-mail, QR code and link, the steps to follow, the checklist."""

    def __init__(self, session: UiSession, actions: DeskActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.desk = actions
        self.started: LiveCheckStarted | None = None
        self.setWindowTitle(self.tr("接続チェック"))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()  # on a small screen (1366×768 at 150 %) the content scrolls, never overlaps
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget()
        scroll.setWidget(content)
        outer.addWidget(scroll, 1)
        layout = QVBoxLayout(content)
        top = QHBoxLayout()
        heading = QLabel(self.tr("接続チェック（テストモード）"))
        heading.setStyleSheet("font-size: 16px; font-weight: bold;")
        top.addWidget(heading)
        top.addStretch(1)
        self.last_label = QLabel("")
        self.last_label.setStyleSheet("color: #455a64;")
        top.addWidget(self.last_label)
        layout.addLayout(top)
        intro = QLabel(self.tr("公開URL・PAY.JP・Webhook・返金が本番と同じ経路で動くかを、50円のテスト決済で確かめます。"
                               "実際のカードには請求されません。"))
        intro.setWordWrap(True)
        layout.addWidget(intro)

        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("テスト請求の送信先")))
        self.email = QLineEdit()
        self.email.setPlaceholderText(self.tr("あなたのメールアドレス"))
        self.email.setMinimumWidth(280)
        row.addWidget(self.email, 1)
        self.start_button = QPushButton(self.tr("テスト請求を作成"))
        row.addWidget(self.start_button)
        layout.addLayout(row)
        self.email_error = ErrorLabel()
        layout.addWidget(self.email_error)

        body = QHBoxLayout()
        self.qr = QLabel()
        self.qr.setFixedSize(QR_PIXELS + 8, QR_PIXELS + 8)
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setStyleSheet("background: white; border: 1px solid #cfd8dc;")
        qr_column = QVBoxLayout()
        qr_column.addWidget(self.qr)
        qr_column.addStretch(1)
        body.addLayout(qr_column)
        how = QVBoxLayout()
        self.steps_text = QLabel(self.tr(
            "1. スマートフォンでQRコードを読み取り、決済ページを開きます。\n"
            "2. PAY.JPのテストカード（4242 4242 4242 4242、有効期限は未来の月、CVCは任意の3桁）で支払います。"
            "3Dセキュアの画面が出たら認証します。\n"
            "3. 支払い完了画面で「領収書」を開きます。\n"
            "4. 「結果を確認」を押します。50円は返金されます。"))
        self.steps_text.setWordWrap(True)
        how.addWidget(self.steps_text)
        self.link = QLabel("")
        self.link.setWordWrap(True)
        self.link.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.link.setStyleSheet("color: #1565c0;")
        how.addWidget(self.link)
        body.addLayout(how, 1)

        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setColumnStretch(1, 1)
        self.marks: dict[Step, QLabel] = {}
        self.reasons: dict[Step, QLabel] = {}
        lang = i18n.language()
        for n, step in enumerate(Step):
            mark = QLabel("—")
            mark.setStyleSheet(WAIT_STYLE)
            mark.setAlignment(Qt.AlignmentFlag.AlignTop)
            box = QVBoxLayout()
            box.setSpacing(1)
            text = QLabel(step.label(lang))
            text.setWordWrap(True)
            box.addWidget(text)
            reason = QLabel("")
            reason.setWordWrap(True)
            reason.setStyleSheet("color: #c62828;")
            reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            reason.hide()
            box.addWidget(reason)
            self.grid.addWidget(mark, n, 0)
            self.grid.addLayout(box, n, 1)
            self.marks[step] = mark
            self.reasons[step] = reason
        how.addLayout(self.grid)
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        how.addWidget(self.verdict)
        how.addStretch(1)
        layout.addLayout(body)

        self.finish_button = QPushButton(self.tr("結果を確認"))
        self.finish_button.setEnabled(False)
        self.close_button = QPushButton(self.tr("閉じる"))
        buttons = dialog_buttons(self.finish_button, cancel=self.close_button)
        buttons.setContentsMargins(11, 4, 11, 11)
        outer.addLayout(buttons)
        self._fit()

        self.start_button.clicked.connect(self.start)
        self.finish_button.clicked.connect(self.finish)
        self.close_button.clicked.connect(self.reject)
        async_ops.run_op(self.desk.latest_live_check(session.clinic.id), on_success=self._show_latest)

    def _fit(self) -> None:
        """About 920×540, within the screen's available area."""
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        width, height = 920, 540
        if screen is not None:
            width, height = min(width, screen.width() - 40), min(height, screen.height() - 60)
        self.resize(width, height)

    # -- showing ----------------------------------------------------------------------------------

    def _show_latest(self, result: LiveCheckResult | None) -> None:
        if result is None or result.finished_at is None:
            self.last_label.setText(self.tr("前回の結果: まだ実行していません"))
            return
        when = f"{result.finished_at.astimezone(JST):%Y/%m/%d %H:%M}"
        self.last_label.setText((self.tr("前回の結果: 合格（{time}）") if result.passed
                                 else self.tr("前回の結果: 不合格（{time}）")).format(time=when))

    def show_started(self, started: LiveCheckStarted) -> None:
        self.started = started
        ratio = self.devicePixelRatioF()
        pixmap = qr_pixmap(started.pay_url, int(QR_PIXELS * ratio))
        pixmap.setDevicePixelRatio(ratio)  # sharp at 150 % too
        self.qr.setPixmap(pixmap)
        self.link.setText(started.pay_url)
        self.finish_button.setEnabled(True)
        self.start_button.setEnabled(False)
        self.email.setEnabled(False)

    def show_result(self, result: LiveCheckResult) -> None:
        lang = i18n.language()
        by_step: dict[Step, StepResult] = {s.item: s for s in result.steps}
        for step in Step:
            found = by_step.get(step)
            ok = found is not None and found.ok
            self.marks[step].setText("✓" if ok else "✗")
            self.marks[step].setStyleSheet(OK_STYLE if ok else NG_STYLE)
            reason = found.reason if found is not None else None
            self.reasons[step].setText(reason.message(lang) if reason is not None else "")
            self.reasons[step].setVisible(reason is not None)
        if result.passed:
            self.verdict.setText(self.tr("合格しました。この結果は本番モードへの切り替えの条件になります（30日間有効）。"))
            self.verdict.setStyleSheet(OK_STYLE)
        else:
            self.verdict.setText(self.tr("✗ の項目を直してから、もう一度「結果を確認」を押してください。"))
            self.verdict.setStyleSheet(NG_STYLE)
        self._show_latest(result)

    # -- actions ----------------------------------------------------------------------------------

    def start(self) -> None:
        """テスト請求を作成: the ¥50 request, its QR code."""
        self.email_error.clear_error()

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, UserError):
                self.email_error.show_error(exc.message(i18n.language()))
                return True
            return False

        async_ops.run_op(self.desk.start_live_check(self.session.actor, self.session.clinic.id, self.email.text()),
                         busy=[self.start_button], busy_text=self.tr("作成中…"), on_success=self.show_started,
                         on_failure=failed, name="live-check-start")

    def finish(self) -> None:
        """結果を確認: every step now."""
        if self.started is None:
            return
        async_ops.run_op(self.desk.finish_live_check(self.session.actor, self.started.check_id),
                         busy=[self.finish_button], busy_text=self.tr("確認中…"), on_success=self.show_result,
                         name="live-check-finish")
