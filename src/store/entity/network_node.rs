//! Row of `network_nodes`: one node of the office's network registry (`sigap network import`).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "network_nodes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The node's id in the registry file; what incidents remember.
    #[sea_orm(unique)]
    pub key: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub isp: Option<String>,
    pub circuit: Option<String>,
    /// Order in the file, so `network show` prints siblings as the admin wrote them.
    pub position: i32,
}

impl ActiveModelBehavior for ActiveModel {}
