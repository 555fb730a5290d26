//! Row of `sla_notices`: one reminder or escalation already sent for one visit of a step.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sla_notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ticket_id: i64,
    /// The step id, or [`crate::domain::reminders::OVERALL`] for the overall target.
    pub step: String,
    pub entered_at: DateTimeUtc,
    pub kind: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
