//! Row of `conversations`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conversations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel: String,
    /// The platform identity of the person talking (Telegram user id, E.164 number).
    #[sea_orm(primary_key, auto_increment = false)]
    pub sender: String,
    /// Where replies go (the private chat).
    pub reply_to: String,
    pub stage: String,
    /// The draft so far, as JSON.
    #[sea_orm(column_type = "Text")]
    pub data: String,
    /// Bumped at every change, so a button from an earlier question no longer works.
    pub revision: i32,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
