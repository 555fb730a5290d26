//! Whole SOPs walked in Telegram by user actions alone: a reporter's message, officials'
//! and a technician's button presses, typed reasons and a completion photo, against the
//! real application and a fake Bot API on 127.0.0.1. Kudus: the remote fix, and the field
//! visit with a reopen. Tebing Tinggi: the disposition chain, device replacement and the
//! review back up the chain.

#[path = "support/app.rs"]
mod app;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::collections::HashMap;
use std::sync::Mutex;

use app::{App, eventually};
use fake_telegram::{FakeTelegram, Recorded};
use sigap::domain::role::Role;
use sigap::domain::ticket::Channel;
use sigap::service::{Helpdesk, TicketRef};
use sigap::store::{attachments, tickets};

const TOKEN: &str = "779:WALK-TEST";
const REPORTER: i64 = 8001;
const HELPDESK: i64 = 8002;
const KASI: i64 = 8003;
const TECH: i64 = 8004;
const KABID: i64 = 8005;
const KADIS: i64 = 8006;

struct Walk {
    desk: Helpdesk,
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
            ("Bambang", Role::Kabid, KABID.to_string()),
            ("Dewi", Role::Kadis, KADIS.to_string()),
        ];
        app::seed_dinkes(&desk, Channel::Telegram, &people).await;
    })
    .await;
    Walk { desk: app.desk.clone(), fake, seen: Mutex::new(HashMap::new()), app }
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
            let hit = sent.iter().enumerate().skip(from).find(|(_, m)| button(m, label).is_some());
            found = hit.map(|(i, m)| (i, m.clone()));
            std::future::ready(found.is_some())
        })
        .await;
        let (index, message) = found.unwrap();
        self.seen.lock().unwrap().insert(chat, index + 1);
        let message_id = message.result["message_id"].as_i64().unwrap();
        self.fake.push_update(self.fake.callback_from(chat, message_id, &button(&message, label).unwrap()));
        message
    }

    /// Wait for a message to `chat` that contains `part`.
    async fn told(&self, chat: i64, part: &str) -> String {
        let mut found = None;
        eventually(&format!("`{part}` to {chat}"), || {
            found = texts(&self.fake.sent_to(chat)).into_iter().find(|t| t.contains(part));
            std::future::ready(found.is_some())
        })
        .await;
        found.unwrap()
    }

    /// Report by message, as a reporter does: it says where and what, so it is filed at once.
    async fn report(&self, text: &str) -> i64 {
        self.say(REPORTER, text);
        eventually("the ticket", || async { !tickets::list(self.desk.db(), None, 1).await.unwrap().is_empty() }).await;
        tickets::list(self.desk.db(), None, 1).await.unwrap()[0].id
    }

    async fn step(&self, ticket: i64) -> (String, String) {
        let row = tickets::by_id(self.desk.db(), ticket).await.unwrap().unwrap();
        (row.step, row.status)
    }

    async fn at_step(&self, ticket: i64, step: &str) {
        eventually(&format!("ticket at {step}"), || async { self.step(ticket).await.0 == step }).await;
    }

    async fn actions(&self, ticket: i64) -> Vec<String> {
        let details = self.desk.details(TicketRef::Id(ticket)).await.unwrap();
        details.events.iter().map(|e| e.event.action.clone()).collect()
    }

    async fn stop(self) {
        self.app.stop().await;
        assert!(self.fake.violations().is_empty(), "{:?}", self.fake.violations());
    }
}

fn button(message: &Recorded, label: &str) -> Option<String> {
    message.body["reply_markup"]["inline_keyboard"]
        .as_array()?
        .iter()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .find(|b| b["text"] == label)
        .and_then(|b| b["callback_data"].as_str().map(str::to_owned))
}

fn labels(message: &Recorded) -> Vec<String> {
    message.body["reply_markup"]["inline_keyboard"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .flat_map(|row| row.as_array().cloned().unwrap_or_default())
                .map(|b| b["text"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn texts(records: &[Recorded]) -> Vec<String> {
    records.iter().filter_map(|r| r.body["text"].as_str().or(r.body["caption"].as_str()).map(str::to_owned)).collect()
}

fn text_of(message: &Recorded) -> String {
    message.body["text"].as_str().or(message.body["caption"].as_str()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn kudus_remote_fix_from_a_message_to_closed() {
    let w = start("kudus").await;
    let ticket = w.report("Internet di ruang server mati sejak pagi").await;
    let number = tickets::by_id(w.desk.db(), ticket).await.unwrap().unwrap().number;

    let card = w.tap(HELPDESK, "Teruskan ke Kasi").await;
    let card_text = card.body["text"].as_str().unwrap();
    assert!(card_text.starts_with(&format!("Tiket {number} — Menerima aduan")), "{card_text}");
    assert!(card_text.contains("Pelapor: Sari (Dinas Kesehatan)\nLokasi: ruang server\nKategori: Internet mati"));
    // Each card offers exactly the actions of its step, in the SOP's order.
    assert_eq!(labels(&card), ["Teruskan ke Kasi", "Minta info", "Tolak"]);
    let kasi = w.tap(KASI, "Perbaiki online").await;
    assert_eq!(labels(&kasi), ["Atur prioritas", "Perbaiki online", "Kunjungan lapangan", "Kembalikan"]);
    let remote = w.told(REPORTER, "dari jarak jauh (online/telepon) oleh Teknisi").await;
    assert!(remote.contains("Perkiraan selesai: "), "{remote}");
    let tech = w.tap(TECH, "Selesai").await;
    assert_eq!(labels(&tech), ["Selesai", "Kunjungan lapangan", "Minta info"]);
    w.told(TECH, "catatan penyelesaian").await;
    w.say(TECH, "Router di-restart dari jarak jauh, koneksi kembali");
    let confirm = w.tap(REPORTER, "Sudah normal").await;
    assert_eq!(labels(&confirm), ["Sudah normal", "Masih gangguan"]);
    assert!(text_of(&confirm).contains("Agus melaporkan penanganan selesai"), "{}", text_of(&confirm));
    assert!(text_of(&confirm).contains("Router di-restart"), "{}", text_of(&confirm));
    let kabid = w.tap(KABID, "Setujui laporan").await;
    assert_eq!(labels(&kabid), ["Setujui laporan"]);
    eventually("closed", || async { w.step(ticket).await.1 == "closed" }).await;

    assert_eq!(w.actions(ticket).await, ["report", "forward", "fix_remote", "resolve", "confirm", "approve"]);
    let to_reporter = texts(&w.fake.sent_to(REPORTER));
    let after_filing: Vec<&String> = to_reporter.iter().skip_while(|t| !t.contains("Nomor tiket")).collect();
    assert!(after_filing.len() >= 4, "{to_reporter:?}");
    for text in &after_filing {
        assert!(text.contains(&number), "every update names the ticket: {text}");
    }
    w.told(REPORTER, &format!("Tiket {number} selesai dan ditutup")).await;
    w.stop().await;
}

#[tokio::test]
async fn kudus_field_visit_with_photos_and_a_reopen() {
    let w = start("kudus").await;
    let ticket = w.report("Wifi di aula lantai 2 putus").await;

    w.tap(HELPDESK, "Teruskan ke Kasi").await;
    w.tap(KASI, "Kunjungan lapangan").await;
    // Who comes, and by when.
    let visit = w.told(REPORTER, "Teknisi akan meninjau langsung ke lokasi").await;
    assert!(visit.contains("Perkiraan selesai: "), "{visit}");
    w.tap(TECH, "Selesai").await;
    w.told(TECH, "Kirim foto").await;
    w.fake.add_file("foto-1", b"\xff\xd8 kabel".to_vec());
    w.fake.push_update(w.fake.photo_from(TECH, "foto-1", Some("Konektor RJ45 diganti")));
    w.tap(REPORTER, "Masih gangguan").await;
    w.told(REPORTER, "Ceritakan gangguan yang masih terjadi").await;
    w.say(REPORTER, "Masih putus kalau hujan");
    w.at_step(ticket, "perbaikan_lapangan").await;
    w.told(TECH, "Masih putus kalau hujan").await;

    w.tap(TECH, "Selesai").await;
    w.fake.add_file("foto-2", b"\xff\xd8 kabel outdoor".to_vec());
    w.fake.push_update(w.fake.photo_from(TECH, "foto-2", Some("Kabel outdoor diganti")));
    w.tap(REPORTER, "Sudah normal").await;
    w.tap(KABID, "Setujui laporan").await;
    eventually("closed", || async { w.step(ticket).await.1 == "closed" }).await;

    assert_eq!(
        w.actions(ticket).await,
        ["report", "forward", "field_visit", "resolve", "reopen", "resolve", "confirm", "approve"]
    );
    let files = attachments::for_ticket(w.desk.db(), ticket).await.unwrap();
    assert_eq!(files.iter().filter(|a| a.mime == "image/jpeg").count(), 2);
    // The Berita Acara at each arrival at konfirmasi, the report for the Kabid.
    assert_eq!(files.iter().filter(|a| a.mime == "application/pdf").count(), 3);
    let sent_photos = w.fake.sent_to(REPORTER).into_iter().filter(|m| m.method == "sendPhoto").count();
    assert_eq!(sent_photos, 2, "each completion photo reached the reporter");
    let papers: Vec<_> = w.fake.sent_to(KABID).into_iter().filter(|m| m.method == "sendDocument").collect();
    assert_eq!(papers.len(), 1, "the Kabid got the completion report to approve");
    // The papers are kept in the database, and what the Kabid got is the stored paper.
    let report = files.iter().rfind(|a| a.mime == "application/pdf").unwrap();
    assert_eq!(report.stored_path, "");
    let stored = attachments::bytes(w.desk.db(), w.desk.data_dir(), report).await.unwrap();
    assert!(stored.starts_with(b"%PDF"));
    let uploaded = &papers[0].files[0];
    assert_eq!(uploaded.bytes, stored);
    assert_eq!(uploaded.file_name.as_deref(), report.file_name.as_deref());
    w.stop().await;
}

#[tokio::test]
async fn tebing_tinggi_device_replacement_and_the_review_chain() {
    let w = start("tebing-tinggi").await;
    let ticket = w.report("Switch di ruang server mati total").await;

    w.tap(KADIS, "Teruskan ke Kabid").await;
    w.tap(KABID, "Teruskan ke Kasi").await;
    w.tap(KASI, "Tugaskan teknisi").await;
    let picker = w.tap(KASI, "Agus (0)").await;
    assert!(picker.body["text"].as_str().unwrap().contains("pilih teknisi"), "{picker:?}");
    w.told(REPORTER, "teknisi Agus ditugaskan").await;
    w.tap(TECH, "Kunjungan lapangan").await;
    w.tap(TECH, "Ganti perangkat").await;
    w.told(TECH, "perangkat yang perlu diganti").await;
    w.say(TECH, "Switch 24 port - mati total");
    w.at_step(ticket, "penggantian").await;
    w.told(REPORTER, "perangkat perlu diganti (Switch 24 port").await;
    w.tap(TECH, "Selesai").await;
    w.fake.add_file("switch-baru", b"\xff\xd8 switch baru".to_vec());
    w.fake.push_update(w.fake.photo_from(TECH, "switch-baru", Some("Switch baru terpasang")));
    w.tap(REPORTER, "Sudah normal").await;
    w.tap(KASI, "Setujui laporan").await;
    w.at_step(ticket, "review_kabid").await;
    w.tap(KABID, "Setujui laporan").await;
    w.tap(KADIS, "Setujui laporan").await;
    eventually("closed", || async { w.step(ticket).await.1 == "closed" }).await;

    assert_eq!(
        w.actions(ticket).await,
        [
            "report",
            "forward",
            "forward",
            "assign",
            "field_visit",
            "request_replacement",
            "resolve",
            "confirm",
            "approve",
            "approve",
            "approve"
        ]
    );
    let row = tickets::by_id(w.desk.db(), ticket).await.unwrap().unwrap();
    assert_eq!(row.status, "closed");
    w.stop().await;
}

#[tokio::test]
async fn after_confirming_the_reporter_rates_the_service_and_may_skip() {
    let w = start("kudus").await;
    let ticket = w.report("Internet di ruang server mati sejak pagi").await;
    w.tap(HELPDESK, "Teruskan ke Kasi").await;
    w.tap(KASI, "Perbaiki online").await;
    w.tap(TECH, "Selesai").await;
    w.told(TECH, "catatan penyelesaian").await;
    w.say(TECH, "Router di-restart");
    w.tap(REPORTER, "Sudah normal").await;

    let first = w.tap(REPORTER, "4 Sangat baik").await;
    let text = text_of(&first);
    assert!(text.starts_with("Terima kasih telah mengonfirmasi."), "{text}");
    assert!(text.contains("(1/9): Bagaimana kesesuaian persyaratan"), "{text}");
    assert_eq!(labels(&first), ["1 Tidak baik", "2 Kurang baik", "3 Baik", "4 Sangat baik", "Lewati", "Berhenti"]);
    w.tap(REPORTER, "3 Baik").await;
    w.tap(REPORTER, "4 Sangat baik").await;
    let cost = w.tap(REPORTER, "Lewati").await;
    assert!(text_of(&cost).contains("(4/9): Bagaimana kewajaran biaya"), "{}", text_of(&cost));
    for _ in 4..9 {
        w.tap(REPORTER, "4 Sangat baik").await;
    }
    w.told(REPORTER, "Terima kasih atas penilaian Anda.").await;

    let answers = sigap::store::survey::of_tickets(w.desk.db(), &[ticket]).await.unwrap();
    assert_eq!(answers[&ticket], [Some(4), Some(3), Some(4), None, Some(4), Some(4), Some(4), Some(4), Some(4)]);
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let ikm = w.desk.stats(day, day).await.unwrap().ikm.unwrap();
    // Eight rated elements: seven 4s and one 3 → 3.875 → 96.875, grade A.
    assert!((ikm.index - 96.875).abs() < 1e-9, "{}", ikm.index);
    assert_eq!(ikm.grade.letter(), 'A');
    w.stop().await;
}
