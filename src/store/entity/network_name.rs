//! Row of `network_names`: a name a monitoring tool knows a network node by (a Zabbix host,
//! an Alertmanager `instance`, …), stored trimmed and lower-case.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "network_names")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub node_id: i64,
    pub source: String,
    pub name: String,
}

impl ActiveModelBehavior for ActiveModel {}
