//! Batched person lookups: any number of people, with their roles, identities and
//! organisation codes, in at most four queries (persons, roles, identities, organisations),
//! instead of four per person. Each query is a round trip, and a round trip is what a ticket
//! transaction pays for most (see BENCHMARKS.md).

use std::collections::{BTreeSet, HashMap};

use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

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
    let found =
        person::Entity::find().filter(person::Column::Id.is_in(ids)).order_by_asc(person::Column::Id).all(db).await?;
    complete(db, found, orgs).await
}

/// [`records`] of `ids` together with the active holders of any of `roles`, in the same
/// queries, ordered by id: for when the audience of a change can be guessed before it is
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
    let holding = Query::select()
        .column(person_role::Column::PersonId)
        .from(person_role::Entity)
        .and_where(person_role::Column::Role.is_in(roles.iter().map(|r| r.as_str())))
        .to_owned();
    let found =
        person::Entity::find()
            .filter(Condition::any().add(person::Column::Id.is_in(ids.iter().copied())).add(
                Condition::all().add(person::Column::Active.eq(true)).add(person::Column::Id.in_subquery(holding)),
            ))
            .order_by_asc(person::Column::Id)
            .all(db)
            .await?;
    complete(db, found, orgs).await
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
    let holding = Query::select()
        .column(person_role::Column::PersonId)
        .from(person_role::Entity)
        .and_where(person_role::Column::Role.is_in(roles.iter().map(|r| r.as_str())))
        .to_owned();
    let found = person::Entity::find()
        .filter(person::Column::Active.eq(true))
        .filter(person::Column::Id.in_subquery(holding))
        .order_by_asc(person::Column::Id)
        .all(db)
        .await?;
    complete(db, found, orgs).await
}

/// Roles, identities and organisation codes for `found`, one query each.
pub(super) async fn complete<C: ConnectionTrait>(
    db: &C,
    found: Vec<person::Model>,
    orgs: &mut Orgs,
) -> Result<Vec<PersonRecord>, DirectoryError> {
    for p in &found {
        orgs.want(p.org_id);
    }
    if found.is_empty() {
        orgs.load(db).await?;
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = found.iter().map(|p| p.id).collect();
    let mut roles: HashMap<i64, Vec<Role>> = HashMap::new();
    for r in person_role::Entity::find()
        .filter(person_role::Column::PersonId.is_in(ids.clone()))
        .order_by_asc(person_role::Column::PersonId)
        .order_by_asc(person_role::Column::Role)
        .all(db)
        .await?
    {
        if let Ok(role) = r.role.parse::<Role>() {
            roles.entry(r.person_id).or_default().push(role);
        }
    }
    let mut identities: HashMap<i64, Vec<(Channel, String)>> = HashMap::new();
    for i in identity::Entity::find()
        .filter(identity::Column::PersonId.is_in(ids))
        .order_by_asc(identity::Column::Id)
        .all(db)
        .await?
    {
        if let Ok(channel) = i.channel.parse::<Channel>() {
            identities.entry(i.person_id).or_default().push((channel, i.address));
        }
    }
    orgs.load(db).await?;
    Ok(found
        .into_iter()
        .map(|p| PersonRecord {
            id: p.id,
            org_code: p.org_id.and_then(|id| orgs.get(id)).map(|o| o.code.clone()),
            roles: roles.remove(&p.id).unwrap_or_default(),
            identities: identities.remove(&p.id).unwrap_or_default(),
            name: p.name,
            org_id: p.org_id,
            locale: p.locale,
            active: p.active,
            preferred_channel: p.preferred_channel.and_then(|c| c.parse().ok()),
        })
        .collect())
}
