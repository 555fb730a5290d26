//! The retention job: once an hour, delete what is older than the days kept (see
//! [`crate::store::retention`] for what goes and what stays), a batch at a time with a pause
//! between, so the office's own writes never queue behind it. Once a day (and at start) it
//! also runs the personal-data schedule ([`Helpdesk::retain`]) and the sweep that deletes
//! the files erasures and retention let go of. [`Retention::run_once`] is the
//! unit tests drive with a set clock; several processes may run it at once (a row deleted
//! twice is deleted once).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Helpdesk, ServiceError};
use crate::store::retention;

/// Rows deleted per transaction.
const BATCH: u64 = 500;

/// What one run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub outbox: u64,
    pub inbound: u64,
    /// Messages of the chat simulator's chats ("Coba SIGAP").
    pub web: u64,
}

#[derive(Debug, Clone)]
pub struct Retention {
    desk: Helpdesk,
    keep: chrono::Duration,
    interval: Duration,
    pause: Duration,
    inbox: Option<sea_orm::DatabaseConnection>,
}

impl Retention {
    /// Keep `keep_days` days of sent messages and processed update ids.
    pub fn new(desk: Helpdesk, keep_days: u32) -> Self {
        Retention {
            desk,
            keep: chrono::Duration::days(keep_days.into()),
            interval: Duration::from_secs(3600),
            pause: Duration::from_millis(10),
            inbox: None,
        }
    }

    /// The webhook inbox, whose kept-aside deliveries the personal-data schedule deletes.
    pub fn with_inbox(self, inbox: Option<sea_orm::DatabaseConnection>) -> Self {
        Retention { inbox, ..self }
    }

    /// The personal-data schedule and the sweep after it.
    async fn run_privacy(&self) -> Result<(), ServiceError> {
        // Files a crash left behind go first: an erasure committed, its files not yet deleted.
        self.desk.sweep(self.inbox.as_ref(), false).await?;
        if !self.desk.retain(self.inbox.as_ref()).await?.is_empty() {
            self.desk.sweep(self.inbox.as_ref(), false).await?;
        }
        Ok(())
    }

    /// Delete everything older than the days kept at `now`, batch after batch.
    #[tracing::instrument(skip(self))]
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<Pruned, ServiceError> {
        let before = now - self.keep;
        let db = self.desk.db();
        let mut pruned = Pruned::default();
        let mut cursor = None;
        let mut outbox_left = true;
        loop {
            if outbox_left {
                let (outbox, next) = retention::prune_sent(db, before, cursor, BATCH).await?;
                pruned.outbox += outbox;
                (cursor, outbox_left) = (next, next.is_some());
            }
            let inbound = retention::prune_inbound(db, before, BATCH).await?;
            pruned.inbound += inbound;
            let web = crate::store::web_chat::prune(db, before, BATCH).await?;
            pruned.web += web;
            if !outbox_left && inbound < BATCH && web < BATCH {
                break;
            }
            tokio::time::sleep(self.pause).await;
        }
        if pruned != Pruned::default() {
            tracing::info!(?pruned, "old sent messages, update ids and simulated chats deleted");
        }
        Ok(pruned)
    }

    /// Run every hour with the desk's clock until `shutdown` turns true.
    pub async fn run_until(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut hours = 0u32;
        loop {
            if *shutdown.borrow() {
                break;
            }
            if hours.is_multiple_of(24)
                && let Err(err) = self.run_privacy().await
            {
                tracing::error!(%err, "personal-data retention failed");
            }
            hours = hours.wrapping_add(1);
            if let Err(err) = self.run_once(self.desk.clock().now()).await {
                tracing::error!(%err, "retention run failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.interval) => {}
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
    }
}
