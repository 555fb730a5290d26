//! The web console's sign-in records: one-time codes and links, failed attempts, sessions.
//! Secrets are stored as SHA-256 hashes only; a code or session is found by its hash.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter,
};
use sha2::{Digest, Sha256};

use super::directory::{DirectoryError, PersonRecord};
use super::entity::{console_code, console_failure, console_session, person};
use super::people::{self, Orgs};

pub use console_session::Model as SessionRow;

/// A six-digit code sent to a chat.
pub const CODE: &str = "code";
/// A link printed by the admin.
pub const LINK: &str = "link";

pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The person whose registered phone number (E.164) this is.
pub async fn person_by_phone<C: ConnectionTrait>(db: &C, e164: &str) -> Result<Option<PersonRecord>, DirectoryError> {
    let wanted = Condition::all().add(person::Column::Phone.eq(e164));
    Ok(people::fetch(db, wanted, &mut Orgs::default()).await?.pop())
}

pub async fn insert_code<C: ConnectionTrait>(
    txn: &C,
    person_id: i64,
    kind: &str,
    code_hash: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    console_code::ActiveModel {
        person_id: Set(person_id),
        kind: Set(kind.to_owned()),
        code_hash: Set(code_hash),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Use up the live code of `kind` with this hash (for `person` when given): the person it
/// signs in, or None. The update is conditional on the code being unused, so of two
/// simultaneous uses only one gets the person.
pub async fn take_code<C: ConnectionTrait>(
    txn: &C,
    kind: &str,
    code_hash: &str,
    person: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sea_orm::DbErr> {
    let mut live = Condition::all()
        .add(console_code::Column::Kind.eq(kind))
        .add(console_code::Column::CodeHash.eq(code_hash))
        .add(console_code::Column::UsedAt.is_null())
        .add(console_code::Column::ExpiresAt.gt(now));
    if let Some(id) = person {
        live = live.add(console_code::Column::PersonId.eq(id));
    }
    let Some(found) = console_code::Entity::find().filter(live).one(txn).await? else { return Ok(None) };
    let taken = console_code::Entity::update_many()
        .col_expr(console_code::Column::UsedAt, Expr::value(now))
        .filter(console_code::Column::Id.eq(found.id))
        .filter(console_code::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    Ok((taken.rows_affected == 1).then_some(found.person_id))
}

pub async fn failures_since<C: ConnectionTrait>(
    db: &C,
    subject: &str,
    since: DateTime<Utc>,
) -> Result<u64, sea_orm::DbErr> {
    console_failure::Entity::find()
        .filter(console_failure::Column::Subject.eq(subject))
        .filter(console_failure::Column::At.gt(since))
        .count(db)
        .await
}

pub async fn record_failure<C: ConnectionTrait>(
    db: &C,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    console_failure::ActiveModel { subject: Set(subject.to_owned()), at: Set(now), ..Default::default() }
        .insert(db)
        .await?;
    Ok(())
}

pub async fn create_session<C: ConnectionTrait>(
    txn: &C,
    token_hash: String,
    person_id: i64,
    csrf_token: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    console_session::ActiveModel {
        token_hash: Set(token_hash),
        person_id: Set(person_id),
        csrf_token: Set(csrf_token),
        created_at: Set(now),
        expires_at: Set(expires_at),
        ended_at: Set(None),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The session with this token hash, if it is neither ended nor expired at `now`.
pub async fn live_session<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<SessionRow>, sea_orm::DbErr> {
    console_session::Entity::find_by_id(token_hash.to_owned())
        .filter(console_session::Column::EndedAt.is_null())
        .filter(console_session::Column::ExpiresAt.gt(now))
        .one(db)
        .await
}

pub async fn end_session<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    console_session::Entity::update_many()
        .col_expr(console_session::Column::EndedAt, Expr::value(now))
        .filter(console_session::Column::TokenHash.eq(token_hash))
        .filter(console_session::Column::EndedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
