# The web app's words in English: one message per string the page shows, grouped by page.
# Translators: keep each message's id and its { $variables }; the words are yours. A number
# selects its plural form: { $count -> [one] ... *[other] ... }. Every message must be in
# every language (a test checks it), so a new message goes into each locale's file.

## Chrome: navigation, who is signed in, the language switch

offline = The service could not be reached. Check your connection.
nav-card = My card
nav-scan = Scan
nav-inbox = Inbox
nav-contacts = Contacts
nav-directory = Directory
nav-members = Members
nav-departments = Departments
nav-team-codes = Team codes
nav-policy = Policy
nav-cards = Cards
nav-audit = Audit log
locale-switch = Language
chrome-admin = Admin · { $org }
chrome-sign-out = Sign out
shell-nav = Main
shell-loading = Loading…
shell-noscript = This app needs JavaScript.

## Problems shown on any page

problem-signed-out = You are signed out
problem-signed-out-text = Your session has ended. Open a new sign-in link from your admin.
problem-failed = That did not work
problem-row = Row { $row }, { $field }: { $message }

## Sign in

signin-title = Sign in
signin-not-signed-in = You are not signed in.
signin-no-passwords = namecard has no passwords: your organization's admin sends you a personal sign-in link. Open it on this device to sign in.
sso-input-label = Work e-mail or organization domain
sso-continue = Continue
sso-sign-in-with = Sign in with { $label }
sso-none = No single sign-on
sso-none-text = Your organization has not set up single sign-on. Ask your admin for a sign-in link.
sso-title = Single sign-on
sso-lead = If your organization signs you in with its own account (Microsoft, Okta, Keycloak, ...):
role-not-available = Not available
role-admins-only = This page is for administrators.
role-members-only = This page is for members; you are signed in as an administrator.
signin-signing-in = Signing in…
signin-link-used = This sign-in link has already been used or has expired. Ask your admin for a new one.

## My card

card-lead = Show the QR code, or print the card. Any phone camera opens it.
saved = Saved
sharing-off = Turned off.
sharing-mobile-title = My mobile number
sharing-on-record = On record: { $mobile }
sharing-no-mobile = Your organization has no mobile number on record for you.
sharing-discoverable = People may find me by this number
sharing-discoverable-hint = People who know your number can send you a request; nobody learns whether a number exists.
sharing-share-mobile = Show it to my external contacts
sharing-share-mobile-hint = Your external contacts see your number and get it in their address-book exports.
sharing-mail-title = E-mail notices
sharing-sent-to = Sent to: { $email }
sharing-no-email = Your organization has no e-mail address on record for you.
sharing-email-notices = Tell me by e-mail about new contact requests and transfers
sharing-email-notices-hint = New contact requests and transfers are e-mailed to you.
card-reset = Reset my card
card-reset-confirm = Yes, replace it
card-replaced = Your card was replaced
card-old-stops = The old card no longer verifies.
card-qr-alt = QR code of my card
card-valid-until = Valid until { $date }
card-printable = Printable card
card-printable-alt = My printable namecard
qr-png = QR as PNG
qr-svg = QR as SVG
card-reset-hint = Lost a printed card, or want a fresh one? Resetting replaces your card; the old one stops working at once.

## Scanning and the outcome of a scan

reason-bad-signature = Its signature does not match: the card may have been altered or forged.
reason-unknown-key = It was signed with a key this service does not know (or no longer trusts).
reason-wrong-issuer = It was issued by a different namecard service.
reason-malformed = The code is not a namecard.
reason-expired = The card has expired.
reason-not-yet-valid = The card is not valid yet.
reason-revoked = The card has been withdrawn.
reason-key-compromised = The key that signed it has been withdrawn.
scan-card-expired = This card has expired
scan-ask-current = Ask its owner for their current card.
scan-card-revoked = This card has been withdrawn
scan-card-revoked-hint = Its owner or their organization replaced or cancelled it. Ask for their current card.
scan-self = This is your own card
scan-self-hint = Scan someone else's card to add them.
scan-owner-inactive = The card's owner is no longer active
scan-owner-inactive-hint = Their organization has deactivated them.
scan-card-used = This one-time card has already been used
scan-card-used-hint = Ask its owner for another card.
scan-no-qr = No QR code found in the photo
scan-no-qr-hint = Hold the phone steady, a little closer, with the whole code in the picture and in good light.
scan-not-image = That file is not a photo
scan-choose-image = Choose a JPEG, PNG or WebP image.
scan-unsupported = That image format is not supported
scan-truncated = The photo is incomplete
scan-take-again = Take the photo again.
scan-corrupt = The photo is damaged
scan-too-large = The photo is too large
scan-too-large-hint = Take a smaller photo, or crop it around the card.
scan-too-slow = The photo took too long to read
scan-too-slow-hint = Take a closer, sharper photo of the code.
policy-reason-disabled = { $org } does not allow contacts with other organizations.
policy-reason-not-partner = { $org } only allows contacts with its partner organizations.
policy-an-organization = An organization
policy-reason-other = { $org }'s policy does not allow this contact.
policy-ours-partner = This is your own organization's policy. Ask your admin at { $org } to add the other organization as a partner.
policy-ours-allow = This is your own organization's policy. Ask your admin at { $org } to allow external contacts.
policy-theirs = This is the policy of the card owner's organization, { $org }. Only its admin can change it; you could ask the card's owner to raise it with them.
policy-blocked = Blocked by { $org }'s policy
scan-not-valid = This is not a valid namecard
outcome-they = They
outcome-sent = Request sent
outcome-sent-text = { $name } will see your request in their inbox. Once they accept, you appear in each other's contacts.
outcome-pending = Already requested
outcome-pending-text = You asked { $name } before; the request is waiting for their answer.
outcome-connected = Already in your contacts
outcome-connected-text = { $name } is one of your external contacts.
outcome-see-contacts = See contacts
outcome-colleague = A colleague
outcome-colleague-before = { $name } works in your organization: find them in the{ " " }
outcome-colleague-link = directory
outcome-colleague-after = .
outcome-done = Done
scan-send-request = Send contact request
scan-verified-way = ✓ Verified team code
scan-verified-card = ✓ Verified namecard
scan-team-code = Team code: { $name }
scan-with-camera = Scan with the camera
scan-no-camera = No camera: { $error }. Take or choose a photo instead.
scan-stop-camera = Stop the camera
scan-point = Point the camera at the card's QR code ({ $decoder }).
scan-read = Read a card.
scan-foreign-code = That code is not a namecard of this service.
scan-error = Scanner error: { $error }
scan-chosen-photo = The chosen photo
scan-reading = Reading the card…
scan-checking = Checking the card…
scan-camera = Camera
scan-title = Scan a card
scan-lead = Point the camera at someone's namecard QR code, or photograph it, to send them a contact request.
scan-take-photo = Take a photo
scan-choose-photo = Choose a photo

## The card page: what a phone camera opens from a card

cardlink-title = Namecard
cardlink-add = Add to your contacts
cardlink-sign-in-first = To send { $name } a contact request, sign in first: open the personal sign-in link your organization's admin gave you on this phone. You will come back here afterwards.
cardlink-admin = You are signed in as an administrator; members send contact requests.

## Inbox and contacts

via-qr-scan = scanned your card
via-phone = found you by phone number
source-card = a card
source-team-code = a team code
source-link = a link
source-phone = a phone number
source-transfer = a transfer
list-show-more = Show more
request-accepted = { $name } is now one of your contacts.
request-declined = Request declined.
request-withdrawn = Request withdrawn.
request-status-accepted = accepted
request-status-rejected = rejected
request-status-cancelled = cancelled
request-accept = Accept
request-decline = Decline
request-withdraw = Withdraw
request-waiting = waiting for an answer
request-card-channel = The card's channel
inbox-lead = People who want to add you as an external contact.
inbox-to-you = Requests to you
inbox-none-waiting = No requests waiting.
inbox-sent = Sent by you
inbox-none-sent = Nothing waiting for an answer.
inbox-changes = Changes to your contacts
inbox-no-changes = None of your contacts was handed to someone else.
transfer-waiting = waiting
transfer-done = done
transfer-refused = refused
transfer-not-possible = not possible
transfer-already-connected = the colleague already has this contact
transfer-already-transferring = another transfer of this contact is waiting
transfer-successor-inactive = the colleague left before it took effect
transfer-relation-gone = the contact was removed before it took effect
transfer-takes-effect = Takes effect { $when } unless you refuse.
transfer-refuse = Refuse
transfer-refuse-confirm = Yes, end this contact
transfer-refused-text = You are no longer in contact with { $org }.
transfer-previously = Previously { $name } · { $when }
book-remark = Your name for them
book-note = A private note
book-tags = Tags
book-no-tags = Your organization has no tags yet.
book-shown-as = Shown to you as { $remark }.
book-private = Only you see your remark and note.
save = Save
contact-since = Contact since { $date } · by { $source }
contact-channel = The channel
contact-edit-book = Remark, note & tags
contact-save-vcf = Save to phone (.vcf)
remove = Remove
remove-confirm = Yes, remove
contacts-export = Export all (.vcf)
contacts-title = External contacts
contacts-lead = People in other organizations you have connected with. Remarks, notes and tags are yours alone.
contacts-none = No external contacts yet. Scan someone's card to start.

## Directory

directory-any-part = Any part
directory-exact-id = Exact ID
directory-search = Search
directory-search-by = Search by
name = Name
directory-id = ID
directory-no-match = Nobody matches.
directory-no-members = No members yet.
department = Department
directory-all-departments = All departments
member-employee = Employee { $id }
directory-lead = Colleagues at { $org }.

## Admin: members

signin-link = Sign-in link
copy = Copy
copied = Copied
copy-manually = Select and copy
signin-link-for = Sign-in link for { $who }
signin-link-once = Works once, until { $until }. Send it to them privately.
member-card = Card
member-deactivate = Deactivate
member-deactivate-confirm = Yes, deactivate
member-deactivated = { $name } was deactivated; their cards no longer verify.
employee-id = Employee id
member-title-optional = Title (optional)
member-mobile-optional = Mobile, international format (optional)
member-email-optional = E-mail (optional)
member-discoverable = Others may find them by phone number
member-add = Add member
member-added = { $name } was added
member-added-hint = Send them a sign-in link from the list below.
import = Import
import-lead = A CSV file with a header line. All or nothing: if any row is wrong, nothing is imported and every bad row is listed.
import-file = CSV file
import-paste = or paste it
import-done = { $count ->
    [one] Imported { $count } member
   *[other] Imported { $count } members
}
signin-link-admin = an administrator of { $org }
members-admin-link = Sign-in link for another admin
members-lead = Everyone at { $org } who has a namecard.
members-add = Add a member
members-import = Import from CSV
members-admins = Administrators
members-admins-hint = Admins sign in with a one-time link too.

## Admin: departments

department-member-removed = { $name } is no longer directly in { $department }
department-nobody = Nobody in this department or under it yet.
department-add-member = Add to department
department-no-such-member = No active member has this employee id
department-member-added = { $name } is in { $department }
department-parent = Parent
department-top-level = Top level
department-count = { $count ->
    [one] { $count } member directly
   *[other] { $count } members directly
}
department-edit = Rename or move
delete = Delete
delete-confirm = Yes, delete
departments-none = No departments yet.
departments-lead = How { $org } is organized. Colleagues browse the directory by department.
departments-add = Add a department
department-inside = Inside
department-add = Add department

## Admin: team codes

col-member = Member
col-requests = Requests
col-pending = Pending
col-accepted = Accepted
col-rejected = Rejected
col-expired = Expired
col-withdrawn = Withdrawn
col-median = Median answer
way-live = Live
way-paused = Paused
way-expired = Expired
way-used-up = Used up
way-deleted = Deleted
sharing-round-robin = Round robin
sharing-round-robin-hint = Each scan goes to the next member in turn.
sharing-fewest-pending = Fewest pending
sharing-fewest-pending-hint = Each scan goes to the member with the fewest requests waiting.
duration-hours = { $n } h
duration-minutes = { $n } min
duration-seconds = { $n } s
way-reading = Getting the link…
way-plain-link = The plain link: the address the code holds, for a browser without a camera (a website, an e-mail).
way-link = Team code link
way-link-none = This code has no web link
way-link-none-hint = The service's card prefix is not a web address; share the QR instead.
way-qr-alt = QR code of { $name }
way-poster-alt = Printable poster of { $name }
way-poster = Poster (PNG)
chart-day = { $requests ->
    [one] { $date }: { $accepted } accepted of { $requests } request
   *[other] { $date }: { $accepted } accepted of { $requests } requests
}
chart-accepted = Accepted
chart-requests = Requests made that day
funnel-scans = Scans
funnel-scans-note = ({ $refused } refused, { $waiting } already waiting, { $connected } already contacts, { $colleagues } by colleagues)
funnel-requests = Requests
funnel-requests-note = ({ $pending } pending, { $rejected } rejected, { $expired } expired, { $cancelled } withdrawn)
funnel-accepted = Accepted
chart-from = From
chart-to = To (including)
chart-counting = Counting…
chart-choose-period = Choose a period
chart-period-order = The first day must not be after the last.
chart-member = Member { $id }
chart-accepted-per-day = Accepted per day
chart-accepted-per-day-hint = Of the requests made each day, how many have been accepted.
chart-label = Accepted requests per day, { $name }
chart-funnel = Funnel
chart-counts = Scans counts every scan of the code in the period, whatever came of it; requests are those made in the period, as they stand now.
chart-median = Median time to answer:
chart-per-member = Per member
chart-no-requests = No requests in this period.
chart-show = Show
way-nobody-active = nobody active
way-answered-by = Answered by { $names }
way-answered-by-department = Answered by the department { $department } (now: { $names })
way-channel = Channel
way-auto-accept = Auto-accept
way-approval = Approval
way-one-time-used = One-time, used { $date }
way-one-time = One-time
way-until = Until { $when }
way-resume = Resume
way-pause = Pause
way-welcome = Welcome: { $welcome }
way-made-by = Made by { $who } · { $when }
way-made-by-member = Made by { $who } · { $when } · a member's own code
way-codes = QR & poster
way-chart = Chart
way-nobody-chosen = Nobody chosen yet: add members from the directory below.
way-add-answerer = Add
way-choose-department = Choose a department
way-department-hint = Its active members and those of every department under it answer, as people join and leave.
way-name = Name (shown on the code)
way-name-example = Sales team
way-channel-optional = Channel (optional: kept on every request, e.g. fair-2026)
way-who-answers = Who answers
way-these-members = These members, in this order
way-a-department = A department
way-sharing = Sharing the scans
way-auto-accept-check = Accept requests at once (no approval)
way-one-time-check = One-time: the code makes one request only
way-expires = Stops taking scans at (optional)
way-welcome-field = Welcome message, sent when a request is accepted (optional; {"{"}requester{"}"} and {"{"}member{"}"} are filled in)
way-edit = Edit
way-save = Save changes
way-create = Create team code
way-created = { $name } was created
way-created-hint = Print its poster or share its link from the list above.
ways-none = No team codes yet.
ways-newest = Showing the newest 200.
ways-lead = Contact ways of { $org }: one QR code on a booth, a website or a poster, answered by a team.
ways-new = New team code

## Admin: policy and settings

policy-disabled = No external contacts
policy-disabled-hint = Members cannot add, or be added by, people in other organizations.
policy-partners-only = Partner organizations only
policy-partners-only-hint = Members may connect with people in the partner organizations listed below.
policy-open = Open
policy-open-hint = Members may connect with people in any organization (whose own policy allows it).
policy-title = Policy and partners
org-lang-title = Card language
org-lang-lead = The language your printed cards and posters are drawn in: the regional forms of Chinese, Japanese and Korean characters, and the line under the QR code.
org-lang-zh-hans = Simplified Chinese (扫码添加我)
org-lang-zh-hant-tw = Traditional Chinese, Taiwan (掃碼加我)
org-lang-zh-hant-hk = Traditional Chinese, Hong Kong (掃碼加我)
org-lang-ja = Japanese
org-lang-ko = Korean
org-lang-en = English (Scan to add me)
org-lang-save = Save language
org-lang-saved = Card language saved
org-lang-saved-hint = Cards and posters printed from now on use it; the QR codes stay the same.
policy-lead = Who your members may exchange cards with. Checked at every scan, never printed in a card.
policy-save = Save policy
policy-saved = Policy saved
partners-none = No partner organizations.
partner-org = Organization { $id }
partner-unnamed = Named here once they list you as a partner too
partner-add = Add partner
webhook-now = Sending to { $url } since { $date }.
webhook-none = No webhook set.
webhook-url = Webhook URL
webhook-saved = Webhook saved
webhook-secret-once = Its signing secret is shown only now:
webhook-remove = Remove webhook
webhook-removed = Webhook removed
partners-title = Partner organizations
partner-add-label = Add a partner by its organization id
webhook-title = Webhook
webhook-lead = Contact requests and decisions are also sent, signed, to this URL.
sso-match-email = E-mail address
sso-match-employee-id = Employee ID
sso-issuer = Issuer URL
sso-client-id = Client ID
sso-client-secret = Client secret
sso-match-on = Match members by
sso-claim = Claim
sso-button-label = Button label
sso-save = Save single sign-on
sso-now-email = Members sign in through { $issuer }, matched by e-mail from the "{ $claim }" claim. Sign-in links keep working.
sso-now-employee-id = Members sign in through { $issuer }, matched by employee ID from the "{ $claim }" claim. Sign-in links keep working.
sso-now-none = No single sign-on: members sign in with links.
sso-redirect = Redirect URI to register at your provider:
sso-start = Sign-in address (for an app tile or "initiate login URI"):
sso-secret-stored = Stored; leave empty to keep it
sso-saved = Single sign-on saved
sso-remove = Remove single sign-on
sso-removed = Single sign-on removed
sso-removed-hint = Members sign in with links again.
sso-panel = Single sign-on (OpenID Connect)
scim-token-used = { $label } · made { $made } · last used { $used }
scim-token-unused = { $label } · made { $made } · never used
scim-revoke = Revoke
scim-revoke-confirm = Yes, revoke
scim-revoked = Token revoked
scim-revoked-hint = The identity provider holding it is refused from now on.
scim-none = No SCIM tokens: nothing provisions members.
scim-label = Token label
scim-create = Create SCIM token
scim-created = SCIM token created
scim-created-hint = Paste both into your identity provider. The token is shown only now:
scim-base-url = SCIM base URL (Entra ID: Tenant URL; Okta: SCIM connector base URL)
scim-token = Token (Entra ID: Secret Token; Okta: HTTP header, Bearer)
scim-panel = Provisioning (SCIM)
scim-lead = Your identity provider creates, changes and removes members and departments through SCIM 2.0 with one of these tokens.

## Admin: printable cards

cards-download = Download all printable cards (zip)
cards-collecting = Collecting members…
cards-no-members = No members yet
cards-rendering = Rendering cards { $first }–{ $last } of { $total }…
cards-downloaded = { $count ->
    [one] { $count } card downloaded
   *[other] { $count } cards downloaded
}
cards-downloaded-hint = One PNG per member, named by employee id, ready to print at 1050 × 600 pixels (3.5 × 2 in at 300 dpi).
cards-title = Printable cards
cards-lead = Namecards for every active member of { $org }.
cards-reuse = Members without a card get one issued now. Existing cards are reused.

## Admin: audit log

audit-more = Load more
audit-none = Nothing recorded yet.
audit-lead = Every change made in your organization, oldest first.
audit-when = When
audit-who = Who
audit-what = What
audit-target = Target
audit-detail = Detail

## Admin: the organization's contacts and transfers

transfer-takes-effect-admin = takes effect { $when } unless refused
transfer-hand-to = Hand to
transfer-choose-colleague = Choose a colleague…
transfer-message-example = A message to each contact, e.g. "{ $name } has moved on; I look after you from now on."
transfer-started = { $waiting } of { $total } contacts are being handed over
transfer-started-hint = Each contact is told and may refuse until the period ends.
transfer-hand-over = Hand over
transfers-none = No transfers yet.
leaver-contacts = { $count ->
    [one] Left · { $count } unassigned contact: { $names }
   *[other] Left · { $count } unassigned contacts: { $names }
}
leavers-none = Nobody who left has contacts waiting for a new holder.
org-contacts-export = Export all (.csv)
org-contacts-lead = External contacts belong to { $org }: when someone leaves, hand theirs to a colleague.
org-contacts-unassigned = Unassigned: contacts of people who left
org-contacts-transfers = Transfers
org-contacts-every = Every external contact

# The audit log's actions, by their code (`.` and `_` written `-`).
audit-action-card-issue = Card issued
audit-action-card-issue-extra = Extra card issued
audit-action-card-revoke = Card withdrawn
audit-action-contact-removed = Contact removed
audit-action-contact-updated = Contact updated
audit-action-contact-request-accepted = Contact request accepted
audit-action-contact-request-cancelled = Contact request cancelled
audit-action-contact-request-created = Contact request sent
audit-action-contact-request-rejected = Contact request declined
audit-action-contact-tag-created = Contact tag created
audit-action-contact-tag-deleted = Contact tag deleted
audit-action-contact-way-created = Team code created
audit-action-contact-way-deleted = Team code deleted
audit-action-contact-way-updated = Team code changed
audit-action-department-created = Department created
audit-action-department-deleted = Department deleted
audit-action-department-members-changed = Department members changed
audit-action-department-updated = Department changed
audit-action-key-remove = Signing key removed
audit-action-key-retire = Signing key retired
audit-action-key-rotate = Signing key rotated
audit-action-mail-retry = Mail sent again
audit-action-member-create = Member added
audit-action-member-deactivate = Member deactivated
audit-action-member-departments-set = Member's departments set
audit-action-member-import = Members imported
audit-action-member-reactivate = Member reactivated
audit-action-member-scim-delete = Member removed by the identity provider
audit-action-member-scim-restore = Member restored by the identity provider
audit-action-member-successor = Successor named
audit-action-member-update = Member changed
audit-action-member-update-self = Member changed their details
audit-action-oidc-delete = Single sign-on removed
audit-action-oidc-set = Single sign-on set
audit-action-oidc-signin-failed = Single sign-on failed
audit-action-org-create = Organization created
audit-action-org-update = Organization changed
audit-action-partner-add = Partner added
audit-action-partner-remove = Partner removed
audit-action-scim-token-create = SCIM token created
audit-action-scim-token-revoke = SCIM token revoked
audit-action-session-start = Signed in
audit-action-signin-link-cancel = Sign-in link cancelled
audit-action-signin-link-create = Sign-in link created
audit-action-token-create = API token created
audit-action-token-revoke = API token revoked
audit-action-transfer-done = Contact handed over
audit-action-transfer-not-possible = Handover not possible
audit-action-transfer-refused = Handover refused by the contact
audit-action-transfer-started = Handover started
audit-action-webhook-delete = Webhook removed
audit-action-webhook-set = Webhook set

# Sentences the service writes into its answers (a scan's notice, a transfer's).
notice-routed = { $left } has left { $org }; your request goes to { $owner }.
notice-team = { $owner } of { $org } ({ $team }) will answer you.
notice-transfer = Your contact at { $org } is now { $holder }.
