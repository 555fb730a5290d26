//! Delivery through flaky platforms: the real binary sends a backlog of acknowledgements
//! and cards while the fake Bot API fails a fifth of the sends with 500, some with 429 and
//! `retry_after`, and drops a few connections, and the fake Graph API fails a fifth with 500
//! and throttles some with 130429. Everything arrives, once, and each chat reads its
//! messages in the order they were queued.

#[path = "support/crowd.rs"]
mod crowd;
#[path = "common/db.rs"]
mod db;
#[path = "support/fake_graph.rs"]
mod fake_graph;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_graph::FakeGraph;
use fake_telegram::FakeTelegram;
use serde_json::Value;
use sigap::clock::SystemClock;
use sigap::domain::role::Role;
use sigap::domain::ticket::{Category, Channel};
use sigap::service::{Helpdesk, NewReport};
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind};
use sigap::store::{self, inbound, outbox};

const TOKEN: &str = "616:FAULTS-TEST";
const WA_TOKEN: &str = "EAAG-FAULTS";
const PHONE_ID: &str = "106540352242922";
const HELPDESK: i64 = 9_000;
const PER_CHANNEL: i64 = 20;
const REPORTS_EACH: usize = 3;

fn graph_text(body: &Value) -> String {
    [&body["text"]["body"], &body["interactive"]["body"]["text"]]
        .iter()
        .find_map(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_percent_failures_on_both_platforms_lose_nothing_and_keep_each_chats_order() {
    let (url, _db_dir) = db::fresh_database().await;
    let data = tempfile::tempdir().unwrap();
    let db = store::connect(&url).await.unwrap();
    store::migrate(&db).await.unwrap();
    let loaded = sigap::config::load_sop("kudus", Path::new("config")).unwrap();
    let desk = Helpdesk::new(db.clone(), Arc::new(loaded), Arc::new(SystemClock), data.path().to_path_buf());
    let now = chrono::Utc::now();
    let org = NewOrg { code: "DINKES".into(), name: "Dinas Kesehatan".into(), kind: OrgKind::Opd };
    directory::import_orgs(&db, &[org], now).await.unwrap();
    let person = |name: String, role: Role, identity: (Channel, String)| NewPerson {
        name,
        org_code: Some("DINKES".into()),
        locale: "id".into(),
        roles: vec![role],
        identities: vec![identity],
    };
    let helpdesk = (Channel::Telegram, HELPDESK.to_string());
    directory::add_person(&db, &person("Hadi".into(), Role::Helpdesk, helpdesk), now).await.unwrap();
    let mut reporters = Vec::new();
    for i in 0..PER_CHANNEL {
        let telegram = (Channel::Telegram, (10_000 + i).to_string());
        let whatsapp = (Channel::Whatsapp, format!("+62812{:07}", 5_550_000 + i));
        for (n, identity) in [telegram, whatsapp].into_iter().enumerate() {
            if identity.0 == Channel::Whatsapp {
                // They wrote in recently: the 24-hour window is open, free text may go.
                inbound::touch_window(&db, Channel::Whatsapp, &identity.1, now).await.unwrap();
            }
            let added =
                directory::add_person(&db, &person(format!("Pelapor {i}-{n}"), Role::Reporter, identity.clone()), now)
                    .await
                    .unwrap();
            reporters.push((added.id, identity));
        }
    }
    // Each reporter files several reports, interleaved, so every chat has a queue to keep in order.
    for round in 0..REPORTS_EACH {
        for (id, (channel, _)) in &reporters {
            let report = NewReport {
                reporter_id: *id,
                channel: *channel,
                org_id: None,
                location: Some(format!("Ruang {round}")),
                category: Category::InternetDown,
                description: format!("Internet mati, laporan ke-{}", round + 1),
                srikandi_number: None,
                attachments: Vec::new(),
            };
            desk.report(report).await.unwrap();
        }
    }
    let queued = outbox::pending(&db).await.unwrap();
    assert_eq!(queued.len(), 2 * REPORTS_EACH * reporters.len());

    let telegram = FakeTelegram::start(TOKEN).await;
    telegram.inject_faults(fake_telegram::Faults {
        seed: 0x5151_6A9E,
        server_errors: 0.20,
        too_many_requests: 0.05,
        retry_after: 1,
        dropped: 0.02,
    });
    let graph = FakeGraph::start(WA_TOKEN, PHONE_ID).await;
    graph.inject_faults(fake_graph::Faults { seed: 0x0DD5_EED5, server_errors: 0.20, throttled: 0.05 });
    let settings = [
        ("WHATSAPP_API_URL", graph.api_url()),
        ("WHATSAPP_PHONE_NUMBER_ID", PHONE_ID.to_owned()),
        ("WHATSAPP_ACCESS_TOKEN", WA_TOKEN.to_owned()),
        ("WHATSAPP_APP_SECRET", "faults-app-secret".to_owned()),
        ("WHATSAPP_VERIFY_TOKEN", "faults-verify".to_owned()),
        ("SIGAP_WHATSAPP_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_WHATSAPP_PER_SECOND", "100000".to_owned()),
        // Retries start at 50 ms instead of 2 s, so the run stays short; the doubling, the
        // jitter and Telegram's retry_after are as in production.
        ("SIGAP_OUTBOX_RETRY_BASE_MS", "50".to_owned()),
    ];
    let bin = Path::new(env!("CARGO_BIN_EXE_sigap"));
    let log = data.path().join("serve.log");
    let mut child = crowd::serve(bin, &url, data.path(), &telegram, &log, &settings);
    let deadline = Instant::now() + Duration::from_secs(300);
    while outbox::backlog(&db).await.unwrap().0 > 0 {
        if Instant::now() > deadline {
            let _ = child.kill();
            let stuck: Vec<_> = outbox::pending(&db).await.unwrap().into_iter().take(5).collect();
            let log = std::fs::read_to_string(data.path().join("serve.log")).unwrap_or_default();
            panic!("still waiting: {stuck:#?}\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    crowd::stop(child);

    // The faults happened.
    let telegram_calls = telegram.requests();
    let status_count = |status: u16| telegram_calls.iter().filter(|r| r.status == status).count();
    let graph_calls = graph.requests();
    let graph_count = |status: u16| graph_calls.iter().filter(|r| r.status == status).count();
    assert!(status_count(500) > 10 && status_count(429) > 0 && status_count(0) > 0, "Telegram faults");
    assert!(graph_count(500) > 10 && graph_count(400) > 0, "Graph faults");

    // Per chat: what arrived, in order, is exactly what was queued, in order.
    let mut expected: HashMap<String, Vec<String>> = HashMap::new();
    for row in &queued {
        let number = crowd::ticket_number(&row.message().unwrap().text).unwrap();
        expected.entry(row.address.trim_start_matches('+').to_owned()).or_default().push(number);
    }
    let mut arrived: HashMap<String, Vec<String>> = HashMap::new();
    for r in telegram_calls.iter().filter(|r| r.status == 200 && r.method == "sendMessage") {
        let number = crowd::ticket_number(r.body["text"].as_str().unwrap_or_default()).unwrap();
        arrived.entry(r.body["chat_id"].to_string()).or_default().push(number);
    }
    for r in graph_calls.iter().filter(|r| r.status == 200 && r.to.is_some()) {
        let number = crowd::ticket_number(&graph_text(&r.body)).unwrap();
        arrived.entry(r.to.clone().unwrap()).or_default().push(number);
    }
    assert_eq!(arrived.len(), expected.len(), "every chat was reached");
    for (chat, numbers) in &expected {
        assert_eq!(arrived.get(chat), Some(numbers), "chat {chat}: lost, repeated or out of order");
    }
    assert!(outbox::failed(&db, 10).await.unwrap().is_empty(), "nothing given up on");
    assert!(telegram.violations().is_empty(), "{:?}", telegram.violations());
    assert!(graph.violations().is_empty(), "{:?}", graph.violations());
    println!(
        "{} messages: Telegram {} calls ({} × 500, {} × 429, {} dropped), WhatsApp {} calls ({} × 500, {} × 130429)",
        queued.len(),
        telegram_calls.len(),
        status_count(500),
        status_count(429),
        status_count(0),
        graph_calls.len(),
        graph_count(500),
        graph_count(400)
    );
}
