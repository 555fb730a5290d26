//! A fresh database for one test: a SQLite file in a temporary directory, or, when
//! `TEST_DATABASE_URL` names a PostgreSQL server, a new database on it. Shared by the
//! integration test crates through `#[path]`.

#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};
use tempfile::TempDir;

/// The URL of a new, empty database, and the directory holding it on SQLite (keep it alive).
pub async fn fresh_database() -> (String, Option<TempDir>) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(server) if !server.trim().is_empty() => (fresh_postgres(server.trim()).await, None),
        _ => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("sigap.db").display());
            (url, Some(dir))
        }
    }
}

static NEXT_DB: AtomicU32 = AtomicU32::new(0);
static SWEPT: AtomicBool = AtomicBool::new(false);

async fn fresh_postgres(server_url: &str) -> String {
    let mut options = ConnectOptions::new(server_url.to_owned());
    options.max_connections(1).sqlx_logging(false);
    let admin = Database::connect(options).await.unwrap();
    let unix = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    if !SWEPT.swap(true, Ordering::SeqCst) {
        drop_stale_databases(&admin, unix).await;
    }
    let name = format!("sigap_t_{unix}_{}_{}", std::process::id(), NEXT_DB.fetch_add(1, Ordering::SeqCst));
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
    admin.close().await.unwrap();
    with_database(server_url, &name)
}

/// Best effort: databases of earlier runs, older than an hour, are dropped.
async fn drop_stale_databases(admin: &DatabaseConnection, unix_now: u64) {
    let query = Statement::from_string(
        admin.get_database_backend(),
        "SELECT datname FROM pg_database WHERE datname LIKE 'sigap\\_t\\_%'",
    );
    let Ok(rows) = admin.query_all_raw(query).await else { return };
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else { continue };
        let created = name.split('_').nth(2).and_then(|s| s.parse::<u64>().ok());
        if created.is_some_and(|secs| secs + 3600 < unix_now) {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        }
    }
}

/// `postgres://u@h:5432/test?x=y` with its database replaced by `name`.
fn with_database(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server_url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let root = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    format!("{root}/{name}{query}")
}
