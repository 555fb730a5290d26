//! The statements of an erasure (UU 27/2022 Pasal 43-44), all run in the caller's one
//! transaction: what only served the person goes (identities, conversations, messages to
//! them, sign-in codes), what the archive keeps (tickets, events, papers, complaints) stays
//! with their text replaced by [`REDACTED`] wherever it named them. The event log accepts
//! only that replacement (its trigger, `m20261201_000010_personal_data`).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::entity::{
    attachment, chat_window, console_code, console_failure, console_session, conversation, identity, invite, outbox,
    outbox_sent, pending_input, person, retired_card, service_complaint, ticket, ticket_event, webhook_inbox,
};
use crate::domain::ticket::Channel;

/// What stands where a person's name, number or text was.
pub const REDACTED: &str = "(dihapus)";

/// Whose data goes, and the strings that name them in other people's text.
#[derive(Debug, Clone)]
pub struct Subject {
    pub person_id: i64,
    pub addresses: Vec<(Channel, String)>,
    /// The name, phone numbers in their usual spellings and chat ids, longest first.
    pub needles: Vec<String>,
}

/// Delete what served only the person and redact them from what the archive keeps.
/// `inbox_here`: the webhook inbox is a table of this database (PostgreSQL).
pub async fn erase<C: ConnectionTrait>(
    txn: &C,
    subject: &Subject,
    inbox_here: bool,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let id = subject.person_id;
    let addressed = |channel: outbox::Column, address: outbox::Column| {
        subject.addresses.iter().fold(Condition::any(), |any, (ch, addr)| {
            any.add(Condition::all().add(channel.eq(ch.as_str())).add(address.eq(addr.as_str())))
        })
    };
    // Messages to them: what they were told is theirs, and it names them.
    let to_them: Vec<i64> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .filter(
            Condition::any()
                .add(outbox::Column::PersonId.eq(id))
                .add(addressed(outbox::Column::Channel, outbox::Column::Address)),
        )
        .into_tuple()
        .all(txn)
        .await?;
    for chunk in to_them.chunks(500) {
        outbox_sent::Entity::delete_many()
            .filter(outbox_sent::Column::OutboxId.is_in(chunk.to_vec()))
            .exec(txn)
            .await?;
        retired_card::Entity::delete_many()
            .filter(retired_card::Column::OutboxId.is_in(chunk.to_vec()))
            .exec(txn)
            .await?;
        outbox::Entity::delete_many().filter(outbox::Column::Id.is_in(chunk.to_vec())).exec(txn).await?;
    }
    for (channel, address) in &subject.addresses {
        conversation::Entity::delete_many()
            .filter(conversation::Column::Channel.eq(channel.as_str()))
            .filter(conversation::Column::Sender.eq(address.as_str()))
            .exec(txn)
            .await?;
        chat_window::Entity::delete_many()
            .filter(chat_window::Column::Channel.eq(channel.as_str()))
            .filter(chat_window::Column::Address.eq(address.as_str()))
            .exec(txn)
            .await?;
        console_failure::Entity::delete_many()
            .filter(console_failure::Column::Subject.eq(format!("unknown:{}", address.to_lowercase())))
            .exec(txn)
            .await?;
        if inbox_here {
            webhook_inbox::Entity::delete_many()
                .filter(webhook_inbox::Column::Channel.eq(channel.as_str()))
                .filter(webhook_inbox::Column::Sender.eq(address.as_str()))
                .exec(txn)
                .await?;
        }
    }
    console_failure::Entity::delete_many()
        .filter(console_failure::Column::Subject.eq(format!("person:{id}")))
        .exec(txn)
        .await?;
    console_code::Entity::delete_many().filter(console_code::Column::PersonId.eq(id)).exec(txn).await?;
    console_session::Entity::delete_many().filter(console_session::Column::PersonId.eq(id)).exec(txn).await?;
    pending_input::Entity::delete_many().filter(pending_input::Column::PersonId.eq(id)).exec(txn).await?;
    identity::Entity::delete_many().filter(identity::Column::PersonId.eq(id)).exec(txn).await?;
    person::Entity::update_many()
        .col_expr(person::Column::Name, REDACTED.into())
        .col_expr(person::Column::Phone, Option::<String>::None.into())
        .col_expr(person::Column::Active, false.into())
        .col_expr(person::Column::PreferredChannel, Option::<String>::None.into())
        .col_expr(person::Column::ErasedAt, Some(now).into())
        .filter(person::Column::Id.eq(id))
        .exec(txn)
        .await?;
    // What they wrote in chat: their complaints, and the notes of their own actions.
    service_complaint::Entity::update_many()
        .col_expr(service_complaint::Column::Text, REDACTED.into())
        .filter(service_complaint::Column::PersonId.eq(id))
        .exec(txn)
        .await?;
    ticket_event::Entity::update_many()
        .col_expr(ticket_event::Column::Note, Some(REDACTED).into())
        .filter(ticket_event::Column::ActorId.eq(id))
        .filter(ticket_event::Column::Note.is_not_null())
        .exec(txn)
        .await?;
    invite::Entity::update_many()
        .col_expr(invite::Column::Name, REDACTED.into())
        .filter(invite::Column::UsedBy.eq(id))
        .exec(txn)
        .await?;
    for needle in &subject.needles {
        redact_everywhere(txn, needle, inbox_here).await?;
    }
    Ok(())
}

/// `REPLACE(column, needle, '(dihapus)')`.
fn replaced(column: impl sea_orm::sea_query::IntoColumnRef, needle: &str) -> SimpleExpr {
    Func::cust("REPLACE").arg(Expr::col(column)).arg(needle).arg(REDACTED).into()
}

/// Replace `needle` in every text other people wrote or SIGAP rendered: the archive keeps
/// the text, without the person in it. Rare and run by the admin: a scan is acceptable.
async fn redact_everywhere<C: ConnectionTrait>(txn: &C, needle: &str, inbox_here: bool) -> Result<(), sea_orm::DbErr> {
    macro_rules! redact {
        ($entity:ident, $($column:ident),+) => {
            $(
                $entity::Entity::update_many()
                    .col_expr($entity::Column::$column, replaced(($entity::Entity, $entity::Column::$column), needle))
                    .filter($entity::Column::$column.contains(needle))
                    .exec(txn)
                    .await?;
            )+
        };
    }
    redact!(ticket, Description, Location);
    redact!(ticket_event, Note, Data);
    redact!(outbox, Payload);
    redact!(service_complaint, Text, Answer);
    redact!(invite, Name);
    redact!(conversation, Data);
    redact!(attachment, FileName);
    if inbox_here {
        redact!(webhook_inbox, Body);
    }
    Ok(())
}
