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

#[path = "common/db.rs"]
mod db;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_telegram::{FakeTelegram, Recorded};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sigap::domain::role::Role;
use sigap::domain::ticket::Channel;
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind};
use sigap::store::{self, outbox};

const TOKEN: &str = "515:CRASH-TEST";
const REPORTS: i64 = 1000;
const HELPDESK: i64 = 9_000;
const FIRST_REPORTER: i64 = 10_001;
/// SIGAP_DELIVERY_LANES: messages one process has in flight at most.
const LANES: usize = 4;

fn serve(url: &str, data: &Path, fake: &FakeTelegram, run: usize) -> Child {
    let log = std::fs::File::create(data.join(format!("serve-{run}.log"))).unwrap();
    Command::new(env!("CARGO_BIN_EXE_sigap"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("DATA_DIR", data)
        .env("SIGAP_CONFIG_DIR", PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config"))
        .env("SIGAP_LISTEN", "127.0.0.1:0")
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", fake.api_url())
        // Pacing has its own tests; here it would only make the burst slow.
        .env("SIGAP_TELEGRAM_CHAT_INTERVAL_MS", "0")
        .env("SIGAP_TELEGRAM_PER_SECOND", "100000")
        // A killed process's message in flight is taken over after this.
        .env("SIGAP_OUTBOX_LEASE_SECS", "2")
        .env("SIGAP_DELIVERY_LANES", LANES.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

fn labels(message: &Recorded) -> Vec<(String, String)> {
    message.body["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .map(|b| (b["text"].as_str().unwrap_or("").to_owned(), b["callback_data"].as_str().unwrap_or("").to_owned()))
        .collect()
}

fn text(message: &Recorded) -> &str {
    message.body["text"].as_str().unwrap_or_default()
}

/// The ticket number a message names, if any.
fn ticket_number(text: &str) -> Option<String> {
    let at = text.find("GJ-")?;
    Some(text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_reports_survives_two_kills_with_one_ticket_and_one_answer_each() {
    let (url, _db_dir) = db::fresh_database().await;
    let data = tempfile::tempdir().unwrap();
    let db = store::connect(&url).await.unwrap();
    store::migrate(&db).await.unwrap();
    let now = chrono::Utc::now();
    let org = NewOrg { code: "DINKES".into(), name: "Dinas Kesehatan".into(), kind: OrgKind::Opd };
    directory::import_orgs(&db, &[org], now).await.unwrap();
    let person = |name: String, role: Role, tg: i64| NewPerson {
        name,
        org_code: Some("DINKES".into()),
        locale: "id".into(),
        roles: vec![role],
        identities: vec![(Channel::Telegram, tg.to_string())],
    };
    directory::add_person(&db, &person("Hadi".into(), Role::Helpdesk, HELPDESK), now).await.unwrap();
    let reporters: Vec<i64> = (0..REPORTS).map(|i| FIRST_REPORTER + i).collect();
    for chat in &reporters {
        directory::add_person(&db, &person(format!("Pelapor {chat}"), Role::Reporter, *chat), now).await.unwrap();
    }

    let fake = FakeTelegram::start(TOKEN).await;
    for chat in &reporters {
        fake.push_update(fake.message_from(*chat, &format!("Internet di ruang server {chat} mati sejak pagi")));
    }
    let mut runs = 0;
    let mut child = serve(&url, data.path(), &fake, runs);
    let kill_at = [REPORTS / 3, 2 * REPORTS / 3];

    // The reporters' phones: each presses Lewati on the attachment question and Kirim on the
    // summary, once, whatever the bot sent twice.
    let reporter_set: HashSet<i64> = reporters.iter().copied().collect();
    let mut pressed: HashSet<(i64, &'static str)> = HashSet::new();
    let mut cursor = 0;
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let (calls, next) = fake.requests_since(cursor);
        cursor = next;
        for call in calls.iter().filter(|c| c.status == 200 && c.method == "sendMessage") {
            let Some(chat) = call.body["chat_id"].as_i64().filter(|c| reporter_set.contains(c)) else { continue };
            for (label, data) in labels(call) {
                let stage = match label.as_str() {
                    "Lewati" => "skip",
                    "Kirim" => "send",
                    _ => continue,
                };
                if pressed.insert((chat, stage)) {
                    let message_id = call.result["message_id"].as_i64().unwrap();
                    fake.push_update(fake.callback_from(chat, message_id, &data));
                }
            }
        }
        let tickets = count(&db, "SELECT COUNT(*) FROM tickets").await;
        if runs < kill_at.len() && tickets >= kill_at[runs] {
            // SIGKILL: no shutdown path runs, whatever it was doing stays half done.
            child.kill().unwrap();
            child.wait().unwrap();
            runs += 1;
            child = serve(&url, data.path(), &fake, runs);
        }
        let waiting = outbox::backlog(&db).await.unwrap().0;
        if tickets == REPORTS && waiting == 0 && pressed.len() == 2 * REPORTS as usize {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let log = std::fs::read_to_string(data.path().join(format!("serve-{runs}.log"))).unwrap_or_default();
            panic!("stuck: {tickets} tickets, {waiting} messages waiting, {} presses\n{log}", pressed.len());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(runs, 2, "the service was killed twice");
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    child.wait().unwrap();

    // One ticket per report, none for anyone else.
    let per_reporter = count(&db, "SELECT COUNT(DISTINCT reporter_id) FROM tickets").await;
    assert_eq!((count(&db, "SELECT COUNT(*) FROM tickets").await, per_reporter), (REPORTS, REPORTS));

    let delivered: Vec<Recorded> =
        fake.requests().into_iter().filter(|r| r.status == 200 && r.method == "sendMessage").collect();
    // Messages taken over from a killed sender are the only ones that may have arrived twice.
    let taken_over: Vec<(String, String)> = outbox::taken_over(&db, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.address.clone(), row.message().unwrap().text))
        .collect();
    assert!(taken_over.len() <= runs * LANES, "one message in flight per lane of a killed process: {taken_over:?}");
    let mut copies: HashMap<(String, String), usize> = HashMap::new();
    for r in &delivered {
        *copies.entry((r.body["chat_id"].to_string(), text(r).to_owned())).or_default() += 1;
    }
    let twice: Vec<_> = copies.iter().filter(|(_, n)| **n > 1).map(|(key, n)| (key.clone(), *n)).collect();
    for ((chat, message), n) in &twice {
        assert!(
            *n == 2 && taken_over.iter().any(|(a, t)| a == chat && t == message),
            "sent {n} times without a takeover to explain it: {chat} {message:?}"
        );
    }

    // Every reporter got their ticket number; the helpdesk got one card per ticket.
    let mut acks: HashMap<i64, Vec<String>> = HashMap::new();
    let mut cards: HashMap<String, usize> = HashMap::new();
    for r in &delivered {
        let chat = r.body["chat_id"].as_i64().unwrap();
        let Some(number) = ticket_number(text(r)) else { continue };
        if chat == HELPDESK {
            *cards.entry(number).or_default() += 1;
        } else if text(r).contains("Nomor tiket:") {
            acks.entry(chat).or_default().push(number);
        }
    }
    for chat in &reporters {
        let got = acks.get(chat).cloned().unwrap_or_default();
        let mut distinct = got.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), 1, "reporter {chat} got {got:?}");
    }
    let numbers: HashSet<&String> = acks.values().flatten().collect();
    assert_eq!(numbers.len(), REPORTS as usize, "every ticket number went to exactly one reporter");
    assert_eq!(cards.len(), REPORTS as usize, "a card for every ticket");
    for (number, n) in &cards {
        assert!(*n == 1 || twice.iter().any(|((_, t), _)| t.contains(number.as_str())), "card {number} sent {n}×");
    }
    let undelivered = count(&db, "SELECT COUNT(*) FROM outbox WHERE status <> 'sent'").await;
    assert_eq!(undelivered, 0, "every message delivered");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    println!(
        "{REPORTS} reports, {runs} kills: {} messages delivered, {} taken over, {} sent twice",
        delivered.len(),
        taken_over.len(),
        twice.len()
    );
}
