# namecard 寄出的郵件，使用收件人所屬組織的語言。姓名、職稱和組織按原樣填入；時間為 UTC。

mail-greeting = { $name }，您好：
mail-footer = 您收到這封郵件，是因為您開啟了電子郵件通知。可在名片頁關閉：{ $url }
# The URL on a line of its own, where mail programs find where it starts and ends.
mail-link-line =
    { $words }：
    { $url }
mail-who-titled = { $org }的{ $name }（{ $title }）
mail-who = { $org }的{ $name }

mail-signin-subject = 您在{ $org }的登入連結
mail-signin-intro = { $org }的管理員傳送了 namecard 登入連結給您。登入後，您可以出示名片、掃描他人的名片並回覆聯絡人請求。
mail-signin-link = 登入
mail-signin-expiry = 此連結僅能使用一次，有效期限至 { $until }（UTC）。請勿轉寄：任何開啟連結的人都會以您的身分登入。

mail-request-subject = { $org }的{ $name }請求將您加為聯絡人
mail-request-body = { $who }請求在 namecard 上成為您的外部聯絡人。
mail-request-link = 在收件匣中接受或拒絕
mail-request-expiry = 此請求將保留至 { $until }（UTC）。

mail-transfer-subject = 您在{ $org }的聯絡人現在是{ $holder }
mail-transfer-handover = { $from }將與您的聯繫轉交給{ $holder }。
mail-transfer-departure = { $from }已離開{ $org }，今後由{ $holder }為您服務。
mail-transfer-message = { $org }留言：
mail-transfer-effect = 此變更將於 { $at }（UTC）生效。如不同意，請在此之前於收件匣中拒絕；拒絕將結束這段聯繫。
mail-transfer-link = 您的收件匣

mail-holder-subject = { $from }的 { $count } 位聯絡人已轉交給您
mail-holder-body = { $from }的 { $count } 位外部聯絡人已轉交給您：
mail-holder-effect = 除非有聯絡人拒絕，他們將於 { $at }（UTC）成為您的聯絡人。
mail-holder-link = 您的聯絡人
