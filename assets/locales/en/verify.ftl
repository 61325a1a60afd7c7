# The offline verifier's words (/verify), in English. As in app.ftl: keep ids and { $variables }.

verify-keyset-refused = The keyset was refused ({ $error }): { $detail }. The copies already held stay in use.
verify-list-refused = The revocation list was refused ({ $error }): { $detail }. The copies already held stay in use.
verify-documents-unchecked = Could not check the documents: { $error }
verify-offline-no-keys = Offline, and no keys saved yet: open this page once online. ({ $error })
verify-ago-seconds = { $n } s ago
verify-ago-minutes = { $n } min ago
verify-ago-hours = { $n } h ago
verify-ago-days = { $n ->
    [one] { $n } day ago
   *[other] { $n } days ago
}
verify-offline = offline
verify-online = online
verify-keys = { $count ->
    [one] Keys of { $issuer }: { $count } key, fetched { $fetched }.
   *[other] Keys of { $issuer }: { $count } keys, fetched { $fetched }.
}
verify-keys-from-files = { $count ->
    [one] Keys of { $issuer }: { $count } key (from files), fetched { $fetched }.
   *[other] Keys of { $issuer }: { $count } keys (from files), fetched { $fetched }.
}
verify-no-keys = No keys yet.
verify-list = Revocation list { $number }, issued at { $issued }, fetched { $fetched }; next update by { $next }.
verify-list-overdue = Revocation list { $number }, issued at { $issued }, fetched { $fetched }; overdue since { $next }: statuses are stale.
verify-no-list = No revocation list: revocation is not checked.
verify-reason-malformed = This is not a namecard, or it is damaged.
verify-reason-wrong-issuer = This card is from another issuer.
verify-reason-unsupported-version = This card is of a newer format than this verifier reads.
verify-reason-key-compromised = This card's signing key was compromised.
verify-reason-unknown-key = This card's signing key is not in the keyset.
verify-reason-bad-signature = The signature does not match: the card was altered or forged.
verify-reason-key-not-valid = The card was signed outside its key's validity.
verify-reason-not-yet-valid = This card is not valid yet.
verify-reason-expired = This card has expired.
verify-reason-revoked = This card has been revoked.
verify-no-keys-hint = No keys: open this page once online, or use files.
verify-browser-cannot = This browser cannot verify: { $error }
verify-valid = Valid
verify-stale = Signature valid — status unknown
verify-not-valid = Not valid: { $reason }
verify-cannot = Cannot verify
verify-list-stale = The revocation list is overdue; connect to refresh it.
verify-departed = { $name } left { $org } on { $date }.
verify-departed-successor = { $name } left { $org } on { $date }; contact { $successor } now.
verify-withdrawn = The card was withdrawn on { $date }.
verify-field-team = Team
verify-field-name = Name
verify-field-title = Title
verify-field-org = Organization
verify-field-valid = Valid
verify-valid-span = { $from } to { $to }
verify-field-channel = Channel
verify-field-one-time = One-time
verify-yes = yes
verify-field-key = Key
verify-key-active = { $kid } (active)
verify-key-retired = { $kid } (retired)
verify-field-status = Status
verify-status = as of list { $number }, issued at { $issued }
verify-status-overdue = as of list { $number }, issued at { $issued } (overdue)
verify-status-unchecked = not checked: no revocation list
verify-field-card = Card
verify-no-camera = No camera: { $error }
verify-stop-camera = Stop camera
verify-scanning = Scanning ({ $decoder })…
verify-read = Read a code ({ $decoder }).
verify-start-camera = Start camera
verify-title = Verify a namecard
verify-scan = Scan
verify-paste = Or paste a card's text
verify-verify = Verify
verify-documents = Keys and revocation list
verify-refresh = Refresh now
verify-use-site = Use this site's keys
verify-noscript = This page needs JavaScript.
verify-use-files = Use files…
