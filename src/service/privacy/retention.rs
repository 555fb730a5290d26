//! The retention schedule for personal data (Pasal 43: deleted when its time is over):
//! conversation drafts, received messages kept aside as unreadable, files made to send,
//! photos of tickets long ended, and the phone numbers of reporters long inactive. Tickets,
//! events, papers and the complaint log are archive records and stay. The same selection
//! answers the dry run and the run, so a run deletes what the dry run listed (as of then);
//! a run deletes in batches of [`BATCH`], each its own transaction.

use std::time::SystemTime;

use chrono::{DateTime, Months, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use super::super::{Helpdesk, ServiceError};
use super::erase::{EXPORT_DIRS, unreferenced};
use crate::domain::role::Role;
use crate::domain::ticket::{Channel, TicketStatus};
use crate::store::attachments::SavedFile;
use crate::store::entity::{
    attachment, chat_window, conversation, identity, person, person_role, ticket, webhook_inbox,
};
use crate::store::privacy::{self, NewAudit, action};

/// Rows per transaction.
const BATCH: u64 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExpiredKind {
    Draft,
    Unfiled,
    Export,
    Photo,
    Phone,
}

impl ExpiredKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExpiredKind::Draft => "draft",
            ExpiredKind::Unfiled => "unfiled",
            ExpiredKind::Export => "export",
            ExpiredKind::Photo => "photo",
            ExpiredKind::Phone => "phone",
        }
    }
}

/// One thing whose time is over.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expired {
    pub kind: ExpiredKind,
    /// What it is: `telegram 7001` (a draft), an inbox row's id, a file's path, `#12
    /// attachments/ab/ab…` (a photo), `#7` (a person whose number goes).
    pub key: String,
}

/// The moments before which each kind has expired.
struct Cutoffs {
    draft: DateTime<Utc>,
    unfiled: DateTime<Utc>,
    export: DateTime<Utc>,
    photo: DateTime<Utc>,
    phone: DateTime<Utc>,
}

impl Helpdesk {
    fn cutoffs(&self, now: DateTime<Utc>) -> Cutoffs {
        let p = &self.privacy;
        let days = |d: u32| now - chrono::Duration::days(d.into());
        let years = |y: u32| now.checked_sub_months(Months::new(12 * y)).unwrap_or(now);
        Cutoffs {
            draft: days(p.keep_draft_days),
            unfiled: days(p.keep_unfiled_days),
            export: days(p.keep_export_days),
            photo: years(p.keep_photo_years),
            phone: years(p.inactive_phone_years),
        }
    }

    /// What a retention run at the desk's clock would delete (`--dry-run`).
    pub async fn expired(&self, inbox: Option<&DatabaseConnection>) -> Result<Vec<Expired>, ServiceError> {
        let cut = self.cutoffs(self.clock.now());
        let db = &self.db;
        let mut out = Vec::new();
        out.extend(old_drafts(db, cut.draft, None).await?.into_iter().map(|(key, _)| key));
        if let Some(inbox) = inbox {
            out.extend(old_unfiled(inbox, cut.unfiled, None).await?.into_iter().map(|(key, _)| key));
        }
        out.extend(old_exports(&self.data_dir, cut.export));
        out.extend(old_photos(db, cut.photo, None).await?.into_iter().map(|(key, _)| key));
        out.extend(inactive_phones(db, cut.phone, None).await?.into_iter().map(|(key, _)| key));
        Ok(out)
    }

    /// Delete what has expired, batch after batch; returns what went. The files go when
    /// the sweep runs after it.
    #[tracing::instrument(skip_all)]
    pub async fn retain(&self, inbox: Option<&DatabaseConnection>) -> Result<Vec<Expired>, ServiceError> {
        let now = self.clock.now();
        let cut = self.cutoffs(now);
        let db = &self.db;
        let mut gone = Vec::new();
        loop {
            let batch = old_drafts(db, cut.draft, Some(BATCH)).await?;
            if batch.is_empty() {
                break;
            }
            let txn = db.begin().await?;
            let mut files = Vec::new();
            for (key, row) in batch {
                let deleted = conversation::Entity::delete_many()
                    .filter(conversation::Column::Channel.eq(row.channel.as_str()))
                    .filter(conversation::Column::Sender.eq(row.sender.as_str()))
                    .filter(conversation::Column::UpdatedAt.lt(cut.draft))
                    .exec(&txn)
                    .await?;
                if deleted.rows_affected > 0 {
                    files.extend(draft_paths(&row.data));
                    gone.push(key);
                }
            }
            let files = unreferenced(&txn, files).await?;
            privacy::schedule_deletions(&txn, &files, now).await?;
            txn.commit().await?;
        }
        if let Some(inbox) = inbox {
            loop {
                let batch = old_unfiled(inbox, cut.unfiled, Some(BATCH)).await?;
                if batch.is_empty() {
                    break;
                }
                let ids: Vec<i64> = batch.iter().map(|(_, id)| *id).collect();
                webhook_inbox::Entity::delete_many().filter(webhook_inbox::Column::Id.is_in(ids)).exec(inbox).await?;
                gone.extend(batch.into_iter().map(|(key, _)| key));
            }
        }
        for expired in old_exports(&self.data_dir, cut.export) {
            match std::fs::remove_file(self.data_dir.join(&expired.key)) {
                Ok(()) => gone.push(expired),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(ServiceError::Io(err)),
            }
        }
        loop {
            let batch = old_photos(db, cut.photo, Some(BATCH)).await?;
            if batch.is_empty() {
                break;
            }
            let txn = db.begin().await?;
            let ids: Vec<i64> = batch.iter().map(|(_, row)| row.id).collect();
            attachment::Entity::delete_many().filter(attachment::Column::Id.is_in(ids)).exec(&txn).await?;
            let files = unreferenced(&txn, batch.iter().map(|(_, row)| row.stored_path.clone()).collect()).await?;
            privacy::schedule_deletions(&txn, &files, now).await?;
            txn.commit().await?;
            gone.extend(batch.into_iter().map(|(key, _)| key));
        }
        loop {
            let batch = inactive_phones(db, cut.phone, Some(BATCH)).await?;
            if batch.is_empty() {
                break;
            }
            let txn = db.begin().await?;
            for (_, id) in &batch {
                forget_number(&txn, *id).await?;
            }
            txn.commit().await?;
            gone.extend(batch.into_iter().map(|(key, _)| key));
        }
        if !gone.is_empty() {
            let count = |kind: ExpiredKind| gone.iter().filter(|e| e.kind == kind).count();
            let detail =
                [ExpiredKind::Draft, ExpiredKind::Unfiled, ExpiredKind::Export, ExpiredKind::Photo, ExpiredKind::Phone]
                    .map(|k| format!("{}={}", k.as_str(), count(k)))
                    .join(" ");
            let audit = NewAudit {
                actor_id: None,
                channel: "system".into(),
                action: action::RETENTION,
                subject_id: None,
                ticket_id: None,
                detail: Some(detail),
            };
            privacy::audit(db, audit, now).await?;
            tracing::info!(count = gone.len(), "personal data past its retention deleted");
        }
        Ok(gone)
    }
}

fn draft_paths(data: &str) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Files {
        #[serde(default)]
        files: Vec<SavedFile>,
    }
    serde_json::from_str::<Files>(data)
        .map(|d| d.files.into_iter().map(|f| f.stored_path).collect())
        .unwrap_or_default()
}

async fn old_drafts<C: ConnectionTrait>(
    db: &C,
    before: DateTime<Utc>,
    limit: Option<u64>,
) -> Result<Vec<(Expired, conversation::Model)>, sea_orm::DbErr> {
    let rows = conversation::Entity::find()
        .filter(conversation::Column::UpdatedAt.lt(before))
        .order_by_asc(conversation::Column::UpdatedAt)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| (Expired { kind: ExpiredKind::Draft, key: format!("{} {}", row.channel, row.sender) }, row))
        .collect())
}

async fn old_unfiled(
    inbox: &DatabaseConnection,
    before: DateTime<Utc>,
    limit: Option<u64>,
) -> Result<Vec<(Expired, i64)>, sea_orm::DbErr> {
    let ids: Vec<i64> = webhook_inbox::Entity::find()
        .select_only()
        .column(webhook_inbox::Column::Id)
        .filter(webhook_inbox::Column::Parked.eq(true))
        .filter(webhook_inbox::Column::ReceivedAt.lt(before))
        .order_by_asc(webhook_inbox::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(inbox)
        .await?;
    Ok(ids.into_iter().map(|id| (Expired { kind: ExpiredKind::Unfiled, key: id.to_string() }, id)).collect())
}

fn old_exports(data_dir: &std::path::Path, before: DateTime<Utc>) -> Vec<Expired> {
    let before: SystemTime = before.into();
    let mut out = Vec::new();
    for dir in EXPORT_DIRS {
        let Ok(entries) = std::fs::read_dir(data_dir.join(dir)) else { continue };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_file() && meta.modified().is_ok_and(|at| at < before) {
                let key = format!("{dir}/{}", entry.file_name().to_string_lossy());
                out.push(Expired { kind: ExpiredKind::Export, key });
            }
        }
    }
    out.sort();
    out
}

/// Photos and files people sent, of tickets that ended before `before`. Papers are kept in
/// the database (no stored path) and stay.
async fn old_photos<C: ConnectionTrait>(
    db: &C,
    before: DateTime<Utc>,
    limit: Option<u64>,
) -> Result<Vec<(Expired, attachment::Model)>, sea_orm::DbErr> {
    let ended = Query::select()
        .column(ticket::Column::Id)
        .from(ticket::Entity)
        .and_where(ticket::Column::Status.ne(TicketStatus::Open.as_str()))
        .and_where(ticket::Column::EndedAt.lt(before))
        .to_owned();
    let rows = attachment::Entity::find()
        .filter(attachment::Column::StoredPath.ne(""))
        .filter(attachment::Column::TicketId.in_subquery(ended))
        .order_by_asc(attachment::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| (Expired { kind: ExpiredKind::Photo, key: format!("#{} {}", row.id, row.stored_path) }, row))
        .collect())
}

/// Reporters (and only reporters) with a number, registered before `before`, who have
/// neither reported nor written since.
async fn inactive_phones<C: ConnectionTrait>(
    db: &C,
    before: DateTime<Utc>,
    limit: Option<u64>,
) -> Result<Vec<(Expired, i64)>, sea_orm::DbErr> {
    let staff = Query::select()
        .column(person_role::Column::PersonId)
        .from(person_role::Entity)
        .and_where(person_role::Column::Role.ne(Role::Reporter.as_str()))
        .to_owned();
    let reported = Query::select()
        .column(ticket::Column::ReporterId)
        .from(ticket::Entity)
        .and_where(ticket::Column::CreatedAt.gte(before))
        .to_owned();
    let wrote = Query::select()
        .column((identity::Entity, identity::Column::PersonId))
        .from(identity::Entity)
        .inner_join(
            chat_window::Entity,
            Expr::col((identity::Entity, identity::Column::Channel))
                .equals((chat_window::Entity, chat_window::Column::Channel))
                .and(
                    Expr::col((identity::Entity, identity::Column::Address))
                        .equals((chat_window::Entity, chat_window::Column::Address)),
                ),
        )
        .and_where(Expr::col((chat_window::Entity, chat_window::Column::LastInboundAt)).gte(before))
        .to_owned();
    let on_whatsapp = Query::select()
        .column(identity::Column::PersonId)
        .from(identity::Entity)
        .and_where(identity::Column::Channel.eq(Channel::Whatsapp.as_str()))
        .to_owned();
    let ids: Vec<i64> = person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .filter(person::Column::ErasedAt.is_null())
        .filter(person::Column::CreatedAt.lt(before))
        .filter(
            Condition::any().add(person::Column::Phone.is_not_null()).add(person::Column::Id.in_subquery(on_whatsapp)),
        )
        .filter(person::Column::Id.not_in_subquery(staff))
        .filter(person::Column::Id.not_in_subquery(reported))
        .filter(person::Column::Id.not_in_subquery(wrote))
        .order_by_asc(person::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().map(|id| (Expired { kind: ExpiredKind::Phone, key: format!("#{id}") }, id)).collect())
}

/// The person's number goes: the phone on their record, and their WhatsApp identity (which
/// is that number) with its conversation and window.
async fn forget_number<C: ConnectionTrait>(txn: &C, person_id: i64) -> Result<(), sea_orm::DbErr> {
    let numbers: Vec<String> = identity::Entity::find()
        .select_only()
        .column(identity::Column::Address)
        .filter(identity::Column::PersonId.eq(person_id))
        .filter(identity::Column::Channel.eq(Channel::Whatsapp.as_str()))
        .into_tuple()
        .all(txn)
        .await?;
    for number in &numbers {
        let whatsapp = Channel::Whatsapp.as_str();
        conversation::Entity::delete_many()
            .filter(conversation::Column::Channel.eq(whatsapp))
            .filter(conversation::Column::Sender.eq(number.as_str()))
            .exec(txn)
            .await?;
        chat_window::Entity::delete_many()
            .filter(chat_window::Column::Channel.eq(whatsapp))
            .filter(chat_window::Column::Address.eq(number.as_str()))
            .exec(txn)
            .await?;
    }
    identity::Entity::delete_many()
        .filter(identity::Column::PersonId.eq(person_id))
        .filter(identity::Column::Channel.eq(Channel::Whatsapp.as_str()))
        .exec(txn)
        .await?;
    person::Entity::update_many()
        .col_expr(person::Column::Phone, Option::<String>::None.into())
        .filter(person::Column::Id.eq(person_id))
        .exec(txn)
        .await?;
    Ok(())
}
