<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="ja">
<context>
    <name>AboutDialog</name>
    <message>
        <source>このアプリについて</source>
        <translation>About ClinicPay</translation>
    </message>
    <message>
        <source>クリニック決済 (ClinicPay)</source>
        <translation>ClinicPay</translation>
    </message>
    <message>
        <source>バージョン</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>なし（ログファイルを作成できませんでした）</source>
        <translation>None (the log file could not be created)</translation>
    </message>
    <message>
        <source>ログファイル</source>
        <translation>Log file</translation>
    </message>
    <message>
        <source>動作環境</source>
        <translation>Runtime</translation>
    </message>
    <message>
        <source>ログの場所をコピー</source>
        <translation>Copy log location</translation>
    </message>
    <message>
        <source>ログのフォルダーを開く</source>
        <translation>Open log folder</translation>
    </message>
    <message>
        <source>閉じる</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>ApprovalsDialog</name>
    <message>
        <source>承認待ち</source>
        <translation>Awaiting approval</translation>
    </message>
    <message>
        <source>承認が必要な金額の返金です。返金を依頼した管理者とは別の管理者が承認すると、すぐに返金されます。</source>
        <translation>These refunds are above the amount that needs approval. When a manager other than the one who asked approves, the refund is made at once.</translation>
    </message>
    <message>
        <source>依頼日時</source>
        <translation>Requested at</translation>
    </message>
    <message>
        <source>患者名</source>
        <translation>Patient name</translation>
    </message>
    <message>
        <source>返金額</source>
        <translation>Refund amount</translation>
    </message>
    <message>
        <source>返金理由</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>依頼した管理者</source>
        <translation>Requested by</translation>
    </message>
    <message>
        <source>承認待ちの返金はありません。</source>
        <translation>No refunds are awaiting approval.</translation>
    </message>
    <message>
        <source>取り下げ</source>
        <translation>Withdraw</translation>
    </message>
    <message>
        <source>承認して返金する</source>
        <translation>Approve and refund</translation>
    </message>
    <message>
        <source>閉じる</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>承認できる別の管理者が登録されていません。</source>
        <translation>There is no other manager who could approve.</translation>
    </message>
    <message>
        <source>承認して返金しました（{patient} 様・{amount}）。</source>
        <translation>Approved and refunded ({patient}, {amount}).</translation>
    </message>
    <message>
        <source>取り下げない</source>
        <translation>Keep the request</translation>
    </message>
    <message>
        <source>返金の依頼を取り下げました（{patient} 様）。</source>
        <translation>The refund was withdrawn ({patient}).</translation>
    </message>
    <message>
        <source>返金の依頼を取り下げる</source>
        <translation>Withdraw the refund request</translation>
    </message>
    <message>
        <source>{patient} 様の返金（{amount}）の依頼を取り下げますか？返金は行われません。</source>
        <translation>Withdraw the request to refund {amount} to {patient}? No refund will be made.</translation>
    </message>
    <message>
        <source>取り下げる</source>
        <translation>Withdraw</translation>
    </message>
</context>
<context>
    <name>AttentionPage</name>
    <message>
        <source>処理中のまま</source>
        <translation>Still processing</translation>
    </message>
    <message>
        <source>照合の差異</source>
        <translation>Reconciliation difference</translation>
    </message>
    <message>
        <source>返金が必要</source>
        <translation>Refund needed</translation>
    </message>
    <message>
        <source>送信失敗</source>
        <translation>Sending failed</translation>
    </message>
    <message>
        <source>返金期限間近</source>
        <translation>Refund deadline near</translation>
    </message>
    <message>
        <source>期限切れ間近</source>
        <translation>Link expiring soon</translation>
    </message>
    <message>
        <source>カード拒否</source>
        <translation>Card declined</translation>
    </message>
    <message>
        <source>{reason}</source>
        <translation>{reason}</translation>
    </message>
    <message>
        <source>{at}から決済処理中です。PAY.JPで結果を確認中です。変わらない場合は決済管理で確認してください。</source>
        <translation>Processing since {at}; the result is being checked with PAY.JP. If it does not change, check the request in Payments.</translation>
    </message>
    <message>
        <source>予約はキャンセル済みです。事前決済を返金してください。</source>
        <translation>The reservation was cancelled. Refund the pre-payment.</translation>
    </message>
    <message>
        <source>患者様へのメールが届きませんでした（{reason}）。メールアドレスを確認して再請求してください。</source>
        <translation>The mail to the patient was not delivered ({reason}). Check the e-mail address and request again.</translation>
    </message>
    <message>
        <source>PAY.JPで返金できるのは{at}までです。返金が必要なら早めに行ってください。</source>
        <translation>PAY.JP can refund this payment until {at}. If a refund is needed, make it soon.</translation>
    </message>
    <message>
        <source>未決済の決済用リンクが{at}に期限切れになります。必要なら患者様へご連絡ください（決済管理の「⋯」からリマインダーも送れます）。</source>
        <translation>The unpaid payment link expires on {at}. Contact the patient if needed (a reminder can also be sent from the “⋯” menu in Payments).</translation>
    </message>
    <message>
        <source>{at}にカードが通りませんでした（{reason}）。患者様からお問い合わせがあればご案内ください。</source>
        <translation>The card was declined on {at} ({reason}). Help the patient if they call.</translation>
    </message>
    <message>
        <source>種類</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>患者名</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>金額</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>対応</source>
        <translation>What to do</translation>
    </message>
    <message>
        <source>更新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>PAY.JPと照合</source>
        <translation>Reconcile with PAY.JP</translation>
    </message>
    <message>
        <source>PAY.JPの決済（過去180日分）とClinicPayの記録を照らし合わせます。PAY.JPの管理画面で行われた返金は反映され、患者様にメールでお知らせします。</source>
        <translation>Compares PAY.JP&apos;s payments (the last 180 days) with ClinicPay&apos;s records. Refunds made in PAY.JP&apos;s dashboard are recorded and the patients are told by e-mail.</translation>
    </message>
    <message>
        <source>確認済みにする</source>
        <translation>Mark as checked</translation>
    </message>
    <message>
        <source>ダブルクリックで決済管理の該当の請求を開きます</source>
        <translation>Double-click to open the request in Payments</translation>
    </message>
    <message>
        <source>対応が必要なものはありません。</source>
        <translation>Nothing needs attention.</translation>
    </message>
    <message>
        <source>PAY.JPと照合中…</source>
        <translation>Reconciling with PAY.JP…</translation>
    </message>
    <message>
        <source>最終照合: {at}</source>
        <translation>Last reconciled: {at}</translation>
    </message>
    <message>
        <source>PAY.JPとはまだ照合していません</source>
        <translation>Not reconciled with PAY.JP yet</translation>
    </message>
    <message>
        <source>PAY.JPと照合しました（決済 {charges} 件・PAY.JPで行われた返金の反映 {refunds} 件・相違 {open} 件）。</source>
        <translation>Reconciled with PAY.JP. Payments compared: {charges}; refunds made in PAY.JP recorded: {refunds}; differences: {open}.</translation>
    </message>
    <message>
        <source>照合中…</source>
        <translation>Reconciling…</translation>
    </message>
    <message>
        <source>{n} 件</source>
        <translation>Items: {n}</translation>
    </message>
</context>
<context>
    <name>AuditPage</name>
    <message>
        <source>請求・決済</source>
        <translation>Requests and payments</translation>
    </message>
    <message>
        <source>返金</source>
        <translation>Refunds</translation>
    </message>
    <message>
        <source>予約・患者</source>
        <translation>Reservations and patients</translation>
    </message>
    <message>
        <source>メニュー</source>
        <translation>Menu</translation>
    </message>
    <message>
        <source>設定</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>スタッフ</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>サインイン・ロック</source>
        <translation>Sign-in and lock</translation>
    </message>
    <message>
        <source>CSV出力</source>
        <translation>Export CSV</translation>
    </message>
    <message>
        <source>日時</source>
        <translation>Date and time</translation>
    </message>
    <message>
        <source>操作</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>対象</source>
        <translation>Record</translation>
    </message>
    <message>
        <source>患者名</source>
        <translation>Patient name</translation>
    </message>
    <message>
        <source>内容</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>すべて</source>
        <translation>All</translation>
    </message>
    <message>
        <source>検索</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>ダブルクリックで対象の画面を開きます</source>
        <translation>Double-click to open the record</translation>
    </message>
    <message>
        <source>患者</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>システム</source>
        <translation>System</translation>
    </message>
    <message>
        <source>{n:,} 件</source>
        <translation>{n:,} items</translation>
    </message>
    <message>
        <source>操作履歴.csv</source>
        <translation>audit-log.csv</translation>
    </message>
    <message>
        <source>CSVファイル (*.csv)</source>
        <translation>CSV files (*.csv)</translation>
    </message>
    <message>
        <source>CSVを出力しました（{n:,} 件）: {path}</source>
        <translation>Exported {n:,} rows to CSV: {path}</translation>
    </message>
</context>
<context>
    <name>BillingPage</name>
    <message>
        <source>請求ID</source>
        <translation>Request ID</translation>
    </message>
    <message>
        <source>請求日時</source>
        <translation>Requested</translation>
    </message>
    <message>
        <source>決済日時</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>患者名</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>メニュー</source>
        <translation>Menu</translation>
    </message>
    <message>
        <source>予約ID</source>
        <translation>Reservation ID</translation>
    </message>
    <message>
        <source>請求金額</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>課税対象</source>
        <translation>Tax</translation>
    </message>
    <message>
        <source>請求スタッフ</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>伝達事項</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>状態</source>
        <translation>State</translation>
    </message>
    <message>
        <source>返金額</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>返金日時</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>PAY.JP課金ID</source>
        <translation>PAY.JP charge ID</translation>
    </message>
    <message>
        <source>カードブランド</source>
        <translation>Card brand</translation>
    </message>
    <message>
        <source>カード下4桁</source>
        <translation>Card last 4</translation>
    </message>
    <message>
        <source>返金理由</source>
        <translation>Refund reason</translation>
    </message>
    <message>
        <source>期間</source>
        <translation>Period</translation>
    </message>
    <message>
        <source>すべて</source>
        <translation>All</translation>
    </message>
    <message>
        <source>患者名で絞り込む (Ctrl+F)</source>
        <translation>Filter by patient name (Ctrl+F)</translation>
    </message>
    <message>
        <source>姓・名・フリガナの先頭から検索</source>
        <translation>Matches the start of the family name, given name or reading (kana)</translation>
    </message>
    <message>
        <source>検索</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>クリア</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>CSV出力</source>
        <translation>Export CSV</translation>
    </message>
    <message>
        <source>承認待ち</source>
        <translation>Awaiting approval</translation>
    </message>
    <message>
        <source>2人目の管理者の承認を待っている返金</source>
        <translation>Refunds waiting for a second manager to approve</translation>
    </message>
    <message>
        <source>〜</source>
        <translation>to</translation>
    </message>
    <message>
        <source>スタッフ</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>承認待ち（{n}件）</source>
        <translation>Awaiting approval ({n})</translation>
    </message>
    <message>
        <source>請求ID {id} のみ表示中（クリアで全件表示）</source>
        <translation>Showing request ID {id} only (Clear shows all)</translation>
    </message>
    <message>
        <source>{n:,} 件</source>
        <translation>{n:,} rows</translation>
    </message>
    <message>
        <source>返金する</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>返金する（管理者のみ）</source>
        <translation>Refund (managers only)</translation>
    </message>
    <message>
        <source>請求を取り消す</source>
        <translation>Cancel request</translation>
    </message>
    <message>
        <source>請求を取り消す（受付・管理者のみ）</source>
        <translation>Cancel request (reception and managers only)</translation>
    </message>
    <message>
        <source>リマインダーを送る</source>
        <translation>Send reminder</translation>
    </message>
    <message>
        <source>リマインダーを送る（受付・管理者のみ）</source>
        <translation>Send reminder (reception and managers only)</translation>
    </message>
    <message>
        <source>返金処理中…</source>
        <translation>Refunding…</translation>
    </message>
    <message>
        <source>返金を承認待ちにしました（{patient} 様・{amount}）。別の管理者が「承認待ち」から承認すると返金されます。</source>
        <translation>The refund is awaiting approval ({patient}, {amount}). It is made when another manager approves it under “Awaiting approval”.</translation>
    </message>
    <message>
        <source>返金しました（{patient} 様・{amount}）。</source>
        <translation>Refunded {amount} to {patient}.</translation>
    </message>
    <message>
        <source>請求を取り消しました。</source>
        <translation>Request cancelled.</translation>
    </message>
    <message>
        <source>{patient} 様に、お支払いのお願い（{amount}）のリマインダーをメールで送りますか？リマインダーは1件の請求につき1回です。</source>
        <translation>Send {patient} a reminder of the payment request ({amount}) by e-mail? One reminder can be sent per request.</translation>
    </message>
    <message>
        <source>送信する</source>
        <translation>Send</translation>
    </message>
    <message>
        <source>{patient} 様にリマインダーを送りました。</source>
        <translation>Reminder sent to {patient}.</translation>
    </message>
    <message>
        <source>決済履歴.csv</source>
        <translation>payments.csv</translation>
    </message>
    <message>
        <source>CSVファイル (*.csv)</source>
        <translation>CSV files (*.csv)</translation>
    </message>
    <message>
        <source>処理中…</source>
        <translation>Working…</translation>
    </message>
    <message>
        <source>CSVを出力しました（{n:,} 件）: {path}</source>
        <translation>Exported {n:,} rows: {path}</translation>
    </message>
</context>
<context>
    <name>BillingState</name>
    <message>
        <source>未請求</source>
        <translation>Not billed</translation>
    </message>
</context>
<context>
    <name>CheckoutUrlStep</name>
    <message>
        <source>患者様がメールのリンクから開く決済ページのURLです。この端末の決済ページサーバーを、TLS（https）で公開したドメインまでのURLを入力してください。</source>
        <translation>The address of the payment page patients open from the link in their mail: this PC&apos;s payment page server published over TLS (https), up to the domain name.</translation>
    </message>
    <message>
        <source>公開URL</source>
        <translation>Public URL</translation>
    </message>
</context>
<context>
    <name>ClinicPayApp</name>
    <message>
        <source>PAY.JPシミュレーターを起動できませんでした: {reason}</source>
        <translation>The PAY.JP simulator could not start: {reason}</translation>
    </message>
    <message>
        <source>決済ページのサーバーを起動できませんでした（ポート {port}）: {reason}</source>
        <translation>The checkout page server could not start (port {port}): {reason}</translation>
    </message>
    <message>
        <source>言語を変更しました。</source>
        <translation>Language changed.</translation>
    </message>
    <message>
        <source>データベースを開けませんでした。元の画面に戻ります: {reason}</source>
        <translation>The database could not be opened; back to where you were: {reason}</translation>
    </message>
</context>
<context>
    <name>ClinicRows</name>
    <message>
        <source>クリニック名</source>
        <translation>Clinic name</translation>
    </message>
    <message>
        <source>代表者名</source>
        <translation>Representative</translation>
    </message>
    <message>
        <source>郵便番号</source>
        <translation>Postal code</translation>
    </message>
    <message>
        <source>住所</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>電話番号</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>メールアドレス</source>
        <translation>E-mail address</translation>
    </message>
</context>
<context>
    <name>ClinicStep</name>
    <message>
        <source>領収書・特定商取引法に基づく表記・PAY.JPの利用申請に使う、クリニックの情報です。登録番号は適格請求書発行事業者の方だけ入力してください。</source>
        <translation>The clinic as receipts, the Specified Commercial Transactions Act page and the PAY.JP application show it. Enter a registration number only if the clinic is a registered qualified invoice issuer.</translation>
    </message>
    <message>
        <source>登録番号（任意）</source>
        <translation>Registration number (optional)</translation>
    </message>
</context>
<context>
    <name>ConfirmDialog</name>
    <message>
        <source>キャンセル</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>請求を取り消す</source>
        <translation>Cancel request</translation>
    </message>
    <message>
        <source>{patient} 様の請求（{amount}）を取り消しますか？決済用リンクはすぐに使えなくなります。</source>
        <translation>Cancel the request to {patient} ({amount})? The payment link stops working at once.</translation>
    </message>
    <message>
        <source>取り消さない</source>
        <translation>Keep the request</translation>
    </message>
</context>
<context>
    <name>ConnectionSettingsPanel</name>
    <message>
        <source>この端末にはシークレットキーが登録されていません</source>
        <translation>No secret key is stored on this PC</translation>
    </message>
    <message>
        <source>この端末にはWebhookトークンが登録されていません</source>
        <translation>No webhook token is stored on this PC</translation>
    </message>
    <message>
        <source>この端末にはSMTPパスワードが登録されていません</source>
        <translation>No SMTP password is stored on this PC</translation>
    </message>
    <message>
        <source>接続設定</source>
        <translation>Connection settings</translation>
    </message>
    <message>
        <source>管理者向けの設定です。シークレットキーとパスワードは、この端末のOSの資格情報ストアにだけ保存されます。</source>
        <translation>Settings for the manager. Secret keys and passwords are stored only in this PC&apos;s OS credential store.</translation>
    </message>
    <message>
        <source>PAY.JP 接続</source>
        <translation>PAY.JP connection</translation>
    </message>
    <message>
        <source>支払いモード</source>
        <translation>Payment mode</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Webhook</source>
        <translation>Webhook</translation>
    </message>
    <message>
        <source>Webhook URL（PAY.JPに登録）</source>
        <translation>Webhook URL (register at PAY.JP)</translation>
    </message>
    <message>
        <source>Webhookトークン</source>
        <translation>Webhook token</translation>
    </message>
    <message>
        <source>決済ページ</source>
        <translation>Checkout page</translation>
    </message>
    <message>
        <source>公開URL（メールに記載）</source>
        <translation>Public URL (used in e-mails)</translation>
    </message>
    <message>
        <source> 日</source>
        <translation> days</translation>
    </message>
    <message>
        <source>決済リンクの有効期限</source>
        <translation>Payment link valid for</translation>
    </message>
    <message>
        <source>未決済のまま期限が近づいたらリマインダーを送る</source>
        <translation>Send a reminder when an unpaid link is about to expire</translation>
    </message>
    <message>
        <source> 日前</source>
        <translation> days before expiry</translation>
    </message>
    <message>
        <source>リマインダー</source>
        <translation>Reminder</translation>
    </message>
    <message>
        <source>クリニック情報（領収書・特定商取引法に基づく表記）</source>
        <translation>Clinic details (receipts and legal pages)</translation>
    </message>
    <message>
        <source>登録番号（適格請求書発行事業者）</source>
        <translation>Registration number (qualified invoice issuer)</translation>
    </message>
    <message>
        <source>メール送信（SMTP）</source>
        <translation>Sending mail (SMTP)</translation>
    </message>
    <message>
        <source>デモモードでは、患者様へのメールは「メールボックス（デモ）」に届きます。テストメールは下記のSMTPサーバーから送信します。</source>
        <translation>In demo mode, mail to patients goes to the demo mailbox. The test mail is sent through the SMTP server below.</translation>
    </message>
    <message>
        <source>テストメール送信</source>
        <translation>Send a test mail</translation>
    </message>
    <message>
        <source>最後にテストメールが届いた日時: {time}</source>
        <translation>Last test mail accepted: {time}</translation>
    </message>
    <message>
        <source>{hint} を保存済み</source>
        <translation>{hint} saved</translation>
    </message>
    <message>
        <source>この端末に登録済み</source>
        <translation>Stored on this PC</translation>
    </message>
    <message>
        <source>デモではシミュレーターのキーを使います</source>
        <translation>Demo mode uses the simulator&apos;s keys</translation>
    </message>
    <message>
        <source>登録済み（変更するときだけ入力）</source>
        <translation>Stored (type only to change it)</translation>
    </message>
    <message>
        <source>処理中…</source>
        <translation>Working…</translation>
    </message>
    <message>
        <source>PAY.JPの接続設定を保存しました。</source>
        <translation>PAY.JP connection settings saved.</translation>
    </message>
    <message>
        <source>本番モードに切り替えました。実際のカードに請求されます。</source>
        <translation>Switched to live mode. Real cards are charged from now on.</translation>
    </message>
    <message>
        <source>Webhookトークンを保存しました。</source>
        <translation>Webhook token saved.</translation>
    </message>
    <message>
        <source>決済ページの設定を保存しました。</source>
        <translation>Checkout page settings saved.</translation>
    </message>
    <message>
        <source>クリニック情報を保存しました。</source>
        <translation>Clinic details saved.</translation>
    </message>
    <message>
        <source>メール送信の設定を保存しました。</source>
        <translation>Mail settings saved.</translation>
    </message>
    <message>
        <source>テストメールを送信しました（宛先: {address}）。</source>
        <translation>Test mail sent to {address}.</translation>
    </message>
</context>
<context>
    <name>ContractPanel</name>
    <message>
        <source>決済会社設定</source>
        <translation>Payment company</translation>
    </message>
    <message>
        <source>※決済代行会社のご利用は、本サービスとは別途契約会社との手数料が発生致します。</source>
        <translation>* The payment company charges its own fee, separately from this service.</translation>
    </message>
    <message>
        <source>契約情報</source>
        <translation>Contract</translation>
    </message>
    <message>
        <source>更新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>PAY.JPから審査状況を今すぐ取得します</source>
        <translation>Read the review status from PAY.JP now</translation>
    </message>
    <message>
        <source>審査状況</source>
        <translation>Review status</translation>
    </message>
    <message>
        <source>診療種別</source>
        <translation>Care type</translation>
    </message>
    <message>
        <source>利用申請ページに移動</source>
        <translation>Go to the application page</translation>
    </message>
    <message>
        <source>テナント登録する</source>
        <translation>Register as a tenant</translation>
    </message>
    <message>
        <source>利用設定</source>
        <translation>Use</translation>
    </message>
    <message>
        <source>選択してください</source>
        <translation>Choose</translation>
    </message>
    <message>
        <source>利用する決済会社</source>
        <translation>Payment company in use</translation>
    </message>
    <message>
        <source>利用する</source>
        <translation>On</translation>
    </message>
    <message>
        <source>利用しない</source>
        <translation>Off</translation>
    </message>
    <message>
        <source>自動決済</source>
        <translation>Automatic charge</translation>
    </message>
    <message>
        <source>自動決済の上限額</source>
        <translation>Automatic payment limit</translation>
    </message>
    <message>
        <source>円</source>
        <translation>yen</translation>
    </message>
    <message>
        <source>利用するにすると、カードを登録した患者様への請求はその場で決済されます。</source>
        <translation>When on, requests to patients with a saved card are charged at once.</translation>
    </message>
    <message>
        <source>この金額を超える請求は、登録済みカードに請求せず、お支払いのお願いをメールで送ります。</source>
        <translation>Requests above this amount are not charged to a saved card: the payment request is e-mailed instead.</translation>
    </message>
    <message>
        <source>プラットフォーム手数料</source>
        <translation>Platform fee</translation>
    </message>
    <message>
        <source>PAY.JP Platformアカウントの運営者が設定します。テナント登録時と、変更して保存したときにPAY.JPのテナントへ反映されます（0〜95%、小数点以下2桁まで）。</source>
        <translation>Set by the operator of the PAY.JP Platform account. It is sent to the PAY.JP tenant at tenant registration and whenever it is changed and saved (0–95 %, at most two decimals).</translation>
    </message>
    <message>
        <source>プラットフォーム手数料率</source>
        <translation>Platform fee rate</translation>
    </message>
    <message>
        <source>申請フォームに入力するURL</source>
        <translation>URLs for the application form</translation>
    </message>
    <message>
        <source>PAY.JPの利用申請では、次のページのURLが必須です。このアプリの決済ページサーバーが公開しています。</source>
        <translation>PAY.JP&apos;s application needs the URLs of these pages. This app&apos;s checkout page server publishes them.</translation>
    </message>
    <message>
        <source>特定商取引法に基づく表記</source>
        <translation>Commercial transactions disclosure</translation>
    </message>
    <message>
        <source>プライバシーポリシー</source>
        <translation>Privacy policy</translation>
    </message>
    <message>
        <source>利用規約</source>
        <translation>Terms of use</translation>
    </message>
    <message>
        <source>接続チェック</source>
        <translation>Connection check</translation>
    </message>
    <message>
        <source>テストモードで、公開URL・PAY.JP・Webhook・返金が本番と同じ経路で動くかを50円のテスト決済で確かめます。本番モードへの切り替えには、30日以内の合格が必要です。</source>
        <translation>In test mode, a ¥50 test payment checks that the public URL, PAY.JP, the webhook and refunds work along the same path as in live mode. Switching to live mode needs a pass within the last 30 days.</translation>
    </message>
    <message>
        <source>決済ページのセキュリティポリシー（CSP）違反の報告</source>
        <translation>Security policy (CSP) violations reported by the payment pages</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>報告はありません。</source>
        <translation>None reported.</translation>
    </message>
    <message>
        <source>（報告のみ）</source>
        <translation> (report only)</translation>
    </message>
    <message>
        <source>{directive} が {origin} を拒否{mode} ・ {page} ・ {count}回 ・ 最終 {time}</source>
        <translation>{directive} refused {origin}{mode} · {page} · {count} times · last {time}</translation>
    </message>
    <message>
        <source>最終確認 {time}</source>
        <translation>Checked {time}</translation>
    </message>
    <message>
        <source>PAY.JPの審査が「承認」になると、利用する決済会社と自動決済を選択できます。</source>
        <translation>The payment company and automatic charge can be chosen once PAY.JP approves the review.</translation>
    </message>
    <message>
        <source>自動決済は、利用する決済会社を選択すると設定できます。</source>
        <translation>Automatic charge can be set once a payment company is chosen.</translation>
    </message>
    <message>
        <source>テストモードでは、PAY.JPのテナント登録が済むまでカード決済を利用できません。「テナント登録する」から登録してください。</source>
        <translation>In test mode, card payment is available only once the clinic is registered as a PAY.JP tenant. Register with “Register tenant”.</translation>
    </message>
    <message>
        <source>デモモードのため、審査の承認前でもカード決済を試せます（実際の決済は行われません）。</source>
        <translation>Demo mode: card payment can be tried before approval (no real payments are made).</translation>
    </message>
    <message>
        <source>テストモードのため、審査の承認前でもカード決済を利用できます（テスト用カードのみ・実際の請求は発生しません）。</source>
        <translation>Test mode: card payment works before approval (test cards only; nobody is charged).</translation>
    </message>
    <message>
        <source>テストモードで実行できます。</source>
        <translation>Available in test mode.</translation>
    </message>
    <message>
        <source>PAY.JPのテナントを登録しました。ブラウザで利用申請を行ってください。</source>
        <translation>The PAY.JP tenant is registered. Complete the application in the browser.</translation>
    </message>
    <message>
        <source>登録中…</source>
        <translation>Registering…</translation>
    </message>
    <message>
        <source>プラットフォーム手数料率を {rate}% に設定しました。</source>
        <translation>Platform fee rate set to {rate}%.</translation>
    </message>
    <message>
        <source>自動決済の上限額を {cap} に設定しました。</source>
        <translation>The automatic payment limit is now {cap}.</translation>
    </message>
    <message>
        <source>審査状況を更新しました: {status}</source>
        <translation>Review status updated: {status}</translation>
    </message>
    <message>
        <source>決済会社の設定を保存しました。</source>
        <translation>Payment company settings saved.</translation>
    </message>
</context>
<context>
    <name>Cover</name>
    <message>
        <source>画面ロック中</source>
        <translation>Screen locked</translation>
    </message>
</context>
<context>
    <name>CrashDialog</name>
    <message>
        <source>起動できませんでした</source>
        <translation>Could not start</translation>
    </message>
    <message>
        <source>クリニック決済を起動できませんでした。</source>
        <translation>ClinicPay could not start.</translation>
    </message>
    <message>
        <source>データベースやデータフォルダーを開けなかった可能性があります。
複数のPCで使っている場合は、データベースのサーバーとネットワークを確かめてから、もう一度起動してください。
続く場合は、「詳細をコピー」を押してサポート担当者に送ってください。</source>
        <translation>The database or the data folder may not have opened.
If several PCs share one database, check the database server and the network, then start the app again.
If it keeps happening, press “Copy details” and send them to your support contact.</translation>
    </message>
    <message>
        <source>予期しないエラー</source>
        <translation>Unexpected error</translation>
    </message>
    <message>
        <source>予期しないエラーが起きました。</source>
        <translation>An unexpected error occurred.</translation>
    </message>
    <message>
        <source>アプリはこのまま使えます。開いている画面と入力中の内容はそのまま残っています。
直前の操作が終わっていない可能性があるため、結果を画面で確かめてから続けてください。
繰り返し起きる場合は、「詳細をコピー」を押してサポート担当者に送ってください。</source>
        <translation>You can keep using the app. Open windows and anything you were typing are still there.
The last action may not have finished, so check its result on screen before you continue.
If this keeps happening, press “Copy details” and send them to your support contact.</translation>
    </message>
    <message>
        <source>記録はログファイルにあります: {path}</source>
        <translation>The log file has the record: {path}</translation>
    </message>
    <message>
        <source>ログファイルを作成できなかったため、詳細はこの画面にのみあります。</source>
        <translation>The log file could not be created, so the details are only in this window.</translation>
    </message>
    <message>
        <source>詳細</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>詳細をコピー</source>
        <translation>Copy details</translation>
    </message>
    <message>
        <source>ログのフォルダーを開く</source>
        <translation>Open log folder</translation>
    </message>
    <message>
        <source>閉じる</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>このエラーは {n} 回起きました。</source>
        <translation>This error has occurred {n} times.</translation>
    </message>
    <message>
        <source>コピーしました</source>
        <translation>Copied</translation>
    </message>
</context>
<context>
    <name>DailyClosePage</name>
    <message>
        <source>項目</source>
        <translation>Item</translation>
    </message>
    <message>
        <source>件数</source>
        <translation>Count</translation>
    </message>
    <message>
        <source>金額</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>対象日</source>
        <translation>Day</translation>
    </message>
    <message>
        <source>表示</source>
        <translation>Show</translation>
    </message>
    <message>
        <source>この日を締める</source>
        <translation>Close this day</translation>
    </message>
    <message>
        <source>PDF出力</source>
        <translation>Export PDF</translation>
    </message>
    <message>
        <source>CSV出力</source>
        <translation>Export CSV</translation>
    </message>
    <message>
        <source>対象日（日本時間）</source>
        <translation>Day (Japan time)</translation>
    </message>
    <message>
        <source>締め済み（{at}・{name}）。この日の数字は変わりません。</source>
        <translation>Closed ({at}, {name}). The figures of this day no longer change.</translation>
    </message>
    <message>
        <source>未締め：数字は変わることがあります。</source>
        <translation>Not closed: the figures may still change.</translation>
    </message>
    <message>
        <source>未締め：この日の分は、日本時間で翌日から締められます（それまでお支払いや返金が入ることがあります）。</source>
        <translation>Not closed: this day can be closed from the next day, Japan time (payments and refunds may still come in until then).</translation>
    </message>
    <message>
        <source>日本時間で翌日から締められます</source>
        <translation>The day can be closed from the next day, Japan time</translation>
    </message>
    <message>
        <source>返金は返金した日に計上されます（締めた日の決済をあとで返金しても、締めた日の数字は変わりません）。</source>
        <translation>Refunds count on the day they are made (refunding a closed day&apos;s payment later does not change the closed day).</translation>
    </message>
    <message>
        <source>「推定を含む」手数料は、PAY.JPが手数料を報告していない決済を標準料率で計算したものです。</source>
        <translation>Fees marked &quot;includes estimates&quot; are computed at the standard rates for payments whose fees PAY.JP did not report.</translation>
    </message>
    <message>
        <source>日次締め</source>
        <translation>Daily close</translation>
    </message>
    <message>
        <source>{day} を締めますか？締めた後はこの日の数字は変わりません。</source>
        <translation>Close {day}? Once closed, the figures of this day no longer change.</translation>
    </message>
    <message>
        <source>締める</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>{day} を締めました。</source>
        <translation>{day} is closed.</translation>
    </message>
    <message>
        <source>処理中…</source>
        <translation>Working…</translation>
    </message>
    <message>
        <source>PDFファイル (*.pdf)</source>
        <translation>PDF files (*.pdf)</translation>
    </message>
    <message>
        <source>CSVファイル (*.csv)</source>
        <translation>CSV files (*.csv)</translation>
    </message>
    <message>
        <source>PDFを出力しました: {path}</source>
        <translation>PDF saved: {path}</translation>
    </message>
    <message>
        <source>CSVを出力しました: {path}</source>
        <translation>CSV saved: {path}</translation>
    </message>
</context>
<context>
    <name>DialogButtons</name>
    <message>
        <source>キャンセル</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>FirstRunDialog</name>
    <message>
        <source>クリニック決済へようこそ</source>
        <translation>Welcome to ClinicPay</translation>
    </message>
    <message>
        <source>はじめに、どちらで始めるかを選んでください。あとから「☰」メニューでいつでも切り替えられます。</source>
        <translation>Choose how to start. You can switch at any time later from the ☰ menu.</translation>
    </message>
    <message>
        <source>デモで試す</source>
        <translation>Try the demo</translation>
    </message>
    <message>
        <source>見本のクリニックで操作を試します。決済はシミュレーター、メールは「メールボックス（デモ）」に届き、実際の患者様やPAY.JPには何も届きません。</source>
        <translation>Try the app on a sample clinic. Payments go to the simulator and mails to the demo mailbox; nothing reaches real patients or PAY.JP.</translation>
    </message>
    <message>
        <source>クリニックの設定を始める</source>
        <translation>Start setting up the clinic</translation>
    </message>
    <message>
        <source>クリニック情報、メール、決済ページのURL、PAY.JPを順に設定します。途中でやめても、続きから再開できます。</source>
        <translation>Set up the clinic&apos;s details, mail, the payment page&apos;s URL and PAY.JP, step by step. You can stop at any point and carry on later.</translation>
    </message>
</context>
<context>
    <name>GoLiveDialog</name>
    <message>
        <source>本番モードへの切り替え</source>
        <translation>Switch to live mode</translation>
    </message>
    <message>
        <source>本番モードに切り替えると、実際のカードに請求されます。
・請求メールのリンクと自動決済で、患者様の実際のカードに請求されます（テスト用カードは使えません）。
・返金はPAY.JPで実際に行われます。テストモードで作った請求と登録済みカードは使えません。</source>
        <translation>In live mode, real cards are charged.
• Payment links in the mails and automatic payment charge the patient&apos;s real card (test cards no longer work).
• Refunds are made at PAY.JP for real. Requests and saved cards made in test mode cannot be used.</translation>
    </message>
    <message>
        <source>実際のカードに請求されることを理解しました</source>
        <translation>I understand that real cards will be charged</translation>
    </message>
    <message>
        <source>本番モードからの切り替え</source>
        <translation>Leave live mode</translation>
    </message>
    <message>
        <source>デモモードに切り替えると、実際の決済は行われなくなります。
患者様に送った請求メールのリンクからは支払えなくなり、本番の決済の返金もできなくなります。切り替えますか？</source>
        <translation>In demo mode no real payments are made.
Patients can no longer pay through the links already mailed to them, and live payments cannot be refunded. Switch?</translation>
    </message>
    <message>
        <source>デモモードに切り替える</source>
        <translation>Switch to demo mode</translation>
    </message>
    <message>
        <source>テストモードに切り替えると、実際のカードには請求されなくなります。
患者様に送った請求メールのリンクからは、テスト用カードでしか支払えなくなります。本番の決済の返金は、本番モードに戻してから行ってください。切り替えますか？</source>
        <translation>In test mode real cards are no longer charged.
The links already mailed to patients then accept test cards only. Refund live payments after switching back to live mode. Switch?</translation>
    </message>
    <message>
        <source>テストモードに切り替える</source>
        <translation>Switch to test mode</translation>
    </message>
    <message>
        <source>本番モードのまま</source>
        <translation>Stay in live mode</translation>
    </message>
    <message>
        <source>カードでキーを確認</source>
        <translation>Confirm the keys with a card</translation>
    </message>
    <message>
        <source>ブラウザで開いたページに、ご自身のカードを入力して「トークン化する」を押してください（請求はされません）。
ページに「受け付けました」と表示されたら「確認する」を押してください。</source>
        <translation>On the page opened in the browser, enter your own card and press “Tokenise” (it will not be charged).
When the page says “Received”, press “Confirm”.</translation>
    </message>
    <message>
        <source>確認する</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <source>本番モードにするには、次の条件をすべて満たす必要があります。</source>
        <translation>Live mode needs every one of these conditions:</translation>
    </message>
    <message>
        <source>満たしていない条件があるため、本番モードには切り替えられません。</source>
        <translation>A condition is not met, so live mode cannot be switched on.</translation>
    </message>
    <message>
        <source>本番モードに切り替える</source>
        <translation>Switch to live mode</translation>
    </message>
</context>
<context>
    <name>HistoryColumn</name>
    <message>
        <source>メール不達</source>
        <translation>Mail refused</translation>
    </message>
    <message>
        <source>患者様のメールサーバーが請求メールの受け取りを拒否しました。メールアドレスを確認してください。</source>
        <translation>The patient&apos;s mail server refused the mail. Check the e-mail address.</translation>
    </message>
    <message>
        <source>・</source>
        <translation> · </translation>
    </message>
    <message>
        <source>カード拒否</source>
        <translation>Card declined</translation>
    </message>
    <message>
        <source>{at}、患者様のカードが通りませんでした: {reason}</source>
        <translation>On {at} the patient&apos;s card did not go through: {reason}</translation>
    </message>
    <message>
        <source>請求日時</source>
        <translation>Requested</translation>
    </message>
    <message>
        <source>決済日時</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>患者名</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>予約内容</source>
        <translation>Reservation</translation>
    </message>
    <message>
        <source>請求金額</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>請求スタッフ</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>伝達事項</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>状態</source>
        <translation>State</translation>
    </message>
    <message>
        <source>返金日時</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>返金額</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>操作</source>
        <translation>Actions</translation>
    </message>
    <message>
        <source>操作メニュー（Shift+F10）</source>
        <translation>Actions menu (Shift+F10)</translation>
    </message>
</context>
<context>
    <name>LiveCheckDialog</name>
    <message>
        <source>接続チェック</source>
        <translation>Connection check</translation>
    </message>
    <message>
        <source>接続チェック（テストモード）</source>
        <translation>Connection check (test mode)</translation>
    </message>
    <message>
        <source>公開URL・PAY.JP・Webhook・返金が本番と同じ経路で動くかを、50円のテスト決済で確かめます。実際のカードには請求されません。</source>
        <translation>A ¥50 test payment checks that the public URL, PAY.JP, the webhook and refunds work along the same path as in live mode. No real card is charged.</translation>
    </message>
    <message>
        <source>テスト請求の送信先</source>
        <translation>Send the test request to</translation>
    </message>
    <message>
        <source>あなたのメールアドレス</source>
        <translation>Your e-mail address</translation>
    </message>
    <message>
        <source>テスト請求を作成</source>
        <translation>Create the test request</translation>
    </message>
    <message>
        <source>1. スマートフォンでQRコードを読み取り、決済ページを開きます。
2. PAY.JPのテストカード（4242 4242 4242 4242、有効期限は未来の月、CVCは任意の3桁）で支払います。3Dセキュアの画面が出たら認証します。
3. 支払い完了画面で「領収書」を開きます。
4. 「結果を確認」を押します。50円は返金されます。</source>
        <translation>1. Scan the QR code with a smartphone and open the payment page.
2. Pay with a PAY.JP test card (4242 4242 4242 4242, any future expiry month, any 3-digit CVC). When the 3-D Secure page appears, authenticate.
3. On the payment-complete page, open “Receipt”.
4. Press “Check the result”. The ¥50 is refunded.</translation>
    </message>
    <message>
        <source>結果を確認</source>
        <translation>Check the result</translation>
    </message>
    <message>
        <source>閉じる</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>前回の結果: まだ実行していません</source>
        <translation>Last result: not run yet</translation>
    </message>
    <message>
        <source>前回の結果: 合格（{time}）</source>
        <translation>Last result: passed ({time})</translation>
    </message>
    <message>
        <source>前回の結果: 不合格（{time}）</source>
        <translation>Last result: failed ({time})</translation>
    </message>
    <message>
        <source>合格しました。この結果は本番モードへの切り替えの条件になります（30日間有効）。</source>
        <translation>Passed. This result counts towards switching to live mode (valid for 30 days).</translation>
    </message>
    <message>
        <source>✗ の項目を直してから、もう一度「結果を確認」を押してください。</source>
        <translation>Fix the items marked ✗, then press “Check the result” again.</translation>
    </message>
    <message>
        <source>作成中…</source>
        <translation>Creating…</translation>
    </message>
    <message>
        <source>確認中…</source>
        <translation>Checking…</translation>
    </message>
</context>
<context>
    <name>MailStep</name>
    <message>
        <source>請求メールや領収書のお知らせを送るメールサーバー（SMTP）です。保存したら「テスト送信」で、クリニックのメールアドレスに届くことを確かめてください。パスワードはこの端末のOSの資格情報ストアにだけ保存されます。</source>
        <translation>The mail server (SMTP) that sends payment requests and receipt notices. After saving, use the test mail to check that it reaches the clinic&apos;s address. The password is stored only in this PC&apos;s credential store.</translation>
    </message>
    <message>
        <source>保存してテスト送信</source>
        <translation>Save and send a test mail</translation>
    </message>
    <message>
        <source>この端末に登録済み</source>
        <translation>Stored on this PC</translation>
    </message>
    <message>
        <source>テストメールを送信しました（宛先: {address}）。届いたことを確かめてください。</source>
        <translation>Test mail sent (to {address}). Check that it arrived.</translation>
    </message>
    <message>
        <source>送信中…</source>
        <translation>Sending…</translation>
    </message>
</context>
<context>
    <name>MailboxPage</name>
    <message>
        <source>更新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>最新の状態に更新 (F5)</source>
        <translation>Refresh (F5)</translation>
    </message>
    <message>
        <source>決済ページを開く</source>
        <translation>Open the checkout page</translation>
    </message>
    <message>
        <source>{n:,} 件</source>
        <translation>{n:,} rows</translation>
    </message>
    <message>
        <source>メールがありません</source>
        <translation>No mail</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>予約管理</source>
        <translation>Reservations</translation>
    </message>
    <message>
        <source>決済管理</source>
        <translation>Payments</translation>
    </message>
    <message>
        <source>決済会社設定</source>
        <translation>Payment company</translation>
    </message>
    <message>
        <source>メニュー設定</source>
        <translation>Menu settings</translation>
    </message>
    <message>
        <source>スタッフ管理</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>操作履歴</source>
        <translation>Audit log</translation>
    </message>
    <message>
        <source>要対応</source>
        <translation>To do</translation>
    </message>
    <message>
        <source>日次締め</source>
        <translation>Daily close</translation>
    </message>
    <message>
        <source>メールボックス（デモ）</source>
        <translation>Mailbox (demo)</translation>
    </message>
    <message>
        <source>メニューを開く</source>
        <translation>Open the menu</translation>
    </message>
    <message>
        <source>トレーニング（デモ）</source>
        <translation>Training (demo)</translation>
    </message>
    <message>
        <source>担当スタッフ</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>ロック</source>
        <translation>Lock</translation>
    </message>
    <message>
        <source>画面をロックします（患者情報を隠します）</source>
        <translation>Lock the screen (hides patient data)</translation>
    </message>
    <message>
        <source>サインアウト</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <source>言語</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>トレーニング中（デモのデータ）です。ここでの操作は、クリニックのデータ・患者様・PAY.JPには届きません。</source>
        <translation>Training (demo data). Nothing done here reaches the clinic&apos;s data, its patients or PAY.JP.</translation>
    </message>
    <message>
        <source>クリニックの画面に戻る</source>
        <translation>Back to the clinic</translation>
    </message>
    <message>
        <source>クリニックの設定を始める</source>
        <translation>Start setting up the clinic</translation>
    </message>
    <message>
        <source>トレーニング（デモ）を開く</source>
        <translation>Open training (demo)</translation>
    </message>
    <message>
        <source>クリニックのデータに戻ります</source>
        <translation>Return to the clinic&apos;s data</translation>
    </message>
    <message>
        <source>見本のクリニックで操作を練習します。クリニックのデータ・患者様・PAY.JPには何も届きません</source>
        <translation>Practise on a sample clinic. Nothing reaches the clinic&apos;s data, its patients or PAY.JP</translation>
    </message>
    <message>
        <source>ヘルプ</source>
        <translation>Help</translation>
    </message>
    <message>
        <source>このアプリについて</source>
        <translation>About ClinicPay</translation>
    </message>
    <message>
        <source>決済ページ: 停止中</source>
        <translation>Checkout page: stopped</translation>
    </message>
    <message>
        <source>（クリニック名 未設定）</source>
        <translation>(clinic name not set)</translation>
    </message>
    <message>
        <source>【トレーニング】</source>
        <translation>[Training] </translation>
    </message>
    <message>
        <source>クリニック決済</source>
        <translation>ClinicPay</translation>
    </message>
    <message>
        <source>デモモードです。決済は実際には行われません。</source>
        <translation>Demo mode: no real payments are made.</translation>
    </message>
    <message>
        <source>テストモードです。PAY.JPのテナント登録が済むまで、カード決済は利用できません（決済会社設定）。</source>
        <translation>Test mode. Card payment is available once the clinic is registered as a PAY.JP tenant (Payment company).</translation>
    </message>
    <message>
        <source>本番モードです。実際のカードに請求されます。</source>
        <translation>Live mode. Real cards are charged.</translation>
    </message>
    <message>
        <source>決済ページ: 起動中…</source>
        <translation>Checkout page: starting…</translation>
    </message>
    <message>
        <source>決済ページ: 稼働中 {url}</source>
        <translation>Checkout page: running {url}</translation>
    </message>
    <message>
        <source>未送信 {n} 件</source>
        <translation>{n} unsent</translation>
    </message>
    <message>
        <source>送信失敗 {n} 件</source>
        <translation>{n} failed</translation>
    </message>
    <message>
        <source>要対応（{n}）</source>
        <translation>To do ({n})</translation>
    </message>
</context>
<context>
    <name>MenuPage</name>
    <message>
        <source>新規メニュー</source>
        <translation>New menu</translation>
    </message>
    <message>
        <source>あり</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>なし</source>
        <translation>None</translation>
    </message>
    <message>
        <source>一括</source>
        <translation>Lump sum</translation>
    </message>
    <message>
        <source>診療代として</source>
        <translation>For medical treatment</translation>
    </message>
    <message>
        <source>領収書の「但し」に印刷されます。空欄のときは「診療代として」です。</source>
        <translation>Printed after &quot;For&quot; on the receipt. Blank: &quot;For medical treatment&quot;.</translation>
    </message>
    <message>
        <source>メニュー名</source>
        <translation>Menu name</translation>
    </message>
    <message>
        <source>料金 (税込)</source>
        <translation>Price (tax incl.)</translation>
    </message>
    <message>
        <source>課税区分</source>
        <translation>Tax category</translation>
    </message>
    <message>
        <source>クレジットカード決済 (必須)</source>
        <translation>Card payment (required)</translation>
    </message>
    <message>
        <source>決済種別（1つ以上選択）</source>
        <translation>Payment type (choose at least one)</translation>
    </message>
    <message>
        <source>決済タイミング (必須)</source>
        <translation>Payment timing (required)</translation>
    </message>
    <message>
        <source>添付ファイル (必須)</source>
        <translation>Attachment (required)</translation>
    </message>
    <message>
        <source>但し書き</source>
        <translation>Receipt description</translation>
    </message>
    <message>
        <source>備考</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>確認メッセージ</source>
        <translation>Confirmation message</translation>
    </message>
    <message>
        <source>複製</source>
        <translation>Duplicate</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>削除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>保存しました。</source>
        <translation>Saved.</translation>
    </message>
    <message>
        <source>処理中…</source>
        <translation>Working…</translation>
    </message>
    <message>
        <source>のコピー</source>
        <translation> (copy)</translation>
    </message>
    <message>
        <source>メニュー「{name}」を削除しますか？</source>
        <translation>Delete the menu “{name}”?</translation>
    </message>
    <message>
        <source>メニューを削除しました。</source>
        <translation>Menu deleted.</translation>
    </message>
    <message>
        <source>予約があるため、メニューをアーカイブしました（一覧に表示されなくなります）。</source>
        <translation>The menu has reservations, so it was archived (hidden from the list).</translation>
    </message>
</context>
<context>
    <name>MessageBanner</name>
    <message>
        <source>閉じる</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>PatientBox</name>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>性別</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>電話番号</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Eメール</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>住所</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>患者情報</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>編集</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>患者情報を編集</source>
        <translation>Edit the patient&apos;s details</translation>
    </message>
</context>
<context>
    <name>PatientDialog</name>
    <message>
        <source>姓</source>
        <translation>Family name</translation>
    </message>
    <message>
        <source>名</source>
        <translation>Given name</translation>
    </message>
    <message>
        <source>セイ</source>
        <translation>Family name (kana)</translation>
    </message>
    <message>
        <source>メイ</source>
        <translation>Given name (kana)</translation>
    </message>
    <message>
        <source>電話番号</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Eメール</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>住所</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>同じ氏名・電話番号の患者様がすでに登録されています：{who}</source>
        <translation>A patient with the same name and phone number is already registered: {who}</translation>
    </message>
    <message>
        <source>同じメールアドレスの患者様がすでに登録されています：{who}</source>
        <translation>A patient with the same e-mail address is already registered: {who}</translation>
    </message>
    <message>
        <source>新規患者</source>
        <translation>New patient</translation>
    </message>
    <message>
        <source>患者情報の編集</source>
        <translation>Edit patient</translation>
    </message>
    <message>
        <source>患者情報の編集：{name} 様</source>
        <translation>Edit patient: {name}</translation>
    </message>
    <message>
        <source>ひらがな・カタカナ</source>
        <translation>Hiragana or katakana</translation>
    </message>
    <message>
        <source>未選択</source>
        <translation>Not specified</translation>
    </message>
    <message>
        <source>日本語</source>
        <translation>Japanese</translation>
    </message>
    <message>
        <source>性別</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>メールの言語</source>
        <translation>Mail language</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>保存中…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>別の方であれば、「このまま保存」を押してください。</source>
        <translation>If this is someone else, press “Save anyway”.</translation>
    </message>
    <message>
        <source>このまま保存</source>
        <translation>Save anyway</translation>
    </message>
    <message>
        <source>患者を登録しました（{name} 様）。</source>
        <translation>Patient registered: {name}.</translation>
    </message>
    <message>
        <source>患者情報を保存しました（{name} 様）。</source>
        <translation>Patient details saved: {name}.</translation>
    </message>
</context>
<context>
    <name>PayjpKeyRows</name>
    <message>
        <source>公開キー</source>
        <translation>Public key</translation>
    </message>
    <message>
        <source>シークレットキー</source>
        <translation>Secret key</translation>
    </message>
    <message>
        <source>接続テスト</source>
        <translation>Test connection</translation>
    </message>
    <message>
        <source>接続に成功しました（APIキーは有効です）。</source>
        <translation>Connected (the API key is valid).</translation>
    </message>
    <message>
        <source>接続に失敗しました: {reason}</source>
        <translation>Connection failed: {reason}</translation>
    </message>
    <message>
        <source>接続中…</source>
        <translation>Connecting…</translation>
    </message>
</context>
<context>
    <name>PayjpKeysStep</name>
    <message>
        <source>PAY.JPの管理画面にある、テストモードのAPIキーを入力してください。本番モードへの切り替えは、審査の承認後に「接続設定」で行います。</source>
        <translation>Enter the test mode API keys shown in PAY.JP&apos;s dashboard. Switching to live mode is done in Connection settings once the review is approved.</translation>
    </message>
    <message>
        <source>この端末に登録済み</source>
        <translation>Stored on this PC</translation>
    </message>
    <message>
        <source>登録済み（変更するときだけ入力）</source>
        <translation>Stored (type only to change it)</translation>
    </message>
</context>
<context>
    <name>PaymentRequestDialog</name>
    <message>
        <source>後決済請求</source>
        <translation>Request post-payment</translation>
    </message>
    <message>
        <source>{patient} 様 ／ {menu}</source>
        <translation>{patient} / {menu}</translation>
    </message>
    <message>
        <source>円</source>
        <translation>yen</translation>
    </message>
    <message>
        <source>金額</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>課税対象</source>
        <translation>Tax</translation>
    </message>
    <message>
        <source>伝達事項</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>確認</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <source>以下の内容で請求します。よろしいですか？</source>
        <translation>Send this request?</translation>
    </message>
    <message>
        <source>請求先</source>
        <translation>Bill to</translation>
    </message>
    <message>
        <source>Eメール</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>メニュー</source>
        <translation>Menu</translation>
    </message>
    <message>
        <source>戻る</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>送信</source>
        <translation>Send</translation>
    </message>
    <message>
        <source>登録済みカード ({card}) に今すぐ請求します</source>
        <translation>The saved card ({card}) will be charged now</translation>
    </message>
    <message>
        <source>登録済みカードに今すぐ請求します</source>
        <translation>The saved card will be charged now</translation>
    </message>
    <message>
        <source>請求額が自動決済の上限額 ({cap}) を超えるため、登録済みカードには請求せず、お支払いのお願いをメールで送ります。</source>
        <translation>The amount is above the automatic payment limit ({cap}), so the saved card is not charged: the payment request is e-mailed instead.</translation>
    </message>
</context>
<context>
    <name>PaymentSettingsPage</name>
    <message>
        <source>決済会社設定</source>
        <translation>Payment company</translation>
    </message>
    <message>
        <source>接続設定</source>
        <translation>Connection settings</translation>
    </message>
    <message>
        <source>設定の変更は管理者のみ行えます。担当スタッフを管理者に切り替えてください。</source>
        <translation>Only a manager can change settings. Switch the staff member to a manager.</translation>
    </message>
</context>
<context>
    <name>PeriodFilter</name>
    <message>
        <source>期間</source>
        <translation>Period</translation>
    </message>
    <message>
        <source>〜</source>
        <translation>to</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <source>返金処理を実行すると元に戻すことができません。必ず患者名をご確認ください。</source>
        <translation>A refund cannot be undone. Check the patient&apos;s name carefully.</translation>
    </message>
    <message>
        <source>返金する</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>こちらの請求を返金しますか？</source>
        <translation>Refund this payment?</translation>
    </message>
    <message>
        <source>{patient} 様</source>
        <translation>{patient}</translation>
    </message>
    <message>
        <source>メニュー: {menu}&#x3000;決済日時: {paid_at}&#x3000;請求金額: {amount}</source>
        <translation>Menu: {menu}&#x3000;Paid: {paid_at}&#x3000;Amount: {amount}</translation>
    </message>
    <message>
        <source>返金理由</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>全額返金</source>
        <translation>Full refund</translation>
    </message>
    <message>
        <source>一部返金</source>
        <translation>Partial refund</translation>
    </message>
    <message>
        <source>返金額</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>円</source>
        <translation>yen</translation>
    </message>
    <message>
        <source>返金可能額 {amount}</source>
        <translation>Refundable {amount}</translation>
    </message>
    <message>
        <source>PINで入力</source>
        <translation>Use PIN</translation>
    </message>
    <message>
        <source>承認する管理者</source>
        <translation>Approving manager</translation>
    </message>
    <message>
        <source>パスワード</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>承認待ちにする</source>
        <translation>Wait for approval</translation>
    </message>
    <message>
        <source>承認して返金する</source>
        <translation>Approve and refund</translation>
    </message>
    <message>
        <source>返金額を入力してください</source>
        <translation>Enter the amount to refund</translation>
    </message>
    <message>
        <source>一部返金（返金後の残り {rest}）</source>
        <translation>Partial refund ({rest} left after it)</translation>
    </message>
    <message>
        <source>残りの全額</source>
        <translation>All that is left</translation>
    </message>
    <message>
        <source>全額</source>
        <translation>Full amount</translation>
    </message>
    <message>
        <source>{threshold}を超える返金には、別の管理者の承認が必要です。承認する管理者がここでパスワードまたはPINを入力するか、承認待ちにしてください。</source>
        <translation>Refunds above {threshold} need another manager’s approval. The approving manager enters their password or PIN here, or the refund waits for approval.</translation>
    </message>
    <message>
        <source>承認する返金額 {amount}</source>
        <translation>Refund to approve: {amount}</translation>
    </message>
    <message>
        <source>承認できる別の管理者が登録されていません。承認待ちにしてください。</source>
        <translation>There is no other manager who could approve. Let the refund wait for approval.</translation>
    </message>
</context>
<context>
    <name>ReservationDetailPanel</name>
    <message>
        <source>患者情報の「編集」ボタン（{shortcut}）からメールアドレスを登録・修正できます。</source>
        <translation>Add or correct it with the “Edit” button of the patient box ({shortcut}).</translation>
    </message>
    <message>
        <source>予約を選択してください</source>
        <translation>Select a reservation</translation>
    </message>
    <message>
        <source>予約詳細</source>
        <translation>Reservation</translation>
    </message>
    <message>
        <source>予約ステータス</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>メニュー</source>
        <translation>Menu</translation>
    </message>
    <message>
        <source>決済タイミング</source>
        <translation>Payment timing</translation>
    </message>
    <message>
        <source>予約日時</source>
        <translation>Date and time</translation>
    </message>
    <message>
        <source>伝達事項</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>添付ファイル</source>
        <translation>Attachments</translation>
    </message>
    <message>
        <source>事前決済を請求</source>
        <translation>Request pre-payment</translation>
    </message>
    <message>
        <source>後決済請求</source>
        <translation>Request post-payment</translation>
    </message>
    <message>
        <source>請求を取り消す</source>
        <translation>Cancel request</translation>
    </message>
    <message>
        <source>再請求</source>
        <translation>Request again</translation>
    </message>
    <message>
        <source>請求履歴</source>
        <translation>Billing history</translation>
    </message>
    <message>
        <source>ダブルクリックで経過（メール・決済・返金）を表示します</source>
        <translation>Double-click to show the timeline (mail, payment, refunds)</translation>
    </message>
    <message>
        <source>あり</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>なし</source>
        <translation>None</translation>
    </message>
    <message>
        <source>クレジットカード決済</source>
        <translation>Card payment</translation>
    </message>
    <message>
        <source>このメニューでは後決済請求を利用できません。</source>
        <translation>Post-payment requests are not available for this menu.</translation>
    </message>
    <message>
        <source>決済会社の利用準備ができていません。</source>
        <translation>The payment company is not ready to use yet.</translation>
    </message>
    <message>
        <source>カード拒否（{amount}・{at}）: {reason}</source>
        <translation>Card declined ({amount}, {at}): {reason}</translation>
    </message>
    <message>
        <source>請求履歴で請求を選んでください。</source>
        <translation>Choose a request in the billing history.</translation>
    </message>
    <message>
        <source>この予約にはまだ請求がありません。</source>
        <translation>This reservation has no request yet.</translation>
    </message>
    <message>
        <source>選択中の請求（{amount}）を取り消します。</source>
        <translation>Cancels the selected request ({amount}).</translation>
    </message>
    <message>
        <source>選択中の請求（{state}）は取り消せません。未決済の請求だけを取り消せます。</source>
        <translation>The selected request ({state}) cannot be cancelled; only unpaid requests can.</translation>
    </message>
    <message>
        <source>この予約には請求できません。</source>
        <translation>This reservation cannot be billed.</translation>
    </message>
    <message>
        <source>選択中の請求（{amount}）を送り直します。</source>
        <translation>Sends the selected request ({amount}) again.</translation>
    </message>
    <message>
        <source>選択中の請求（{state}）は再請求できません。未決済・取消済み・期限切れの請求を選んでください。</source>
        <translation>The selected request ({state}) cannot be sent again; choose an unpaid, cancelled or expired one.</translation>
    </message>
    <message>
        <source>予約をキャンセル</source>
        <translation>Cancel reservation</translation>
    </message>
    <message>
        <source>{patient} 様のこの予約をキャンセルすると、未決済の請求（{amount}）も取り消され、決済用リンクはすぐに使えなくなります（患者様にお知らせのメールを送ります）。キャンセルしますか？</source>
        <translation>Cancelling this reservation of {patient} also cancels the unpaid request ({amount}); its payment link stops working at once (the patient is told by e-mail). Cancel it?</translation>
    </message>
    <message>
        <source>予約を残す</source>
        <translation>Keep the reservation</translation>
    </message>
    <message>
        <source>予約をキャンセルし、未決済の請求を取り消しました。</source>
        <translation>Reservation cancelled, and its unpaid request cancelled.</translation>
    </message>
    <message>
        <source>ステータスを変更しました。</source>
        <translation>Status changed.</translation>
    </message>
    <message>
        <source>経過</source>
        <translation>Timeline</translation>
    </message>
    <message>
        <source>事前決済の返金</source>
        <translation>Refund the pre-payment</translation>
    </message>
    <message>
        <source>{patient} 様のこの予約の事前決済（{amount}）はお支払い済みです。返金しますか？後で決済管理から返金することもできます。</source>
        <translation>{patient} has paid the pre-payment of this reservation ({amount}). Refund it? You can also refund it later from Billing.</translation>
    </message>
    <message>
        <source>返金へ進む</source>
        <translation>Go to refund</translation>
    </message>
    <message>
        <source>今は返金しない</source>
        <translation>Not now</translation>
    </message>
    <message>
        <source>返金しました（{patient} 様・{amount}）。</source>
        <translation>Refunded {amount} to {patient}.</translation>
    </message>
    <message>
        <source>{patient} 様に、事前決済（{menu}・{amount}）のお支払いのお願いを送りますか？</source>
        <translation>Send {patient} the request to pre-pay ({menu}, {amount})?</translation>
    </message>
    <message>
        <source>送信する</source>
        <translation>Send</translation>
    </message>
    <message>
        <source>送信しない</source>
        <translation>Don&apos;t send</translation>
    </message>
    <message>
        <source>登録済みカードで決済しました（{patient} 様・{amount}）。</source>
        <translation>Charged the saved card of {patient} ({amount}).</translation>
    </message>
    <message>
        <source>請求メールを送信待ちにしました（{patient} 様・{amount}）。</source>
        <translation>Payment request queued for {patient} ({amount}).</translation>
    </message>
    <message>
        <source>送信中…</source>
        <translation>Sending…</translation>
    </message>
    <message>
        <source>未決済の請求があります</source>
        <translation>Unpaid request on this visit</translation>
    </message>
    <message>
        <source>{patient} 様のこの予約には未決済の請求（{amount}）があります。その請求を取り消して、新しい請求（{new}）に置き換えますか？前の決済用リンクはすぐに使えなくなります。</source>
        <translation>This reservation of {patient} has an unpaid request ({amount}). Cancel it and replace it with the new request ({new})? The earlier payment link stops working at once.</translation>
    </message>
    <message>
        <source>置き換えて送信</source>
        <translation>Replace and send</translation>
    </message>
    <message>
        <source>追加請求</source>
        <translation>Additional request</translation>
    </message>
    <message>
        <source>{patient} 様のこの予約は決済済みです（{amount}）。追加請求として新しい請求（{new}）を送りますか？</source>
        <translation>This reservation of {patient} is paid ({amount}). Send a new request ({new}) as an additional charge?</translation>
    </message>
    <message>
        <source>追加請求を送信</source>
        <translation>Send additional request</translation>
    </message>
    <message>
        <source>処理中…</source>
        <translation>Working…</translation>
    </message>
    <message>
        <source>請求を取り消しました。</source>
        <translation>Request cancelled.</translation>
    </message>
</context>
<context>
    <name>ReservationDialog</name>
    <message>
        <source>予約の登録</source>
        <translation>New reservation</translation>
    </message>
    <message>
        <source>新規患者</source>
        <translation>New patient</translation>
    </message>
    <message>
        <source>新規患者を登録して選択します</source>
        <translation>Register a new patient and choose them</translation>
    </message>
    <message>
        <source>時刻</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>添付ファイル名（複数はカンマ区切り）</source>
        <translation>Attachment names (comma separated)</translation>
    </message>
    <message>
        <source>ファイルを選択…</source>
        <translation>Choose files…</translation>
    </message>
    <message>
        <source>患者</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>メニュー</source>
        <translation>Menu</translation>
    </message>
    <message>
        <source>日時</source>
        <translation>Date and time</translation>
    </message>
    <message>
        <source>伝達事項</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>添付ファイル</source>
        <translation>Attachments</translation>
    </message>
    <message>
        <source>登録</source>
        <translation>Create</translation>
    </message>
</context>
<context>
    <name>ReservationTableModel</name>
    <message>
        <source>日付</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>時間</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>患者</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>メニュー</source>
        <translation>Menu</translation>
    </message>
    <message>
        <source>予約ステータス</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>決済状況</source>
        <translation>Payment</translation>
    </message>
</context>
<context>
    <name>ReservationsPage</name>
    <message>
        <source>前日</source>
        <translation>Previous day</translation>
    </message>
    <message>
        <source>前日 (Alt+←)</source>
        <translation>Previous day (Alt+Left)</translation>
    </message>
    <message>
        <source>翌日</source>
        <translation>Next day</translation>
    </message>
    <message>
        <source>翌日 (Alt+→)</source>
        <translation>Next day (Alt+Right)</translation>
    </message>
    <message>
        <source>今日</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>今日 (Ctrl+T)</source>
        <translation>Today (Ctrl+T)</translation>
    </message>
    <message>
        <source>患者名で検索</source>
        <translation>Search by patient name</translation>
    </message>
    <message>
        <source>新規予約</source>
        <translation>New reservation</translation>
    </message>
    <message>
        <source>同じ時間帯の予約</source>
        <translation>Booked at the same time</translation>
    </message>
    <message>
        <source>{patient} 様には {time} に予約があります（{menu}）。同じ時間帯にもう1件登録しますか？</source>
        <translation>{patient} already has a reservation at {time} ({menu}). Book another one at the same time?</translation>
    </message>
    <message>
        <source>登録する</source>
        <translation>Book</translation>
    </message>
    <message>
        <source>登録しない</source>
        <translation>Don&apos;t book</translation>
    </message>
    <message>
        <source>予約を登録しませんでした。</source>
        <translation>The reservation was not saved.</translation>
    </message>
    <message>
        <source>予約を登録しましたが、事前決済を請求できませんでした: {reason} 直したあと、予約詳細の「事前決済を請求」で送れます。</source>
        <translation>The reservation was saved, but the pre-payment could not be requested: {reason} Once fixed, send it with &quot;Request pre-payment&quot; in the reservation details.</translation>
    </message>
    <message>
        <source>予約を登録し、登録済みカードで事前決済しました。</source>
        <translation>Reservation saved and pre-paid with the saved card.</translation>
    </message>
    <message>
        <source>予約を登録しました。</source>
        <translation>Reservation created.</translation>
    </message>
    <message>
        <source>予約を登録し、事前決済の請求メールを送信しました。</source>
        <translation>Reservation saved; the pre-payment request was e-mailed.</translation>
    </message>
</context>
<context>
    <name>SavedCardBox</name>
    <message>
        <source>登録済みカード</source>
        <translation>Saved card</translation>
    </message>
    <message>
        <source>カード</source>
        <translation>Card</translation>
    </message>
    <message>
        <source>有効期限</source>
        <translation>Expires</translation>
    </message>
    <message>
        <source>登録日</source>
        <translation>Saved on</translation>
    </message>
    <message>
        <source>同意文</source>
        <translation>Consent</translation>
    </message>
    <message>
        <source>削除</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>{date} に同意：</source>
        <translation>Agreed on {date}:</translation>
    </message>
    <message>
        <source>登録済みカードの削除</source>
        <translation>Remove saved card</translation>
    </message>
    <message>
        <source>{card} の登録を削除します。PAY.JPからも削除され、今後は自動決済されません。患者様にはお知らせのメールが届きます。</source>
        <translation>Remove the saved card {card}? It is deleted at PAY.JP too and will no longer be charged automatically. The patient is sent a notice by e-mail.</translation>
    </message>
    <message>
        <source>削除する</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>カード登録を削除しました（{card}）。</source>
        <translation>The saved card was removed ({card}).</translation>
    </message>
</context>
<context>
    <name>Setup</name>
    <message>
        <source>クリニック情報</source>
        <translation>Clinic details</translation>
    </message>
    <message>
        <source>メール送信</source>
        <translation>Mail</translation>
    </message>
    <message>
        <source>決済ページの公開URL</source>
        <translation>Payment page&apos;s public URL</translation>
    </message>
    <message>
        <source>PAY.JPのAPIキー</source>
        <translation>PAY.JP API keys</translation>
    </message>
    <message>
        <source>テナント登録</source>
        <translation>Tenant registration</translation>
    </message>
    <message>
        <source>未入力の項目があります: {fields}</source>
        <translation>Still empty: {fields}</translation>
    </message>
    <message>
        <source>患者様へのメールを送るSMTPサーバーを設定してください</source>
        <translation>Set the SMTP server that sends mail to patients</translation>
    </message>
    <message>
        <source>テスト送信で、メールが届くことを確かめてください</source>
        <translation>Send a test mail to check that mail arrives</translation>
    </message>
    <message>
        <source>患者様が開ける https:// の公開URLを設定してください</source>
        <translation>Set a public https:// URL patients can open</translation>
    </message>
    <message>
        <source>PAY.JPの公開キーと、この端末のシークレットキーを登録してください</source>
        <translation>Enter PAY.JP&apos;s public key and store the secret key on this PC</translation>
    </message>
    <message>
        <source>PAY.JPにテナント登録をして、利用申請をしてください</source>
        <translation>Register the tenant at PAY.JP and apply for use</translation>
    </message>
    <message>
        <source>PAY.JPの審査の承認を待っています（審査状況: {status}）</source>
        <translation>Waiting for PAY.JP&apos;s approval (review: {status})</translation>
    </message>
    <message>
        <source>クリニック名</source>
        <translation>Clinic name</translation>
    </message>
    <message>
        <source>代表者名</source>
        <translation>Representative</translation>
    </message>
    <message>
        <source>住所</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>電話番号</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>メールアドレス</source>
        <translation>E-mail address</translation>
    </message>
    <message>
        <source>、</source>
        <translation>, </translation>
    </message>
</context>
<context>
    <name>SetupChecklist</name>
    <message>
        <source>はじめの設定</source>
        <translation>Getting started</translation>
    </message>
    <message>
        <source>患者様からカードで支払いを受けるには、次の設定が必要です。</source>
        <translation>To take card payments from patients, the following is needed.</translation>
    </message>
    <message>
        <source>設定する</source>
        <translation>Set up</translation>
    </message>
    <message>
        <source>設定済み</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>確認する</source>
        <translation>Review</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>クリニックの設定</source>
        <translation>Clinic setup</translation>
    </message>
    <message>
        <source>あとで続ける</source>
        <translation>Continue later</translation>
    </message>
    <message>
        <source>入力済みの内容は保存されています。次に開いたとき、このステップから再開します。</source>
        <translation>What you saved is kept. The setup opens at this step next time.</translation>
    </message>
    <message>
        <source>戻る</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>保存して次へ</source>
        <translation>Save and continue</translation>
    </message>
    <message>
        <source>完了</source>
        <translation>Finish</translation>
    </message>
    <message>
        <source>保存中…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>設定を保存しました。まだの項目は「決済会社設定」のチェックリストに表示されます。</source>
        <translation>Settings saved. What is still missing is listed on Payment company.</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>選んだスタッフは現在の一覧にありません。スタッフを選び直してください。</source>
        <translation>The staff member you chose is no longer listed. Please choose again.</translation>
    </message>
    <message>
        <source>データベースを準備しています…</source>
        <translation>Preparing the database…</translation>
    </message>
    <message>
        <source>サインイン</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>担当スタッフの切り替え</source>
        <translation>Switch staff</translation>
    </message>
    <message>
        <source>画面ロック中</source>
        <translation>Screen locked</translation>
    </message>
    <message>
        <source>2人目の管理者の承認</source>
        <translation>Second manager’s approval</translation>
    </message>
    <message>
        <source>クリニック決済</source>
        <translation>ClinicPay</translation>
    </message>
    <message>
        <source>最初のパスワードの設定</source>
        <translation>Set the first password</translation>
    </message>
    <message>
        <source>スタッフを選び、パスワードまたはPINを入力してください。</source>
        <translation>Choose your name and enter your password or PIN.</translation>
    </message>
    <message>
        <source>切り替えるスタッフのPINまたはパスワードを入力してください。</source>
        <translation>Enter the PIN or password of the staff member switching in.</translation>
    </message>
    <message>
        <source>一定時間操作がなかったため画面をロックしました。ロックを解除するにはパスワードまたはPINを入力してください。</source>
        <translation>The screen was locked after a period without use. Enter your password or PIN to unlock it.</translation>
    </message>
    <message>
        <source>この返金は承認が必要な金額です。別の管理者がパスワードまたはPINを入力してください。</source>
        <translation>This refund needs approval. Another manager enters their password or PIN.</translation>
    </message>
    <message>
        <source>画面をロックしました。ロックを解除するにはパスワードまたはPINを入力してください。</source>
        <translation>The screen is locked. Enter your password or PIN to unlock it.</translation>
    </message>
    <message>
        <source>まだパスワードを持つスタッフがいません。管理者のお名前を確認し、最初のパスワードを設定してください。設定後はこのパスワードでサインインし、「スタッフ管理」で他のスタッフを追加できます。</source>
        <translation>No staff member has a password yet. Check the manager&apos;s name and set the first password. You then sign in with it and can add other staff under Staff.</translation>
    </message>
    <message>
        <source>スタッフ</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>パスワードまたはPIN</source>
        <translation>Password or PIN</translation>
    </message>
    <message>
        <source>PINで入力</source>
        <translation>Use PIN</translation>
    </message>
    <message>
        <source>パスワード</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>承認する</source>
        <translation>Approve</translation>
    </message>
    <message>
        <source>ロックを解除</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <source>パスワードを設定してサインイン</source>
        <translation>Set password and sign in</translation>
    </message>
    <message>
        <source>トレーニング用アカウント（デモ）</source>
        <translation>Training accounts (demo)</translation>
    </message>
    <message>
        <source>{name}（{role}）&#x3000;パスワード: {password}&#x3000;PIN: {pin}</source>
        <translation>{name} ({role})  password: {password}  PIN: {pin}</translation>
    </message>
    <message>
        <source>お名前</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>パスワード（確認）</source>
        <translation>Password (again)</translation>
    </message>
    <message>
        <source>パスワードは{n}文字以上で、よく使われるパスワードや名前は使えません。</source>
        <translation>The password needs at least {n} characters; common passwords and names cannot be used.</translation>
    </message>
    <message>
        <source>4〜8桁の数字（任意）</source>
        <translation>4 to 8 digits (optional)</translation>
    </message>
    <message>
        <source>PIN（任意）</source>
        <translation>PIN (optional)</translation>
    </message>
    <message>
        <source>PINは担当スタッフの切り替えや画面ロックの解除に使えます。</source>
        <translation>The PIN can be used to switch the staff member on duty and to unlock the screen.</translation>
    </message>
    <message>
        <source>4〜8桁の数字</source>
        <translation>4 to 8 digits</translation>
    </message>
    <message>
        <source>確認用のパスワードが一致しません。同じパスワードを2回入力してください。</source>
        <translation>The two passwords do not match. Enter the same password twice.</translation>
    </message>
</context>
<context>
    <name>SmtpRows</name>
    <message>
        <source>SMTPサーバー</source>
        <translation>SMTP server</translation>
    </message>
    <message>
        <source>ポート</source>
        <translation>Port</translation>
    </message>
    <message>
        <source>なし</source>
        <translation>None</translation>
    </message>
    <message>
        <source>暗号化</source>
        <translation>Encryption</translation>
    </message>
    <message>
        <source>ユーザー名</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>パスワード</source>
        <translation>Password</translation>
    </message>
</context>
<context>
    <name>StaffPage</name>
    <message>
        <source>スタッフ名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>権限</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>状態</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>パスワードは{n}文字以上で、よく使われるパスワードは使えません。PINは4〜8桁の数字です（担当スタッフの切り替えに使います）。</source>
        <translation>Passwords have at least {n} characters and may not be common passwords. A PIN is 4 to 8 digits (used to switch staff quickly).</translation>
    </message>
    <message>
        <source>パスワードまたはPINを{tries}回続けて間違えると、そのスタッフは{minutes}分間サインインできなくなります（管理者がパスワードを再設定すると解除されます）。</source>
        <translation>After {tries} wrong passwords or PINs in a row, the staff member cannot sign in for {minutes} minutes (a manager resetting the password unlocks it at once).</translation>
    </message>
    <message>
        <source>スタッフを追加</source>
        <translation>Add staff</translation>
    </message>
    <message>
        <source>任意（4〜8桁の数字）</source>
        <translation>Optional (4 to 8 digits)</translation>
    </message>
    <message>
        <source>追加</source>
        <translation>Add</translation>
    </message>
    <message>
        <source>パスワード</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>選択したスタッフ</source>
        <translation>Selected staff member</translation>
    </message>
    <message>
        <source>名前を変更</source>
        <translation>Rename</translation>
    </message>
    <message>
        <source>権限を変更</source>
        <translation>Change role</translation>
    </message>
    <message>
        <source>無効にする</source>
        <translation>Disable</translation>
    </message>
    <message>
        <source>パスワードを再設定</source>
        <translation>Reset password</translation>
    </message>
    <message>
        <source>空欄で保存するとPINを削除</source>
        <translation>Leave empty to remove the PIN</translation>
    </message>
    <message>
        <source>PINを設定</source>
        <translation>Set PIN</translation>
    </message>
    <message>
        <source>新しいパスワード</source>
        <translation>New password</translation>
    </message>
    <message>
        <source>セキュリティ</source>
        <translation>Security</translation>
    </message>
    <message>
        <source>この金額を超える返金には2人目の管理者の承認が必要です（0は承認なし）</source>
        <translation>Refunds above this amount need a second manager’s approval (0 = no approval)</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>承認が必要な返金額（円を超える）</source>
        <translation>Refunds needing approval (above, yen)</translation>
    </message>
    <message>
        <source>自動ロックまでの時間（分）</source>
        <translation>Auto-lock after (minutes)</translation>
    </message>
    <message>
        <source>有効</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>無効</source>
        <translation>Disabled</translation>
    </message>
    <message>
        <source>ロック中（{time}まで）</source>
        <translation>Locked (until {time})</translation>
    </message>
    <message>
        <source>あり</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>なし</source>
        <translation>No</translation>
    </message>
    <message>
        <source>有効にする</source>
        <translation>Enable</translation>
    </message>
    <message>
        <source>スタッフを追加しました（{name}）。</source>
        <translation>Staff member added ({name}).</translation>
    </message>
    <message>
        <source>名前を変更しました。</source>
        <translation>Renamed.</translation>
    </message>
    <message>
        <source>権限を変更しました。</source>
        <translation>Role changed.</translation>
    </message>
    <message>
        <source>スタッフを有効にしました。</source>
        <translation>Staff member enabled.</translation>
    </message>
    <message>
        <source>スタッフを無効にしました。</source>
        <translation>Staff member disabled.</translation>
    </message>
    <message>
        <source>パスワードを再設定しました（ロックも解除されます）。</source>
        <translation>Password reset (the account is unlocked too).</translation>
    </message>
    <message>
        <source>PINを設定しました。</source>
        <translation>PIN set.</translation>
    </message>
    <message>
        <source>PINを削除しました。</source>
        <translation>PIN removed.</translation>
    </message>
    <message>
        <source>セキュリティの設定を保存しました。</source>
        <translation>Security settings saved.</translation>
    </message>
</context>
<context>
    <name>StartingWindow</name>
    <message>
        <source>クリニック決済</source>
        <translation>ClinicPay</translation>
    </message>
    <message>
        <source>起動しています…</source>
        <translation>Starting…</translation>
    </message>
    <message>
        <source>データベースを準備しています…</source>
        <translation>Preparing the database…</translation>
    </message>
    <message>
        <source>決済ページのサーバーを起動しています…</source>
        <translation>Starting the payment page server…</translation>
    </message>
</context>
<context>
    <name>TenantRegisterDialog</name>
    <message>
        <source>PAY.JP テナント登録</source>
        <translation>PAY.JP tenant registration</translation>
    </message>
    <message>
        <source>PAY.JPのテナント登録につきまして、下記情報を入力してください。
入力された情報はPAY.JPの本番利用審査に使用します。</source>
        <translation>To register with PAY.JP as a tenant, enter the information below.
PAY.JP uses it for its review before live use.</translation>
    </message>
    <message>
        <source>施術などで保険診療が含まれない場合は「保険診療含まない」を選択してください。
施術などで保険診療を含む場合は「保険診療含む」を選択してください。</source>
        <translation>Choose “Without health insurance care” when the treatments include no health-insurance care.
Choose “With health insurance care” when they do.</translation>
    </message>
    <message>
        <source>保険診療含まない</source>
        <translation>Without health insurance care</translation>
    </message>
    <message>
        <source>保険診療含む</source>
        <translation>With health insurance care</translation>
    </message>
    <message>
        <source>診療種別</source>
        <translation>Care type</translation>
    </message>
    <message>
        <source>テナントを登録する</source>
        <translation>Register the tenant</translation>
    </message>
</context>
<context>
    <name>TimelineDialog</name>
    <message>
        <source>請求</source>
        <translation>Request</translation>
    </message>
    <message>
        <source>リマインダー送信</source>
        <translation>Reminder sent</translation>
    </message>
    <message>
        <source>メール送信待ち</source>
        <translation>Mail queued</translation>
    </message>
    <message>
        <source>メール送信済み（メールサーバーが受け付け）</source>
        <translation>Mail sent (accepted by the mail server)</translation>
    </message>
    <message>
        <source>メール送信失敗</source>
        <translation>Mail not delivered</translation>
    </message>
    <message>
        <source>カード拒否</source>
        <translation>Card declined</translation>
    </message>
    <message>
        <source>決済</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>返金</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>期限切れ</source>
        <translation>Expired</translation>
    </message>
    <message>
        <source>請求メール</source>
        <translation>payment request</translation>
    </message>
    <message>
        <source>リマインダー</source>
        <translation>reminder</translation>
    </message>
    <message>
        <source>領収メール</source>
        <translation>receipt</translation>
    </message>
    <message>
        <source>返金のお知らせ</source>
        <translation>refund notice</translation>
    </message>
    <message>
        <source>取消のお知らせ</source>
        <translation>cancellation notice</translation>
    </message>
    <message>
        <source>日時</source>
        <translation>Date and time</translation>
    </message>
    <message>
        <source>経過</source>
        <translation>Timeline</translation>
    </message>
    <message>
        <source>詳細</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>自動（有効期限の前）</source>
        <translation>Automatic (before expiry)</translation>
    </message>
</context>
<context>
    <name>UrlRow</name>
    <message>
        <source>コピー</source>
        <translation>Copy</translation>
    </message>
    <message>
        <source>クリップボードにコピーしました: {url}</source>
        <translation>Copied to the clipboard: {url}</translation>
    </message>
</context>
<context>
    <name>dialog</name>
    <message>
        <source>終了</source>
        <translation>Quit</translation>
    </message>
</context>
</TS>
