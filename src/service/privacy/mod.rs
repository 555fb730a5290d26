//! Personal data under UU 27/2022 (PDP): the notice people get (what SIGAP keeps, why, how
//! long, whom to ask), what a person may see of their own data, the erasure the admin
//! carries out at their request (`erase`), the retention schedule (`retention`), and the
//! admin's purge of an archive year (`purge`).
//! Chat's side of it lives with the conversation (`converse/privacy.rs`).

mod erase;
mod mine;
mod purge;
mod retention;

pub use erase::{Erasure, Swept};
pub use mine::MyData;
pub use retention::{Expired, ExpiredKind};

use rust_i18n::t;

/// How long what is kept, and whom people ask (settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyPolicy {
    /// `SIGAP_DPO_CONTACT`: the office's data-protection officer (Pasal 53), as people
    /// should reach them (a name with a phone number or an e-mail address).
    pub dpo_contact: Option<String>,
    /// Conversations (drafts, questions half answered) idle this many days are deleted.
    pub keep_draft_days: u32,
    /// Received messages kept aside as unreadable (`inbox parked`), this many days.
    pub keep_unfiled_days: u32,
    /// Files SIGAP made to send (monthly logs, `/dataku` files), this many days.
    pub keep_export_days: u32,
    /// Photos of tickets ended this many years ago are deleted.
    pub keep_photo_years: u32,
    /// A reporter with no report or message for this many years loses their phone number.
    pub inactive_phone_years: u32,
    /// Tests only (`SIGAP_TEST_ERASE_PAUSE`): where an erasure waits, so that a test can
    /// kill the process there.
    pub erase_pause: Option<ErasePause>,
}

/// A point inside an erasure (tests only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasePause {
    /// Everything written, not yet committed.
    Commit,
    /// Committed, its files not yet deleted.
    Sweep,
}

impl ErasePause {
    /// Wait here long enough for any test to kill the process, saying so on the log first.
    pub async fn wait(self) {
        tracing::warn!(pause = ?self, "SIGAP_TEST_ERASE_PAUSE: waiting to be killed");
        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
    }
}

impl Default for PrivacyPolicy {
    fn default() -> Self {
        PrivacyPolicy {
            dpo_contact: None,
            keep_draft_days: 30,
            keep_unfiled_days: 90,
            keep_export_days: 7,
            keep_photo_years: 5,
            inactive_phone_years: 2,
            erase_pause: None,
        }
    }
}

impl PrivacyPolicy {
    /// The notice: one short paragraph, in `locale`.
    pub fn notice(&self, locale: &str) -> String {
        let contact = match &self.dpo_contact {
            Some(contact) => contact.clone(),
            None => t!("privacy.no_dpo", locale = locale).into_owned(),
        };
        t!(
            "privacy.notice",
            locale = locale,
            draft_days = self.keep_draft_days,
            photo_years = self.keep_photo_years,
            phone_years = self.inactive_phone_years,
            contact = contact
        )
        .into_owned()
    }
}

impl super::Helpdesk {
    /// Record that someone took personal data out (a log, a paper), at the desk's clock.
    pub async fn audit(&self, new: crate::store::privacy::NewAudit) -> Result<(), super::ServiceError> {
        crate::store::privacy::audit(&self.db, new, self.clock.now()).await?;
        Ok(())
    }
}
