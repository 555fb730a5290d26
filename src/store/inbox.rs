//! The webhook inbox: a platform's deliveries, stored as received so that the webhook can
//! answer as soon as one insert is committed, and applied afterwards by a worker that deletes
//! each row once its effect is committed. A delivery applied twice (a crash between the effect
//! and the delete) changes nothing: the effect itself remembers the platform's message id.
//!
//! On PostgreSQL the table is in the main database. On SQLite it is a file of its own beside
//! the main one (`sigap.db` → `sigap-inbox.db`): SQLite has one writer per file, and a webhook
//! waiting behind the ticket transactions would answer as slowly as before.

use chrono::{DateTime, Utc};
use migration::{InboxMigrator, MigratorTrait};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
};

use super::entity::webhook_inbox;
use super::{StoreError, connect, connect_tuned};
use crate::domain::ticket::Channel;

pub use webhook_inbox::Model as InboxRow;

/// Open the inbox beside the main database `main` (opened from `main_url`) and bring its
/// schema up to date. An in-memory SQLite database keeps its inbox in itself: a second
/// in-memory connection would be another, empty database.
pub async fn open(main_url: &str, main: &DatabaseConnection) -> Result<DatabaseConnection, StoreError> {
    let db = match sqlite_inbox_url(main_url) {
        // The webhook's inserts never checkpoint: the worker's reader does (`checkpoint`).
        Some(url) => connect_tuned(&url, true).await?,
        None => main.clone(),
    };
    let outcome = InboxMigrator::up(&db, None).await;
    super::settle_migration::<InboxMigrator>(&db, outcome).await?;
    Ok(db)
}

/// A second connection to the inbox, for the worker that applies it: on SQLite its reads then
/// never hold up the webhook's inserts (WAL readers do not block the writer). Elsewhere the
/// inbox's own connection (PostgreSQL's pool has many).
pub async fn open_reader(main_url: &str, inbox: &DatabaseConnection) -> Result<DatabaseConnection, StoreError> {
    match sqlite_inbox_url(main_url) {
        Some(url) => connect(&url).await,
        None => Ok(inbox.clone()),
    }
}

/// True when the inbox's schema is current (for readiness checks).
pub async fn is_migrated(db: &DatabaseConnection) -> Result<bool, StoreError> {
    Ok(InboxMigrator::get_pending_migrations(db).await?.is_empty())
}

/// `sqlite://data/sigap.db?mode=rwc` → `sqlite://data/sigap-inbox.db?mode=rwc`; `None` for
/// PostgreSQL and for in-memory SQLite.
fn sqlite_inbox_url(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite:")?;
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    let bare = path.trim_start_matches("//");
    if bare.is_empty() || bare.contains(":memory:") || query.is_some_and(|q| q.contains("mode=memory")) {
        return None;
    }
    let file = std::path::Path::new(bare);
    let stem = file.file_stem()?.to_str()?;
    let name = match file.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!("{stem}-inbox.{ext}"),
        None => format!("{stem}-inbox"),
    };
    let prefix = &path[..path.len() - bare.len()];
    let inbox = file.with_file_name(name);
    let mut out = format!("sqlite:{prefix}{}", inbox.to_str()?);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    Some(out)
}

/// A delivery to store.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub channel: Channel,
    pub sender: String,
    pub body: String,
}

/// Store deliveries; they are the caller's once this returns. One statement as a rule; a
/// webhook delivery split into many events takes several, in one transaction, each within
/// SQLite's limit of bound parameters.
pub async fn push<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    deliveries: Vec<NewDelivery>,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    if deliveries.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = deliveries
        .into_iter()
        .map(|d| webhook_inbox::ActiveModel {
            id: NotSet,
            channel: Set(d.channel.as_str().to_owned()),
            sender: Set(d.sender),
            body: Set(d.body),
            received_at: Set(now),
            attempts: Set(0),
            not_before: Set(now),
            last_error: Set(None),
            parked: Set(false),
        })
        .collect();
    if rows.len() <= ROWS_PER_INSERT {
        webhook_inbox::Entity::insert_many(rows).exec_without_returning(db).await?;
        return Ok(());
    }
    let txn = db.begin().await?;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        webhook_inbox::Entity::insert_many(chunk).exec_without_returning(&txn).await?;
    }
    txn.commit().await
}

/// Eight columns a row: 2,000 rows stay well below SQLite's 32,766 bound parameters.
const ROWS_PER_INSERT: usize = 2_000;

/// The oldest `limit` deliveries of `channel` due at `now`, leaving out every delivery of a
/// sender who has one waiting for its retry: a sender's deliveries are applied in order, so
/// its later ones wait behind that one, and they must not fill the batch of everyone else.
pub async fn due<C: ConnectionTrait>(
    db: &C,
    channel: Channel,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<InboxRow>, sea_orm::DbErr> {
    webhook_inbox::Entity::find()
        .filter(webhook_inbox::Column::Channel.eq(channel.as_str()))
        .filter(webhook_inbox::Column::Parked.eq(false))
        .filter(webhook_inbox::Column::NotBefore.lte(now))
        .filter(webhook_inbox::Column::Sender.not_in_subquery(held_senders(channel, now)))
        .order_by_asc(webhook_inbox::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Senders of `channel` with a delivery waiting for its retry at `now`.
fn held_senders(channel: Channel, now: DateTime<Utc>) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(webhook_inbox::Column::Sender)
        .from(webhook_inbox::Entity)
        .and_where(webhook_inbox::Column::Channel.eq(channel.as_str()))
        .and_where(webhook_inbox::Column::Parked.eq(false))
        .and_where(webhook_inbox::Column::NotBefore.gt(now))
        .to_owned()
}

/// When the earliest delivery of `channel` now waiting for its retry is due, if any.
pub async fn next_retry<C: ConnectionTrait>(
    db: &C,
    channel: Channel,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
    webhook_inbox::Entity::find()
        .select_only()
        .column_as(webhook_inbox::Column::NotBefore.min(), "due")
        .filter(webhook_inbox::Column::Channel.eq(channel.as_str()))
        .filter(webhook_inbox::Column::Parked.eq(false))
        .filter(webhook_inbox::Column::NotBefore.gt(now))
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db)
        .await
        .map(Option::flatten)
}

/// The deliveries took effect.
pub async fn done<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<(), sea_orm::DbErr> {
    // SQLite takes at most 32,766 parameters per statement.
    for chunk in ids.chunks(1000) {
        webhook_inbox::Entity::delete_many()
            .filter(webhook_inbox::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The delivery failed: try again from `not_before`, or never (`park`), keeping why.
pub async fn failed<C: ConnectionTrait>(
    db: &C,
    id: i64,
    error: &str,
    not_before: DateTime<Utc>,
    park: bool,
) -> Result<(), sea_orm::DbErr> {
    webhook_inbox::Entity::update_many()
        .col_expr(webhook_inbox::Column::Attempts, Expr::col(webhook_inbox::Column::Attempts).add(1))
        .col_expr(webhook_inbox::Column::LastError, Expr::value(error.to_owned()))
        .col_expr(webhook_inbox::Column::NotBefore, Expr::value(not_before))
        .col_expr(webhook_inbox::Column::Parked, Expr::value(park))
        .filter(webhook_inbox::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Copy what the WAL holds into the SQLite inbox file, as far as readers allow, so the WAL
/// does not grow: the inserting connection leaves this to the worker's. Nothing elsewhere.
pub async fn checkpoint(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)").await?;
    }
    Ok(())
}

/// Deliveries given up on, oldest first.
pub async fn parked<C: ConnectionTrait>(db: &C, limit: u64) -> Result<Vec<InboxRow>, sea_orm::DbErr> {
    webhook_inbox::Entity::find()
        .filter(webhook_inbox::Column::Parked.eq(true))
        .order_by_asc(webhook_inbox::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// How many deliveries were given up on.
pub async fn parked_count<C: ConnectionTrait>(db: &C) -> Result<u64, sea_orm::DbErr> {
    webhook_inbox::Entity::find().filter(webhook_inbox::Column::Parked.eq(true)).count(db).await
}

/// Put delivery `id`, given up on, back in line from `now` with a fresh count of attempts.
/// False when there is no such delivery given up on.
pub async fn unpark<C: ConnectionTrait>(db: &C, id: i64, now: DateTime<Utc>) -> Result<bool, sea_orm::DbErr> {
    let updated = webhook_inbox::Entity::update_many()
        .col_expr(webhook_inbox::Column::Parked, Expr::value(false))
        .col_expr(webhook_inbox::Column::Attempts, Expr::value(0))
        .col_expr(webhook_inbox::Column::NotBefore, Expr::value(now))
        .filter(webhook_inbox::Column::Id.eq(id))
        .filter(webhook_inbox::Column::Parked.eq(true))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// How many deliveries of `channel` wait to be applied.
pub async fn depth_of<C: ConnectionTrait>(db: &C, channel: Channel) -> Result<u64, sea_orm::DbErr> {
    webhook_inbox::Entity::find()
        .filter(webhook_inbox::Column::Channel.eq(channel.as_str()))
        .filter(webhook_inbox::Column::Parked.eq(false))
        .count(db)
        .await
}

/// How many deliveries wait to be applied, all channels.
pub async fn depth<C: ConnectionTrait>(db: &C) -> Result<u64, sea_orm::DbErr> {
    webhook_inbox::Entity::find().filter(webhook_inbox::Column::Parked.eq(false)).count(db).await
}

/// Delete every delivery from `sender` still here (waiting, or kept aside): their data is
/// being erased. Returns how many.
pub async fn delete_from<C: ConnectionTrait>(db: &C, channel: Channel, sender: &str) -> Result<u64, sea_orm::DbErr> {
    let deleted = webhook_inbox::Entity::delete_many()
        .filter(webhook_inbox::Column::Channel.eq(channel.as_str()))
        .filter(webhook_inbox::Column::Sender.eq(sender))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::sqlite_inbox_url;

    #[test]
    fn the_sqlite_inbox_sits_beside_the_main_file() {
        assert_eq!(
            sqlite_inbox_url("sqlite://data/sigap.db?mode=rwc").as_deref(),
            Some("sqlite://data/sigap-inbox.db?mode=rwc")
        );
        assert_eq!(sqlite_inbox_url("sqlite:///srv/x/s.sqlite").as_deref(), Some("sqlite:///srv/x/s-inbox.sqlite"));
        assert_eq!(sqlite_inbox_url("sqlite://plain").as_deref(), Some("sqlite://plain-inbox"));
        assert_eq!(sqlite_inbox_url("sqlite::memory:"), None);
        assert_eq!(sqlite_inbox_url("sqlite://file.db?mode=memory"), None);
        assert_eq!(sqlite_inbox_url("postgres://u@h/db"), None);
    }
}
