//! Row of `survey_answers`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_answers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: i64,
    /// Index in [`crate::domain::records::SURVEY_ELEMENTS`].
    #[sea_orm(primary_key, auto_increment = false)]
    pub element: i16,
    /// 1-4; `None` when skipped.
    pub score: Option<i16>,
    pub person_id: i64,
    pub answered_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
