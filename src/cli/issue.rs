//! `namecard issue`: one card, or a batch from CSV with a progress bar.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use super::keys::StoreArg;
use crate::card::keystore::Keystore;
use crate::card::{
    CardKind, CardRequest, IssuedCard, Issuer, SigningKey, TeamCardRequest, VerifyOptions,
    issue_card, issue_team_card, unix_now, verify_card,
};
use crate::qr::{self, CardFace, Ecc, Lang, QrMatrix};

/// What to write for a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The QR code alone, as PNG.
    Png,
    /// The QR code alone, as SVG.
    Svg,
    /// A printable 1050x600 namecard (3.5x2 in at 300 dpi) with the QR beside the name.
    Printable,
    /// The QR text (the card's URL) only.
    Payload,
}

impl OutputFormat {
    fn extension(self) -> &'static str {
        match self {
            Self::Png | Self::Printable => "png",
            Self::Svg => "svg",
            Self::Payload => "txt",
        }
    }
}

/// `namecard issue`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["member_id", "team_id", "batch"]))]
pub struct IssueArgs {
    #[command(flatten)]
    store: StoreArg,
    /// Organization id.
    #[arg(long, required_unless_present = "batch")]
    org_id: Option<u64>,
    /// Organization display name.
    #[arg(long, required_unless_present = "batch")]
    org_name: Option<String>,
    /// Member id.
    #[arg(long, requires = "name")]
    member_id: Option<u64>,
    /// Member display name.
    #[arg(long, requires = "member_id")]
    name: Option<String>,
    /// Issue a team card (a contact way answered by the team): the team's id.
    #[arg(long, requires = "team")]
    team_id: Option<u64>,
    /// The team's display name, e.g. "Sales team" (verify shows "Acme Robotics — Sales team").
    #[arg(long, requires = "team_id")]
    team: Option<String>,
    /// Member title (a team card: a subtitle such as the booth).
    #[arg(long)]
    title: Option<String>,
    /// How long the card is valid, e.g. 30d, 12h.
    #[arg(long, default_value = "30d", value_parser = super::parse_duration)]
    expires: i64,
    /// Not valid before this time (Unix seconds or RFC 3339); default now.
    #[arg(long, value_parser = super::parse_time)]
    not_before: Option<i64>,
    /// A one-time card.
    #[arg(long)]
    one_time: bool,
    /// Channel tag telling the owner where a contact came from (1-30 of A-Z a-z 0-9 . _ -).
    #[arg(long)]
    channel: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Printable)]
    format: OutputFormat,
    /// Output file (single card; default stdout for payload and SVG) or directory (--batch).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Issue one card per row of this CSV file: org_id,org_name,member_id,name[,title[,channel]].
    #[arg(long)]
    batch: Option<PathBuf>,
    /// QR error correction level: L, M, Q or H.
    #[arg(long, default_value = "M")]
    ecc: Ecc,
    /// QR module size in pixels for PNG and SVG.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    module_px: u32,
    /// Print the issued card's fields as JSON.
    #[arg(long)]
    json: bool,
    /// Language of the printable card, a BCP 47 tag: its footer, and the regional forms of
    /// Chinese, Japanese and Korean characters (zh-Hans, zh-Hant-TW, zh-Hant-HK, ja, ko, ...).
    #[arg(long, default_value = "en")]
    lang: Lang,
}

/// Runs `issue`.
pub fn run(args: &IssueArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open()?;
    let signer = store.signer()?;
    if let Some(csv) = &args.batch {
        return run_batch(args, &store, &signer, csv);
    }
    let issuer = store.keyset().issuer().clone();
    let now = unix_now();
    let expires_at = args.not_before.unwrap_or(now).saturating_add(args.expires);
    let name = args
        .team
        .clone()
        .or_else(|| args.name.clone())
        .unwrap_or_default();
    let org_name = args.org_name.clone().unwrap_or_default();
    check_drawable(
        args.format,
        &name,
        args.title.as_deref(),
        &org_name,
        args.lang,
    )?;
    let card = match (&args.team, args.team_id) {
        (Some(team), Some(team_id)) => issue_team_card(
            &issuer,
            &signer,
            &TeamCardRequest {
                org_id: args.org_id.unwrap_or_default(),
                org_name: args.org_name.clone().unwrap_or_default(),
                team_id,
                team_name: team.clone(),
                title: args.title.clone(),
                not_before: args.not_before,
                expires_at,
                one_time: args.one_time,
                channel: args.channel.clone(),
            },
            now,
        )?,
        _ => issue_card(
            &issuer,
            &signer,
            &CardRequest {
                org_id: args.org_id.unwrap_or_default(),
                org_name: args.org_name.clone().unwrap_or_default(),
                member_id: args.member_id.unwrap_or_default(),
                member_name: args.name.clone().unwrap_or_default(),
                title: args.title.clone(),
                not_before: args.not_before,
                expires_at,
                one_time: args.one_time,
                channel: args.channel.clone(),
            },
            now,
        )?,
    };
    self_check(&store, &card)?;
    store.record_issued(&card)?;
    let bytes = render(&card, args.format, args.ecc, args.module_px, args.lang)?;
    match &args.out {
        Some(path) => std::fs::write(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None if matches!(args.format, OutputFormat::Png | OutputFormat::Printable) => {
            anyhow::bail!("--out FILE is needed for {:?} output", args.format)
        }
        None => println!("{}", String::from_utf8_lossy(&bytes)),
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "card": card.claims, "text": card.text })
            )?
        );
    } else if let Some(path) = &args.out {
        eprintln!("issued card {} to {}", card.claims.card_id, path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Verifies a new card with the store's own keyset as of its `not_before`: `issue` never hands
/// out a card that `verify` refuses.
fn self_check(store: &Keystore, card: &IssuedCard) -> anyhow::Result<()> {
    let at = VerifyOptions::at(card.claims.not_before);
    verify_card(&card.text, store.keyset(), None, &at)
        .map(|_| ())
        .map_err(|r| anyhow::anyhow!("the new card would not verify ({r}); nothing was issued"))
}

/// Refuses, before signing, a printable card whose face could not show its text as it is (the
/// same check as the service's; see [`qr::check_face`]). The other formats draw no text: a QR
/// code or its payload carries any name the card format takes.
fn check_drawable(
    format: OutputFormat,
    name: &str,
    title: Option<&str>,
    org: &str,
    lang: Lang,
) -> anyhow::Result<()> {
    if format != OutputFormat::Printable {
        return Ok(());
    }
    let face = CardFace::with_scan_prompt(name, title, org, lang);
    qr::check_face(&face).map_err(|refusal| anyhow::anyhow!("{}: {refusal}", refusal.code()))
}

/// Renders an issued card in the chosen format; the printable card in `lang`.
pub fn render(
    card: &IssuedCard,
    format: OutputFormat,
    ecc: Ecc,
    module_px: u32,
    lang: Lang,
) -> anyhow::Result<Vec<u8>> {
    if format == OutputFormat::Payload {
        return Ok(card.text.clone().into_bytes());
    }
    let matrix = QrMatrix::encode(&card.text, ecc)?;
    Ok(match format {
        OutputFormat::Png => qr::render_png(&matrix, module_px)?,
        OutputFormat::Svg => qr::render_svg(&matrix, module_px).into_bytes(),
        OutputFormat::Printable => {
            let c = &card.claims;
            let mut face =
                CardFace::with_scan_prompt(&c.member_name, c.title.as_deref(), &c.org_name, lang);
            if c.kind == CardKind::Team {
                face.footer = Some("Scan to contact us");
            }
            qr::printable_png(&face, &matrix)?
        }
        OutputFormat::Payload => unreachable!("handled above"),
    })
}

/// One CSV row of a batch.
#[derive(Debug, serde::Deserialize)]
struct BatchRow {
    org_id: u64,
    org_name: String,
    member_id: u64,
    name: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    channel: Option<String>,
}

fn run_batch(
    args: &IssueArgs,
    store: &Keystore,
    signer: &SigningKey,
    csv_path: &Path,
) -> anyhow::Result<ExitCode> {
    let issuer: &Issuer = store.keyset().issuer();
    let out_dir = args.out.as_deref().context("--batch needs --out DIR")?;
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_path(csv_path)
        .with_context(|| format!("cannot read {}", csv_path.display()))?;
    let rows: Vec<_> = reader.deserialize::<BatchRow>().collect();
    let progress = indicatif::ProgressBar::new(rows.len() as u64);
    progress.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cards {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let now = unix_now();
    let (mut issued, mut failed) = (0usize, 0usize);
    for (i, row) in rows.into_iter().enumerate() {
        // Line 1 is the header.
        let line = i + 2;
        let result = row.map_err(anyhow::Error::from).and_then(|row| {
            let request = CardRequest {
                org_id: row.org_id,
                org_name: row.org_name,
                member_id: row.member_id,
                member_name: row.name,
                title: row.title.filter(|t| !t.is_empty()),
                not_before: args.not_before,
                expires_at: args.not_before.unwrap_or(now).saturating_add(args.expires),
                one_time: args.one_time,
                channel: row
                    .channel
                    .filter(|c| !c.is_empty())
                    .or_else(|| args.channel.clone()),
            };
            check_drawable(
                args.format,
                &request.member_name,
                request.title.as_deref(),
                &request.org_name,
                args.lang,
            )?;
            let card = issue_card(issuer, signer, &request, now)?;
            self_check(store, &card)?;
            let bytes = render(&card, args.format, args.ecc, args.module_px, args.lang)?;
            let path = out_dir.join(format!(
                "{}-{}.{}",
                request.org_id,
                request.member_id,
                args.format.extension()
            ));
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            store.record_issued(&card)?;
            Ok(())
        });
        match result {
            Ok(()) => issued += 1,
            Err(err) => {
                failed += 1;
                progress.suspend(|| eprintln!("{}:{line}: {err:#}", csv_path.display()));
            }
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    println!(
        "issued {issued} cards into {}; {failed} rows failed",
        out_dir.display()
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_INVALID)
    })
}
