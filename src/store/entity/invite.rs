//! Row of `invites`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invites")]
pub struct Model {
    /// SHA-256 of the code: the database never holds a usable code.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code_hash: String,
    pub role: String,
    pub name: String,
    pub org_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub used_by: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
