//! The outbox delivered to Telegram over real HTTP: the service queues messages, the
//! delivery worker sends them with the production `TelegramSender` to a fake Bot API on
//! 127.0.0.1 that speaks the real wire format and checks the spec's limits.

#[path = "common/db.rs"]
mod db;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::path::Path;
use std::sync::Arc;

use chrono::TimeZone;
use fake_telegram::{Failure, FakeTelegram};
use sigap::channels::telegram::{self, CallbackCodec};
use sigap::clock::ManualClock;
use sigap::delivery::{DeliveryWorker, RetryPolicy, Step};
use sigap::domain::role::Role;
use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::{Category, Channel};
use sigap::domain::workflow::Command;
use sigap::service::{ActRequest, Helpdesk, NewReport, TicketRef};
use sigap::store::attachments::NewAttachment;
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind};
use sigap::store::{self, outbox};
use tempfile::TempDir;

const TOKEN: &str = "123456:TEST-TOKEN";
const REPORTER: i64 = 5001;
const HELPDESK: i64 = 5002;
const KASI: i64 = 5003;
const TECH: i64 = 5004;

struct World {
    desk: Helpdesk,
    clock: ManualClock,
    fake: FakeTelegram,
    worker: DeliveryWorker,
    ids: [i64; 4],
    _dirs: (TempDir, Option<TempDir>),
}

async fn world() -> World {
    let (url, db_dir) = db::fresh_database().await;
    let db = store::connect(&url).await.unwrap();
    store::migrate(&db).await.unwrap();
    let loaded = sigap::config::load_sop("kudus", Path::new("config")).unwrap();
    let sop = Arc::new(loaded.sop.clone());
    let monday = chrono_tz::Asia::Jakarta.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap().to_utc();
    let clock = ManualClock::new(monday);
    let data = tempfile::tempdir().unwrap();
    let desk = Helpdesk::new(db.clone(), Arc::new(loaded), Arc::new(clock.clone()), data.path().to_path_buf());
    let org = NewOrg { code: "DINKES".into(), name: "Dinas Kesehatan".into(), kind: OrgKind::Opd };
    directory::import_orgs(&db, &[org], monday).await.unwrap();
    let mut ids = [0; 4];
    for (slot, (name, role, tg)) in [
        ("Sari", Role::Reporter, REPORTER),
        ("Hadi", Role::Helpdesk, HELPDESK),
        ("Kurnia", Role::Kasi, KASI),
        ("Agus", Role::Technician, TECH),
    ]
    .into_iter()
    .enumerate()
    {
        let person = NewPerson {
            name: name.into(),
            org_code: Some("DINKES".into()),
            locale: "id".into(),
            roles: vec![role],
            identities: vec![(Channel::Telegram, tg.to_string())],
        };
        ids[slot] = directory::add_person(&db, &person, monday).await.unwrap().id;
    }
    let fake = FakeTelegram::start(TOKEN).await;
    let sender = telegram::sender(TOKEN, Some(&fake.api_url()), sop).unwrap();
    let worker = DeliveryWorker::new(db, Arc::new(clock.clone()), data.path().to_path_buf(), RetryPolicy::default())
        .with_sender(Arc::new(sender));
    World { desk, clock, fake, worker, ids, _dirs: (data, db_dir) }
}

impl World {
    async fn report(&self, description: &str) -> i64 {
        let report = NewReport {
            reporter_id: self.ids[0],
            channel: Channel::Telegram,
            org_id: None,
            location: Some("Gedung A".into()),
            category: Category::InternetDown,
            description: description.into(),
            srikandi_number: None,
            attachments: Vec::new(),
        };
        self.desk.report(report).await.unwrap().ticket_id
    }

    async fn press(&self, who: usize, ticket: i64, command: Command, photos: Vec<NewAttachment>) {
        let version = self.desk.details(TicketRef::Id(ticket)).await.unwrap().ticket.version;
        let request = ActRequest {
            ticket: TicketRef::Id(ticket),
            actor_id: self.ids[who],
            channel: Channel::Telegram,
            command: Command { expected_version: version, ..command },
            assignee_ids: Vec::new(),
            attachments: photos,
        };
        self.desk.act(request).await.unwrap();
    }

    /// Deliver everything that is due, letting the clock pass the per-chat pacing.
    async fn deliver_all(&self) {
        for _ in 0..20 {
            while self.worker.try_execute_task().await.unwrap() != Step::Idle {}
            self.clock.advance(chrono::Duration::seconds(1));
        }
    }
}

#[tokio::test]
async fn a_report_reaches_the_reporter_and_the_helpdesk_card_carries_signed_buttons() {
    let w = world().await;
    let ticket = w.report("Internet di Dinkes mati sejak pagi").await;

    w.deliver_all().await;

    let to_reporter = w.fake.sent_to(REPORTER);
    assert_eq!(to_reporter.len(), 1);
    assert_eq!(to_reporter[0].method, "sendMessage");
    assert!(to_reporter[0].body["text"].as_str().unwrap().contains("GJ-2026-000001"));
    let card = &w.fake.sent_to(HELPDESK)[0];
    let keyboard = &card.body["reply_markup"]["inline_keyboard"];
    let labels: Vec<&str> = keyboard
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap())
        .map(|b| b["text"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Teruskan ke Kasi", "Minta info", "Tolak"]);
    let first = keyboard[0][0]["callback_data"].as_str().unwrap();
    let sop = w.desk.sop().sop.clone();
    let decoded = CallbackCodec::new(TOKEN).decode(first, &sop).unwrap();
    assert_eq!((decoded.ticket_id, decoded.version, decoded.kind), (ticket, 1, ActionKind::Forward));
    assert!(w.fake.violations().is_empty(), "{:?}", w.fake.violations());
}

#[tokio::test]
async fn a_429_is_waited_out_and_the_message_still_arrives_once() {
    let w = world().await;
    w.fake.fail_next("sendMessage", 1, Failure::TooManyRequests { retry_after: 7 });
    let ticket = w.report("Internet lambat").await;

    let first = w.worker.try_execute_task().await.unwrap();
    w.deliver_all().await;

    assert!(matches!(first, Step::Retrying { after, .. } if after.as_secs() == 7), "{first:?}");
    let rows = outbox::for_ticket(w.desk.db(), ticket).await.unwrap();
    assert!(rows.iter().all(|r| r.status == "sent"), "{rows:?}");
    assert_eq!(w.fake.sent_to(REPORTER).len() + w.fake.sent_to(HELPDESK).len(), 2);
}

#[tokio::test]
async fn a_blocked_bot_is_recorded_as_a_permanent_failure() {
    let w = world().await;
    w.fake.fail_next("sendMessage", 1, Failure::BotBlocked);
    w.report("Internet mati").await;

    w.deliver_all().await;

    let failed = outbox::failed(w.desk.db(), 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].last_error.as_deref().unwrap().contains("blocked"), "{failed:?}");
}

#[tokio::test]
async fn a_server_error_is_retried() {
    let w = world().await;
    // teloxide itself waits 10 s after a 5xx before answering: one is enough here.
    w.fake.fail_next("sendMessage", 1, Failure::ServerError);
    let ticket = w.report("Internet mati").await;

    for _ in 0..10 {
        w.deliver_all().await;
        w.clock.advance(chrono::Duration::minutes(1));
    }

    let rows = outbox::for_ticket(w.desk.db(), ticket).await.unwrap();
    assert!(rows.iter().all(|r| r.status == "sent"), "{rows:?}");
}

#[tokio::test]
async fn the_completion_photo_goes_to_the_reporter_before_the_confirm_buttons() {
    let w = world().await;
    let ticket = w.report("Internet mati").await;
    w.press(1, ticket, Command::new(ActionKind::Forward, 0), Vec::new()).await;
    w.press(2, ticket, Command::new(ActionKind::FieldVisit, 0), Vec::new()).await;
    let photo = NewAttachment { bytes: b"\xff\xd8jpeg kabel".to_vec(), mime: "image/jpeg".into(), file_name: None };
    w.press(3, ticket, Command::new(ActionKind::Resolve, 0).note("Kabel LAN diganti"), vec![photo]).await;

    w.deliver_all().await;

    let to_reporter = w.fake.sent_to(REPORTER);
    let photo_at = to_reporter.iter().position(|r| r.method == "sendPhoto").expect("a photo was sent");
    assert_eq!(to_reporter[photo_at].files[0].bytes, b"\xff\xd8jpeg kabel");
    let confirm_at = to_reporter
        .iter()
        .rposition(|r| r.body["reply_markup"]["inline_keyboard"].is_array())
        .expect("the confirm card");
    let confirm = &to_reporter[confirm_at];
    assert!(photo_at < confirm_at);
    // Kudus sends the reporter the Berita Acara Pekerjaan at this step, as a PDF document.
    let paper = to_reporter.iter().find(|r| r.method == "sendDocument").expect("the Berita Acara");
    assert!(paper.files[0].bytes.starts_with(b"%PDF"), "a PDF");
    assert!(paper.files[0].file_name.as_deref().unwrap_or_default().starts_with("Berita Acara Pekerjaan GJ-"));
    assert!(confirm.body["text"].as_str().unwrap().contains("Kabel LAN diganti"));
    let labels: Vec<&str> = confirm.body["reply_markup"]["inline_keyboard"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["text"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Sudah normal", "Masih gangguan"]);
    assert!(w.fake.violations().is_empty(), "{:?}", w.fake.violations());
}

#[tokio::test]
async fn a_text_longer_than_telegram_allows_arrives_in_pieces() {
    let w = world().await;
    let ticket = w.report(&"Ruang server panas, switch mati. ".repeat(120)).await;
    w.press(1, ticket, Command::new(ActionKind::Forward, 0), Vec::new()).await;

    w.deliver_all().await;

    let to_kasi = w.fake.sent_to(KASI);
    assert!(to_kasi.len() >= 2, "{to_kasi:?}");
    let texts: Vec<&str> = to_kasi.iter().map(|r| r.body["text"].as_str().unwrap()).collect();
    assert!(texts.iter().all(|t| t.chars().count() <= 4096));
    let (last, earlier) = to_kasi.split_last().unwrap();
    assert!(earlier.iter().all(|r| r.body.get("reply_markup").is_none()));
    assert!(last.body.get("reply_markup").is_some());
    let whole = texts.join("\n");
    assert!(whole.starts_with("Tiket GJ-2026-000001") && whole.matches("switch mati").count() == 120, "{whole}");
    assert!(w.fake.violations().is_empty(), "{:?}", w.fake.violations());
}
