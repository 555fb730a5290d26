//! Row of `ticket_events`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ticket_id: i64,
    pub actor_id: Option<i64>,
    pub actor_role: Option<String>,
    pub channel: String,
    pub action: String,
    pub from_step: Option<String>,
    pub to_step: Option<String>,
    pub note: Option<String>,
    /// JSON object with the action's inputs (assignees, eta, priority, device, attachments).
    pub data: Option<String>,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
