//! Row of `event_purges`: a ticket whose events the running purge may delete. Filled and
//! emptied within the purge's own transaction; the event log's trigger reads it.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_purges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: i64,
}

impl ActiveModelBehavior for ActiveModel {}
