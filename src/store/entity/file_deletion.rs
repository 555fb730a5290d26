//! Row of `file_deletions`: a file under DATA_DIR an erasure or a retention run made
//! unreferenced, to delete once that transaction is committed (a file cannot take part in
//! the transaction; the row does, and the sweeper does the rest, even after a crash).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "file_deletions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Relative to DATA_DIR.
    pub path: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
