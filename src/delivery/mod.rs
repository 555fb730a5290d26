//! Delivering the outbox. The core never talks to a platform: it queues
//! [`crate::outbound::OutboundMessage`]s, and the [`DeliveryWorker`] hands each one to the
//! [`Sender`] of its channel (Telegram, WhatsApp), retrying with backoff, keeping each
//! chat's order, and recording why a message could not be delivered.

mod backoff;
mod pacing;
mod worker;

pub use backoff::RetryPolicy;
pub use pacing::{Limits, Pacer};
pub use worker::{DeliveryWorker, Step, WINDOW};

use std::path::PathBuf;
use std::time::Duration;

use crate::domain::ticket::Channel;
use crate::outbound::OutboundMessage;

/// One message on its way to one chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub outbox_id: i64,
    pub channel: Channel,
    /// Telegram chat id or E.164 WhatsApp number.
    pub address: String,
    pub message: OutboundMessage,
    pub files: Vec<FileToSend>,
    /// The outbox row's kind (`update`, `sla_reminder`, …): which template stands in for it
    /// where free text is not allowed.
    pub kind: String,
    /// WhatsApp only: the chat has not written in the last 24 hours (or never), so only an
    /// approved template may be sent.
    pub outside_window: bool,
    /// Parts of this message an earlier attempt got through (see [`Progress`]): this attempt
    /// begins after them.
    pub parts_sent: usize,
}

/// What a successful send produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sent {
    /// The platform's ids of the messages sent (WhatsApp `wamid`s), to match later statuses.
    pub external_ids: Vec<String>,
    /// How it went, when not as asked (a template instead of free text); kept on the row.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileToSend {
    pub attachment_id: i64,
    pub content: FileContent,
    pub mime: String,
    pub file_name: Option<String>,
}

/// Where the bytes of a file to send are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileContent {
    /// A file under the data directory (what people sent).
    Path(PathBuf),
    /// Read from the database already (the papers SIGAP renders).
    Bytes(Vec<u8>),
}

impl FileToSend {
    /// The name the recipient sees: the file's own, else the last part of its path.
    pub fn display_name(&self) -> Option<String> {
        self.file_name.clone().or_else(|| match &self.content {
            FileContent::Path(path) => path.file_name().map(|name| name.to_string_lossy().into_owned()),
            FileContent::Bytes(_) => None,
        })
    }
}

/// How a send failed, as the platform's answer tells.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again: a network error, a 5xx, a rate limit (with the platform's wait).
    #[error("temporary: {reason}")]
    Retry { after: Option<Duration>, reason: String },
    /// Will never succeed as is: the bot was blocked, the chat does not exist, …
    #[error("permanent: {reason}")]
    Permanent { reason: String },
}

/// A channel's way of sending. Implemented by the Telegram and WhatsApp adapters, and by
/// fakes in tests.
#[async_trait::async_trait]
pub trait Sender: Send + Sync {
    fn channel(&self) -> Channel;
    /// Send the message's parts from `delivery.parts_sent` on, telling `progress` after each
    /// one the platform accepted, so that a retry never sends a part twice.
    async fn send(&self, delivery: &Delivery, progress: &dyn Progress) -> Result<Sent, SendError>;
}

/// Where a sender records each part of a message that went through. Neither platform takes
/// an idempotency key, so what was accepted must be written down before the next call.
#[async_trait::async_trait]
pub trait Progress: Send + Sync {
    /// Parts `0..=index` are in the chat; `external_ids` are the platform's ids of part
    /// `index` worth keeping (the message carrying a card's buttons, a WhatsApp `wamid`). An
    /// error stops the send: the rest waits for a retry.
    async fn part_sent(&self, index: usize, external_ids: &[String]) -> Result<(), SendError>;
}

/// Progress kept nowhere, for a send made outside the outbox (a test driving a sender
/// directly, a one-off message): a retry of it starts again from the first part.
pub struct Unrecorded;

#[async_trait::async_trait]
impl Progress for Unrecorded {
    async fn part_sent(&self, _index: usize, _external_ids: &[String]) -> Result<(), SendError> {
        Ok(())
    }
}
