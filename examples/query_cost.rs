//! How much one statement and one transaction cost through sea-orm on this machine, and the
//! floor of a ticket transition: the fewest statements one can take (read the ticket,
//! update it if its version is unchanged, append its event, queue one message) with no
//! application work at all. Used to decide how many statements a transition can afford,
//! and what a lifecycle of seven transactions could reach at best.
//!
//! cargo run --release --example query_cost -- [DATABASE_URL [CONCURRENCY]]   ("" for SQLite)
//!
//! CONCURRENCY (default 1) runs that many bare transitions side by side, each on its own
//! ticket: PostgreSQL serves them on several connections, SQLite on its one.
//!
//! On SQLite the process keeps to one CPU, as `sigap` does (`SIGAP_PIN_CPU`, BENCHMARKS.md).
use std::time::Instant;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};
use sigap::affinity::PinCpu;
use sigap::store::entity::{outbox, person, ticket, ticket_event};

fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = std::env::args()
        .nth(1)
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.path().join("q.db").display()));
    let concurrency: usize = std::env::args().nth(2).map_or(Ok(1), |c| c.parse())?;
    let pinned = sigap::affinity::pin(PinCpu::Auto, &url);
    pinned.runtime()?.block_on(run(url, concurrency.max(1)))
}

async fn run(url: String, concurrency: usize) -> anyhow::Result<()> {
    let db = sigap::store::connect(&url).await?;
    sigap::store::migrate(&db).await?;
    let n = 20_000;
    let t = Instant::now();
    for _ in 0..n {
        db.execute_unprepared("SELECT 1").await?;
    }
    println!("SELECT 1:            {:.1} µs", t.elapsed().as_micros() as f64 / n as f64);
    let t = Instant::now();
    for _ in 0..n {
        sigap::store::tickets::by_id(&db, 1).await?;
    }
    println!("find_by_id (miss):   {:.1} µs", t.elapsed().as_micros() as f64 / n as f64);
    let t = Instant::now();
    for _ in 0..n / 4 {
        let txn = db.begin().await?;
        txn.execute_unprepared("UPDATE ticket_counters SET last = last + 1 WHERE year = 1").await?;
        txn.commit().await?;
    }
    println!("begin+update+commit: {:.1} µs", t.elapsed().as_micros() as f64 / (n / 4) as f64);

    let transitions = n / 4;
    let mut tasks = Vec::new();
    let mut running = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let ticket = seed_ticket(&db).await?;
        let db = db.clone();
        let each = i32::try_from(transitions / concurrency)?;
        tasks.push(async move {
            for version in 1..=each {
                bare_transition(&db, ticket, version).await?;
            }
            anyhow::Ok(())
        });
    }
    let t = Instant::now();
    for task in tasks {
        running.spawn(task);
    }
    while let Some(result) = running.join_next().await {
        result??;
    }
    let per = t.elapsed().as_secs_f64() / (transitions / concurrency * concurrency) as f64;
    println!(
        "bare transition:     {:.1} µs (BEGIN, 4 statements, COMMIT; {concurrency} side by side) = {:.0} transitions/s, \
         at most {:.0} lifecycles/s of 7",
        per * 1e6,
        1.0 / per,
        1.0 / per / 7.0
    );
    Ok(())
}

/// One reporter and one ticket to move.
async fn seed_ticket(db: &DatabaseConnection) -> anyhow::Result<i64> {
    static SEQ: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(1);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let now = chrono::Utc::now();
    let reporter = person::ActiveModel {
        name: Set("Sari".into()),
        locale: Set("id".into()),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let ticket = ticket::ActiveModel {
        number: Set(format!("GGN-2026-{seq:06}")),
        year: Set(2026),
        seq: Set(seq),
        sop_id: Set("kudus".into()),
        reporter_id: Set(reporter.id),
        category: Set("internet".into()),
        description: Set("Internet mati".into()),
        step: Set("triage".into()),
        status: Set("open".into()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(ticket.id)
}

/// The least a transition does, through sea-orm as SIGAP's transitions do: read the ticket,
/// update it if its version is unchanged, append its event, queue one message.
async fn bare_transition(db: &DatabaseConnection, ticket_id: i64, version: i32) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let txn = db.begin().await?;
    let row = ticket::Entity::find_by_id(ticket_id).one(&txn).await?.ok_or_else(|| anyhow::anyhow!("no ticket"))?;
    let updated = ticket::Entity::update_many()
        .col_expr(ticket::Column::Version, Expr::col(ticket::Column::Version).add(1))
        .col_expr(ticket::Column::UpdatedAt, Expr::value(now))
        .filter(ticket::Column::Id.eq(row.id))
        .filter(ticket::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    anyhow::ensure!(updated.rows_affected == 1, "version moved");
    ticket_event::ActiveModel {
        ticket_id: Set(row.id),
        channel: Set("telegram".into()),
        action: Set("forward".into()),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    outbox::ActiveModel {
        channel: Set("telegram".into()),
        address: Set("1".into()),
        ticket_id: Set(Some(row.id)),
        kind: Set("text".into()),
        payload: Set("{}".into()),
        status: Set("pending".into()),
        attempts: Set(0),
        available_at: Set(now),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}
