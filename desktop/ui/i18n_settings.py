"""English for 決済会社設定, テナント登録 and 接続設定 (merged into ``i18n.EN``)."""

from __future__ import annotations

EN_SETTINGS: dict[str, str] = {
    "決済会社設定": "Payment company",
    "接続設定": "Connection settings",
    "契約情報": "Contract",
    "審査状況": "Review status",
    "診療種別": "Care type",
    "保険診療": "Health insurance care",
    "保険診療含まない": "Without health insurance care",
    "保険診療含む": "With health insurance care",
    "利用申請ページに移動": "Go to the application page",
    "テナント登録する": "Register as a tenant",
    "テナントを登録する": "Register the tenant",
    "PAY.JP テナント登録": "PAY.JP tenant registration",
    "PAY.JPのテナント登録につきまして、下記情報を入力してください。\n入力された情報はPAY.JPの本番利用審査に使用します。":
        "To register with PAY.JP as a tenant, enter the information below.\n"
        "PAY.JP uses it for its review before live use.",
    "施術などで保険診療が含まれない場合は「保険診療含まない」を選択してください。\n"
    "施術などで保険診療を含む場合は「保険診療含む」を選択してください。":
        "Choose “Without health insurance care” when the treatments include no health-insurance care.\n"
        "Choose “With health insurance care” when they do.",
    "PAY.JPから審査状況を今すぐ取得します": "Read the review status from PAY.JP now",
    "最終確認 {time}": "Checked {time}",
    "利用設定": "Use",
    "利用する決済会社": "Payment company in use",
    "選択してください": "Choose",
    "自動決済": "Automatic charge",
    "利用する": "On",
    "利用しない": "Off",
    "利用するにすると、カードを保存した患者様への請求はその場で決済されます。":
        "When on, requests to patients with a saved card are charged at once.",
    "PAY.JPの審査が「承認」になると、利用する決済会社と自動決済を選択できます。":
        "The payment company and automatic charge can be chosen once PAY.JP approves the review.",
    "自動決済は、利用する決済会社を選択すると設定できます。":
        "Automatic charge can be set once a payment company is chosen.",
    "デモモードのため、審査の承認前でもカード決済を試せます（実際の決済は行われません）。":
        "Demo mode: card payment can be tried before approval (no real payments are made).",
    "テストモードのため、審査の承認前でもカード決済を利用できます（テスト用カードのみ・実際の請求は発生しません）。":
        "Test mode: card payment works before approval (test cards only; nobody is charged).",
    "※決済代行会社のご利用は、本サービスとは別途契約会社との手数料が発生致します。":
        "* The payment company charges its own fee, separately from this service.",
    "申請フォームに入力するURL": "URLs for the application form",
    "PAY.JPの利用申請では、次のページのURLが必須です。このアプリの決済ページサーバーが公開しています。":
        "PAY.JP's application needs the URLs of these pages. This app's checkout page server publishes them.",
    "特定商取引法に基づく表記": "Commercial transactions disclosure",
    "プライバシーポリシー": "Privacy policy",
    "利用規約": "Terms of use",
    "コピー": "Copy",
    "クリップボードにコピーしました: {url}": "Copied to the clipboard: {url}",
    "PAY.JPのテナントを登録しました。ブラウザで利用申請を行ってください。":
        "The PAY.JP tenant is registered. Complete the application in the browser.",
    "登録中…": "Registering…",
    "審査状況を更新しました: {status}": "Review status updated: {status}",
    "決済会社の設定を保存しました。": "Payment company settings saved.",
    # connection settings
    "管理者向けの設定です。シークレットキーとパスワードは、この端末のOSの資格情報ストアにだけ保存されます。":
        "Settings for the manager. Secret keys and passwords are stored only in this PC's OS credential store.",
    "この端末にはシークレットキーが登録されていません": "No secret key is stored on this PC",
    "この端末にはWebhookトークンが登録されていません": "No webhook token is stored on this PC",
    "この端末にはSMTPパスワードが登録されていません": "No SMTP password is stored on this PC",
    "この端末に登録済み": "Stored on this PC",
    "PAY.JP 接続": "PAY.JP connection",
    "支払いモード": "Payment mode",
    "公開キー": "Public key",
    "シークレットキー": "Secret key",
    "接続テスト": "Test connection",
    "接続中…": "Connecting…",
    "接続に成功しました（APIキーは有効です）。": "Connected (the API key is valid).",
    "接続に失敗しました: {reason}": "Connection failed: {reason}",
    "デモではシミュレーターのキーを使います": "Demo mode uses the simulator's keys",
    "登録済み（変更するときだけ入力）": "Stored (type only to change it)",
    "PAY.JPの接続設定を保存しました。": "PAY.JP connection settings saved.",
    "支払いモードを変更しました。画面上部の表示とデモ用シミュレーターは、アプリの再起動後に切り替わります。":
        "Payment mode changed. The badge at the top and the demo simulator switch after the app restarts.",
    "Webhook": "Webhook",
    "Webhook URL（PAY.JPに登録）": "Webhook URL (register at PAY.JP)",
    "Webhookトークン": "Webhook token",
    "Webhookトークンを保存しました。": "Webhook token saved.",
    "決済ページ": "Checkout page",
    "公開URL（メールに記載）": "Public URL (used in e-mails)",
    "決済リンクの有効期限": "Payment link valid for",
    " 日": " days",
    "決済ページの設定を保存しました。": "Checkout page settings saved.",
    "クリニック情報（領収書・特定商取引法に基づく表記）": "Clinic details (receipts and legal pages)",
    "クリニック名": "Clinic name",
    "郵便番号": "Postal code",
    "メールアドレス": "E-mail address",
    "代表者名": "Representative",
    "登録番号（適格請求書発行事業者）": "Registration number (qualified invoice issuer)",
    "クリニック情報を保存しました。": "Clinic details saved.",
    "メール送信（SMTP）": "Sending mail (SMTP)",
    "SMTPサーバー": "SMTP server",
    "ポート": "Port",
    "暗号化": "Security",
    "ユーザー名": "User name",
    "パスワード": "Password",
    "テストメール送信": "Send a test mail",
    "テストメールを送信しました（宛先: {address}）。": "Test mail sent to {address}.",
    "メール送信の設定を保存しました。": "Mail settings saved.",
    "デモモードでは、患者様へのメールは「メールボックス（デモ）」に届きます。テストメールは下記のSMTPサーバーから送信します。":
        "In demo mode, mail to patients goes to the demo mailbox. The test mail is sent through the SMTP server below.",
}
