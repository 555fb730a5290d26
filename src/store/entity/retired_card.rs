//! Row of `retired_cards`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "retired_cards")]
pub struct Model {
    /// The outbox row that carried the card.
    #[sea_orm(primary_key, auto_increment = false)]
    pub outbox_id: i64,
    pub ticket_id: i64,
    pub retired_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
