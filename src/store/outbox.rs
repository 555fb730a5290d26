//! The outbox: messages queued in the same transaction as the change that caused them.
//! The delivery worker (a channel's sender) reads from here; nothing is sent inline.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};

use super::entity::{outbox, outbox_sent};
use crate::domain::ticket::Channel;
use crate::outbound::OutboundMessage;

pub use outbox::Model as OutboxRow;

pub const PENDING: &str = "pending";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

/// The note on a row sent again after its first sender stopped mid-send: the platform may
/// have accepted both attempts.
pub const TAKEN_OVER: &str = "sent again after an interrupted attempt; it may have arrived twice";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutbound {
    /// None for someone not registered yet (a newcomer being asked their name).
    pub person_id: Option<i64>,
    pub channel: Channel,
    pub address: String,
    pub ticket_id: Option<i64>,
    pub kind: &'static str,
    pub message: OutboundMessage,
}

pub async fn enqueue<C: ConnectionTrait>(
    txn: &C,
    messages: Vec<NewOutbound>,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    if messages.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::with_capacity(messages.len());
    for m in messages {
        let payload = serde_json::to_string(&m.message).map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
        rows.push(outbox::ActiveModel {
            person_id: Set(m.person_id),
            channel: Set(m.channel.as_str().to_owned()),
            address: Set(m.address),
            ticket_id: Set(m.ticket_id),
            kind: Set(m.kind.to_owned()),
            payload: Set(payload),
            status: Set(PENDING.to_owned()),
            attempts: Set(0),
            available_at: Set(now),
            created_at: Set(now),
            sent_at: Set(None),
            last_error: Set(None),
            claimed_until: Set(None),
            parts_sent: Set(0),
            ..Default::default()
        });
    }
    outbox::Entity::insert_many(rows).exec_without_returning(txn).await?;
    Ok(())
}

pub async fn for_ticket<C: ConnectionTrait>(db: &C, ticket_id: i64) -> Result<Vec<OutboxRow>, sea_orm::DbErr> {
    outbox::Entity::find().filter(outbox::Column::TicketId.eq(ticket_id)).order_by_asc(outbox::Column::Id).all(db).await
}

pub async fn pending<C: ConnectionTrait>(db: &C) -> Result<Vec<OutboxRow>, sea_orm::DbErr> {
    outbox::Entity::find().filter(outbox::Column::Status.eq(PENDING)).order_by_asc(outbox::Column::Id).all(db).await
}

impl OutboxRow {
    pub fn message(&self) -> Result<OutboundMessage, serde_json::Error> {
        serde_json::from_str(&self.payload)
    }
}

/// The oldest unsent row of each chat on `channels`, if it may be sent at `now`: pending and
/// due, or claimed by a sender whose lease ran out. A later row of a chat waits for the
/// earlier one, so a chat reads its messages in order even across retries.
///
/// Runs once per message sent and every idle tick of each lane, so its cost must follow the
/// rows waiting, not the rows ever sent: two queries, each a range of a status-led index
/// (an OR of the two would walk every row of the channel), and the order check bounded to a
/// chat's unsent rows by `idx_outbox_unsent_chat`. `tests/service/plans.rs` pins
/// these plans on both databases.
pub async fn deliverable<C: ConnectionTrait>(
    db: &C,
    channels: &[Channel],
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<OutboxRow>, sea_orm::DbErr> {
    let mut rows = Vec::new();
    for select in deliverable_selects(channels, now, limit) {
        rows.extend(select.all(db).await?);
    }
    rows.sort_by_key(|r| r.id);
    rows.dedup_by_key(|r| r.id);
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(rows)
}

/// The statements [`deliverable`] runs, for checking their plans.
pub fn deliverable_statements(
    backend: sea_orm::DbBackend,
    channels: &[Channel],
    now: DateTime<Utc>,
    limit: u64,
) -> Vec<sea_orm::Statement> {
    deliverable_selects(channels, now, limit).into_iter().map(|s| s.build(backend)).collect()
}

fn deliverable_selects(channels: &[Channel], now: DateTime<Utc>, limit: u64) -> Vec<sea_orm::Select<outbox::Entity>> {
    if channels.is_empty() {
        return Vec::new();
    }
    let earlier = Alias::new("earlier");
    let col = |c: outbox::Column| Expr::col((earlier.clone(), c));
    let this = |c: outbox::Column| Expr::col((outbox::Entity, c));
    let earlier_unsent = Query::select()
        .expr(Expr::val(1))
        .from_as(outbox::Entity, earlier.clone())
        .and_where(col(outbox::Column::Channel).eq(this(outbox::Column::Channel)))
        .and_where(col(outbox::Column::Address).eq(this(outbox::Column::Address)))
        .and_where(col(outbox::Column::Status).is_in([PENDING, SENDING]))
        .and_where(col(outbox::Column::Id).lt(this(outbox::Column::Id)))
        // OFFSET 0 keeps PostgreSQL from turning the NOT EXISTS into an anti-join: planned
        // without statistics (a new office, autovacuum off) that join compared every unsent
        // row of the channel with every other, 0.5 s per call at 2,000 waiting; as a subplan
        // it is one probe of the chat's unsent rows per candidate. (SQLite wants a LIMIT
        // before any OFFSET; this one limits nothing.)
        .limit(i64::MAX as u64)
        .offset(0)
        .to_owned();
    let ready = [
        Condition::all().add(outbox::Column::Status.eq(PENDING)).add(outbox::Column::AvailableAt.lte(now)),
        Condition::all().add(outbox::Column::Status.eq(SENDING)).add(outbox::Column::ClaimedUntil.lt(now)),
    ];
    ready
        .into_iter()
        .map(|ready| {
            outbox::Entity::find()
                .filter(ready)
                .filter(outbox::Column::Channel.is_in(channels.iter().map(|c| c.as_str())))
                .filter(Expr::exists(earlier_unsent.clone()).not())
                .order_by_asc(outbox::Column::Id)
                .limit(limit)
        })
        .collect()
}

/// Take row `id` for sending until `lease_until`. One claimant wins: the update matches only
/// while the row is still free, whichever process or replica asks.
pub async fn claim<C: ConnectionTrait>(
    db: &C,
    id: i64,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<OutboxRow>, sea_orm::DbErr> {
    let free = Condition::any()
        .add(outbox::Column::Status.eq(PENDING))
        .add(Condition::all().add(outbox::Column::Status.eq(SENDING)).add(outbox::Column::ClaimedUntil.lt(now)));
    let claimed = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(SENDING))
        .col_expr(outbox::Column::ClaimedUntil, Expr::value(lease_until))
        .col_expr(outbox::Column::Attempts, Expr::col(outbox::Column::Attempts).add(1))
        .filter(outbox::Column::Id.eq(id))
        .filter(free)
        .exec_with_returning(db)
        .await?;
    Ok(claimed.into_iter().next())
}

/// Record that attempt number `attempt` got through. Ignored when the lease was lost and
/// another sender has the row now.
pub async fn mark_sent<C: ConnectionTrait>(
    db: &C,
    id: i64,
    attempt: i32,
    at: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    finish(db, id, attempt, Outcome { status: SENT, sent_at: Some(at), retry_at: None, reason: None }).await
}

/// Remember the platform's ids of what a row became, and a note on how it went (a template
/// sent instead of free text); one transaction with the row's status.
pub async fn mark_sent_as(
    db: &sea_orm::DatabaseConnection,
    row: &OutboxRow,
    channel: Channel,
    external_ids: &[String],
    note: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let txn = sea_orm::TransactionTrait::begin(db).await?;
    finish(&txn, row.id, row.attempts, Outcome { status: SENT, sent_at: Some(at), retry_at: None, reason: note })
        .await?;
    insert_sent(&txn, row.id, channel, external_ids, at).await?;
    txn.commit().await
}

/// Record that the first `parts` parts of row `id` went through on attempt `attempt`, with
/// the platform's ids worth keeping for them, in one transaction. False when the row is no
/// longer this attempt's (its lease ran out and another sender took it): the caller must
/// stop, or both would send the rest.
pub async fn record_parts(
    db: &sea_orm::DatabaseConnection,
    id: i64,
    attempt: i32,
    parts: i32,
    channel: Channel,
    external_ids: &[String],
    at: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let txn = sea_orm::TransactionTrait::begin(db).await?;
    let updated = outbox::Entity::update_many()
        .col_expr(outbox::Column::PartsSent, Expr::value(parts))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(SENDING))
        .filter(outbox::Column::Attempts.eq(attempt))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        txn.rollback().await?;
        return Ok(false);
    }
    insert_sent(&txn, id, channel, external_ids, at).await?;
    txn.commit().await?;
    Ok(true)
}

/// The platform reported part `part` of row `id` (its status came back tagged with them):
/// while the row is still being sent, the parts up to it count as sent, and the part's id is
/// recorded as any sent part's is.
pub async fn note_part_accepted<C: ConnectionTrait>(
    db: &C,
    id: i64,
    part: usize,
    channel: Channel,
    external_id: &str,
    at: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let parts = i32::try_from(part + 1).unwrap_or(i32::MAX);
    let updated = outbox::Entity::update_many()
        .col_expr(outbox::Column::PartsSent, Expr::value(parts))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(SENDING))
        .filter(outbox::Column::PartsSent.lt(parts))
        .exec(db)
        .await?;
    if updated.rows_affected == 1 {
        insert_sent(db, id, channel, &[external_id.to_owned()], at).await?;
    }
    Ok(())
}

async fn insert_sent<C: ConnectionTrait>(
    db: &C,
    outbox_id: i64,
    channel: Channel,
    external_ids: &[String],
    at: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    if external_ids.is_empty() {
        return Ok(());
    }
    let rows = external_ids.iter().map(|id| outbox_sent::ActiveModel {
        channel: Set(channel.as_str().to_owned()),
        external_id: Set(id.clone()),
        outbox_id: Set(outbox_id),
        sent_at: Set(at),
    });
    outbox_sent::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([outbox_sent::Column::Channel, outbox_sent::Column::ExternalId])
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Record what the platform said later about a sent row; `failed` also marks it failed, so
/// the admin's list of undelivered messages shows it.
pub async fn note_failure<C: ConnectionTrait>(db: &C, id: i64, note: &str, failed: bool) -> Result<(), sea_orm::DbErr> {
    let mut update = outbox::Entity::update_many().col_expr(outbox::Column::LastError, Expr::value(note.to_owned()));
    if failed {
        update = update.col_expr(outbox::Column::Status, Expr::value(FAILED));
    }
    update.filter(outbox::Column::Id.eq(id)).exec(db).await?;
    Ok(())
}

/// The outbox row a platform message id belongs to.
pub async fn by_external_id<C: ConnectionTrait>(
    db: &C,
    channel: Channel,
    external_id: &str,
) -> Result<Option<OutboxRow>, sea_orm::DbErr> {
    let Some(sent) =
        outbox_sent::Entity::find_by_id((channel.as_str().to_owned(), external_id.to_owned())).one(db).await?
    else {
        return Ok(None);
    };
    outbox::Entity::find_by_id(sent.outbox_id).one(db).await
}

/// Put the row back for another attempt at `at`.
pub async fn reschedule<C: ConnectionTrait>(
    db: &C,
    id: i64,
    attempt: i32,
    at: DateTime<Utc>,
    reason: &str,
) -> Result<(), sea_orm::DbErr> {
    finish(db, id, attempt, Outcome { status: PENDING, sent_at: None, retry_at: Some(at), reason: Some(reason) }).await
}

/// Give up on the row, keeping the reason for the admin.
pub async fn fail<C: ConnectionTrait>(db: &C, id: i64, attempt: i32, reason: &str) -> Result<(), sea_orm::DbErr> {
    finish(db, id, attempt, Outcome { status: FAILED, sent_at: None, retry_at: None, reason: Some(reason) }).await
}

struct Outcome<'a> {
    status: &'a str,
    sent_at: Option<DateTime<Utc>>,
    retry_at: Option<DateTime<Utc>>,
    reason: Option<&'a str>,
}

async fn finish<C: ConnectionTrait>(db: &C, id: i64, attempt: i32, outcome: Outcome<'_>) -> Result<(), sea_orm::DbErr> {
    let mut update = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(outcome.status))
        .col_expr(outbox::Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(outbox::Column::LastError, Expr::value(outcome.reason.map(str::to_owned)));
    if let Some(at) = outcome.sent_at {
        update = update.col_expr(outbox::Column::SentAt, Expr::value(at));
    }
    if let Some(at) = outcome.retry_at {
        update = update.col_expr(outbox::Column::AvailableAt, Expr::value(at));
    }
    update
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(SENDING))
        .filter(outbox::Column::Attempts.eq(attempt))
        .exec(db)
        .await?;
    Ok(())
}

/// Messages that will not be delivered, newest first, for the admin.
pub async fn failed<C: ConnectionTrait>(db: &C, limit: u64) -> Result<Vec<OutboxRow>, sea_orm::DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::Status.eq(FAILED))
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Messages sent again after their first sender stopped mid-send, newest first: the ones a
/// person may have received twice.
pub async fn taken_over<C: ConnectionTrait>(db: &C, limit: u64) -> Result<Vec<OutboxRow>, sea_orm::DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::Status.eq(SENT))
        .filter(outbox::Column::LastError.starts_with(TAKEN_OVER))
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// How many messages wait to be sent, and when the oldest of them was queued.
pub async fn backlog<C: ConnectionTrait>(db: &C) -> Result<(u64, Option<DateTime<Utc>>), sea_orm::DbErr> {
    use sea_orm::PaginatorTrait;
    let waiting = || outbox::Entity::find().filter(outbox::Column::Status.is_in([PENDING, SENDING]));
    let depth = waiting().count(db).await?;
    let oldest = waiting().order_by_asc(outbox::Column::Id).one(db).await?.map(|row| row.created_at);
    Ok((depth, oldest))
}
