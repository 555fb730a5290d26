//! Row of `attachment_contents`: the bytes of an attachment kept in the database (the
//! papers SIGAP renders), one row per attachment.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachment_contents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub attachment_id: i64,
    pub bytes: Vec<u8>,
}

impl ActiveModelBehavior for ActiveModel {}
