//! Erasing a person at their request (Pasal 43-44): one transaction that deletes what only
//! served them, redacts them from the archive (tickets, events, papers rendered again with
//! "(dihapus)"), answers their requests, records the audit event, queues the one message
//! telling them it is done, and lists the files to delete. A crash before the commit leaves
//! nothing done; after it, [`Helpdesk::sweep`] deletes the listed files whenever it next runs.

use std::collections::HashSet;
use std::path::Path;

use rust_i18n::t;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};

use super::super::{Helpdesk, ServiceError, TicketRef};
use crate::documents;
use crate::domain::phone::PhoneNumber;
use crate::outbound::{OutboundMessage, kind};
use crate::store::attachments::SavedFile;
use crate::store::entity::{attachment, attachment_content, conversation, outbox, outbox_sent, ticket, ticket_event};
use crate::store::erasure::{self, REDACTED, Subject};
use crate::store::outbox::NewOutbound;
use crate::store::privacy::{self, NewAudit, action};
use crate::store::{directory, inbox};

/// Where SIGAP keeps files it made to send (monthly logs, `/dataku` files).
pub(crate) const EXPORT_DIRS: [&str; 2] = ["reports", "exports"];

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    pub person_id: i64,
    /// Papers rendered again without the person.
    pub papers: usize,
    /// Files listed for deletion.
    pub files: usize,
}

/// What a sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub files: usize,
    pub notices: u64,
}

impl Helpdesk {
    /// Erase person `person_id` (the admin's `sigap data erase`). `inbox`: the webhook
    /// inbox, a table of the main database on PostgreSQL (cleared in the transaction), a
    /// file of its own on SQLite (cleared just before it: what waits there from the person
    /// would otherwise be applied after the erasure).
    #[tracing::instrument(skip(self, inbox))]
    pub async fn erase(&self, person_id: i64, inbox: Option<&DatabaseConnection>) -> Result<Erasure, ServiceError> {
        let now = self.clock.now();
        let inbox_here = inbox.is_some() && self.db.get_database_backend() == DbBackend::Postgres;
        if let Some(inbox) = inbox.filter(|_| !inbox_here) {
            let record = directory::person_record(&self.db, person_id).await?.ok_or(ServiceError::UnknownPerson)?;
            clear_inbox(inbox, &record.identities).await?;
        }
        let txn = self.db.begin().await?;
        let record = directory::person_record(&txn, person_id).await?.ok_or(ServiceError::UnknownPerson)?;
        let row = crate::store::entity::person::Entity::find_by_id(person_id)
            .one(&txn)
            .await?
            .ok_or(ServiceError::UnknownPerson)?;
        if row.erased_at.is_some() {
            return Err(ServiceError::Invalid(format!("person #{person_id} was already erased")));
        }
        let subject = Subject {
            person_id,
            addresses: record.identities.clone(),
            needles: needles(&row.name, row.phone.as_deref(), &record.identities),
        };
        let mut files = draft_files(&txn, &subject).await?;
        files.extend(export_files(&self.data_dir));
        let papers = papered_tickets(&txn, person_id).await?;
        // The one message left for them, to where they wrote from.
        let notice = record.contact().map(|(channel, address)| NewOutbound {
            person_id: Some(person_id),
            channel,
            address: address.to_owned(),
            ticket_id: None,
            kind: kind::ERASED,
            message: OutboundMessage::text(t!("privacy.erased", locale = crate::i18n::locale(&record.locale))),
        });
        erasure::erase(&txn, &subject, inbox_here, now).await?;
        let rendered = self.render_papers_again(&txn, &papers).await?;
        privacy::close_requests(&txn, person_id, now).await?;
        privacy::schedule_deletions(&txn, &files, now).await?;
        let audit = NewAudit {
            actor_id: None,
            channel: "cli".into(),
            action: action::ERASE,
            subject_id: Some(person_id),
            ticket_id: None,
            detail: Some(format!("papers={rendered} files={}", files.len())),
        };
        privacy::audit(&txn, audit, now).await?;
        crate::store::outbox::enqueue(&txn, notice.into_iter().collect(), now).await?;
        if self.privacy.erase_pause == Some(super::ErasePause::Commit) {
            super::ErasePause::Commit.wait().await;
        }
        txn.commit().await?;
        tracing::info!(person_id, papers = rendered, files = files.len(), "personal data erased");
        Ok(Erasure { person_id, papers: rendered, files: files.len() })
    }

    /// Papers of `tickets` rendered again from the archive as it now stands, in place.
    async fn render_papers_again<C: ConnectionTrait>(&self, txn: &C, tickets: &[i64]) -> Result<usize, ServiceError> {
        let mut count = 0;
        for &ticket_id in tickets {
            let papers: Vec<attachment::Model> = attachment::Entity::find()
                .filter(attachment::Column::TicketId.eq(ticket_id))
                .filter(attachment::Column::StoredPath.eq(""))
                .all(txn)
                .await?;
            if papers.is_empty() {
                continue;
            }
            let mut details = self.details_on(txn, TicketRef::Id(ticket_id)).await?;
            details.linked = self.linked_reports(txn, ticket_id).await?;
            let photos = crate::store::attachments::photos_of(txn, &self.data_dir, ticket_id).await?;
            for paper in papers {
                let Some(kind) = paper_kind(paper.file_name.as_deref()) else { continue };
                // As it was when the paper was made: the events up to its own.
                let mut then = details.clone();
                if let Some(event_id) = paper.event_id {
                    then.events.retain(|e| e.event.id <= event_id);
                }
                let bytes = documents::render(kind, &then, &photos, &self.letterhead, &self.sop, "id");
                let (sha256, size) = crate::store::attachments::fingerprint(&bytes);
                attachment_content::Entity::update_many()
                    .col_expr(attachment_content::Column::Bytes, Expr::value(bytes))
                    .filter(attachment_content::Column::AttachmentId.eq(paper.id))
                    .exec(txn)
                    .await?;
                attachment::Entity::update_many()
                    .col_expr(attachment::Column::Sha256, Expr::value(sha256))
                    .col_expr(attachment::Column::Size, Expr::value(size))
                    .filter(attachment::Column::Id.eq(paper.id))
                    .exec(txn)
                    .await?;
                count += 1;
            }
        }
        Ok(count)
    }

    /// Delete the files erasures and retention let go of, and the messages that told erased
    /// people so once sent (or given up on); then, on SQLite, rewrite the files so nothing erased lingers in
    /// their free pages or write-ahead log (`inbox`: the webhook inbox's own file).
    pub async fn sweep(&self, inbox: Option<&DatabaseConnection>, compact: bool) -> Result<Swept, ServiceError> {
        let mut swept = Swept::default();
        loop {
            let batch = privacy::pending_deletions(&self.db, 500).await?;
            if batch.is_empty() {
                break;
            }
            let mut ids = Vec::with_capacity(batch.len());
            for (id, path) in batch {
                let full = self.data_dir.join(&path);
                match std::fs::remove_file(&full) {
                    Ok(()) => swept.files += 1,
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                    Err(err) => return Err(ServiceError::Io(err)),
                }
                ids.push(id);
            }
            privacy::forget_deletions(&self.db, ids).await?;
        }
        let sent: Vec<i64> = outbox::Entity::find()
            .select_only()
            .column(outbox::Column::Id)
            // Delivered, or never deliverable: either way done with the address it holds.
            .filter(outbox::Column::Status.is_in([crate::store::outbox::SENT, crate::store::outbox::FAILED]))
            .filter(outbox::Column::Kind.eq(kind::ERASED))
            .into_tuple()
            .all(&self.db)
            .await?;
        if !sent.is_empty() {
            let txn = self.db.begin().await?;
            outbox_sent::Entity::delete_many()
                .filter(outbox_sent::Column::OutboxId.is_in(sent.clone()))
                .exec(&txn)
                .await?;
            swept.notices =
                outbox::Entity::delete_many().filter(outbox::Column::Id.is_in(sent)).exec(&txn).await?.rows_affected;
            txn.commit().await?;
        }
        if compact || swept.notices > 0 {
            compact_sqlite(&self.db).await?;
            if let Some(inbox) = inbox {
                compact_sqlite(inbox).await?;
            }
        }
        Ok(swept)
    }
}

/// On SQLite: rewrite the file without its free pages and empty the write-ahead log, where
/// deleted rows' bytes stay until overwritten. PostgreSQL's dead rows are not readable by
/// any query and are reused by (auto)vacuum; nothing to do here.
async fn compact_sqlite(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    db.execute_unprepared("VACUUM").await?;
    db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await?;
    Ok(())
}

/// The person's deliveries still in the webhook inbox (waiting, or kept aside).
async fn clear_inbox(
    inbox_db: &DatabaseConnection,
    addresses: &[(crate::domain::ticket::Channel, String)],
) -> Result<u64, sea_orm::DbErr> {
    let mut deleted = 0;
    for (channel, address) in addresses {
        deleted += inbox::delete_from(inbox_db, *channel, address).await?;
    }
    Ok(deleted)
}

/// The strings that name the person in others' text: longest first, so a number is
/// replaced whole before a shorter spelling of it.
fn needles(name: &str, phone: Option<&str>, identities: &[(crate::domain::ticket::Channel, String)]) -> Vec<String> {
    let mut out = Vec::new();
    let name = name.trim();
    // Shorter names would cut into other words; the person's own rows are cleared anyway.
    if name.chars().count() >= 3 && name != REDACTED {
        out.push(name.to_owned());
    }
    let numbers = phone.into_iter().chain(identities.iter().map(|(_, a)| a.as_str()));
    for raw in numbers {
        if let Ok(phone) = raw.parse::<PhoneNumber>() {
            let e164 = phone.as_str();
            out.push(e164.to_owned());
            out.push(phone.wa_id().to_owned());
            if let Some(national) = e164.strip_prefix("+62") {
                out.push(format!("0{national}"));
            }
        } else if raw.len() >= 5 {
            out.push(raw.to_owned());
        }
    }
    out.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut seen = HashSet::new();
    out.retain(|n| seen.insert(n.clone()));
    out
}

/// Files in the person's unfinished drafts that no ticket holds.
async fn draft_files<C: ConnectionTrait>(txn: &C, subject: &Subject) -> Result<Vec<String>, ServiceError> {
    #[derive(serde::Deserialize)]
    struct Files {
        #[serde(default)]
        files: Vec<SavedFile>,
    }
    let mut paths = Vec::new();
    for (channel, address) in &subject.addresses {
        let rows = conversation::Entity::find()
            .filter(conversation::Column::Channel.eq(channel.as_str()))
            .filter(conversation::Column::Sender.eq(address.as_str()))
            .all(txn)
            .await?;
        for row in rows {
            let draft: Files = serde_json::from_str(&row.data).unwrap_or(Files { files: Vec::new() });
            paths.extend(draft.files.into_iter().map(|f| f.stored_path));
        }
    }
    unreferenced(txn, paths).await
}

/// Those of `paths` no attachment row names.
pub(super) async fn unreferenced<C: ConnectionTrait>(txn: &C, paths: Vec<String>) -> Result<Vec<String>, ServiceError> {
    let mut out = Vec::new();
    for path in paths {
        let held = attachment::Entity::find().filter(attachment::Column::StoredPath.eq(path.as_str())).one(txn).await?;
        if held.is_none() && !out.contains(&path) {
            out.push(path);
        }
    }
    Ok(out)
}

/// Every file SIGAP made to send: they copy the records of many people.
fn export_files(data_dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for dir in EXPORT_DIRS {
        let Ok(entries) = std::fs::read_dir(data_dir.join(dir)) else { continue };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                out.push(format!("{dir}/{}", entry.file_name().to_string_lossy()));
            }
        }
    }
    out
}

/// Tickets with papers that may name the person: reported by them, or acted on by them.
async fn papered_tickets<C: ConnectionTrait>(txn: &C, person_id: i64) -> Result<Vec<i64>, ServiceError> {
    let acted = Query::select()
        .column(ticket_event::Column::TicketId)
        .from(ticket_event::Entity)
        .and_where(ticket_event::Column::ActorId.eq(person_id))
        .to_owned();
    let theirs = Query::select()
        .column(ticket::Column::Id)
        .from(ticket::Entity)
        .and_where(ticket::Column::ReporterId.eq(person_id))
        .to_owned();
    let ids: Vec<i64> = attachment::Entity::find()
        .select_only()
        .column(attachment::Column::TicketId)
        .distinct()
        .filter(attachment::Column::StoredPath.eq(""))
        .filter(
            sea_orm::Condition::any()
                .add(attachment::Column::TicketId.in_subquery(acted))
                .add(attachment::Column::TicketId.in_subquery(theirs)),
        )
        .into_tuple()
        .all(txn)
        .await?;
    Ok(ids)
}

/// The kind of a paper, from the name it was stored under ("Berita Acara … GJ-….pdf").
fn paper_kind(file_name: Option<&str>) -> Option<documents::Kind> {
    let name = file_name?;
    [documents::Kind::Completion, documents::Kind::Work, documents::Kind::Replacement].into_iter().find(|kind| {
        let title = t!(format!("document.title_{}", documents::kind_key(*kind)), locale = "id");
        name.starts_with(&format!("{title} "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::Channel;

    #[test]
    fn a_person_is_found_by_name_every_spelling_of_their_number_and_their_chat_id() {
        let found = needles(
            "Sri Wahyuni",
            Some("+6281299887766"),
            &[(Channel::Telegram, "73914628".into()), (Channel::Whatsapp, "+6281299887766".into())],
        );
        assert_eq!(found, ["+6281299887766", "6281299887766", "081299887766", "Sri Wahyuni", "73914628"]);
        assert_eq!(needles("Al", None, &[]), Vec::<String>::new());
    }
}
