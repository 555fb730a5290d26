//! The web console through the real HTTP server: the landing page with no channel, signing in
//! with a code received in the (fake) Telegram chat or a link printed by `sigap staff
//! login-link`, wrong codes refused and rate-limited, forms without their CSRF token
//! refused, and who sees what (a technician only their own tickets, a reporter nothing).

#[path = "support/app.rs"]
mod app;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::process::Command;

use app::{App, eventually};
use fake_telegram::FakeTelegram;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use sigap::domain::role::Role;
use sigap::domain::ticket::{Category, Channel};
use sigap::service::NewReport;
use sigap::store::directory;
use sigap::store::{outbox, tickets};

const TOKEN: &str = "782:CONSOLE-TEST";
const REPORTER: i64 = 8201;
const KASI: i64 = 8202;
const TECH_A: i64 = 8203;
const TECH_B: i64 = 8204;
const HELPDESK: i64 = 8205;

struct Console {
    app: App,
    fake: FakeTelegram,
    http: reqwest::Client,
}

async fn start() -> Console {
    let fake = FakeTelegram::start(TOKEN).await;
    let vars = [
        ("TELOXIDE_TOKEN", TOKEN.to_owned()),
        ("TELOXIDE_API_URL", fake.api_url()),
        ("SIGAP_TELEGRAM_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_TELEGRAM_PER_SECOND", "1000000".to_owned()),
    ];
    let app = app::start(&vars, |desk| async move {
        let people = [
            ("Sari", Role::Reporter, REPORTER.to_string()),
            ("Kurnia", Role::Kasi, KASI.to_string()),
            ("Agus", Role::Technician, TECH_A.to_string()),
            ("Bayu", Role::Technician, TECH_B.to_string()),
            ("Hadi", Role::Helpdesk, HELPDESK.to_string()),
        ];
        app::seed_dinkes(&desk, Channel::Telegram, &people).await;
    })
    .await;
    Console { app, fake, http: client() }
}

fn client() -> reqwest::Client {
    // Redirects are part of what is checked: they are not followed.
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A browser's cookie jar, as small as these tests need.
#[derive(Default, Clone)]
struct Jar(Vec<(String, String)>);

impl Jar {
    fn header(&self) -> String {
        self.0.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn take(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            assert!(text.contains("HttpOnly") && text.contains("SameSite=Strict"), "cookie {text}");
            let (name, rest) = text.split_once('=').unwrap();
            let value = rest.split(';').next().unwrap().to_owned();
            self.0.retain(|(n, _)| n != name);
            if !value.is_empty() {
                self.0.push((name.to_owned(), value));
            }
        }
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }
}

/// The value of the first form's CSRF field.
fn csrf_of(html: &str) -> String {
    let start = html.find(r#"name="csrf" value=""#).expect("a form with a CSRF field") + r#"name="csrf" value=""#.len();
    html[start..].split('"').next().unwrap().to_owned()
}

impl Console {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.app.addr)
    }

    async fn get(&self, jar: &mut Jar, path: &str) -> (StatusCode, String) {
        let response = self.http.get(self.url(path)).header(COOKIE, jar.header()).send().await.unwrap();
        jar.take(&response);
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    async fn post(&self, jar: &mut Jar, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let response = self.http.post(self.url(path)).header(COOKIE, jar.header()).form(form).send().await.unwrap();
        jar.take(&response);
        response
    }

    /// Open the sign-in page and ask for a code for `who`: the browser's jar and CSRF value.
    async fn ask_code(&self, who: &str) -> (Jar, String, String) {
        let mut jar = Jar::default();
        let (status, html) = self.get(&mut jar, "/masuk").await;
        assert_eq!(status, StatusCode::OK);
        let csrf = csrf_of(&html);
        let response = self.post(&mut jar, "/masuk", &[("csrf", &csrf), ("who", who)]).await;
        assert_eq!(response.status(), StatusCode::OK);
        let page = response.text().await.unwrap();
        (jar, csrf, page)
    }

    /// The six-digit code the `nth` (from 1) sign-in message in `chat` carries.
    async fn code_in_chat(&self, chat: i64, nth: usize) -> String {
        let codes = || {
            self.fake
                .sent_to(chat)
                .iter()
                .filter_map(|m| m.body["text"].as_str().map(str::to_owned))
                .filter(|t| t.contains("Kode masuk konsol"))
                .collect::<Vec<_>>()
        };
        eventually("the sign-in code in the chat", || std::future::ready(codes().len() >= nth)).await;
        let text = codes()[nth - 1].clone();
        let digits: String =
            text.split(':').nth(1).unwrap().chars().skip_while(|c| !c.is_ascii_digit()).take(6).collect();
        assert_eq!(digits.len(), 6, "{text}");
        digits
    }

    async fn sign_in(&self, chat: i64, nth: usize) -> Jar {
        let (mut jar, csrf, _) = self.ask_code(&chat.to_string()).await;
        let code = self.code_in_chat(chat, nth).await;
        let response =
            self.post(&mut jar, "/masuk/kode", &[("csrf", &csrf), ("who", &chat.to_string()), ("code", &code)]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[LOCATION], "/dasbor");
        assert!(jar.has("sigap_sesi"));
        jar
    }

    /// Sign in by a one-time link made for `person` (what `sigap staff login-link` prints).
    async fn sign_in_by_link(&self, person: i64) -> Jar {
        let secret = self.app.desk.sign_in_link(person).await.unwrap();
        self.use_link(&format!("/masuk/tautan/{secret}")).await
    }

    async fn use_link(&self, path: &str) -> Jar {
        let mut jar = Jar::default();
        let (status, html) = self.get(&mut jar, path).await;
        assert_eq!(status, StatusCode::OK);
        let response = self.post(&mut jar, path, &[("csrf", &csrf_of(&html))]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        jar
    }

    async fn person(&self, telegram: i64) -> i64 {
        directory::person_by_identity(self.app.desk.db(), Channel::Telegram, &telegram.to_string())
            .await
            .unwrap()
            .unwrap()
            .id
    }

    /// A ticket reported by Sari, assigned to `technician` when given: its number.
    async fn ticket(&self, technician: Option<i64>) -> String {
        let reporter = self.person(REPORTER).await;
        let report = NewReport {
            reporter_id: reporter,
            channel: Channel::Telegram,
            org_id: None,
            location: Some("Ruang server".into()),
            category: Category::InternetDown,
            description: "Internet di ruang server mati sejak pagi".into(),
            srikandi_number: None,
            attachments: Vec::new(),
        };
        let created = self.app.desk.report(report).await.unwrap();
        if let Some(tech) = technician {
            let id = self.person(tech).await;
            tickets::replace_assignees(self.app.desk.db(), created.ticket_id, &[id], app::monday()).await.unwrap();
        }
        created.number.to_string()
    }

    async fn stop(self) {
        self.app.stop().await;
    }
}

#[tokio::test]
async fn the_landing_page_answers_with_no_channel_configured() {
    let app = app::start(&[], |_| async {}).await;
    let console = Console { fake: FakeTelegram::start(TOKEN).await, http: client(), app };
    let mut jar = Jar::default();

    let (status, html) = console.get(&mut jar, "/").await;
    let (en_status, en) = console.get(&mut jar, "/?lang=en").await;

    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Belum ada kanal chat yang aktif"), "{html}");
    assert!(html.contains(r#"href="/masuk""#) && html.contains("width=device-width"), "{html}");
    assert_eq!(en_status, StatusCode::OK);
    assert!(en.contains("No chat channel is on yet") && en.contains(r#"href="/masuk?lang=en""#), "{en}");
    console.stop().await;
}

#[tokio::test]
async fn the_landing_page_names_the_channels_that_are_on() {
    let console = start().await;
    let (status, html) = console.get(&mut Jar::default(), "/").await;
    assert_eq!(status, StatusCode::OK);
    let on: Vec<&str> = html.split("</span> ").skip(1).filter_map(|li| li.split("</li>").next()).collect();
    assert_eq!(on, ["Telegram"], "{html}");
    assert!(!html.contains("Belum ada kanal"), "{html}");
    console.stop().await;
}

#[tokio::test]
async fn a_staff_member_signs_in_with_the_code_sent_to_their_chat_once() {
    let console = start().await;

    let mut jar = console.sign_in(KASI, 1).await;
    let (status, html) = console.get(&mut jar, "/dasbor").await;

    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Kurnia") && html.contains("Dasbor"), "{html}");
    // The code is single use.
    let (mut other, csrf, _) = console.ask_code(&KASI.to_string()).await;
    let used = console.code_in_chat(KASI, 1).await;
    let again =
        console.post(&mut other, "/masuk/kode", &[("csrf", &csrf), ("who", &KASI.to_string()), ("code", &used)]).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    console.stop().await;
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let console = start().await;
    let mut jar = console.sign_in(KASI, 1).await;
    let (_, html) = console.get(&mut jar, "/dasbor").await;
    let stolen = jar.clone();

    let out = console.post(&mut jar, "/keluar", &[("csrf", &csrf_of(&html))]).await;

    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(!jar.has("sigap_sesi"));
    // The old cookie is worth nothing either: the session ended in the database.
    let (status, _) = console.get(&mut stolen.clone(), "/dasbor").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    console.stop().await;
}

#[tokio::test]
async fn a_session_expires_after_eight_hours() {
    let console = start().await;
    let jar = console.sign_in(KASI, 1).await;

    console.app.clock.advance(chrono::Duration::hours(8) + chrono::Duration::seconds(1));
    let response = console.http.get(console.url("/dasbor")).header(COOKIE, jar.header()).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/masuk");
    console.stop().await;
}

#[tokio::test]
async fn wrong_codes_are_refused_and_after_five_every_try_is_refused_for_fifteen_minutes() {
    let console = start().await;
    let (jar, csrf, _) = console.ask_code(&KASI.to_string()).await;
    let right = console.code_in_chat(KASI, 1).await;
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let try_code = |code: String| {
        let (console, mut jar, csrf) = (&console, jar.clone(), csrf.clone());
        async move {
            let form = [("csrf", csrf.as_str()), ("who", &KASI.to_string()), ("code", code.as_str())];
            let response = console.post(&mut jar, "/masuk/kode", &form).await;
            (response.status(), response.text().await.unwrap())
        }
    };

    for _ in 0..5 {
        let (status, html) = try_code(wrong.to_owned()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(html.contains("Kode salah"), "{html}");
    }
    let (locked, html) = try_code(right.clone()).await;

    assert_eq!(locked, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("Terlalu banyak kode salah"), "{html}");
    // No new code is sent while locked; once the window has passed, a new one signs in.
    console.ask_code(&KASI.to_string()).await;
    console.app.clock.advance(chrono::Duration::minutes(15));
    let (mut fresh_jar, csrf, _) = console.ask_code(&KASI.to_string()).await;
    let fresh = console.code_in_chat(KASI, 2).await;
    assert_eq!(console.fake.sent_to(KASI).len(), 2);
    let form = [("csrf", csrf.as_str()), ("who", &KASI.to_string()), ("code", fresh.as_str())];
    let response = console.post(&mut fresh_jar, "/masuk/kode", &form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    console.stop().await;
}

#[tokio::test]
async fn an_unknown_identity_gets_the_same_answers_as_a_registered_one() {
    let console = start().await;

    let (_, known_csrf, known) = console.ask_code(&KASI.to_string()).await;
    let (mut jar, csrf, unknown) = console.ask_code("9999").await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let form = [("csrf", csrf.as_str()), ("who", "9999"), ("code", "123456")];
        statuses.push(console.post(&mut jar, "/masuk/kode", &form).await.status());
    }

    let neutral = |page: &str, who: &str, csrf: &str| page.replace(who, "WHO").replace(csrf, "CSRF");
    assert_eq!(neutral(&known, &KASI.to_string(), &known_csrf), neutral(&unknown, "9999", &csrf));
    assert_eq!(&statuses[..5], &[StatusCode::UNAUTHORIZED; 5]);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
    console.stop().await;
}

#[tokio::test]
async fn a_reporter_cannot_sign_in() {
    let console = start().await;

    let (_, _, page) = console.ask_code(&REPORTER.to_string()).await;
    let reporter = console.person(REPORTER).await;
    let link = console.app.desk.sign_in_link(reporter).await;
    // A staff member asked after the reporter: once their code is out, the reporter's would be too.
    console.ask_code(&KASI.to_string()).await;
    console.code_in_chat(KASI, 1).await;

    assert!(page.contains("Kode dari chat"), "the same neutral answer: {page}");
    assert!(link.is_err());
    let queued = outbox::pending(console.app.desk.db()).await.unwrap();
    let sent = console.fake.sent_to(REPORTER);
    assert!(queued.iter().all(|m| m.person_id != Some(reporter)) && sent.is_empty(), "{sent:?}");
    console.stop().await;
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let console = start().await;
    let mut jar = Jar::default();
    let _ = console.get(&mut jar, "/masuk").await;

    let no_token = console.post(&mut jar, "/masuk", &[("who", &KASI.to_string())]).await;
    let wrong_token = console.post(&mut jar, "/masuk", &[("csrf", "forged"), ("who", &KASI.to_string())]).await;
    let mut session = console.sign_in(KASI, 1).await;
    let sign_out = console.post(&mut session, "/keluar", &[]).await;

    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    assert_eq!(wrong_token.status(), StatusCode::FORBIDDEN);
    assert_eq!(sign_out.status(), StatusCode::FORBIDDEN);
    // Only the one code asked for properly went out, and the session survived the forged sign-out.
    assert_eq!(console.fake.sent_to(KASI).len(), 1);
    let (status, _) = console.get(&mut session, "/dasbor").await;
    assert_eq!(status, StatusCode::OK);
    console.stop().await;
}

#[tokio::test]
async fn a_technician_sees_only_their_own_tickets() {
    let console = start().await;
    let agus = console.ticket(Some(TECH_A)).await;
    let mut bayu = console.sign_in_by_link(console.person(TECH_B).await).await;
    let mut agus_jar = console.sign_in_by_link(console.person(TECH_A).await).await;

    let (forbidden, _) = console.get(&mut bayu, &format!("/tiket/{agus}")).await;
    let (own, page) = console.get(&mut agus_jar, &format!("/tiket/{agus}")).await;
    let (_, bayu_board) = console.get(&mut bayu, "/dasbor").await;
    let (_, agus_board) = console.get(&mut agus_jar, "/dasbor").await;

    assert_eq!(forbidden, StatusCode::FORBIDDEN);
    assert_eq!(own, StatusCode::OK);
    assert!(page.contains("membuat laporan") && page.contains("Sari") && page.contains("Telegram"), "{page}");
    assert!(!bayu_board.contains(&agus), "{bayu_board}");
    assert!(agus_board.contains(&agus), "{agus_board}");
    console.stop().await;
}

#[tokio::test]
async fn the_dashboard_lists_an_open_ticket_with_its_step_and_filters_by_step() {
    let console = start().await;
    let number = console.ticket(None).await;
    let row = tickets::list(console.app.desk.db(), None, 1).await.unwrap().remove(0);
    let sop = &console.app.desk.sop().sop;
    let step = sop.step(&row.step).unwrap();
    let other = sop.steps.iter().find(|s| s.id != row.step).unwrap();
    let mut jar = console.sign_in(KASI, 1).await;

    let (status, html) = console.get(&mut jar, "/dasbor").await;
    let (_, filtered) = console.get(&mut jar, &format!("/dasbor?tahap={}", other.id)).await;
    let (_, english) = console.get(&mut jar, "/dasbor?lang=en").await;

    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&number) && html.contains(step.display_name("id")), "{html}");
    assert!(html.contains("Tiket masuk hari ini"), "{html}");
    assert!(!filtered.contains(&format!(">{number}<")), "{filtered}");
    assert!(english.contains(step.display_name("en")) && english.contains("Tickets received today"), "{english}");
    console.stop().await;
}

#[tokio::test]
async fn the_admin_prints_a_link_that_signs_in_once() {
    let console = start().await;
    let kasi = console.person(KASI).await;
    // The command runs on the wall clock; the service's is set to it for the link to be live.
    console.app.clock.set(chrono::Utc::now());
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sigap"))
        .args(["staff", "login-link", &kasi.to_string()])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &console.app.database_url)
        .env("DATA_DIR", data.path())
        .env("SIGAP_CONFIG_DIR", std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config"))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8(out.stdout).unwrap();
    let path =
        printed.split("http://").nth(1).and_then(|rest| rest.find('/').map(|i| rest[i..].trim().to_owned())).unwrap();

    let mut jar = console.use_link(&path).await;
    let (status, html) = console.get(&mut jar, "/dasbor").await;
    let mut again = Jar::default();
    let (_, form) = console.get(&mut again, &path).await;
    let second = console.post(&mut again, &path, &[("csrf", &csrf_of(&form))]).await;

    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Kurnia"), "{html}");
    assert_eq!(second.status(), StatusCode::UNAUTHORIZED);
    console.stop().await;
}

/// The hidden fields of the form on `html` whose `kind` is `kind`.
fn action_form(html: &str, kind: &str) -> Vec<(String, String)> {
    let marker = format!(r#"name="kind" value="{kind}""#);
    let at = html.find(&marker).unwrap_or_else(|| panic!("no `{kind}` form in {html}"));
    let start = html[..at].rfind("<form").unwrap();
    let end = at + html[at..].find("</form>").unwrap();
    html[start..end]
        .split("<input type=\"hidden\" ")
        .skip(1)
        .filter_map(|field| {
            let name = field.split("name=\"").nth(1)?.split('"').next()?;
            let value = field.split("value=\"").nth(1)?.split('"').next()?;
            Some((name.to_owned(), value.to_owned()))
        })
        .collect()
}

#[tokio::test]
async fn an_official_acts_from_the_browser_and_the_reporter_is_told_as_from_chat() {
    let console = start().await;
    let number = console.ticket(None).await;
    eventually("the reporter's receipt", || std::future::ready(!console.fake.sent_to(REPORTER).is_empty())).await;
    let before = console.fake.sent_to(REPORTER).len();
    let mut hadi = console.sign_in(HELPDESK, 1).await;
    let (_, page) = console.get(&mut hadi, &format!("/tiket/{number}")).await;
    let form = action_form(&page, "forward");
    let fields: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let path = format!("/tiket/{number}/tindakan");

    let forged: Vec<(&str, &str)> = fields.iter().copied().filter(|(n, _)| *n != "csrf").collect();
    let refused = console.post(&mut hadi, &path, &forged).await;
    let done = console.post(&mut hadi, &path, &fields).await;
    let done_status = done.status();
    let answer = done.text().await.unwrap();
    let again = console.post(&mut hadi, &path, &fields).await;

    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(done_status, StatusCode::OK, "{answer}");
    assert!(answer.contains(&number), "{answer}");
    assert_eq!(again.status(), StatusCode::CONFLICT, "a stale form is refused as a stale button is");
    let row = tickets::list(console.app.desk.db(), None, 1).await.unwrap().remove(0);
    assert_eq!(row.step, "prioritas");
    // The reporter hears of it in their chat, and the Kasi gets the card, as from chat.
    eventually("the reporter told", || std::future::ready(console.fake.sent_to(REPORTER).len() > before)).await;
    eventually("the Kasi's card", || {
        let cards = console.fake.sent_to(KASI);
        std::future::ready(cards.iter().any(|m| m.body.to_string().contains("Atur prioritas")))
    })
    .await;
    let (_, history) = console.get(&mut hadi, &format!("/tiket/{number}")).await;
    assert!(history.contains("Konsol web") && history.contains("meneruskan"), "{history}");
    console.stop().await;
}

#[tokio::test]
async fn a_technician_is_offered_no_action_on_a_step_that_is_not_theirs() {
    let console = start().await;
    let number = console.ticket(Some(TECH_A)).await;
    let mut agus = console.sign_in_by_link(console.person(TECH_A).await).await;

    let (_, page) = console.get(&mut agus, &format!("/tiket/{number}")).await;
    let (_, csrf_page) = console.get(&mut agus, "/dasbor").await;
    let version = tickets::list(console.app.desk.db(), None, 1).await.unwrap()[0].version.to_string();
    // The right version: refused for the role, not for staleness.
    let forged = [
        ("csrf", csrf_of(&csrf_page)),
        ("kind", "forward".to_owned()),
        ("to", "prioritas".to_owned()),
        ("version", version),
    ];
    let fields: Vec<(&str, &str)> = forged.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let response = console.post(&mut agus, &format!("/tiket/{number}/tindakan"), &fields).await;

    assert!(!page.contains(r#"name="kind""#), "{page}");
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let refusal = response.text().await.unwrap();
    assert!(refusal.contains("Tahap ini ditangani oleh"), "refused for the role: {refusal}");
    let row = tickets::list(console.app.desk.db(), None, 1).await.unwrap().remove(0);
    assert_eq!(row.step, "terima");
    console.stop().await;
}
