//! Officials pressing buttons in Telegram, end to end: the real application (the builder
//! `main` uses) polls a fake Bot API on 127.0.0.1, applies the press through the core, answers
//! the button, rewrites the card without its buttons, and sends the next official a card.

#[path = "support/app.rs"]
mod app;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use app::{App, eventually};
use fake_telegram::{FakeTelegram, Recorded};
use serde_json::Value;
use sigap::domain::role::Role;
use sigap::domain::ticket::{Category, Channel};
use sigap::service::{Helpdesk, NewReport, TicketRef};
use sigap::store::directory;
use sigap::store::tickets;

const TOKEN: &str = "777:PRESS-TEST";
const REPORTER: i64 = 6001;
const HELPDESK: i64 = 6002;
const KASI: i64 = 6003;
const TECH: i64 = 6004;
const STRANGER: i64 = 6999;

struct Running {
    desk: Helpdesk,
    fake: FakeTelegram,
    app: App,
}

async fn start() -> Running {
    let fake = FakeTelegram::start(TOKEN).await;
    let vars = [
        ("TELOXIDE_TOKEN", TOKEN.to_owned()),
        ("TELOXIDE_API_URL", fake.api_url()),
        // Pacing runs on the service's clock, which stands still here: lift both limits.
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
    Running { desk: app.desk.clone(), fake, app }
}

impl Running {
    async fn report(&self) -> i64 {
        let reporter = directory::person_by_identity(self.desk.db(), Channel::Telegram, &REPORTER.to_string())
            .await
            .unwrap()
            .unwrap();
        let report = NewReport {
            reporter_id: reporter.id,
            channel: Channel::Telegram,
            org_id: None,
            location: Some("Gedung A".into()),
            category: Category::InternetDown,
            description: "Internet di Dinkes mati sejak pagi".into(),
            srikandi_number: None,
            attachments: Vec::new(),
        };
        self.desk.report(report).await.unwrap().ticket_id
    }

    async fn step_and_version(&self, ticket: i64) -> (String, i32) {
        let row = tickets::by_id(self.desk.db(), ticket).await.unwrap().unwrap();
        (row.step, row.version)
    }

    fn button(card: &Recorded, label: &str) -> String {
        card.body["reply_markup"]["inline_keyboard"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row.as_array().unwrap().clone())
            .find(|b| b["text"] == label)
            .unwrap_or_else(|| panic!("no button {label} in {card:?}"))["callback_data"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A new report, forwarded by the helpdesk's button: the Kasi has a card (message 1).
    async fn forwarded_to_kasi(&self) -> i64 {
        let ticket = self.report().await;
        eventually("the helpdesk card", || async { !self.fake.sent_to(HELPDESK).is_empty() }).await;
        let data = Running::button(&self.fake.sent_to(HELPDESK)[0], "Teruskan ke Kasi");
        self.fake.push_update(self.fake.callback_from(HELPDESK, 1, &data));
        eventually("the kasi card", || async { !self.fake.sent_to(KASI).is_empty() }).await;
        ticket
    }

    fn answers(&self) -> Vec<String> {
        self.fake
            .calls("answerCallbackQuery")
            .iter()
            .map(|r| r.body["text"].as_str().unwrap_or("").to_owned())
            .collect()
    }

    async fn stop(self) {
        self.app.stop().await;
        assert!(self.fake.violations().is_empty(), "{:?}", self.fake.violations());
    }
}

fn texts(records: &[Recorded]) -> Vec<&str> {
    records.iter().filter_map(|r| r.body["text"].as_str()).collect()
}

#[tokio::test]
async fn a_press_applies_the_action_answers_rewrites_the_card_and_pings_the_next_official() {
    let r = start().await;
    let ticket = r.report().await;
    eventually("the helpdesk card", || async { !r.fake.sent_to(HELPDESK).is_empty() }).await;
    let card = r.fake.sent_to(HELPDESK).remove(0);

    r.fake.push_update(r.fake.callback_from(HELPDESK, 1, &Running::button(&card, "Teruskan ke Kasi")));
    eventually("the kasi card", || async { !r.fake.sent_to(KASI).is_empty() }).await;
    eventually("the card edit", || async { !r.fake.calls("editMessageText").is_empty() }).await;

    assert_eq!(r.step_and_version(ticket).await, ("prioritas".to_owned(), 2));
    assert!(r.answers()[0].contains("berhasil meneruskan"), "{:?}", r.answers());
    let edit = &r.fake.calls("editMessageText")[0];
    assert_eq!(edit.body["chat_id"], Value::from(HELPDESK));
    let edited = edit.body["text"].as_str().unwrap();
    assert!(edited.starts_with(card.body["text"].as_str().unwrap()), "{edited}");
    assert!(edited.contains("✅ Hadi (Admin Helpdesk) meneruskan — Senin, 23 November 2026 09:00 WIB"), "{edited}");
    assert!(edit.body.get("reply_markup").is_none());
    let kasi_card = &r.fake.sent_to(KASI)[0];
    assert!(kasi_card.body["text"].as_str().unwrap().contains("Terakhir: Hadi (Admin Helpdesk) meneruskan."));
    r.stop().await;
}

#[tokio::test]
async fn a_second_press_on_the_same_button_is_told_who_acted_and_changes_nothing() {
    let r = start().await;
    let ticket = r.report().await;
    eventually("the helpdesk card", || async { !r.fake.sent_to(HELPDESK).is_empty() }).await;
    let data = Running::button(&r.fake.sent_to(HELPDESK)[0], "Teruskan ke Kasi");
    r.fake.push_update(r.fake.callback_from(HELPDESK, 1, &data));
    eventually("the first answer", || async { r.answers().len() == 1 }).await;

    r.fake.push_update(r.fake.callback_from(HELPDESK, 1, &data));
    eventually("the second answer", || async { r.answers().len() == 2 }).await;

    assert!(r.answers()[1].contains("Tombol ini sudah tidak berlaku: Hadi sudah meneruskan"), "{:?}", r.answers());
    assert_eq!(r.step_and_version(ticket).await, ("prioritas".to_owned(), 2));
    let events = r.desk.details(TicketRef::Id(ticket)).await.unwrap().events;
    assert_eq!(events.len(), 2);
    r.stop().await;
}

#[tokio::test]
async fn forged_buttons_and_strangers_are_refused_and_change_nothing() {
    let r = start().await;
    let ticket = r.report().await;
    eventually("the helpdesk card", || async { !r.fake.sent_to(HELPDESK).is_empty() }).await;
    let data = Running::button(&r.fake.sent_to(HELPDESK)[0], "Teruskan ke Kasi");
    let (payload, _) = data.rsplit_once('.').unwrap();

    // Three chats: handled side by side, so each press's answer is found by its query id.
    let presses = [
        r.fake.callback_from(HELPDESK, 1, &format!("{payload}.0000000000000000")),
        r.fake.callback_from(STRANGER, 1, &data),
        r.fake.callback_from(KASI, 1, &data),
    ];
    for press in &presses {
        r.fake.push_update(press.clone());
    }
    eventually("three answers", || async { r.answers().len() == 3 }).await;

    let answer_to = |press: &serde_json::Value| {
        let id = &press["callback_query"]["id"];
        let calls = r.fake.calls("answerCallbackQuery");
        let call = calls.iter().find(|c| c.body["callback_query_id"] == *id).expect("the press was answered");
        call.body["text"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(answer_to(&presses[0]), "Tombol ini sudah tidak berlaku.");
    assert!(answer_to(&presses[1]).contains("belum terdaftar"), "{:?}", r.answers());
    assert!(answer_to(&presses[2]).contains("Admin Helpdesk"), "{:?}", r.answers());
    assert_eq!(r.step_and_version(ticket).await, ("terima".to_owned(), 1));
    r.stop().await;
}

#[tokio::test]
async fn a_button_that_needs_a_reason_asks_for_it_and_the_next_message_completes_it() {
    let r = start().await;
    let ticket = r.forwarded_to_kasi().await;
    let kasi_card = r.fake.sent_to(KASI).remove(0);

    r.fake.push_update(r.fake.callback_from(KASI, 1, &Running::button(&kasi_card, "Kembalikan")));
    eventually("the question", || async { r.answers().len() == 2 }).await;
    let asked = r.step_and_version(ticket).await;
    r.fake.push_update(r.fake.message_from(KASI, "Lokasi belum jelas, mohon dicek ulang"));
    eventually("the ticket back at the helpdesk", || async { r.step_and_version(ticket).await.0 == "terima" }).await;
    eventually("the reply", || async { texts(&r.fake.sent_to(KASI)).iter().any(|t| t.starts_with("✅")) }).await;

    assert!(r.answers()[1].contains("alasan pengembalian"), "{:?}", r.answers());
    assert_eq!(asked, ("prioritas".to_owned(), 2));
    let events = r.desk.details(TicketRef::Id(ticket)).await.unwrap().events;
    let last = &events.last().unwrap().event;
    assert_eq!((last.action.as_str(), last.note.as_deref()), ("return", Some("Lokasi belum jelas, mohon dicek ulang")));
    eventually("the kasi card rewritten", || async {
        r.fake.calls("editMessageText").iter().any(|e| e.body["chat_id"] == KASI)
    })
    .await;
    r.stop().await;
}

#[tokio::test]
async fn set_priority_offers_the_priorities_and_a_second_tap_sets_it() {
    let r = start().await;
    let ticket = r.forwarded_to_kasi().await;

    r.fake.push_update(r.fake.callback_from(KASI, 1, &Running::button(&r.fake.sent_to(KASI)[0], "Atur prioritas")));
    eventually("the priority picker", || async { r.fake.sent_to(KASI).len() == 2 }).await;
    let picker = r.fake.sent_to(KASI).remove(1);
    r.fake.push_update(r.fake.callback_from(KASI, 2, &Running::button(&picker, "Tinggi")));
    eventually("the priority set", || async { r.step_and_version(ticket).await.1 == 3 }).await;

    assert!(picker.body["text"].as_str().unwrap().contains("pilih prioritas"), "{picker:?}");
    let row = tickets::by_id(r.desk.db(), ticket).await.unwrap().unwrap();
    assert_eq!((row.step.as_str(), row.priority.as_deref()), ("prioritas", Some("high")));
    eventually("the picker rewritten", || async {
        r.fake.calls("editMessageText").iter().any(|e| e.body["chat_id"] == KASI && e.body["message_id"] == 2)
    })
    .await;
    r.stop().await;
}

#[tokio::test]
async fn a_field_fix_is_finished_with_a_captioned_photo_that_reaches_the_reporter() {
    let r = start().await;
    let ticket = r.forwarded_to_kasi().await;
    r.fake.push_update(r.fake.callback_from(KASI, 1, &Running::button(&r.fake.sent_to(KASI)[0], "Kunjungan lapangan")));
    eventually("the technician card", || async { !r.fake.sent_to(TECH).is_empty() }).await;

    r.fake.push_update(r.fake.callback_from(TECH, 1, &Running::button(&r.fake.sent_to(TECH)[0], "Selesai")));
    eventually("the photo request", || async { r.answers().len() == 3 }).await;
    r.fake.push_update(r.fake.message_from(TECH, "sudah beres"));
    eventually("the photo reminder", || async { texts(&r.fake.sent_to(TECH)).iter().any(|t| t.contains("foto")) })
        .await;
    r.fake.add_file("foto-kabel", b"\xff\xd8 kabel baru".to_vec());
    r.fake.push_update(r.fake.photo_from(TECH, "foto-kabel", Some("Kabel LAN diganti")));
    eventually("the reporter's confirm card", || async {
        r.fake.sent_to(REPORTER).iter().any(|m| m.body["reply_markup"]["inline_keyboard"].is_array())
    })
    .await;

    assert!(r.answers()[2].contains("Kirim foto"), "{:?}", r.answers());
    assert_eq!(r.step_and_version(ticket).await.0, "konfirmasi");
    let to_reporter = r.fake.sent_to(REPORTER);
    let photo = to_reporter.iter().find(|m| m.method == "sendPhoto").expect("the completion photo");
    assert_eq!(photo.files[0].bytes, b"\xff\xd8 kabel baru");
    assert!(texts(&to_reporter).iter().any(|t| t.contains("Kabel LAN diganti")));
    r.stop().await;
}

#[tokio::test]
async fn commands_answer_the_reporter_the_official_and_a_stranger() {
    let r = start().await;
    let ticket = r.forwarded_to_kasi().await;

    r.fake.push_update(r.fake.message_from(REPORTER, "/status"));
    r.fake.push_update(r.fake.message_from(KASI, "/antrian"));
    r.fake.push_update(r.fake.message_from(STRANGER, "/tiket"));
    r.fake.push_update(r.fake.message_from(REPORTER, "Internet di lantai 3 juga mati"));
    eventually("four answers", || async {
        texts(&r.fake.sent_to(STRANGER)).len() == 1
            && texts(&r.fake.sent_to(KASI)).iter().any(|t| t.starts_with("Antrian"))
            && texts(&r.fake.sent_to(REPORTER)).iter().any(|t| t.starts_with("Tiket "))
            // A message that is not a command starts a new report: it said where and what.
            && texts(&r.fake.sent_to(REPORTER)).iter().any(|t| t.starts_with("Ada foto"))
    })
    .await;

    let number = tickets::by_id(r.desk.db(), ticket).await.unwrap().unwrap().number;
    let to_reporter = texts(&r.fake.sent_to(REPORTER)).into_iter().map(str::to_owned).collect::<Vec<_>>();
    assert!(
        to_reporter
            .iter()
            .any(|t| t.starts_with(&format!("Tiket {number}: Dalam proses")) && t.contains("Identifikasi prioritas")),
        "{to_reporter:?}"
    );
    let queue = texts(&r.fake.sent_to(KASI)).into_iter().find(|t| t.starts_with("Antrian")).unwrap().to_owned();
    assert!(queue.contains(&number) && queue.contains("batas Senin, 23 November 2026 09:30 WIB"), "{queue}");
    assert!(texts(&r.fake.sent_to(STRANGER))[0].contains("belum terdaftar"));
    let menus = r.fake.calls("setMyCommands");
    assert_eq!(menus.len(), 2, "{menus:?}");
    r.stop().await;
}
