//! Row of `webhook_inbox`: one platform delivery, stored as received, until applied.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_inbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel: String,
    /// Whose conversation the delivery belongs to: deliveries of one sender are applied in
    /// the order they came, different senders' side by side.
    pub sender: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub received_at: DateTimeUtc,
    pub attempts: i32,
    pub not_before: DateTimeUtc,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// Given up on after too many failed attempts: kept for the admin, no longer tried.
    pub parked: bool,
}

impl ActiveModelBehavior for ActiveModel {}
