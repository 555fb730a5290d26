//! Row of `outbox_sent`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_sent")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel: String,
    /// The platform's id of the sent message (a WhatsApp `wamid`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub external_id: String,
    pub outbox_id: i64,
    pub sent_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
