//! Row of `console_codes`: a one-time code sent to a person's chat, or a sign-in link the
//! admin printed. Only the hash is kept: the database never holds a usable code.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "console_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    /// `code` (six digits, by chat) or `link` (printed by `sigap staff login-link`).
    pub kind: String,
    pub code_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
