//! Reporting by Telegram message, end to end: the real application polls (or is called by)
//! a fake Bot API on 127.0.0.1. A newcomer registers (language, organisation by search,
//! name, shared phone number), a free-form report becomes a ticket after only the missing
//! questions and a summary, officials join by invite link, and bad input is answered
//! without leaving anything half-written.

#[path = "support/app.rs"]
mod app;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::time::Duration;

use app::{App, eventually, monday};
use fake_telegram::{FakeTelegram, Recorded};
use serde_json::{Value, json};
use sigap::domain::role::Role;
use sigap::domain::ticket::Channel;
use sigap::service::Helpdesk;
use sigap::store::conversations::{self, NewInvite};
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind};
use sigap::store::{attachments, tickets};

const TOKEN: &str = "778:INTAKE-TEST";
const NEWCOMER: i64 = 7001;
const REPORTER: i64 = 7002;
const HELPDESK: i64 = 7003;
const OFFICIAL: i64 = 7004;
const TEAM_GROUP: i64 = -1_001_234_567_890;

struct Running {
    desk: Helpdesk,
    fake: FakeTelegram,
    addr: std::net::SocketAddr,
    app: App,
}

async fn start() -> Running {
    start_with(&[]).await
}

async fn start_with(extra: &[(&'static str, &str)]) -> Running {
    let fake = FakeTelegram::start(TOKEN).await;
    let mut vars = vec![
        ("TELOXIDE_TOKEN", TOKEN.to_owned()),
        ("TELOXIDE_API_URL", fake.api_url()),
        // Pacing runs on the service's clock, which stands still here: lift both limits.
        ("SIGAP_TELEGRAM_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_TELEGRAM_PER_SECOND", "1000000".to_owned()),
    ];
    vars.extend(extra.iter().map(|(name, value)| (*name, (*value).to_owned())));
    let app = app::start(&vars, |desk| async move {
        let db = desk.db();
        // Enough organisations for two pages of the picker.
        let mut orgs = vec![
            NewOrg { code: "DINKES".into(), name: "Dinas Kesehatan".into(), kind: OrgKind::Opd },
            NewOrg { code: "DISDIK".into(), name: "Dinas Pendidikan".into(), kind: OrgKind::Opd },
            NewOrg { code: "RSUD".into(), name: "RSUD Kesehatan Kota".into(), kind: OrgKind::Opd },
        ];
        for i in 1..=9 {
            orgs.push(NewOrg { code: format!("DESA{i}"), name: format!("Desa Sukamaju {i}"), kind: OrgKind::Desa });
        }
        directory::import_orgs(db, &orgs, monday()).await.unwrap();
        for (name, role, tg) in [("Sari", Role::Reporter, REPORTER), ("Hadi", Role::Helpdesk, HELPDESK)] {
            let person = NewPerson {
                name: name.into(),
                org_code: Some("DINKES".into()),
                locale: "id".into(),
                roles: vec![role],
                identities: vec![(Channel::Telegram, tg.to_string())],
            };
            directory::add_person(db, &person, monday()).await.unwrap();
        }
    })
    .await;
    Running { desk: app.desk.clone(), fake, addr: app.addr, app }
}

impl Running {
    /// Messages the bot sent to `chat` (text, captions), in order.
    fn texts_to(&self, chat: i64) -> Vec<String> {
        self.fake
            .sent_to(chat)
            .iter()
            .filter_map(|r| r.body["text"].as_str().or(r.body["caption"].as_str()).map(str::to_owned))
            .collect()
    }

    fn last_to(&self, chat: i64) -> Recorded {
        self.fake.sent_to(chat).pop().unwrap_or_else(|| panic!("nothing sent to {chat}"))
    }

    /// Wait for the `n`th message to `chat` and return it.
    async fn nth_to(&self, chat: i64, n: usize) -> Recorded {
        eventually(&format!("message {n} to {chat}"), || async { self.fake.sent_to(chat).len() >= n }).await;
        self.fake.sent_to(chat).remove(n - 1)
    }

    fn press(&self, chat: i64, message: &Recorded, label: &str) {
        let data = button(message, label);
        let message_id = message.result["message_id"].as_i64().expect("a sent message has an id");
        self.fake.push_update(self.fake.callback_from(chat, message_id, &data));
    }

    fn answers(&self) -> Vec<String> {
        self.fake
            .calls("answerCallbackQuery")
            .iter()
            .map(|r| r.body["text"].as_str().unwrap_or("").to_owned())
            .collect()
    }

    /// The reporter's first report: the text says where and what, so it is filed at once.
    async fn file_first_report(&self) {
        self.fake.push_update(self.fake.message_from(REPORTER, "Internet di ruang server mati"));
        eventually("the ticket", || async { self.ticket_count().await == 1 }).await;
        self.nth_to(REPORTER, 2).await;
    }

    async fn ticket_count(&self) -> usize {
        tickets::list(self.desk.db(), None, 100).await.unwrap().len()
    }

    async fn stop(self) {
        self.app.stop().await;
        assert!(self.fake.violations().is_empty(), "{:?}", self.fake.violations());
    }
}

fn labels(message: &Recorded) -> Vec<String> {
    message.body["reply_markup"]["inline_keyboard"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .flat_map(|row| row.as_array().unwrap().clone())
                .map(|b| b["text"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn button(message: &Recorded, label: &str) -> String {
    message.body["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap_or_else(|| panic!("no keyboard in {message:?}"))
        .iter()
        .flat_map(|row| row.as_array().unwrap().clone())
        .find(|b| b["text"] == label)
        .unwrap_or_else(|| panic!("no button {label} in {:?}", labels(message)))["callback_data"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn text(message: &Recorded) -> &str {
    message.body["text"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_newcomer_registers_and_their_first_message_becomes_a_ticket() {
    let r = start().await;
    r.fake.push_update(r.fake.message_from(NEWCOMER, "Internet di ruang server mati sejak pagi"));

    let language = r.nth_to(NEWCOMER, 1).await;
    assert!(text(&language).contains("Pilih bahasa / Choose your language"), "{}", text(&language));
    assert_eq!(labels(&language), ["Bahasa Indonesia", "English"]);
    r.press(NEWCOMER, &language, "Bahasa Indonesia");

    let first_page = r.nth_to(NEWCOMER, 2).await;
    assert!(text(&first_page).contains("halaman 1/2"), "{}", text(&first_page));
    assert_eq!(labels(&first_page).len(), 9, "eight organisations and Berikutnya: {:?}", labels(&first_page));
    assert!(labels(&first_page).contains(&"Berikutnya ▶".to_owned()));
    r.press(NEWCOMER, &first_page, "Berikutnya ▶");
    let second_page = r.nth_to(NEWCOMER, 3).await;
    assert!(text(&second_page).contains("halaman 2/2"), "{}", text(&second_page));
    assert!(labels(&second_page).contains(&"◀ Sebelumnya".to_owned()));

    r.fake.push_update(r.fake.message_from(NEWCOMER, "kesehatan"));
    let found = r.nth_to(NEWCOMER, 4).await;
    assert!(text(&found).contains("\"kesehatan\": 2 instansi"), "{}", text(&found));
    assert_eq!(labels(&found), ["Dinas Kesehatan", "RSUD Kesehatan Kota", "Tampilkan semua"]);
    // A button of an earlier question no longer works.
    r.press(NEWCOMER, &first_page, "Desa Sukamaju 1");
    eventually("the stale answer", || async { r.answers().len() == 3 }).await;
    assert_eq!(r.answers()[2], "Tombol ini sudah tidak berlaku.");
    r.press(NEWCOMER, &found, "Dinas Kesehatan");

    let ask_name = r.nth_to(NEWCOMER, 5).await;
    assert_eq!(text(&ask_name), "Ketik nama lengkap Anda.");
    r.fake.push_update(r.fake.message_from(NEWCOMER, "Budi Santoso"));
    let ask_phone = r.nth_to(NEWCOMER, 6).await;
    assert_eq!(ask_phone.body["reply_markup"]["keyboard"][0][0]["request_contact"], json!(true));
    r.fake.push_update(r.fake.message_from(NEWCOMER, "nomor saya ganti"));
    let unclear = r.nth_to(NEWCOMER, 7).await;
    assert!(text(&unclear).contains("tidak terbaca"), "{}", text(&unclear));
    let asked_again = r.nth_to(NEWCOMER, 8).await;
    assert_eq!(text(&asked_again), text(&ask_phone));
    r.fake.push_update(r.fake.contact_from(NEWCOMER, "+62 812-3456-7890"));

    let welcome = r.nth_to(NEWCOMER, 9).await;
    assert_eq!(welcome.body["reply_markup"]["remove_keyboard"], json!(true));
    assert!(text(&welcome).contains("Budi Santoso. Anda terdaftar sebagai pelapor dari Dinas Kesehatan"));
    // The first message said where and what: only the attachment is asked.
    let attach = r.nth_to(NEWCOMER, 10).await;
    assert!(text(&attach).starts_with("Ada foto"), "{}", text(&attach));
    r.press(NEWCOMER, &attach, "Lewati");

    let summary = r.nth_to(NEWCOMER, 11).await;
    assert_eq!(
        text(&summary),
        "Ringkasan laporan:\nInstansi: Dinas Kesehatan\nLokasi: ruang server\nJenis: Internet mati\n\
         Uraian: Internet di ruang server mati sejak pagi\nLampiran: 0 berkas\nNomor surat: -\n\nKirim laporan ini?"
    );
    assert_eq!(labels(&summary), ["Kirim", "Ubah", "Batal"]);
    assert_eq!(r.ticket_count().await, 0, "nothing is filed before Kirim");
    r.press(NEWCOMER, &summary, "Kirim");

    let received = r.nth_to(NEWCOMER, 12).await;
    assert!(text(&received).contains("Nomor tiket: GJ-2026-000001"), "{}", text(&received));
    assert!(text(&received).contains("Perkiraan selesai: "), "{}", text(&received));
    let ticket = tickets::list(r.desk.db(), None, 10).await.unwrap().remove(0);
    assert_eq!(ticket.location.as_deref(), Some("ruang server"));
    assert_eq!(ticket.category, "internet_down");
    let person =
        directory::person_by_identity(r.desk.db(), Channel::Telegram, &NEWCOMER.to_string()).await.unwrap().unwrap();
    assert_eq!(person.name, "Budi Santoso");
    assert_eq!(ticket.reporter_id, person.id);
    assert!(person.identities.contains(&(Channel::Whatsapp, "+6281234567890".to_owned())), "{person:?}");
    // The helpdesk has the ticket's card.
    eventually("the helpdesk card", || async { !r.fake.sent_to(HELPDESK).is_empty() }).await;
    assert!(conversations::get(r.desk.db(), Channel::Telegram, &NEWCOMER.to_string()).await.unwrap().is_none());
    r.stop().await;
}

#[tokio::test]
async fn a_newcomer_who_picks_english_is_answered_in_english_from_then_on() {
    let r = start().await;
    r.fake.push_update(r.fake.message_from(NEWCOMER, "/start"));
    let language = r.nth_to(NEWCOMER, 1).await;
    r.press(NEWCOMER, &language, "English");
    let orgs = r.nth_to(NEWCOMER, 2).await;
    assert!(text(&orgs).starts_with("Which office or village"), "{}", text(&orgs));
    r.fake.push_update(r.fake.message_from(NEWCOMER, "didik"));
    let found = r.nth_to(NEWCOMER, 3).await;
    r.press(NEWCOMER, &found, "Dinas Pendidikan");
    let name = r.nth_to(NEWCOMER, 4).await;
    assert_eq!(text(&name), "Type your full name.");
    r.fake.push_update(r.fake.message_from(NEWCOMER, "Rina"));
    let phone = r.nth_to(NEWCOMER, 5).await;
    assert_eq!(phone.body["reply_markup"]["keyboard"][0][0]["text"], "📱 Share my phone number");
    r.fake.push_update(r.fake.message_from(NEWCOMER, "0812 9999 0000"));
    let done = r.nth_to(NEWCOMER, 6).await;

    assert!(text(&done).starts_with("Thank you, Rina. You are registered as a reporter from Dinas Pendidikan."));
    assert!(text(&done).contains("To report an outage, just type the problem"), "{}", text(&done));
    let person =
        directory::person_by_identity(r.desk.db(), Channel::Telegram, &NEWCOMER.to_string()).await.unwrap().unwrap();
    assert_eq!(person.locale, "en");
    // A typed number is not proof of owning that WhatsApp: only Telegram's own share links it.
    assert_eq!(person.identities, vec![(Channel::Telegram, NEWCOMER.to_string())]);
    assert!(conversations::get(r.desk.db(), Channel::Telegram, &NEWCOMER.to_string()).await.unwrap().is_none());
    r.stop().await;
}

#[tokio::test]
async fn a_photo_with_a_caption_is_a_report_and_the_summary_can_be_changed() {
    let r = start_with(&[("TELEGRAM_TEAM_CHAT", &TEAM_GROUP.to_string())]).await;
    r.fake.add_file("foto-ap", b"\xff\xd8 access point".to_vec());
    r.fake.push_update(r.fake.photo_from(REPORTER, "foto-ap", Some("Wifi lemot sekali")));

    let added = r.nth_to(REPORTER, 1).await;
    assert_eq!(text(&added), "Lampiran diterima (1 berkas).");
    let ask_place = r.nth_to(REPORTER, 2).await;
    assert!(text(&ask_place).starts_with("Di gedung atau ruang mana"), "{}", text(&ask_place));
    r.fake.push_update(r.fake.message_from(REPORTER, "Lantai 2"));
    let summary = r.nth_to(REPORTER, 3).await;
    assert!(text(&summary).contains("Lokasi: Lantai 2\nJenis: Internet lambat"), "{}", text(&summary));
    assert!(text(&summary).contains("Lampiran: 1 berkas"), "{}", text(&summary));

    r.press(REPORTER, &summary, "Ubah");
    let which = r.nth_to(REPORTER, 4).await;
    assert_eq!(labels(&which), ["Uraian", "Lokasi", "Jenis", "Lampiran", "Kembali"]);
    r.press(REPORTER, &which, "Lokasi");
    r.nth_to(REPORTER, 5).await;
    r.fake.push_update(r.fake.message_from(REPORTER, "Aula utama"));
    let changed = r.nth_to(REPORTER, 6).await;
    assert!(text(&changed).contains("Lokasi: Aula utama"), "{}", text(&changed));

    // The first summary's Kirim is stale now; the new one files the ticket once.
    r.press(REPORTER, &summary, "Kirim");
    eventually("the stale answer", || async { r.answers().len() == 3 }).await;
    assert_eq!(r.answers()[2], "Tombol ini sudah tidak berlaku.");
    assert_eq!(r.ticket_count().await, 0);
    r.press(REPORTER, &changed, "Kirim");
    eventually("the ticket", || async { r.ticket_count().await == 1 }).await;

    let ticket = tickets::list(r.desk.db(), None, 10).await.unwrap().remove(0);
    assert_eq!((ticket.location.as_deref(), ticket.category.as_str()), (Some("Aula utama"), "slow"));
    let files = attachments::for_ticket(r.desk.db(), ticket.id).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].mime, "image/jpeg");
    eventually("the team group's copy", || async { !r.fake.sent_to(TEAM_GROUP).is_empty() }).await;
    let copy = r.last_to(TEAM_GROUP);
    assert!(text(&copy).starts_with("🆕 Tiket baru GJ-2026-000001"), "{}", text(&copy));
    r.stop().await;
}

#[tokio::test]
async fn a_scanned_letter_and_its_number_are_kept_and_batal_files_nothing() {
    let r = start().await;
    // No place in the message: it is asked, and the summary waits for Kirim.
    r.fake.push_update(r.fake.message_from(REPORTER, "Router kantor rusak kena petir"));
    let place = r.nth_to(REPORTER, 1).await;
    assert!(text(&place).starts_with("Di gedung atau ruang mana"), "{}", text(&place));
    r.fake.push_update(r.fake.message_from(REPORTER, "Ruang rapat"));
    let attach = r.nth_to(REPORTER, 2).await;
    assert!(text(&attach).starts_with("Ada foto"), "{}", text(&attach));
    r.fake.push_update(r.fake.message_from(REPORTER, "800/123/35.19/2026"));
    let summary = r.nth_to(REPORTER, 3).await;
    assert!(text(&summary).contains("Jenis: Kerusakan perangkat"), "{}", text(&summary));
    assert!(text(&summary).contains("Nomor surat: 800/123/35.19/2026"), "{}", text(&summary));
    r.fake.add_file("surat", b"%PDF-1.4 surat".to_vec());
    r.fake.push_update(r.fake.document_from(REPORTER, "surat", "surat.pdf", None));
    let with_letter = r.nth_to(REPORTER, 5).await;
    assert!(text(&with_letter).contains("Lampiran: 1 berkas"), "{}", text(&with_letter));

    r.press(REPORTER, &with_letter, "Batal");
    let cancelled = r.nth_to(REPORTER, 6).await;
    assert_eq!(text(&cancelled), "Dibatalkan. Tidak ada yang tersimpan.");
    assert_eq!(r.ticket_count().await, 0);
    r.fake.push_update(r.fake.message_from(REPORTER, "/batal"));
    let nothing = r.nth_to(REPORTER, 7).await;
    assert_eq!(text(&nothing), "Tidak ada yang perlu dibatalkan.");
    r.stop().await;
}

#[tokio::test]
async fn stickers_voice_notes_and_overlong_messages_get_a_clear_answer_and_change_nothing() {
    let r = start().await;
    r.fake.push_update(r.fake.sticker_from(REPORTER));
    r.fake.push_update(r.fake.voice_from(REPORTER));
    r.fake.push_update(r.fake.message_from(REPORTER, &"internet mati ".repeat(400)));
    r.fake.push_update(r.fake.message_from(REPORTER, "/halo"));
    r.fake.push_update(r.fake.sticker_from(NEWCOMER));
    eventually("five answers", || async { r.fake.sent_to(REPORTER).len() == 4 && r.fake.sent_to(NEWCOMER).len() == 1 })
        .await;

    let to_reporter = r.texts_to(REPORTER);
    assert!(to_reporter[0].starts_with("Maaf, SIGAP belum bisa membaca jenis pesan ini"), "{}", to_reporter[0]);
    assert_eq!(to_reporter[0], to_reporter[1]);
    assert!(to_reporter[2].starts_with("Pesan terlalu panjang (5600 karakter)"), "{}", to_reporter[2]);
    assert!(to_reporter[3].contains("/lapor"), "{}", to_reporter[3]);
    assert!(r.texts_to(NEWCOMER)[0].starts_with("Maaf"), "{:?}", r.texts_to(NEWCOMER));
    assert_eq!(r.ticket_count().await, 0);
    assert!(conversations::get(r.desk.db(), Channel::Telegram, &REPORTER.to_string()).await.unwrap().is_none());
    assert!(
        directory::person_by_identity(r.desk.db(), Channel::Telegram, &NEWCOMER.to_string()).await.unwrap().is_none()
    );
    r.stop().await;
}

#[tokio::test]
async fn an_official_joins_by_invite_link_once_and_an_expired_link_is_refused() {
    let r = start().await;
    let db = r.desk.db();
    let valid = NewInvite {
        role: "kasi".into(),
        name: "Kurnia Dewi".into(),
        org_id: None,
        expires_at: monday() + chrono::Duration::days(3),
    };
    conversations::create_invite(db, "a1b2c3d4e5f6", valid, monday()).await.unwrap();
    let old = NewInvite {
        role: "kabid".into(),
        name: "Lama".into(),
        org_id: None,
        expires_at: monday() - chrono::Duration::hours(1),
    };
    conversations::create_invite(db, "0000aaaa1111", old, monday()).await.unwrap();

    r.fake.push_update(r.fake.message_from(OFFICIAL, "/start a1b2c3d4e5f6"));
    let welcome = r.nth_to(OFFICIAL, 1).await;
    assert!(text(&welcome).starts_with("Selamat datang, Kurnia Dewi. Anda terdaftar di SIGAP sebagai Kepala Seksi"));
    r.fake.push_update(r.fake.message_from(NEWCOMER, "/start a1b2c3d4e5f6"));
    r.fake.push_update(r.fake.message_from(HELPDESK, "/start 0000aaaa1111"));
    let reused = r.nth_to(NEWCOMER, 1).await;
    let expired = r.nth_to(HELPDESK, 1).await;

    assert!(text(&reused).starts_with("Kode undangan tidak berlaku"), "{}", text(&reused));
    assert!(text(&expired).starts_with("Kode undangan sudah kedaluwarsa"), "{}", text(&expired));
    let official = directory::person_by_identity(db, Channel::Telegram, &OFFICIAL.to_string()).await.unwrap().unwrap();
    assert_eq!(official.roles, vec![Role::Kasi]);
    assert!(directory::person_by_identity(db, Channel::Telegram, &NEWCOMER.to_string()).await.unwrap().is_none());
    let hadi = directory::person_by_identity(db, Channel::Telegram, &HELPDESK.to_string()).await.unwrap().unwrap();
    assert_eq!(hadi.roles, vec![Role::Helpdesk]);
    r.stop().await;
}

#[tokio::test]
async fn officials_search_tickets_and_reporters_may_not() {
    let r = start().await;
    r.file_first_report().await;

    r.fake.push_update(r.fake.message_from(HELPDESK, "/cari SERVER"));
    r.fake.push_update(r.fake.message_from(REPORTER, "/cari server"));
    eventually("both answers", || async {
        r.texts_to(HELPDESK).iter().any(|t| t.starts_with("Tiket yang cocok"))
            && r.texts_to(REPORTER).iter().any(|t| t.contains("hanya untuk petugas"))
    })
    .await;
    let found = r.texts_to(HELPDESK).into_iter().find(|t| t.starts_with("Tiket yang cocok")).unwrap();
    assert!(found.contains("• GJ-2026-000001 — Dalam proses: Internet di ruang server mati"), "{found}");
    r.stop().await;
}

#[tokio::test]
async fn in_webhook_mode_updates_arrive_by_post_with_the_secret_and_count_once() {
    let r = start_with(&[
        ("TELEGRAM_WEBHOOK_URL", "https://sigap.kominfo.example/webhook/telegram"),
        ("TELEGRAM_WEBHOOK_SECRET", "rahasia-webhook"),
    ])
    .await;
    eventually("setWebhook", || async { !r.fake.calls("setWebhook").is_empty() }).await;
    let set = &r.fake.calls("setWebhook")[0];
    assert_eq!(set.body["url"], "https://sigap.kominfo.example/webhook/telegram");
    assert_eq!(set.body["secret_token"], "rahasia-webhook");
    assert!(r.fake.calls("getUpdates").is_empty(), "no polling in webhook mode");

    let client = reqwest::Client::new();
    let url = format!("http://{}/webhook/telegram", r.addr);
    let mut update = r.fake.message_from(REPORTER, "/lapor");
    update["update_id"] = json!(501);
    let post = |secret: Option<&'static str>, body: Value| {
        let mut request = client.post(&url).json(&body);
        if let Some(secret) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        request.send()
    };
    assert_eq!(post(None, update.clone()).await.unwrap().status(), 401);
    assert_eq!(post(Some("salah"), update.clone()).await.unwrap().status(), 401);
    assert_eq!(post(Some("rahasia-webhook"), update.clone()).await.unwrap().status(), 200);
    // Telegram delivering the same update again changes nothing.
    assert_eq!(post(Some("rahasia-webhook"), update.clone()).await.unwrap().status(), 200);
    assert_eq!(post(Some("rahasia-webhook"), json!({"update_id": 502, "bogus": true})).await.unwrap().status(), 200);

    let asked = r.nth_to(REPORTER, 2).await;
    assert!(text(&asked).starts_with("Ceritakan gangguannya"), "{}", text(&asked));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(r.fake.sent_to(REPORTER).len(), 2, "{:?}", r.texts_to(REPORTER));
    r.stop().await;
}

#[tokio::test]
async fn officials_get_the_months_complaint_log_as_a_workbook_and_reporters_may_not() {
    let r = start().await;
    r.file_first_report().await;

    r.fake.push_update(r.fake.message_from(HELPDESK, "/laporan bulan-ini"));
    r.fake.push_update(r.fake.message_from(HELPDESK, "/laporan 2025-01"));
    r.fake.push_update(r.fake.message_from(HELPDESK, "/laporan kemarin"));
    r.fake.push_update(r.fake.message_from(REPORTER, "/laporan"));
    eventually("the workbook", || async {
        r.fake.sent_to(HELPDESK).iter().any(|m| m.method == "sendDocument")
            && r.texts_to(HELPDESK).iter().any(|t| t.starts_with("Tulis /laporan"))
            && r.texts_to(REPORTER).iter().any(|t| t.contains("hanya untuk petugas"))
    })
    .await;

    let workbook = r.fake.sent_to(HELPDESK).into_iter().find(|m| m.method == "sendDocument").unwrap();
    assert!(workbook.files[0].bytes.starts_with(b"PK"), "an XLSX is a zip");
    assert_eq!(workbook.files[0].file_name.as_deref(), Some("log-aduan-2026-11.xlsx"));
    let texts = r.texts_to(HELPDESK);
    assert!(texts.iter().any(|t| t == "📊 Log aduan 2026-11: 1 tiket."), "{texts:?}");
    assert!(texts.iter().any(|t| t == "Tidak ada tiket yang diterima pada 2025-01."), "{texts:?}");
    r.stop().await;
}

#[tokio::test]
async fn a_complaint_about_the_service_reaches_the_official_and_the_answer_comes_back() {
    let r = start().await;
    const OFFICER: i64 = 7010;
    let officer = NewPerson {
        name: "Wati".into(),
        org_code: Some("DINKES".into()),
        locale: "id".into(),
        roles: vec![Role::ComplaintOfficial],
        identities: vec![(Channel::Telegram, OFFICER.to_string())],
    };
    directory::add_person(r.desk.db(), &officer, monday()).await.unwrap();

    r.fake.push_update(r.fake.message_from(REPORTER, "/keluhan"));
    let asked = r.nth_to(REPORTER, 1).await;
    assert!(text(&asked).starts_with("Tuliskan keluhan Anda"), "{}", text(&asked));
    r.fake.push_update(r.fake.message_from(REPORTER, "Teknisi tidak datang sesuai janji"));
    let filed = r.nth_to(REPORTER, 2).await;
    assert!(text(&filed).starts_with("Keluhan Anda tercatat dengan nomor K-1"), "{}", text(&filed));
    let card = r.nth_to(OFFICER, 1).await;
    assert!(text(&card).starts_with("Keluhan layanan K-1 dari Sari"), "{}", text(&card));
    assert!(text(&card).contains("Teknisi tidak datang sesuai janji") && text(&card).contains("/jawab K-1"));

    r.fake.push_update(r.fake.message_from(HELPDESK, "/jawab K-1 bukan wewenang saya"));
    r.fake.push_update(r.fake.message_from(OFFICER, "/jawab K-1 Mohon maaf, teknisi dijadwalkan ulang besok pagi."));
    let answer = r.nth_to(REPORTER, 3).await;
    assert_eq!(text(&answer), "Jawaban atas keluhan K-1 dari Wati:\nMohon maaf, teknisi dijadwalkan ulang besok pagi.");
    r.fake.push_update(r.fake.message_from(OFFICER, "/jawab K-1 lagi"));
    r.fake.push_update(r.fake.message_from(OFFICER, "/jawab K-9 ada"));
    eventually("the officer's answers", || async { r.fake.sent_to(OFFICER).len() == 4 }).await;

    let officer_texts = r.texts_to(OFFICER);
    assert_eq!(officer_texts[1], "Jawaban untuk K-1 sudah dikirim kepada pelapor.");
    assert_eq!(officer_texts[2], "Keluhan K-1 sudah dijawab.");
    assert_eq!(officer_texts[3], "Keluhan K-9 tidak ditemukan.");
    assert!(r.texts_to(HELPDESK)[0].starts_with("Hanya petugas pengaduan"), "{:?}", r.texts_to(HELPDESK));
    r.stop().await;
}

#[tokio::test]
async fn an_update_that_fails_for_a_while_is_tried_again_and_holds_up_no_other_chat() {
    let r = start().await;
    // Attachments cannot be stored while a file sits where their directory should be.
    let blocker = r.app.data_dir().join("attachments");
    std::fs::write(&blocker, b"not a directory").unwrap();
    r.fake.add_file("foto-router", b"\xff\xd8 router".to_vec());
    let failing = r.fake.push_update(r.fake.photo_from(REPORTER, "foto-router", Some("Internet di ruang server mati")));
    r.fake.push_update(r.fake.message_from(NEWCOMER, "Internet mati"));

    // The newcomer, in the same batch, is answered although the photo fails.
    let language = r.nth_to(NEWCOMER, 1).await;
    assert!(text(&language).contains("Pilih bahasa"), "{}", text(&language));
    // The photo's update is SIGAP's once stored: polling goes on past it, and it is tried
    // again from the inbox while the reporter hears nothing of it yet.
    eventually("polling past the stored batch", || async { r.fake.acknowledged_offset() > failing + 1 }).await;
    assert!(r.fake.sent_to(REPORTER).is_empty());

    std::fs::remove_file(&blocker).unwrap();
    // The retry is due on the service's clock.
    r.app.clock.advance(chrono::Duration::minutes(1));
    // The caption said where and what: the photo is a ticket of its own.
    let filed = r.nth_to(REPORTER, 2).await;
    assert!(text(&filed).starts_with("Ada foto kondisi perangkat"), "{}", text(&filed));
    // Tried several times, each update took effect once.
    assert_eq!(r.fake.sent_to(NEWCOMER).len(), 1, "{:?}", r.texts_to(NEWCOMER));
    assert!(r.texts_to(REPORTER)[0].contains("Nomor tiket: GJ-2026-000001"), "{:?}", r.texts_to(REPORTER));
    assert_eq!(r.fake.sent_to(REPORTER).len(), 2, "{:?}", r.texts_to(REPORTER));
    let ticket = tickets::list(r.desk.db(), None, 10).await.unwrap().remove(0);
    assert_eq!(attachments::for_ticket(r.desk.db(), ticket.id).await.unwrap().len(), 1);
    r.stop().await;
}

/// The messages to `chat` that carry a keyboard, newest last.
fn with_buttons(r: &Running, chat: i64) -> Vec<Recorded> {
    r.fake.sent_to(chat).into_iter().filter(|m| !labels(m).is_empty()).collect()
}

#[tokio::test]
async fn a_report_that_says_where_and_what_is_a_ticket_in_reply_to_that_one_message() {
    let r = start().await;
    r.fake.push_update(r.fake.message_from(REPORTER, "Internet di ruang server mati sejak pagi"));

    // Filed at once: the number and expected completion, then what can still be done.
    let received = r.nth_to(REPORTER, 1).await;
    assert!(text(&received).contains("Nomor tiket: GJ-2026-000001"), "{}", text(&received));
    assert!(text(&received).contains("Perkiraan selesai: "), "{}", text(&received));
    let filed = r.nth_to(REPORTER, 2).await;
    assert!(text(&filed).starts_with("Ada foto kondisi perangkat"), "{}", text(&filed));
    let mut offered = labels(&filed);
    offered.sort();
    assert_eq!(offered, ["Ubah", "✖️ Batalkan laporan", "📷 Tambah foto/surat"]);
    assert_eq!(r.ticket_count().await, 1);
    let ticket = tickets::list(r.desk.db(), None, 10).await.unwrap().remove(0);
    assert_eq!((ticket.location.as_deref(), ticket.category.as_str()), (Some("ruang server"), "internet_down"));
    eventually("the helpdesk card", || async { !with_buttons(&r, HELPDESK).is_empty() }).await;

    // A photo right after belongs to the ticket, and the helpdesk sees it.
    r.fake.add_file("foto-router", b"\xff\xd8 router".to_vec());
    r.fake.push_update(r.fake.photo_from(REPORTER, "foto-router", None));
    let attached = r.nth_to(REPORTER, 3).await;
    assert_eq!(text(&attached), "1 lampiran ditambahkan ke tiket GJ-2026-000001.");
    let files = attachments::for_ticket(r.desk.db(), ticket.id).await.unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    eventually("the photo at the helpdesk", || async {
        r.fake.sent_to(HELPDESK).iter().any(|m| m.method == "sendPhoto")
    })
    .await;
    // A line that is no report of its own is a note on the ticket.
    r.fake.push_update(r.fake.message_from(REPORTER, "lampu modem merah berkedip"));
    let noted = r.nth_to(REPORTER, 4).await;
    assert_eq!(text(&noted), "Keterangan ditambahkan ke tiket GJ-2026-000001.");
    assert_eq!(r.ticket_count().await, 1);

    // Ubah changes the ticket itself while nobody has acted on it.
    r.press(REPORTER, &filed, "Ubah");
    let which = r.nth_to(REPORTER, 5).await;
    assert_eq!(labels(&which), ["Uraian", "Lokasi", "Jenis", "Lampiran", "Kembali"]);
    r.press(REPORTER, &which, "Lokasi");
    r.nth_to(REPORTER, 6).await;
    r.fake.push_update(r.fake.message_from(REPORTER, "Aula utama lantai 2"));
    let amended = r.nth_to(REPORTER, 7).await;
    assert_eq!(text(&amended), "Tiket GJ-2026-000001 sudah diperbarui.");
    let ticket = tickets::list(r.desk.db(), None, 10).await.unwrap().remove(0);
    assert_eq!(ticket.location.as_deref(), Some("Aula utama lantai 2"));
    eventually("the helpdesk told of the change", || async {
        r.texts_to(HELPDESK).iter().any(|t| t.contains("pelapor mengubah Lokasi: Aula utama lantai 2"))
    })
    .await;
    let events = tickets::events(r.desk.db(), ticket.id).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["report", "attach", "attach", "amend"]);

    // Cancelling is the ticket's own action: the helpdesk's card goes, the ticket is cancelled.
    let again = r.nth_to(REPORTER, 8).await;
    r.press(REPORTER, &again, "✖️ Batalkan laporan");
    eventually("the cancelled ticket", || async {
        tickets::list(r.desk.db(), None, 10).await.unwrap()[0].status == "cancelled"
    })
    .await;
    assert_eq!(r.ticket_count().await, 1);
    r.stop().await;
}

#[tokio::test]
async fn a_filed_report_can_no_longer_be_changed_once_an_official_has_acted() {
    let r = start().await;
    r.fake.push_update(r.fake.message_from(REPORTER, "Wifi di ruang rapat lantai 3 lemot"));
    let filed = r.nth_to(REPORTER, 2).await;
    eventually("the helpdesk card", || async { !with_buttons(&r, HELPDESK).is_empty() }).await;
    let card = with_buttons(&r, HELPDESK).remove(0);
    let first = labels(&card).remove(0);
    r.press(HELPDESK, &card, &first);
    eventually("the helpdesk acted", || async { tickets::list(r.desk.db(), None, 10).await.unwrap()[0].version > 1 })
        .await;
    r.press(REPORTER, &filed, "Ubah");
    eventually("the refusal", || async { r.texts_to(REPORTER).iter().any(|t| t.contains("sudah diproses petugas")) })
        .await;
    // And a later message is a report of its own again.
    r.fake.push_update(r.fake.message_from(REPORTER, "Internet di ruang kepala dinas mati"));
    eventually("a second ticket", || async { r.ticket_count().await == 2 }).await;
    r.stop().await;
}
