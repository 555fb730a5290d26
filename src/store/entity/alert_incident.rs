//! Row of `alert_incidents`: the ticket a monitoring alert's identity opened, and when the
//! tool said it recovered.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_incidents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub source: String,
    pub identity: String,
    pub ticket_id: i64,
    pub node_key: String,
    pub opened_at: DateTimeUtc,
    pub recovered_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
