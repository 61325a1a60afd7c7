//! The organization's relationships at scale, on SQLite and (with `NAMECARD_BENCH_POSTGRES_URL`)
//! PostgreSQL: the organization's view over 100,000 external contacts, each filtered page timed,
//! and a leaver's 5,000 contacts transferred (started, then taken effect), through the same
//! services the HTTP handlers call.
//!
//! Run: `cargo bench --bench relations` (see bench/relations/run.sh). Targets (issue 14): any
//! filtered page within 100 ms, the 5,000-contact transfer within 10 s.

use namecard::domain::{
    ContactId, ContactSource, MemberId, NewTransfer, OrgContactQuery, OrgId, Principal, TagId,
    TokenId,
};
use namecard::service::{Book, ManualClock, Transfers};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NOW: i64 = 1_900_000_000;
/// Holders at the organization (member ids 1..=HOLDERS); the first one leaves.
const HOLDERS: i64 = 191;
/// Members of the customer organization (ids after the holders).
const CUSTOMERS: i64 = 5_000;
/// Relations of every holder but the leaver.
const PER_HOLDER: i64 = 500;
const LEAVER_CONTACTS: i64 = 5_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = format!("sqlite:{}", dir.path().join("bench.db").display());
    run("SQLite", &sqlite).await;
    match std::env::var("NAMECARD_BENCH_POSTGRES_URL") {
        Ok(url) => run("PostgreSQL", &url).await,
        Err(_) => println!("PostgreSQL: skipped (NAMECARD_BENCH_POSTGRES_URL is not set)"),
    }
}

async fn run(name: &str, url: &str) {
    let store = namecard::store::connect(url).await.expect("store");
    let started = Instant::now();
    let tag = seed(url).await;
    println!(
        "{name}: seeded {} relations in {:.1} s",
        (HOLDERS - 1) * PER_HOLDER + LEAVER_CONTACTS,
        started.elapsed().as_secs_f64()
    );
    let clock = Arc::new(ManualClock::at(NOW));
    let book = Book::new(Arc::clone(&store), clock.clone());
    let org = OrgId::new(1);
    let filters: [(&str, OrgContactQuery); 6] = [
        ("no filter", OrgContactQuery::default()),
        (
            "holder",
            OrgContactQuery {
                holder: Some(MemberId::new(57)),
                ..Default::default()
            },
        ),
        (
            "source=phone",
            OrgContactQuery {
                source: Some(ContactSource::Phone),
                ..Default::default()
            },
        ),
        (
            "channel (rare)",
            OrgContactQuery {
                channel: Some("expo-2026".into()),
                ..Default::default()
            },
        ),
        (
            "tag",
            OrgContactQuery {
                tag: Some(tag),
                ..Default::default()
            },
        ),
        (
            "unassigned",
            OrgContactQuery {
                unassigned: true,
                ..Default::default()
            },
        ),
    ];
    for (label, query) in &filters {
        for (page, before) in [
            ("first page", None),
            ("deep page", Some(ContactId::new(20_000))),
        ] {
            let times = timed(15, || async {
                book.org_contacts(org, query, before, 50)
                    .await
                    .expect("page");
            })
            .await;
            println!(
                "{name}: org view, {label}, {page}: median {:.1} ms, max {:.1} ms",
                ms(times[times.len() / 2]),
                ms(*times.last().expect("times"))
            );
        }
    }

    deactivate_leaver(url).await;
    let issuer = namecard::card::Issuer::parse("https://nc.example.com").expect("issuer");
    let kek = Arc::new(namecard::seal::Kek::generate());
    let keys = Arc::new(
        namecard::service::Keyring::load(issuer, Arc::clone(&store), clock.clone(), kek)
            .await
            .expect("keys"),
    );
    let transfers = Transfers::new(Arc::clone(&store), keys, clock.clone());
    let admin = Principal::Admin {
        token_id: TokenId::new(1),
        org_id: org,
    };
    let new = NewTransfer {
        org_id: org,
        from: MemberId::new(1),
        to: MemberId::new(2),
        contacts: None,
        message: None,
    };
    let t0 = Instant::now();
    let started = transfers.start(&admin, &new).await.expect("start");
    let start_time = t0.elapsed();
    clock.advance(86_400);
    let t1 = Instant::now();
    let done = transfers.complete_due().await.expect("complete");
    let complete_time = t1.elapsed();
    let waiting = started
        .iter()
        .filter(|t| t.status == namecard::domain::TransferStatus::Waiting)
        .count();
    assert_eq!(waiting as u64, done, "every waiting transfer took effect");
    println!(
        "{name}: transfer of {} contacts ({waiting} waiting, the rest not possible): started in {:.2} s, \
         took effect in {:.2} s, total {:.2} s",
        started.len(),
        start_time.as_secs_f64(),
        complete_time.as_secs_f64(),
        (start_time + complete_time).as_secs_f64()
    );
    drop(store);
}

async fn timed<F, Fut>(runs: usize, mut f: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    f().await;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await;
        times.push(t.elapsed());
    }
    times.sort();
    times
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Writes the organizations, members, requests, relations and tags straight into the database
/// (the API would take minutes for 100,000); returns the tag put on every tenth relation.
async fn seed(url: &str) -> TagId {
    let statements = [
        format!(
            "INSERT INTO organizations (id, name, policy, created_at) VALUES \
             (1, 'Acme Robotics', 'open', {NOW}), (2, '深圳华星光电技术有限公司', 'open', {NOW})"
        ),
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {total}) \
             INSERT INTO members (id, org_id, display_name, name_folded, employee_id, phone_discoverable, \
             status, created_at) SELECT i, CASE WHEN i <= {HOLDERS} THEN 1 ELSE 2 END, 'Member ' || i, \
             'member ' || i, 'E' || i, FALSE, 'active', {NOW} FROM n",
            total = HOLDERS + CUSTOMERS
        ),
        // Holder h (2..) knows PER_HOLDER customers starting at an offset of its own; the leaver
        // (1) knows every customer.
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last}) \
             INSERT INTO contact_requests (id, requester_org_id, requester_id, owner_org_id, owner_id, via, \
             status, created_at, expires_at, decided_at, source, card_channel) \
             SELECT i + 1, 2, {HOLDERS} + 1 + CASE WHEN i < {LEAVER_CONTACTS} THEN i \
               ELSE ((i - {LEAVER_CONTACTS}) / {PER_HOLDER} * 37 + (i - {LEAVER_CONTACTS}) % {PER_HOLDER}) % {CUSTOMERS} END, \
             1, CASE WHEN i < {LEAVER_CONTACTS} THEN 1 ELSE 2 + (i - {LEAVER_CONTACTS}) / {PER_HOLDER} END, \
             CASE WHEN i % 7 = 0 THEN 'phone' ELSE 'qr_scan' END, 'accepted', {NOW}, {NOW} + 86400, {NOW}, \
             CASE WHEN i % 7 = 0 THEN 'phone' ELSE 'card' END, \
             CASE WHEN i % 997 = 0 THEN 'expo-2026' WHEN i % 3 = 0 THEN 'website' ELSE NULL END FROM n",
            last = (HOLDERS - 1) * PER_HOLDER + LEAVER_CONTACTS - 1
        ),
        format!(
            "INSERT INTO external_contacts (id, member_a, member_b, request_id, created_at, source, channel) \
             SELECT id, CASE WHEN owner_id < requester_id THEN owner_id ELSE requester_id END, \
             CASE WHEN owner_id < requester_id THEN requester_id ELSE owner_id END, id, {NOW}, source, card_channel \
             FROM contact_requests"
        ),
        format!(
            "INSERT INTO contact_tags (id, org_id, group_name, name, created_at) VALUES (1, 1, '级别', 'VIP', {NOW})"
        ),
        "INSERT INTO contact_tag_links (contact_id, member_id, tag_id) \
         SELECT c.id, c.member_a, 1 FROM external_contacts c WHERE c.id % 10 = 0"
            .to_owned(),
    ];
    for sql in statements {
        execute(url, &sql).await;
    }
    if url.starts_with("postgres") {
        // Identity columns continue after the seeded ids; statistics for the planner.
        for table in [
            "organizations",
            "members",
            "contact_requests",
            "external_contacts",
            "contact_tags",
        ] {
            execute(
                url,
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                ),
            )
            .await;
        }
        execute(url, "ANALYZE").await;
    } else {
        execute(url, "ANALYZE").await;
    }
    TagId::new(1)
}

async fn deactivate_leaver(url: &str) {
    execute(
        url,
        &format!("UPDATE members SET status = 'deactivated', deactivated_at = {NOW} WHERE id = 1"),
    )
    .await;
}

async fn execute(url: &str, sql: &str) {
    use sqlx::Connection as _;
    if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
        sqlx::Executor::execute(&mut conn, sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    } else {
        let mut conn = sqlx::SqliteConnection::connect(url).await.expect("connect");
        sqlx::Executor::execute(&mut conn, sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}
