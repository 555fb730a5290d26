//! Row of `console_failures`: one wrong code, counted against whom it was tried for.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "console_failures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `person:ID`, or `unknown:WHAT` for an identity that names nobody (counted the same
    /// way, so the answers do not tell the two apart).
    pub subject: String,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
