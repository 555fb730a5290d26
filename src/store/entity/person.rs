//! Row of `persons`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "persons")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub org_id: Option<i64>,
    pub locale: String,
    pub active: bool,
    pub preferred_channel: Option<String>,
    /// E.164, as given at registration.
    pub phone: Option<String>,
    pub created_at: DateTimeUtc,
    /// Set when the person's data was erased at their request (UU 27/2022): the row stays
    /// for the archive's tickets and events, shown as "(dihapus)".
    pub erased_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
