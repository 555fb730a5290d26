//! Webhook deliveries stored first and applied after: a platform's POST is answered as soon as
//! its raw body is committed to the inbox ([`crate::store::inbox`]), and an [`InboxWorker`]
//! hands each stored body to the channel's [`Applier`], deleting the row once the effect is
//! committed. A platform therefore waits for one insert, not for a conversation turn, and a
//! delivery that fails is retried by SIGAP with backoff instead of by the platform.
//!
//! Order: one sender's deliveries are applied in the order they came; while one waits for a
//! retry, the sender's later ones wait behind it. Different senders go side by side. Several
//! processes on one database share the inbox; a lease lets one of them apply at a time.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::{Notify, Semaphore, mpsc, oneshot, watch};
use tokio::task::JoinSet;

use crate::clock::Clock;
use crate::delivery::RetryPolicy;
use crate::domain::ticket::Channel;
use crate::metrics::Metrics;
use crate::store::inbox::{self, InboxRow, NewDelivery};
use crate::store::sla;

/// Where deliveries are stored; cheap to clone.
///
/// On SQLite, deliveries that arrive while one insert is under way are stored together by the
/// next (group commit): the file has one writer, and a webhook then waits for at most two
/// inserts whatever the rate. PostgreSQL groups concurrent commits itself, so there each
/// delivery is inserted at once on a connection of its own.
#[derive(Clone)]
pub struct Inbox {
    db: DatabaseConnection,
    /// What the worker reads and deletes through.
    reader: DatabaseConnection,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    /// The SQLite storing task's queue.
    queue: Option<mpsc::Sender<Queued>>,
}

struct Queued {
    deliveries: Vec<NewDelivery>,
    stored: oneshot::Sender<Result<(), String>>,
}

/// At most this many deliveries in one insert.
const BATCH: usize = 256;

impl Inbox {
    /// The inbox on `db`; on SQLite with its storing task, so it needs a Tokio runtime.
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>) -> Self {
        let wake = Arc::new(Notify::new());
        let queue = (db.get_database_backend() == sea_orm::DbBackend::Sqlite).then(|| {
            let (queue, waiting) = mpsc::channel(4 * BATCH);
            tokio::spawn(store_in_batches(db.clone(), clock.clone(), wake.clone(), waiting));
            queue
        });
        Inbox { reader: db.clone(), db, clock, wake, queue }
    }

    /// Let the worker read and delete through `reader` (see [`inbox::open_reader`]).
    pub fn with_reader(self, reader: DatabaseConnection) -> Self {
        Inbox { reader, ..self }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Store a delivery of `sender` on `channel` and wake the worker. Once this returns the
    /// delivery is SIGAP's: the platform may be told it arrived.
    pub async fn push(&self, channel: Channel, sender: &str, body: String) -> Result<(), sea_orm::DbErr> {
        self.push_all(vec![NewDelivery { channel, sender: sender.to_owned(), body }]).await
    }

    /// Store several deliveries at once (a batch of polled updates, the events of one
    /// webhook call), all or none.
    pub async fn push_all(&self, deliveries: Vec<NewDelivery>) -> Result<(), sea_orm::DbErr> {
        if deliveries.is_empty() {
            return Ok(());
        }
        let Some(queue) = &self.queue else {
            inbox::push(&self.db, deliveries, self.clock.now()).await?;
            self.wake.notify_one();
            return Ok(());
        };
        let (stored, outcome) = oneshot::channel();
        let closed = || sea_orm::DbErr::Custom("the inbox is closed".to_owned());
        queue.send(Queued { deliveries, stored }).await.map_err(|_| closed())?;
        outcome.await.map_err(|_| closed())?.map_err(sea_orm::DbErr::Custom)
    }
}

async fn store_in_batches(
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    mut waiting: mpsc::Receiver<Queued>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while waiting.recv_many(&mut batch, BATCH).await > 0 {
        let mut deliveries = Vec::new();
        let mut replies = Vec::with_capacity(batch.len());
        for queued in batch.drain(..) {
            deliveries.extend(queued.deliveries);
            replies.push(queued.stored);
        }
        let outcome = inbox::push(&db, deliveries, clock.now()).await.map_err(|e| e.to_string());
        if outcome.is_ok() {
            wake.notify_one();
        }
        for reply in replies {
            // A caller that went away (its request was dropped) needs no answer.
            let _ = reply.send(outcome.clone());
        }
    }
}

/// Why a stored delivery did not take effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyError {
    /// Something that may pass (the database, a lock): try again later.
    Retry(String),
    /// The body can never take effect (not a delivery SIGAP can read, or one the core fails
    /// on the same way every time): keep it aside, stop trying, and go on with the rest.
    Never(String),
}

impl From<crate::service::ServiceError> for ApplyError {
    /// Only a failure that may pass is retried: anything else would fail again, and while it
    /// is retried its sender's later messages wait behind it.
    fn from(err: crate::service::ServiceError) -> Self {
        if err.is_transient() { ApplyError::Retry(err.to_string()) } else { ApplyError::Never(err.to_string()) }
    }
}

/// A channel's way of applying one stored delivery.
#[async_trait::async_trait]
pub trait Applier: Send + Sync + 'static {
    fn channel(&self) -> Channel;
    async fn apply(&self, body: &str) -> Result<(), ApplyError>;
    /// The delivery `id` was kept aside for good: tell the person who sent it, where there is
    /// one, that it could not be handled. Best effort; the admin sees it in `inbox parked`.
    async fn gave_up(&self, _id: i64, _body: &str) {}
}

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    pub applied: usize,
    pub failed: usize,
    pub parked: usize,
    /// The earliest retry still waiting, if any.
    pub next_due: Option<DateTime<Utc>>,
}

pub struct InboxWorker<A> {
    inbox: Inbox,
    clock: Arc<dyn Clock>,
    /// The main database, where the lease is.
    main: DatabaseConnection,
    applier: Arc<A>,
    policy: RetryPolicy,
    metrics: Arc<Metrics>,
    holder: String,
    lease: chrono::Duration,
    side_by_side: usize,
    batch: u64,
    idle_poll: Duration,
    last_checkpoint: std::sync::Mutex<std::time::Instant>,
}

const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

impl<A: Applier> InboxWorker<A> {
    pub fn new(
        inbox: Inbox,
        clock: Arc<dyn Clock>,
        main: DatabaseConnection,
        applier: Arc<A>,
        policy: RetryPolicy,
    ) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let holder = format!("inbox-{}-{started}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        InboxWorker {
            inbox,
            clock,
            main,
            applier,
            policy,
            metrics: Arc::new(Metrics::new()),
            holder,
            // Short: after a crash the next process waits this out before it applies anything.
            lease: chrono::Duration::seconds(15),
            // Senders whose deliveries are applied at the same time.
            side_by_side: 4,
            // Small passes: a pass reads its rows' bodies, and the webhook keeps arriving.
            batch: 128,
            // Deliveries stored by another process wake no one here: look now and then.
            idle_poll: Duration::from_millis(500),
            last_checkpoint: std::sync::Mutex::new(std::time::Instant::now()),
        }
    }

    pub fn with_metrics(self, metrics: Arc<Metrics>) -> Self {
        InboxWorker { metrics, ..self }
    }

    fn lease_name(&self) -> String {
        format!("inbox-{}", self.applier.channel().as_str())
    }

    /// Apply every delivery due at the clock's now, once; the caller holds the lease.
    pub async fn pass(&self) -> Result<Pass, sea_orm::DbErr> {
        let now = self.clock.now();
        let channel = self.applier.channel();
        let rows = inbox::due(&self.inbox.reader, channel, now, self.batch).await?;
        let next_retry = inbox::next_retry(&self.inbox.reader, channel, now).await?;
        let waiting = if (rows.len() as u64) < self.batch && next_retry.is_none() {
            rows.len() as u64
        } else {
            inbox::depth_of(&self.inbox.reader, channel).await?
        };
        let labels = Metrics::label("channel", channel.as_str());
        self.metrics.inbox_waiting.get_or_create(&labels).set(i64::try_from(waiting).unwrap_or(i64::MAX));

        let mut pass = Pass { next_due: next_retry, ..Pass::default() };
        let mut order: Vec<Vec<InboxRow>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for row in rows {
            let slot = *index.entry(row.sender.clone()).or_insert_with(|| {
                order.push(Vec::new());
                order.len() - 1
            });
            order[slot].push(row);
        }
        let gate = Arc::new(Semaphore::new(self.side_by_side));
        let mut running = JoinSet::new();
        for rows in order {
            let permit = gate.clone().acquire_owned().await.expect("the gate is never closed");
            let worker = self.sender_lane(now);
            running.spawn(async move {
                let outcome = worker.apply_in_order(rows).await;
                drop(permit);
                outcome
            });
        }
        let mut first_error = None;
        let mut done = Vec::new();
        while let Some(joined) = running.join_next().await {
            match joined {
                Ok(lane) => {
                    pass.applied += lane.pass.applied;
                    pass.failed += lane.pass.failed;
                    pass.parked += lane.pass.parked;
                    if let Some(due) = lane.pass.next_due {
                        pass.next_due = earliest(pass.next_due, due);
                    }
                    done.extend(lane.done);
                    if let Some(err) = lane.error {
                        first_error = first_error.or(Some(err));
                    }
                }
                Err(err) => tracing::error!(%err, "an inbox lane ended abnormally"),
            }
        }
        // One delete for the pass. Should the process die before it, those deliveries are
        // applied again, and their effects, which remember each message id, change nothing.
        inbox::done(&self.inbox.reader, &done).await?;
        self.checkpoint_now_and_then().await?;
        match first_error {
            Some(err) => Err(err),
            None => Ok(pass),
        }
    }

    /// A checkpoint writes the disk through (fsync): once a second is enough to keep the WAL
    /// small, and leaves the rest of the worker's time to applying deliveries.
    async fn checkpoint_now_and_then(&self) -> Result<(), sea_orm::DbErr> {
        let due = {
            let mut last = self.last_checkpoint.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let due = last.elapsed() >= CHECKPOINT_EVERY;
            if due {
                *last = std::time::Instant::now();
            }
            due
        };
        if due { inbox::checkpoint(&self.inbox.reader).await } else { Ok(()) }
    }

    fn sender_lane(&self, now: DateTime<Utc>) -> Lane<A> {
        Lane {
            db: self.inbox.reader.clone(),
            applier: self.applier.clone(),
            policy: self.policy,
            metrics: self.metrics.clone(),
            now,
        }
    }

    /// Hold the lease and apply deliveries as they come until `shutdown` turns true; the
    /// deliveries in hand are finished first, the rest stay stored for the next start.
    pub async fn run_until(self, mut shutdown: watch::Receiver<bool>) {
        let name = self.lease_name();
        let mut lease_until: Option<DateTime<Utc>> = None;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let now = self.clock.now();
            let renew = lease_until.is_none_or(|until| until - self.lease / 2 <= now);
            if renew {
                match sla::take_lease(&self.main, &name, &self.holder, now, now + self.lease).await {
                    Ok(holder) if holder == self.holder => lease_until = Some(now + self.lease),
                    Ok(holder) => {
                        tracing::debug!(%holder, "another process applies the inbox");
                        lease_until = None;
                        self.wait(&mut shutdown, self.idle_poll).await;
                        continue;
                    }
                    Err(err) => {
                        tracing::warn!(%err, "inbox lease");
                        lease_until = None;
                        self.wait(&mut shutdown, self.idle_poll).await;
                        continue;
                    }
                }
            }
            match self.pass().await {
                Ok(pass) if pass.applied + pass.failed + pass.parked > 0 => {}
                Ok(pass) => {
                    let until_due = pass
                        .next_due
                        .and_then(|due| (due - self.clock.now()).to_std().ok())
                        .map_or(self.idle_poll, |d| d.min(self.idle_poll));
                    self.wait(&mut shutdown, until_due).await;
                }
                Err(err) => {
                    tracing::error!(%err, "inbox pass failed");
                    self.wait(&mut shutdown, self.idle_poll).await;
                }
            }
        }
        if lease_until.is_some()
            && let Err(err) = sla::release_lease(&self.main, &name, &self.holder, self.clock.now()).await
        {
            tracing::warn!(%err, "could not release the inbox lease");
        }
    }

    async fn wait(&self, shutdown: &mut watch::Receiver<bool>, at_most: Duration) {
        tokio::select! {
            () = self.inbox.wake.notified() => {}
            () = tokio::time::sleep(at_most) => {}
            _ = shutdown.changed() => {}
        }
    }
}

fn earliest(a: Option<DateTime<Utc>>, b: DateTime<Utc>) -> Option<DateTime<Utc>> {
    Some(a.map_or(b, |a| a.min(b)))
}

/// One sender's deliveries of a pass, applied one after another.
struct Lane<A> {
    db: DatabaseConnection,
    applier: Arc<A>,
    policy: RetryPolicy,
    metrics: Arc<Metrics>,
    now: DateTime<Utc>,
}

/// What one lane did; `done` are the rows whose effect is committed.
struct LaneOutcome {
    pass: Pass,
    done: Vec<i64>,
    error: Option<sea_orm::DbErr>,
}

impl<A: Applier> Lane<A> {
    async fn apply_in_order(self, rows: Vec<InboxRow>) -> LaneOutcome {
        let mut outcome = LaneOutcome { pass: Pass::default(), done: Vec::new(), error: None };
        for row in rows {
            if row.not_before > self.now {
                outcome.pass.next_due = Some(row.not_before);
                break;
            }
            match self.apply(&row, &mut outcome).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(err) => {
                    outcome.error = Some(err);
                    break;
                }
            }
        }
        outcome
    }

    /// Apply one row; false when the sender's later rows must wait.
    async fn apply(&self, row: &InboxRow, outcome: &mut LaneOutcome) -> Result<bool, sea_orm::DbErr> {
        let labels = Metrics::label("channel", self.applier.channel().as_str());
        match self.applier.apply(&row.body).await {
            Ok(()) => {
                outcome.done.push(row.id);
                outcome.pass.applied += 1;
                Ok(true)
            }
            Err(ApplyError::Never(reason)) => {
                tracing::error!(row = row.id, %reason, "a stored delivery cannot take effect; kept, not retried");
                inbox::failed(&self.db, row.id, &reason, self.now, true).await?;
                self.metrics.inbox_parked.get_or_create(&labels).inc();
                self.applier.gave_up(row.id, &row.body).await;
                outcome.pass.parked += 1;
                Ok(true)
            }
            Err(ApplyError::Retry(reason)) => {
                let attempts = row.attempts + 1;
                if attempts >= self.policy.max_attempts {
                    tracing::error!(row = row.id, attempts, %reason, "a stored delivery kept failing; given up");
                    inbox::failed(&self.db, row.id, &reason, self.now, true).await?;
                    self.metrics.inbox_parked.get_or_create(&labels).inc();
                    self.applier.gave_up(row.id, &row.body).await;
                    outcome.pass.parked += 1;
                    return Ok(true);
                }
                let wait = self.policy.delay(row.id, attempts, None);
                let due = self.now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                tracing::warn!(row = row.id, attempts, %reason, ?wait, "a stored delivery failed; it is tried again");
                inbox::failed(&self.db, row.id, &reason, due, false).await?;
                self.metrics.inbox_retries.get_or_create(&labels).inc();
                outcome.pass.failed += 1;
                outcome.pass.next_due = Some(due);
                Ok(false)
            }
        }
    }
}
