//! WhatsApp senders SIGAP could never answer, through the binary: a message whose `from` is
//! not a plausible E.164 number (`abc`, `+`, a thousand digits) is skipped with a warning and
//! leaves no conversation and no chat window behind, whether it arrives by the webhook or was
//! stored in the inbox before; a real newcomer in the same delivery is answered as usual.

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

use fake_graph::FakeGraph;
use serde_json::{Value, json};
use sigap::domain::ticket::Channel;
use sigap::store;

const PHONE_ID: &str = "106540352242924";
const NEWCOMER: &str = "6281277700001";
const LATE_NEWCOMER: &str = "6281277700002";

/// One signed delivery of a `halo` from each of `senders`, as Meta batches them.
fn delivery(senders: &[&str]) -> Value {
    let mut payload = fake_graph::webhook::text(senders[0], "Warga", "wamid.S0", "halo");
    let value = &mut payload["entry"][0]["changes"][0]["value"];
    for (i, from) in senders.iter().enumerate().skip(1) {
        let message = json!({ "from": from, "id": format!("wamid.S{i}"), "timestamp": "1750000000",
            "type": "text", "text": { "body": "halo" } });
        value["messages"].as_array_mut().unwrap().push(message);
        value["contacts"].as_array_mut().unwrap().push(json!({ "profile": { "name": "Warga" }, "wa_id": from }));
    }
    payload
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_from_implausible_numbers_are_skipped_and_record_no_conversation() {
    let (url, _db_dir) = db::fresh_database().await;
    let data = tempfile::tempdir().unwrap();
    let db = store::connect(&url).await.unwrap();
    store::migrate(&db).await.unwrap();
    let thousand = "6".repeat(1000);
    // Stored by an earlier version, before the webhook refused such senders.
    let inbox = store::inbox::open(&url, &db).await.unwrap();
    let old = serde_json::to_string(&delivery(&["+"])).unwrap();
    let stored = store::inbox::NewDelivery { channel: Channel::Whatsapp, sender: "+".into(), body: old };
    store::inbox::push(&inbox, vec![stored], chrono::Utc::now()).await.unwrap();

    let graph = FakeGraph::start(crowd::WA_TOKEN, PHONE_ID).await;
    let port = crowd::free_port();
    let log = data.path().join("sigap.log");
    let bin = Path::new(env!("CARGO_BIN_EXE_sigap"));
    let child = crowd::serve_whatsapp(bin, &url, data.path(), (&graph.api_url(), PHONE_ID), port, &log, &[]);
    let http = reqwest::Client::new();
    crowd::until_ready(&http, port).await;
    let body = serde_json::to_vec(&delivery(&["abc", NEWCOMER, "+", &thousand, "62812x4567890"])).unwrap();
    let answer = http
        .post(format!("http://127.0.0.1:{port}/webhook/whatsapp"))
        .header("Content-Type", "application/json")
        .header("X-Hub-Signature-256", fake_graph::webhook::sign(crowd::WA_SECRET, &body))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "Meta is told it arrived, so it does not deliver it again");
    // A later newcomer is answered too: the worker went past the skipped ones.
    crowd::whatsapp_text(&http, port, LATE_NEWCOMER, "wamid.LATE", "halo").send().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while graph.sent_to(NEWCOMER).is_empty() || graph.sent_to(LATE_NEWCOMER).is_empty() {
        assert!(Instant::now() < deadline, "{}", std::fs::read_to_string(&log).unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let waiting = store::inbox::depth(&inbox).await.unwrap();
    crowd::stop(child);

    assert_eq!(waiting, 0, "nothing left waiting in the inbox");
    assert_eq!(store::inbox::parked_count(&inbox).await.unwrap(), 0, "nothing kept aside: just skipped");
    let conversations = crowd::count(&db, "SELECT COUNT(*) FROM conversations").await;
    assert_eq!(conversations, 2, "the two newcomers' conversations only");
    let windows = crowd::count(&db, "SELECT COUNT(*) FROM chat_windows").await;
    assert_eq!(windows, 2, "the two newcomers' chat windows only");
    let sends: Vec<_> = graph.requests().into_iter().filter_map(|r| r.to).collect();
    assert!(sends.iter().all(|to| to == NEWCOMER || to == LATE_NEWCOMER), "{sends:?}");
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("implausible sender not stored"), "{log}");
    assert!(log.contains("implausible sender skipped"), "{log}");
}

/// The peak resident memory of a process so far (`VmHWM`), in kB.
fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or("VmHWM: 0 kB");
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// One delivery of 5,000 newcomers' first messages (as the hostile test of issue 20 sent):
/// stored a message a row and applied in bounded batches, every newcomer answered
/// once. The process's peak memory is printed for BENCHMARKS, not asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_of_five_thousand_messages_is_applied_whole_in_bounded_batches() {
    const MANY: usize = 5_000;
    let (url, _db_dir) = db::fresh_database().await;
    let data = tempfile::tempdir().unwrap();
    let db = store::connect(&url).await.unwrap();
    store::migrate(&db).await.unwrap();
    let graph = FakeGraph::start(crowd::WA_TOKEN, PHONE_ID).await;
    let port = crowd::free_port();
    let log = data.path().join("sigap.log");
    let bin = Path::new(env!("CARGO_BIN_EXE_sigap"));
    let child = crowd::serve_whatsapp(bin, &url, data.path(), (&graph.api_url(), PHONE_ID), port, &log, &[]);
    let http = reqwest::Client::new();
    crowd::until_ready(&http, port).await;
    let idle_kb = peak_rss_kb(child.id());

    let senders: Vec<String> = (0..MANY).map(|i| format!("62819{:08}", 50_000_000 + i)).collect();
    let refs: Vec<&str> = senders.iter().map(String::as_str).collect();
    let body = serde_json::to_vec(&delivery(&refs)).unwrap();
    let bytes = body.len();
    let answer = http
        .post(format!("http://127.0.0.1:{port}/webhook/whatsapp"))
        .header("Content-Type", "application/json")
        .header("X-Hub-Signature-256", fake_graph::webhook::sign(crowd::WA_SECRET, &body))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let conversations = crowd::count(&db, "SELECT COUNT(*) FROM conversations").await;
        if conversations == MANY as i64 {
            break;
        }
        assert!(Instant::now() < deadline, "{conversations} of {MANY} applied");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let peak_kb = peak_rss_kb(child.id());
    crowd::stop(child);
    let inbox = store::inbox::open(&url, &db).await.unwrap();
    assert_eq!(store::inbox::depth(&inbox).await.unwrap(), 0);
    assert_eq!(store::inbox::parked_count(&inbox).await.unwrap(), 0);
    println!(
        "one delivery of {MANY} messages ({} KB): peak RSS {} MB (idle {} MB)",
        bytes / 1024,
        peak_kb / 1024,
        idle_kb / 1024
    );
}
