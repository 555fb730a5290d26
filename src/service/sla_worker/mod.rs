//! The SLA worker: reminders before a step's limit, escalations after it, and the morning
//! digest for Kabid and Kadis, all queued through the outbox. [`SlaWorker::run_pass`] is its
//! one unit of work at a given time, so tests drive it with a set clock; [`SlaWorker::run_until`]
//! is the trivial loop around it. What is due comes from the pure
//! [`crate::domain::reminders`]; this module reads, resolves people, renders and writes.
//!
//! Several processes may run it on one database: a lease row lets one of them work at a time,
//! and the unique `sla_notices` / `sla_digests` rows make every notice go out once even if two
//! passes overlap (a notice and its outbox rows are written in one transaction, or not at all).

mod alerts;
mod complaints;
mod digest;
mod texts;
mod watch;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Helpdesk, ServiceError};
use crate::domain::reminders::Policy;
use crate::store::sla;

/// The lease row's name in `worker_leases`.
pub const LEASE_NAME: &str = "sla";

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Another worker holds the lease: this pass did nothing.
    pub lease_held_by: Option<String>,
    /// Reminders sent (one per ticket and threshold, whatever the number of recipients).
    pub reminders: usize,
    /// Breaches escalated.
    pub escalations: usize,
    pub digests: usize,
    /// Reminders and escalations due but held until the office opens.
    pub skipped_outside_hours: usize,
    /// Surveys left unanswered for a day, reminded once.
    pub survey_reminders: usize,
    /// Outbox rows queued.
    pub messages: usize,
}

#[derive(Debug, Clone)]
pub struct SlaWorker {
    desk: Helpdesk,
    policy: Policy,
    holder: String,
    lease: chrono::Duration,
    interval: Duration,
}

impl SlaWorker {
    /// A worker on the desk's database, SOP and calendar, with the default thresholds (50%
    /// and 80%), a pass every 30 seconds and a 90-second lease.
    pub fn new(desk: Helpdesk) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        // Unique enough among processes and hosts: the pid, the start time and a counter.
        let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let holder = format!("sla-{}-{started}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        SlaWorker {
            desk,
            policy: Policy::default(),
            holder,
            lease: chrono::Duration::seconds(90),
            interval: Duration::from_secs(30),
        }
    }

    /// Remind at these shares (percent) of a limit instead of 50% and 80%.
    pub fn with_thresholds(self, percents: &[u8]) -> Self {
        SlaWorker { policy: Policy::new(percents), ..self }
    }

    /// Name this worker in the lease (defaults to one unique per instance).
    pub fn with_holder(self, holder: impl Into<String>) -> Self {
        SlaWorker { holder: holder.into(), ..self }
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Do everything due at `now`: take the lease, then send the reminders, escalations and
    /// the morning digest that are due and not sent yet.
    #[tracing::instrument(skip(self), fields(holder = %self.holder))]
    pub async fn run_pass(&self, now: DateTime<Utc>) -> Result<PassReport, ServiceError> {
        let db = self.desk.db();
        let holder = sla::take_lease(db, LEASE_NAME, &self.holder, now, now + self.lease).await?;
        if holder != self.holder {
            tracing::debug!(%holder, "another SLA worker holds the lease");
            return Ok(PassReport { lease_held_by: Some(holder), ..PassReport::default() });
        }
        let mut report = PassReport::default();
        let mut people = watch::People::default();
        // Each batch handled moves its tickets' next check past `now`, so the next batch is
        // the following tickets; a short batch is the last.
        loop {
            let batch = watch::due(&self.desk, now).await?;
            alerts::send_due(&self.desk, &self.policy, &batch, &mut people, now, &mut report).await?;
            if (batch.len() as u64) < watch::BATCH {
                break;
            }
        }
        digest::send_if_due(&self.desk, &mut people, now, &mut report).await?;
        complaints::escalate_due(&self.desk, now, &mut report).await?;
        report.survey_reminders = self.desk.remind_surveys(now).await?;
        report.messages += report.survey_reminders;
        if report != PassReport::default() {
            tracing::info!(?report, "SLA pass");
        }
        Ok(report)
    }

    /// Run a pass every interval with the desk's clock until `shutdown` turns true, then give
    /// the lease up so another process can take over at once.
    pub async fn run_until(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            if let Err(err) = self.run_pass(self.desk.clock().now()).await {
                tracing::error!(%err, "SLA pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.interval) => {}
                changed = shutdown.changed() => {
                    // The sender is gone: nobody can ask us to stop any more, so stop now.
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
        let now = self.desk.clock().now();
        if let Err(err) = sla::release_lease(self.desk.db(), LEASE_NAME, &self.holder, now).await {
            tracing::warn!(%err, "could not release the SLA lease");
        }
    }
}
