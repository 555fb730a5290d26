//! The delivery loop's one unit of work, [`DeliveryWorker::try_execute_task`]: pick the
//! oldest undelivered message of some chat, claim it with a lease (so another replica or a
//! restarted process does not send it too), send it, and record the outcome.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sea_orm::DatabaseConnection;

use super::{Delivery, FileContent, FileToSend, Pacer, Progress, RetryPolicy, SendError, Sender};

/// WhatsApp's customer-service window: free-form messages only this long after the
/// person's last message.
pub const WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(24);
use crate::clock::Clock;
use crate::domain::ticket::Channel;
use crate::metrics::Metrics;
use crate::store::{attachments, inbound, outbox};

/// What one unit of work did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Nothing is ready to send now.
    Idle,
    Sent(i64),
    Retrying {
        id: i64,
        after: Duration,
    },
    Failed {
        id: i64,
        reason: String,
    },
    /// Someone else claimed the row first.
    Lost(i64),
}

pub struct DeliveryWorker {
    db: DatabaseConnection,
    senders: HashMap<Channel, Arc<dyn Sender>>,
    clock: Arc<dyn Clock>,
    data_dir: PathBuf,
    policy: RetryPolicy,
    pacer: Mutex<Pacer>,
    metrics: Arc<Metrics>,
    /// How many messages this process sends at once, each to a different chat.
    lanes: usize,
    /// Rows a lane of this process is working on, so the other lanes pick other chats.
    in_flight: Mutex<HashSet<i64>>,
    /// Rung when a lane finds work, so the lanes resting while the outbox is quiet join in.
    work_found: tokio::sync::Notify,
    /// Whether some idle lane is looking every [`IDLE_LOOK`]; the others rest.
    watching: std::sync::atomic::AtomicBool,
}

/// How often one idle lane (the watcher) looks for work while there is none: the longest a
/// new message waits. The other idle lanes look ten times less often and are woken when a
/// lane finds work, so a quiet office costs one lane's scan, not one per lane (issue 16's
/// idle CPU); a lane busy with a slow send never leaves the others without a watcher.
const IDLE_LOOK: Duration = Duration::from_millis(200);
const RESTING_LOOK: Duration = Duration::from_secs(2);

impl DeliveryWorker {
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>, data_dir: PathBuf, policy: RetryPolicy) -> Self {
        DeliveryWorker {
            db,
            senders: HashMap::new(),
            clock,
            data_dir,
            policy,
            pacer: Mutex::new(Pacer::default()),
            metrics: Arc::new(Metrics::new()),
            lanes: 1,
            in_flight: Mutex::new(HashSet::new()),
            work_found: tokio::sync::Notify::new(),
            watching: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Send to up to `lanes` chats at once. A chat still gets one message at a time, in
    /// order; a slow or failing chat no longer holds up the others.
    pub fn with_lanes(self, lanes: usize) -> Self {
        DeliveryWorker { lanes: lanes.max(1), ..self }
    }

    pub fn with_metrics(self, metrics: Arc<Metrics>) -> Self {
        DeliveryWorker { metrics, ..self }
    }

    pub fn with_sender(mut self, sender: Arc<dyn Sender>) -> Self {
        self.senders.insert(sender.channel(), sender);
        self
    }

    pub fn with_pacer(self, pacer: Pacer) -> Self {
        DeliveryWorker { pacer: Mutex::new(pacer), ..self }
    }

    pub fn channels(&self) -> Vec<Channel> {
        self.senders.keys().copied().collect()
    }

    /// Deliver at most one message.
    pub async fn try_execute_task(&self) -> Result<Step, sea_orm::DbErr> {
        let (channel, step) = self.deliver_one().await?;
        let outcome = match &step {
            Step::Idle | Step::Lost(_) => return Ok(step),
            Step::Sent(_) => "sent",
            Step::Retrying { .. } => "retrying",
            Step::Failed { reason, .. } => {
                let labels = Metrics::labels(("channel", channel.as_str()), ("reason", failure_kind(reason)));
                self.metrics.delivery_failures.get_or_create(&labels).inc();
                "failed"
            }
        };
        let labels = Metrics::labels(("channel", channel.as_str()), ("outcome", outcome));
        self.metrics.deliveries.get_or_create(&labels).inc();
        Ok(step)
    }

    async fn deliver_one(&self) -> Result<(Channel, Step), sea_orm::DbErr> {
        let now = self.clock.now();
        let channels = self.channels();
        let candidates = outbox::deliverable(&self.db, &channels, now, 64).await?;
        // Choosing, pacing and marking the row ours happen under one lock, so two lanes
        // neither take the same row nor both spend the last of a second's allowance.
        let row = {
            let mut pacer = self.pacer.lock().unwrap_or_else(PoisonError::into_inner);
            let mut in_flight = self.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
            let found = candidates.into_iter().find(|row| {
                let channel = row.channel.parse().unwrap_or(Channel::System);
                !in_flight.contains(&row.id) && pacer.allows(channel, &row.address, now)
            });
            if let Some(row) = &found {
                in_flight.insert(row.id);
                pacer.record(row.channel.parse().unwrap_or(Channel::System), &row.address, now);
            }
            found
        };
        let Some(row) = row else {
            return Ok((Channel::System, Step::Idle));
        };
        let id = row.id;
        let result = self.deliver_row(row, now).await;
        self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
        result
    }

    async fn deliver_row(
        &self,
        row: outbox::OutboxRow,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(Channel, Step), sea_orm::DbErr> {
        // A row still `sending` was claimed by a process that died mid-send (its lease ran
        // out): whether the platform got it is unknowable, as neither API takes an
        // idempotency key. It is sent again, since an outage report must not go unanswered,
        // and the row says it may have arrived twice.
        let takeover = row.status == outbox::SENDING;
        let lease = chrono::Duration::from_std(self.policy.lease).unwrap_or_else(|_| chrono::Duration::seconds(60));
        let Some(claimed) = outbox::claim(&self.db, row.id, now, now + lease).await? else {
            return Ok((Channel::System, Step::Lost(row.id)));
        };
        let channel: Channel = claimed.channel.parse().unwrap_or(Channel::System);
        let Some(sender) = self.senders.get(&channel) else {
            return Ok((channel, Step::Lost(row.id)));
        };
        let delivery = match self.delivery(&claimed, now).await? {
            Ok(d) => d,
            Err(reason) => {
                outbox::fail(&self.db, claimed.id, claimed.attempts, &reason).await?;
                tracing::error!(outbox = claimed.id, %reason, "undeliverable row");
                return Ok((channel, Step::Failed { id: claimed.id, reason }));
            }
        };
        if takeover {
            tracing::warn!(outbox = claimed.id, "taking over a message whose sender stopped mid-send");
            self.metrics.delivery_takeovers.get_or_create(&Metrics::label("channel", channel.as_str())).inc();
        }
        if delivery.parts_sent > 0 {
            tracing::info!(outbox = claimed.id, parts_sent = delivery.parts_sent, "resuming after the parts sent");
        }
        let progress = RowProgress { db: &self.db, clock: self.clock.as_ref(), row: &claimed, channel };
        let result = sender.send(&delivery, &progress).await;
        let done = self.clock.now();
        match result {
            Ok(sent) => {
                if let Some(note) = &sent.note {
                    tracing::info!(outbox = claimed.id, %note, "sent otherwise than asked");
                }
                let note = match (takeover, sent.note) {
                    (false, note) => note,
                    (true, None) => Some(outbox::TAKEN_OVER.to_owned()),
                    (true, Some(note)) => Some(format!("{}; {note}", outbox::TAKEN_OVER)),
                };
                outbox::mark_sent_as(&self.db, &claimed, channel, &sent.external_ids, note.as_deref(), done).await?;
                Ok((channel, Step::Sent(claimed.id)))
            }
            Err(SendError::Retry { reason, .. }) if claimed.attempts >= self.policy.max_attempts => {
                let reason = format!("gave up after {} attempts: {reason}", claimed.attempts);
                outbox::fail(&self.db, claimed.id, claimed.attempts, &reason).await?;
                tracing::warn!(outbox = claimed.id, %reason, "delivery failed");
                Ok((channel, Step::Failed { id: claimed.id, reason }))
            }
            Err(SendError::Retry { after, reason }) => {
                let wait = self.policy.delay(claimed.id, claimed.attempts, after);
                let at = done + chrono::Duration::from_std(wait).unwrap_or_default();
                outbox::reschedule(&self.db, claimed.id, claimed.attempts, at, &reason).await?;
                tracing::info!(outbox = claimed.id, %reason, ?wait, "delivery will be retried");
                Ok((channel, Step::Retrying { id: claimed.id, after: wait }))
            }
            Err(SendError::Permanent { reason }) => {
                outbox::fail(&self.db, claimed.id, claimed.attempts, &reason).await?;
                tracing::warn!(outbox = claimed.id, %reason, "delivery failed for good");
                Ok((channel, Step::Failed { id: claimed.id, reason }))
            }
        }
    }

    /// Send until `shutdown` resolves, on every lane; each lane finishes the message in
    /// hand before it stops, so nothing is left claimed by a clean shutdown.
    pub async fn run_until(self, shutdown: tokio::sync::watch::Receiver<bool>) {
        let lanes = self.lanes;
        let worker = Arc::new(self);
        let mut running = tokio::task::JoinSet::new();
        for _ in 0..lanes {
            running.spawn(worker.clone().lane(shutdown.clone()));
        }
        while running.join_next().await.is_some() {}
    }

    async fn lane(self: Arc<Self>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            use std::sync::atomic::Ordering;
            let mut watcher = false;
            let pause = match self.try_execute_task().await {
                Ok(Step::Idle) => {
                    watcher = !self.watching.swap(true, Ordering::AcqRel);
                    if watcher { IDLE_LOOK } else { RESTING_LOOK }
                }
                Ok(_) => {
                    self.work_found.notify_waiters();
                    Duration::ZERO
                }
                Err(err) => {
                    tracing::error!(%err, "outbox delivery");
                    Duration::from_secs(1)
                }
            };
            if !pause.is_zero() {
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = self.work_found.notified() => {}
                    _ = shutdown.changed() => {}
                }
            }
            if watcher {
                self.watching.store(false, Ordering::Release);
            }
        }
    }

    /// The row made ready to send; the inner error means the row itself is unusable.
    async fn delivery(
        &self,
        row: &outbox::OutboxRow,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Result<Delivery, String>, sea_orm::DbErr> {
        let message = match row.message() {
            Ok(m) => m,
            Err(e) => return Ok(Err(format!("unreadable payload: {e}"))),
        };
        let mut files = Vec::new();
        for id in &message.attachments {
            let Some(found) = attachments::by_id(&self.db, *id).await? else {
                return Ok(Err(format!("attachment #{id} does not exist")));
            };
            let content = match attachments::content_of(&self.data_dir, &found) {
                attachments::Content::File(path) => FileContent::Path(path),
                attachments::Content::Database => match attachments::stored_bytes(&self.db, found.id).await? {
                    Some(bytes) => FileContent::Bytes(bytes),
                    None => return Ok(Err(format!("attachment #{} has no stored bytes", found.id))),
                },
            };
            files.push(FileToSend { attachment_id: found.id, content, mime: found.mime, file_name: found.file_name });
        }
        for (i, file) in message.files.iter().enumerate() {
            let path = self.data_dir.join(&file.path);
            if !path.starts_with(&self.data_dir) || file.path.contains("..") {
                return Ok(Err(format!("file `{}` is outside the data directory", file.path)));
            }
            files.push(FileToSend {
                attachment_id: -(i as i64) - 1,
                content: FileContent::Path(path),
                mime: file.mime.clone(),
                file_name: Some(file.file_name.clone()),
            });
        }
        let channel = row.channel.parse().unwrap_or(Channel::System);
        let outside_window = channel == Channel::Whatsapp
            && inbound::last_inbound(&self.db, channel, &row.address).await?.is_none_or(|at| now - at >= WINDOW);
        Ok(Ok(Delivery {
            outbox_id: row.id,
            channel,
            address: row.address.clone(),
            message,
            files,
            kind: row.kind.clone(),
            outside_window,
            parts_sent: usize::try_from(row.parts_sent).unwrap_or(0),
        }))
    }
}

/// The claimed row's record of the parts sent, written as each one goes through.
struct RowProgress<'a> {
    db: &'a DatabaseConnection,
    clock: &'a dyn Clock,
    row: &'a outbox::OutboxRow,
    channel: Channel,
}

#[async_trait::async_trait]
impl Progress for RowProgress<'_> {
    async fn part_sent(&self, index: usize, external_ids: &[String]) -> Result<(), SendError> {
        let parts = i32::try_from(index + 1).unwrap_or(i32::MAX);
        let at = self.clock.now();
        match outbox::record_parts(self.db, self.row.id, self.row.attempts, parts, self.channel, external_ids, at).await
        {
            Ok(true) => Ok(()),
            // Another sender holds the row now and resumes from what is recorded.
            Ok(false) => Err(SendError::Retry { after: None, reason: "lease lost mid-send".into() }),
            // Unrecorded, this part would go again on the retry: better one repeated part than
            // a message cut short.
            Err(err) => Err(SendError::Retry { after: None, reason: format!("recording part {parts}: {err}") }),
        }
    }
}

/// A coarse reason for the failure metric: label values must stay few.
fn failure_kind(reason: &str) -> &'static str {
    let lower = reason.to_ascii_lowercase();
    if lower.starts_with("gave up") {
        "retries_exhausted"
    } else if lower.contains("blocked") || lower.contains("403") {
        "blocked"
    } else if lower.contains("not found") || lower.contains("400") {
        "bad_request"
    } else if lower.contains("131047") || lower.contains("window") {
        "outside_window"
    } else if lower.contains("payload") || lower.contains("attachment") {
        "unusable_message"
    } else {
        "other"
    }
}
