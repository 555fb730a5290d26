//! The outbox: messages queued in the same transaction as the change that caused them.
//! The delivery worker (a channel's sender) reads from here; nothing is sent inline.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::entity::outbox;
use crate::domain::ticket::Channel;
use crate::outbound::OutboundMessage;

pub use outbox::Model as OutboxRow;

pub const PENDING: &str = "pending";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutbound {
    pub person_id: i64,
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
            person_id: Set(Some(m.person_id)),
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
