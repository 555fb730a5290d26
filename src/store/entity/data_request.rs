//! Row of `data_requests`: what a person asked about their personal data (a deletion), for
//! the admin to carry out.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    /// `erase`.
    pub kind: String,
    /// `open` or `done`.
    pub status: String,
    /// Where it was asked (`telegram`, `whatsapp`).
    pub channel: String,
    pub requested_at: DateTimeUtc,
    pub done_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
