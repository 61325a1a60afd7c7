//! `namecard verify`: offline verification of a photo, an image or a payload.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use crate::card::{Keyset, RevocationList, VerifyOptions, unix_now, verify_card};
use crate::scan::{self, ScanLimits};

/// `namecard verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// An image file (photo, PNG, printable card), a text file holding the payload, or the payload.
    input: String,
    /// The issuer's JWKS file, or a key store directory.
    #[arg(long = "keys", env = "NAMECARD_KEYS")]
    keys: PathBuf,
    /// A signed revocation list file.
    #[arg(long)]
    revocations: Option<PathBuf>,
    /// Verify as of this time (Unix seconds or RFC 3339) instead of now.
    #[arg(long, value_parser = super::parse_time)]
    at: Option<i64>,
    /// Allowed clock difference, e.g. 5m.
    #[arg(long, default_value = "5m", value_parser = super::parse_duration)]
    skew: i64,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// Runs `verify`: exit 0 when valid, 1 when invalid, 2 when the input or keys cannot be read.
pub fn run(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let keys_path = if args.keys.is_dir() {
        args.keys.join("keyset.json")
    } else {
        args.keys.clone()
    };
    let jwks = std::fs::read_to_string(&keys_path)
        .with_context(|| format!("cannot read keys {}", keys_path.display()))?;
    let keyset = Keyset::from_jwks_json(&jwks)
        .with_context(|| format!("bad keyset {}", keys_path.display()))?;
    let revocations = match &args.revocations {
        Some(path) => {
            let doc = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Some(
                RevocationList::load(&doc, &keyset)
                    .with_context(|| format!("bad revocation list {}", path.display()))?,
            )
        }
        None => None,
    };
    let texts = input_texts(&args.input)?;
    let opts = VerifyOptions {
        now: args.at.unwrap_or_else(unix_now),
        skew_secs: args.skew,
    };
    // A photo may hold several codes; the first that verifies wins, else the first rejection.
    let mut outcome = None;
    for text in &texts {
        let result = verify_card(text, &keyset, revocations.as_ref(), &opts);
        let ok = result.is_ok();
        if outcome.is_none() || ok {
            outcome = Some(result);
        }
        if ok {
            break;
        }
    }
    let Some(outcome) = outcome else {
        anyhow::bail!("no QR code found in {}", args.input);
    };
    match outcome {
        Ok(card) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({ "valid": true, "card": card.claims })
                    )?
                );
            } else {
                let c = &card.claims;
                println!("valid card {}", c.card_id);
                println!("  name:         {}", c.member_name);
                if let Some(title) = &c.title {
                    println!("  title:        {title}");
                }
                println!("  organization: {} (id {})", c.org_name, c.org_id);
                println!("  member id:    {}", c.member_id);
                println!(
                    "  valid:        {} to {}",
                    super::format_time(c.not_before),
                    super::format_time(c.expires_at)
                );
                if let Some(channel) = &c.channel {
                    println!("  channel:      {channel}");
                }
                if c.one_time {
                    println!("  one-time card");
                }
                println!("  issuer:       {} (key {})", keyset.issuer(), c.kid);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(rejection) => {
            if args.json {
                let v = serde_json::json!({ "valid": false, "reason": rejection.reason, "detail": rejection.detail });
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!("invalid: {} ({})", rejection.reason, rejection.detail);
            }
            Ok(ExitCode::from(super::EXIT_INVALID))
        }
    }
}

/// The card texts an input stands for: the codes in an image file, the text of a text file, or
/// the argument itself.
fn input_texts(input: &str) -> anyhow::Result<Vec<String>> {
    let path = std::path::Path::new(input);
    if !path.is_file() {
        return Ok(vec![input.trim().to_string()]);
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {input}"))?;
    match scan::decode_photo(&bytes, &ScanLimits::default()) {
        Ok(report) => Ok(report.codes.into_iter().map(|c| c.text).collect()),
        Err(err) if err.code() == "not_an_image" => match std::str::from_utf8(&bytes) {
            Ok(text) => Ok(vec![text.trim().to_string()]),
            Err(_) => Err(anyhow::anyhow!(
                "{input} is neither an image nor a text file"
            )),
        },
        Err(err) => {
            Err(anyhow::Error::new(err).context(format!("cannot read a QR code from {input}")))
        }
    }
}
