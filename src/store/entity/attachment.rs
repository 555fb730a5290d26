//! Row of `attachments`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ticket_id: i64,
    pub event_id: Option<i64>,
    pub sha256: String,
    pub size: i64,
    pub mime: String,
    pub file_name: Option<String>,
    /// Relative to DATA_DIR; empty when the bytes are kept in `attachment_contents` (the
    /// papers SIGAP renders): read them with `store::attachments::bytes`.
    pub stored_path: String,
    pub uploaded_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
