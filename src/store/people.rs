//! Batched person lookups: any number of people, with their roles, identities and
//! organisations, in one query, instead of four per person. Each query is a round trip,
//! and a round trip is what a ticket transaction pays for most (see BENCHMARKS.md).

use std::collections::{BTreeSet, HashMap};

use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryFilter,
};

use super::directory::{DirectoryError, PersonRecord};
use super::entity::{identity, organisation, person, person_role};
use crate::domain::role::Role;
use crate::domain::ticket::Channel;

/// Organisations read in one transaction, each read once: ask for the ones you will need
/// with [`Orgs::want`], and the next lookup fetches them together with the people's.
#[derive(Debug, Default)]
pub struct Orgs {
    known: HashMap<i64, organisation::Model>,
    wanted: BTreeSet<i64>,
}

impl Orgs {
    pub fn want(&mut self, id: Option<i64>) {
        if let Some(id) = id.filter(|id| !self.known.contains_key(id)) {
            self.wanted.insert(id);
        }
    }

    pub fn get(&self, id: i64) -> Option<&organisation::Model> {
        self.known.get(&id)
    }

    /// Fetch the wanted organisations that are not known yet, in one query (none if all are).
    pub async fn load<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), sea_orm::DbErr> {
        let ids: Vec<i64> =
            std::mem::take(&mut self.wanted).into_iter().filter(|id| !self.known.contains_key(id)).collect();
        if ids.is_empty() {
            return Ok(());
        }
        for org in organisation::Entity::find().filter(organisation::Column::Id.is_in(ids)).all(db).await? {
            self.known.insert(org.id, org);
        }
        Ok(())
    }
}

/// The people with these ids (missing ones are left out), ordered by id.
pub async fn records<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    orgs: &mut Orgs,
) -> Result<Vec<PersonRecord>, DirectoryError> {
    let ids: BTreeSet<i64> = ids.iter().copied().collect();
    if ids.is_empty() {
        orgs.load(db).await?;
        return Ok(Vec::new());
    }
    fetch(db, Condition::all().add(person::Column::Id.is_in(ids)), orgs).await
}

/// [`records`] of `ids` together with the active holders of any of `roles`, in the same
/// query, ordered by id: for when the audience of a change can be guessed before it is
/// decided.
pub async fn records_and_holders<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    roles: &[Role],
    orgs: &mut Orgs,
) -> Result<Vec<PersonRecord>, DirectoryError> {
    if roles.is_empty() {
        return records(db, ids, orgs).await;
    }
    let wanted = Condition::any()
        .add(person::Column::Id.is_in(ids.iter().copied()))
        .add(Condition::all().add(person::Column::Active.eq(true)).add(person::Column::Id.in_subquery(holding(roles))));
    fetch(db, wanted, orgs).await
}

/// Active people holding any of `roles`, ordered by id.
pub async fn holders_of_any<C: ConnectionTrait>(
    db: &C,
    roles: &[Role],
    orgs: &mut Orgs,
) -> Result<Vec<PersonRecord>, DirectoryError> {
    if roles.is_empty() {
        orgs.load(db).await?;
        return Ok(Vec::new());
    }
    let wanted =
        Condition::all().add(person::Column::Active.eq(true)).add(person::Column::Id.in_subquery(holding(roles)));
    fetch(db, wanted, orgs).await
}

/// Active people of the organisations `org_ids`, ordered by id.
pub async fn members_of<C: ConnectionTrait>(
    db: &C,
    org_ids: &[i64],
    orgs: &mut Orgs,
) -> Result<Vec<PersonRecord>, DirectoryError> {
    if org_ids.is_empty() {
        orgs.load(db).await?;
        return Ok(Vec::new());
    }
    let wanted =
        Condition::all().add(person::Column::Active.eq(true)).add(person::Column::OrgId.is_in(org_ids.iter().copied()));
    fetch(db, wanted, orgs).await
}

/// Ids of the people holding any of `roles`, as a subquery.
fn holding(roles: &[Role]) -> SelectStatement {
    Query::select()
        .column(person_role::Column::PersonId)
        .from(person_role::Entity)
        .and_where(person_role::Column::Role.is_in(roles.iter().map(|r| r.as_str())))
        .to_owned()
}

/// The people matching `wanted` (a condition on `persons`), ordered by id, with their roles,
/// identities and organisation, in one query: each person joined to their roles, their
/// identities and their organisation, a row per (role, identity) pair. People have a role or
/// two and an identity or two, so the few repeated rows cost far less than the three more
/// round trips separate queries took. Organisations wanted in `orgs` that none of these
/// people belongs to are read after, in one more query, only if there are any.
pub(super) async fn fetch<C: ConnectionTrait>(
    db: &C,
    wanted: Condition,
    orgs: &mut Orgs,
) -> Result<Vec<PersonRecord>, DirectoryError> {
    let mut query = Query::select();
    query.from(person::Entity);
    for column in person::Column::iter() {
        query.expr_as(Expr::col((person::Entity, column)), format!("p_{}", column.as_str()));
    }
    for column in organisation::Column::iter() {
        query.expr_as(Expr::col((organisation::Entity, column)), format!("o_{}", column.as_str()));
    }
    query
        .expr_as(Expr::col((person_role::Entity, person_role::Column::Role)), "r_role")
        .expr_as(Expr::col((identity::Entity, identity::Column::Id)), "i_id")
        .expr_as(Expr::col((identity::Entity, identity::Column::Channel)), "i_channel")
        .expr_as(Expr::col((identity::Entity, identity::Column::Address)), "i_address")
        .left_join(
            person_role::Entity,
            Expr::col((person_role::Entity, person_role::Column::PersonId))
                .equals((person::Entity, person::Column::Id)),
        )
        .left_join(
            identity::Entity,
            Expr::col((identity::Entity, identity::Column::PersonId)).equals((person::Entity, person::Column::Id)),
        )
        .left_join(
            organisation::Entity,
            Expr::col((organisation::Entity, organisation::Column::Id)).equals((person::Entity, person::Column::OrgId)),
        )
        .cond_where(wanted)
        .order_by((person::Entity, person::Column::Id), Order::Asc)
        .order_by((person_role::Entity, person_role::Column::Role), Order::Asc)
        .order_by((identity::Entity, identity::Column::Id), Order::Asc);
    let rows = db.query_all(&query).await?;

    let mut found: Vec<PersonRecord> = Vec::new();
    let mut identity_ids: Vec<i64> = Vec::new();
    for row in &rows {
        let p = person::Model::from_query_result(row, "p_")?;
        if found.last().is_none_or(|last| last.id != p.id) {
            if let Some(org_id) = p.org_id
                && orgs.get(org_id).is_none()
            {
                let org = organisation::Model::from_query_result(row, "o_")?;
                orgs.known.insert(org.id, org);
            }
            identity_ids.clear();
            found.push(PersonRecord {
                id: p.id,
                org_code: p.org_id.and_then(|id| orgs.get(id)).map(|o| o.code.clone()),
                roles: Vec::new(),
                identities: Vec::new(),
                name: p.name,
                org_id: p.org_id,
                locale: p.locale,
                active: p.active,
                preferred_channel: p.preferred_channel.and_then(|c| c.parse().ok()),
            });
        }
        let Some(record) = found.last_mut() else { continue };
        // Rows come ordered by role, then identity: each role repeats once per identity.
        if let Some(role) = row.try_get::<Option<String>>("", "r_role")?.and_then(|r| r.parse::<Role>().ok())
            && record.roles.last() != Some(&role)
        {
            record.roles.push(role);
        }
        if let Some(id) = row.try_get::<Option<i64>>("", "i_id")?
            && !identity_ids.contains(&id)
        {
            identity_ids.push(id);
            let channel: String = row.try_get("", "i_channel")?;
            if let Ok(channel) = channel.parse::<Channel>() {
                record.identities.push((channel, row.try_get("", "i_address")?));
            }
        }
    }
    orgs.load(db).await?;
    Ok(found)
}
