# 服务问题文档（application/problem+json）的标题，按稳定的 `code` 排列：`problem-<code>`。
# 没有专属标题的代码使用其 HTTP 状态的标题 `status-<status>`。`.detail` 属性只替换说明文字
# 固定不变的问题的 detail；其他问题保留说明具体错误的 detail。

status-400 = 请求有误
status-401 = 尚未登录
status-403 = 无权操作
status-404 = 未找到
status-405 = 不支持该方法
status-408 = 请求超时
status-409 = 冲突
status-410 = 已不存在
status-413 = 内容过大
status-415 = 不支持的内容类型
status-422 = 无法处理的内容
status-429 = 请求过于频繁
status-500 = 内部错误
status-503 = 服务暂不可用
status-507 = 存储空间已满

problem-not_found = 未找到
problem-forbidden = 无权操作
problem-internal = 内部错误
    .detail = 内部错误
problem-bad_request = 请求有误
problem-malformed_json = JSON 格式错误
problem-invalid_body = 请求内容无效
problem-invalid_query = 查询参数无效
problem-invalid_characters = 请求中含有无效字符
problem-body_too_large = 请求内容过大
    .detail = 请求内容过大
problem-body_too_slow = 请求内容传输过慢
problem-request_timeout = 请求超时
    .detail = 请求耗时过长
problem-method_not_allowed = 不支持该方法
    .detail = 此路径不允许该请求方法
problem-unsupported_media_type = 不支持的内容类型
problem-database_unavailable = 数据库暂不可用
    .detail = 暂时无法连接数据库；未做任何更改，请稍后重试
problem-storage_full = 存储空间已满
    .detail = 服务的存储空间已满；未做任何更改，请稍后重试
problem-rate_limited = 请求过于频繁
problem-busy = 服务繁忙
    .detail = 服务正忙于识别其他照片，请稍后再试
problem-missing_token = 尚未登录
problem-invalid_token = 令牌无效
problem-no_session = 尚未登录
problem-session_expired = 登录已过期
problem-csrf_failed = 安全校验失败
problem-invalid_signin_link = 登录链接已使用或已过期
problem-oidc_not_configured = 未设置单点登录
problem-client_secret_required = 需要客户端密钥
problem-invalid_role = 角色无效
    .detail = role 须为 admin（不带 member_id）或 member（带 member_id）
problem-member_id_required = 需要成员编号
    .detail = 成员令牌须指定成员
problem-invalid_rows = 有无效的行
problem-invalid_row = 无效的行
problem-invalid_field = 字段无效
problem-invalid_domain = 域名无效
problem-invalid_email = 邮箱地址无效
problem-invalid_employee_id = 工号无效
problem-invalid_issuer = 签发方无效
problem-invalid_lang = 语言标签无效
problem-invalid_phone = 手机号码无效
problem-invalid_policy = 策略无效
problem-invalid_url = 网址无效
problem-webhook_address_not_allowed = 不允许的 Webhook 地址
problem-duplicate_employee_id = 工号重复
    .detail = 组织中已有使用此工号的成员，未写入任何内容
problem-duplicate_domain = 域名已被占用
    .detail = 其他组织已使用此域名
problem-duplicate_department = 部门已存在
    .detail = 同级已有同名部门，未写入任何内容
problem-duplicate_tag = 标签已存在
    .detail = 组织的标签库中此分组下已有同名标签
problem-conflict = 冲突
problem-already_decided = 已处理过
problem-invalid_card = 名片无效
problem-card_expired = 名片已过期
    .detail = 名片已过期，请向名片主人索取新名片
problem-card_revoked = 名片已作废
    .detail = 名片已被撤回，请向名片主人索取新名片
problem-card_already_used = 一次性名片已被使用
    .detail = 这张一次性名片已被使用
problem-too_many_codes = 一张照片中的二维码过多
problem-self_scan = 这是你自己的名片
    .detail = 这是你自己的名片
problem-owner_inactive = 名片主人已停用
    .detail = 名片主人已不是其组织的在职成员
problem-requester_inactive = 申请人已停用
    .detail = 请求者已不是其组织的在职成员
problem-policy_blocked = 被策略阻止
problem-no_active_key = 没有签名密钥
    .detail = 没有使用中的签名密钥，请轮换以生成一个
problem-expiry_beyond_limit = 有效期超出上限
problem-too_many_cards = 名片过多
problem-undrawable_characters = 有无法印出的字符
problem-text_does_not_fit = 文字放不进名片
problem-no_qr_found = 未找到二维码
    .detail = 图片中没有找到二维码
problem-not_an_image = 不是图片
    .detail = 上传的文件不是图片
problem-unsupported_format = 不支持的图片格式
problem-truncated_image = 图片不完整
    .detail = 图片不完整
problem-corrupt_image = 图片已损坏
    .detail = 图片数据已损坏
problem-image_too_large = 图片过大
problem-too_many_bytes = 图片过大
problem-time_budget_exceeded = 图片识别超时
    .detail = 在限定时间内没有找到二维码
problem-contact_way_deleted = 团队码已删除
    .detail = 此码已被其组织撤回
problem-contact_way_expired = 团队码已过期
    .detail = 此码已过期
problem-contact_way_paused = 团队码已暂停
    .detail = 此码已暂停，其组织可以重新启用
problem-contact_way_used = 一次性团队码已被使用
    .detail = 这个一次性码已被使用
problem-no_one_available = 暂无可接待的成员
    .detail = 目前没有人可以接待此码
problem-members_and_department = 只能选择成员或部门之一
problem-department_answers_way = 该部门正在接待团队码
    .detail = 该部门负责接待一个联系方式：请先修改或删除该联系方式
problem-department_cycle = 部门不能移到自身之下
    .detail = parent_id：部门不能移到自身或其下级部门之下
problem-department_has_children = 该部门下还有子部门
    .detail = 该部门下还有子部门：请先移动或删除它们
problem-department_too_deep = 部门层级过深
    .detail = parent_id：部门最多嵌套 15 层
problem-too_many_departments = 部门过多
    .detail = 一个组织最多有 10000 个部门
problem-no_parent_department = 未找到上级部门
    .detail = parent_id：没有这个部门

## The page a single sign-on that did not sign anyone in ends on (server-written).

signin-failed-title = 登录失败
signin-failed-code = 代码：
signin-failed-back = 返回登录页
signin-failed-oidc_not_configured = 该组织未设置单点登录。请向管理员索取登录链接。
signin-failed-oidc_unknown_state = 这次登录无法识别、已被使用或耗时过长。请从登录页重新开始。
signin-failed-oidc_other_browser = 这次登录是在另一个浏览器中开始的。请在当前浏览器中从登录页重新开始。
signin-failed-oidc_provider_error = 贵组织的登录服务拒绝了这次登录（{ $error }）。
signin-failed-oidc_provider_unreachable = 贵组织的登录服务未能及时响应。请稍后再试；如果一直失败，请告知管理员。
signin-failed-oidc_provider_invalid = 贵组织的登录服务返回了 namecard 无法使用的应答。请告知管理员：单点登录设置可能有误。
signin-failed-oidc_token = 无法验证这次登录，因此没有登录任何人。请重新开始；如果一直失败，请告知管理员。
signin-failed-oidc_claim_missing = 贵组织的登录服务没有说明你是谁（缺少已验证的“{ $claim }”）。请告知管理员。
signin-failed-oidc_unknown_member = 你已登录，但你不是 namecard 中该组织的成员。请管理员添加你。
signin-failed-oidc_member_inactive = 你在该组织的成员身份已被停用。
signin-failed-oidc_ambiguous_member = 该组织有多名成员与你的登录信息相符。请管理员修正通讯录。
signin-failed-unavailable = namecard 暂时无法完成登录。请稍后再试。

## 以读者语言写出的详细说明，按服务指定的消息（`detail-<id>`）。

detail-not-found = 找不到{ $thing ->
        [member] 成员
        [department] 部门
        [contact_way] 联系方式
        [contact] 联系人
        [organization] 组织
        [card] 名片
        [transfer] 交接
        [tag] 标签
        [contact_request] 联系请求
        [session] 会话
        [route] 该路径
        [webhook] Webhook
        [token] 令牌
        [successor] 接替人
        [retired_key] 已停用的密钥
        [oidc_provider] 单点登录设置
        [mail] 邮件
        [client_secret] 客户端密钥
       *[other] { $what }
    }
detail-empty = 不能为空
detail-too-long = 最多 { $max } 个字符
detail-control = 不能包含控制字符
detail-control-multiline = 除换行外不能包含控制字符
detail-disguising = 不能包含 { $char }：名片上不能有不可见或改变文字顺序的字符
detail-at-most-departments = 最多 { $max } 个部门
detail-department-twice = 有部门重复列出
detail-channel = 须为 1 到 30 个字符，只能使用 A-Z a-z 0-9 . _ -
detail-way-needs-member = 联系方式至少需要一位接待成员
detail-way-too-many-members = 最多 { $max } 位接待成员
detail-member-twice = 有成员重复列出
detail-domain = 须为域名，例如 example.com
detail-not-a-url = 不是有效的网址：{ $error }
detail-url-scheme = 须为带主机名的 https:// 或 http:// 网址
detail-url-credentials = 不能包含用户名或密码；每次投递都由密钥签名
detail-private-address = 指向回环、私有、链路本地或保留地址；除非运维人员设置了 webhook_private_addresses，服务只向公网地址投递
detail-policy = 须为 disabled、partners_only 或 open
detail-lang = { $tag } 不是语言标签，应为 zh-Hans、zh-TW、ja、ko 或 en 这样的标签
detail-issuer-not-a-url = 不是网址：签发方是身份提供方的 https 网址，例如 https://login.microsoftonline.com/<tenant id>/v2.0
detail-issuer-extras = 不能带查询、片段或用户名：签发方是身份提供方的 https 网址，例如 https://login.microsoftonline.com/<tenant id>/v2.0
detail-issuer-no-host = 缺少主机名：签发方是身份提供方的 https 网址，例如 https://login.microsoftonline.com/<tenant id>/v2.0
detail-issuer-https = 须使用 https：签发方是身份提供方的 https 网址，例如 https://login.microsoftonline.com/<tenant id>/v2.0
detail-issuer-too-long = 最多 500 个字符：签发方是身份提供方的 https 网址，例如 https://login.microsoftonline.com/<tenant id>/v2.0
detail-no-spaces = 须为 1 到 { $max } 个字符，不能有空格
detail-length = 须为 1 到 { $max } 个字符
detail-phone = 须为 E.164 格式的号码，例如 +8613800138000
detail-email = 须为电子邮件地址，例如 ada@example.com
detail-transfer-period = 须为 0 到 { $max } 秒（30 天）
detail-invalid-rows = { $count } 行无效，未导入任何内容
detail-exists = { $what } 已存在
detail-body = 请求内容被拒绝：{ $error }
detail-path = 该地址不对应任何内容：{ $error }
detail-query = 查询参数被拒绝：{ $error }
detail-body-over-limit = 请求内容超过了服务接受的大小
detail-card-fields = 名片字段不符合名片格式的规则：{ $error }
detail-undrawable = 名片无法绘制这些字符，印出的名字会与签名的不同：{ $chars }
detail-does-not-fit = { $field } 太长，即使用小字分多行也放不进可打印名片
detail-resets = 名片重置过于频繁，请在 { $secs } 秒后重试
detail-too-many-cards = 同时有效的附加名片最多 { $max } 张，请先撤回一张
detail-expiry-limit = 不能超过服务规定的名片有效期（最晚到 { $latest }）
detail-too-many-bytes = 上传的文件有 { $size } 字节，超过上限 { $limit } 字节
detail-unsupported-format = 不支持 { $format } 格式的图片，请上传 JPEG、PNG、WebP、GIF 或 BMP
detail-image-too-large = 图片为 { $width }x{ $height } 像素，超过允许的大小
detail-invalid-card = { $reason ->
        [malformed] 这不是名片，或已损坏。
        [unsupported_version] 这张名片的格式比本服务支持的更新。
        [wrong_issuer] 这张名片来自其他签发方。
        [unknown_key] 这张名片的签名密钥不在密钥集中。
        [bad_signature] 签名不符：名片被篡改或伪造。
        [key_not_valid] 名片的签名时间不在其密钥的有效期内。
        [key_compromised] 这张名片的签名密钥已泄露。
        [not_yet_valid] 这张名片尚未生效。
        [expired] 这张名片已过期。
        [revoked] 这张名片已被撤回。
       *[other] 名片无效（{ $reason }）。
    }
detail-policy-own = 你的组织 { $org } { $reason ->
        [disabled] 已关闭外部联系人
       *[other] 只允许与合作组织互加外部联系人
    }，请联系你的管理员
detail-policy-owner = 名片主人的组织 { $org } { $reason ->
        [disabled] 已关闭外部联系人
       *[other] 只允许与合作组织互加外部联系人
    }
detail-policy-requester = 请求者的组织 { $org } { $reason ->
        [disabled] 已关闭外部联系人
       *[other] 只允许与合作组织互加外部联系人
    }
detail-phone-lookups = 按手机号查找的次数过多，请稍后再试
detail-already-decided = 该请求已经{ $status ->
        [accepted] 被接受
        [rejected] 被拒绝
        [cancelled] 被取消
        [expired] 过期
       *[other] 处理（{ $status }）
    }
detail-only-owner-decides = 只有名片主人可以接受或拒绝请求
detail-only-requester-cancels = 只有请求者可以取消请求
detail-admin-required = 需要管理员令牌
detail-operator-required = 需要运维令牌
detail-member-required = 需要成员令牌
detail-signin-link = 此登录链接无效、已使用或已过期，请向管理员索取新的链接
detail-no-session = 尚未登录，请打开管理员发给你的登录链接
detail-members-or-department = members、department_id：联系方式由成员或由部门接待，不能两者都设
detail-too-many-codes = 每张照片只扫描前 { $max } 个二维码；请用另一张照片发送这一个
detail-from-before-to = from：须早于 to
detail-days-period = to：时段最长 { $max } 天
detail-storage-full-now = 数据库存储空间已满：在释放空间之前写入都会失败
detail-send-metrics-token = 请发送 Authorization: Bearer <metrics_token>
detail-not-metrics-token = 不是监控指标令牌
detail-control-characters = { $place } 不能包含 NUL 或其他控制字符
detail-one-of = { $field }：须为以下之一：{ $values }
detail-csv-or-json = 请发送 text/csv 或 application/json
detail-ids-range = { $field }：须为 1 到 { $max }
detail-body-at-most = 请求内容最多 { $limit } 字节
detail-no-photo-field = 表单中没有 `photo` 文件字段
detail-body-too-slow = 上传内容未在 { $secs } 秒内传完
detail-at-most = { $field }：最多 { $max } 个
detail-method = 此路径不允许该请求方法
detail-took-too-long = 请求耗时超过了服务的上限 { $secs } 秒
detail-nothing-to-change = 没有要修改的内容：请发送 remark、note 或 tags
detail-search-text = q：最多 { $max } 个字符，不能包含控制字符
detail-unknown-token = 令牌无效或已吊销
detail-send-token = 请发送 Authorization: Bearer <token>
detail-other-site = 请求来自其他网站
detail-session-ended = 会话已结束，请打开新的登录链接
detail-send-csrf = 请在 X-CSRF-Token 中发送会话的 CSRF 令牌
detail-first-secret = client_secret：首次设置身份提供方时需要提供客户端密钥
detail-no-sso = 没有使用此域名且设置了单点登录的组织，请向管理员索取登录链接
