//! `namecard revoke`: maintain and re-sign the revocation list (`docs/card-format.md` §5).
//!
//! Every run that changes the list, and `--refresh`, signs it with the next number, so runs
//! never sign two lists with one number.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use super::keys::StoreArg;
use crate::card::{CardId, Successor, unix_now};

/// `namecard revoke`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).multiple(true)
    .args(["card", "card_text", "member", "refresh", "show"]))]
pub struct RevokeArgs {
    #[command(flatten)]
    store: StoreArg,
    /// Revoke one card this store issued, by its id (base64url; an id beginning with `-` is
    /// taken as the id).
    #[arg(long, allow_hyphen_values = true)]
    card: Option<CardId>,
    /// Revoke a card by its QR text, or a file holding it (for cards this store has no record of).
    #[arg(long)]
    card_text: Option<String>,
    /// The member left: list every card of ORG_ID:MEMBER_ID issued up to --before as departed.
    #[arg(long, value_parser = parse_member)]
    member: Option<(u64, u64)>,
    /// When the member left (Unix seconds or RFC 3339); default now. Cards issued later stay valid.
    #[arg(long, value_parser = super::parse_time)]
    before: Option<i64>,
    /// Whom an offline verifier of the departed member's old cards should contact now.
    #[arg(long, requires = "member")]
    successor: Option<String>,
    /// The successor's title.
    #[arg(long, requires = "successor")]
    successor_title: Option<String>,
    /// Re-sign the list unchanged, with the next number (to keep it fresh).
    #[arg(long)]
    refresh: bool,
    /// How long the signed list stays current (at most 31d); verifiers call it stale after.
    #[arg(long, default_value = "7d", value_parser = super::parse_duration)]
    list_lifetime: i64,
    /// Print what the list is made from (private: names the revoked cards) and change nothing.
    #[arg(long, conflicts_with_all = ["card", "card_text", "member", "refresh"])]
    show: bool,
    /// Also copy the signed list to this file.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn parse_member(s: &str) -> Result<(u64, u64), String> {
    let (org, member) = s.split_once(':').ok_or("expected ORG_ID:MEMBER_ID")?;
    Ok((
        org.parse()
            .map_err(|_| format!("bad organization id {org:?}"))?,
        member
            .parse()
            .map_err(|_| format!("bad member id {member:?}"))?,
    ))
}

/// Runs `revoke`.
pub fn run(args: &RevokeArgs) -> anyhow::Result<ExitCode> {
    let mut store = args.store.open()?;
    if args.show {
        println!("{}", serde_json::to_string_pretty(store.revocations())?);
        return Ok(ExitCode::SUCCESS);
    }
    store.set_list_lifetime(args.list_lifetime)?;
    let now = unix_now();
    if let Some(card) = args.card {
        store.revoke_card(card, now)?;
        eprintln!("revoked card {card}");
    }
    if let Some(text) = &args.card_text {
        let path = std::path::Path::new(text);
        let text = if path.is_file() {
            let t = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            t.trim_end_matches(['\r', '\n']).to_owned()
        } else {
            text.clone()
        };
        let id = store.revoke_text(&text, now)?;
        eprintln!("revoked card {id}");
    }
    if let Some((org, member)) = args.member {
        let successor = args.successor.clone().map(|name| Successor {
            name,
            title: args.successor_title.clone(),
        });
        let count = store.depart_member(org, member, args.before.unwrap_or(now), successor, now)?;
        eprintln!("listed {count} cards of member {member} of organization {org} as departed");
    }
    if args.refresh {
        store.refresh(now)?;
    }
    for warning in store.warnings() {
        eprintln!("warning: {warning}");
    }
    let signed = store.signed_revocations_path();
    if let Some(out) = &args.out {
        std::fs::copy(&signed, out).with_context(|| format!("cannot write {}", out.display()))?;
    }
    println!(
        "signed revocation list {}: {}",
        store.revocations().number,
        args.out.as_ref().unwrap_or(&signed).display()
    );
    Ok(ExitCode::SUCCESS)
}
