//! The real binary started as a process on the fake Bot API, and a crowd of registered
//! reporters, each filing one outage report the way a phone does: one message that says where
//! and what (filed at once; Lewati and Kirim pressed only if asked); and the tally of what reached them and the
//! helpdesk afterwards. Shared by the crash, fault and replica tests and the load harness
//! (`examples/load_harness.rs`); include it next to `fake_telegram` and `fake_graph`.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sigap::domain::role::Role;
use sigap::domain::ticket::Channel;
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind};

use super::fake_graph::webhook;
use super::fake_telegram::{FakeTelegram, Recorded};

/// The helpdesk's Telegram chat: every ticket's first card goes there (Kudus SOP).
pub const HELPDESK: i64 = 9_000;

/// An organisation, the helpdesk and `count` reporters with Telegram chats from `first` on,
/// in the database: (person id, chat) of each reporter.
pub async fn seed(db: &DatabaseConnection, first: i64, count: i64) -> Vec<(i64, i64)> {
    let now = chrono::Utc::now();
    let org = NewOrg { code: "DINKES".into(), name: "Dinas Kesehatan".into(), kind: OrgKind::Opd };
    directory::import_orgs(db, &[org], now).await.unwrap();
    let person = |name: String, role: Role, tg: i64| NewPerson {
        name,
        org_code: Some("DINKES".into()),
        locale: "id".into(),
        roles: vec![role],
        identities: vec![(Channel::Telegram, tg.to_string())],
    };
    directory::add_person(db, &person("Hadi".into(), Role::Helpdesk, HELPDESK), now).await.unwrap();
    let mut reporters = Vec::new();
    for chat in first..first + count {
        let added = directory::add_person(db, &person(format!("Pelapor {chat}"), Role::Reporter, chat), now).await;
        reporters.push((added.unwrap().id, chat));
    }
    reporters
}

/// The chats of seeded reporters.
pub fn chats(reporters: &[(i64, i64)]) -> Vec<i64> {
    reporters.iter().map(|(_, chat)| *chat).collect()
}

/// `sigap serve` on `listen` with nothing but the database, `DATA_DIR` and the presets set,
/// then `channel`'s settings and `extra` (which may override); stderr to `log`.
fn spawn(
    bin: &Path,
    url: &str,
    data: &Path,
    listen: &str,
    log: &Path,
    channel: &[(&str, String)],
    extra: &[(&str, String)],
) -> Child {
    let mut command = Command::new(bin);
    command
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("DATA_DIR", data)
        .env("SIGAP_CONFIG_DIR", Path::new(env!("CARGO_MANIFEST_DIR")).join("config"))
        .env("SIGAP_LISTEN", listen)
        .env("RUST_LOG", "warn");
    for (name, value) in channel.iter().chain(extra) {
        command.env(name, value);
    }
    command.stdout(Stdio::null()).stderr(std::fs::File::create(log).unwrap()).spawn().unwrap()
}

/// `sigap serve` on the fake Bot API, polling; stderr to `log`. `extra` adds or overrides
/// settings. Per-chat pacing is lifted: the helpdesk's one chat gets a card per ticket, and
/// Telegram's one message a second per chat would make any burst a test of patience.
pub fn serve(bin: &Path, url: &str, data: &Path, fake: &FakeTelegram, log: &Path, extra: &[(&str, String)]) -> Child {
    let telegram = [
        ("TELOXIDE_TOKEN", fake.token().to_owned()),
        ("TELOXIDE_API_URL", fake.api_url()),
        ("SIGAP_TELEGRAM_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_TELEGRAM_PER_SECOND", "100000".to_owned()),
    ];
    spawn(bin, url, data, "127.0.0.1:0", log, &telegram, extra)
}

/// The Cloud API token and app secret [`serve_whatsapp`] starts the service with.
pub const WA_TOKEN: &str = "EAAG-crowd";
pub const WA_SECRET: &str = "crowd-app-secret";

/// `sigap serve` on `port` with WhatsApp on the fake Graph API at `graph_api_url` and
/// Telegram off; stderr to `log`, `extra` adds or overrides settings. Pacing is lifted.
pub fn serve_whatsapp(
    bin: &Path,
    url: &str,
    data: &Path,
    (graph_api_url, phone_number_id): (&str, &str),
    port: u16,
    log: &Path,
    extra: &[(&str, String)],
) -> Child {
    let whatsapp = [
        ("WHATSAPP_API_URL", graph_api_url.to_owned()),
        ("WHATSAPP_PHONE_NUMBER_ID", phone_number_id.to_owned()),
        ("WHATSAPP_ACCESS_TOKEN", WA_TOKEN.to_owned()),
        ("WHATSAPP_APP_SECRET", WA_SECRET.to_owned()),
        ("WHATSAPP_VERIFY_TOKEN", "crowd-verify".to_owned()),
        ("SIGAP_WHATSAPP_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_WHATSAPP_PER_SECOND", "100000".to_owned()),
    ];
    spawn(bin, url, data, &format!("127.0.0.1:{port}"), log, &whatsapp, extra)
}

/// A free port on loopback for a service to listen on.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Wait until the service on `port` answers `/readyz` with 200.
pub async fn until_ready(http: &reqwest::Client, port: u16) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while http.get(format!("http://127.0.0.1:{port}/readyz")).send().await.map(|r| r.status().is_success()).ok()
        != Some(true)
    {
        assert!(std::time::Instant::now() < deadline, "the service on {port} did not become ready");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The request POSTing, to the webhook of the service on `port`, a signed WhatsApp delivery:
/// `text` from `from` as message `wamid`, as Meta sends a newcomer's first message.
pub fn whatsapp_text(
    http: &reqwest::Client,
    port: u16,
    from: &str,
    wamid: &str,
    text: &str,
) -> reqwest::RequestBuilder {
    let body = serde_json::to_vec(&webhook::text(from, "Warga", wamid, text)).unwrap();
    let signature = webhook::sign(WA_SECRET, &body);
    http.post(format!("http://127.0.0.1:{port}/webhook/whatsapp"))
        .header("Content-Type", "application/json")
        .header("X-Hub-Signature-256", signature)
        .body(body)
}

/// The CPUs each thread of a running process may use (`Cpus_allowed_list`, as `0-1`),
/// read from /proc: one entry per thread, so that a thread left behind shows.
pub fn cpus_of_threads(pid: u32) -> Vec<String> {
    let mut out = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap().flatten() {
        let Ok(status) = std::fs::read_to_string(task.path().join("status")) else { continue };
        if let Some(line) = status.lines().find(|l| l.starts_with("Cpus_allowed_list:")) {
            out.push(line.trim_start_matches("Cpus_allowed_list:").trim().to_owned());
        }
    }
    out
}

/// Stop with SIGTERM, as a service manager does, and wait for the exit.
pub fn stop(mut child: Child) {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
}

/// The reporters' phones.
pub struct Crowd {
    reporters: HashSet<i64>,
    pressed: HashSet<(i64, &'static str)>,
    /// Reporters whose report became a ticket (the acknowledgement with its number came).
    filed: HashSet<i64>,
    cursor: usize,
}

impl Crowd {
    pub fn new(reporters: &[i64]) -> Crowd {
        Crowd {
            reporters: reporters.iter().copied().collect(),
            pressed: HashSet::new(),
            filed: HashSet::new(),
            cursor: 0,
        }
    }

    /// Every reporter writes their report.
    pub fn write(&self, fake: &FakeTelegram) {
        let mut chats: Vec<i64> = self.reporters.iter().copied().collect();
        chats.sort_unstable();
        for chat in chats {
            fake.push_update(fake.message_from(chat, &format!("Internet di ruang server {chat} mati sejak pagi")));
        }
    }

    /// Press what the bot sent since the last look: Lewati, then Kirim, once each per
    /// reporter, whatever the bot sent twice, where the bot asks at all (a report that says
    /// where and what is filed from its one message).
    pub fn answer(&mut self, fake: &FakeTelegram) {
        let (calls, next) = fake.requests_since(self.cursor);
        self.cursor = next;
        for call in calls.iter().filter(|c| c.status == 200 && c.method == "sendMessage") {
            let Some(chat) = call.body["chat_id"].as_i64().filter(|c| self.reporters.contains(c)) else { continue };
            if call.body["text"].as_str().is_some_and(|t| t.contains("Nomor tiket:")) {
                self.filed.insert(chat);
            }
            for (label, data) in buttons(call) {
                let stage = match label.as_str() {
                    "Lewati" => "skip",
                    "Kirim" => "send",
                    _ => continue,
                };
                if self.pressed.insert((chat, stage)) {
                    let message_id = call.result["message_id"].as_i64().unwrap();
                    fake.push_update(fake.callback_from(chat, message_id, &data));
                }
            }
        }
    }

    /// True when every reporter's report was filed.
    pub fn all_sent(&self) -> bool {
        self.filed.len() == self.reporters.len()
    }
}

/// What reached the phones, read off the fake.
#[derive(Debug, Default)]
pub struct Tally {
    /// Per reporter, the ticket numbers in the acknowledgements they got.
    pub acks: HashMap<i64, Vec<String>>,
    /// Per ticket number, how many cards the helpdesk got.
    pub cards: HashMap<String, usize>,
    /// Accepted sendMessage calls.
    pub delivered: usize,
    /// (chat, text) delivered more than once, with the count.
    pub repeated: Vec<((i64, String), usize)>,
}

impl Tally {
    pub fn of(fake: &FakeTelegram) -> Tally {
        let mut tally = Tally::default();
        let mut copies: HashMap<(i64, String), usize> = HashMap::new();
        for r in fake.requests().iter().filter(|r| r.status == 200 && r.method == "sendMessage") {
            tally.delivered += 1;
            let chat = r.body["chat_id"].as_i64().unwrap_or_default();
            let text = r.body["text"].as_str().unwrap_or_default();
            *copies.entry((chat, text.to_owned())).or_default() += 1;
            let Some(number) = ticket_number(text) else { continue };
            if chat == HELPDESK {
                *tally.cards.entry(number).or_default() += 1;
            } else if text.contains("Nomor tiket:") {
                tally.acks.entry(chat).or_default().push(number);
            }
        }
        tally.repeated = copies.into_iter().filter(|(_, n)| *n > 1).collect();
        tally
    }

    /// Reporters who got no acknowledgement, and tickets the helpdesk got no card for.
    pub fn lost(&self, reporters: &[i64], tickets: usize) -> usize {
        let unanswered = reporters.iter().filter(|chat| !self.acks.contains_key(chat)).count();
        unanswered + tickets.saturating_sub(self.cards.len())
    }

    /// Copies beyond the first of anything delivered.
    pub fn duplicates(&self) -> usize {
        self.repeated.iter().map(|(_, n)| n - 1).sum()
    }
}

fn buttons(message: &Recorded) -> Vec<(String, String)> {
    message.body["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .map(|b| (b["text"].as_str().unwrap_or("").to_owned(), b["callback_data"].as_str().unwrap_or("").to_owned()))
        .collect()
}

/// The ticket number a message names, if any.
pub fn ticket_number(text: &str) -> Option<String> {
    let at = text.find("GJ-")?;
    Some(text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect())
}

/// One number from a `SELECT COUNT(*) …`.
pub async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}
