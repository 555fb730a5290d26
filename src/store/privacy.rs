//! Personal data (UU 27/2022): requests people make about their data, files waiting to be
//! deleted after the transaction that let go of them, and the audit of who took personal
//! data out. The erasure's own statements are in [`super::erasure`].

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::entity::{audit_event, data_request, file_deletion};
use crate::domain::ticket::Channel;

pub use audit_event::Model as AuditRow;
pub use data_request::Model as RequestRow;

pub const ERASE: &str = "erase";
pub const OPEN: &str = "open";
pub const DONE: &str = "done";

/// The person's open request of `kind`, if there is one.
pub async fn open_request<C: ConnectionTrait>(
    db: &C,
    person_id: i64,
    kind: &str,
) -> Result<Option<RequestRow>, sea_orm::DbErr> {
    data_request::Entity::find()
        .filter(data_request::Column::PersonId.eq(person_id))
        .filter(data_request::Column::Kind.eq(kind))
        .filter(data_request::Column::Status.eq(OPEN))
        .one(db)
        .await
}

pub async fn add_request<C: ConnectionTrait>(
    db: &C,
    person_id: i64,
    kind: &str,
    channel: Channel,
    now: DateTime<Utc>,
) -> Result<RequestRow, sea_orm::DbErr> {
    data_request::ActiveModel {
        person_id: Set(person_id),
        kind: Set(kind.to_owned()),
        status: Set(OPEN.to_owned()),
        channel: Set(channel.as_str().to_owned()),
        requested_at: Set(now),
        done_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Open requests, oldest first: what the admin has to answer.
pub async fn open_requests<C: ConnectionTrait>(db: &C) -> Result<Vec<RequestRow>, sea_orm::DbErr> {
    data_request::Entity::find()
        .filter(data_request::Column::Status.eq(OPEN))
        .order_by_asc(data_request::Column::Id)
        .all(db)
        .await
}

pub async fn request<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<RequestRow>, sea_orm::DbErr> {
    data_request::Entity::find_by_id(id).one(db).await
}

/// Every open request of the person is answered.
pub async fn close_requests<C: ConnectionTrait>(
    db: &C,
    person_id: i64,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    data_request::Entity::update_many()
        .col_expr(data_request::Column::Status, DONE.into())
        .col_expr(data_request::Column::DoneAt, Some(now).into())
        .filter(data_request::Column::PersonId.eq(person_id))
        .filter(data_request::Column::Status.eq(OPEN))
        .exec(db)
        .await?;
    Ok(())
}

/// Files (relative to DATA_DIR) to delete once the caller's transaction commits.
pub async fn schedule_deletions<C: ConnectionTrait>(
    db: &C,
    paths: &[String],
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    for chunk in paths.chunks(500) {
        let rows = chunk.iter().map(|path| file_deletion::ActiveModel {
            path: Set(path.clone()),
            created_at: Set(now),
            ..Default::default()
        });
        file_deletion::Entity::insert_many(rows).exec_without_returning(db).await?;
    }
    Ok(())
}

/// Up to `limit` files waiting to be deleted: `(row id, path)`.
pub async fn pending_deletions<C: ConnectionTrait>(db: &C, limit: u64) -> Result<Vec<(i64, String)>, sea_orm::DbErr> {
    file_deletion::Entity::find()
        .select_only()
        .column(file_deletion::Column::Id)
        .column(file_deletion::Column::Path)
        .order_by_asc(file_deletion::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

pub async fn forget_deletions<C: ConnectionTrait>(db: &C, ids: Vec<i64>) -> Result<(), sea_orm::DbErr> {
    file_deletion::Entity::delete_many().filter(file_deletion::Column::Id.is_in(ids)).exec(db).await?;
    Ok(())
}

/// Someone took personal data out, or erased it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    /// `None`: the admin at the command line.
    pub actor_id: Option<i64>,
    /// `cli`, or the channel it was done on.
    pub channel: String,
    pub action: &'static str,
    pub subject_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub detail: Option<String>,
}

/// What [`NewAudit::action`] names.
pub mod action {
    /// The complaint log, as a file (command line or `/laporan`).
    pub const LOG_EXPORT: &str = "log_export";
    /// A ticket's paper, downloaded or printed.
    pub const PAPER: &str = "paper";
    /// A person's own data, as a file (`/dataku berkas`).
    pub const MY_DATA: &str = "my_data";
    /// A person's data erased at their request.
    pub const ERASE: &str = "erase";
    /// Data deleted by the retention schedule.
    pub const RETENTION: &str = "retention";
    /// A person corrected their own name or organisation in chat.
    pub const CORRECTION: &str = "correction";
    /// A year of the archive purged by the admin.
    pub const PURGE: &str = "purge";
}

pub async fn audit<C: ConnectionTrait>(db: &C, new: NewAudit, now: DateTime<Utc>) -> Result<(), sea_orm::DbErr> {
    audit_event::ActiveModel {
        at: Set(now),
        actor_id: Set(new.actor_id),
        channel: Set(new.channel),
        action: Set(new.action.to_owned()),
        subject_id: Set(new.subject_id),
        ticket_id: Set(new.ticket_id),
        detail: Set(new.detail),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Audit events from `from` (inclusive) to `to` (exclusive), oldest first.
pub async fn audit_between<C: ConnectionTrait>(
    db: &C,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Vec<AuditRow>, sea_orm::DbErr> {
    let mut query = audit_event::Entity::find();
    if let Some(from) = from {
        query = query.filter(audit_event::Column::At.gte(from));
    }
    if let Some(to) = to {
        query = query.filter(audit_event::Column::At.lt(to));
    }
    query.order_by_asc(audit_event::Column::Id).all(db).await
}

/// The audit events about one person's data (their own exports, their erasure).
pub async fn audit_of<C: ConnectionTrait>(db: &C, subject_id: i64) -> Result<Vec<AuditRow>, sea_orm::DbErr> {
    audit_event::Entity::find()
        .filter(audit_event::Column::SubjectId.eq(subject_id))
        .order_by_asc(audit_event::Column::Id)
        .all(db)
        .await
}

pub async fn correct_name<C: ConnectionTrait>(db: &C, person_id: i64, name: &str) -> Result<(), sea_orm::DbErr> {
    super::entity::person::Entity::update_many()
        .col_expr(super::entity::person::Column::Name, name.into())
        .filter(super::entity::person::Column::Id.eq(person_id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn correct_org<C: ConnectionTrait>(db: &C, person_id: i64, org_id: i64) -> Result<(), sea_orm::DbErr> {
    super::entity::person::Entity::update_many()
        .col_expr(super::entity::person::Column::OrgId, Some(org_id).into())
        .filter(super::entity::person::Column::Id.eq(person_id))
        .exec(db)
        .await?;
    Ok(())
}
