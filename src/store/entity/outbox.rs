//! Row of `outbox`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: Option<i64>,
    pub channel: String,
    pub address: String,
    pub ticket_id: Option<i64>,
    pub kind: String,
    /// JSON of a [`crate::outbound::OutboundMessage`].
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub available_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    /// While `status` is `sending`: the claim's lease; after it another sender may take over.
    pub claimed_until: Option<DateTimeUtc>,
    /// Parts of the message the platform has accepted; a retry resumes after them.
    pub parts_sent: i32,
}

impl ActiveModelBehavior for ActiveModel {}
