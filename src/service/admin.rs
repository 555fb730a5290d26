//! The admin's work, for the command line and the console alike: staff (add, roles, disable,
//! invite), organisations (import a CSV), messages that failed or were sent twice, and
//! webhook deliveries kept aside (tried again on request). Input is checked here, before
//! anything is written; an error says what is wrong in the admin's language.

use chrono::Duration;
use rust_i18n::t;
use sea_orm::{DatabaseConnection, TransactionTrait};

use super::dashboard::ViewError;
use super::sign_in::ConsoleUser;
use super::{Helpdesk, ServiceError};
use crate::domain::phone::PhoneNumber;
use crate::domain::role::Role;
use crate::domain::ticket::Channel;
use crate::store::conversations::{self, NewInvite};
use crate::store::directory::{self, DirectoryError, ImportSummary, NewOrg, NewPerson, OrgKind, PersonRecord};
use crate::store::inbox::{self, InboxRow};
use crate::store::outbox::{self, OutboxRow};

/// Rows an admin list shows at most.
pub const LIST: u64 = 50;

/// A field of the admin's input that can be wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Role,
    /// `reporter` where only staff roles are given (reporters register themselves).
    ReporterRole,
    NoRole,
    Telegram,
    Whatsapp,
    Locale,
    Name,
    Days,
}

/// What is wrong with an admin's input, or a failure underneath.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// `field` cannot be `value`; each adapter names the field its own way.
    #[error("{field:?} `{value}`")]
    Field { field: Field, value: String },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<sea_orm::DbErr> for AdminError {
    fn from(err: sea_orm::DbErr) -> Self {
        AdminError::Service(err.into())
    }
}

impl AdminError {
    /// The text for the admin: what was wrong with the input, or an apology.
    pub fn localized(&self, locale: &str) -> String {
        match self {
            AdminError::Invalid(text) => text.clone(),
            AdminError::Field { field, value } => {
                let key = match field {
                    Field::Role | Field::ReporterRole => "bad_role",
                    Field::NoRole => "no_role",
                    Field::Telegram => "bad_telegram",
                    Field::Whatsapp => "bad_phone",
                    Field::Locale => "bad_locale",
                    Field::Name => "empty_name",
                    Field::Days => "bad_days",
                };
                t!(format!("admin.{key}"), locale = locale, value = value).into_owned()
            }
            AdminError::Directory(DirectoryError::UnknownOrg(code)) => {
                t!("admin.unknown_org", locale = locale, code = code).into_owned()
            }
            AdminError::Directory(DirectoryError::IdentityTaken { address, person, .. }) => {
                t!("admin.identity_taken", locale = locale, address = address, person = person).into_owned()
            }
            AdminError::Directory(DirectoryError::UnknownPerson(id)) => {
                t!("admin.unknown_person", locale = locale, id = id).into_owned()
            }
            AdminError::Directory(DirectoryError::EmptyName) => t!("admin.empty_name", locale = locale).into_owned(),
            AdminError::Directory(DirectoryError::Db(_)) | AdminError::Service(_) => {
                t!("console.internal", locale = locale).into_owned()
            }
        }
    }

    /// A failure of SIGAP's, not of the input: logged, and the admin gets an apology.
    pub fn is_internal(&self) -> bool {
        matches!(self, AdminError::Directory(DirectoryError::Db(_)) | AdminError::Service(_))
    }
}

/// A person to add, as typed: checked by [`Helpdesk::add_staff`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffForm {
    pub name: String,
    pub roles: Vec<String>,
    pub org: Option<String>,
    pub telegram_id: Option<String>,
    pub whatsapp: Option<String>,
    pub locale: String,
}

fn wrong(field: Field, value: &str) -> AdminError {
    AdminError::Field { field, value: value.to_owned() }
}

/// Roles from their names; `reporter` only when `reporter_ok`.
fn roles(texts: &[String], reporter_ok: bool) -> Result<Vec<Role>, AdminError> {
    let mut out = Vec::new();
    for text in texts.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        let role: Role = text.parse().map_err(|_| wrong(Field::Role, text))?;
        if role == Role::Reporter && !reporter_ok {
            return Err(wrong(Field::ReporterRole, text));
        }
        if !out.contains(&role) {
            out.push(role);
        }
    }
    if out.is_empty() {
        return Err(wrong(Field::NoRole, ""));
    }
    Ok(out)
}

impl StaffForm {
    /// The person to write, or which field is wrong.
    pub fn check(&self) -> Result<NewPerson, AdminError> {
        let roles = roles(&self.roles, true)?;
        let mut identities = Vec::new();
        if let Some(id) = self.telegram_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            if !id.chars().all(|c| c.is_ascii_digit()) {
                return Err(wrong(Field::Telegram, id));
            }
            identities.push((Channel::Telegram, id.to_owned()));
        }
        if let Some(number) = self.whatsapp.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let phone: PhoneNumber = number.parse().map_err(|_| wrong(Field::Whatsapp, number))?;
            identities.push((Channel::Whatsapp, phone.to_string()));
        }
        let person_locale = self.locale.trim();
        let person_locale = if person_locale.is_empty() { "id" } else { person_locale };
        if !crate::i18n::LOCALES.contains(&person_locale) {
            return Err(wrong(Field::Locale, person_locale));
        }
        if self.name.trim().is_empty() {
            return Err(wrong(Field::Name, ""));
        }
        let org_code = self.org.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        Ok(NewPerson {
            name: self.name.trim().to_owned(),
            org_code,
            locale: person_locale.to_owned(),
            roles,
            identities,
        })
    }
}

/// An invite to register by Telegram: the single-use code, only its hash stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub code: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl Helpdesk {
    /// Refused unless `viewer` holds the admin role.
    pub fn admin_only(&self, viewer: &ConsoleUser) -> Result<(), ViewError> {
        if viewer.person.active && viewer.person.roles.contains(&Role::Admin) {
            Ok(())
        } else {
            Err(ViewError::Forbidden)
        }
    }

    pub async fn staff(&self) -> Result<Vec<PersonRecord>, ServiceError> {
        Ok(directory::staff(&self.db).await?)
    }

    /// Add a person after checking everything typed.
    #[tracing::instrument(skip_all)]
    pub async fn add_staff(&self, form: &StaffForm) -> Result<PersonRecord, AdminError> {
        let new = form.check()?;
        let person = directory::add_person(&self.db, &new, self.clock.now()).await?;
        tracing::info!(person = person.id, "staff added");
        Ok(person)
    }

    /// Give person `id` exactly these roles (a staff member keeps at least one).
    #[tracing::instrument(skip_all, fields(person = id))]
    pub async fn set_roles(&self, id: i64, texts: &[String]) -> Result<PersonRecord, AdminError> {
        let roles = roles(texts, true)?;
        let txn = self.db.begin().await?;
        directory::person_record(&txn, id).await?.ok_or(DirectoryError::UnknownPerson(id))?;
        directory::replace_roles(&txn, id, &roles).await?;
        let person = directory::person_record(&txn, id).await?.ok_or(DirectoryError::UnknownPerson(id))?;
        txn.commit().await?;
        Ok(person)
    }

    /// Stop (or let again) person `id` acting, receiving tasks and signing in; history is kept.
    #[tracing::instrument(skip_all, fields(person = id, active))]
    pub async fn set_active(&self, id: i64, active: bool) -> Result<PersonRecord, AdminError> {
        Ok(directory::set_active(&self.db, id, active).await?)
    }

    /// An invite for someone to register themselves in Telegram with `role`.
    #[tracing::instrument(skip_all)]
    pub async fn invite(&self, role: &str, name: &str, org: Option<&str>, days: u32) -> Result<Invite, AdminError> {
        let role = roles(&[role.to_owned()], false)?.remove(0);
        let name = name.trim();
        if name.is_empty() {
            return Err(wrong(Field::Name, ""));
        }
        if !(1..=30).contains(&days) {
            return Err(wrong(Field::Days, &days.to_string()));
        }
        let org_id = match org.map(str::trim).filter(|s| !s.is_empty()) {
            Some(code) => Some(
                directory::org_by_code(&self.db, code)
                    .await?
                    .ok_or_else(|| DirectoryError::UnknownOrg(code.to_uppercase()))?
                    .id,
            ),
            None => None,
        };
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes).map_err(|e| ServiceError::Io(std::io::Error::other(e.to_string())))?;
        let code = hex::encode(bytes);
        let now = self.clock.now();
        let expires_at = now + Duration::days(i64::from(days));
        let new = NewInvite { role: role.as_str().to_owned(), name: name.to_owned(), org_id, expires_at };
        conversations::create_invite(&self.db, &code, new, now).await?;
        Ok(Invite { code, expires_at })
    }

    pub async fn organisations(&self) -> Result<Vec<crate::store::entity::organisation::Model>, ServiceError> {
        Ok(directory::organisations(&self.db).await?)
    }

    /// Create or update organisations from a CSV of `code,name,kind`, all or nothing.
    #[tracing::instrument(skip_all)]
    pub async fn import_orgs_csv(&self, text: &str, locale: &str) -> Result<(usize, ImportSummary), AdminError> {
        let rows = parse_orgs(text)
            .map_err(|detail| AdminError::Invalid(t!("admin.bad_csv", locale = locale, value = detail).into_owned()))?;
        let summary = directory::import_orgs(&self.db, &rows, self.clock.now()).await?;
        Ok((rows.len(), summary))
    }

    /// Messages given up on, newest first, with the reason.
    pub async fn failed_messages(&self) -> Result<Vec<OutboxRow>, ServiceError> {
        Ok(outbox::failed(&self.db, LIST).await?)
    }

    /// Messages sent again after their sender was killed mid-send, newest first.
    pub async fn repeated_messages(&self) -> Result<Vec<OutboxRow>, ServiceError> {
        Ok(outbox::taken_over(&self.db, LIST).await?)
    }

    /// Deliveries kept aside in `inbox` (the webhook inbox's database), oldest first.
    pub async fn parked_deliveries(&self, inbox: &DatabaseConnection) -> Result<Vec<InboxRow>, ServiceError> {
        Ok(inbox::parked(inbox, LIST).await?)
    }

    /// Try delivery `id` again; false when it is not kept aside.
    #[tracing::instrument(skip_all, fields(delivery = id))]
    pub async fn retry_delivery(&self, inbox: &DatabaseConnection, id: i64) -> Result<bool, ServiceError> {
        Ok(inbox::unpark(inbox, id, self.clock.now()).await?)
    }
}

/// Parse `code,name,kind` rows after a header. Codes are stored upper-case. The error names
/// the line.
pub fn parse_orgs(text: &str) -> Result<Vec<NewOrg>, String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| format!("line 1: {e}"))?.clone();
    let names: Vec<String> = headers.iter().map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
    if names != ["code", "name", "kind"] {
        return Err(format!(
            "line 1: the header must be `code,name,kind`, found `{}`",
            headers.iter().collect::<Vec<_>>().join(",")
        ));
    }
    let mut rows: Vec<NewOrg> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(pos) => format!("line {}: {e}", pos.line()),
            None => e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let code = field(0).to_uppercase();
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(format!("line {line}: `code` must be letters, digits, '-' or '_', found `{}`", field(0)));
        }
        let name = field(1);
        if name.is_empty() {
            return Err(format!("line {line}: `name` is empty"));
        }
        let kind = match field(2).to_ascii_lowercase().as_str() {
            "opd" => OrgKind::Opd,
            "desa" => OrgKind::Desa,
            other => return Err(format!("line {line}: `kind` must be opd or desa, found `{other}`")),
        };
        if let Some(first) = seen.insert(code.clone(), line) {
            return Err(format!("line {line}: code `{code}` already on line {first}"));
        }
        rows.push(NewOrg { code, name: name.to_owned(), kind });
    }
    if rows.is_empty() {
        return Err("no rows after the header".into());
    }
    Ok(rows)
}
