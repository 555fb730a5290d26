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
//!
//! WhatsApp's webhook is answered once the delivery is stored in the inbox, before its turn is
//! applied: a kill right after the answers loses none of them.

#[path = "support/crowd.rs"]
mod crowd;
#[path = "common/db.rs"]
mod db;
#[path = "support/fake_graph.rs"]
mod fake_graph;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::path::Path;
use std::time::{Duration, Instant};

use crowd::{Crowd, Tally, count};
use fake_graph::FakeGraph;
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

const NEWCOMERS: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatsapp_deliveries_answered_before_a_kill_all_take_effect_after_the_restart() {
    let (url, _db_dir) = db::fresh_database().await;
    let data = tempfile::tempdir().unwrap();
    let graph = FakeGraph::start(crowd::WA_TOKEN, fake_graph::webhook::PHONE_NUMBER_ID).await;
    let port = crowd::free_port();
    let bin = Path::new(env!("CARGO_BIN_EXE_sigap"));
    let http = reqwest::Client::new();
    let graph_at = (graph.api_url(), fake_graph::webhook::PHONE_NUMBER_ID);
    let lease = [("SIGAP_OUTBOX_LEASE_SECS", "2".to_owned())];
    let serve = |run: usize| {
        let log = data.path().join(format!("serve-{run}.log"));
        crowd::serve_whatsapp(bin, &url, data.path(), (&graph_at.0, graph_at.1), port, &log, &lease)
    };
    let mut child = serve(0);
    crowd::until_ready(&http, port).await;
    // Meta posts each message's statuses back, tagged as SIGAP sent it.
    graph.post_statuses_to(&format!("http://127.0.0.1:{port}/webhook/whatsapp"), crowd::WA_SECRET);

    let newcomers: Vec<String> = (0..NEWCOMERS).map(|i| format!("62815{:08}", 20_000_000 + i)).collect();
    let mut posts = tokio::task::JoinSet::new();
    for (i, from) in newcomers.iter().enumerate() {
        let request =
            crowd::whatsapp_text(&http, port, from, &format!("wamid.CRASH{i:06}"), "Internet di balai desa mati");
        posts.spawn(async move { request.send().await.map(|r| r.status().as_u16()) });
    }
    while let Some(answer) = posts.join_next().await {
        assert_eq!(answer.unwrap().unwrap(), 200);
    }
    // Every delivery was answered 200: Meta would not send any of them again. Kill now, with
    // turns still waiting to be applied.
    child.kill().unwrap();
    child.wait().unwrap();
    let db = store::connect(&url).await.unwrap();
    let applied_before = count(&db, "SELECT COUNT(*) FROM conversations").await;

    let child = serve(1);
    crowd::until_ready(&http, port).await;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let conversations = count(&db, "SELECT COUNT(*) FROM conversations").await;
        let waiting = outbox::backlog(&db).await.unwrap().0;
        let answered = newcomers.iter().filter(|n| !graph.sent_to(n).is_empty()).count();
        if conversations == NEWCOMERS as i64 && waiting == 0 && answered == NEWCOMERS {
            break;
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(data.path().join("serve-1.log")).unwrap_or_default();
            panic!("stuck: {conversations} conversations, {waiting} waiting, {answered} answered\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    crowd::stop(child);

    // Each newcomer was asked once for their language, except where a message in flight at
    // the kill was taken over (it may have arrived twice, and its row says so).
    let taken_over: Vec<String> =
        outbox::taken_over(&db, 1000).await.unwrap().into_iter().map(|row| row.address).collect();
    let mut repeated = 0;
    for number in &newcomers {
        let sent = graph.sent_to(number).len();
        let may_repeat = taken_over.iter().any(|a| a.trim_start_matches('+') == number);
        assert!(sent == 1 || (sent == 2 && may_repeat), "{number} got {sent} messages");
        repeated += usize::from(sent == 2);
    }
    println!("{repeated} of {NEWCOMERS} newcomers asked twice after the kill ({} rows taken over)", taken_over.len());
    let inbox_db = store::inbox::open(&url, &db).await.unwrap();
    assert_eq!(store::inbox::depth(&inbox_db).await.unwrap(), 0);
    assert!(store::inbox::parked(&inbox_db, 10).await.unwrap().is_empty());
    assert!(graph.violations().is_empty(), "{:?}", graph.violations());
    println!("{NEWCOMERS} deliveries answered; {applied_before} applied before the kill, the rest after the restart");
}

/// Kill the service while it is sending: 300 newcomers write, and the process dies once a
/// third of them have been answered. The rows it was sending are taken over after the
/// restart. With Meta's statuses coming back tagged, a part Meta reported is not sent again;
/// without them, whatever was in flight may arrive twice. Returns (repeated, taken over).
async fn kill_mid_send(statuses: bool) -> (usize, usize) {
    let (url, _db_dir) = db::fresh_database().await;
    let data = tempfile::tempdir().unwrap();
    let graph = FakeGraph::start(crowd::WA_TOKEN, fake_graph::webhook::PHONE_NUMBER_ID).await;
    let port = crowd::free_port();
    let bin = Path::new(env!("CARGO_BIN_EXE_sigap"));
    let http = reqwest::Client::new();
    let graph_at = (graph.api_url(), fake_graph::webhook::PHONE_NUMBER_ID);
    let lease = [("SIGAP_OUTBOX_LEASE_SECS", "2".to_owned())];
    let serve = |run: usize| {
        let log = data.path().join(format!("serve-{run}.log"));
        crowd::serve_whatsapp(bin, &url, data.path(), (&graph_at.0, graph_at.1), port, &log, &lease)
    };
    let mut child = serve(0);
    crowd::until_ready(&http, port).await;
    if statuses {
        graph.post_statuses_to(&format!("http://127.0.0.1:{port}/webhook/whatsapp"), crowd::WA_SECRET);
    }
    let newcomers: Vec<String> = (0..NEWCOMERS).map(|i| format!("62817{:08}", 40_000_000 + i)).collect();
    let mut posts = tokio::task::JoinSet::new();
    for (i, from) in newcomers.iter().enumerate() {
        let request =
            crowd::whatsapp_text(&http, port, from, &format!("wamid.MID{i:06}"), "Internet di balai desa mati");
        posts.spawn(async move { request.send().await.map(|r| r.status().as_u16()) });
    }
    while let Some(answer) = posts.join_next().await {
        assert_eq!(answer.unwrap().unwrap(), 200);
    }
    let sends = || graph.requests().iter().filter(|r| r.path.ends_with("/messages") && r.status == 200).count();
    let deadline = Instant::now() + Duration::from_secs(60);
    while sends() < NEWCOMERS / 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let db = store::connect(&url).await.unwrap();

    let child = serve(1);
    crowd::until_ready(&http, port).await;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let waiting = outbox::backlog(&db).await.unwrap().0;
        let answered = newcomers.iter().filter(|n| !graph.sent_to(n).is_empty()).count();
        if waiting == 0 && answered == NEWCOMERS {
            break;
        }
        assert!(Instant::now() < deadline, "stuck: {waiting} waiting, {answered} answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    crowd::stop(child);
    let taken_over: Vec<String> =
        outbox::taken_over(&db, 1000).await.unwrap().into_iter().map(|row| row.address).collect();
    let mut repeated = 0;
    for number in &newcomers {
        let sent = graph.sent_to(number).len();
        let may_repeat = taken_over.iter().any(|a| a.trim_start_matches('+') == number);
        assert!(sent == 1 || (sent == 2 && may_repeat), "{number} got {sent} messages");
        repeated += usize::from(sent == 2);
    }
    assert!(graph.violations().is_empty(), "{:?}", graph.violations());
    (repeated, taken_over.len())
}

#[tokio::test]
async fn a_kill_mid_send_repeats_only_what_meta_had_not_reported() {
    let (with, taken_with) = kill_mid_send(true).await;
    let (without, taken_without) = kill_mid_send(false).await;
    // Each run asserts that every repeat was a row taken over. How many repeat depends on
    // where the kill falls, so the comparison is printed (BENCHMARKS), not asserted; the
    // mechanism itself is pinned in whatsapp_flows (a reported part is not sent again).
    assert!(with <= taken_with && without <= taken_without);
    println!(
        "kill mid-send, {NEWCOMERS} newcomers: with tagged statuses {with} repeated ({taken_with} rows taken over); \
         without statuses {without} repeated ({taken_without} rows taken over)"
    );
}
