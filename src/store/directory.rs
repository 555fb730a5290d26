//! Organisations (OPD and villages) and people with their roles and channel identities.
//! A person may be reached on Telegram and WhatsApp; both identities lead to one record.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, TransactionTrait,
};

use super::entity::{identity, organisation, person, person_role};
use super::people::{self, Orgs};
use crate::domain::role::Role;
use crate::domain::ticket::Channel;
use sea_orm::sea_query::Query;

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("organisation `{0}` does not exist (import it with `sigap opd import`)")]
    UnknownOrg(String),
    #[error("{channel} identity {address} already belongs to person #{person}")]
    IdentityTaken { channel: Channel, address: String, person: i64 },
    #[error("person #{0} does not exist")]
    UnknownPerson(i64),
    #[error("a person needs a name")]
    EmptyName,
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgKind {
    Opd,
    Desa,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Opd => "opd",
            OrgKind::Desa => "desa",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrg {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerson {
    pub name: String,
    pub org_code: Option<String>,
    pub locale: String,
    pub roles: Vec<Role>,
    pub identities: Vec<(Channel, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub id: i64,
    pub name: String,
    pub org_id: Option<i64>,
    pub org_code: Option<String>,
    pub locale: String,
    pub active: bool,
    pub roles: Vec<Role>,
    pub identities: Vec<(Channel, String)>,
    pub preferred_channel: Option<Channel>,
}

impl PersonRecord {
    /// Where to reach this person: the channel they last used, else Telegram, else WhatsApp,
    /// else the chat simulator (the demo office's people have only that).
    pub fn contact(&self) -> Option<(Channel, &str)> {
        let pick = |c: Channel| self.identities.iter().find(|(ch, _)| *ch == c).map(|(ch, a)| (*ch, a.as_str()));
        self.preferred_channel
            .and_then(pick)
            .or_else(|| pick(Channel::Telegram))
            .or_else(|| pick(Channel::Whatsapp))
            .or_else(|| pick(Channel::Web))
    }
}

/// Create or update organisations by code, all or nothing.
pub async fn import_orgs(
    db: &DatabaseConnection,
    rows: &[NewOrg],
    now: DateTime<Utc>,
) -> Result<ImportSummary, DirectoryError> {
    let txn = db.begin().await?;
    let mut summary = ImportSummary::default();
    for row in rows {
        let existing = organisation::Entity::find().filter(organisation::Column::Code.eq(&row.code)).one(&txn).await?;
        match existing {
            Some(found) => {
                let mut active: organisation::ActiveModel = found.into();
                active.name = Set(row.name.clone());
                active.kind = Set(row.kind.as_str().to_owned());
                active.active = Set(true);
                active.update(&txn).await?;
                summary.updated += 1;
            }
            None => {
                organisation::ActiveModel {
                    code: Set(row.code.clone()),
                    name: Set(row.name.clone()),
                    kind: Set(row.kind.as_str().to_owned()),
                    active: Set(true),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                summary.created += 1;
            }
        }
    }
    txn.commit().await?;
    Ok(summary)
}

pub async fn org_by_code<C: ConnectionTrait>(
    db: &C,
    code: &str,
) -> Result<Option<organisation::Model>, DirectoryError> {
    Ok(organisation::Entity::find().filter(organisation::Column::Code.eq(code.trim().to_uppercase())).one(db).await?)
}

pub async fn org_by_id<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<organisation::Model>, DirectoryError> {
    Ok(organisation::Entity::find_by_id(id).one(db).await?)
}

/// Add a person with roles and identities in one transaction.
pub async fn add_person(
    db: &DatabaseConnection,
    new: &NewPerson,
    now: DateTime<Utc>,
) -> Result<PersonRecord, DirectoryError> {
    let txn = db.begin().await?;
    let org_id = match &new.org_code {
        Some(code) => Some(org_by_code(&txn, code).await?.ok_or_else(|| DirectoryError::UnknownOrg(code.clone()))?.id),
        None => None,
    };
    let record = insert_person(&txn, new, org_id, None, now).await?;
    txn.commit().await?;
    Ok(record)
}

/// Add many people in one transaction, all or none (`sigap staff import`): one commit for
/// hundreds instead of one each.
pub async fn add_people(
    db: &DatabaseConnection,
    people: &[NewPerson],
    now: DateTime<Utc>,
) -> Result<Vec<PersonRecord>, DirectoryError> {
    let txn = db.begin().await?;
    let mut orgs = std::collections::HashMap::new();
    let mut added = Vec::with_capacity(people.len());
    for new in people {
        let org_id = match &new.org_code {
            Some(code) => match orgs.get(code) {
                Some(id) => Some(*id),
                None => {
                    let found =
                        org_by_code(&txn, code).await?.ok_or_else(|| DirectoryError::UnknownOrg(code.clone()))?;
                    orgs.insert(code.clone(), found.id);
                    Some(found.id)
                }
            },
            None => None,
        };
        added.push(insert_person(&txn, new, org_id, None, now).await?);
    }
    txn.commit().await?;
    Ok(added)
}

/// Insert a person in the caller's transaction (`new.org_code` is ignored for `org_id`).
pub async fn insert_person<C: ConnectionTrait>(
    txn: &C,
    new: &NewPerson,
    org_id: Option<i64>,
    phone: Option<String>,
    now: DateTime<Utc>,
) -> Result<PersonRecord, DirectoryError> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err(DirectoryError::EmptyName);
    }
    let person = person::ActiveModel {
        name: Set(name.to_owned()),
        org_id: Set(org_id),
        locale: Set(crate::i18n::locale(&new.locale).to_owned()),
        active: Set(true),
        preferred_channel: Set(None),
        phone: Set(phone),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    for role in &new.roles {
        add_role(txn, person.id, *role).await?;
    }
    for (channel, address) in &new.identities {
        add_identity(txn, person.id, *channel, address, now).await?;
    }
    person_record(txn, person.id).await?.ok_or(DirectoryError::UnknownPerson(person.id))
}

/// Give a person a role they may already have.
pub async fn add_role<C: ConnectionTrait>(txn: &C, person_id: i64, role: Role) -> Result<(), DirectoryError> {
    person_role::Entity::insert(person_role::ActiveModel {
        person_id: Set(person_id),
        role: Set(role.as_str().to_owned()),
    })
    .on_conflict_do_nothing_on([person_role::Column::PersonId, person_role::Column::Role])
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Let a person be reached on `channel` at `address`; refused if someone else is there.
pub async fn add_identity<C: ConnectionTrait>(
    txn: &C,
    person_id: i64,
    channel: Channel,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), DirectoryError> {
    let taken = identity::Entity::find()
        .filter(identity::Column::Channel.eq(channel.as_str()))
        .filter(identity::Column::Address.eq(address))
        .one(txn)
        .await?;
    match taken {
        Some(taken) if taken.person_id == person_id => Ok(()),
        Some(taken) => {
            Err(DirectoryError::IdentityTaken { channel, address: address.to_owned(), person: taken.person_id })
        }
        None => {
            identity::ActiveModel {
                person_id: Set(person_id),
                channel: Set(channel.as_str().to_owned()),
                address: Set(address.to_owned()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            Ok(())
        }
    }
}

/// The person behind `channel`/`address` last wrote there: reach them there from now on.
pub async fn prefer_channel<C: ConnectionTrait>(db: &C, channel: Channel, address: &str) -> Result<(), DirectoryError> {
    // One statement: this runs on every message a person sends.
    let owner = sea_orm::sea_query::Query::select()
        .column(identity::Column::PersonId)
        .from(identity::Entity)
        .and_where(identity::Column::Channel.eq(channel.as_str()))
        .and_where(identity::Column::Address.eq(address))
        .to_owned();
    person::Entity::update_many()
        .col_expr(person::Column::PreferredChannel, sea_orm::sea_query::Expr::value(channel.as_str()))
        .filter(person::Column::Id.in_subquery(owner))
        .filter(
            sea_orm::Condition::any()
                .add(person::Column::PreferredChannel.is_null())
                .add(person::Column::PreferredChannel.ne(channel.as_str())),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Organisations whose name or code contains `text` (any case), by name; all when empty.
pub async fn search_orgs<C: ConnectionTrait>(db: &C, text: &str) -> Result<Vec<organisation::Model>, DirectoryError> {
    let all = organisation::Entity::find()
        .filter(organisation::Column::Active.eq(true))
        .order_by_asc(organisation::Column::Name)
        .all(db)
        .await?;
    // An office has a few hundred organisations at most: filtering here keeps the match
    // the same on SQLite and PostgreSQL (case, accents of LIKE differ between them).
    let wanted = text.trim().to_lowercase();
    if wanted.is_empty() {
        return Ok(all);
    }
    Ok(all
        .into_iter()
        .filter(|o| {
            let name = o.name.to_lowercase();
            wanted.split_whitespace().all(|w| name.contains(w) || o.code.to_lowercase() == w)
        })
        .collect())
}

/// Person `person_id` holds exactly `roles` from now on.
pub async fn replace_roles<C: ConnectionTrait>(txn: &C, person_id: i64, roles: &[Role]) -> Result<(), DirectoryError> {
    person_role::Entity::delete_many().filter(person_role::Column::PersonId.eq(person_id)).exec(txn).await?;
    for role in roles {
        add_role(txn, person_id, *role).await?;
    }
    Ok(())
}

/// Every organisation, by code.
pub async fn organisations<C: ConnectionTrait>(db: &C) -> Result<Vec<organisation::Model>, DirectoryError> {
    Ok(organisation::Entity::find().order_by_asc(organisation::Column::Code).all(db).await?)
}

pub async fn set_active<C: ConnectionTrait>(db: &C, id: i64, active: bool) -> Result<PersonRecord, DirectoryError> {
    let found = person::Entity::find_by_id(id).one(db).await?.ok_or(DirectoryError::UnknownPerson(id))?;
    let mut model: person::ActiveModel = found.into();
    model.active = Set(active);
    model.update(db).await?;
    person_record(db, id).await?.ok_or(DirectoryError::UnknownPerson(id))
}

pub async fn person_record<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<PersonRecord>, DirectoryError> {
    Ok(people::records(db, &[id], &mut Orgs::default()).await?.pop())
}

pub async fn person_by_identity<C: ConnectionTrait>(
    db: &C,
    channel: Channel,
    address: &str,
) -> Result<Option<PersonRecord>, DirectoryError> {
    let owner = Query::select()
        .column(identity::Column::PersonId)
        .from(identity::Entity)
        .and_where(identity::Column::Channel.eq(channel.as_str()))
        .and_where(identity::Column::Address.eq(address))
        .to_owned();
    let wanted = Condition::all().add(person::Column::Id.in_subquery(owner));
    Ok(people::fetch(db, wanted, &mut Orgs::default()).await?.pop())
}

/// Everyone who holds a role other than reporter, active or not.
pub async fn staff<C: ConnectionTrait>(db: &C) -> Result<Vec<PersonRecord>, DirectoryError> {
    let staff = Query::select()
        .column(person_role::Column::PersonId)
        .from(person_role::Entity)
        .and_where(person_role::Column::Role.ne(Role::Reporter.as_str()))
        .to_owned();
    people::fetch(db, Condition::all().add(person::Column::Id.in_subquery(staff)), &mut Orgs::default()).await
}

/// Active people holding `role`.
pub async fn holders_of<C: ConnectionTrait>(db: &C, role: Role) -> Result<Vec<PersonRecord>, DirectoryError> {
    people::holders_of_any(db, &[role], &mut Orgs::default()).await
}
