//! The simulated chats of "Coba SIGAP": what the web channel's delivery lane delivered to a
//! simulated person, and what they typed. A chat is read as its latest rows through the
//! `(address, id)` index, so reading one costs the same however long the history is.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sea_orm::{QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use super::entity::web_message;
use crate::outbound::{Button, ChoiceButton};

/// One message as the simulator shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shown {
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<Button>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<ChoiceButton>,
    /// Names of the files sent with it (photos, papers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebMessage {
    pub id: i64,
    pub from_person: bool,
    pub shown: Shown,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn read(row: web_message::Model) -> WebMessage {
    // A row this version cannot read is shown as its raw text rather than hidden.
    let shown =
        serde_json::from_str(&row.body).unwrap_or_else(|_| Shown { text: row.body.clone(), ..Shown::default() });
    WebMessage {
        id: row.id,
        from_person: row.from_person,
        shown,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// Add a message to `address`'s chat; its id.
pub async fn append<C: ConnectionTrait>(
    db: &C,
    address: &str,
    from_person: bool,
    shown: &Shown,
    now: DateTime<Utc>,
) -> Result<i64, sea_orm::DbErr> {
    let body = serde_json::to_string(shown).map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    let row = web_message::ActiveModel {
        address: Set(address.to_owned()),
        from_person: Set(from_person),
        body: Set(body),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// Rewrite SIGAP's message `id` in `address`'s chat with `text`, its buttons gone (a card
/// retired). False when there is no such message (pruned, or another chat's).
pub async fn rewrite<C: ConnectionTrait>(
    db: &C,
    address: &str,
    id: i64,
    text: &str,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let Some(found) = one(db, address, id).await?.filter(|m| !m.from_person) else { return Ok(false) };
    let shown = Shown { text: text.to_owned(), files: found.shown.files, ..Shown::default() };
    let body = serde_json::to_string(&shown).map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    web_message::ActiveModel { id: Set(id), body: Set(body), updated_at: Set(now), ..Default::default() }
        .update(db)
        .await?;
    Ok(true)
}

/// Message `id` of `address`'s chat.
pub async fn one<C: ConnectionTrait>(db: &C, address: &str, id: i64) -> Result<Option<WebMessage>, sea_orm::DbErr> {
    Ok(web_message::Entity::find_by_id(id).filter(web_message::Column::Address.eq(address)).one(db).await?.map(read))
}

/// The latest `limit` messages of `address`'s chat, oldest first.
pub async fn latest<C: ConnectionTrait>(db: &C, address: &str, limit: u64) -> Result<Vec<WebMessage>, sea_orm::DbErr> {
    let mut rows: Vec<WebMessage> = web_message::Entity::find()
        .filter(web_message::Column::Address.eq(address))
        .order_by_desc(web_message::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(read)
        .collect();
    rows.reverse();
    Ok(rows)
}

/// Delete up to `batch` messages last changed before `before`; how many.
pub async fn prune<C: ConnectionTrait>(db: &C, before: DateTime<Utc>, batch: u64) -> Result<u64, sea_orm::DbErr> {
    let ids: Vec<i64> = web_message::Entity::find()
        .select_only()
        .column(web_message::Column::Id)
        .filter(web_message::Column::UpdatedAt.lt(before))
        .order_by_asc(web_message::Column::UpdatedAt)
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let deleted = web_message::Entity::delete_many().filter(web_message::Column::Id.is_in(ids)).exec(db).await?;
    Ok(deleted.rows_affected)
}
