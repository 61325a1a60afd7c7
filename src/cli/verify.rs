//! `namecard verify`: offline verification of a photo, an image or a payload, exactly as
//! `docs/card-format.md` specifies (§6 the checks, §7 refused documents, §8 the JSON output).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use crate::card::report::{DocumentErrorOutput, VerifyOutput};
use crate::card::{
    CardKind, DocumentError, Keyset, Reason, Rejection, RevocationList, RevokedState, VerifiedCard,
    VerifyOptions, unix_now, verify_card,
};
use crate::scan::{self, ScanLimits};

/// `namecard verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// An image file (photo, PNG, printable card), a text file holding the payload (one final
    /// line ending is not part of it), or the payload itself, taken exactly as given.
    input: String,
    /// The issuer's JWKS file, or a key store directory.
    #[arg(long = "keys", env = "NAMECARD_KEYS")]
    keys: PathBuf,
    /// A signed revocation list file; the result says "status as of list N".
    #[arg(long)]
    revocations: Option<PathBuf>,
    /// Verify as of this time (Unix seconds or RFC 3339) instead of now.
    #[arg(long, value_parser = super::parse_time)]
    at: Option<i64>,
    /// Allowed clock difference, e.g. 5m.
    #[arg(long, default_value = "5m", value_parser = super::parse_duration)]
    skew: i64,
    /// Machine-readable output (docs/verify-output.schema.json).
    #[arg(long)]
    json: bool,
}

/// Runs `verify`: exit 0 valid, 1 invalid, 3 stale (signature valid, list past its
/// `next_update`), 2 when the input cannot be read or the keyset or list is refused.
pub fn run(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let keys_path = if args.keys.is_dir() {
        args.keys.join("keyset.json")
    } else {
        args.keys.clone()
    };
    let jwks = std::fs::read(&keys_path)
        .with_context(|| format!("cannot read keys {}", keys_path.display()))?;
    let keyset = match Keyset::from_jwks(&jwks) {
        Ok(k) => k,
        Err(e) => return refused(args, &keys_path, &e),
    };
    let revocations = match &args.revocations {
        Some(path) => {
            let doc =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            match RevocationList::load(&doc, &keyset, args.skew) {
                Ok(list) => Some(list),
                Err(e) => return refused(args, path, &e),
            }
        }
        None => None,
    };
    let texts = input_texts(&args.input)?;
    let opts = VerifyOptions {
        now: args.at.unwrap_or_else(unix_now),
        skew_secs: args.skew,
    };
    // A photo may hold several codes: a valid one wins, then a stale one, else the first.
    let mut outcome: Option<Result<VerifiedCard, Rejection>> = None;
    for text in &texts {
        let result = verify_card(text, &keyset, revocations.as_ref(), &opts);
        let rank = |r: &Result<VerifiedCard, Rejection>| match r {
            Ok(_) => 2,
            Err(r) if r.reason == Reason::Stale => 1,
            Err(_) => 0,
        };
        if outcome.as_ref().is_none_or(|o| rank(&result) > rank(o)) {
            outcome = Some(result);
        }
    }
    let Some(outcome) = outcome else {
        anyhow::bail!("no QR code found in {}", args.input);
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&VerifyOutput::of(&outcome))?
        );
    } else {
        print_outcome(&outcome, &keyset);
    }
    Ok(match &outcome {
        Ok(_) => ExitCode::SUCCESS,
        Err(r) if r.reason == Reason::Stale => ExitCode::from(super::EXIT_STALE),
        Err(_) => ExitCode::from(super::EXIT_INVALID),
    })
}

/// A refused keyset or list: said on stdout (as JSON with `--json`), exit 2.
fn refused(args: &VerifyArgs, path: &Path, e: &DocumentError) -> anyhow::Result<ExitCode> {
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&DocumentErrorOutput::from(e))?
        );
    } else {
        println!("{}: {e}", path.display());
    }
    Ok(ExitCode::from(super::EXIT_ERROR))
}

fn print_outcome(outcome: &Result<VerifiedCard, Rejection>, keyset: &Keyset) {
    let time = super::format_time;
    match outcome {
        Ok(card) => {
            print_card("valid", card, keyset);
        }
        Err(r) if r.reason == Reason::Stale => {
            println!(
                "stale: signature valid, revocation status unknown ({})",
                r.detail
            );
            if let Some(card) = &r.card {
                print_card("stale", card, keyset);
            }
        }
        Err(r) => {
            println!("invalid: {} ({})", r.reason, r.detail);
            if let (Some(card), Some(rev)) = (&r.card, &r.revocation) {
                let c = &card.claims;
                match rev.state {
                    RevokedState::Departed => {
                        let contact = rev.successor.as_ref().map_or(String::new(), |s| {
                            let title = s
                                .title
                                .as_deref()
                                .map_or(String::new(), |t| format!(" ({t})"));
                            format!("; contact {}{title} now", s.name)
                        });
                        println!(
                            "  {} left {} on {}{contact}",
                            c.member_name,
                            c.org_name,
                            time(rev.at)
                        );
                    }
                    RevokedState::Withdrawn => println!("  card withdrawn on {}", time(rev.at)),
                }
            }
            match &r.card {
                Some(card) if r.reason == Reason::Revoked => print_card("revoked", card, keyset),
                _ => {}
            }
        }
    }
}

/// The card's fields, one a line; `label` heads them.
fn print_card(label: &str, card: &VerifiedCard, keyset: &Keyset) {
    let time = super::format_time;
    let c = &card.claims;
    match c.kind {
        CardKind::Member => {
            println!("{label} card {}", c.card_id);
            println!("  name:         {}", c.member_name);
        }
        CardKind::Team => {
            println!("{label} team card {}", c.card_id);
            println!("  team:         {} — {}", c.org_name, c.member_name);
        }
    }
    if let Some(title) = &c.title {
        println!("  title:        {title}");
    }
    println!("  organization: {} (id {})", c.org_name, c.org_id);
    match c.kind {
        CardKind::Member => println!("  member id:    {}", c.member_id),
        CardKind::Team => println!("  team id:      {}", c.member_id),
    }
    println!(
        "  valid:        {} to {}",
        time(c.not_before),
        time(c.expires_at)
    );
    if let Some(channel) = &c.channel {
        println!("  channel:      {channel}");
    }
    if c.one_time {
        println!("  one-time card");
    }
    let status = match card.key_status {
        crate::card::KeyStatus::Active => "active",
        crate::card::KeyStatus::Retired => "retired",
    };
    println!(
        "  issuer:       {} (key {}, {status})",
        keyset.issuer(),
        c.kid
    );
    match &card.list {
        None => println!("  status:       not checked (no revocation list given)"),
        Some(list) => println!(
            "  status:       as of list {}, issued at {} (next update {}{})",
            list.number,
            time(list.issued_at),
            time(list.next_update),
            if list.stale { ", overdue" } else { "" }
        ),
    }
}

/// The card texts an input stands for: the codes in an image file, the text of a text file (less
/// one final line ending), or the argument itself, exactly.
fn input_texts(input: &str) -> anyhow::Result<Vec<String>> {
    let path = Path::new(input);
    if !path.is_file() {
        return Ok(vec![input.to_string()]);
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {input}"))?;
    match scan::decode_photo(&bytes, &ScanLimits::default()) {
        Ok(report) => Ok(report.codes.into_iter().map(|c| c.text).collect()),
        Err(err) if err.code() == "not_an_image" => match std::str::from_utf8(&bytes) {
            Ok(text) => {
                let line = text
                    .strip_suffix("\r\n")
                    .or_else(|| text.strip_suffix('\n'))
                    .unwrap_or(text);
                Ok(vec![line.to_string()])
            }
            Err(_) => Err(anyhow::anyhow!(
                "{input} is neither an image nor a text file"
            )),
        },
        Err(err) => {
            Err(anyhow::Error::new(err).context(format!("cannot read a QR code from {input}")))
        }
    }
}
