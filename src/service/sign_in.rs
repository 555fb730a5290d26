//! Signing in to the web console without passwords. A staff member names themselves by
//! phone number or Telegram id and gets a six-digit code in their own chat (through the
//! outbox, like every message); or the admin prints a one-time link. Every rule lives here,
//! not in the web adapter: who may sign in (staff, not reporters), how long a code lives,
//! how many wrong codes are tolerated, how long a session lasts.
//!
//! An identity that names nobody, or a reporter, gets exactly the answers a staff member
//! gets, so the sign-in page cannot be used to find out who is registered.

use chrono::{DateTime, Duration, Utc};
use rust_i18n::t;
use sea_orm::TransactionTrait;

use super::{Helpdesk, ServiceError};
use crate::domain::phone::PhoneNumber;
use crate::domain::role::Role;
use crate::domain::ticket::Channel;
use crate::i18n;
use crate::outbound::{OutboundMessage, kind};
use crate::store::console::{self, SessionRow};
use crate::store::directory::{self, PersonRecord};
use crate::store::outbox::{self, NewOutbound};

/// How long a code sent to a chat stays valid.
pub const CODE_MINUTES: i64 = 10;
/// Wrong codes tolerated per person within [`FAILURE_WINDOW_MINUTES`]; further tries are refused.
pub const MAX_FAILURES: u64 = 5;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
/// Codes sent per person within [`FAILURE_WINDOW_MINUTES`]; asking again sends nothing more,
/// so the sign-in page cannot be used to flood someone's chat.
pub const MAX_CODES: u64 = 5;
/// A session ends this long after sign-in, whatever happens in between.
pub const SESSION_HOURS: i64 = 8;
/// How long a link printed by the admin stays valid.
pub const LINK_HOURS: i64 = 24;

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Wrong, expired or used code, or an identity that signs nobody in: one answer for all.
    #[error("the code is wrong, expired or already used")]
    Wrong,
    #[error("too many wrong codes; try again later")]
    TooMany,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// A new session: the token goes into the browser's cookie and nowhere else.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// What a signed-in person may see in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Helpdesk, Kasi, Kabid, Kadis, complaint official, admin: every ticket.
    Office,
    /// A technician only: their own tickets.
    Own,
}

impl Reach {
    /// The console reach of `person`; None for reporters and disabled people.
    pub fn of(person: &PersonRecord) -> Option<Reach> {
        if !person.active {
            return None;
        }
        if person.roles.iter().any(|r| !matches!(r, Role::Reporter | Role::Technician)) {
            Some(Reach::Office)
        } else if person.roles.contains(&Role::Technician) {
            Some(Reach::Own)
        } else {
            None
        }
    }
}

/// A browser's live session.
#[derive(Debug, Clone)]
pub struct ConsoleUser {
    pub person: PersonRecord,
    pub reach: Reach,
    /// Every form of this session carries it back.
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

impl Helpdesk {
    /// Send a sign-in code to the chat of the staff member named by `who` (a phone number or
    /// a Telegram id). Nothing tells the caller whether anyone was found.
    #[tracing::instrument(skip_all)]
    pub async fn request_sign_in_code(&self, who: &str) -> Result<(), ServiceError> {
        let now = self.clock.now();
        let Some(person) = self.identify(who).await?.filter(|p| Reach::of(p).is_some()) else { return Ok(()) };
        let Some((channel, address)) = person.contact() else { return Ok(()) };
        // A person locked out for guessing gets no new codes until the window passes.
        if self.failures(&subject(Some(&person), who), now).await? >= MAX_FAILURES {
            return Ok(());
        }
        // Codes sent are counted where wrong codes are (by subject and time, indexed).
        let sent_subject = format!("sent:{}", subject(Some(&person), who));
        if self.failures(&sent_subject, now).await? >= MAX_CODES {
            tracing::info!(person = person.id, "sign-in code not sent: too many asked for");
            return Ok(());
        }
        let code = six_digits()?;
        let locale = i18n::locale(&person.locale);
        let text = t!("console.code_message", locale = locale, code = code, minutes = CODE_MINUTES);
        let message = NewOutbound {
            person_id: Some(person.id),
            channel,
            address: address.to_owned(),
            ticket_id: None,
            kind: kind::SIGN_IN_CODE,
            message: OutboundMessage::text(text),
        };
        let txn = self.db.begin().await?;
        let expires = now + Duration::minutes(CODE_MINUTES);
        console::insert_code(&txn, person.id, console::CODE, code_hash(person.id, &code), now, expires).await?;
        console::record_failure(&txn, &sent_subject, now).await?;
        outbox::enqueue(&txn, vec![message], now).await?;
        txn.commit().await?;
        tracing::info!(person = person.id, ?channel, "sign-in code queued");
        Ok(())
    }

    /// Sign in with the code `who` received. Wrong codes are counted; past
    /// [`MAX_FAILURES`] within the window every try is refused, the right code too.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in_with_code(&self, who: &str, code: &str) -> Result<NewSession, SignInError> {
        let now = self.clock.now();
        let person = self.identify(who).await?.filter(|p| Reach::of(p).is_some());
        let subject = subject(person.as_ref(), who);
        if self.failures(&subject, now).await? >= MAX_FAILURES {
            return Err(SignInError::TooMany);
        }
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if let Some(person) = &person
            && code.len() == 6
            && code.chars().all(|c| c.is_ascii_digit())
        {
            let txn = self.db.begin().await.map_err(ServiceError::from)?;
            let hash = code_hash(person.id, &code);
            if console::take_code(&txn, console::CODE, &hash, Some(person.id), now)
                .await
                .map_err(ServiceError::from)?
                .is_some()
            {
                let session = self.open_session(&txn, person.id, now).await?;
                txn.commit().await.map_err(ServiceError::from)?;
                return Ok(session);
            }
        }
        console::record_failure(&self.db, &subject, now).await.map_err(ServiceError::from)?;
        Err(SignInError::Wrong)
    }

    /// A one-time sign-in link's secret for `person_id` (`sigap staff login-link`).
    pub async fn sign_in_link(&self, person_id: i64) -> Result<String, ServiceError> {
        let now = self.clock.now();
        let person = directory::person_record(&self.db, person_id).await?.ok_or(ServiceError::UnknownPerson)?;
        if Reach::of(&person).is_none() {
            return Err(ServiceError::Invalid(format!("#{person_id} has no console access (reporter or disabled)")));
        }
        let secret = random_hex(32)?;
        let expires = now + Duration::hours(LINK_HOURS);
        console::insert_code(&self.db, person.id, console::LINK, console::hash(&secret), now, expires).await?;
        Ok(secret)
    }

    /// Sign in once with a link's secret.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in_with_link(&self, secret: &str) -> Result<NewSession, SignInError> {
        let now = self.clock.now();
        let txn = self.db.begin().await.map_err(ServiceError::from)?;
        let taken = console::take_code(&txn, console::LINK, &console::hash(secret.trim()), None, now)
            .await
            .map_err(ServiceError::from)?;
        let Some(person_id) = taken else { return Err(SignInError::Wrong) };
        // Access is checked at use, not only when printed: the person may have been disabled.
        let person = directory::person_record(&txn, person_id).await.map_err(ServiceError::from)?;
        if person.as_ref().and_then(Reach::of).is_none() {
            return Err(SignInError::Wrong);
        }
        let session = self.open_session(&txn, person_id, now).await?;
        txn.commit().await.map_err(ServiceError::from)?;
        Ok(session)
    }

    /// The signed-in person behind a session token, if the session is live and the person
    /// still has console access.
    pub async fn console_user(&self, token: &str) -> Result<Option<ConsoleUser>, ServiceError> {
        let now = self.clock.now();
        let Some(SessionRow { person_id, csrf_token, expires_at, .. }) =
            console::live_session(&self.db, &console::hash(token), now).await?
        else {
            return Ok(None);
        };
        let Some(person) = directory::person_record(&self.db, person_id).await? else { return Ok(None) };
        Ok(Reach::of(&person).map(|reach| ConsoleUser { person, reach, csrf: csrf_token, expires_at }))
    }

    pub async fn sign_out(&self, token: &str) -> Result<(), ServiceError> {
        console::end_session(&self.db, &console::hash(token), self.clock.now()).await?;
        Ok(())
    }

    async fn open_session(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        person_id: i64,
        now: DateTime<Utc>,
    ) -> Result<NewSession, ServiceError> {
        let token = random_hex(32)?;
        let csrf = random_hex(16)?;
        let expires_at = now + Duration::hours(SESSION_HOURS);
        console::create_session(txn, console::hash(&token), person_id, csrf, now, expires_at).await?;
        Ok(NewSession { token, expires_at })
    }

    async fn failures(&self, subject: &str, now: DateTime<Utc>) -> Result<u64, ServiceError> {
        Ok(console::failures_since(&self.db, subject, now - Duration::minutes(FAILURE_WINDOW_MINUTES)).await?)
    }

    /// The person `who` names: a Telegram id, or a phone number (their WhatsApp, or the
    /// number they shared when registering).
    async fn identify(&self, who: &str) -> Result<Option<PersonRecord>, ServiceError> {
        let who = who.trim();
        if who.is_empty() {
            return Ok(None);
        }
        if who.chars().all(|c| c.is_ascii_digit())
            && let Some(person) = directory::person_by_identity(&self.db, Channel::Telegram, who).await?
        {
            return Ok(Some(person));
        }
        // The demo office's people are named by their simulated chat (`demo-kasi`).
        if who.starts_with("demo-")
            && let Some(person) = directory::person_by_identity(&self.db, Channel::Web, who).await?
        {
            return Ok(Some(person));
        }
        let Ok(phone) = who.parse::<PhoneNumber>() else { return Ok(None) };
        if let Some(person) = directory::person_by_identity(&self.db, Channel::Whatsapp, phone.as_str()).await? {
            return Ok(Some(person));
        }
        Ok(console::person_by_phone(&self.db, phone.as_str()).await?)
    }
}

/// Whom a wrong code counts against: the person, or what was typed when it names nobody.
fn subject(person: Option<&PersonRecord>, who: &str) -> String {
    match person {
        Some(p) => format!("person:{}", p.id),
        None => format!("unknown:{}", who.trim().to_lowercase()),
    }
}

/// The person's id is hashed in, so equal codes of two people never match each other's.
fn code_hash(person_id: i64, code: &str) -> String {
    console::hash(&format!("{person_id}:{code}"))
}

fn six_digits() -> Result<String, ServiceError> {
    // Rejection sampling: every code equally likely.
    loop {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_err(|e| ServiceError::Io(std::io::Error::other(e.to_string())))?;
        let n = u32::from_le_bytes(bytes);
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

fn random_hex(len: usize) -> Result<String, ServiceError> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|e| ServiceError::Io(std::io::Error::other(e.to_string())))?;
    Ok(hex::encode(bytes))
}
