//! Contacts as files people open elsewhere: vCard 4.0 for a phone's address book, CSV for a
//! spreadsheet. Every field is someone else's input. vCard values are escaped and folded as
//! RFC 6350 says, so a name cannot add a property. CSV cells a spreadsheet would run as a formula
//! are neutralised.

use crate::domain::{Contact, OrgContact, Tag, format_time};

/// The media type of a vCard file.
pub const VCARD_TYPE: &str = "text/vcard; charset=utf-8";

/// Contacts as one vCard 4.0 stream (`.vcf`): UTF-8, CRLF line ends, lines folded at 75 octets.
/// Each card has FN and N (the contact's name), NICKNAME (the member's remark), ORG, TITLE,
/// TEL (where the contact shares their mobile), URL (their current card's page), CATEGORIES
/// (the member's tags) and NOTE (the member's note), where present.
pub fn vcards(contacts: &[Contact]) -> String {
    let mut out = String::new();
    for c in contacts {
        vcard(c, &mut out);
    }
    out
}

fn vcard(c: &Contact, out: &mut String) {
    let book = c.book.clone().unwrap_or_default();
    property(out, "BEGIN", "VCARD");
    property(out, "VERSION", "4.0");
    property(out, "FN", &text(&c.contact.name));
    // A name's parts are not known (李娜, Ada Lovelace, Nguyễn Văn A): the whole name is the
    // given name, which every address book shows as it is.
    property(out, "N", &format!(";{};;;", text(&c.contact.name)));
    if let Some(remark) = &book.remark {
        property(out, "NICKNAME", &text(remark));
    }
    property(out, "ORG", &text(&c.contact.organization.name));
    if let Some(title) = &c.contact.title {
        property(out, "TITLE", &text(title));
    }
    if let Some(mobile) = &c.mobile {
        // A `tel:` URI (RFC 3966) of the E.164 number: only `+` and digits, nothing to escape.
        let digits: String = mobile
            .chars()
            .filter(|ch| *ch == '+' || ch.is_ascii_digit())
            .collect();
        property(out, "TEL;VALUE=uri;TYPE=cell", &format!("tel:{digits}"));
    }
    if let Some(url) = &c.card_url {
        property(out, "URL", &text(url));
    }
    if !book.tags.is_empty() {
        let tags: Vec<String> = book.tags.iter().map(|t| text(&t.name)).collect();
        property(out, "CATEGORIES", &tags.join(","));
    }
    if let Some(note) = &book.note {
        property(out, "NOTE", &text(note));
    }
    property(out, "END", "VCARD");
}

/// A TEXT value escaped (RFC 6350 3.4): backslash, comma, semicolon and line breaks; other
/// control characters, which no stored field should hold, are dropped rather than written.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for ch in value.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `NAME:value` as content lines of at most 75 octets (RFC 6350 3.2): a longer line continues
/// on the next after CRLF and one space, and never inside a UTF-8 sequence.
fn property(out: &mut String, name: &str, value: &str) {
    const MAX_OCTETS: usize = 75;
    let mut width = 0;
    for ch in name
        .chars()
        .chain(std::iter::once(':'))
        .chain(value.chars())
    {
        if width + ch.len_utf8() > MAX_OCTETS {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += ch.len_utf8();
    }
    out.push_str("\r\n");
}

/// The organization's view as CSV (RFC 4180, with a header row): holder, their status, the
/// other side's name, title and organization, source, channel, tags, added at (UTC, RFC 3339).
///
/// # Errors
/// Never in practice (the writer writes to memory); the CSV writer's error otherwise.
pub fn org_contacts_csv(rows: &[OrgContact]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "contact_id",
        "holder",
        "holder_status",
        "name",
        "title",
        "organization",
        "source",
        "channel",
        "tags",
        "added_at",
    ])?;
    for r in rows {
        let tags = tag_list(&r.tags);
        w.write_record([
            r.id.to_string().as_str(),
            &cell(&r.holder.name),
            r.holder_status.as_str(),
            &cell(&r.contact.name),
            &cell(r.contact.title.as_deref().unwrap_or("")),
            &cell(&r.contact.organization.name),
            r.source.as_str(),
            &cell(r.channel.as_deref().unwrap_or("")),
            &cell(&tags),
            &format_time(r.since),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Tags as `Group: Name` joined by `; `.
fn tag_list(tags: &[Tag]) -> String {
    tags.iter()
        .map(|t| format!("{}: {}", t.group, t.name))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A cell a spreadsheet shows as text: one that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return (which spreadsheets run as a formula) gets a leading apostrophe (OWASP's
/// advice for CSV injection).
pub fn cell(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_fold_at_75_octets_without_splitting_a_character() {
        let mut out = String::new();
        property(&mut out, "NOTE", &"字".repeat(60));
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = out.trim_end().replace("\r\n ", "");
        assert_eq!(unfolded, format!("NOTE:{}", "字".repeat(60)));
    }

    #[test]
    fn text_values_cannot_start_another_property() {
        assert_eq!(
            text("a;b,c\\d\nEND:VCARD\r\u{0}"),
            "a\\;b\\,c\\\\d\\nEND:VCARD"
        );
    }

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("+86 10"), "'+86 10");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("李娜"), "李娜");
        assert_eq!(cell(""), "");
    }
}
