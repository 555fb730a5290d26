//! Row of `tickets`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub number: String,
    pub year: i32,
    pub seq: i32,
    pub sop_id: String,
    pub reporter_id: i64,
    pub org_id: Option<i64>,
    pub location: Option<String>,
    pub category: String,
    pub description: String,
    pub priority: Option<String>,
    pub srikandi_number: Option<String>,
    pub step: String,
    pub status: String,
    pub isp_eta: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
    /// When the SLA worker must look at this ticket next; `None` when nothing can fall due.
    pub next_sla_at: Option<DateTimeUtc>,
    /// The incident this report is linked to: it follows that ticket instead of the SOP.
    pub parent_id: Option<i64>,
    /// When the current step is due, as the SLA pass last evaluated it: orders and counts the
    /// dashboard's queue. `None` for a step without a limit, or until the pass after a change.
    pub step_due_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
