# The mails namecard sends, in the recipient's organization's language. Names, titles and
# organizations are filled in as written; times are UTC.

mail-greeting = Hello { $name },
mail-footer = You get this because e-mail notices are on for you. Turn them off on your card page: { $url }
mail-link-line = { $words }: { $url }
mail-who-titled = { $name } ({ $title }) of { $org }
mail-who = { $name } of { $org }

mail-signin-subject = Your sign-in link for { $org }
mail-signin-intro = An administrator of { $org } sent you a link that signs you in to namecard, where you show your card, scan others' cards and answer contact requests.
mail-signin-link = Sign in
mail-signin-expiry = The link works once, until { $until } (UTC). Do not forward it: whoever opens it is signed in as you.

mail-request-subject = { $name } of { $org } asks to be your contact
mail-request-body = { $who } asks to become your external contact on namecard.
mail-request-link = Accept or decline in your inbox
mail-request-expiry = The request waits until { $until } (UTC).

mail-transfer-subject = Your contact at { $org } is now { $holder }
mail-transfer-handover = { $from } hands your relation over to { $holder }.
mail-transfer-departure = { $from } has left { $org }; { $holder } looks after you from now on.
mail-transfer-message = { $org } writes:
mail-transfer-effect = It takes effect on { $at } (UTC). If you do not want it, refuse it in your inbox before then; refusing ends the relationship.
mail-transfer-link = Your inbox

mail-holder-subject = { $count ->
    [one] 1 contact
   *[other] { $count } contacts
} of { $from } handed to you
mail-holder-body = { $count ->
    [one] One of { $from }'s external contacts is handed to you:
   *[other] { $count } of { $from }'s external contacts are handed to you:
}
mail-holder-effect = They become yours on { $at } (UTC), unless a contact refuses.
mail-holder-link = Your contacts
