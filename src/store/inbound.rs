//! Inbound bookkeeping: which platform updates already took effect, and the action a person
//! started with a button and must finish with a message.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::entity::{inbound_update, pending_input};
use crate::domain::ticket::Channel;

pub use pending_input::Model as PendingInput;

/// Record that update `external_id` of `channel` takes effect in this transaction. False when
/// it already did: the caller then writes nothing.
pub async fn remember<C: ConnectionTrait>(
    txn: &C,
    channel: Channel,
    external_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let inserted = inbound_update::Entity::insert(inbound_update::ActiveModel {
        channel: Set(channel.as_str().to_owned()),
        external_id: Set(external_id.to_owned()),
        received_at: Set(now),
    })
    .on_conflict_do_nothing_on([inbound_update::Column::Channel, inbound_update::Column::ExternalId])
    .exec_without_returning(txn)
    .await?;
    Ok(matches!(inserted, sea_orm::TryInsertResult::Inserted(1)))
}

/// Replace the person's pending input with `input`: one open question per person.
pub async fn set_pending<C: ConnectionTrait>(txn: &C, input: PendingInput) -> Result<(), sea_orm::DbErr> {
    clear_pending(txn, input.person_id).await?;
    pending_input::Entity::insert(pending_input::ActiveModel {
        person_id: Set(input.person_id),
        channel: Set(input.channel),
        ticket_id: Set(input.ticket_id),
        version: Set(input.version),
        action: Set(input.action),
        to_step: Set(input.to_step),
        card_chat: Set(input.card_chat),
        card_message: Set(input.card_message),
        card_text: Set(input.card_text),
        created_at: Set(input.created_at),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

pub async fn pending<C: ConnectionTrait>(db: &C, person_id: i64) -> Result<Option<PendingInput>, sea_orm::DbErr> {
    pending_input::Entity::find_by_id(person_id).one(db).await
}

pub async fn clear_pending<C: ConnectionTrait>(txn: &C, person_id: i64) -> Result<(), sea_orm::DbErr> {
    pending_input::Entity::delete_many().filter(pending_input::Column::PersonId.eq(person_id)).exec(txn).await?;
    Ok(())
}
