//! Cards on WhatsApp, through the real application and the fake Graph API: setting the
//! priority in Kudus gives the Kasi a fresh card (it used to strand the ticket), the card
//! it replaced is answered as done, and an official whose card came as a template (no
//! buttons) gets it back with its buttons by typing `antrian`.

#[path = "support/app.rs"]
mod app;
#[path = "support/fake_graph.rs"]
mod fake_graph;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use app::{App, eventually};
use fake_graph::{FakeGraph, webhook};
use serde_json::Value;
use sigap::domain::role::Role;
use sigap::domain::ticket::Channel;
use sigap::store::directory::{self, NewPerson};
use sigap::store::tickets;

const TOKEN: &str = "EAAG-cards-token";
const PHONE_ID: &str = "106540352242923";
const APP_SECRET: &str = "app-secret-for-card-tests";
const VERIFY: &str = "verify-cards";
const REPORTER: &str = "6281300000001";
const HELPDESK: &str = "6281300000002";
const KASI: &str = "6281300000003";
const KASI_ACTIONS: [&str; 4] = ["Atur prioritas", "Perbaiki online", "Kunjungan lapangan", "Kembalikan"];

struct Wa {
    fake: FakeGraph,
    url: String,
    http: reqwest::Client,
    next_id: AtomicUsize,
    seen: Mutex<HashMap<String, usize>>,
    inbox: sea_orm::DatabaseConnection,
    app: App,
}

async fn start(templates: bool) -> Wa {
    let fake = FakeGraph::start(TOKEN, PHONE_ID).await;
    let mut vars = vec![
        ("SIGAP_SOP", "kudus".to_owned()),
        ("WHATSAPP_API_URL", fake.api_url()),
        ("WHATSAPP_PHONE_NUMBER_ID", PHONE_ID.to_owned()),
        ("WHATSAPP_ACCESS_TOKEN", TOKEN.to_owned()),
        ("WHATSAPP_APP_SECRET", APP_SECRET.to_owned()),
        ("WHATSAPP_VERIFY_TOKEN", VERIFY.to_owned()),
        ("SIGAP_WHATSAPP_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_WHATSAPP_PER_SECOND", "1000000".to_owned()),
    ];
    if templates {
        vars.push(("WHATSAPP_TEMPLATE_UPDATE", "sigap_pembaruan".to_owned()));
        vars.push(("WHATSAPP_TEMPLATE_REMINDER", "sigap_pengingat".to_owned()));
    }
    let app = app::start(&vars, |desk| async move {
        let people = [("Hadi", Role::Helpdesk, format!("+{HELPDESK}")), ("Kurnia", Role::Kasi, format!("+{KASI}"))];
        app::seed_dinkes(&desk, Channel::Whatsapp, &people).await;
        let reporter = NewPerson {
            name: "Sari".into(),
            org_code: Some("DINKES".into()),
            locale: "id".into(),
            roles: vec![Role::Reporter],
            identities: vec![(Channel::Whatsapp, format!("+{REPORTER}"))],
        };
        directory::add_person(desk.db(), &reporter, desk.clock().now()).await.unwrap();
    })
    .await;
    let inbox = sigap::store::inbox::open(&app.database_url, app.desk.db()).await.unwrap();
    Wa {
        inbox,
        fake,
        url: format!("http://{}/webhook/whatsapp", app.addr),
        http: reqwest::Client::new(),
        next_id: AtomicUsize::new(1),
        seen: Mutex::new(HashMap::new()),
        app,
    }
}

impl Wa {
    fn message_id(&self) -> String {
        format!("wamid.IN{:06}", self.next_id.fetch_add(1, Ordering::SeqCst))
    }

    /// POST a webhook delivery signed as Meta does, and wait until the inbox applied it.
    async fn post(&self, payload: &Value) {
        let body = serde_json::to_vec(payload).unwrap();
        let signature = webhook::sign(APP_SECRET, &body);
        let request = self.http.post(&self.url).header("content-type", "application/json");
        let status = request.header("X-Hub-Signature-256", signature).body(body).send().await.unwrap().status();
        assert_eq!(status, 200);
        eventually("the delivery applied", || async { sigap::store::inbox::depth(&self.inbox).await.unwrap() == 0 })
            .await;
    }

    async fn say(&self, from: &str, text: &str) {
        self.post(&webhook::text(from, "Pengguna", &self.message_id(), text)).await;
    }

    /// Wait for a message to `to`, newer than any used before, offering `title`; choose it.
    /// Returns the message's wamid and body.
    async fn tap(&self, to: &str, title: &str) -> (String, Value) {
        let from = *self.seen.lock().unwrap().get(to).unwrap_or(&0);
        let mut found = None;
        eventually(&format!("`{title}` offered to {to}"), || {
            let sent = self.fake.delivered_to(to);
            found = sent
                .iter()
                .enumerate()
                .skip(from)
                .find_map(|(i, (wamid, body))| choice(body, title).map(|c| (i, wamid.clone(), body.clone(), c)));
            std::future::ready(found.is_some())
        })
        .await;
        let (index, wamid, body, (kind, id)) = found.unwrap();
        self.seen.lock().unwrap().insert(to.to_owned(), index + 1);
        let event = match kind {
            "button" => webhook::button_reply(to, "Pengguna", &self.message_id(), &wamid, &id, title),
            _ => webhook::list_reply(to, "Pengguna", &self.message_id(), &wamid, &id, title, ""),
        };
        self.post(&event).await;
        (wamid, body)
    }

    async fn told(&self, to: &str, part: &str) -> Value {
        let mut found = None;
        eventually(&format!("`{part}` to {to}"), || {
            found = self.fake.sent_to(to).into_iter().find(|b| text_of(b).contains(part));
            std::future::ready(found.is_some())
        })
        .await;
        found.unwrap()
    }

    async fn report(&self) -> i64 {
        // Filed from this one message: it says where and what.
        self.say(REPORTER, "Internet di ruang server mati sejak pagi").await;
        let db = self.app.desk.db();
        eventually("a ticket", || async { !tickets::list(db, None, 1).await.unwrap().is_empty() }).await;
        tickets::list(db, None, 1).await.unwrap()[0].id
    }

    async fn at_step(&self, ticket: i64, step: &str) {
        let db = self.app.desk.db();
        eventually(&format!("ticket at {step}"), || async {
            tickets::by_id(db, ticket).await.unwrap().unwrap().step == step
        })
        .await;
    }

    async fn stop(self) {
        self.app.stop().await;
        assert!(self.fake.violations().is_empty(), "{:?}", self.fake.violations());
    }
}

fn choice(body: &Value, title: &str) -> Option<(&'static str, String)> {
    let action = &body["interactive"]["action"];
    if let Some(buttons) = action["buttons"].as_array() {
        let hit = buttons.iter().find(|b| b["reply"]["title"] == title)?;
        return Some(("button", hit["reply"]["id"].as_str()?.to_owned()));
    }
    let rows = action["sections"].as_array()?.iter().flat_map(|s| s["rows"].as_array().cloned().unwrap_or_default());
    let hit = rows.into_iter().find(|r| r["title"] == title)?;
    Some(("list", hit["id"].as_str()?.to_owned()))
}

fn titles(body: &Value) -> Vec<String> {
    let action = &body["interactive"]["action"];
    match action["buttons"].as_array() {
        Some(buttons) => buttons.iter().map(|b| b["reply"]["title"].as_str().unwrap().to_owned()).collect(),
        None => action["sections"]
            .as_array()
            .map(|sections| {
                sections
                    .iter()
                    .flat_map(|s| s["rows"].as_array().cloned().unwrap_or_default())
                    .map(|r| r["title"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn text_of(body: &Value) -> String {
    let candidates = [&body["text"]["body"], &body["interactive"]["body"]["text"]];
    candidates.iter().find_map(|v| v.as_str()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn kudus_setting_the_priority_by_whatsapp_gives_the_kasi_a_fresh_card() {
    let wa = start(false).await;
    for number in [HELPDESK, KASI] {
        wa.say(number, "bantuan").await;
        wa.told(number, "Perintah yang tersedia").await;
    }
    let ticket = wa.report().await;
    wa.tap(HELPDESK, "Teruskan ke Kasi").await;

    let (first, _) = wa.tap(KASI, "Atur prioritas").await;
    wa.tap(KASI, "Tinggi").await;

    wa.told(REPORTER, "prioritas penanganan: Tinggi").await;
    // The card it was set from is answered as done, quoting it.
    eventually("the first card answered as done", || {
        let sent = wa.fake.sent_to(KASI);
        std::future::ready(
            sent.iter()
                .any(|b| b["context"]["message_id"] == first.as_str() && text_of(b).contains("mengatur prioritas")),
        )
    })
    .await;
    // A fresh card with the step's actions comes after the picker, and it works.
    let (_, fresh) = wa.tap(KASI, "Perbaiki online").await;
    assert_eq!(titles(&fresh), KASI_ACTIONS);
    assert!(text_of(&fresh).contains("Prioritas: Tinggi"), "{fresh}");
    wa.at_step(ticket, "perbaikan_online").await;
    wa.stop().await;
}

#[tokio::test]
async fn an_official_whose_card_came_as_a_template_types_antrian_and_gets_its_buttons() {
    let wa = start(true).await;
    wa.say(HELPDESK, "bantuan").await;
    let ticket = wa.report().await;
    wa.tap(HELPDESK, "Teruskan ke Kasi").await;
    // The Kasi has not written in 24 hours: the card reaches them as a template, no buttons.
    eventually("the card as a template", || {
        std::future::ready(wa.fake.sent_to(KASI).iter().any(|b| b["type"] == "template"))
    })
    .await;

    wa.say(KASI, "antrian").await;

    wa.told(KASI, "Antrian Anda (1 tiket").await;
    let (_, card) = wa.tap(KASI, "Perbaiki online").await;
    assert_eq!(titles(&card), KASI_ACTIONS);
    wa.at_step(ticket, "perbaikan_online").await;
    wa.stop().await;
}
