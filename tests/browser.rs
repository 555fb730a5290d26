//! The console and "Coba SIGAP" in a real headless Chromium, driven through chromedriver
//! (WebDriver) against the `sigap` binary started as a process, with Telegram on the fake Bot
//! API and the demo turned on beside it: sign in by a code received in the fake chat, walk a
//! Kudus ticket from report to close in the chat simulator while the dashboard beside it
//! shows each step, act on a Telegram reporter's card from the console and see the reporter
//! told, a technician refused another's ticket, a form without its CSRF token refused.
//! Screenshots of the dashboard, a ticket page and the simulator go to
//! `target/browser-screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them
//! the test fails, so CI cannot pass by skipping it, unless `SIGAP_BROWSER_TESTS=skip-if-missing`.

#[path = "support/crowd.rs"]
mod crowd;
#[path = "common/db.rs"]
mod db;
#[path = "support/fake_graph.rs"]
mod fake_graph;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_telegram::FakeTelegram;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use sigap::domain::role::Role;
use sigap::domain::ticket::Channel;
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind};

const TOKEN: &str = "918:BROWSER-TEST";
/// On Telegram: an official who is both helpdesk and Kasi, a reporter, two technicians.
const OFFICIAL: i64 = 7101;
const REPORTER: i64 = 7102;
const TECH_A: i64 = 7103;
const TECH_B: i64 = 7104;

/// Kills a child process when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn found(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|dir| Path::new(dir).join(program)).find(|p| p.is_file())
}

/// chromedriver and Chromium, or None when missing and the run allows skipping.
fn browser_tools() -> Option<(PathBuf, PathBuf)> {
    let driver = found("chromedriver");
    let chromium = found("chromium").or_else(|| found("chromium-browser")).or_else(|| found("google-chrome"));
    match (driver, chromium) {
        (Some(driver), Some(chromium)) => Some((driver, chromium)),
        _ if std::env::var("SIGAP_BROWSER_TESTS").as_deref() == Ok("skip-if-missing") => {
            eprintln!("chromium or chromedriver missing: browser test skipped (SIGAP_BROWSER_TESTS=skip-if-missing)");
            None
        }
        _ => panic!(
            "chromium and chromedriver are needed (apt-get install chromium chromium-driver); \
             set SIGAP_BROWSER_TESTS=skip-if-missing to skip"
        ),
    }
}

/// Poll `check` until it holds; the deadline only guards against hanging.
async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(Instant::now() < deadline, "gave up waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct Browser {
    client: Client,
    base: String,
    shots: PathBuf,
}

impl Browser {
    async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap()
    }

    async fn text_of(&self, css: &str) -> String {
        self.js("var e = document.querySelector(arguments[0]); return e ? e.innerText : '';", vec![json!(css)])
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let input = self.client.find(Locator::Css(css)).await.unwrap();
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.client.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
    }

    async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(name), png).unwrap();
    }

    /// Open the simulated chat of the person named `name`, from the person switcher.
    async fn as_person(&self, name: &str) {
        let script = "var a = [...document.querySelectorAll('nav.people a, ul.people a')]
                        .find(a => a.textContent.trim().startsWith(arguments[0]));
                      if (!a) { return false; } a.click(); return true;";
        assert_eq!(self.js(script, vec![json!(name)]).await, json!(true), "{name} in the person switcher");
        until(&format!("{name}'s chat"), || async { self.text_of(".phone h1").await.starts_with(name) }).await;
    }

    /// Press the newest button of the chat whose label contains `label`, once it is there.
    async fn press(&self, label: &str) {
        let script = "var b = [...document.querySelectorAll('#chat .keys button')]
                        .filter(b => b.textContent.includes(arguments[0]) && !b.disabled);
                      if (!b.length) { return false; } b[b.length - 1].click(); return true;";
        until(&format!("a `{label}` button"), || async { self.js(script, vec![json!(label)]).await == json!(true) })
            .await;
    }

    /// Type a message into the simulator and send it.
    async fn say(&self, text: &str) {
        self.type_into("#text", text).await;
        self.click("#send button").await;
    }

    /// The step the dashboard beside the chat lists ticket `number` under (None: not open).
    async fn board_step(&self, number: &str) -> Option<String> {
        let script =
            "var li = [...document.querySelectorAll('#board li')].find(l => l.textContent.includes(arguments[0]));
                      if (!li) { return null; } var h = li.parentElement.previousElementSibling;
                      return h ? h.textContent : null;";
        self.js(script, vec![json!(number)]).await.as_str().map(str::to_owned)
    }

    async fn board_shows(&self, number: &str, step: &str) {
        until(&format!("{number} under `{step}` on the dashboard"), || async {
            self.board_step(number).await.is_some_and(|s| s.contains(step))
        })
        .await;
    }

    /// Sign in as the Telegram user `chat` with the `nth` code sent to their fake chat.
    async fn sign_in(&self, fake: &FakeTelegram, chat: i64, nth: usize) {
        self.client.delete_all_cookies().await.unwrap();
        self.goto("/masuk").await;
        self.type_into("#who", &chat.to_string()).await;
        self.click("form button").await;
        let codes = || {
            fake.sent_to(chat)
                .iter()
                .filter_map(|m| m.body["text"].as_str().map(str::to_owned))
                .filter(|t| t.contains("Kode masuk konsol"))
                .collect::<Vec<_>>()
        };
        until("the sign-in code in the fake chat", || async { codes().len() >= nth }).await;
        let text = codes()[nth - 1].clone();
        let code: String = text.split(':').nth(1).unwrap().chars().filter(char::is_ascii_digit).take(6).collect();
        self.type_into("#code", &code).await;
        self.click("form button").await;
        until("the dashboard after signing in", || async {
            self.client.current_url().await.is_ok_and(|u| u.path() == "/dasbor")
        })
        .await;
    }
}

async fn seed_telegram_people(url: &str) {
    let db = sigap::store::connect(url).await.unwrap();
    sigap::store::migrate(&db).await.unwrap();
    let now = chrono::Utc::now();
    let org = NewOrg { code: "DINKES".into(), name: "Dinas Kesehatan".into(), kind: OrgKind::Opd };
    directory::import_orgs(&db, &[org], now).await.unwrap();
    let people = [
        ("Rahmat", vec![Role::Helpdesk, Role::Kasi], OFFICIAL),
        ("Wulan", vec![Role::Reporter], REPORTER),
        ("Eko", vec![Role::Technician], TECH_A),
        ("Fajar", vec![Role::Technician], TECH_B),
    ];
    for (name, roles, chat) in people {
        let person = NewPerson {
            name: name.into(),
            org_code: Some("DINKES".into()),
            locale: "id".into(),
            roles,
            identities: vec![(Channel::Telegram, chat.to_string())],
        };
        directory::add_person(&db, &person, now).await.unwrap();
    }
    db.close().await.unwrap();
}

/// The binary under test: the one cargo built for the tests, or `SIGAP_BROWSER_BIN` (the
/// release binary, `target/release/sigap`, which CI's time does not allow building too).
fn binary() -> PathBuf {
    std::env::var_os("SIGAP_BROWSER_BIN").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_sigap")), PathBuf::from)
}

fn start_sigap(url: &str, data: &Path, port: u16, fake: &FakeTelegram, log: &Path) -> Running {
    let child = Command::new(binary())
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("DATA_DIR", data)
        .env("SIGAP_CONFIG_DIR", Path::new(env!("CARGO_MANIFEST_DIR")).join("config"))
        .env("SIGAP_LISTEN", format!("127.0.0.1:{port}"))
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", fake.api_url())
        .env("SIGAP_TELEGRAM_CHAT_INTERVAL_MS", "0")
        .env("SIGAP_TELEGRAM_PER_SECOND", "100000")
        // Beside a real channel the demo is on only when asked for.
        .env("SIGAP_DEMO", "1")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    Running(child)
}

fn start_chromedriver(driver: &Path, port: u16) -> Running {
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Running(child)
}

async fn connect_browser(chromium: &Path, driver_port: u16) -> Client {
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", "--lang=id", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-sync", "--disable-component-update",
                     "--disable-domain-reliability", "--disable-client-side-phishing-detection",
                     // Whatever Chromium would fetch for itself goes to a dead proxy on loopback:
                     // only SIGAP, on 127.0.0.1, is reached directly.
                     "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1"]
        }
    });
    let capabilities = capabilities.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{driver_port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector).capabilities(capabilities.clone()).connect(&url).await {
            Ok(client) => return client,
            Err(err) => {
                assert!(Instant::now() < deadline, "chromedriver did not start a browser: {err}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_is_walked_in_the_browser_from_report_to_close_and_the_console_acts_and_refuses() {
    let Some((driver, chromium)) = browser_tools() else { return };
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let (url, _db_dir) = db::fresh_database().await;
    seed_telegram_people(&url).await;
    let data = tempfile::tempdir().unwrap();
    let fake = FakeTelegram::start(TOKEN).await;
    let port = crowd::free_port();
    let log = data.path().join("sigap.log");
    let _sigap = start_sigap(&url, data.path(), port, &fake, &log);
    let http = reqwest::Client::new();
    crowd::until_ready(&http, port).await;
    let driver_port = crowd::free_port();
    let _driver = start_chromedriver(&driver, driver_port);
    let client = connect_browser(&chromium, driver_port).await;
    let browser = Browser { client, base: format!("http://127.0.0.1:{port}"), shots };

    // Signing in: the code arrives in the official's (fake) Telegram chat.
    browser.sign_in(&fake, OFFICIAL, 1).await;

    // Coba SIGAP: the landing page leads to the simulator; the reporter files a report.
    browser.goto("/").await;
    browser.click(".card a.button[href='/coba']").await;
    until("the person picker", || async { browser.text_of("h1").await.contains("Coba SIGAP") }).await;
    browser.as_person("Sari").await;
    browser.say("Internet di ruang server mati sejak pagi").await;
    until("the ticket number in the reporter's chat", || async { browser.text_of("#chat").await.contains("GJ-") })
        .await;
    let chat = browser.text_of("#chat").await;
    let at = chat.find("GJ-").unwrap();
    let number = chat[at..at + 14].to_owned();
    browser.board_shows(&number, "Menerima aduan").await;

    browser.as_person("Hadi").await;
    browser.press("Teruskan").await;
    browser.board_shows(&number, "Identifikasi prioritas").await;

    browser.as_person("Kurnia").await;
    browser.press("Perbaiki online").await;
    browser.board_shows(&number, "Perbaikan via online").await;
    browser.shot("simulator.png").await;

    browser.as_person("Agus").await;
    let before = browser.js("return document.querySelectorAll('#chat .msg').length;", vec![]).await;
    browser.press("Selesai").await;
    until("the question for what was done", || async {
        browser.js("return document.querySelectorAll('#chat .msg').length;", vec![]).await.as_u64() > before.as_u64()
    })
    .await;
    browser.say("Kabel LAN di ruang server diganti").await;
    browser.board_shows(&number, "Konfirmasi pelapor").await;

    browser.as_person("Sari").await;
    browser.press("Sudah normal").await;
    browser.board_shows(&number, "Menerima laporan penanganan").await;

    browser.as_person("Bambang").await;
    browser.press("Setujui").await;
    until("the ticket off the open board", || async { browser.board_step(&number).await.is_none() }).await;

    // The closed ticket's page, with its timeline from the simulator (channel web).
    browser.goto(&format!("/tiket/{number}")).await;
    let page = browser.text_of("main").await;
    assert!(page.contains(&number) && page.contains("Konsol web"), "{page}");
    browser.shot("ticket.png").await;

    // A Telegram reporter's ticket, forwarded from the console: the reporter is told in chat.
    fake.push_update(fake.message_from(REPORTER, "Internet di aula lantai 2 mati sejak pagi"));
    let reporter_number = {
        let numbered = || {
            fake.sent_to(REPORTER)
                .iter()
                .filter_map(|m| m.body["text"].as_str().map(str::to_owned))
                .find_map(|t| t.find("GJ-").map(|at| t[at..at + 14].to_owned()))
        };
        until("the Telegram reporter's ticket number", || async { numbered().is_some() }).await;
        numbered().unwrap()
    };
    let told_before = fake.sent_to(REPORTER).len();
    browser.goto(&format!("/tiket/{reporter_number}")).await;
    let script =
        "var b = [...document.querySelectorAll('main form button')].find(b => b.textContent.includes('Teruskan'));
                  if (!b) { return false; } b.click(); return true;";
    until("the Teruskan button on the ticket page", || async { browser.js(script, vec![]).await == json!(true) }).await;
    until("the reporter told in Telegram", || async { fake.sent_to(REPORTER).len() > told_before }).await;
    browser.goto("/dasbor").await;
    until("the dashboard", || async { browser.text_of("main").await.contains(&reporter_number) }).await;
    browser.shot("dashboard.png").await;

    // A form without its CSRF token is refused.
    let script = "var f = document.querySelector('header form'); f.querySelector('[name=csrf]').remove(); f.submit(); return true;";
    browser.js(script, vec![]).await;
    until("the refusal of a form without its token", || async {
        browser.text_of("main").await.contains("Formulir ini tidak sah")
    })
    .await;

    // A technician cannot open another's ticket.
    browser.sign_in(&fake, TECH_B, 1).await;
    browser.goto(&format!("/tiket/{number}")).await;
    until("the technician refused", || async { browser.text_of("main").await.contains("bukan tiket Anda") }).await;

    // Everything the pages loaded came from SIGAP itself: nothing from the internet.
    browser.goto("/coba").await;
    let origins = browser
        .js("return performance.getEntriesByType('resource').map(e => e.name).concat([location.href]);", vec![])
        .await;
    for name in origins.as_array().unwrap() {
        assert!(name.as_str().unwrap().starts_with(&browser.base), "{name}");
    }
    browser.client.close().await.unwrap();
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}
