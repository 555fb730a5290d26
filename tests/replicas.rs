//! Two `sigap serve` processes on one database deliver a backlog to a fake Bot API: every
//! message arrives exactly once; and take WhatsApp webhook deliveries, some of them twice,
//! each applied once. On PostgreSQL (TEST_DATABASE_URL) this is the replica set-up; on
//! SQLite the same claims hold between two processes on one file.

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
use sigap::clock::SystemClock;
use sigap::domain::ticket::{Category, Channel};
use sigap::service::{Helpdesk, NewReport};
use sigap::store::{self, outbox};

const TOKEN: &str = "424242:REPLICA-TEST";
const REPORTS: i64 = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_deliver_a_backlog_once_each_message() {
    let (url, _db_dir) = db::fresh_database().await;
    let data = tempfile::tempdir().unwrap();
    let db = store::connect(&url).await.unwrap();
    store::migrate(&db).await.unwrap();
    let loaded = sigap::config::load_sop("kudus", Path::new("config")).unwrap();
    let desk = Helpdesk::new(db.clone(), Arc::new(loaded), Arc::new(SystemClock), data.path().to_path_buf());
    for (i, (reporter_id, _)) in crowd::seed(&db, 7001, REPORTS).await.into_iter().enumerate() {
        let report = NewReport {
            reporter_id,
            channel: Channel::Telegram,
            org_id: None,
            location: None,
            category: Category::InternetDown,
            description: format!("Internet mati di ruang {i}"),
            srikandi_number: None,
            attachments: Vec::new(),
        };
        desk.report(report).await.unwrap();
    }
    let queued = outbox::pending(&db).await.unwrap();
    assert_eq!(queued.len() as i64, 2 * REPORTS);
    let fake = FakeTelegram::start(TOKEN).await;

    let bin = Path::new(env!("CARGO_BIN_EXE_sigap"));
    let a = crowd::serve(bin, &url, data.path(), &fake, &data.path().join("serve-a.log"), &[]);
    let b = crowd::serve(bin, &url, data.path(), &fake, &data.path().join("serve-b.log"), &[]);
    // A deadline only against hanging forever; the assertion is on what arrived, not how fast.
    let deadline = Instant::now() + Duration::from_secs(120);
    while outbox::backlog(&db).await.unwrap().0 > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // SIGAP_PIN_CPU=auto: on SQLite every thread of a process (the runtime's, sqlx's) keeps
    // to the one CPU the process started on; on PostgreSQL they keep every CPU.
    let ours = crowd::cpus_of_threads(std::process::id())[0].clone();
    for child in [&a, &b] {
        let cpus = crowd::cpus_of_threads(child.id());
        assert!(cpus.len() > 2, "{cpus:?}");
        assert!(cpus.iter().all(|c| *c == cpus[0]), "threads on different CPUs: {cpus:?}");
        if url.starts_with("sqlite:") && ours.contains(['-', ',']) {
            assert!(cpus[0].parse::<usize>().is_ok(), "not kept to one CPU: {cpus:?} (the machine has {ours})");
        } else {
            assert_eq!(cpus[0], ours);
        }
    }
    crowd::stop(a);
    crowd::stop(b);

    let delivered = fake.calls("sendMessage").into_iter().filter(|r| r.status == 200).collect::<Vec<_>>();
    let mut seen: HashMap<(i64, String), usize> = HashMap::new();
    for r in &delivered {
        let chat = r.body["chat_id"].as_i64().unwrap();
        *seen.entry((chat, r.body["text"].as_str().unwrap().to_owned())).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    assert_eq!(delivered.len(), queued.len(), "lost messages");
    for row in &queued {
        let message = row.message().unwrap();
        let chat: i64 = row.address.parse().unwrap();
        assert_eq!(seen.get(&(chat, message.text.clone())), Some(&1), "row {} not delivered", row.id);
    }
    let rows = outbox::for_ticket(&db, queued[0].ticket_id.unwrap()).await.unwrap();
    assert!(rows.iter().all(|r| r.status == "sent"), "{rows:?}");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_take_webhook_deliveries_and_apply_each_once() {
    const NEWCOMERS: usize = 120;
    let (url, _db_dir) = db::fresh_database().await;
    let data = tempfile::tempdir().unwrap();
    let graph = FakeGraph::start(crowd::WA_TOKEN, fake_graph::webhook::PHONE_NUMBER_ID).await;
    let bin = Path::new(env!("CARGO_BIN_EXE_sigap"));
    let http = reqwest::Client::new();
    let graph_at = (graph.api_url(), fake_graph::webhook::PHONE_NUMBER_ID);
    let ports = [crowd::free_port(), crowd::free_port()];
    let replicas: Vec<_> = ports
        .iter()
        .zip(["a", "b"])
        .map(|(port, name)| {
            let log = data.path().join(format!("serve-{name}.log"));
            crowd::serve_whatsapp(bin, &url, data.path(), (&graph_at.0, graph_at.1), *port, &log, &[])
        })
        .collect();
    for port in ports {
        crowd::until_ready(&http, port).await;
    }

    // Meta spreads deliveries over whoever answers, and sends some twice: every third one
    // goes again, to the other replica.
    let newcomers: Vec<String> = (0..NEWCOMERS).map(|i| format!("62816{:08}", 30_000_000 + i)).collect();
    let mut posts = tokio::task::JoinSet::new();
    for (i, from) in newcomers.iter().enumerate() {
        let wamid = format!("wamid.REPLICA{i:06}");
        let targets = if i % 3 == 0 { vec![ports[i % 2], ports[(i + 1) % 2]] } else { vec![ports[i % 2]] };
        for port in targets {
            let request = crowd::whatsapp_text(&http, port, from, &wamid, "Internet di kantor kecamatan mati");
            posts.spawn(async move { request.send().await.map(|r| r.status().as_u16()) });
        }
    }
    while let Some(answer) = posts.join_next().await {
        assert_eq!(answer.unwrap().unwrap(), 200);
    }

    let db = store::connect(&url).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let answered = newcomers.iter().filter(|n| !graph.sent_to(n).is_empty()).count();
        if answered == NEWCOMERS && outbox::backlog(&db).await.unwrap().0 == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{answered} of {NEWCOMERS} answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let a late second application show, if there were one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for replica in replicas {
        crowd::stop(replica);
    }
    for number in &newcomers {
        assert_eq!(graph.sent_to(number).len(), 1, "{number} was answered more than once");
    }
    let conversations = crowd::count(&db, "SELECT COUNT(*) FROM conversations").await;
    assert_eq!(conversations, NEWCOMERS as i64);
    let inbox = store::inbox::open(&url, &db).await.unwrap();
    assert_eq!(store::inbox::depth(&inbox).await.unwrap(), 0);
    assert!(graph.violations().is_empty(), "{:?}", graph.violations());
}
