//! The SLA worker's tables: notices already sent per visit, digests already sent per day,
//! and the lease that keeps one worker running among several processes. Plain sea-orm, no
//! backend-specific SQL: conflicts are `ON CONFLICT DO NOTHING`, the lease a guarded update.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, TryInsertResult};

use super::entity::{sla_digest, sla_notice, worker_lease};

pub use sla_notice::Model as SlaNoticeRow;

/// Notices recorded for these tickets, in one query.
pub async fn notices_for<C: ConnectionTrait>(db: &C, ticket_ids: &[i64]) -> Result<Vec<SlaNoticeRow>, sea_orm::DbErr> {
    if ticket_ids.is_empty() {
        return Ok(Vec::new());
    }
    sla_notice::Entity::find().filter(sla_notice::Column::TicketId.is_in(ticket_ids.iter().copied())).all(db).await
}

/// Record a notice; false when it was already there (another pass or replica sent it).
pub async fn record_notice<C: ConnectionTrait>(
    txn: &C,
    ticket_id: i64,
    step: &str,
    entered_at: DateTime<Utc>,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let row = sla_notice::ActiveModel {
        ticket_id: Set(ticket_id),
        step: Set(step.to_owned()),
        entered_at: Set(entered_at),
        kind: Set(kind.to_owned()),
        created_at: Set(now),
        ..Default::default()
    };
    let result = sla_notice::Entity::insert(row)
        .on_conflict_do_nothing_on([
            sla_notice::Column::TicketId,
            sla_notice::Column::Step,
            sla_notice::Column::EnteredAt,
            sla_notice::Column::Kind,
        ])
        .exec_without_returning(txn)
        .await?;
    Ok(inserted(result))
}

/// Record that the digest of `day` went out; false when it already had.
pub async fn record_digest<C: ConnectionTrait>(
    txn: &C,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let row = sla_digest::ActiveModel { day: Set(day.format("%Y-%m-%d").to_string()), created_at: Set(now) };
    let result = sla_digest::Entity::insert(row)
        .on_conflict_do_nothing_on([sla_digest::Column::Day])
        .exec_without_returning(txn)
        .await?;
    Ok(inserted(result))
}

/// Whether the digest of `day` went out already.
pub async fn digest_sent<C: ConnectionTrait>(db: &C, day: NaiveDate) -> Result<bool, sea_orm::DbErr> {
    Ok(sla_digest::Entity::find_by_id(day.format("%Y-%m-%d").to_string()).one(db).await?.is_some())
}

fn inserted(result: TryInsertResult<u64>) -> bool {
    matches!(result, TryInsertResult::Inserted(n) if n > 0)
}

/// Take or renew the lease `name` for `holder` until `until`. One holder wins: the insert
/// only succeeds for the first, and the update only matches while the lease is the holder's
/// own or has run out. Returns the holder after the attempt.
pub async fn take_lease<C: ConnectionTrait>(
    db: &C,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<String, sea_orm::DbErr> {
    let row =
        worker_lease::ActiveModel { name: Set(name.to_owned()), holder: Set(holder.to_owned()), until: Set(until) };
    let created = worker_lease::Entity::insert(row)
        .on_conflict_do_nothing_on([worker_lease::Column::Name])
        .exec_without_returning(db)
        .await?;
    if inserted(created) {
        return Ok(holder.to_owned());
    }
    let free = Condition::any().add(worker_lease::Column::Holder.eq(holder)).add(worker_lease::Column::Until.lt(now));
    let renewed = worker_lease::Entity::update_many()
        .col_expr(worker_lease::Column::Holder, Expr::value(holder))
        .col_expr(worker_lease::Column::Until, Expr::value(until))
        .filter(worker_lease::Column::Name.eq(name))
        .filter(free)
        .exec(db)
        .await?;
    if renewed.rows_affected == 1 {
        return Ok(holder.to_owned());
    }
    let current = worker_lease::Entity::find_by_id(name.to_owned()).one(db).await?;
    Ok(current.map_or_else(String::new, |l| l.holder))
}

/// Give the lease up at `now`, so another process may take over without waiting it out.
pub async fn release_lease<C: ConnectionTrait>(
    db: &C,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    worker_lease::Entity::update_many()
        .col_expr(worker_lease::Column::Until, Expr::value(now))
        .filter(worker_lease::Column::Name.eq(name))
        .filter(worker_lease::Column::Holder.eq(holder))
        .exec(db)
        .await?;
    Ok(())
}
