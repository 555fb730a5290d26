//! The office the personal-data tests run against: the application with fake Telegram and
//! fake Graph API, its people, the `sigap` binary on the same database, a JPEG carrying GPS
//! EXIF, and the searches through every table and file. Included by `tests/privacy.rs`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::app::{self, App, eventually};
use super::fake_graph::{FakeGraph, webhook};
use super::fake_telegram::{FakeTelegram, Recorded};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::Value;
use sigap::domain::role::Role;
use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::Channel;
use sigap::domain::workflow::Command;
use sigap::service::{ActRequest, Helpdesk, TicketRef};
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind};
use sigap::store::{attachments, tickets};

pub const TOKEN: &str = "919:PRIVACY-TEST";
pub const WA_TOKEN: &str = "EAAG-privacy-token";
pub const PHONE_ID: &str = "106540352242922";
pub const APP_SECRET: &str = "app-secret-for-privacy";
pub const VERIFY: &str = "verify-privacy";
pub const DPO: &str = "Ratna Dewi, PPID Diskominfo, ppid@kuduskab.go.id";

/// The newcomer whose data is erased: name, number and chat id found nowhere afterwards.
pub const NEWCOMER: i64 = 73_914_628;
pub const NAME: &str = "Sulistyowati Rahmadani";
pub const PHONE: &str = "+62 812-9988-7766";
/// What must not be found: the name, the number's digits (inside every spelling of it) and
/// the Telegram id.
pub const NEEDLES: [&str; 3] = [NAME, "81299887766", "73914628"];

pub const REPORTER: i64 = 7202;
pub const REPORTER_WA: &str = "6281200000009";
pub const HELPDESK: i64 = 7203;
pub const KASI: i64 = 7204;
pub const TECH: i64 = 7205;
pub const KABID: i64 = 7206;

pub struct Office {
    pub app: App,
    pub desk: Helpdesk,
    pub fake: FakeTelegram,
    pub graph: FakeGraph,
    pub http: reqwest::Client,
    pub next_wamid: AtomicUsize,
    pub inbox: DatabaseConnection,
}

pub async fn start() -> Office {
    let fake = FakeTelegram::start(TOKEN).await;
    let graph = FakeGraph::start(WA_TOKEN, PHONE_ID).await;
    let vars = vec![
        ("TELOXIDE_TOKEN", TOKEN.to_owned()),
        ("TELOXIDE_API_URL", fake.api_url()),
        ("SIGAP_TELEGRAM_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_TELEGRAM_PER_SECOND", "1000000".to_owned()),
        ("WHATSAPP_API_URL", graph.api_url()),
        ("WHATSAPP_PHONE_NUMBER_ID", PHONE_ID.to_owned()),
        ("WHATSAPP_ACCESS_TOKEN", WA_TOKEN.to_owned()),
        ("WHATSAPP_APP_SECRET", APP_SECRET.to_owned()),
        ("WHATSAPP_VERIFY_TOKEN", VERIFY.to_owned()),
        ("SIGAP_WHATSAPP_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_WHATSAPP_PER_SECOND", "1000000".to_owned()),
        ("SIGAP_DPO_CONTACT", DPO.to_owned()),
    ];
    let app = app::start(&vars, |desk| async move {
        let db = desk.db();
        let orgs = [
            NewOrg { code: "DINKES".into(), name: "Dinas Kesehatan".into(), kind: OrgKind::Opd },
            NewOrg { code: "DISDIK".into(), name: "Dinas Pendidikan".into(), kind: OrgKind::Opd },
        ];
        directory::import_orgs(db, &orgs, app::monday()).await.unwrap();
        let sari = NewPerson {
            name: "Sari Wulandari".into(),
            org_code: Some("DINKES".into()),
            locale: "id".into(),
            roles: vec![Role::Reporter],
            identities: vec![(Channel::Telegram, REPORTER.to_string()), (Channel::Whatsapp, format!("+{REPORTER_WA}"))],
        };
        directory::add_person(db, &sari, app::monday()).await.unwrap();
        for (name, role, id) in [
            ("Hadi", Role::Helpdesk, HELPDESK),
            ("Kurnia", Role::Kasi, KASI),
            ("Agus", Role::Technician, TECH),
            ("Bambang", Role::Kabid, KABID),
        ] {
            let person = NewPerson {
                name: name.into(),
                org_code: Some("DINKES".into()),
                locale: "id".into(),
                roles: vec![role],
                identities: vec![(Channel::Telegram, id.to_string())],
            };
            directory::add_person(db, &person, app::monday()).await.unwrap();
        }
    })
    .await;
    let inbox = sigap::store::inbox::open(&app.database_url, app.desk.db()).await.unwrap();
    Office {
        desk: app.desk.clone(),
        app,
        fake,
        graph,
        http: reqwest::Client::new(),
        next_wamid: AtomicUsize::new(1),
        inbox,
    }
}

impl Office {
    /// Wait for a message to Telegram chat `chat` whose text or caption contains `part`.
    pub async fn told(&self, chat: i64, part: &str) -> Recorded {
        self.told_after(chat, 0, part).await
    }

    /// As [`Office::told`], among the messages after the first `after`.
    pub async fn told_after(&self, chat: i64, after: usize, part: &str) -> Recorded {
        let mut found = None;
        eventually(&format!("`{part}` to {chat}"), || {
            found = self.fake.sent_to(chat).into_iter().skip(after).find(|r| text(r).contains(part));
            std::future::ready(found.is_some())
        })
        .await;
        found.unwrap()
    }

    pub fn count_to(&self, chat: i64) -> usize {
        self.fake.sent_to(chat).len()
    }

    pub fn press(&self, chat: i64, message: &Recorded, label: &str) {
        let data = message.body["reply_markup"]["inline_keyboard"]
            .as_array()
            .unwrap_or_else(|| panic!("no keyboard in {message:?}"))
            .iter()
            .flat_map(|row| row.as_array().unwrap().clone())
            .find(|b| b["text"] == label)
            .unwrap_or_else(|| panic!("no button {label}"))["callback_data"]
            .as_str()
            .unwrap()
            .to_owned();
        let message_id = message.result["message_id"].as_i64().unwrap();
        self.fake.push_update(self.fake.callback_from(chat, message_id, &data));
    }

    /// A WhatsApp message from `from`, signed as Meta does, applied before this returns.
    pub async fn wa_say(&self, from: &str, body: &str) {
        let id = format!("wamid.PRIV{:06}", self.next_wamid.fetch_add(1, Ordering::SeqCst));
        let payload = serde_json::to_vec(&webhook::text(from, "Pengguna", &id, body)).unwrap();
        let signature = webhook::sign(APP_SECRET, &payload);
        let url = format!("http://{}/webhook/whatsapp", self.app.addr);
        let status = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("X-Hub-Signature-256", signature)
            .body(payload)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
        eventually("the delivery applied", || async { sigap::store::inbox::depth(&self.inbox).await.unwrap() == 0 })
            .await;
    }

    /// Wait for a WhatsApp message to `to` containing `part`.
    pub async fn wa_told(&self, to: &str, part: &str) -> String {
        let mut found = None;
        eventually(&format!("`{part}` to {to}"), || {
            found = self.graph.sent_to(to).iter().map(wa_text).find(|t| t.contains(part));
            std::future::ready(found.is_some())
        })
        .await;
        found.unwrap()
    }

    pub async fn person(&self, channel: Channel, address: &str) -> directory::PersonRecord {
        directory::person_by_identity(self.desk.db(), channel, address).await.unwrap().expect("registered")
    }

    /// An official's action on the ticket, as their button would do it.
    pub async fn act(&self, actor: i64, ticket: i64, kind: ActionKind, note: Option<&str>) {
        let actor = self.person(Channel::Telegram, &actor.to_string()).await;
        let version = self.desk.details(TicketRef::Id(ticket)).await.unwrap().ticket.version;
        let request = ActRequest {
            ticket: TicketRef::Id(ticket),
            actor_id: actor.id,
            channel: Channel::Telegram,
            command: Command { note: note.map(str::to_owned), ..Command::new(kind, version) },
            assignee_ids: Vec::new(),
            attachments: Vec::new(),
        };
        self.desk.act(request).await.unwrap();
    }

    pub fn sigap(&self) -> Sigap {
        Sigap { url: self.app.database_url.clone(), data: self.app.data_dir().to_owned(), extra: Vec::new() }
    }

    pub async fn stop(self) {
        self.app.stop().await;
        assert!(self.fake.violations().is_empty(), "{:?}", self.fake.violations());
    }
}

/// The `sigap` binary on the test's database and data directory.
#[derive(Clone)]
pub struct Sigap {
    pub url: String,
    pub data: PathBuf,
    pub extra: Vec<(&'static str, String)>,
}

impl Sigap {
    pub fn with(mut self, name: &'static str, value: &str) -> Self {
        self.extra.push((name, value.to_owned()));
        self
    }

    pub fn command(&self, args: &[&str]) -> Process {
        let mut cmd = Process::new(env!("CARGO_BIN_EXE_sigap"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.url)
            .env("DATA_DIR", &self.data)
            .env("SIGAP_CONFIG_DIR", Path::new(env!("CARGO_MANIFEST_DIR")).join("config"))
            .env("RUST_LOG", "warn");
        for (name, value) in &self.extra {
            cmd.env(name, value);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out: Output = self.command(args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "sigap {args:?}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        stdout
    }

    /// Start `args` with a test pause set, wait until it says it is there, and SIGKILL it.
    pub fn kill_at(&self, pause: &str, args: &[&str]) {
        let mut child = self
            .clone()
            .with("SIGAP_TEST_ERASE_PAUSE", pause)
            .command(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let mut seen = Vec::new();
        for line in stderr.lines() {
            let line = line.unwrap();
            if line.contains("SIGAP_TEST_ERASE_PAUSE") {
                // SIGKILL: nothing of the process's own shutdown runs.
                child.kill().unwrap();
                child.wait().unwrap();
                return;
            }
            seen.push(line);
        }
        let status = child.wait().unwrap();
        panic!("sigap {args:?} ended ({status}) without reaching the pause: {}", seen.join("\n"));
    }
}

pub fn text(message: &Recorded) -> &str {
    message.body["text"].as_str().or(message.body["caption"].as_str()).unwrap_or_default()
}

pub fn wa_text(body: &Value) -> String {
    [&body["text"]["body"], &body["interactive"]["body"]["text"], &body["document"]["caption"]]
        .iter()
        .find_map(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

/// A real JPEG of a few coloured pixels, with an EXIF block holding a GPS position and a
/// camera serial number, as a phone writes it.
pub fn photo_with_gps(shade: u8) -> Vec<u8> {
    let pixels: Vec<u8> = (0..16 * 16).flat_map(|i| [shade, (i % 256) as u8, 255 - shade]).collect();
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
        .encode(&pixels, 16, 16, image::ExtendedColorType::Rgb8)
        .unwrap();
    // IFD0: the GPS IFD pointer and a body serial; GPS IFD: latitude reference "S".
    let mut tiff = b"MM\0*".to_vec();
    tiff.extend_from_slice(&8u32.to_be_bytes());
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1]);
    tiff.extend_from_slice(&38u32.to_be_bytes());
    tiff.extend_from_slice(&[0xA4, 0x31, 0, 2, 0, 0, 0, 12]);
    tiff.extend_from_slice(&56u32.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'S', 0, 0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(b"SN-GPS-4711\0");
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut jpeg = plain[..2].to_vec();
    jpeg.extend_from_slice(&[0xFF, 0xE1]);
    jpeg.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    jpeg.extend_from_slice(&app1);
    jpeg.extend_from_slice(&plain[2..]);
    jpeg
}

/// The JPEG's segments, by marker, up to the first scan.
pub fn segments(jpeg: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let marker = jpeg[at + 1];
        let len = u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]) as usize;
        out.push((marker, jpeg[at + 4..at + 2 + len].to_vec()));
        if marker == 0xDA {
            break;
        }
        at += 2 + len;
    }
    out
}

pub fn decoded(jpeg: &[u8]) -> Vec<u8> {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).unwrap().to_rgb8().into_raw()
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// `(table.column, needle)` for every column of every table holding one of the needles.
pub async fn found_in_tables(db: &DatabaseConnection) -> Vec<String> {
    let backend = db.get_database_backend();
    let columns_sql = match backend {
        DbBackend::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table'"
        }
        _ => "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'public'",
    };
    let columns = db.query_all_raw(Statement::from_string(backend, columns_sql)).await.unwrap();
    assert!(columns.len() > 100, "every column of every table: {}", columns.len());
    let mut found = Vec::new();
    for row in columns {
        let table: String = row.try_get("", "t").unwrap();
        let column: String = row.try_get("", "c").unwrap();
        for needle in NEEDLES {
            let sql =
                format!("SELECT COUNT(*) AS n FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) LIKE '%{needle}%'");
            let hits = db.query_one_raw(Statement::from_string(backend, sql)).await.unwrap().unwrap();
            if hits.try_get::<i64>("", "n").unwrap() > 0 {
                found.push(format!("{table}.{column}: {needle}"));
            }
        }
    }
    found
}

/// The words of a PDF (pdftotext, from poppler-utils).
pub fn pdf_words(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paper.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Process::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The bytes of every paper SIGAP rendered.
pub async fn papers(db: &DatabaseConnection) -> Vec<Vec<u8>> {
    use sea_orm::EntityTrait;
    sigap::store::entity::attachment_content::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.bytes)
        .collect()
}

/// A newcomer registers, reports with a photo, a ticket walks to the reporter's step (a
/// paper naming them is rendered), a technician's note names them, they start a new draft
/// with a photo, and ask for their data to be erased.
pub async fn a_reporter_with_history(o: &Office) -> (i64, String) {
    o.fake.push_update(o.fake.message_from(NEWCOMER, "Internet di ruang server mati sejak pagi"));
    let language = o.told(NEWCOMER, "Pilih bahasa").await;
    o.press(NEWCOMER, &language, "Bahasa Indonesia");
    let orgs = o.told(NEWCOMER, "instansi").await;
    o.press(NEWCOMER, &orgs, "Dinas Kesehatan");
    o.told(NEWCOMER, "Ketik nama lengkap Anda").await;
    o.fake.push_update(o.fake.message_from(NEWCOMER, NAME));
    o.told(NEWCOMER, "nomor").await;
    o.fake.push_update(o.fake.contact_from(NEWCOMER, PHONE));
    o.told(NEWCOMER, "Ada foto").await;
    let sent = o.count_to(NEWCOMER);
    o.fake.add_file("foto-tiket", photo_with_gps(90));
    o.fake.push_update(o.fake.photo_from(NEWCOMER, "foto-tiket", None));
    o.told_after(NEWCOMER, sent, "Lampiran diterima").await;
    let next = o.told_after(NEWCOMER, sent + 1, "").await;
    let summary = if text(&next).contains("Kirim laporan ini?") {
        next
    } else {
        let sent = o.count_to(NEWCOMER);
        o.press(NEWCOMER, &next, "Lewati");
        o.told_after(NEWCOMER, sent, "Kirim laporan ini?").await
    };
    o.press(NEWCOMER, &summary, "Kirim");
    o.told(NEWCOMER, "Nomor tiket").await;
    let ticket = tickets::list(o.desk.db(), None, 1).await.unwrap().remove(0);
    assert_eq!(attachments::for_ticket(o.desk.db(), ticket.id).await.unwrap().len(), 1, "the photo is the ticket's");

    o.act(HELPDESK, ticket.id, ActionKind::Forward, None).await;
    o.act(KASI, ticket.id, ActionKind::FixRemote, None).await;
    let note = format!("Sudah dicek bersama {NAME} (telepon {PHONE}), kabel LAN diganti");
    o.act(TECH, ticket.id, ActionKind::Resolve, Some(&note)).await;
    o.told(NEWCOMER, "Berita Acara").await;

    let sent = o.count_to(NEWCOMER);
    o.fake.push_update(o.fake.message_from(NEWCOMER, "/lapor"));
    o.told_after(NEWCOMER, sent, "Laporan baru").await;
    let sent = o.count_to(NEWCOMER);
    o.fake.add_file("foto-draf", photo_with_gps(160));
    o.fake.push_update(o.fake.photo_from(NEWCOMER, "foto-draf", None));
    o.told_after(NEWCOMER, sent, "Lampiran diterima").await;

    o.fake.push_update(o.fake.message_from(NEWCOMER, "/hapus_data"));
    o.told(NEWCOMER, "Permintaan penghapusan data Anda sudah dicatat (nomor 1)").await;
    (ticket.id, ticket.number)
}

/// Sari reports with a photo; the ticket walks the Kudus SOP to closed.
pub async fn closed_ticket_with_photo(o: &Office) -> (tickets::TicketRow, PathBuf) {
    o.fake.add_file("foto", photo_with_gps(10));
    o.fake.push_update(o.fake.photo_from(REPORTER, "foto", Some("Internet di ruang server mati sejak pagi")));
    o.told(REPORTER, "Nomor tiket").await;
    let ticket = tickets::list(o.desk.db(), None, 1).await.unwrap().remove(0);
    o.act(HELPDESK, ticket.id, ActionKind::Forward, None).await;
    o.act(KASI, ticket.id, ActionKind::FixRemote, None).await;
    o.act(TECH, ticket.id, ActionKind::Resolve, Some("Kabel diganti")).await;
    let sari = o.person(Channel::Telegram, &REPORTER.to_string()).await;
    let version = o.desk.details(TicketRef::Id(ticket.id)).await.unwrap().ticket.version;
    let confirm = ActRequest {
        ticket: TicketRef::Id(ticket.id),
        actor_id: sari.id,
        channel: Channel::Telegram,
        command: Command::new(ActionKind::Confirm, version),
        assignee_ids: Vec::new(),
        attachments: Vec::new(),
    };
    o.desk.act(confirm).await.unwrap();
    o.act(KABID, ticket.id, ActionKind::Approve, None).await;
    let photo = attachments::for_ticket(o.desk.db(), ticket.id).await.unwrap();
    let photo = photo.iter().find(|a| !a.stored_path.is_empty()).unwrap();
    let photo_file = o.app.data_dir().join(&photo.stored_path);
    (tickets::by_id(o.desk.db(), ticket.id).await.unwrap().unwrap(), photo_file)
}
