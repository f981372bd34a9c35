"""UI language: Japanese source strings (the real labels, word for word) with an English catalogue.

``tr("予約管理")`` returns the Japanese text in Japanese and its English entry otherwise; a
missing entry falls back to the Japanese text (a test checks the catalogue is complete for
the strings the screens use).
"""

from __future__ import annotations

from PySide6.QtCore import QLocale

from desktop.domain.billing import BillingState
from desktop.domain.clinic import PaymentMode, PaymentTiming, ReservationStatus
from desktop.services.billing import STATE_LABELS_EN, STATE_LABELS_JA

_lang = "ja"

EN: dict[str, str] = {
    "クリニック決済": "ClinicPay",
    "予約管理": "Reservations",
    "決済管理": "Payments",
    "メニュー設定": "Menu settings",
    "メールボックス（デモ）": "Mailbox (demo)",
    "メニューを開く": "Open the menu",
    "デモ": "Demo",
    "テストモード": "Test mode",
    "本番モード": "Live mode",
    "決済ページ: 稼働中 {url}": "Checkout page: running {url}",
    "決済ページ: 停止中": "Checkout page: stopped",
    "未送信 {n} 件": "{n} unsent",
    "送信失敗 {n} 件": "{n} failed",
    "担当スタッフ": "Staff",
    "言語": "Language",
    "デモモードです。決済は実際には行われません。": "Demo mode: no real payments are made.",
    # reservations
    "前日": "Previous day",
    "翌日": "Next day",
    "今日": "Today",
    "患者名で検索": "Search by patient name",
    "新規予約": "New reservation",
    "日付": "Date",
    "時間": "Time",
    "患者": "Patient",
    "メニュー": "Menu",
    "予約ステータス": "Status",
    "決済状況": "Payment",
    "未請求": "Not billed",
    "予約": "Reserved",
    "来院済み": "Visited",
    "キャンセル": "Cancel",
    "予約日時": "Date and time",
    "決済タイミング": "Payment timing",
    "伝達事項": "Message",
    "添付ファイル": "Attachments",
    "患者情報": "Patient",
    "姓名": "Name",
    "性別": "Sex",
    "電話番号": "Phone",
    "Eメール": "E-mail",
    "住所": "Address",
    "予約詳細": "Reservation",
    "予約を選択してください": "Select a reservation",
    "後決済請求": "Request post-payment",
    "請求を取り消す": "Cancel request",
    "再請求": "Request again",
    "請求履歴": "Billing history",
    "請求日時": "Requested",
    "決済日時": "Paid",
    "請求金額": "Amount",
    "請求スタッフ": "Staff",
    "状態": "State",
    "事前決済+後決済": "Pre- and post-payment",
    "事前決済": "Pre-payment",
    "後決済": "Post-payment",
    "なし": "None",
    "ステータスを変更しました。": "Status changed.",
    "予約を登録しました。": "Reservation created.",
    "請求を取り消しました。": "Request cancelled.",
    "請求メールを送信待ちにしました（{patient} 様・{amount}）。": "Payment request queued for {patient} ({amount}).",
    "保存済みカードで決済しました（{patient} 様・{amount}）。": "Charged the saved card of {patient} ({amount}).",
    "この請求を取り消しますか？決済用リンクはすぐに使えなくなります。":
        "Cancel this request? Its payment link stops working at once.",
    # request dialog
    "金額": "Amount",
    "課税対象": "Tax",
    "課税": "Taxable",
    "非課税": "Tax-exempt",
    "確認": "Confirm",
    "戻る": "Back",
    "送信": "Send",
    "送信中…": "Sending…",
    "円": "yen",
    "以下の内容で請求します。よろしいですか？": "Send this request?",
    "請求先": "Bill to",
    # history page
    "期間": "Period",
    "〜": "to",
    "すべて": "All",
    "患者名": "Patient",
    "スタッフ": "Staff",
    "検索": "Search",
    "クリア": "Clear",
    "CSV出力": "Export CSV",
    "{n:,} 件": "{n:,} rows",
    "予約内容": "Reservation",
    "返金日時": "Refunded",
    "返金額": "Refund",
    "操作": "Actions",
    "返金する": "Refund",
    "返金処理中…": "Refunding…",
    "返金しました（{patient} 様・{amount}）。": "Refunded {amount} to {patient}.",
    "CSVを出力しました（{n:,} 件）: {path}": "Exported {n:,} rows: {path}",
    "CSVファイル (*.csv)": "CSV files (*.csv)",
    "決済履歴.csv": "payments.csv",
    "請求ID": "Request ID",
    "予約ID": "Reservation ID",
    # refund dialog
    "こちらの請求を返金しますか？": "Refund this payment?",
    "返金処理を実行すると元に戻すことができません。必ず患者名をご確認ください。":
        "A refund cannot be undone. Check the patient's name carefully.",
    "返金理由": "Reason",
    "全額返金": "Full refund",
    "一部返金": "Partial refund",
    "返金可能額 {amount}": "Refundable {amount}",
    # menu settings
    "新規メニュー": "New menu",
    "メニュー名": "Menu name",
    "料金 (税込)": "Price (tax incl.)",
    "課税区分": "Tax category",
    "クレジットカード決済 (必須)": "Card payment (required)",
    "あり": "Yes",
    "決済種別（1つ以上選択）": "Payment type (choose at least one)",
    "一括": "Lump sum",
    "決済タイミング (必須)": "Payment timing (required)",
    "添付ファイル (必須)": "Attachment (required)",
    "備考": "Notes",
    "確認メッセージ": "Confirmation message",
    "複製": "Duplicate",
    "保存": "Save",
    "削除": "Delete",
    "保存しました。": "Saved.",
    "（アーカイブ済み）": "(archived)",
    "のコピー": " (copy)",
    "メニュー「{name}」を削除しますか？": "Delete the menu “{name}”?",
    "予約があるため、メニューをアーカイブしました（一覧に表示されなくなります）。":
        "The menu has reservations, so it was archived (hidden from the list).",
    "メニューを削除しました。": "Menu deleted.",
    "料金は0〜9,999,999円の整数で入力してください。": "Enter a price from ¥0 to ¥9,999,999.",
    # reservation dialog
    "予約の登録": "New reservation",
    "日時": "Date and time",
    "添付ファイル名（複数はカンマ区切り）": "Attachment names (comma separated)",
    "登録": "Create",
    "ファイルを選択…": "Choose files…",
    # patients: 新規患者 / 患者情報の編集
    "新規患者": "New patient",
    "新規患者を登録して選択します": "Register a new patient and choose them",
    "患者情報の編集": "Edit patient",
    "患者情報の編集：{name} 様": "Edit patient: {name}",
    "編集": "Edit",
    "患者情報を編集": "Edit the patient's details",
    "姓": "Family name",
    "名": "Given name",
    "セイ": "Family name (kana)",
    "メイ": "Given name (kana)",
    "ひらがな・カタカナ": "Hiragana or katakana",
    "未選択": "Not specified",
    "男性": "Male",
    "女性": "Female",
    "その他": "Other",
    "メールの言語": "Mail language",
    "日本語": "Japanese",
    "保存中…": "Saving…",
    "このまま保存": "Save anyway",
    "患者を登録しました（{name} 様）。": "Patient registered: {name}.",
    "患者情報を保存しました（{name} 様）。": "Patient details saved: {name}.",
    "同じ氏名・電話番号の患者様がすでに登録されています：{who}":
        "A patient with the same name and phone number is already registered: {who}",
    "同じメールアドレスの患者様がすでに登録されています：{who}":
        "A patient with the same e-mail address is already registered: {who}",
    "別の方であれば、「このまま保存」を押してください。": "If this is someone else, press “Save anyway”.",
    "患者情報の「編集」ボタン（{shortcut}）からメールアドレスを登録・修正できます。":
        "Add or correct it with the “Edit” button of the patient box ({shortcut}).",
    # mailbox
    "受信日時": "Received",
    "宛先": "To",
    "件名": "Subject",
    "決済ページを開く": "Open the checkout page",
    "更新": "Refresh",
    "メールがありません": "No mail",
    # generic
    "OK": "OK",
    "閉じる": "Close",
    "はい": "Yes",
    "いいえ": "No",
    "処理中…": "Working…",
    "エラー": "Error",
    "決済ページのサーバーを起動できませんでした（ポート {port}）: {reason}":
        "The checkout page server could not start (port {port}): {reason}",
    "決済ページのサーバーはまだ利用できません。": "The checkout page server is not available yet.",
    "PAY.JPシミュレーターを起動できませんでした: {reason}": "The PAY.JP simulator could not start: {reason}",
    "言語を変更しました。": "Language changed.",
    # quality pass: hints, validation, keyboard
    "{label}を入力してください。": "{label} is required.",
    "このメニューでは後決済請求を利用できません。": "Post-payment requests are not available for this menu.",
    "決済会社の利用準備ができていません。": "The payment company is not ready to use yet.",
    "クレジットカード決済": "Card payment",
    "操作メニュー（Shift+F10）": "Actions menu (Shift+F10)",
    "姓・名・フリガナの先頭から検索": "Matches the start of the family name, given name or reading (kana)",
    "患者名で絞り込む (Ctrl+F)": "Filter by patient name (Ctrl+F)",
    "前日 (Alt+←)": "Previous day (Alt+Left)",
    "翌日 (Alt+→)": "Next day (Alt+Right)",
    "今日 (Ctrl+T)": "Today (Ctrl+T)",
    "最新の状態に更新 (F5)": "Refresh (F5)",
    "返金する（管理者のみ）": "Refund (managers only)",
    "予約を登録しましたが、事前決済を請求できませんでした: {reason}":
        "The reservation was saved, but the pre-payment could not be requested: {reason}",
    "予約を登録し、保存済みのカードで事前決済しました。": "Reservation saved and pre-paid with the saved card.",
    "予約を登録し、事前決済の請求メールを送信しました。": "Reservation saved; the pre-payment request was e-mailed.",
    "設定の変更は管理者のみ行えます。担当スタッフを管理者に切り替えてください。":
        "Only a manager can change settings. Switch the staff member to a manager.",
}


from desktop.ui.i18n_settings import EN_SETTINGS  # noqa: E402 - 決済会社設定 / 接続設定

EN.update(EN_SETTINGS)


def set_language(lang: str) -> None:
    global _lang
    _lang = "en" if lang == "en" else "ja"
    # Dates and weekdays in Qt's own widgets (the date pickers) follow the UI language, not the OS.
    if _lang == "ja":
        QLocale.setDefault(QLocale(QLocale.Language.Japanese, QLocale.Country.Japan))
    else:
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


def language() -> str:
    return _lang


def tr(ja: str, **params: object) -> str:
    text = EN.get(ja, ja) if _lang == "en" else ja
    return text.format(**params) if params else text


def state_label(state: BillingState | None) -> str:
    if state is None:
        return tr("未請求")
    return (STATE_LABELS_EN if _lang == "en" else STATE_LABELS_JA)[state]


RESERVATION_STATUS_JA = {
    ReservationStatus.RESERVED: "予約",
    ReservationStatus.VISITED: "来院済み",
    ReservationStatus.CANCELLED: "キャンセル",
}

TIMING_JA = {
    PaymentTiming.PRE_AND_POST: "事前決済+後決済",
    PaymentTiming.PRE: "事前決済",
    PaymentTiming.POST: "後決済",
}

MODE_JA = {PaymentMode.DEMO: "デモ", PaymentMode.TEST: "テストモード", PaymentMode.LIVE: "本番モード"}


def reservation_status_label(status: ReservationStatus) -> str:
    return tr(RESERVATION_STATUS_JA[status])


def timing_label(timing: PaymentTiming) -> str:
    return tr(TIMING_JA[timing])


def mode_label(mode: PaymentMode) -> str:
    return tr(MODE_JA[mode])
