//! One chat's unfinished dialogue with the bot, and the invites that register officials.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use super::entity::{conversation, invite};
use crate::domain::ticket::Channel;

pub use conversation::Model as ConversationRow;
pub use invite::Model as InviteRow;

pub async fn get<C: ConnectionTrait>(
    db: &C,
    channel: Channel,
    sender: &str,
) -> Result<Option<ConversationRow>, sea_orm::DbErr> {
    conversation::Entity::find_by_id((channel.as_str().to_owned(), sender.to_owned())).one(db).await
}

/// Write the conversation as `row` says (its revision already bumped by the caller).
pub async fn put<C: ConnectionTrait>(txn: &C, row: ConversationRow) -> Result<(), sea_orm::DbErr> {
    conversation::Entity::insert(conversation::ActiveModel {
        channel: Set(row.channel),
        sender: Set(row.sender),
        reply_to: Set(row.reply_to),
        stage: Set(row.stage),
        data: Set(row.data),
        revision: Set(row.revision),
        updated_at: Set(row.updated_at),
    })
    .on_conflict(
        OnConflict::columns([conversation::Column::Channel, conversation::Column::Sender])
            .update_columns([
                conversation::Column::ReplyTo,
                conversation::Column::Stage,
                conversation::Column::Data,
                conversation::Column::Revision,
                conversation::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Conversations at `stage` untouched since `before`.
pub async fn idle_in_stage<C: ConnectionTrait>(
    db: &C,
    stage: &str,
    before: DateTime<Utc>,
) -> Result<Vec<ConversationRow>, sea_orm::DbErr> {
    conversation::Entity::find()
        .filter(conversation::Column::Stage.eq(stage))
        .filter(conversation::Column::UpdatedAt.lte(before))
        .all(db)
        .await
}

pub async fn delete<C: ConnectionTrait>(txn: &C, channel: Channel, sender: &str) -> Result<(), sea_orm::DbErr> {
    conversation::Entity::delete_many()
        .filter(conversation::Column::Channel.eq(channel.as_str()))
        .filter(conversation::Column::Sender.eq(sender))
        .exec(txn)
        .await?;
    Ok(())
}

/// An invite as the admin makes it: the code is shown once and only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvite {
    pub role: String,
    pub name: String,
    pub org_id: Option<i64>,
    pub expires_at: DateTime<Utc>,
}

pub fn code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.trim().as_bytes()))
}

pub async fn create_invite<C: ConnectionTrait>(
    db: &C,
    code: &str,
    new: NewInvite,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    invite::ActiveModel {
        code_hash: Set(code_hash(code)),
        role: Set(new.role),
        name: Set(new.name),
        org_id: Set(new.org_id),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        used_at: Set(None),
        used_by: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn invite<C: ConnectionTrait>(db: &C, code: &str) -> Result<Option<InviteRow>, sea_orm::DbErr> {
    invite::Entity::find_by_id(code_hash(code)).one(db).await
}

/// Mark the invite used by `person`, only if nobody used it before: true when this call did.
pub async fn mark_used<C: ConnectionTrait>(
    txn: &C,
    code: &str,
    person: i64,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let result = invite::Entity::update_many()
        .col_expr(invite::Column::UsedAt, sea_orm::sea_query::Expr::value(now))
        .col_expr(invite::Column::UsedBy, sea_orm::sea_query::Expr::value(person))
        .filter(invite::Column::CodeHash.eq(code_hash(code)))
        .filter(invite::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    Ok(result.rows_affected == 1)
}
