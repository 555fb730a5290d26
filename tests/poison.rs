//! One bad input never stops a channel. The real binary, on the fake Bot API and on the fake
//! Graph API, receives from one person inputs that fail in the core every time they are
//! tried (a correctly signed button of a ticket the database does not have, as after a
//! restore; text with a NUL byte, which PostgreSQL refuses), followed by that person's next
//! message, while twenty other people write at the same time. Everyone else is answered,
//! the poisoned person is answered too (or told their message was kept aside), and polling
//! goes past the bad update.

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
use fake_telegram::FakeTelegram;
use serde_json::Value;
use sigap::channels::callback::CallbackCodec;
use sigap::domain::role::Role;
use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::Channel;
use sigap::outbound::ButtonAction;
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind};
use sigap::store::{self, inbound};

const TOKEN: &str = "717:POISON-TEST";
const PHONE_ID: &str = "106540352242922";
const OTHERS: i64 = 20;

/// A button the bot could have signed, for a ticket this database never had.
fn ghost_button(codec: &CallbackCodec, kind: ActionKind, to: &str) -> String {
    let sop = sigap::config::load_sop("kudus", Path::new("config")).unwrap().sop;
    let action = ButtonAction { ticket_id: 987_654, version: 1, kind, to: Some(to.to_owned()), arg: None };
    codec.encode(&action, &sop).unwrap()
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "still waiting: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poisoned_telegram_chat_holds_up_no_one_and_is_answered_itself() {
    let (url, _db_dir) = db::fresh_database().await;
    let data = tempfile::tempdir().unwrap();
    let db = store::connect(&url).await.unwrap();
    store::migrate(&db).await.unwrap();
    let reporters = crowd::seed(&db, 10_000, OTHERS + 1).await;
    db.close().await.unwrap();
    let poisoned = reporters[0].1;
    let others: Vec<i64> = reporters[1..].iter().map(|(_, chat)| *chat).collect();

    let fake = FakeTelegram::start(TOKEN).await;
    let codec = CallbackCodec::new(TOKEN);
    // A question-opening button and a one-tap one, both for a ticket that does not exist.
    fake.push_update(fake.callback_from(poisoned, 41, &ghost_button(&codec, ActionKind::Reject, "rejected")));
    fake.push_update(fake.callback_from(poisoned, 42, &ghost_button(&codec, ActionKind::Forward, "prioritas")));
    // PostgreSQL refuses NUL in text; the report goes on without it.
    fake.push_update(fake.message_from(poisoned, "Internet di Aula\u{0} lantai 2 mati sejak pagi"));
    let last_of_poisoned = fake.push_update(fake.message_from(poisoned, "/bantuan"));
    for chat in &others {
        fake.push_update(fake.message_from(*chat, "/bantuan"));
    }

    let log = data.path().join("sigap.log");
    let child = crowd::serve(Path::new(env!("CARGO_BIN_EXE_sigap")), &url, data.path(), &fake, &log, &[]);
    until("every other chat answered", || others.iter().all(|chat| !fake.sent_to(*chat).is_empty())).await;
    until("the poisoned chat's /bantuan answered", || {
        fake.sent_to(poisoned).iter().any(|r| text_of(&r.body).contains("/lapor"))
    })
    .await;
    until("polling went past every update", || fake.acknowledged_offset() > last_of_poisoned + OTHERS).await;
    // Both ghost presses were answered (refused, or told they were kept aside); none twice.
    until("both presses answered", || fake.calls("answerCallbackQuery").len() >= 2).await;
    crowd::stop(child);

    let answers = fake.calls("answerCallbackQuery");
    let mut ids: Vec<String> = answers.iter().map(|r| r.body["callback_query_id"].to_string()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), answers.len(), "a press answered twice: {answers:?}");
    // The NUL went nowhere: the report the message started reads "Aula lantai 2".
    let db = store::connect(&url).await.unwrap();
    let drafts = crowd::count(&db, "SELECT COUNT(*) FROM conversations WHERE data LIKE '%Aula lantai 2%'").await
        + crowd::count(&db, "SELECT COUNT(*) FROM tickets WHERE description LIKE '%Aula lantai 2%'").await
        + crowd::count(&db, "SELECT COUNT(*) FROM tickets WHERE location LIKE '%Aula lantai 2%'").await;
    assert!(drafts >= 1, "the cleaned report is kept: {}", std::fs::read_to_string(&log).unwrap_or_default());
    // Each /bantuan answered once, however often its update was handled.
    for chat in &others {
        assert_eq!(fake.sent_to(*chat).len(), 1, "chat {chat}");
    }
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

fn text_of(body: &Value) -> String {
    body.get("text").and_then(Value::as_str).unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poisoned_whatsapp_sender_holds_up_no_one_and_is_answered_itself() {
    let (url, _db_dir) = db::fresh_database().await;
    let data = tempfile::tempdir().unwrap();
    let db = store::connect(&url).await.unwrap();
    store::migrate(&db).await.unwrap();
    let now = chrono::Utc::now();
    let org = NewOrg { code: "DINKES".into(), name: "Dinas Kesehatan".into(), kind: OrgKind::Opd };
    directory::import_orgs(&db, &[org], now).await.unwrap();
    let phone = |i: i64| format!("62812{:07}", 7_770_000 + i);
    for i in 0..=OTHERS {
        let person = NewPerson {
            name: format!("Pelapor {i}"),
            org_code: Some("DINKES".into()),
            locale: "id".into(),
            roles: vec![Role::Reporter],
            identities: vec![(Channel::Whatsapp, format!("+{}", phone(i)))],
        };
        directory::add_person(&db, &person, now).await.unwrap();
        inbound::touch_window(&db, Channel::Whatsapp, &format!("+{}", phone(i)), now).await.unwrap();
    }
    db.close().await.unwrap();

    let graph = FakeGraph::start(crowd::WA_TOKEN, PHONE_ID).await;
    let port = crowd::free_port();
    let log = data.path().join("sigap.log");
    let child = crowd::serve_whatsapp(
        Path::new(env!("CARGO_BIN_EXE_sigap")),
        &url,
        data.path(),
        (&graph.api_url(), PHONE_ID),
        port,
        &log,
        &[],
    );
    let http = reqwest::Client::new();
    crowd::until_ready(&http, port).await;

    let codec = CallbackCodec::new(&format!("whatsapp:{}", crowd::WA_SECRET));
    let ghost = ghost_button(&codec, ActionKind::Reject, "rejected");
    let poisoned = phone(0);
    let reply = fake_graph::webhook::button_reply(&poisoned, "Warga", "wamid.P1", "wamid.CARD", &ghost, "Tolak");
    post(&http, port, &reply).await;
    let nul = fake_graph::webhook::text(&poisoned, "Warga", "wamid.P2", "Internet di Aula\u{0} lantai 2 mati");
    post(&http, port, &nul).await;
    // The poisoned sender's later messages queue behind; others must not wait for them.
    for n in 0..30 {
        let later = fake_graph::webhook::text(&poisoned, "Warga", &format!("wamid.P3-{n}"), "bantuan");
        post(&http, port, &later).await;
    }
    for i in 1..=OTHERS {
        crowd::whatsapp_text(&http, port, &phone(i), &format!("wamid.O{i}"), "bantuan").send().await.unwrap();
    }
    until("every other sender answered", || (1..=OTHERS).all(|i| !graph.sent_to(&phone(i)).is_empty())).await;
    until("the poisoned sender answered", || graph.sent_to(&poisoned).len() >= 31).await;
    crowd::stop(child);
    for i in 1..=OTHERS {
        assert_eq!(graph.sent_to(&phone(i)).len(), 1, "sender {i}");
    }
    assert!(graph.violations().is_empty(), "{:?}", graph.violations());
}

async fn post(http: &reqwest::Client, port: u16, delivery: &Value) {
    let body = serde_json::to_vec(delivery).unwrap();
    let signature = fake_graph::webhook::sign(crowd::WA_SECRET, &body);
    let answer = http
        .post(format!("http://127.0.0.1:{port}/webhook/whatsapp"))
        .header("Content-Type", "application/json")
        .header("X-Hub-Signature-256", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_update_delivered_twice_is_answered_once() {
    let (url, _db_dir) = db::fresh_database().await;
    let data = tempfile::tempdir().unwrap();
    let db = store::connect(&url).await.unwrap();
    store::migrate(&db).await.unwrap();
    let reporters = crowd::seed(&db, 20_000, 1).await;
    db.close().await.unwrap();
    let chat = reporters[0].1;

    let fake = FakeTelegram::start(TOKEN).await;
    let port = crowd::free_port();
    let hook = format!("http://127.0.0.1:{port}/webhook/telegram");
    let log = data.path().join("sigap.log");
    let extra = [("SIGAP_LISTEN", format!("127.0.0.1:{port}")), ("TELEGRAM_WEBHOOK_URL", hook.clone())];
    let child = crowd::serve(Path::new(env!("CARGO_BIN_EXE_sigap")), &url, data.path(), &fake, &log, &extra);
    let http = reqwest::Client::new();
    crowd::until_ready(&http, port).await;
    let secret = sigap::channels::telegram::webhook::secret(None, TOKEN);

    // As Telegram re-sends an update it got no answer for, or as two replicas each get it.
    let mut updates = Vec::new();
    for (n, update) in [
        fake.message_from(chat, "/bantuan"),
        fake.message_from(chat, "/status"),
        fake.message_from(chat, "/tidakada"),
        fake.callback_from(chat, 5, "not-a-signed-button"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut update = update;
        update["update_id"] = serde_json::json!(900 + n);
        updates.push(update);
    }
    for _ in 0..2 {
        for update in &updates {
            let answer = http
                .post(&hook)
                .header(sigap::channels::telegram::webhook::SECRET_HEADER, &secret)
                .json(update)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 200);
        }
    }
    until("three answers and a toast", || {
        fake.sent_to(chat).len() >= 3 && !fake.calls("answerCallbackQuery").is_empty()
    })
    .await;
    // Give a second handling every chance to show before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    crowd::stop(child);
    assert_eq!(fake.sent_to(chat).len(), 3, "{:?}", fake.sent_to(chat));
    assert_eq!(fake.calls("answerCallbackQuery").len(), 1);
}
