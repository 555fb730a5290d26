//! Row of `pending_inputs`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pending_inputs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: i64,
    pub channel: String,
    pub ticket_id: i64,
    pub version: i32,
    pub action: String,
    pub to_step: Option<String>,
    /// The card whose button started it, to edit when the action is done.
    pub card_chat: Option<String>,
    pub card_message: Option<String>,
    pub card_text: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
