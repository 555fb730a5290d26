//! A burst of 1,000 outage reports by Telegram, with the service killed (SIGKILL) twice in
//! the middle and started again each time: every report becomes exactly one ticket, every
//! reporter gets their ticket number, and the helpdesk gets every ticket's card.
//!
//! Inbound, exactly once holds: an update is acknowledged only after its effect is
//! committed, and a re-delivered update id changes nothing. Outbound, the one gap no Bot API
//! client can close: a message the platform accepted just before the kill, but that the
//! process had not yet marked sent, is sent again by whoever takes it over (the Bot API has
//! no idempotency key). A process has at most one message in flight per delivery lane, so a
//! kill leaves at most that many such messages; the row says so, and the test holds the duplicates to those rows.

#[path = "support/crowd.rs"]
mod crowd;
#[path = "common/db.rs"]
mod db;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::path::Path;
use std::time::{Duration, Instant};

use crowd::{Crowd, Tally, count};
use fake_telegram::FakeTelegram;
use sigap::store::{self, outbox};

const TOKEN: &str = "515:CRASH-TEST";
const REPORTS: i64 = 1000;
const FIRST_REPORTER: i64 = 10_001;
/// SIGAP_DELIVERY_LANES: messages one process has in flight at most.
const LANES: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_reports_survives_two_kills_with_one_ticket_and_one_answer_each() {
    let (url, _db_dir) = db::fresh_database().await;
    let data = tempfile::tempdir().unwrap();
    let db = store::connect(&url).await.unwrap();
    store::migrate(&db).await.unwrap();
    let reporters = crowd::chats(&crowd::seed(&db, FIRST_REPORTER, REPORTS).await);
    let fake = FakeTelegram::start(TOKEN).await;
    let mut crowd = Crowd::new(&reporters);
    crowd.write(&fake);

    let bin = Path::new(env!("CARGO_BIN_EXE_sigap"));
    let settings = [
        // A killed process's message in flight is taken over after this.
        ("SIGAP_OUTBOX_LEASE_SECS", "2".to_owned()),
        ("SIGAP_DELIVERY_LANES", LANES.to_string()),
    ];
    let log = |run: usize| data.path().join(format!("serve-{run}.log"));
    let mut runs = 0;
    let mut child = crowd::serve(bin, &url, data.path(), &fake, &log(runs), &settings);
    let kill_at = [REPORTS / 3, 2 * REPORTS / 3];
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        crowd.answer(&fake);
        let tickets = count(&db, "SELECT COUNT(*) FROM tickets").await;
        if runs < kill_at.len() && tickets >= kill_at[runs] {
            // SIGKILL: no shutdown path runs, whatever it was doing stays half done.
            child.kill().unwrap();
            child.wait().unwrap();
            runs += 1;
            child = crowd::serve(bin, &url, data.path(), &fake, &log(runs), &settings);
        }
        let waiting = outbox::backlog(&db).await.unwrap().0;
        if tickets == REPORTS && waiting == 0 && crowd.all_sent() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let log = std::fs::read_to_string(log(runs)).unwrap_or_default();
            panic!("stuck: {tickets} tickets, {waiting} messages waiting\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(runs, 2, "the service was killed twice");
    crowd::stop(child);

    // One ticket per report, none for anyone else.
    let per_reporter = count(&db, "SELECT COUNT(DISTINCT reporter_id) FROM tickets").await;
    assert_eq!((count(&db, "SELECT COUNT(*) FROM tickets").await, per_reporter), (REPORTS, REPORTS));

    // Messages taken over from a killed sender are the only ones that may have arrived twice.
    let taken_over: Vec<(String, String)> = outbox::taken_over(&db, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.address.clone(), row.message().unwrap().text))
        .collect();
    assert!(taken_over.len() <= runs * LANES, "one message in flight per lane of a killed process: {taken_over:?}");
    let tally = Tally::of(&fake);
    for ((chat, message), n) in &tally.repeated {
        assert!(
            *n == 2 && taken_over.iter().any(|(a, t)| *a == chat.to_string() && t == message),
            "sent {n} times without a takeover to explain it: {chat} {message:?}"
        );
    }

    // Every reporter got their own ticket number; the helpdesk got every ticket's card.
    for chat in &reporters {
        let mut got = tally.acks.get(chat).cloned().unwrap_or_default();
        got.dedup();
        assert_eq!(got.len(), 1, "reporter {chat} got {got:?}");
    }
    let numbers: std::collections::HashSet<&String> = tally.acks.values().flatten().collect();
    assert_eq!(numbers.len(), REPORTS as usize, "every ticket number went to exactly one reporter");
    assert_eq!(tally.cards.len(), REPORTS as usize, "a card for every ticket");
    assert_eq!(tally.lost(&reporters, REPORTS as usize), 0);
    let undelivered = count(&db, "SELECT COUNT(*) FROM outbox WHERE status <> 'sent'").await;
    assert_eq!(undelivered, 0, "every message delivered");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    println!(
        "{REPORTS} reports, {runs} kills: {} messages delivered, {} taken over, {} sent twice",
        tally.delivered,
        taken_over.len(),
        tally.duplicates()
    );
}
