//! The webhook inbox: stored deliveries are applied in each sender's order, a failing one is
//! retried later without holding up other senders, one that can never apply is kept aside, and
//! a running worker picks up what is pushed at once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::DatabaseConnection;
use sigap::clock::{Clock, ManualClock};
use sigap::delivery::RetryPolicy;
use sigap::domain::ticket::Channel;
use sigap::inbox::{Applier, ApplyError, Inbox, InboxWorker};
use sigap::store;

use crate::helpers::monday_nine;

/// Applies bodies by name: `fail:N:x` fails its first N attempts, `never:x` cannot apply.
#[derive(Default)]
struct Recorder {
    applied: Mutex<Vec<String>>,
    attempts: Mutex<std::collections::HashMap<String, u32>>,
    /// Bodies of the deliveries given up on whose sender was told.
    told: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl Applier for Recorder {
    fn channel(&self) -> Channel {
        Channel::Whatsapp
    }

    async fn apply(&self, body: &str) -> Result<(), ApplyError> {
        let tried = {
            let mut attempts = self.attempts.lock().unwrap();
            let n = attempts.entry(body.to_owned()).or_default();
            *n += 1;
            *n
        };
        if body.starts_with("never:") {
            return Err(ApplyError::Never("not a delivery".into()));
        }
        if let Some(rest) = body.strip_prefix("fail:") {
            let failures: u32 = rest.split(':').next().unwrap().parse().unwrap();
            if tried <= failures {
                return Err(ApplyError::Retry(format!("attempt {tried} failed")));
            }
        }
        self.applied.lock().unwrap().push(body.to_owned());
        Ok(())
    }

    async fn gave_up(&self, _id: i64, body: &str) {
        self.told.lock().unwrap().push(body.to_owned());
    }
}

struct Setup {
    main: DatabaseConnection,
    inbox: Inbox,
    clock: ManualClock,
    _dir: Option<tempfile::TempDir>,
}

async fn setup() -> Setup {
    let (url, dir) = crate::db::fresh_database().await;
    let main = store::connect(&url).await.unwrap();
    store::migrate(&main).await.unwrap();
    let inbox_db = store::inbox::open(&url, &main).await.unwrap();
    assert!(store::inbox::is_migrated(&inbox_db).await.unwrap());
    let clock = ManualClock::new(monday_nine());
    let inbox = Inbox::new(inbox_db, Arc::new(clock.clone()));
    Setup { main, inbox, clock, _dir: dir }
}

fn policy() -> RetryPolicy {
    RetryPolicy { base: Duration::from_secs(2), max_attempts: 3, ..RetryPolicy::default() }
}

#[tokio::test]
async fn a_failing_delivery_waits_with_its_senders_later_ones_and_holds_up_no_one_else() {
    let s = setup().await;
    let recorder = Arc::new(Recorder::default());
    let worker =
        InboxWorker::new(s.inbox.clone(), Arc::new(s.clock.clone()), s.main.clone(), recorder.clone(), policy());
    s.inbox.push(Channel::Whatsapp, "+62811", "fail:1:a1".into()).await.unwrap();
    s.inbox.push(Channel::Whatsapp, "+62811", "a2".into()).await.unwrap();
    s.inbox.push(Channel::Whatsapp, "+62822", "b1".into()).await.unwrap();

    let first = worker.pass().await.unwrap();
    assert_eq!((first.applied, first.failed), (1, 1), "{first:?}");
    assert_eq!(*recorder.applied.lock().unwrap(), ["b1"]);
    let due = first.next_due.expect("a retry is waiting");
    assert!(due > s.clock.now());

    // Not due yet: nothing moves, a2 still waits behind a1.
    let idle = worker.pass().await.unwrap();
    assert_eq!((idle.applied, idle.failed), (0, 0));
    assert_eq!(store::inbox::depth(s.inbox.db()).await.unwrap(), 2);

    s.clock.set(due);
    let second = worker.pass().await.unwrap();
    assert_eq!(second.applied, 2, "{second:?}");
    assert_eq!(*recorder.applied.lock().unwrap(), ["b1", "fail:1:a1", "a2"]);
    assert_eq!(store::inbox::depth(s.inbox.db()).await.unwrap(), 0);
}

#[tokio::test]
async fn a_sender_waiting_for_a_retry_with_hundreds_queued_behind_keeps_no_one_else_out_of_the_batch() {
    let s = setup().await;
    let recorder = Arc::new(Recorder::default());
    let worker =
        InboxWorker::new(s.inbox.clone(), Arc::new(s.clock.clone()), s.main.clone(), recorder.clone(), policy());
    s.inbox.push(Channel::Whatsapp, "+62811", "fail:1:first".into()).await.unwrap();
    let queued: Vec<store::inbox::NewDelivery> = (0..300)
        .map(|i| store::inbox::NewDelivery {
            channel: Channel::Whatsapp,
            sender: "+62811".into(),
            body: format!("q{i}"),
        })
        .collect();
    s.inbox.push_all(queued).await.unwrap();
    for i in 0..20 {
        s.inbox.push(Channel::Whatsapp, &format!("+62900{i}"), format!("other{i}")).await.unwrap();
    }

    // The first pass meets the failure; the next already serves everyone else, though the
    // oldest rows of the inbox all belong to the sender who waits.
    worker.pass().await.unwrap();
    let second = worker.pass().await.unwrap();
    assert_eq!(second.applied, 20, "{second:?}");
    let applied = recorder.applied.lock().unwrap().clone();
    assert_eq!(applied, (0..20).map(|i| format!("other{i}")).collect::<Vec<_>>());
    assert!(second.next_due.is_some_and(|due| due > s.clock.now()), "{second:?}");

    // Once due, the waiting sender's deliveries follow in their order.
    s.clock.set(second.next_due.unwrap());
    for _ in 0..4 {
        worker.pass().await.unwrap();
    }
    let applied = recorder.applied.lock().unwrap().clone();
    let own: Vec<&String> = applied.iter().filter(|b| !b.starts_with("other")).collect();
    let expected: Vec<String> =
        std::iter::once("fail:1:first".to_owned()).chain((0..300).map(|i| format!("q{i}"))).collect();
    assert_eq!(own, expected.iter().collect::<Vec<_>>());
}

#[tokio::test]
async fn a_delivery_that_never_applies_or_keeps_failing_is_kept_aside_with_its_reason() {
    let s = setup().await;
    let recorder = Arc::new(Recorder::default());
    let worker =
        InboxWorker::new(s.inbox.clone(), Arc::new(s.clock.clone()), s.main.clone(), recorder.clone(), policy());
    s.inbox.push(Channel::Whatsapp, "+62811", "never:x".into()).await.unwrap();
    s.inbox.push(Channel::Whatsapp, "+62811", "after".into()).await.unwrap();
    s.inbox.push(Channel::Whatsapp, "+62833", "fail:99:stuck".into()).await.unwrap();

    for _ in 0..policy().max_attempts {
        let pass = worker.pass().await.unwrap();
        if let Some(due) = pass.next_due {
            s.clock.set(due);
        }
    }
    assert_eq!(*recorder.applied.lock().unwrap(), ["after"]);
    assert_eq!(recorder.attempts.lock().unwrap()["fail:99:stuck"], 3);
    let parked = store::inbox::parked(s.inbox.db(), 10).await.unwrap();
    let reasons: Vec<(&str, &str)> =
        parked.iter().map(|r| (r.body.as_str(), r.last_error.as_deref().unwrap_or_default())).collect();
    assert_eq!(reasons, [("never:x", "not a delivery"), ("fail:99:stuck", "attempt 3 failed")]);
    // Whoever sent them is told, once each.
    assert_eq!(*recorder.told.lock().unwrap(), ["never:x", "fail:99:stuck"]);
    assert_eq!(store::inbox::depth(s.inbox.db()).await.unwrap(), 0);
    // Kept aside means not tried again.
    s.clock.advance(chrono::Duration::days(1));
    worker.pass().await.unwrap();
    assert_eq!(recorder.attempts.lock().unwrap()["fail:99:stuck"], 3);
}

#[tokio::test]
async fn a_running_worker_applies_what_is_pushed_and_a_second_one_waits_for_the_lease() {
    let s = setup().await;
    let first = Arc::new(Recorder::default());
    let second = Arc::new(Recorder::default());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(
        InboxWorker::new(s.inbox.clone(), Arc::new(s.clock.clone()), s.main.clone(), first.clone(), policy())
            .run_until(stopped.clone()),
    );
    // Let the first take the lease before the second asks for it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let waiting = tokio::spawn(
        InboxWorker::new(s.inbox.clone(), Arc::new(s.clock.clone()), s.main.clone(), second.clone(), policy())
            .run_until(stopped),
    );
    for i in 0..20 {
        s.inbox.push(Channel::Whatsapp, &format!("+628{}", i % 3), format!("m{i}")).await.unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while first.applied.lock().unwrap().len() < 20 {
        assert!(std::time::Instant::now() < deadline, "applied {:?}", first.applied.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).unwrap();
    running.await.unwrap();
    waiting.await.unwrap();
    assert!(second.applied.lock().unwrap().is_empty());
    let applied = first.applied.lock().unwrap().clone();
    for sender in 0..3 {
        let own: Vec<usize> =
            applied.iter().map(|m| m[1..].parse::<usize>().unwrap()).filter(|i| i % 3 == sender).collect();
        assert!(own.windows(2).all(|w| w[0] < w[1]), "sender {sender} out of order: {own:?}");
    }
    assert_eq!(store::inbox::depth(s.inbox.db()).await.unwrap(), 0);
}

#[tokio::test]
async fn deliveries_pushed_at_the_same_moment_are_all_stored_once() {
    let s = setup().await;
    let mut pushes = tokio::task::JoinSet::new();
    for i in 0..300 {
        let inbox = s.inbox.clone();
        pushes.spawn(async move { inbox.push(Channel::Whatsapp, &format!("+628{}", i % 7), format!("m{i}")).await });
    }
    while let Some(pushed) = pushes.join_next().await {
        pushed.unwrap().unwrap();
    }
    let rows = store::inbox::due(s.inbox.db(), Channel::Whatsapp, chrono::Utc::now(), 1000).await.unwrap();
    let mut bodies: Vec<String> = rows.into_iter().map(|r| r.body).collect();
    bodies.sort();
    let mut expected: Vec<String> = (0..300).map(|i| format!("m{i}")).collect();
    expected.sort();
    assert_eq!(bodies, expected);
    // Another channel's worker sees none of them.
    assert!(store::inbox::due(s.inbox.db(), Channel::Telegram, chrono::Utc::now(), 10).await.unwrap().is_empty());
}
