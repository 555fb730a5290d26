//! Photos and documents attached to tickets. Files are content-addressed under
//! `DATA_DIR/attachments/` (the same photo sent twice is stored once on disk); each event
//! that brought a file gets its own row, written in the event's transaction, so a
//! technician's completion photo is linked to the resolve even if the reporter sent it first.
//! The papers SIGAP renders itself are not files: their bytes are kept in the database
//! ([`record_papers`]); [`bytes`] reads an attachment from wherever it is kept.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};

use super::entity::{attachment, attachment_content};

pub use attachment::Model as AttachmentRow;

/// Files above this size are refused: Telegram's own download limit is 20 MB.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub bytes: Vec<u8>,
    pub mime: String,
    pub file_name: Option<String>,
}

impl NewAttachment {
    pub fn is_photo(&self) -> bool {
        self.mime.starts_with("image/")
    }
}

/// A file saved to disk, ready to be recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SavedFile {
    pub sha256: String,
    pub size: i64,
    pub mime: String,
    pub file_name: Option<String>,
    /// Relative to the data directory.
    pub stored_path: String,
}

/// Cut a photo's metadata out (GPS position, device serials: [`crate::domain::photo`]) and
/// write what is left: the original is never stored. A format that cannot be cleaned is
/// refused before anything is written.
pub fn save_clean(data_dir: &Path, file: &NewAttachment) -> Result<SavedFile, SaveError> {
    match crate::domain::photo::clean(&file.bytes, &file.mime)? {
        crate::domain::photo::Cleaned::Photo { bytes, mime } => {
            let cleaned = NewAttachment { bytes, mime: mime.to_owned(), file_name: file.file_name.clone() };
            Ok(save(data_dir, &cleaned)?)
        }
        crate::domain::photo::Cleaned::NotAPhoto(_) => Ok(save(data_dir, file)?),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error(transparent)]
    Refused(#[from] crate::domain::photo::Refused),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Write the file under `data_dir` by its hash, as it is (see [`save_clean`]). Written before the database transaction:
/// a file without a row is harmless and reused on retry; a row without a file would not be.
pub fn save(data_dir: &Path, file: &NewAttachment) -> std::io::Result<SavedFile> {
    let (sha, size) = fingerprint(&file.bytes);
    let relative = PathBuf::from("attachments").join(&sha[..2]).join(&sha);
    let full = data_dir.join(&relative);
    if !full.exists() {
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Write then rename, so a crash never leaves a half file under the final name.
        let tmp = full.with_extension("part");
        std::fs::write(&tmp, &file.bytes)?;
        std::fs::rename(&tmp, &full)?;
    }
    Ok(SavedFile {
        sha256: sha,
        size,
        mime: file.mime.clone(),
        file_name: file.file_name.clone(),
        stored_path: relative.to_string_lossy().into_owned(),
    })
}

/// The hex SHA-256 and the size of a file's bytes, as its row records them.
pub(crate) fn fingerprint(bytes: &[u8]) -> (String, i64) {
    (hex::encode(Sha256::digest(bytes)), i64::try_from(bytes.len()).unwrap_or(i64::MAX))
}

pub async fn record<C: ConnectionTrait>(
    txn: &C,
    ticket_id: i64,
    event_id: Option<i64>,
    uploaded_by: Option<i64>,
    files: &[SavedFile],
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    if files.is_empty() {
        return Ok(());
    }
    let rows = files.iter().map(|f| attachment::ActiveModel {
        ticket_id: Set(ticket_id),
        event_id: Set(event_id),
        sha256: Set(f.sha256.clone()),
        size: Set(f.size),
        mime: Set(f.mime.clone()),
        file_name: Set(f.file_name.clone()),
        stored_path: Set(f.stored_path.clone()),
        uploaded_by: Set(uploaded_by),
        created_at: Set(now),
        ..Default::default()
    });
    attachment::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([attachment::Column::EventId, attachment::Column::Sha256])
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// Papers SIGAP rendered for `event_id`, recorded with their bytes in the database, in
/// two statements whatever their number. A paper is small and written once; keeping it
/// in the step's own transaction spares a file on disk per paper (creating a file is what
/// a step with papers cost most: BENCHMARKS.md), and no paper outlives a rolled-back step.
pub async fn record_papers<C: ConnectionTrait>(
    txn: &C,
    ticket_id: i64,
    event_id: i64,
    papers: Vec<NewAttachment>,
    now: DateTime<Utc>,
) -> Result<Vec<AttachmentRow>, sea_orm::DbErr> {
    if papers.is_empty() {
        return Ok(Vec::new());
    }
    let rows = papers.iter().map(|p| {
        let (sha256, size) = fingerprint(&p.bytes);
        attachment::ActiveModel {
            ticket_id: Set(ticket_id),
            event_id: Set(Some(event_id)),
            sha256: Set(sha256),
            size: Set(size),
            mime: Set(p.mime.clone()),
            file_name: Set(p.file_name.clone()),
            stored_path: Set(String::new()),
            uploaded_by: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
    });
    let mut stored = attachment::Entity::insert_many(rows).exec_with_returning(txn).await?;
    stored.sort_by_key(|row| row.id);
    // Rows come back in insertion order once sorted by id: pair them with their bytes.
    let contents = stored
        .iter()
        .zip(papers)
        .map(|(row, paper)| attachment_content::ActiveModel { attachment_id: Set(row.id), bytes: Set(paper.bytes) });
    attachment_content::Entity::insert_many(contents).exec_without_returning(txn).await?;
    Ok(stored)
}

/// Why an attachment's bytes could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error("attachment #{id}: {source}")]
    File { id: i64, source: std::io::Error },
    #[error("attachment #{0} has no stored bytes")]
    Missing(i64),
}

/// Where an attachment's bytes are: a file under the data directory, or the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    File(PathBuf),
    Database,
}

pub fn content_of(data_dir: &Path, row: &AttachmentRow) -> Content {
    if row.stored_path.is_empty() { Content::Database } else { Content::File(data_dir.join(&row.stored_path)) }
}

/// The bytes kept in the database for attachment `id`, if any.
pub async fn stored_bytes<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Vec<u8>>, sea_orm::DbErr> {
    Ok(attachment_content::Entity::find_by_id(id).one(db).await?.map(|c| c.bytes))
}

/// The bytes of an attachment, wherever they are kept.
pub async fn bytes<C: ConnectionTrait>(db: &C, data_dir: &Path, row: &AttachmentRow) -> Result<Vec<u8>, ReadError> {
    match content_of(data_dir, row) {
        Content::File(path) => std::fs::read(path).map_err(|source| ReadError::File { id: row.id, source }),
        Content::Database => stored_bytes(db, row.id).await?.ok_or(ReadError::Missing(row.id)),
    }
}

/// A ticket's photos with their bytes, oldest first: what its papers show.
pub async fn photos_of<C: ConnectionTrait>(
    db: &C,
    data_dir: &Path,
    ticket_id: i64,
) -> Result<Vec<(AttachmentRow, Vec<u8>)>, ReadError> {
    let mut photos = Vec::new();
    for attachment in for_ticket(db, ticket_id).await? {
        if attachment.mime.starts_with("image/") {
            let bytes = bytes(db, data_dir, &attachment).await?;
            photos.push((attachment, bytes));
        }
    }
    Ok(photos)
}

/// The images `reporter_id` sent for `ticket_id` (with the report or added after), oldest first.
pub async fn reporters_photos<C: ConnectionTrait>(
    db: &C,
    ticket_id: i64,
    reporter_id: i64,
) -> Result<Vec<i64>, sea_orm::DbErr> {
    let rows = attachment::Entity::find()
        .filter(attachment::Column::TicketId.eq(ticket_id))
        .filter(attachment::Column::UploadedBy.eq(reporter_id))
        .filter(attachment::Column::Mime.starts_with("image/"))
        .order_by_asc(attachment::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|a| a.id).collect())
}

pub async fn for_ticket<C: ConnectionTrait>(db: &C, ticket_id: i64) -> Result<Vec<AttachmentRow>, sea_orm::DbErr> {
    attachment::Entity::find()
        .filter(attachment::Column::TicketId.eq(ticket_id))
        .order_by_asc(attachment::Column::Id)
        .all(db)
        .await
}

pub async fn by_id<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<AttachmentRow>, sea_orm::DbErr> {
    attachment::Entity::find_by_id(id).one(db).await
}

pub async fn for_event<C: ConnectionTrait>(db: &C, event_id: i64) -> Result<Vec<AttachmentRow>, sea_orm::DbErr> {
    attachment::Entity::find()
        .filter(attachment::Column::EventId.eq(event_id))
        .order_by_asc(attachment::Column::Id)
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_photo_is_stored_once_under_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let photo = NewAttachment { bytes: b"jpeg bytes".to_vec(), mime: "image/jpeg".into(), file_name: None };
        let first = save(dir.path(), &photo).unwrap();
        let second = save(dir.path(), &photo).unwrap();
        assert_eq!(first, second);
        assert_eq!(std::fs::read(dir.path().join(&first.stored_path)).unwrap(), b"jpeg bytes");
        assert!(first.stored_path.ends_with(&first.sha256));
    }
}
