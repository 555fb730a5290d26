//! Inbound bookkeeping: which platform updates already took effect, and the action a person
//! started with a button and must finish with a message.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::entity::{chat_window, inbound_update, pending_input};
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

/// Note that `address` wrote to SIGAP on `channel` at `at`: the chat is open (WhatsApp's
/// 24-hour window, a Telegram bot started).
pub async fn touch_window<C: ConnectionTrait>(
    txn: &C,
    channel: Channel,
    address: &str,
    at: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    chat_window::Entity::insert(chat_window::ActiveModel {
        channel: Set(channel.as_str().to_owned()),
        address: Set(address.to_owned()),
        last_inbound_at: Set(at),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([chat_window::Column::Channel, chat_window::Column::Address])
            .update_column(chat_window::Column::LastInboundAt)
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// When `address` last wrote on `channel`, if ever.
pub async fn last_inbound<C: ConnectionTrait>(
    db: &C,
    channel: Channel,
    address: &str,
) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
    let found = chat_window::Entity::find_by_id((channel.as_str().to_owned(), address.to_owned())).one(db).await?;
    Ok(found.map(|w| w.last_inbound_at))
}
