//! The network registry's rows: replaced whole by an import, read whole when an alert needs
//! its node and the organisations under it (a registry is tens of rows, not thousands).

use std::collections::HashMap;

use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::entity::{network_name, network_node, network_node_org, organisation};
use crate::domain::alert::{Source, normalise_name};
use crate::domain::network::{Node, Registry};

/// The upper-case codes of every organisation, for checking a registry file.
pub async fn org_codes<C: ConnectionTrait>(db: &C) -> Result<HashMap<String, i64>, sea_orm::DbErr> {
    Ok(organisation::Entity::find().all(db).await?.into_iter().map(|o| (o.code.to_uppercase(), o.id)).collect())
}

/// Replace the registry by `registry` in one transaction: the old one stays whole if anything
/// fails. Codes must exist (the caller checked them with [`org_codes`] in the same breath).
pub async fn replace(db: &DatabaseConnection, registry: &Registry) -> Result<(), sea_orm::DbErr> {
    let txn = db.begin().await?;
    network_name::Entity::delete_many().exec(&txn).await?;
    network_node_org::Entity::delete_many().exec(&txn).await?;
    // One statement: the parent links are checked at its end, whatever the order of rows.
    network_node::Entity::delete_many().exec(&txn).await?;
    let codes = org_codes(&txn).await?;
    let mut ids: HashMap<&str, i64> = HashMap::new();
    for (position, node) in registry.nodes.iter().enumerate() {
        let row = network_node::Entity::insert(network_node::ActiveModel {
            id: NotSet,
            key: Set(node.key.clone()),
            name: Set(node.name.clone()),
            parent_id: Set(node.parent.as_deref().and_then(|p| ids.get(p).copied())),
            isp: Set(node.isp.clone()),
            circuit: Set(node.circuit.clone()),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        })
        .exec(&txn)
        .await?;
        let id = row.last_insert_id;
        ids.insert(&node.key, id);
        for code in &node.orgs {
            let org_id = codes.get(code).copied().ok_or_else(|| {
                sea_orm::DbErr::Custom(format!("organisation `{code}` disappeared during the import"))
            })?;
            network_node_org::Entity::insert(network_node_org::ActiveModel { node_id: Set(id), org_id: Set(org_id) })
                .exec_without_returning(&txn)
                .await?;
        }
        for (source, name) in &node.names {
            network_name::Entity::insert(network_name::ActiveModel {
                id: NotSet,
                node_id: Set(id),
                source: Set(source.as_str().to_owned()),
                name: Set(name.clone()),
            })
            .exec_without_returning(&txn)
            .await?;
        }
    }
    txn.commit().await
}

/// Whether the office has a network registry at all (most reports then need nothing of it).
pub async fn exists<C: ConnectionTrait>(db: &C) -> Result<bool, sea_orm::DbErr> {
    Ok(network_node::Entity::find().one(db).await?.is_some())
}

/// The registry as stored, parents first, with organisation codes.
pub async fn load<C: ConnectionTrait>(db: &C) -> Result<Registry, sea_orm::DbErr> {
    let rows = network_node::Entity::find().order_by_asc(network_node::Column::Position).all(db).await?;
    let keys: HashMap<i64, String> = rows.iter().map(|r| (r.id, r.key.clone())).collect();
    let codes: HashMap<i64, String> =
        organisation::Entity::find().all(db).await?.into_iter().map(|o| (o.id, o.code)).collect();
    let mut orgs: HashMap<i64, Vec<String>> = HashMap::new();
    for link in network_node_org::Entity::find().all(db).await? {
        if let Some(code) = codes.get(&link.org_id) {
            orgs.entry(link.node_id).or_default().push(code.clone());
        }
    }
    let mut names: HashMap<i64, Vec<(Source, String)>> = HashMap::new();
    for name in network_name::Entity::find().order_by_asc(network_name::Column::Id).all(db).await? {
        if let Ok(source) = name.source.parse() {
            names.entry(name.node_id).or_default().push((source, name.name));
        }
    }
    let nodes = rows
        .into_iter()
        .map(|r| Node {
            parent: r.parent_id.and_then(|p| keys.get(&p).cloned()),
            orgs: orgs.remove(&r.id).unwrap_or_default(),
            names: names.remove(&r.id).unwrap_or_default(),
            key: r.key,
            name: r.name,
            isp: r.isp,
            circuit: r.circuit,
        })
        .collect();
    Ok(Registry { nodes })
}

/// The key of the node `source` knows by one of `hosts`, if any.
pub async fn node_for<C: ConnectionTrait>(
    db: &C,
    source: Source,
    hosts: &[String],
) -> Result<Option<String>, sea_orm::DbErr> {
    let wanted: Vec<String> = hosts.iter().map(|h| normalise_name(h)).filter(|h| !h.is_empty()).collect();
    if wanted.is_empty() {
        return Ok(None);
    }
    let Some(name) = network_name::Entity::find()
        .filter(network_name::Column::Source.eq(source.as_str()))
        .filter(network_name::Column::Name.is_in(wanted))
        .order_by_asc(network_name::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(network_node::Entity::find_by_id(name.node_id).one(db).await?.map(|n| n.key))
}

/// Names of the organisations with these codes, in the order given.
pub async fn org_names<C: ConnectionTrait>(db: &C, codes: &[String]) -> Result<Vec<String>, sea_orm::DbErr> {
    let found: HashMap<String, String> = organisation::Entity::find()
        .filter(organisation::Column::Code.is_in(codes.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.code, o.name))
        .collect();
    Ok(codes.iter().filter_map(|c| found.get(c).cloned()).collect())
}
