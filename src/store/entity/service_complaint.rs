//! Row of `service_complaints`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_complaints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub ticket_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    pub created_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    pub answered_by: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub answer: Option<String>,
    pub escalated_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
