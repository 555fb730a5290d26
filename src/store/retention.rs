//! Retention: what only de-duplication and the admin's recent views need is deleted once it
//! is old, a small batch per transaction, so a writer never waits long behind it. Sent outbox
//! rows (with the platform ids they were sent as, and their retired-card notes) and processed
//! inbound ids go; tickets, events and papers are the archive and are never touched here.
//! Kept whatever their age: undelivered rows (`outbox failed`), rows sent again after an
//! interrupted attempt (`outbox repeated`), and the rows of open tickets (their live cards).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionSession,
    TransactionTrait,
};

use super::entity::{inbound_update, outbox, outbox_sent, retired_card, ticket};
use super::outbox::{SENT, TAKEN_OVER};
use crate::domain::ticket::TicketStatus;

/// Where a run of [`prune_sent`] goes on from: the time of the last row it deleted. The rows
/// kept (open tickets', repeated ones) are then passed over once per run, not once per
/// batch. Rows of that very time beyond a batch wait for the next run.
pub type Cursor = DateTime<Utc>;

/// Delete up to `batch` sent outbox rows that became due before `before`, after `from`;
/// returns how many, and where the next batch goes on from (`None` when none is left).
pub async fn prune_sent<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    before: DateTime<Utc>,
    from: Option<Cursor>,
    batch: u64,
) -> Result<(u64, Option<Cursor>), sea_orm::DbErr> {
    let open = Query::select()
        .column(ticket::Column::Id)
        .from(ticket::Entity)
        .and_where(ticket::Column::Status.eq(TicketStatus::Open.as_str()))
        .to_owned();
    let mut query = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::AvailableAt)
        .column(outbox::Column::Id)
        // Through the status-led index: the sent range, oldest first.
        .filter(outbox::Column::Status.eq(SENT))
        .filter(outbox::Column::AvailableAt.lt(before));
    if let Some(at) = from {
        query = query.filter(outbox::Column::AvailableAt.gt(at));
    }
    let found: Vec<(DateTime<Utc>, i64)> = query
        .filter(Condition::any().add(outbox::Column::SentAt.is_null()).add(outbox::Column::SentAt.lt(before)))
        .filter(
            Condition::any()
                .add(outbox::Column::LastError.is_null())
                .add(Expr::col(outbox::Column::LastError).like(format!("{TAKEN_OVER}%")).not()),
        )
        .filter(
            Condition::any()
                .add(outbox::Column::TicketId.is_null())
                .add(outbox::Column::TicketId.not_in_subquery(open)),
        )
        .order_by_asc(outbox::Column::AvailableAt)
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    let Some(&(last, _)) = found.last() else { return Ok((0, None)) };
    let ids: Vec<i64> = found.into_iter().map(|(_, id)| id).collect();
    let txn = db.begin().await?;
    outbox_sent::Entity::delete_many().filter(outbox_sent::Column::OutboxId.is_in(ids.clone())).exec(&txn).await?;
    retired_card::Entity::delete_many().filter(retired_card::Column::OutboxId.is_in(ids.clone())).exec(&txn).await?;
    let deleted = outbox::Entity::delete_many().filter(outbox::Column::Id.is_in(ids)).exec(&txn).await?;
    txn.commit().await?;
    Ok((deleted.rows_affected, Some(last)))
}

/// Delete up to `batch` processed inbound update ids received before `before`; returns how
/// many. A platform re-delivers an update for days at most, never after this.
pub async fn prune_inbound<C: ConnectionTrait>(
    db: &C,
    before: DateTime<Utc>,
    batch: u64,
) -> Result<u64, sea_orm::DbErr> {
    let keys: Vec<(String, String)> = inbound_update::Entity::find()
        .select_only()
        .column(inbound_update::Column::Channel)
        .column(inbound_update::Column::ExternalId)
        .filter(inbound_update::Column::ReceivedAt.lt(before))
        .order_by_asc(inbound_update::Column::ReceivedAt)
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    if keys.is_empty() {
        return Ok(0);
    }
    let mut which = Condition::any();
    for (channel, external_id) in keys {
        which = which.add(
            Condition::all()
                .add(inbound_update::Column::Channel.eq(channel))
                .add(inbound_update::Column::ExternalId.eq(external_id)),
        );
    }
    Ok(inbound_update::Entity::delete_many().filter(which).exec(db).await?.rows_affected)
}
