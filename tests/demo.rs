//! "Coba SIGAP" through the real HTTP server: the demo office seeded once however often the
//! service starts, a Kudus ticket walked from report to close in the chat simulator (the
//! reporter's message, each official's card pressed in their own simulated chat, a question
//! answered by typing, a photo uploaded), forms without their token refused, and nothing of
//! it there when the demo is off.

#[path = "support/app.rs"]
mod app;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use app::App;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use sea_orm::{ConnectionTrait, Statement};
use sigap::domain::ticket::TicketNumber;
use sigap::service::{DemoSeeded, Retention};
use sigap::store::tickets;

struct Sim {
    app: App,
    http: reqwest::Client,
    cookie: String,
    csrf: String,
    /// Demo address → person id.
    people: HashMap<&'static str, i64>,
}

/// A button in a simulated chat: its message, its index, its label.
#[derive(Debug, Clone)]
struct Key {
    message: String,
    index: String,
    label: String,
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<(&'a str, &'a str)> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some((&text[from..to], &text[to..]))
}

/// The buttons of a chat fragment, oldest message first.
fn keys(html: &str) -> Vec<Key> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some((message, after)) = between(rest, r#"name="message" value=""#, "\"") {
        let (index, after) = between(after, r#"name="button" value=""#, "\"").unwrap();
        let (label, after) = between(after, r#"<button type="submit">"#, "</button>").unwrap();
        found.push(Key { message: message.to_owned(), index: index.to_owned(), label: label.to_owned() });
        rest = after;
    }
    found
}

impl Sim {
    async fn start() -> Sim {
        let app = app::start(&[("SIGAP_DEMO", "1".to_owned())], |_| async {}).await;
        let people = app.desk.demo_people().await.unwrap().into_iter().map(|(p, address)| (address, p.id)).collect();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let mut sim = Sim { app, http, cookie: String::new(), csrf: String::new(), people };
        let response = sim.http.get(sim.url(&format!("/coba/{}", sim.people["demo-pelapor"]))).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let set = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        sim.cookie = set.split(';').next().unwrap().to_owned();
        let html = response.text().await.unwrap();
        sim.csrf = between(&html, r#"name="csrf" value=""#, "\"").unwrap().0.to_owned();
        sim
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.app.addr)
    }

    async fn chat(&self, who: &str) -> String {
        let path = format!("/coba/{}/pesan", self.people[who]);
        let response = self.http.get(self.url(&path)).header(COOKIE, &self.cookie).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.unwrap()
    }

    async fn post(&self, who: &str, what: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let path = format!("/coba/{}/{what}", self.people[who]);
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(form);
        self.http
            .post(self.url(&path))
            .header(COOKIE, &self.cookie)
            .header("x-sigap-fetch", "1")
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    async fn say(&self, who: &str, text: &str) {
        assert_eq!(self.post(who, "kirim", &[("text", text)]).await.status(), StatusCode::OK);
    }

    /// Wait for the chat of `who` to show `text`; the chat's fragment then.
    async fn shows(&self, who: &str, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let chat = self.chat(who).await;
            if chat.contains(text) {
                return chat;
            }
            assert!(Instant::now() < deadline, "gave up waiting for {who}'s chat to show {text}: {chat}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Press the newest button of `who`'s chat whose label contains `label`, once it is there;
    /// the short answer shown.
    async fn press(&self, who: &str, label: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        let key = loop {
            let chat = self.chat(who).await;
            if let Some(key) = keys(&chat).into_iter().rev().find(|k| k.label.contains(label)) {
                break key;
            }
            assert!(Instant::now() < deadline, "gave up waiting for a `{label}` button in {who}'s chat: {chat}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let response = self.post(who, "tekan", &[("message", &key.message), ("button", &key.index)]).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.unwrap()
    }
}

fn number_in(text: &str) -> TicketNumber {
    let start = text.find("GJ-").expect("a ticket number");
    text[start..start + 14].parse().unwrap()
}

#[tokio::test]
async fn a_kudus_ticket_is_walked_from_report_to_close_in_the_simulator() {
    let sim = Sim::start().await;

    sim.say("demo-pelapor", "Internet di ruang server mati sejak pagi").await;
    let chat = sim.shows("demo-pelapor", "GJ-2026-").await;
    let number = number_in(&chat);
    sim.press("demo-helpdesk", "Teruskan").await;
    sim.press("demo-kasi", "Perbaiki online").await;
    sim.press("demo-teknisi-1", "Selesai").await;
    sim.say("demo-teknisi-1", "Kabel LAN di ruang server diganti").await;
    sim.press("demo-pelapor", "Sudah normal").await;
    sim.press("demo-kabid", "Setujui").await;

    let db = sim.app.desk.db();
    let ticket = tickets::by_number(db, number).await.unwrap().unwrap();
    assert_eq!(ticket.status, "closed", "{ticket:?}");
    // The reporter was told along the way, in their own simulated chat.
    let reporter = sim.chat("demo-pelapor").await;
    assert!(reporter.contains("Kabel LAN di ruang server diganti") || reporter.contains(&number.to_string()));
    // A retired card lost its buttons: the helpdesk's card no longer offers Teruskan.
    let helpdesk = sim.chat("demo-helpdesk").await;
    assert!(keys(&helpdesk).iter().all(|k| !k.label.contains("Teruskan")), "{helpdesk}");
    sim.app.stop().await;
}

#[tokio::test]
async fn a_photo_sent_in_the_simulator_is_taken_in_as_from_chat() {
    let sim = Sim::start().await;
    let photo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/foto.png")).unwrap();
    let part = reqwest::multipart::Part::bytes(photo).file_name("foto.png").mime_str("image/png").unwrap();
    let form = reqwest::multipart::Form::new()
        .text("csrf", sim.csrf.clone())
        .text("caption", "Internet di aula lantai 2 mati sejak pagi")
        .part("file", part);
    let path = format!("/coba/{}/foto", sim.people["demo-pelapor"]);
    let response = sim
        .http
        .post(sim.url(&path))
        .header(COOKIE, &sim.cookie)
        .header("x-sigap-fetch", "1")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let chat = sim.shows("demo-pelapor", "GJ-2026-").await;
    assert!(chat.contains("📎 foto.png"), "{chat}");
    let number = number_in(&chat[chat.find("GJ-2026-").unwrap()..]);
    let ticket = tickets::by_number(sim.app.desk.db(), number).await.unwrap().unwrap();
    let files = sigap::store::attachments::for_ticket(sim.app.desk.db(), ticket.id).await.unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    sim.app.stop().await;
}

#[tokio::test]
async fn the_simulator_refuses_forms_without_their_token_and_people_outside_the_demo() {
    let sim = Sim::start().await;
    let path = format!("/coba/{}/kirim", sim.people["demo-pelapor"]);
    let forged = sim
        .http
        .post(sim.url(&path))
        .header(COOKIE, &sim.cookie)
        .form(&[("csrf", "0000"), ("text", "Internet mati")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(forged.text().await.unwrap().contains("Formulir ini tidak sah"));
    let without = sim.http.post(sim.url(&path)).form(&[("text", "Internet mati")]).send().await.unwrap();
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    assert!(!sim.chat("demo-pelapor").await.contains("Internet mati"));
    // Only the demo office's people have a simulated chat.
    let outsider = sim.http.get(sim.url("/coba/999999")).send().await.unwrap();
    assert_eq!(outsider.status(), StatusCode::NOT_FOUND);
    // A button of another person's chat is not this person's to press.
    sim.say("demo-pelapor", "Internet di ruang server mati sejak pagi").await;
    let reporter = sim.shows("demo-pelapor", "Batalkan").await;
    let key = keys(&reporter).into_iter().find(|k| k.label.contains("Batalkan")).unwrap();
    let toast = sim.post("demo-kasi", "tekan", &[("message", &key.message), ("button", &key.index)]).await;
    assert!(toast.text().await.unwrap().contains("tidak berlaku"));
    sim.app.stop().await;
}

#[tokio::test]
async fn a_demo_official_signs_in_with_a_code_from_their_simulated_chat_and_codes_are_limited() {
    let sim = Sim::start().await;
    let ask = || async {
        let response = sim
            .http
            .post(sim.url("/masuk"))
            .header(COOKIE, &sim.cookie)
            .form(&[("csrf", sim.csrf.as_str()), ("who", "demo-kasi")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    };
    ask().await;
    let chat = sim.shows("demo-kasi", "Kode masuk konsol").await;
    let code: String =
        chat[chat.find("Kode masuk konsol").unwrap()..].chars().filter(char::is_ascii_digit).take(6).collect();
    let response = sim
        .http
        .post(sim.url("/masuk/kode"))
        .header(COOKIE, &sim.cookie)
        .form(&[("csrf", sim.csrf.as_str()), ("who", "demo-kasi"), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // Asking again and again sends five codes in 15 minutes, no more, with the same answer.
    for _ in 0..6 {
        ask().await;
    }
    let codes = || async {
        let db = sim.app.desk.db();
        let sql = format!("SELECT COUNT(*) FROM console_codes WHERE person_id = {}", sim.people["demo-kasi"]);
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    };
    assert_eq!(codes().await, 5);
    sim.app.clock.advance(chrono::Duration::minutes(16));
    ask().await;
    assert_eq!(codes().await, 6);
    sim.app.stop().await;
}

#[tokio::test]
async fn simulated_chats_are_deleted_with_the_sent_messages() {
    let sim = Sim::start().await;
    sim.say("demo-pelapor", "Internet di ruang server mati sejak pagi").await;
    sim.shows("demo-pelapor", "GJ-2026-").await;
    let later = app::monday() + chrono::Duration::days(15);
    let pruned = Retention::new(sim.app.desk.clone(), 14).run_once(later).await.unwrap();
    assert!(pruned.web >= 2, "{pruned:?}");
    // What the reporter typed is gone (a message of SIGAP's still on its way may arrive after).
    assert!(!sim.chat("demo-pelapor").await.contains(r#"class="msg mine""#));
    sim.app.stop().await;
}

#[tokio::test]
async fn the_demo_office_is_seeded_once_and_is_absent_when_the_demo_is_off() {
    let sim = Sim::start().await;
    assert_eq!(sim.people.len(), 8);
    assert_eq!(sim.app.desk.seed_demo().await.unwrap(), DemoSeeded::default());
    let landing = sim.http.get(sim.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(landing.contains("Coba SIGAP") && landing.contains(r#"href="/coba""#), "{landing}");
    sim.app.stop().await;

    let off = app::start(&[], |_| async {}).await;
    let http = reqwest::Client::new();
    let page = http.get(format!("http://{}/coba", off.addr)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let landing = http.get(format!("http://{}/", off.addr)).send().await.unwrap().text().await.unwrap();
    assert!(!landing.contains("/coba"));
    assert!(off.desk.demo_people().await.unwrap().is_empty());
    off.stop().await;
}

#[tokio::test]
async fn sigap_demo_seeds_the_office_once_and_says_whether_the_next_start_serves_it() {
    // SQLite whatever the suite runs on: this is about the command, not the database.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("sigap.db").display());
    let run = |extra: &[(&str, &str)]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sigap"));
        command
            .arg("demo")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &url)
            .env("DATA_DIR", dir.path())
            .env("SIGAP_CONFIG_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/config"))
            .env("RUST_LOG", "warn");
        for (name, value) in extra {
            command.env(name, value);
        }
        let out = command.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let first = run(&[]);
    assert!(first.contains("3 organisasi dan 8 orang") && first.contains("/coba"), "{first}");
    let again = run(&[("TELOXIDE_TOKEN", "1:A")]);
    assert!(again.contains("0 organisasi dan 0 orang") && again.contains("SIGAP_DEMO=1"), "{again}");
}
