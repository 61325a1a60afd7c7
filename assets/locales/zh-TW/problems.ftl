# 服務問題文件（application/problem+json）的標題，依穩定的 `code` 排列：`problem-<code>`。
# 沒有專屬標題的代碼使用其 HTTP 狀態的標題 `status-<status>`。`.detail` 屬性只取代說明文字
# 固定不變的問題的 detail；其他問題保留說明具體錯誤的 detail。

status-400 = 要求有誤
status-401 = 尚未登入
status-403 = 無權操作
status-404 = 找不到
status-405 = 不支援此方法
status-408 = 要求逾時
status-409 = 衝突
status-410 = 已不存在
status-413 = 內容過大
status-415 = 不支援的內容類型
status-422 = 無法處理的內容
status-429 = 要求過於頻繁
status-500 = 內部錯誤
status-503 = 服務暫時無法使用
status-507 = 儲存空間已滿

problem-not_found = 找不到
problem-forbidden = 無權操作
problem-internal = 內部錯誤
    .detail = 內部錯誤
problem-bad_request = 要求有誤
problem-malformed_json = JSON 格式錯誤
problem-invalid_body = 要求內容無效
problem-invalid_query = 查詢參數無效
problem-invalid_characters = 要求中含有無效字元
problem-body_too_large = 要求內容過大
    .detail = 要求內容過大
problem-body_too_slow = 要求內容傳輸過慢
problem-request_timeout = 要求逾時
    .detail = 要求耗時過長
problem-method_not_allowed = 不支援此方法
    .detail = 此路徑不允許該要求方法
problem-unsupported_media_type = 不支援的內容類型
problem-database_unavailable = 資料庫暫時無法使用
    .detail = 目前無法連線資料庫；未做任何變更，請稍後再試
problem-storage_full = 儲存空間已滿
    .detail = 服務的儲存空間已滿；未做任何變更，請稍後再試
problem-rate_limited = 要求過於頻繁
problem-busy = 服務繁忙
    .detail = 服務正忙於辨識其他照片，請稍後再試
problem-missing_token = 尚未登入
problem-invalid_token = 權杖無效
problem-no_session = 尚未登入
problem-session_expired = 登入已逾期
problem-csrf_failed = 安全檢查失敗
problem-invalid_signin_link = 登入連結已使用或已逾期
problem-oidc_not_configured = 未設定單一登入
problem-client_secret_required = 需要用戶端密鑰
problem-invalid_role = 角色無效
    .detail = role 須為 admin（不帶 member_id）或 member（帶 member_id）
problem-member_id_required = 需要成員編號
    .detail = 成員權杖須指定成員
problem-invalid_rows = 有無效的列
problem-invalid_row = 無效的列
problem-invalid_field = 欄位無效
problem-invalid_domain = 網域無效
problem-invalid_email = 電子郵件地址無效
problem-invalid_employee_id = 員工編號無效
problem-invalid_issuer = 簽發者無效
problem-invalid_lang = 語言標籤無效
problem-invalid_phone = 手機號碼無效
problem-invalid_policy = 政策無效
problem-invalid_url = 網址無效
problem-webhook_address_not_allowed = 不允許的 Webhook 位址
problem-duplicate_employee_id = 員工編號重複
    .detail = 組織中已有使用此員工編號的成員，未寫入任何內容
problem-duplicate_domain = 網域已被使用
    .detail = 其他組織已使用此網域
problem-duplicate_department = 部門已存在
    .detail = 同層已有同名部門，未寫入任何內容
problem-duplicate_tag = 標籤已存在
    .detail = 組織的標籤庫中此群組下已有同名標籤
problem-conflict = 衝突
problem-already_decided = 已處理過
problem-invalid_card = 名片無效
problem-card_expired = 名片已過期
    .detail = 名片已過期，請向名片主人索取新名片
problem-card_revoked = 名片已作廢
    .detail = 名片已被撤回，請向名片主人索取新名片
problem-card_already_used = 一次性名片已被使用
    .detail = 這張一次性名片已被使用
problem-too_many_codes = 一張照片中的 QR 碼過多
problem-self_scan = 這是你自己的名片
    .detail = 這是你自己的名片
problem-owner_inactive = 名片主人已停用
    .detail = 名片主人已不是其組織的在職成員
problem-requester_inactive = 申請人已停用
    .detail = 請求者已不是其組織的在職成員
problem-policy_blocked = 遭政策阻擋
problem-no_active_key = 沒有簽章金鑰
    .detail = 沒有使用中的簽章金鑰，請輪替以產生一個
problem-expiry_beyond_limit = 有效期限超出上限
problem-too_many_cards = 名片過多
problem-undrawable_characters = 有無法印出的字元
problem-text_does_not_fit = 文字放不進名片
problem-no_qr_found = 找不到 QR 碼
    .detail = 圖片中沒有找到 QR 碼
problem-not_an_image = 不是圖片
    .detail = 上傳的檔案不是圖片
problem-unsupported_format = 不支援的圖片格式
problem-truncated_image = 圖片不完整
    .detail = 圖片不完整
problem-corrupt_image = 圖片已損毀
    .detail = 圖片資料已損毀
problem-image_too_large = 圖片過大
problem-too_many_bytes = 圖片過大
problem-time_budget_exceeded = 圖片辨識逾時
    .detail = 在限定時間內沒有找到 QR 碼
problem-contact_way_deleted = 團隊碼已刪除
    .detail = 此碼已被其組織撤回
problem-contact_way_expired = 團隊碼已過期
    .detail = 此碼已過期
problem-contact_way_paused = 團隊碼已暫停
    .detail = 此碼已暫停，其組織可以重新啟用
problem-contact_way_used = 一次性團隊碼已被使用
    .detail = 這個一次性碼已被使用
problem-no_one_available = 目前沒有可接待的成員
    .detail = 目前沒有人可以接待此碼
problem-members_and_department = 只能選擇成員或部門其中之一
problem-department_answers_way = 此部門正在接待團隊碼
    .detail = 該部門負責接待一個聯絡方式：請先修改或刪除該聯絡方式
problem-department_cycle = 部門不能移到自身之下
    .detail = parent_id：部門不能移到自身或其下級部門之下
problem-department_has_children = 此部門下還有子部門
    .detail = 該部門下還有子部門：請先移動或刪除它們
problem-department_too_deep = 部門層級過深
    .detail = parent_id：部門最多巢狀 15 層
problem-too_many_departments = 部門過多
    .detail = 一個組織最多有 10000 個部門
problem-no_parent_department = 找不到上層部門
    .detail = parent_id：沒有這個部門

## The page a single sign-on that did not sign anyone in ends on (server-written).

signin-failed-title = 登入失敗
signin-failed-code = 代碼：
signin-failed-back = 返回登入頁
signin-failed-oidc_not_configured = 此組織未設定單一登入。請向管理員索取登入連結。
signin-failed-oidc_unknown_state = 這次登入無法辨識、已被使用或耗時過久。請從登入頁重新開始。
signin-failed-oidc_other_browser = 這次登入是在另一個瀏覽器中開始的。請在目前的瀏覽器中從登入頁重新開始。
signin-failed-oidc_provider_error = 貴組織的登入服務拒絕了這次登入（{ $error }）。
signin-failed-oidc_provider_unreachable = 貴組織的登入服務未能及時回應。請稍後再試；如果持續失敗，請告知管理員。
signin-failed-oidc_provider_invalid = 貴組織的登入服務傳回了 namecard 無法使用的回應。請告知管理員：單一登入設定可能有誤。
signin-failed-oidc_token = 無法驗證這次登入，因此沒有登入任何人。請重新開始；如果持續失敗，請告知管理員。
signin-failed-oidc_claim_missing = 貴組織的登入服務沒有說明你是誰（缺少已驗證的「{ $claim }」）。請告知管理員。
signin-failed-oidc_unknown_member = 你已登入，但你不是 namecard 中此組織的成員。請管理員新增你。
signin-failed-oidc_member_inactive = 你在此組織的成員身分已被停用。
signin-failed-oidc_ambiguous_member = 此組織有多名成員與你的登入資訊相符。請管理員修正通訊錄。
signin-failed-unavailable = namecard 暫時無法完成登入。請稍後再試。

## 以讀者語言寫出的詳細說明，依服務指定的訊息（`detail-<id>`）。

detail-not-found = 找不到{ $thing ->
        [member] 成員
        [department] 部門
        [contact_way] 聯絡方式
        [contact] 聯絡人
        [organization] 組織
        [card] 名片
        [transfer] 交接
        [tag] 標籤
        [contact_request] 聯絡請求
        [session] 工作階段
        [route] 此路徑
        [webhook] Webhook
        [token] 權杖
        [successor] 接替人
        [retired_key] 已停用的金鑰
        [oidc_provider] 單一登入設定
        [mail] 郵件
        [client_secret] 用戶端密鑰
       *[other] { $what }
    }
detail-empty = 不能為空
detail-too-long = 最多 { $max } 個字元
detail-control = 不能包含控制字元
detail-control-multiline = 除換行外不能包含控制字元
detail-disguising = 不能包含 { $char }：名片上不能有不可見或改變文字順序的字元
detail-at-most-departments = 最多 { $max } 個部門
detail-department-twice = 有部門重複列出
detail-channel = 須為 1 到 30 個字元，只能使用 A-Z a-z 0-9 . _ -
detail-way-needs-member = 聯絡方式至少需要一位接待成員
detail-way-too-many-members = 最多 { $max } 位接待成員
detail-member-twice = 有成員重複列出
detail-domain = 須為網域名稱，例如 example.com
detail-not-a-url = 不是有效的網址：{ $error }
detail-url-scheme = 須為帶主機名稱的 https:// 或 http:// 網址
detail-url-credentials = 不能包含使用者名稱或密碼；每次傳送都由密鑰簽章
detail-private-address = 指向迴路、私有、鏈路本地或保留位址；除非維運人員設定了 webhook_private_addresses，服務只向公開位址傳送
detail-policy = 須為 disabled、partners_only 或 open
detail-lang = { $tag } 不是語言標籤，應為 zh-Hans、zh-TW、ja、ko 或 en 這樣的標籤
detail-issuer-not-a-url = 不是網址：簽發者是身分提供者的 https 網址，例如 https://login.microsoftonline.com/<tenant id>/v2.0
detail-issuer-extras = 不能帶查詢、片段或使用者名稱：簽發者是身分提供者的 https 網址，例如 https://login.microsoftonline.com/<tenant id>/v2.0
detail-issuer-no-host = 缺少主機名稱：簽發者是身分提供者的 https 網址，例如 https://login.microsoftonline.com/<tenant id>/v2.0
detail-issuer-https = 須使用 https：簽發者是身分提供者的 https 網址，例如 https://login.microsoftonline.com/<tenant id>/v2.0
detail-issuer-too-long = 最多 500 個字元：簽發者是身分提供者的 https 網址，例如 https://login.microsoftonline.com/<tenant id>/v2.0
detail-no-spaces = 須為 1 到 { $max } 個字元，不能有空格
detail-length = 須為 1 到 { $max } 個字元
detail-phone = 須為 E.164 格式的號碼，例如 +8613800138000
detail-email = 須為電子郵件地址，例如 ada@example.com
detail-transfer-period = 須為 0 到 { $max } 秒（30 天）
detail-invalid-rows = { $count } 列無效，未匯入任何內容
detail-exists = { $what } 已存在
detail-body = 要求內容被拒絕：{ $error }
detail-path = 此位址不對應任何內容：{ $error }
detail-query = 查詢參數被拒絕：{ $error }
detail-body-over-limit = 要求內容超過了服務接受的大小
detail-card-fields = 名片欄位不符合名片格式的規則：{ $error }
detail-undrawable = 名片無法繪製這些字元，印出的名字會與簽章的不同：{ $chars }
detail-does-not-fit = { $field } 太長，即使用小字分多行也放不進可列印名片
detail-resets = 名片重設過於頻繁，請在 { $secs } 秒後重試
detail-too-many-cards = 同時有效的附加名片最多 { $max } 張，請先撤回一張
detail-expiry-limit = 不能超過服務規定的名片有效期（最晚到 { $latest }）
detail-too-many-bytes = 上傳的檔案有 { $size } 位元組，超過上限 { $limit } 位元組
detail-unsupported-format = 不支援 { $format } 格式的圖片，請上傳 JPEG、PNG、WebP、GIF 或 BMP
detail-image-too-large = 圖片為 { $width }x{ $height } 像素，超過允許的大小
detail-invalid-card = { $reason ->
        [malformed] 這不是名片，或已損壞。
        [unsupported_version] 這張名片的格式比本服務支援的更新。
        [wrong_issuer] 這張名片來自其他簽發者。
        [unknown_key] 這張名片的簽章金鑰不在金鑰集中。
        [bad_signature] 簽章不符：名片遭竄改或偽造。
        [key_not_valid] 名片的簽章時間不在其金鑰的有效期內。
        [key_compromised] 這張名片的簽章金鑰已外洩。
        [not_yet_valid] 這張名片尚未生效。
        [expired] 這張名片已過期。
        [revoked] 這張名片已被撤回。
       *[other] 名片無效（{ $reason }）。
    }
detail-policy-own = 你的組織 { $org } { $reason ->
        [disabled] 已關閉外部聯絡人
       *[other] 只允許與合作組織互加外部聯絡人
    }，請聯絡你的管理員
detail-policy-owner = 名片主人的組織 { $org } { $reason ->
        [disabled] 已關閉外部聯絡人
       *[other] 只允許與合作組織互加外部聯絡人
    }
detail-policy-requester = 請求者的組織 { $org } { $reason ->
        [disabled] 已關閉外部聯絡人
       *[other] 只允許與合作組織互加外部聯絡人
    }
detail-phone-lookups = 依手機號碼查詢的次數過多，請稍後再試
detail-already-decided = 此請求已經{ $status ->
        [accepted] 被接受
        [rejected] 被拒絕
        [cancelled] 被取消
        [expired] 過期
       *[other] 處理（{ $status }）
    }
detail-only-owner-decides = 只有名片主人可以接受或拒絕請求
detail-only-requester-cancels = 只有請求者可以取消請求
detail-admin-required = 需要管理員權杖
detail-operator-required = 需要維運權杖
detail-member-required = 需要成員權杖
detail-signin-link = 此登入連結無效、已使用或已過期，請向管理員索取新的連結
detail-no-session = 尚未登入，請開啟管理員傳給你的登入連結
detail-members-or-department = members、department_id：聯絡方式由成員或由部門接待，不能兩者都設
detail-too-many-codes = 每張照片只掃描前 { $max } 個 QR 碼；請用另一張照片傳送這一個
detail-from-before-to = from：須早於 to
detail-days-period = to：時段最長 { $max } 天
detail-storage-full-now = 資料庫儲存空間已滿：在釋出空間之前寫入都會失敗
detail-send-metrics-token = 請傳送 Authorization: Bearer <metrics_token>
detail-not-metrics-token = 不是監控指標權杖
detail-control-characters = { $place } 不能包含 NUL 或其他控制字元
detail-one-of = { $field }：須為下列之一：{ $values }
detail-csv-or-json = 請傳送 text/csv 或 application/json
detail-ids-range = { $field }：須為 1 到 { $max }
detail-body-at-most = 要求內容最多 { $limit } 位元組
detail-no-photo-field = 表單中沒有 `photo` 檔案欄位
detail-body-too-slow = 上傳內容未在 { $secs } 秒內傳完
detail-at-most = { $field }：最多 { $max } 個
detail-method = 此路徑不允許該要求方法
detail-took-too-long = 要求耗時超過了服務的上限 { $secs } 秒
detail-nothing-to-change = 沒有要修改的內容：請傳送 remark、note 或 tags
detail-search-text = q：最多 { $max } 個字元，不能包含控制字元
detail-unknown-token = 權杖無效或已撤銷
detail-send-token = 請傳送 Authorization: Bearer <token>
detail-other-site = 要求來自其他網站
detail-session-ended = 工作階段已結束，請開啟新的登入連結
detail-send-csrf = 請在 X-CSRF-Token 中傳送工作階段的 CSRF 權杖
detail-first-secret = client_secret：首次設定身分提供者時需要提供用戶端密鑰
detail-no-sso = 沒有使用此網域且設定了單一登入的組織，請向管理員索取登入連結
