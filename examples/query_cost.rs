//! How much one statement and one empty transaction cost through sea-orm on this machine.
//! Used to decide how many statements a ticket transition can afford.
use std::time::Instant;

use sea_orm::{ConnectionTrait, TransactionTrait};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url =
        std::env::args().nth(1).unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.path().join("q.db").display()));
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
    Ok(())
}
