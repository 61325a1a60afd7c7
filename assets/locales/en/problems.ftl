# The titles of the service's problem documents (application/problem+json), by their stable
# `code`: `problem-<code>`. A code without a title of its own takes its HTTP status's,
# `status-<status>`. A `.detail` attribute replaces the detail only of problems whose detail is
# always the same words; the others keep the detail that names what went wrong.

status-400 = Bad request
status-401 = Not signed in
status-403 = Not allowed
status-404 = Not found
status-405 = Method not allowed
status-408 = Request timed out
status-409 = Conflict
status-410 = Gone
status-413 = Too large
status-415 = Unsupported media type
status-422 = Unprocessable content
status-429 = Too many requests
status-500 = Internal error
status-503 = Service unavailable
status-507 = Storage full

problem-not_found = Not found
problem-forbidden = Not allowed
problem-internal = Internal error
    .detail = internal error
problem-bad_request = Bad request
problem-malformed_json = Malformed JSON
problem-invalid_body = Invalid request body
problem-invalid_query = Invalid query
problem-invalid_characters = Invalid characters in the request
problem-body_too_large = Request body too large
    .detail = the request body is too large
problem-body_too_slow = Request body too slow
problem-request_timeout = Request timed out
    .detail = the request took too long
problem-method_not_allowed = Method not allowed
    .detail = method not allowed on this route
problem-unsupported_media_type = Unsupported media type
problem-database_unavailable = Database unavailable
    .detail = the database cannot be reached right now; nothing was changed, try again shortly
problem-storage_full = Storage full
    .detail = the service's storage is full; nothing was changed, try again later
problem-rate_limited = Too many requests
problem-busy = Busy
    .detail = the service is busy decoding other photos; try again shortly
problem-missing_token = Not signed in
problem-invalid_token = Invalid token
problem-no_session = Not signed in
problem-session_expired = Session expired
problem-csrf_failed = Security check failed
problem-invalid_signin_link = Sign-in link used or expired
problem-oidc_not_configured = No single sign-on
problem-client_secret_required = Client secret required
problem-invalid_role = Invalid role
    .detail = role must be admin (without member_id) or member (with member_id)
problem-member_id_required = Member id required
    .detail = member tokens name a member
problem-invalid_rows = Invalid rows
problem-invalid_row = Invalid row
problem-invalid_field = Invalid field
problem-invalid_domain = Invalid domain
problem-invalid_email = Invalid e-mail address
problem-invalid_employee_id = Invalid employee id
problem-invalid_issuer = Invalid issuer
problem-invalid_lang = Invalid language tag
problem-invalid_phone = Invalid phone number
problem-invalid_policy = Invalid policy
problem-invalid_url = Invalid URL
problem-webhook_address_not_allowed = Webhook address not allowed
problem-duplicate_employee_id = Duplicate employee id
    .detail = a member with this employee id already exists in the organization; nothing was written
problem-duplicate_domain = Domain already taken
    .detail = another organization has this domain
problem-duplicate_department = Department already exists
    .detail = a department of this name is already beside it; nothing was written
problem-duplicate_tag = Tag already exists
    .detail = the organization's library already has a tag of this name in this group
problem-conflict = Conflict
problem-already_decided = Already decided
problem-invalid_card = Invalid card
problem-card_expired = Card expired
    .detail = the card has expired; ask its owner for a current one
problem-card_revoked = Card withdrawn
    .detail = the card has been revoked; ask its owner for a current one
problem-card_already_used = One-time card already used
    .detail = this one-time card has already been used
problem-too_many_codes = Too many codes in one photo
problem-self_scan = Your own card
    .detail = this is your own card
problem-owner_inactive = Card owner inactive
    .detail = the card's owner is no longer an active member of their organization
problem-requester_inactive = Requester inactive
    .detail = the requester is no longer an active member of their organization
problem-policy_blocked = Blocked by policy
problem-no_active_key = No signing key
    .detail = no active signing key; rotate to create one
problem-expiry_beyond_limit = Expiry beyond the limit
problem-too_many_cards = Too many cards
problem-undrawable_characters = Characters that cannot be printed
problem-text_does_not_fit = Text does not fit on the card
problem-no_qr_found = No QR code found
    .detail = no QR code was found in the image
problem-not_an_image = Not an image
    .detail = the upload is not an image
problem-unsupported_format = Unsupported image format
problem-truncated_image = Incomplete image
    .detail = the image is truncated
problem-corrupt_image = Damaged image
    .detail = the image data is corrupt
problem-image_too_large = Image too large
problem-too_many_bytes = Image too large
problem-time_budget_exceeded = Image took too long to read
    .detail = no QR code was found within the time budget
problem-contact_way_deleted = Team code deleted
    .detail = this code was withdrawn by its organization
problem-contact_way_expired = Team code expired
    .detail = this code has expired
problem-contact_way_paused = Team code paused
    .detail = this code is paused; its organization may turn it on again
problem-contact_way_used = One-time team code already used
    .detail = this one-time code has already been used
problem-no_one_available = Nobody available to answer
    .detail = no one is available to answer this code
problem-members_and_department = Members or a department, not both
problem-department_answers_way = Department answers a team code
    .detail = the department answers a contact way: change or delete the way first
problem-department_cycle = Department cannot move under itself
    .detail = parent_id: a department cannot move under itself or one of its sub-departments
problem-department_has_children = Department has departments under it
    .detail = the department has sub-departments: move or delete them first
problem-department_too_deep = Departments nested too deep
    .detail = parent_id: departments nest at most 15 deep
problem-too_many_departments = Too many departments
    .detail = an organization has at most 10000 departments
problem-no_parent_department = Parent department not found
    .detail = parent_id: no such department

## The page a single sign-on that did not sign anyone in ends on (server-written).

signin-failed-title = Sign-in failed
signin-failed-code = Code:
signin-failed-back = Back to sign-in
signin-failed-oidc_not_configured = This organization has no single sign-on. Ask your admin for a sign-in link.
signin-failed-oidc_unknown_state = This sign-in is unknown, was already used or took too long. Start again from the sign-in page.
signin-failed-oidc_other_browser = This sign-in was started in another browser. Start again from the sign-in page, in this browser.
signin-failed-oidc_provider_error = Your organization's sign-in service refused the sign-in ({ $error }).
signin-failed-oidc_provider_unreachable = Your organization's sign-in service did not answer in time. Try again in a moment; if it keeps failing, tell your admin.
signin-failed-oidc_provider_invalid = Your organization's sign-in service gave an answer namecard cannot use. Tell your admin: the single sign-on settings may be wrong.
signin-failed-oidc_token = The sign-in could not be verified, so nobody was signed in. Start again; if it keeps failing, tell your admin.
signin-failed-oidc_claim_missing = Your organization's sign-in service did not say who you are (no verified "{ $claim }"). Tell your admin.
signin-failed-oidc_unknown_member = You signed in, but you are not a member of this organization in namecard. Ask your admin to add you.
signin-failed-oidc_member_inactive = Your membership in this organization has been deactivated.
signin-failed-oidc_ambiguous_member = Several members of this organization match your sign-in. Ask your admin to fix the directory.
signin-failed-unavailable = namecard could not finish the sign-in just now. Try again in a moment.

## Details in the reader's words, by the catalogue message the service names (`detail-<id>`).

detail-not-found = { $thing ->
       *[other] { $what }
    } not found
detail-empty = must not be empty
detail-too-long = must be at most { $max } characters
detail-control = must not contain control characters
detail-control-multiline = must not contain control characters other than line breaks
detail-disguising = must not contain { $char }: invisible and text-reordering characters cannot be on a card
detail-at-most-departments = at most { $max } departments
detail-department-twice = a department is listed twice
detail-channel = must be 1 to 30 characters of A-Z a-z 0-9 . _ -
detail-way-needs-member = a way needs at least one answering member
detail-way-too-many-members = at most { $max } answering members
detail-member-twice = a member is named twice
detail-domain = must be a domain name like example.com
detail-not-a-url = not a URL: { $error }
detail-url-scheme = must be an https:// or http:// URL with a host
detail-url-credentials = must not carry credentials; the secret signs each delivery
detail-private-address = points at a loopback, private, link-local or reserved address; the service delivers only to public addresses unless its operator sets webhook_private_addresses
detail-policy = must be disabled, partners_only or open
detail-lang = { $tag } is not a language tag such as zh-Hans, zh-TW, ja, ko or en
detail-issuer-not-a-url = not a URL: the issuer is the provider's https URL, e.g. https://login.microsoftonline.com/<tenant id>/v2.0
detail-issuer-extras = no query, fragment or user name: the issuer is the provider's https URL, e.g. https://login.microsoftonline.com/<tenant id>/v2.0
detail-issuer-no-host = no host: the issuer is the provider's https URL, e.g. https://login.microsoftonline.com/<tenant id>/v2.0
detail-issuer-https = must be https: the issuer is the provider's https URL, e.g. https://login.microsoftonline.com/<tenant id>/v2.0
detail-issuer-too-long = at most 500 characters: the issuer is the provider's https URL, e.g. https://login.microsoftonline.com/<tenant id>/v2.0
detail-no-spaces = must be 1 to { $max } characters without spaces
detail-length = must be 1 to { $max } characters
detail-phone = must be an E.164 number like +8613800138000
detail-email = must be an e-mail address like ada@example.com
detail-transfer-period = must be 0 to { $max } seconds (30 days)
detail-invalid-rows = { $count ->
        [one] { $count } row is invalid; nothing was imported
       *[other] { $count } rows are invalid; nothing was imported
    }
detail-exists = { $what } already exists
detail-body = the request body was refused: { $error }
detail-path = the address does not name anything: { $error }
detail-query = the query was refused: { $error }
detail-body-over-limit = the request body is larger than the service accepts
detail-card-fields = the card's fields break the card format's rules: { $error }
detail-undrawable = the card cannot draw these characters, so it would not show the name it signs: { $chars }
detail-does-not-fit = { $field } is too long to fit on the printable card, even in small type on several lines
detail-resets = the card was reset too often; try again in { $secs } s
detail-too-many-cards = at most { $max } extra cards may be valid at once; revoke one first
detail-expiry-limit = at most the service's card lifetime from now (until { $latest })
detail-too-many-bytes = the upload is { $size } bytes, more than the { $limit } allowed
detail-unsupported-format = images in { $format } format are not supported; send JPEG, PNG, WebP, GIF or BMP
detail-image-too-large = the image is { $width }x{ $height } pixels, more than allowed
detail-invalid-card = { $reason ->
        [malformed] This is not a namecard, or it is damaged.
        [unsupported_version] This card is of a newer format than this service reads.
        [wrong_issuer] This card is from another issuer.
        [unknown_key] This card's signing key is not in the keyset.
        [bad_signature] The signature does not match: the card was altered or forged.
        [key_not_valid] The card was signed outside its key's validity.
        [key_compromised] This card's signing key was compromised.
        [not_yet_valid] This card is not valid yet.
        [expired] This card has expired.
        [revoked] This card has been revoked.
       *[other] The card is not valid ({ $reason }).
    }
detail-policy-own = your organization { $org } { $reason ->
        [disabled] has external contacts turned off
       *[other] allows external contacts with partner organizations only
    }; ask your admin
detail-policy-owner = the card owner's organization { $org } { $reason ->
        [disabled] has external contacts turned off
       *[other] allows external contacts with partner organizations only
    }
detail-policy-requester = the requester's organization { $org } { $reason ->
        [disabled] has external contacts turned off
       *[other] allows external contacts with partner organizations only
    }
detail-phone-lookups = too many phone lookups; try again later
detail-already-decided = the request is already { $status ->
        [accepted] accepted
        [rejected] rejected
        [cancelled] cancelled
        [expired] expired
       *[other] { $status }
    }
detail-only-owner-decides = only the card owner can accept or reject a request
detail-only-requester-cancels = only the requester can cancel a request
detail-admin-required = admin token required
detail-operator-required = operator token required
detail-member-required = member token required
detail-signin-link = this sign-in link is unknown, already used or expired; ask your admin for a new one
detail-no-session = not signed in; open a sign-in link from your admin
detail-members-or-department = members, department_id: a contact way is answered by members or by a department, not both
detail-too-many-codes = only the first { $max } codes of a photo are scanned; send this one in another photo
detail-from-before-to = from: must be before to
detail-days-period = to: the period is at most { $max } days
detail-storage-full-now = the database's storage is full: writes fail until space is freed
detail-send-metrics-token = send Authorization: Bearer <metrics_token>
detail-not-metrics-token = not the metrics token
detail-control-characters = { $place } must not contain NUL or other control characters
detail-one-of = { $field }: one of { $values }
detail-csv-or-json = send text/csv or application/json
detail-ids-range = { $field }: 1 to { $max }
detail-body-at-most = the body may be at most { $limit } bytes
detail-no-photo-field = the form has no `photo` file field
detail-body-too-slow = the upload's body did not arrive within { $secs } s
detail-at-most = { $field }: at most { $max }
detail-method = method not allowed on this route
detail-took-too-long = the request took longer than the service's limit of { $secs } s
detail-nothing-to-change = nothing to change: send remark, note or tags
detail-search-text = q: at most { $max } characters, no control characters
detail-unknown-token = the token is unknown or revoked
detail-send-token = send Authorization: Bearer <token>
detail-other-site = the request came from another site
detail-session-ended = the session has ended; open a new sign-in link
detail-send-csrf = send the session's CSRF token in X-CSRF-Token
detail-first-secret = client_secret: the first setting of a provider needs the client secret
detail-no-sso = no organization with this domain has single sign-on; ask your admin for a sign-in link
