//! Row of `sla_digests`: the morning digest of one local day was sent.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sla_digests")]
pub struct Model {
    /// `YYYY-MM-DD` in the office's zone.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
