//! Errors of the helpdesk service, and their localized text for the person who asked.
//! Database and I/O failures are logged, never shown: the person gets a polite apology.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_i18n::t;

use crate::domain::workflow::{MAX_NOTE_CHARS, Refusal};
use crate::i18n;
use crate::store::directory::DirectoryError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("ticket {0} not found")]
    NotFound(String),
    #[error("person is not registered or not active")]
    UnknownPerson,
    #[error("ticket {number}: {refusal}")]
    Refused { number: String, step_name: String, refusal: Refusal },
    /// Someone acted on the ticket first; the person is told who.
    #[error("ticket {number}: {actor} already acted ({action}) at {at}")]
    AlreadyActed { number: String, actor: String, action: String, at: DateTime<Utc> },
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The ticket is a report linked to an incident: it is handled on the incident's ticket.
    #[error("ticket {number} is linked to {parent}")]
    Linked { number: String, parent: String },
    /// The same platform update arrived again; its effect is already recorded.
    #[error("this update was already handled")]
    Duplicate,
    /// A platform reported on a message whose send SIGAP has not recorded (yet).
    #[error("a status for message {0}, whose send is not recorded")]
    SendNotRecorded(String),
    /// A photo whose metadata (GPS position, device serial) cannot be cut out: not kept.
    #[error("photo refused: {0}")]
    Photo(#[from] crate::domain::photo::Refused),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error("file storage: {0}")]
    Io(#[from] std::io::Error),
}

impl From<DirectoryError> for ServiceError {
    fn from(err: DirectoryError) -> Self {
        match err {
            DirectoryError::Db(db) => ServiceError::Db(db),
            DirectoryError::UnknownPerson(_) => ServiceError::UnknownPerson,
            other => ServiceError::Invalid(other.to_string()),
        }
    }
}

impl From<crate::store::attachments::SaveError> for ServiceError {
    fn from(err: crate::store::attachments::SaveError) -> Self {
        match err {
            crate::store::attachments::SaveError::Refused(refused) => ServiceError::Photo(refused),
            crate::store::attachments::SaveError::Io(io) => ServiceError::Io(io),
        }
    }
}

impl From<crate::store::attachments::ReadError> for ServiceError {
    fn from(err: crate::store::attachments::ReadError) -> Self {
        use crate::store::attachments::ReadError;
        match err {
            ReadError::Db(db) => ServiceError::Db(db),
            ReadError::File { source, .. } => ServiceError::Io(source),
            missing @ ReadError::Missing(_) => ServiceError::Io(std::io::Error::other(missing.to_string())),
        }
    }
}

impl ServiceError {
    /// The text to answer the person with, in their language.
    pub fn localized(&self, locale: &str, tz: Tz) -> String {
        match self {
            ServiceError::NotFound(number) => t!("refusal.not_found", locale = locale, number = number).into_owned(),
            ServiceError::UnknownPerson => t!("refusal.unknown_person", locale = locale).into_owned(),
            ServiceError::AlreadyActed { actor, action, at, .. } => t!(
                "refusal.already_acted",
                locale = locale,
                actor = actor,
                action = i18n::past(locale, action),
                at = i18n::datetime(locale, *at, tz)
            )
            .into_owned(),
            ServiceError::Refused { number, step_name, refusal } => refusal_text(locale, number, step_name, refusal),
            ServiceError::Invalid(detail) => t!("refusal.invalid", locale = locale, detail = detail).into_owned(),
            ServiceError::Linked { number, parent } => {
                t!("refusal.linked", locale = locale, number = number, parent = parent).into_owned()
            }
            ServiceError::Duplicate => t!("refusal.duplicate", locale = locale).into_owned(),
            ServiceError::Photo(crate::domain::photo::Refused::Format(format)) => {
                t!("refusal.photo_format", locale = locale, format = format).into_owned()
            }
            ServiceError::Photo(crate::domain::photo::Refused::Damaged) => {
                t!("refusal.photo_damaged", locale = locale).into_owned()
            }
            ServiceError::Db(_) | ServiceError::Io(_) | ServiceError::SendNotRecorded(_) => {
                t!("refusal.internal", locale = locale).into_owned()
            }
        }
    }

    /// A short, stable name for metrics and logs.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::NotFound(_) => "not_found",
            ServiceError::UnknownPerson => "unknown_person",
            ServiceError::Refused { refusal, .. } => refusal.code(),
            ServiceError::AlreadyActed { .. } => "already_acted",
            ServiceError::Invalid(_) => "invalid",
            ServiceError::Linked { .. } => "linked",
            ServiceError::Duplicate => "duplicate",
            ServiceError::Photo(_) => "photo_refused",
            ServiceError::SendNotRecorded(_) => "send_not_recorded",
            ServiceError::Db(_) | ServiceError::Io(_) => "internal",
        }
    }

    pub fn is_internal(&self) -> bool {
        matches!(self, ServiceError::Db(_) | ServiceError::Io(_) | ServiceError::SendNotRecorded(_))
    }

    /// Whether trying the same input again may succeed: the database was unreachable, busy or
    /// chose this transaction to abort, or a file could not be written. Anything else (a
    /// constraint the input breaks, a value the database refuses) fails the same way again.
    pub fn is_transient(&self) -> bool {
        match self {
            ServiceError::Io(_) | ServiceError::SendNotRecorded(_) => true,
            ServiceError::Db(err) => db_error_is_transient(err),
            _ => false,
        }
    }
}

fn db_error_is_transient(err: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    let runtime = match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(runtime) | DbErr::Query(runtime) => runtime,
        _ => return false,
    };
    let RuntimeErr::SqlxError(sqlx) = runtime else { return false };
    match sqlx.as_ref() {
        sea_orm::sqlx::Error::Database(db) => db.code().is_some_and(|code| transient_code(&code)),
        sea_orm::sqlx::Error::Io(_)
        | sea_orm::sqlx::Error::PoolTimedOut
        | sea_orm::sqlx::Error::PoolClosed
        | sea_orm::sqlx::Error::WorkerCrashed
        | sea_orm::sqlx::Error::Tls(_)
        | sea_orm::sqlx::Error::Protocol(_) => true,
        _ => false,
    }
}

/// SQLite's busy and locked (with their extended codes); PostgreSQL's serialization failure,
/// deadlock, lock not available, and the classes of connection trouble, insufficient
/// resources and operator intervention (a restart).
fn transient_code(code: &str) -> bool {
    matches!(code, "5" | "6" | "261" | "262" | "517" | "40001" | "40P01" | "55P03")
        || ["08", "53", "57"].iter().any(|class| code.starts_with(class))
}

fn refusal_text(locale: &str, number: &str, step_name: &str, refusal: &Refusal) -> String {
    let text = match refusal {
        Refusal::NotOpen(status) => {
            t!("refusal.not_open", locale = locale, number = number, status = i18n::status(locale, *status))
        }
        Refusal::Stale { .. } => t!("refusal.stale", locale = locale, number = number),
        Refusal::NotAllowedHere { .. } => t!("refusal.not_allowed", locale = locale, step = step_name),
        Refusal::WrongRole { needed, .. } => {
            t!("refusal.wrong_role", locale = locale, role = i18n::role(locale, *needed))
        }
        Refusal::NotAssigned => t!("refusal.not_assigned", locale = locale, number = number),
        Refusal::NotReporter => t!("refusal.not_reporter", locale = locale),
        Refusal::Missing(field) => t!(format!("refusal.missing_{field}"), locale = locale),
        Refusal::NotTechnician(id) => t!("refusal.not_technician", locale = locale, name = format!("#{id}")),
        Refusal::TooFewPhotos { need, got } => t!("refusal.too_few_photos", locale = locale, need = need, got = got),
        Refusal::EtaInPast => t!("refusal.eta_in_past", locale = locale),
        Refusal::NoteTooLong => t!("refusal.note_too_long", locale = locale, max = MAX_NOTE_CHARS),
    };
    text.into_owned()
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbErr, RuntimeErr};

    use super::{ServiceError, transient_code};

    #[test]
    fn only_failures_that_may_pass_are_transient() {
        let lost = ServiceError::Db(DbErr::Conn(RuntimeErr::Internal("connection reset".into())));
        assert!(lost.is_transient());
        assert!(ServiceError::Io(std::io::Error::other("disk full")).is_transient());
        assert!(!ServiceError::Db(DbErr::RecordNotFound("ticket 7".into())).is_transient());
        assert!(!ServiceError::Db(DbErr::Custom("bug".into())).is_transient());
        assert!(!ServiceError::Invalid("no".into()).is_transient());
        // Busy and locked SQLite, PostgreSQL's serialization failure, deadlock and restarts.
        for code in ["5", "517", "40001", "40P01", "08006", "57P01", "53300"] {
            assert!(transient_code(code), "{code}");
        }
        // A foreign key, NUL in text (PostgreSQL), a unique key: the same every time.
        for code in ["787", "23503", "22021", "23505", "2067"] {
            assert!(!transient_code(code), "{code}");
        }
    }
}
