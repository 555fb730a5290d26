//! Cards in Telegram, through the real application and the fake Bot API: after any action
//! whoever acts next holds exactly one card with the step's buttons, and `/antrian` brings
//! a person's cards back with their buttons. Kudus's priority used to strand the ticket:
//! the Kasi's card went stale and no fresh one came.

#[path = "support/app.rs"]
mod app;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::collections::HashMap;
use std::sync::Mutex;

use app::{App, eventually};
use fake_telegram::{FakeTelegram, Recorded};
use serde_json::Value;
use sigap::domain::role::Role;
use sigap::domain::ticket::Channel;
use sigap::store::tickets;

const TOKEN: &str = "781:CARDS-TEST";
const REPORTER: i64 = 8101;
const HELPDESK: i64 = 8102;
const KASI: i64 = 8103;
const TECH: i64 = 8104;
const KASI_ACTIONS: [&str; 4] = ["Atur prioritas", "Perbaiki online", "Kunjungan lapangan", "Kembalikan"];

struct Walk {
    fake: FakeTelegram,
    /// Per chat, how many messages were looked at already: a button is taken from a newer one.
    seen: Mutex<HashMap<i64, usize>>,
    app: App,
}

async fn start(sop: &str) -> Walk {
    let fake = FakeTelegram::start(TOKEN).await;
    let vars = [
        ("SIGAP_SOP", sop.to_owned()),
        ("TELOXIDE_TOKEN", TOKEN.to_owned()),
        ("TELOXIDE_API_URL", fake.api_url()),
        ("SIGAP_TELEGRAM_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_TELEGRAM_PER_SECOND", "1000000".to_owned()),
    ];
    let app = app::start(&vars, |desk| async move {
        let people = [
            ("Sari", Role::Reporter, REPORTER.to_string()),
            ("Hadi", Role::Helpdesk, HELPDESK.to_string()),
            ("Kurnia", Role::Kasi, KASI.to_string()),
            ("Agus", Role::Technician, TECH.to_string()),
        ];
        app::seed_dinkes(&desk, Channel::Telegram, &people).await;
    })
    .await;
    Walk { fake, seen: Mutex::new(HashMap::new()), app }
}

impl Walk {
    fn say(&self, from: i64, text: &str) {
        self.fake.push_update(self.fake.message_from(from, text));
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

    /// Press `label` on `message` as the chat shows it now.
    fn press(&self, chat: i64, message: &Value, label: &str) {
        let data = button(message, label).unwrap_or_else(|| panic!("no `{label}` on {message}"));
        self.fake.push_update(self.fake.callback_from(chat, message["message_id"].as_i64().unwrap(), &data));
    }

    async fn told(&self, chat: i64, part: &str) {
        eventually(&format!("`{part}` to {chat}"), || {
            let sent = self.fake.sent_to(chat);
            std::future::ready(sent.iter().any(|m| m.body["text"].as_str().is_some_and(|t| t.contains(part))))
        })
        .await;
    }

    async fn report(&self, text: &str) -> i64 {
        // The text says where and what: filed from this one message.
        self.say(REPORTER, text);
        let db = self.app.desk.db();
        eventually("the ticket", || async { !tickets::list(db, None, 1).await.unwrap().is_empty() }).await;
        tickets::list(db, None, 1).await.unwrap()[0].id
    }

    async fn at_step(&self, ticket: i64, step: &str) {
        let db = self.app.desk.db();
        eventually(&format!("ticket at {step}"), || async {
            tickets::by_id(db, ticket).await.unwrap().unwrap().step == step
        })
        .await;
    }

    /// The messages in `chat` that show buttons now (edits applied).
    fn live(&self, chat: i64) -> Vec<Value> {
        self.fake.shown_in(chat).into_iter().filter(|m| !labels(m).is_empty()).collect()
    }

    /// Wait until `chat` shows exactly one message with buttons, offering `expected`.
    async fn holds_one_card(&self, chat: i64, expected: &[&str]) -> Value {
        eventually(&format!("one live card offering {expected:?} in {chat}"), || {
            let live = self.live(chat);
            std::future::ready(live.len() == 1 && labels(&live[0]) == expected)
        })
        .await;
        self.live(chat).remove(0)
    }

    async fn stop(self) {
        self.app.stop().await;
        assert!(self.fake.violations().is_empty(), "{:?}", self.fake.violations());
    }
}

fn buttons(message: &Value) -> Vec<Value> {
    message["reply_markup"]["inline_keyboard"]
        .as_array()
        .map(|rows| rows.iter().flat_map(|row| row.as_array().cloned().unwrap_or_default()).collect())
        .unwrap_or_default()
}

fn button(message: &Value, label: &str) -> Option<String> {
    buttons(message)
        .into_iter()
        .find(|b| b["text"] == label)
        .and_then(|b| b["callback_data"].as_str().map(str::to_owned))
}

fn labels(message: &Value) -> Vec<String> {
    buttons(message).iter().map(|b| b["text"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn kudus_setting_the_priority_leaves_the_kasi_one_live_card_and_tells_the_reporter() {
    let w = start("kudus").await;
    let ticket = w.report("Internet di ruang server mati sejak pagi").await;
    w.tap(HELPDESK, "Teruskan ke Kasi").await;

    let first = w.tap(KASI, "Atur prioritas").await;
    w.tap(KASI, "Tinggi").await;

    w.told(REPORTER, "prioritas penanganan: Tinggi").await;
    let fresh = w.holds_one_card(KASI, &KASI_ACTIONS).await;
    let first_id = first.result["message_id"].as_i64().unwrap();
    assert_ne!(fresh["message_id"].as_i64(), Some(first_id), "a fresh card, not the pressed one");
    assert!(fresh["text"].as_str().unwrap().contains("Prioritas: Tinggi"), "{fresh}");
    // The card the priority was set from, and the picker, say what was done instead.
    let shown = w.fake.shown_in(KASI);
    let original = shown.iter().find(|m| m["message_id"].as_i64() == Some(first_id)).unwrap();
    assert!(original["text"].as_str().unwrap().contains("Kurnia (Kepala Seksi) mengatur prioritas"), "{original}");
    // The fresh card works: the ticket leaves the step.
    w.tap(KASI, "Perbaiki online").await;
    w.at_step(ticket, "perbaikan_online").await;
    w.holds_one_card(TECH, &["Selesai", "Kunjungan lapangan", "Minta info"]).await;
    eventually("the Kasi's card retired", || std::future::ready(w.live(KASI).is_empty())).await;
    w.stop().await;
}

#[tokio::test]
async fn antrian_brings_the_card_back_with_its_buttons_and_retires_the_old_one() {
    let w = start("kudus").await;
    let ticket = w.report("Internet di ruang server mati sejak pagi").await;
    w.tap(HELPDESK, "Teruskan ke Kasi").await;
    let old = w.holds_one_card(KASI, &KASI_ACTIONS).await;

    w.say(KASI, "/antrian");

    w.told(KASI, "Antrian Anda (1 tiket").await;
    let fresh = w.holds_one_card(KASI, &KASI_ACTIONS).await;
    assert!(fresh["message_id"].as_i64() > old["message_id"].as_i64(), "a new card: {fresh}");
    w.press(KASI, &fresh, "Perbaiki online");
    w.at_step(ticket, "perbaikan_online").await;
    w.stop().await;
}
