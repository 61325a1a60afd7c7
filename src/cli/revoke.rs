//! `namecard revoke`: maintain and re-sign the revocation list.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use super::keys::StoreArg;
use crate::card::{CardId, unix_now};

/// `namecard revoke`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["card", "member", "show"]))]
pub struct RevokeArgs {
    #[command(flatten)]
    store: StoreArg,
    /// Revoke one card by its id (base64url; an id beginning with `-` is taken as the id).
    #[arg(long, allow_hyphen_values = true)]
    card: Option<CardId>,
    /// Revoke every card of a member issued before --before: ORG_ID:MEMBER_ID.
    #[arg(long, value_parser = parse_member)]
    member: Option<(u64, u64)>,
    /// Cut-off for --member (Unix seconds or RFC 3339); default now.
    #[arg(long, value_parser = super::parse_time)]
    before: Option<i64>,
    /// Print the current revocation list and change nothing.
    #[arg(long)]
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
    let now = unix_now();
    if let Some(card) = args.card {
        store.revoke_card(card, now)?;
        eprintln!("revoked card {card}");
    }
    if let Some((org, member)) = args.member {
        store.revoke_member(org, member, args.before.unwrap_or(now), now)?;
        eprintln!("revoked cards of member {member} of organization {org}");
    }
    if args.show {
        println!("{}", serde_json::to_string_pretty(store.revocations())?);
    }
    let signed = store.signed_revocations_path();
    if let Some(out) = &args.out {
        std::fs::copy(&signed, out).with_context(|| format!("cannot write {}", out.display()))?;
    }
    if !args.show {
        println!(
            "signed revocation list: {}",
            args.out.as_ref().unwrap_or(&signed).display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
