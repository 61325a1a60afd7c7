//! E-mail: what the service sends (sign-in links, new contact requests, transfer notices), as
//! letters with a subject, a plain-text part and an HTML part, and the outbox entries they are
//! queued as.
//!
//! Every text a user wrote (names, titles, organizations, a transfer's message) is escaped for
//! the HTML part ([`escape_html`]) and made header-safe for the subject and the recipient's
//! display name ([`header_text`]: no CR, LF or other control characters, so a name cannot add a
//! header). Encoding non-ASCII text in headers (RFC 2047) is the mail library's job, when it
//! writes the message.

use super::{ContactRequest, MailId, MemberId, OrgId, Transfer, TransferKind, format_time};
use crate::l10n::Locale;
use crate::l10n::say;
use fluent_bundle::FluentValue;

/// What a mail is about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// A one-time sign-in link an admin asked to have mailed.
    SigninLink,
    /// A new contact request, to its owner.
    ContactRequest,
    /// Relations handed to a colleague, to the new holder.
    TransferToHolder,
    /// A relation handed to a colleague, to the contact (who may refuse).
    TransferToContact,
}

impl MailKind {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SigninLink => "signin_link",
            Self::ContactRequest => "contact_request",
            Self::TransferToHolder => "transfer_to_holder",
            Self::TransferToContact => "transfer_to_contact",
        }
    }

    /// Parses the stored form.
    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::SigninLink,
            Self::ContactRequest,
            Self::TransferToHolder,
            Self::TransferToContact,
        ]
        .into_iter()
        .find(|k| k.as_str() == raw)
    }
}

/// Where a mail is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    /// Waiting for its (next) attempt.
    Queued,
    /// The mail server took it.
    Sent,
    /// Given up after the last attempt; an admin may retry it.
    Failed,
}

impl MailStatus {
    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    /// Parses the wire form.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Queued, Self::Sent, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// A mail in the outbox, as operators and admins see it: never its letter (a sign-in link's
/// secret is in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    pub id: MailId,
    /// The recipient's organization.
    pub org_id: OrgId,
    pub member_id: MemberId,
    pub kind: MailKind,
    pub to: String,
    pub subject: String,
    pub status: MailStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    /// When the next attempt is due (queued mails).
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub failed_at: Option<i64>,
}

/// A mail's content: subject, plain text and HTML. Built only by the constructors below, which
/// escape what users wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Letter {
    /// Header-safe.
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Replaces CR, LF, tabs and every other control character with a space, collapses runs of
/// spaces and trims: text for a header (subject, display name), where a line break would start
/// a header of the writer's choosing.
pub fn header_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut space = false;
    for c in raw.chars() {
        if c.is_control() || c.is_whitespace() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
pub fn escape_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 8);
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A paragraph of plain text: the line, or (HTML) escaped with its line breaks kept.
enum Part<'a> {
    Text(String),
    /// A link: its words and its URL.
    Link(String, &'a str),
    /// A quotation (a transfer's message), line breaks kept.
    Quote(&'a str),
}

/// A text value for [`say`].
fn text_arg(value: &str) -> FluentValue<'_> {
    FluentValue::from(value)
}

/// The footer every notice carries: why the person gets it, and where to turn it off.
fn notice_footer(public_url: &str, locale: Locale) -> String {
    let card = format!("{public_url}/card");
    say(locale, "mail-footer", &[("url", text_arg(&card))])
}

/// A person as a mail names them: `Ada Lovelace (Sales) of Acme`.
fn who(name: &str, title: Option<&str>, org: &str, locale: Locale) -> String {
    match title {
        Some(t) => say(
            locale,
            "mail-who-titled",
            &[
                ("name", text_arg(name)),
                ("title", text_arg(t)),
                ("org", text_arg(org)),
            ],
        ),
        None => say(
            locale,
            "mail-who",
            &[("name", text_arg(name)), ("org", text_arg(org))],
        ),
    }
}

/// The greeting a letter opens with.
fn greeting(name: &str, locale: Locale) -> String {
    say(locale, "mail-greeting", &[("name", text_arg(name))])
}

impl Letter {
    fn compose(locale: Locale, subject: &str, greeting: &str, parts: &[Part<'_>]) -> Self {
        let mut text = format!("{greeting}\n\n");
        let mut html = String::from(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\
             <body style=\"font-family: sans-serif; line-height: 1.4\">\n",
        );
        html.push_str(&format!("<p>{}</p>\n", escape_html(greeting)));
        for part in parts {
            match part {
                Part::Text(t) => {
                    text.push_str(t);
                    html.push_str(&format!("<p>{}</p>\n", escape_html(t)));
                }
                Part::Link(words, url) => {
                    let line = [("words", text_arg(words)), ("url", text_arg(url))];
                    text.push_str(&say(locale, "mail-link-line", &line));
                    html.push_str(&format!(
                        "<p><a href=\"{}\">{}</a></p>\n",
                        escape_html(url),
                        escape_html(words)
                    ));
                }
                Part::Quote(q) => {
                    for line in q.lines() {
                        text.push_str(&format!("> {line}\n"));
                    }
                    let lines: Vec<String> = q.lines().map(escape_html).collect();
                    html.push_str(&format!(
                        "<blockquote>{}</blockquote>\n",
                        lines.join("<br>")
                    ));
                }
            }
            text.push_str("\n\n");
        }
        html.push_str("</body></html>\n");
        Self {
            subject: header_text(subject),
            text: text.trim_end().to_owned() + "\n",
            html,
        }
    }

    /// A one-time sign-in link for `member` of `org`, working until `expires_at`, in `locale`
    /// (the organization's language).
    pub fn signin_link(
        org: &str,
        member: &str,
        (url, expires_at): (&str, i64),
        locale: Locale,
    ) -> Self {
        let org_arg = [("org", text_arg(org))];
        let until = format_time(expires_at);
        Self::compose(
            locale,
            &say(locale, "mail-signin-subject", &org_arg),
            &greeting(member, locale),
            &[
                Part::Text(say(locale, "mail-signin-intro", &org_arg)),
                Part::Link(say(locale, "mail-signin-link", &[]), url),
                Part::Text(say(
                    locale,
                    "mail-signin-expiry",
                    &[("until", text_arg(&until))],
                )),
            ],
        )
    }

    /// A new contact request, to its owner, in `locale` (the owner's organization's language).
    pub fn contact_request(r: &ContactRequest, public_url: &str, locale: Locale) -> Self {
        let q = &r.requester;
        let asker = who(&q.name, q.title.as_deref(), &q.organization.name, locale);
        let inbox = format!("{public_url}/inbox");
        let until = format_time(r.expires_at);
        Self::compose(
            locale,
            &say(
                locale,
                "mail-request-subject",
                &[
                    ("name", text_arg(&q.name)),
                    ("org", text_arg(&q.organization.name)),
                ],
            ),
            &greeting(&r.owner.name, locale),
            &[
                Part::Text(say(
                    locale,
                    "mail-request-body",
                    &[("who", text_arg(&asker))],
                )),
                Part::Link(say(locale, "mail-request-link", &[]), &inbox),
                Part::Text(say(
                    locale,
                    "mail-request-expiry",
                    &[("until", text_arg(&until))],
                )),
                Part::Text(notice_footer(public_url, locale)),
            ],
        )
    }

    /// A relation handed to a new holder, to the contact, who may refuse until it takes effect;
    /// in `locale` (the contact's organization's language).
    pub fn transfer_to_contact(t: &Transfer, public_url: &str, locale: Locale) -> Self {
        let org = &t.to.organization.name;
        let holder = who(&t.to.name, t.to.title.as_deref(), org, locale);
        let names = [
            ("from", text_arg(&t.from.name)),
            ("holder", text_arg(&holder)),
            ("org", text_arg(org)),
        ];
        let how = match t.kind {
            TransferKind::Handover => say(locale, "mail-transfer-handover", &names),
            TransferKind::Departure => say(locale, "mail-transfer-departure", &names),
        };
        let inbox = format!("{public_url}/inbox");
        let mut parts = vec![Part::Text(how)];
        if let Some(message) = &t.message {
            parts.push(Part::Text(say(
                locale,
                "mail-transfer-message",
                &[("org", text_arg(org))],
            )));
            parts.push(Part::Quote(message));
        }
        let at = format_time(t.effective_at);
        parts.push(Part::Text(say(
            locale,
            "mail-transfer-effect",
            &[("at", text_arg(&at))],
        )));
        parts.push(Part::Link(say(locale, "mail-transfer-link", &[]), &inbox));
        parts.push(Part::Text(notice_footer(public_url, locale)));
        Self::compose(
            locale,
            &say(
                locale,
                "mail-transfer-subject",
                &[("org", text_arg(org)), ("holder", text_arg(&t.to.name))],
            ),
            &greeting(&t.contact.name, locale),
            &parts,
        )
    }

    /// Relations handed to a new holder, to them (one letter for all of one hand-over), in
    /// `locale` (their organization's language). `transfers` are the waiting ones, all to the
    /// same holder from the same member.
    pub fn transfers_to_holder(
        transfers: &[&Transfer],
        public_url: &str,
        locale: Locale,
    ) -> Option<Self> {
        let first = transfers.first()?;
        let list: Vec<String> = transfers
            .iter()
            .map(|t| {
                let c = &t.contact;
                format!(
                    "- {}",
                    who(&c.name, c.title.as_deref(), &c.organization.name, locale)
                )
            })
            .collect();
        let contacts = format!("{public_url}/contacts");
        let counted = [
            ("count", FluentValue::from(transfers.len())),
            ("from", text_arg(&first.from.name)),
        ];
        let at = format_time(first.effective_at);
        Some(Self::compose(
            locale,
            &say(locale, "mail-holder-subject", &counted),
            &greeting(&first.to.name, locale),
            &[
                Part::Text(say(locale, "mail-holder-body", &counted)),
                Part::Quote(&list.join("\n")),
                Part::Text(say(locale, "mail-holder-effect", &[("at", text_arg(&at))])),
                Part::Link(say(locale, "mail-holder-link", &[]), &contacts),
                Part::Text(notice_footer(public_url, locale)),
            ],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_text_keeps_no_line_break_or_control_character() {
        assert_eq!(
            header_text("Ada\r\nBcc: eve@example.com\t x\u{7}"),
            "Ada Bcc: eve@example.com x"
        );
        assert_eq!(header_text("  张伟明  "), "张伟明");
    }

    #[test]
    fn html_escaping_covers_text_and_attributes() {
        assert_eq!(
            escape_html("<img src=x onerror=\"a('1')\">&"),
            "&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;"
        );
    }

    #[test]
    fn a_sign_in_letter_has_its_link_in_both_parts_and_escapes_the_names() {
        let url = "https://nc.example.com/signin#nc_abc";
        let l = Letter::signin_link("<b>Acme</b>", "Ada\nLovelace", (url, 0), Locale::En);
        assert_eq!(l.subject, "Your sign-in link for <b>Acme</b>");
        assert!(l.text.contains(url));
        assert!(l.html.contains(&format!("href=\"{url}\"")));
        assert!(l.html.contains("&lt;b&gt;Acme&lt;/b&gt;"));
        assert!(!l.html.contains("<b>"));
    }

    #[test]
    fn a_sign_in_letter_is_written_in_the_organizations_language() {
        let url = "https://nc.example.com/signin#nc_abc";
        let simplified = Letter::signin_link("华星光电", "张伟明", (url, 0), Locale::ZhCn);
        assert_eq!(simplified.subject, "您在华星光电的登录链接");
        assert!(
            simplified.text.starts_with("张伟明，您好："),
            "{}",
            simplified.text
        );
        assert!(
            simplified.text.contains(&format!("登录：\n{url}")),
            "{}",
            simplified.text
        );
        let traditional = Letter::signin_link("台積電", "陳昇", (url, 0), Locale::ZhTw);
        assert_eq!(traditional.subject, "您在台積電的登入連結");
        assert!(
            traditional.html.contains(">登入</a>"),
            "{}",
            traditional.html
        );
    }

    #[test]
    fn kinds_and_statuses_round_trip() {
        for k in [
            MailKind::SigninLink,
            MailKind::ContactRequest,
            MailKind::TransferToHolder,
            MailKind::TransferToContact,
        ] {
            assert_eq!(MailKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(MailStatus::parse("failed"), Some(MailStatus::Failed));
        assert_eq!(MailStatus::parse("gone"), None);
    }
}
