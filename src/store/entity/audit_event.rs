//! Row of `audit_events`: someone took personal data out of SIGAP (a complaint log, a
//! person's own data file, a paper) or erased it; who, when, what.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// The person who did it; `None` for the admin at the command line.
    pub actor_id: Option<i64>,
    /// `cli`, `telegram`, `whatsapp`, `web`.
    pub channel: String,
    pub action: String,
    /// Whose data it was, when it was one person's.
    pub subject_id: Option<i64>,
    pub ticket_id: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub detail: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
