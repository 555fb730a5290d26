//! Mass outages through the application and the fake Bot API (issue 17): the backbone's
//! Zabbix alert opens one incident; reporters of the organisations under it report in chat
//! and each report joins the incident at once. Officials get one card for the incident, not
//! one per report; every reporter gets every update of the incident in their language; the
//! closing asks each of them to confirm, and one who says it is still broken gets a ticket of
//! their own at the technician's step. A report from an organisation outside the outage walks
//! the SOP on its own. Every fourth reporter writes on WhatsApp.

#[path = "support/app.rs"]
mod app;
#[path = "support/fake_graph.rs"]
mod fake_graph;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use app::{App, eventually, monday};
use fake_graph::{FakeGraph, webhook};
use fake_telegram::{FakeTelegram, Recorded};
use serde_json::Value;
use sigap::domain::role::Role;
use sigap::domain::ticket::Channel;
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind};
use sigap::store::tickets::{self, TicketRow};

const TOKEN: &str = "781:LINKED-TEST";
const WA_TOKEN: &str = "EAAG-linked-test";
const PHONE_ID: &str = "106540352242922";
const APP_SECRET: &str = "app-secret-linked";
const SECRET: &str = "rahasia-zabbix-linked";
const HELPDESK: i64 = 9_001;
const KASI: i64 = 9_002;
const TECH: i64 = 9_003;
const KABID: i64 = 9_004;
/// A reporter of an organisation the registry does not put under the backbone.
const OUTSIDER: i64 = 9_050;
/// Reporters of the organisations under the backbone; every third writes in English.
const FIRST_REPORTER: i64 = 9_100;
const REPORTERS: i64 = 40;
/// Every organisation under the backbone node `noc` of the fixture registry.
const UNDER: [&str; 5] = ["KOMINFO", "DINKES", "DISDIK", "KEC-NGAGLIK", "BKPSDM"];
const REPORT: &str = "Internet di ruang server mati sejak pagi";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/alerts").join(name)
}

fn reporters() -> impl Iterator<Item = i64> {
    FIRST_REPORTER..FIRST_REPORTER + REPORTERS
}

fn english(chat: i64) -> bool {
    (chat - FIRST_REPORTER) % 3 == 2
}

/// Every fourth reporter writes from WhatsApp, from this number.
fn whatsapp(chat: i64) -> Option<String> {
    let under = reporters().any(|r| r == chat);
    (under && (chat - FIRST_REPORTER) % 4 == 1).then(|| format!("628120000{chat}"))
}

fn text_of(body: &Value) -> String {
    let candidates = [
        &body["text"]["body"],
        &body["interactive"]["body"]["text"],
        // Outside the 24-hour window the text goes as the update template's parameter.
        &body["template"]["components"][0]["parameters"][0]["text"],
    ];
    candidates.iter().find_map(|v| v.as_str()).unwrap_or_default().to_owned()
}

fn titles(body: &Value) -> Vec<String> {
    let buttons = body["interactive"]["action"]["buttons"].as_array().cloned().unwrap_or_default();
    buttons.iter().filter_map(|b| b["reply"]["title"].as_str().map(str::to_owned)).collect()
}

struct Office {
    fake: FakeTelegram,
    graph: FakeGraph,
    app: App,
    next_wamid: AtomicUsize,
    http: reqwest::Client,
    /// Per chat, how many messages were looked at already: a button is taken from a newer one.
    seen: Mutex<HashMap<i64, usize>>,
}

async fn open() -> Office {
    open_with(&[]).await
}

async fn open_with(extra: &[(&str, &str)]) -> Office {
    let fake = FakeTelegram::start(TOKEN).await;
    let graph = FakeGraph::start(WA_TOKEN, PHONE_ID).await;
    let mut vars = vec![
        ("SIGAP_SOP", "kudus".to_owned()),
        ("TELOXIDE_TOKEN", TOKEN.to_owned()),
        ("TELOXIDE_API_URL", fake.api_url()),
        ("SIGAP_TELEGRAM_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_TELEGRAM_PER_SECOND", "1000000".to_owned()),
        ("SIGAP_ALERT_TOKEN_ZABBIX", SECRET.to_owned()),
        ("WHATSAPP_API_URL", graph.api_url()),
        ("WHATSAPP_PHONE_NUMBER_ID", PHONE_ID.to_owned()),
        ("WHATSAPP_ACCESS_TOKEN", WA_TOKEN.to_owned()),
        ("WHATSAPP_APP_SECRET", APP_SECRET.to_owned()),
        ("WHATSAPP_VERIFY_TOKEN", "linked".to_owned()),
        ("SIGAP_WHATSAPP_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_WHATSAPP_PER_SECOND", "1000000".to_owned()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let app = app::start(&vars, |desk| async move {
        let db = desk.db();
        let mut orgs: Vec<NewOrg> = std::fs::read_to_string(fixture("opd.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|line| {
                let parts: Vec<&str> = line.split(',').collect();
                NewOrg { code: parts[0].into(), name: parts[1].into(), kind: OrgKind::Opd }
            })
            .collect();
        orgs.push(NewOrg { code: "DISHUB".into(), name: "Dinas Perhubungan".into(), kind: OrgKind::Opd });
        directory::import_orgs(db, &orgs, monday()).await.unwrap();
        let text = std::fs::read_to_string(fixture("network.toml")).unwrap();
        let registry = sigap::domain::network::parse(&text, |_| true).unwrap();
        sigap::store::network::replace(db, &registry).await.unwrap();
        let person = |name: String, org: &str, role: Role, chat: i64, locale: &str| NewPerson {
            name,
            org_code: Some(org.into()),
            locale: locale.into(),
            roles: vec![role],
            identities: vec![(Channel::Telegram, chat.to_string())],
        };
        let staff =
            [("Hadi", Role::Helpdesk, HELPDESK), ("Kurnia", Role::Kasi, KASI), ("Agus", Role::Technician, TECH)];
        for (name, role, chat) in staff.into_iter().chain([("Bambang", Role::Kabid, KABID)]) {
            directory::add_person(db, &person(name.into(), "KOMINFO", role, chat, "id"), monday()).await.unwrap();
        }
        directory::add_person(db, &person("Dewi".into(), "DISHUB", Role::Reporter, OUTSIDER, "id"), monday())
            .await
            .unwrap();
        for (i, chat) in reporters().enumerate() {
            let org = UNDER[i % UNDER.len()];
            let locale = if english(chat) { "en" } else { "id" };
            let mut new = person(format!("Pelapor {i}"), org, Role::Reporter, chat, locale);
            if let Some(phone) = whatsapp(chat) {
                new.identities = vec![(Channel::Whatsapp, format!("+{phone}"))];
            }
            directory::add_person(db, &new, monday()).await.unwrap();
        }
    })
    .await;
    Office {
        fake,
        graph,
        app,
        next_wamid: AtomicUsize::new(1),
        http: reqwest::Client::new(),
        seen: Mutex::new(HashMap::new()),
    }
}

impl Office {
    async fn alert(&self, file: &str) {
        let body = std::fs::read_to_string(fixture(file)).unwrap();
        let url = format!("http://{}/alerts/zabbix", self.app.addr);
        let response = self
            .http
            .post(url)
            .bearer_auth(SECRET)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{file}");
    }

    /// A message from `from`, on Telegram or, for a WhatsApp reporter, as Meta's webhook.
    async fn say(&self, from: i64, text: &str) {
        let Some(phone) = whatsapp(from) else {
            self.fake.push_update(self.fake.message_from(from, text));
            return;
        };
        let id = format!("wamid.IN{:06}", self.next_wamid.fetch_add(1, Ordering::SeqCst));
        let body = serde_json::to_vec(&webhook::text(&phone, "Pelapor", &id, text)).unwrap();
        let response = self
            .http
            .post(format!("http://{}/webhook/whatsapp", self.app.addr))
            .header("content-type", "application/json")
            .header("X-Hub-Signature-256", webhook::sign(APP_SECRET, &body))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
    }

    fn texts(&self, chat: i64) -> Vec<String> {
        if let Some(phone) = whatsapp(chat) {
            return self.graph.sent_to(&phone).iter().map(text_of).collect();
        }
        self.fake.sent_to(chat).iter().filter_map(|r| r.body["text"].as_str().map(str::to_owned)).collect()
    }

    /// The button labels of each message to `chat` that speaks of `number` and has buttons.
    fn questions_about(&self, chat: i64, number: &str) -> Vec<Vec<String>> {
        if let Some(phone) = whatsapp(chat) {
            let sent = self.graph.sent_to(&phone);
            return sent.iter().filter(|b| text_of(b).contains(number)).map(titles).filter(|t| !t.is_empty()).collect();
        }
        self.cards_about(chat, number).iter().map(|r| labels(&r.body)).collect()
    }

    /// The cards `chat` was sent: new messages with buttons (not the edits that retire them).
    fn cards(&self, chat: i64) -> Vec<Recorded> {
        self.fake
            .sent_to(chat)
            .into_iter()
            .filter(|r| r.method == "sendMessage" && !labels(&r.body).is_empty())
            .collect()
    }

    /// The cards to `chat` that speak of ticket `number`.
    fn cards_about(&self, chat: i64, number: &str) -> Vec<Recorded> {
        self.cards(chat).into_iter().filter(|r| r.body["text"].as_str().is_some_and(|t| t.contains(number))).collect()
    }

    async fn told(&self, chat: i64, parts: &[&str]) {
        eventually(&format!("{parts:?} to {chat}"), || {
            let hit = self.texts(chat).iter().any(|t| parts.iter().all(|p| t.contains(p)));
            std::future::ready(hit)
        })
        .await;
    }

    /// Wait for a message to `chat`, newer than any used before, with a button `label`; press it.
    async fn tap(&self, chat: i64, label: &str) -> Recorded {
        let from = *self.seen.lock().unwrap().get(&chat).unwrap_or(&0);
        let mut found = None;
        eventually(&format!("a `{label}` button for {chat}"), || {
            let sent = self.fake.sent_to(chat);
            let hit = sent.iter().enumerate().skip(from).find(|(_, m)| button(&m.body, label).is_some());
            found = hit.map(|(i, m)| (i, m.clone()));
            std::future::ready(found.is_some())
        })
        .await;
        let (index, message) = found.unwrap();
        self.seen.lock().unwrap().insert(chat, index + 1);
        let message_id = message.result["message_id"].as_i64().unwrap();
        self.fake.push_update(self.fake.callback_from(chat, message_id, &button(&message.body, label).unwrap()));
        message
    }

    async fn tickets(&self) -> Vec<TicketRow> {
        tickets::list(self.app.desk.db(), None, 1_000).await.unwrap()
    }

    async fn ticket(&self, id: i64) -> TicketRow {
        tickets::by_id(self.app.desk.db(), id).await.unwrap().unwrap()
    }

    async fn until_ticket(&self, id: i64, what: &str, check: impl Fn(&TicketRow) -> bool) {
        let db = self.app.desk.db();
        eventually(what, || async { check(&tickets::by_id(db, id).await.unwrap().unwrap()) }).await;
    }

    async fn events(&self, id: i64) -> Vec<String> {
        tickets::events(self.app.desk.db(), id).await.unwrap().into_iter().map(|e| e.action).collect()
    }

    /// Which chat each reporter writes from, by person id.
    async fn chats_of_reporters(&self) -> HashMap<i64, i64> {
        let db = self.app.desk.db();
        let mut out = HashMap::new();
        for chat in reporters() {
            let (channel, address) = match whatsapp(chat) {
                Some(phone) => (Channel::Whatsapp, format!("+{phone}")),
                None => (Channel::Telegram, chat.to_string()),
            };
            let person = directory::person_by_identity(db, channel, &address).await.unwrap().unwrap();
            out.insert(person.id, chat);
        }
        out
    }

    async fn stop(self) {
        self.app.stop().await;
        assert!(self.fake.violations().is_empty(), "{:?}", self.fake.violations());
        assert!(self.graph.violations().is_empty(), "{:?}", self.graph.violations());
    }
}

/// A PDF's words (pdftotext, from poppler-utils).
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paper.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn labels(message: &Value) -> Vec<String> {
    message["reply_markup"]["inline_keyboard"]
        .as_array()
        .map(|rows| rows.iter().flat_map(|row| row.as_array().cloned().unwrap_or_default()).collect::<Vec<_>>())
        .unwrap_or_default()
        .iter()
        .filter_map(|b| b["text"].as_str().map(str::to_owned))
        .collect()
}

fn button(message: &Value, label: &str) -> Option<String> {
    message["reply_markup"]["inline_keyboard"]
        .as_array()?
        .iter()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .find(|b| b["text"] == label)
        .and_then(|b| b["callback_data"].as_str().map(str::to_owned))
}

/// The backbone's incident open and every reporter under it linked to it.
async fn incident_with_reports(office: &Office) -> (TicketRow, Vec<TicketRow>) {
    office.alert("zabbix_problem.DERIVED.json").await;
    eventually("the incident", || async { office.tickets().await.len() == 1 }).await;
    let incident = office.tickets().await.remove(0);
    for chat in reporters() {
        office.say(chat, REPORT).await;
    }
    let want = usize::try_from(REPORTERS).unwrap() + 1;
    eventually("every report", || async { office.tickets().await.len() == want }).await;
    let children: Vec<TicketRow> = office.tickets().await.into_iter().filter(|t| t.id != incident.id).collect();
    (incident, children)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_under_an_open_incident_join_it_and_every_reporter_follows_it_to_the_close() {
    let office = open().await;
    let (incident, children) = incident_with_reports(&office).await;

    // One incident; every report linked to it, at its step, waiting on no official.
    assert_eq!(incident.step, "perbaikan_online");
    for child in &children {
        assert_eq!(child.parent_id, Some(incident.id), "{}", child.number);
        assert_eq!(child.step, incident.step, "{}", child.number);
        assert_eq!(office.events(child.id).await, ["report", "link"], "{}", child.number);
    }
    for chat in reporters() {
        let joins = if english(chat) { "part of a mass outage" } else { "bagian dari gangguan massal" };
        office.told(chat, &[joins, &incident.number]).await;
    }
    // The technician holds the incident's card; nobody in the chain got one per report.
    office.told(TECH, &[&incident.number, "Gangguan terdeteksi oleh monitoring"]).await;
    assert_eq!(office.cards(TECH).len(), 1);
    assert!(office.cards(HELPDESK).is_empty() && office.cards(KASI).is_empty() && office.cards(KABID).is_empty());

    // The tool sees the backbone recover: every reporter hears it.
    office.alert("zabbix_recovery.DERIVED.json").await;
    for chat in reporters() {
        let recovered = if english(chat) { "reports the network recovered" } else { "melaporkan jaringan sudah pulih" };
        office.told(chat, &[recovered, &incident.number]).await;
    }

    // The technician resolves. Monitoring, the incident's reporter, has no chat: its
    // confirmation is recorded and the Kabid gets the report at once.
    office.tap(TECH, "Selesai").await;
    office.say(TECH, "Modul SFP router core diganti").await;
    office.until_ticket(incident.id, "the Kabid's step", |t| t.step == "laporan_kabid").await;
    let confirmed = tickets::events(office.app.desk.db(), incident.id).await.unwrap();
    let confirm = confirmed.iter().find(|e| e.action == "confirm").expect("the confirmation is recorded");
    assert_eq!((confirm.channel.as_str(), confirm.actor_id), ("monitoring", Some(incident.reporter_id)));
    assert!(confirm.note.as_deref().unwrap().contains("monitoring melaporkan pulih"), "{:?}", confirm.note);
    for chat in reporters() {
        let resolved = if english(chat) { "finished the work" } else { "telah menyelesaikan penanganan" };
        office.told(chat, &[resolved, "Modul SFP router core diganti"]).await;
    }
    for child in &children {
        office.until_ticket(child.id, "children follow the step", |t| t.step == "laporan_kabid").await;
    }

    // The Kabid approves: the incident closes, and so does every report, each reporter asked.
    office.tap(KABID, "Setujui laporan").await;
    for chat in reporters() {
        let (question, yes, no) = if english(chat) {
            ("Is the network at your place working again?", "Working again", "Still broken")
        } else {
            ("Apakah jaringan di tempat Anda sudah normal kembali?", "Sudah normal", "Masih gangguan")
        };
        office.told(chat, &[question, &incident.number]).await;
        assert_eq!(office.questions_about(chat, &incident.number), [[yes, no]], "{chat}: one question with buttons");
    }
    for child in &children {
        office.until_ticket(child.id, "children closed", |t| t.status == "closed").await;
    }
    assert_eq!(office.ticket(incident.id).await.status, "closed");
    // Every reporter got every update of the incident once: joined, recovered, resolved, closed.
    for chat in reporters() {
        let about = office.texts(chat).into_iter().filter(|t| t.contains(&incident.number)).count();
        assert_eq!(about, 4, "{chat}: {:#?}", office.texts(chat));
    }
    // The chain held one card each for the incident, whatever the number of reports (the
    // technician's was replaced once, by the recovery's).
    assert_eq!((office.cards(TECH).len(), office.cards(KABID).len()), (2, 1));
    let retired = office.fake.sent_to(TECH).into_iter().filter(|r| r.method == "editMessageText").count();
    assert!(retired >= 1, "the card the recovery replaced is retired");
    assert!(office.cards(HELPDESK).is_empty() && office.cards(KASI).is_empty());

    // The records: the log shows the incident with its reports and each report's incident;
    // the statistics count one incident, its reports and the five organisations under it.
    let day = monday().with_timezone(&chrono_tz::Asia::Jakarta).date_naive();
    let log = office.app.desk.complaint_log(day, day).await.unwrap();
    let parent = log.iter().find(|r| r.number == incident.number).unwrap();
    assert_eq!(parent.linked.len(), children.len());
    assert_eq!(parent.incident.as_ref().map(Vec::len), Some(UNDER.len()));
    assert!(log.iter().filter(|r| r.number != incident.number).all(|r| r.parent.as_ref() == Some(&incident.number)));
    let stats = sigap::service::stats_of(&log);
    assert_eq!((stats.incidents, stats.linked_reports, stats.affected_organisations), (1, children.len(), 5));
    // Each report keeps the incident's clock: the same steps visited, late or not alike, and
    // the same time without network.
    let visited =
        |row: &sigap::service::LogRow| row.steps.iter().map(|s| (s.minutes.is_some(), s.breached)).collect::<Vec<_>>();
    assert!(parent.down_minutes.is_some());
    for row in log.iter().filter(|r| r.number != incident.number) {
        assert_eq!(
            (visited(row), row.breached, row.down_minutes),
            (visited(parent), parent.breached, parent.down_minutes),
            "{}",
            row.number
        );
    }
    // Every organisation under the backbone was hit once.
    assert_eq!(stats.outages.len(), UNDER.len(), "{:?}", stats.outages);
    assert!(stats.outages.iter().all(|o| o.incidents == 1), "{:?}", stats.outages);
    // The completion report names every linked report and its organisation.
    let pdf = office
        .app
        .desk
        .paper(
            sigap::service::TicketRef::Id(incident.id),
            sigap::documents::Kind::Completion,
            &sigap::documents::Letterhead::default(),
            "id",
        )
        .await
        .unwrap();
    let text = pdf_text(&pdf);
    assert!(text.contains("Laporan tergabung dan instansi terdampak (40)"), "{text}");
    for child in &children {
        assert!(text.contains(&child.number), "{} missing from the completion report", child.number);
    }
    assert!(text.contains("Dinas Pendidikan"), "{text}");
    office.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_still_broken_after_the_close_gets_its_own_ticket_at_the_technicians_step() {
    let office = open().await;
    let (incident, children) = incident_with_reports(&office).await;
    let chats = office.chats_of_reporters().await;
    let chat_of = |child: &TicketRow| chats[&child.reporter_id];
    let on_telegram = |c: &&TicketRow| whatsapp(chat_of(c)).is_none();
    let still = children.iter().filter(on_telegram).find(|c| !english(chat_of(c))).unwrap();
    let fine = children.iter().filter(on_telegram).find(|c| c.id != still.id).unwrap();
    office.tap(TECH, "Selesai").await;
    office.say(TECH, "Modul SFP router core diganti").await;
    office.tap(KABID, "Setujui laporan").await;
    office.until_ticket(still.id, "the report closed with the incident", |t| t.status == "closed").await;

    office.tap(chat_of(still), "Masih gangguan").await;
    office.tap(chat_of(fine), if english(chat_of(fine)) { "Working again" } else { "Sudah normal" }).await;

    // The one still broken is open again, on its own, at the technician's check; its
    // reporter is told, and the technician gets its card.
    office.until_ticket(still.id, "split off", |t| t.status == "open").await;
    let split = office.ticket(still.id).await;
    assert_eq!((split.parent_id, split.step.as_str()), (None, "perbaikan_online"));
    assert_eq!(office.events(still.id).await, ["report", "link", "parent_closed", "unlink"]);
    office.told(chat_of(still), &[&still.number, "ditangani tersendiri", "Perbaikan via online"]).await;
    office.told(TECH, &[&still.number, "Perbaikan via online"]).await;
    assert_eq!(office.cards(TECH).len(), 2, "the incident's card and the split report's");
    // The one that works again stays closed, linked, with its reporter's word recorded.
    office.until_ticket(fine.id, "confirmed", |t| t.version > fine.version + 1).await;
    let confirmed = office.ticket(fine.id).await;
    assert_eq!((confirmed.status.as_str(), confirmed.parent_id), ("closed", Some(incident.id)));
    assert_eq!(office.events(fine.id).await, ["report", "link", "parent_closed", "confirm"]);
    // The question answered, its other button changes nothing.
    let asked = office.cards_about(chat_of(still), &incident.number).remove(0);
    let message_id = asked.result["message_id"].as_i64().unwrap();
    let again = button(&asked.body, "Sudah normal").unwrap();
    office.fake.push_update(office.fake.callback_from(chat_of(still), message_id, &again));
    eventually("the press answered", || {
        let answers = office.fake.calls("answerCallbackQuery");
        let stale = answers.iter().any(|a| a.body["text"].as_str().is_some_and(|t| t.contains("sudah tidak berlaku")));
        std::future::ready(stale)
    })
    .await;
    assert_eq!(office.ticket(still.id).await.status, "open");
    assert_eq!(office.events(still.id).await.len(), 4);
    office.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_from_outside_the_outage_walks_the_sop_on_its_own_and_officials_can_link_it() {
    let office = open().await;
    office.alert("zabbix_problem.DERIVED.json").await;
    eventually("the incident", || async { office.tickets().await.len() == 1 }).await;
    let incident = office.tickets().await.remove(0);

    office.say(OUTSIDER, REPORT).await;
    eventually("the outsider's ticket", || async { office.tickets().await.len() == 2 }).await;
    let own = office.tickets().await.into_iter().find(|t| t.id != incident.id).unwrap();
    assert_eq!((own.parent_id, own.step.as_str()), (None, "terima"));
    office.told(HELPDESK, &[&own.number, "Dinas Perhubungan"]).await;
    assert_eq!(office.cards(HELPDESK).len(), 1);

    // A ticket cannot join itself; a reporter cannot link at all.
    office.say(HELPDESK, &format!("/gabung {} {}", own.number, own.number)).await;
    office.told(HELPDESK, &["tidak dapat digabungkan ke dirinya sendiri"]).await;
    office.say(OUTSIDER, &format!("/gabung {} {}", incident.number, own.number)).await;
    office.told(OUTSIDER, &["petugas"]).await;
    assert_eq!(office.ticket(own.id).await.parent_id, None);

    // The helpdesk finds it is the same outage after all: linked by command, its card retired.
    office.say(HELPDESK, &format!("/gabung {} {}", incident.number, own.number)).await;
    office.until_ticket(own.id, "linked", |t| t.parent_id == Some(incident.id)).await;
    office.told(HELPDESK, &["digabungkan ke", &incident.number]).await;
    office.told(HELPDESK, &["Digabungkan ke gangguan massal", &incident.number]).await;
    office.told(OUTSIDER, &["bagian dari gangguan massal", &incident.number]).await;
    assert_eq!(office.ticket(own.id).await.step, incident.step);

    // And split off again: its own ticket at the technician's check.
    office.say(HELPDESK, &format!("/pisah {}", own.number)).await;
    office.until_ticket(own.id, "split", |t| t.parent_id.is_none()).await;
    assert_eq!(office.ticket(own.id).await.step, "perbaikan_online");
    assert_eq!(office.events(own.id).await, ["report", "link", "unlink"]);
    office.told(TECH, &[&own.number, "Perbaikan via online"]).await;
    office.told(OUTSIDER, &[&own.number, "ditangani tersendiri"]).await;
    office.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_monitoring_ticket_with_no_reports_passes_the_reporters_step_and_closes_by_the_sop() {
    let office = open().await;
    office.alert("zabbix_problem.DERIVED.json").await;
    eventually("the incident", || async { office.tickets().await.len() == 1 }).await;
    let incident = office.tickets().await.remove(0);

    office.tap(TECH, "Selesai").await;
    office.say(TECH, "Catu daya router dipulihkan").await;

    // Nobody can confirm for monitoring in chat: SIGAP records that monitoring has not said
    // it recovered, and the Kabid gets the handling report to approve.
    office.until_ticket(incident.id, "the Kabid's step", |t| t.step == "laporan_kabid").await;
    let events = tickets::events(office.app.desk.db(), incident.id).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["alert", "resolve", "confirm"]);
    assert_eq!(events[1].to_step.as_deref(), Some("konfirmasi"));
    assert!(events[2].note.as_deref().unwrap().contains("belum melaporkan pulih"), "{:?}", events[2].note);
    office.told(KABID, &[&incident.number, "Catu daya router dipulihkan"]).await;
    office.tap(KABID, "Setujui laporan").await;
    office.until_ticket(incident.id, "closed", |t| t.status == "closed").await;
    office.stop().await;
}

/// A reporter of organisation `org` (a Telegram chat of its own), added while the office runs.
async fn reporter_of(office: &Office, name: &str, org: &str, chat: i64) {
    let new = NewPerson {
        name: name.into(),
        org_code: Some(org.into()),
        locale: "id".into(),
        roles: vec![Role::Reporter],
        identities: vec![(Channel::Telegram, chat.to_string())],
    };
    directory::add_person(office.app.desk.db(), &new, monday()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_that_may_be_the_same_outage_is_offered_to_the_helpdesk_with_one_tap_each_way() {
    let office = open().await;
    let (dinkes, disdik, ngaglik, bkpsdm) = (9_201, 9_202, 9_203, 9_204);
    reporter_of(&office, "Rina", "DINKES", dinkes).await;
    reporter_of(&office, "Sari", "DISDIK", disdik).await;
    reporter_of(&office, "Tono", "KEC-NGAGLIK", ngaglik).await;
    reporter_of(&office, "Umar", "BKPSDM", bkpsdm).await;

    // The first report of an outage walks the SOP; nothing to offer.
    office.say(dinkes, REPORT).await;
    eventually("the first ticket", || async { office.tickets().await.len() == 1 }).await;
    let first = office.tickets().await.remove(0);
    office.told(HELPDESK, &[&first.number, "Dinas Kesehatan"]).await;

    // Dinas Pendidikan hangs on the same distribution node: its report is offered for linking.
    office.say(disdik, REPORT).await;
    eventually("the second ticket", || async { office.tickets().await.len() == 2 }).await;
    let second = office.tickets().await.into_iter().find(|t| t.id != first.id).unwrap();
    assert_eq!(second.parent_id, None, "an offer links nothing by itself");
    office
        .told(HELPDESK, &[&second.number, "mungkin bagian dari gangguan yang sama", &first.number, "Distribusi Utara"])
        .await;
    assert!(office.texts(KASI).iter().all(|t| !t.contains("mungkin bagian")), "the offer is for the first step's role");

    // A reporter cannot answer it, even with the button's own data.
    let offer = office.cards_about(HELPDESK, "mungkin bagian").remove(0);
    let data = button(&offer.body, "🔗 Gabungkan").unwrap();
    let message_id = offer.result["message_id"].as_i64().unwrap();
    office.fake.push_update(office.fake.callback_from(OUTSIDER, message_id, &data));
    eventually("the reporter refused", || {
        let answers = office.fake.calls("answerCallbackQuery");
        std::future::ready(answers.iter().any(|a| a.body["text"].as_str().is_some_and(|t| t.contains("petugas"))))
    })
    .await;
    assert_eq!(office.ticket(second.id).await.parent_id, None);

    // The helpdesk links it: it takes the first ticket's step, its cards are retired and
    // its reporter is told it joins.
    office.tap(HELPDESK, "🔗 Gabungkan").await;
    office.until_ticket(second.id, "linked", |t| t.parent_id == Some(first.id)).await;
    assert_eq!(office.events(second.id).await, ["report", "link"]);
    office.told(disdik, &["bagian dari gangguan massal", &first.number]).await;
    office.told(HELPDESK, &["Digabungkan ke gangguan massal", &first.number]).await;

    // Kecamatan Ngaglik hangs on the backbone directly: not the same uplink, no offer.
    office.say(ngaglik, REPORT).await;
    eventually("the third ticket", || async { office.tickets().await.len() == 3 }).await;
    let third = office
        .tickets()
        .await
        .into_iter()
        .find(|t| t.org_id.is_some() && ![first.id, second.id].contains(&t.id))
        .unwrap();
    office.told(HELPDESK, &[&third.number, "Kecamatan Ngaglik"]).await;

    // BKPSDM is on the backbone too: offered to join Ngaglik's ticket; kept separate.
    office.say(bkpsdm, REPORT).await;
    eventually("the fourth ticket", || async { office.tickets().await.len() == 4 }).await;
    let fourth = office.tickets().await.into_iter().find(|t| ![first.id, second.id, third.id].contains(&t.id)).unwrap();
    office
        .told(HELPDESK, &[&fourth.number, "mungkin bagian dari gangguan yang sama", &third.number, "NOC Diskominfo"])
        .await;
    office.tap(HELPDESK, "Tiket terpisah").await;
    eventually("kept separate", || async { office.events(fourth.id).await == ["report", "keep_separate"] }).await;
    let kept = office.ticket(fourth.id).await;
    assert_eq!((kept.parent_id, kept.step.as_str(), kept.status.as_str()), (None, "terima", "open"));
    office.told(HELPDESK, &[&fourth.number, "memutuskan tetap tiket terpisah"]).await;
    // Its own card still works: the helpdesk forwards it as any report.
    let card = office
        .cards_about(HELPDESK, &fourth.number)
        .into_iter()
        .find(|c| !labels(&c.body).contains(&"Tiket terpisah".to_owned()))
        .unwrap();
    let forward = labels(&card.body).into_iter().find(|l| l.starts_with("Teruskan")).expect("a forward button");
    let data = button(&card.body, &forward).unwrap();
    office.fake.push_update(office.fake.callback_from(HELPDESK, card.result["message_id"].as_i64().unwrap(), &data));
    office.until_ticket(fourth.id, "forwarded", |t| t.step != "terima").await;
    office.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_setting_on_the_affected_organisations_hear_of_an_incident_before_they_report() {
    let office = open_with(&[("SIGAP_INCIDENT_TELL_ORGS", "1"), ("WHATSAPP_TEMPLATE_UPDATE", "sigap_pembaruan")]).await;
    office.alert("zabbix_problem.DERIVED.json").await;
    eventually("the incident", || async { office.tickets().await.len() == 1 }).await;
    let incident = office.tickets().await.remove(0);
    for chat in reporters() {
        let known = if english(chat) { "detected by monitoring" } else { "sudah terdeteksi oleh monitoring" };
        office.told(chat, &[known, &incident.number]).await;
    }
    // The outsider's organisation is not under the backbone; staff hear through their cards.
    office.told(TECH, &[&incident.number]).await;
    assert!(office.texts(OUTSIDER).is_empty());
    assert!(office.texts(HELPDESK).iter().all(|t| !t.contains("terdeteksi oleh monitoring dan")));
    office.stop().await;
}
