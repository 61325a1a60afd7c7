# namecard 发送的邮件，使用收件人所在组织的语言。姓名、职位和组织按原样填入；时间为 UTC。

mail-greeting = { $name }，您好：
mail-footer = 您收到这封邮件，是因为您开启了邮件通知。可在名片页关闭：{ $url }
# The URL on a line of its own, where mail programs find where it starts and ends.
mail-link-line =
    { $words }：
    { $url }
mail-who-titled = { $org }的{ $name }（{ $title }）
mail-who = { $org }的{ $name }

mail-signin-subject = 您在{ $org }的登录链接
mail-signin-intro = { $org }的管理员向您发送了 namecard 登录链接。登录后，您可以出示名片、扫描他人的名片并处理联系人请求。
mail-signin-link = 登录
mail-signin-expiry = 该链接仅可使用一次，有效期至 { $until }（UTC）。请勿转发：任何打开链接的人都会以您的身份登录。

mail-request-subject = { $org }的{ $name }请求添加您为联系人
mail-request-body = { $who }请求在 namecard 上成为您的外部联系人。
mail-request-link = 在收件箱中接受或拒绝
mail-request-expiry = 该请求将保留至 { $until }（UTC）。

mail-transfer-subject = 您在{ $org }的联系人现在是{ $holder }
mail-transfer-handover = { $from }将与您的联系转交给{ $holder }。
mail-transfer-departure = { $from }已离开{ $org }，今后由{ $holder }为您服务。
mail-transfer-message = { $org }留言：
mail-transfer-effect = 此变更将于 { $at }（UTC）生效。如不同意，请在此之前在收件箱中拒绝；拒绝将结束这段联系。
mail-transfer-link = 您的收件箱

mail-holder-subject = { $from }的 { $count } 位联系人已转交给您
mail-holder-body = { $from }的 { $count } 位外部联系人已转交给您：
mail-holder-effect = 除非有联系人拒绝，他们将于 { $at }（UTC）成为您的联系人。
mail-holder-link = 您的联系人
