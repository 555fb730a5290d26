//! Persistence with sea-orm: SQLite by default, PostgreSQL in production. Queries and
//! mutations are small functions taking a connection or a transaction; every state change,
//! its event and its queued messages are written in one transaction by [`tickets`].

pub mod attachments;
pub mod board;
pub mod cards;
pub mod complaints;
pub mod console;
pub mod conversations;
pub mod directory;
pub mod entity;
pub mod erasure;
pub mod inbound;
pub mod inbox;
pub mod incidents;
pub mod network;
pub mod outbox;
pub mod people;
pub mod privacy;
pub mod retention;
pub mod sla;
pub mod survey;
pub mod tickets;
pub mod web_chat;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("cannot prepare {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

/// Open the database. SQLite gets WAL and one connection: SQLite serialises writers anyway,
/// and one connection means a transaction never meets `SQLITE_BUSY` from a sibling.
pub async fn connect(url: &str) -> Result<DatabaseConnection, StoreError> {
    connect_tuned(url, false).await
}

/// As [`connect`]; with `checkpoint_elsewhere` a SQLite connection never checkpoints the WAL
/// when it commits (another connection does, see [`inbox`]), so its commits never wait for
/// the disk.
pub(crate) async fn connect_tuned(url: &str, checkpoint_elsewhere: bool) -> Result<DatabaseConnection, StoreError> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false);
    if url.starts_with("sqlite:") {
        if let Some(dir) = sqlite_parent_dir(url) {
            std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io { path: dir.clone(), source })?;
        }
        options.max_connections(1).min_connections(1).acquire_timeout(Duration::from_secs(30)).map_sqlx_sqlite_opts(
            move |o| {
                let o = o
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                if checkpoint_elsewhere { o.pragma("wal_autocheckpoint", "0") } else { o }
            },
        );
    } else {
        // Plan every execution of a prepared statement with the tables' sizes of the moment.
        // PostgreSQL otherwise settles on a generic plan after five runs; planned while the
        // tables were small (a new office, or a server without autovacuum's statistics) it
        // stays a sequential scan as they grow, and a busy day slows to a crawl.
        options
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .map_sqlx_postgres_opts(|o| o.options([("plan_cache_mode", "force_custom_plan")]));
    }
    // Two processes opening a new SQLite file at once (replicas started together) race to
    // switch it to WAL; the loser is told "database is locked" at once, before any busy
    // timeout applies. The winner is done within moments, so the loser tries again.
    let mut waited = Duration::ZERO;
    loop {
        match Database::connect(options.clone()).await {
            Err(err) if url.starts_with("sqlite:") && is_locked(&err) && waited < Duration::from_secs(30) => {
                tracing::info!(%err, "the database file is being set up by another process; trying again");
                tokio::time::sleep(Duration::from_millis(200)).await;
                waited += Duration::from_millis(200);
            }
            outcome => return Ok(outcome?),
        }
    }
}

fn is_locked(err: &DbErr) -> bool {
    let text = err.to_string();
    text.contains("database is locked") || text.contains("(code: 5)") || text.contains("(code: 6)")
}

/// Apply pending migrations; the service does this on start.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), StoreError> {
    let outcome = Migrator::up(db, None).await;
    settle_migration::<Migrator>(db, outcome).await
}

/// Replicas started together on a new database all try to migrate it, and all but the first
/// fail on a table that now exists. A failure is therefore only one if the schema does not
/// become current within a while: otherwise another process did the work.
pub(crate) async fn settle_migration<M: MigratorTrait>(
    db: &DatabaseConnection,
    outcome: Result<(), DbErr>,
) -> Result<(), StoreError> {
    let Err(err) = outcome else { return Ok(()) };
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if M::get_pending_migrations(db).await.is_ok_and(|pending| pending.is_empty()) {
            tracing::info!(%err, "another process applied the migrations");
            return Ok(());
        }
    }
    Err(err.into())
}

/// True when every migration this binary knows is applied (for readiness checks).
pub async fn is_migrated(db: &DatabaseConnection) -> Result<bool, StoreError> {
    Ok(Migrator::get_pending_migrations(db).await?.is_empty())
}

pub async fn ping(db: &DatabaseConnection) -> Result<(), StoreError> {
    db.execute_unprepared("SELECT 1").await?;
    Ok(())
}

pub fn backend(db: &DatabaseConnection) -> DbBackend {
    db.get_database_backend()
}

/// `sqlite://data/sigap.db?mode=rwc` → `data`, so a fresh install needs no mkdir.
fn sqlite_parent_dir(url: &str) -> Option<String> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    let parent = std::path::Path::new(path).parent()?;
    let parent = parent.to_str()?;
    (!parent.is_empty()).then(|| parent.to_owned())
}

#[cfg(test)]
mod tests {
    use super::sqlite_parent_dir;

    #[test]
    fn the_sqlite_directory_is_found_in_the_url() {
        assert_eq!(sqlite_parent_dir("sqlite://data/sigap.db?mode=rwc").as_deref(), Some("data"));
        assert_eq!(sqlite_parent_dir("sqlite:///srv/x/s.db").as_deref(), Some("/srv/x"));
        assert_eq!(sqlite_parent_dir("sqlite::memory:"), None);
        assert_eq!(sqlite_parent_dir("sqlite://s.db"), None);
    }
}
