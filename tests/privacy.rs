//! Personal data under UU 27/2022, through the real application (fake Telegram and fake
//! Graph API on 127.0.0.1) and the `sigap` binary: the notice on first contact and
//! `/privasi`, `/dataku` on both channels, an erasure that leaves no name, number or chat id
//! of the person in any table or file while the tickets still export, a retention run that
//! deletes what its dry run listed, photos stored without their GPS EXIF, and an erasure
//! killed before or after its commit.

#[path = "support/app.rs"]
mod app;
#[path = "support/fake_graph.rs"]
mod fake_graph;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use app::{App, eventually};
use fake_graph::{FakeGraph, webhook};
use fake_telegram::{FakeTelegram, Recorded};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::Value;
use sigap::domain::role::Role;
use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::{Category, Channel};
use sigap::domain::workflow::Command;
use sigap::service::{ActRequest, Helpdesk, NewReport, TicketRef};
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind};
use sigap::store::{attachments, privacy, tickets};

const TOKEN: &str = "919:PRIVACY-TEST";
const WA_TOKEN: &str = "EAAG-privacy-token";
const PHONE_ID: &str = "106540352242922";
const APP_SECRET: &str = "app-secret-for-privacy";
const VERIFY: &str = "verify-privacy";
const DPO: &str = "Ratna Dewi, PPID Diskominfo, ppid@kuduskab.go.id";

/// The newcomer whose data is erased: name, number and chat id found nowhere afterwards.
const NEWCOMER: i64 = 73_914_628;
const NAME: &str = "Sulistyowati Rahmadani";
const PHONE: &str = "+62 812-9988-7766";
/// What must not be found: the name, the number's digits (inside every spelling of it) and
/// the Telegram id.
const NEEDLES: [&str; 3] = [NAME, "81299887766", "73914628"];

const REPORTER: i64 = 7202;
const REPORTER_WA: &str = "6281200000009";
const HELPDESK: i64 = 7203;
const KASI: i64 = 7204;
const TECH: i64 = 7205;
const KABID: i64 = 7206;

struct Office {
    app: App,
    desk: Helpdesk,
    fake: FakeTelegram,
    graph: FakeGraph,
    http: reqwest::Client,
    next_wamid: AtomicUsize,
    inbox: DatabaseConnection,
}

async fn start() -> Office {
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
    async fn told(&self, chat: i64, part: &str) -> Recorded {
        self.told_after(chat, 0, part).await
    }

    /// As [`Office::told`], among the messages after the first `after`.
    async fn told_after(&self, chat: i64, after: usize, part: &str) -> Recorded {
        let mut found = None;
        eventually(&format!("`{part}` to {chat}"), || {
            found = self.fake.sent_to(chat).into_iter().skip(after).find(|r| text(r).contains(part));
            std::future::ready(found.is_some())
        })
        .await;
        found.unwrap()
    }

    fn count_to(&self, chat: i64) -> usize {
        self.fake.sent_to(chat).len()
    }

    fn press(&self, chat: i64, message: &Recorded, label: &str) {
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
    async fn wa_say(&self, from: &str, body: &str) {
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
    async fn wa_told(&self, to: &str, part: &str) -> String {
        let mut found = None;
        eventually(&format!("`{part}` to {to}"), || {
            found = self.graph.sent_to(to).iter().map(wa_text).find(|t| t.contains(part));
            std::future::ready(found.is_some())
        })
        .await;
        found.unwrap()
    }

    async fn person(&self, channel: Channel, address: &str) -> directory::PersonRecord {
        directory::person_by_identity(self.desk.db(), channel, address).await.unwrap().expect("registered")
    }

    /// An official's action on the ticket, as their button would do it.
    async fn act(&self, actor: i64, ticket: i64, kind: ActionKind, note: Option<&str>) {
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

    fn sigap(&self) -> Sigap {
        Sigap { url: self.app.database_url.clone(), data: self.app.data_dir().to_owned(), extra: Vec::new() }
    }

    async fn stop(self) {
        self.app.stop().await;
        assert!(self.fake.violations().is_empty(), "{:?}", self.fake.violations());
    }
}

/// The `sigap` binary on the test's database and data directory.
#[derive(Clone)]
struct Sigap {
    url: String,
    data: PathBuf,
    extra: Vec<(&'static str, String)>,
}

impl Sigap {
    fn with(mut self, name: &'static str, value: &str) -> Self {
        self.extra.push((name, value.to_owned()));
        self
    }

    fn command(&self, args: &[&str]) -> Process {
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

    fn run(&self, args: &[&str]) -> String {
        let out: Output = self.command(args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "sigap {args:?}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        stdout
    }

    /// Start `args` with a test pause set, wait until it says it is there, and SIGKILL it.
    fn kill_at(&self, pause: &str, args: &[&str]) {
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

fn text(message: &Recorded) -> &str {
    message.body["text"].as_str().or(message.body["caption"].as_str()).unwrap_or_default()
}

fn wa_text(body: &Value) -> String {
    [&body["text"]["body"], &body["interactive"]["body"]["text"], &body["document"]["caption"]]
        .iter()
        .find_map(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

/// A real JPEG of a few coloured pixels, with an EXIF block holding a GPS position and a
/// camera serial number, as a phone writes it.
fn photo_with_gps(shade: u8) -> Vec<u8> {
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
fn segments(jpeg: &[u8]) -> Vec<(u8, Vec<u8>)> {
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

fn decoded(jpeg: &[u8]) -> Vec<u8> {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).unwrap().to_rgb8().into_raw()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
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
async fn found_in_tables(db: &DatabaseConnection) -> Vec<String> {
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
fn pdf_words(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paper.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Process::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The bytes of every paper SIGAP rendered.
async fn papers(db: &DatabaseConnection) -> Vec<Vec<u8>> {
    use sea_orm::EntityTrait;
    sigap::store::entity::attachment_content::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.bytes)
        .collect()
}

#[tokio::test]
async fn a_newcomer_is_told_what_is_kept_and_privasi_repeats_it_on_both_channels() {
    let o = start().await;

    o.fake.push_update(o.fake.message_from(NEWCOMER, "Internet di ruang server mati sejak pagi"));
    let first = o.told(NEWCOMER, "Pilih bahasa").await;
    assert_eq!(o.fake.sent_to(NEWCOMER).len(), 1, "the notice is in the first message itself");
    for part in ["🔒 Privasi", "UU 27/2022", "30 hari", "5 tahun", "/dataku", "/hapus-data", DPO] {
        assert!(text(&first).contains(part), "{part} in {}", text(&first));
    }

    o.fake.push_update(o.fake.message_from(REPORTER, "/privasi"));
    let again = o.told(REPORTER, "🔒 Privasi").await;
    assert!(text(&again).contains(DPO) && text(&again).contains("/dataku berkas"), "{}", text(&again));
    o.wa_say(REPORTER_WA, "privasi").await;
    let on_whatsapp = o.wa_told(REPORTER_WA, "🔒 Privasi").await;
    assert!(on_whatsapp.contains(DPO), "{on_whatsapp}");
    o.stop().await;
}

#[tokio::test]
async fn dataku_shows_a_person_their_data_on_both_channels_and_its_file_is_audited() {
    let o = start().await;
    let sari = o.person(Channel::Telegram, &REPORTER.to_string()).await;
    let report = NewReport {
        reporter_id: sari.id,
        channel: Channel::Telegram,
        org_id: sari.org_id,
        location: Some("ruang server".into()),
        category: Category::InternetDown,
        description: "Internet di ruang server mati sejak pagi".into(),
        srikandi_number: None,
        attachments: Vec::new(),
    };
    let number = o.desk.report(report).await.unwrap().number.to_string();

    o.fake.push_update(o.fake.message_from(REPORTER, "/dataku"));
    let mine = o.told(REPORTER, "Data Anda di SIGAP").await;
    for part in ["Sari Wulandari", "Dinas Kesehatan", "telegram 7202", "whatsapp +6281200000009", number.as_str()] {
        assert!(text(&mine).contains(part), "{part} in {}", text(&mine));
    }
    o.wa_say(REPORTER_WA, "dataku").await;
    let on_whatsapp = o.wa_told(REPORTER_WA, "Data Anda di SIGAP").await;
    assert!(on_whatsapp.contains("Sari Wulandari") && on_whatsapp.contains(&number), "{on_whatsapp}");

    o.fake.push_update(o.fake.message_from(REPORTER, "/dataku berkas"));
    eventually("the data file", || async { !o.fake.calls("sendDocument").is_empty() }).await;
    let document = o.fake.calls("sendDocument").remove(0);
    let file = String::from_utf8(document.files[0].bytes.clone()).unwrap();
    for part in ["Sari Wulandari", number.as_str(), "Internet di ruang server mati sejak pagi"] {
        assert!(file.contains(part), "{part} in {file}");
    }
    let audited = privacy::audit_of(o.desk.db(), sari.id).await.unwrap();
    assert_eq!(audited.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(), ["my_data"]);

    o.fake.push_update(o.fake.message_from(REPORTER, "/nama Sari Wulandari Putri"));
    o.told(REPORTER, "Nama Anda sudah diperbaiki menjadi Sari Wulandari Putri").await;
    o.fake.push_update(o.fake.message_from(REPORTER, "/instansi pendidikan"));
    o.told(REPORTER, "Instansi Anda sudah diperbaiki menjadi Dinas Pendidikan").await;
    let corrected = o.person(Channel::Telegram, &REPORTER.to_string()).await;
    assert_eq!(corrected.name, "Sari Wulandari Putri");
    assert_eq!(corrected.org_code.as_deref(), Some("DISDIK"));
    o.fake.push_update(o.fake.message_from(REPORTER, "/nama 7"));
    o.told(REPORTER, "nama").await;
    assert_eq!(o.person(Channel::Telegram, &REPORTER.to_string()).await.name, "Sari Wulandari Putri");

    let listed = o.sigap().run(&["audit"]);
    assert!(listed.contains("menerima berkas datanya sendiri"), "{listed}");
    o.stop().await;
}

#[tokio::test]
async fn a_photo_is_stored_without_its_gps_exif_and_a_heic_is_refused() {
    let o = start().await;
    let sent = photo_with_gps(40);
    assert!(contains(&sent, "SN-GPS-4711"), "the photo as sent carries a serial");
    o.fake.add_file("foto-gps", sent.clone());
    o.fake.push_update(o.fake.photo_from(REPORTER, "foto-gps", Some("Internet di ruang server mati sejak pagi")));
    o.told(REPORTER, "Nomor tiket").await;

    let ticket = tickets::list(o.desk.db(), None, 1).await.unwrap().remove(0);
    let stored = attachments::for_ticket(o.desk.db(), ticket.id).await.unwrap().remove(0);
    let bytes = std::fs::read(o.app.data_dir().join(&stored.stored_path)).unwrap();
    let markers: Vec<u8> = segments(&bytes).iter().map(|(m, _)| *m).collect();
    assert!(!markers.contains(&0xE1), "no APP1 (EXIF/XMP) left: {markers:x?}");
    assert!(!contains(&bytes, "SN-GPS-4711") && !contains(&bytes, "Exif"));
    assert!(segments(&sent).iter().any(|(m, body)| *m == 0xE1 && body.starts_with(b"Exif")));
    // The picture itself is the same, pixel for pixel: nothing was encoded again.
    assert_eq!(decoded(&bytes), decoded(&sent));
    assert_eq!(stored.size as usize, bytes.len());

    let mut heic = vec![0, 0, 0, 24];
    heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    o.fake.add_file("foto-heic", heic);
    o.fake.push_update(o.fake.document_from(REPORTER, "foto-heic", "IMG_0001.HEIC", None));
    o.told(REPORTER, "Foto berformat HEIC tidak dapat kami simpan").await;
    assert_eq!(attachments::for_ticket(o.desk.db(), ticket.id).await.unwrap().len(), 1, "nothing of the HEIC kept");
    o.stop().await;
}

/// A newcomer registers, reports with a photo, a ticket walks to the reporter's step (a
/// paper naming them is rendered), a technician's note names them, they start a new draft
/// with a photo, and ask for their data to be erased.
async fn a_reporter_with_history(o: &Office) -> (i64, String) {
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

#[tokio::test]
async fn an_erasure_leaves_no_name_number_or_id_of_the_person_and_the_tickets_still_export() {
    let o = start().await;
    let (ticket, number) = a_reporter_with_history(&o).await;
    let draft_photo = {
        let row = sigap::store::conversations::get(o.desk.db(), Channel::Telegram, &NEWCOMER.to_string())
            .await
            .unwrap()
            .unwrap();
        let data: Value = serde_json::from_str(&row.data).unwrap();
        o.app.data_dir().join(data["files"][0]["stored_path"].as_str().unwrap())
    };
    assert!(draft_photo.exists());
    // Before: the person is there to be found, in the tables and in the paper.
    let before = found_in_tables(o.desk.db()).await;
    for needle in NEEDLES {
        assert!(before.iter().any(|f| f.ends_with(needle)), "{needle} not even there before: {before:?}");
    }
    assert!(papers(o.desk.db()).await.iter().any(|pdf| pdf_words(pdf).contains(NAME)));

    let sigap = o.sigap();
    let requests = sigap.run(&["data", "requests"]);
    assert!(requests.contains("#1") && requests.contains(NAME), "{requests}");
    let erased = sigap.run(&["data", "erase", "1"]);
    assert!(erased.contains("sudah dihapus"), "{erased}");
    // The command line queued the notice at today's time; the service's clock catches up.
    o.app.clock.set(chrono::Utc::now() + chrono::Duration::minutes(1));
    o.told(NEWCOMER, "Data pribadi Anda di SIGAP sudah dihapus").await;
    assert!(sigap.run(&["data", "requests"]).contains("Tidak ada permintaan"));

    let db = o.desk.db().clone();
    let Office { app, fake, .. } = o;
    let dirs = app.stop_keeping_files().await;
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    // The notice that told them is swept once sent, and the files are compacted.
    sigap.run(&["data", "sweep"]);

    assert_eq!(found_in_tables(&db).await, Vec::<String>::new());
    let mut files = files_under(dirs.0.path());
    if let Some(db_dir) = &dirs.1 {
        files.extend(files_under(db_dir.path()));
    }
    assert!(!files.is_empty());
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for needle in NEEDLES {
            assert!(!contains(&bytes, needle), "{needle} found in {}", file.display());
        }
    }
    assert!(!draft_photo.exists(), "the photo of their open draft is deleted");
    for pdf in papers(&db).await {
        let words = pdf_words(&pdf);
        assert!(!words.contains(NAME) && words.contains("(dihapus)"), "{words}");
    }
    // The archive stays: the ticket, its events and its photo, the person shown as erased.
    let details = sigap::store::tickets::events(&db, ticket).await.unwrap();
    assert!(details.len() >= 4);
    assert_eq!(
        attachments::for_ticket(&db, ticket).await.unwrap().iter().filter(|a| !a.stored_path.is_empty()).count(),
        1
    );
    let log = sigap.run(&["report", "log", "--from", "2026-11-01", "--to", "2026-11-30"]);
    assert!(log.contains(&number) && log.contains("(dihapus)"), "{log}");
    let audit = sigap.run(&["audit"]);
    assert!(audit.contains("menghapus data pribadi"), "{audit}");
    assert!(
        audit.contains("menerima atau mengunduh berita acara") && audit.contains("work (chat)"),
        "the paper sent in chat: {audit}"
    );
}

/// Sari reports with a photo; the ticket walks the Kudus SOP to closed.
async fn closed_ticket_with_photo(o: &Office) -> (tickets::TicketRow, PathBuf) {
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

#[tokio::test]
async fn purging_a_year_deletes_its_ended_tickets_with_their_history_and_keeps_open_ones() {
    let o = start().await;
    let (closed, photo_file) = closed_ticket_with_photo(&o).await;
    assert_eq!(closed.status, "closed");
    let sari = o.person(Channel::Telegram, &REPORTER.to_string()).await;
    let report = NewReport {
        reporter_id: sari.id,
        channel: Channel::Telegram,
        org_id: sari.org_id,
        location: Some("aula".into()),
        category: Category::InternetDown,
        description: "Wifi aula mati".into(),
        srikandi_number: None,
        attachments: Vec::new(),
    };
    let open = o.desk.report(report).await.unwrap().number.to_string();
    let sigap = o.sigap();
    assert!(!papers(o.desk.db()).await.is_empty());

    let dry = sigap.run(&["data", "purge", "--year", "2026", "--dry-run"]);
    assert_eq!(dry.lines().skip(1).collect::<Vec<_>>(), [closed.number.as_str()], "{dry}");
    assert!(photo_file.exists(), "a dry run deletes nothing");
    assert_eq!(sigap.run(&["data", "purge", "--year", "2025", "--dry-run"]).lines().count(), 1);

    let run = sigap.run(&["data", "purge", "--year", "2026"]);
    assert_eq!(run.lines().skip(1).collect::<Vec<_>>(), [closed.number.as_str()], "{run}");
    assert!(tickets::by_id(o.desk.db(), closed.id).await.unwrap().is_none());
    assert!(tickets::events(o.desk.db(), closed.id).await.unwrap().is_empty());
    assert!(papers(o.desk.db()).await.is_empty(), "the closed ticket's papers went with it");
    assert!(!photo_file.exists());
    let log = sigap.run(&["report", "log", "--from", "2026-11-01", "--to", "2026-11-30"]);
    assert!(log.contains(&open) && !log.contains(&closed.number), "{log}");
    assert!(sigap.run(&["audit"]).contains("menghapus arsip satu tahun"));
    // Outside a purge, the event log still refuses a deletion.
    let db = o.desk.db();
    let delete = Statement::from_string(db.get_database_backend(), "DELETE FROM ticket_events");
    assert!(db.execute_raw(delete).await.is_err());
    o.stop().await;
}

#[tokio::test]
async fn retention_deletes_exactly_what_its_dry_run_listed() {
    let o = start().await;
    // An abandoned registration (a draft) and a ticket walked to closed with a photo.
    o.fake.push_update(o.fake.message_from(NEWCOMER, "Internet di ruang server mati sejak pagi"));
    o.told(NEWCOMER, "Pilih bahasa").await;
    let (ticket, photo_file) = closed_ticket_with_photo(&o).await;
    o.fake.push_update(o.fake.message_from(REPORTER, "/dataku berkas"));
    o.told(REPORTER, "Data Anda di SIGAP, sebagai berkas").await;

    // The service ran on 23 November; the command line's clock is today's. Periods that
    // make all of it old enough, as an office would not set them.
    let sigap = o
        .sigap()
        .with("SIGAP_KEEP_DRAFT_DAYS", "1")
        .with("SIGAP_KEEP_EXPORT_DAYS", "0")
        .with("SIGAP_KEEP_PHOTO_YEARS", "0")
        .with("SIGAP_INACTIVE_PHONE_YEARS", "0");
    let lines = |out: &str| {
        let mut lines: Vec<String> = out.lines().skip(1).map(str::to_owned).collect();
        lines.sort();
        lines
    };
    let dry = sigap.run(&["data", "retention", "--dry-run"]);
    assert!(dry.starts_with("Akan dihapus"), "{dry}");
    let listed = lines(&dry);
    for kind in ["draft telegram 73914628", "export exports/dataku-", "photo #", "phone #"] {
        assert!(listed.iter().any(|l| l.starts_with(kind)), "{kind} in {listed:?}");
    }
    assert!(photo_file.exists(), "a dry run deletes nothing");

    let run = sigap.run(&["data", "retention"]);
    assert_eq!(lines(&run), listed);
    assert!(!photo_file.exists(), "the closed ticket's photo file is gone");
    assert_eq!(lines(&sigap.run(&["data", "retention", "--dry-run"])), Vec::<String>::new());
    assert!(sigap.run(&["audit"]).contains("retensi"));
    // The archive stays: the ticket and its paper.
    assert!(tickets::by_id(o.desk.db(), ticket.id).await.unwrap().is_some());
    assert!(!papers(o.desk.db()).await.is_empty());
    o.stop().await;
}

#[tokio::test]
async fn an_erasure_killed_before_its_commit_did_nothing_and_after_it_is_finished_by_the_sweep() {
    let o = start().await;
    a_reporter_with_history(&o).await;
    let person = o.person(Channel::Telegram, &NEWCOMER.to_string()).await;
    let row =
        sigap::store::conversations::get(o.desk.db(), Channel::Telegram, &NEWCOMER.to_string()).await.unwrap().unwrap();
    let data: Value = serde_json::from_str(&row.data).unwrap();
    let draft_photo = o.app.data_dir().join(data["files"][0]["stored_path"].as_str().unwrap());
    let sigap = o.sigap();
    let db = o.desk.db().clone();
    let Office { app, .. } = o;
    let _dirs = app.stop_keeping_files().await;

    sigap.kill_at("commit", &["data", "erase", "1"]);
    let untouched = directory::person_record(&db, person.id).await.unwrap().unwrap();
    assert_eq!(untouched.name, NAME);
    assert_eq!(untouched.identities, person.identities);
    assert_eq!(privacy::open_requests(&db).await.unwrap().len(), 1);
    assert!(privacy::pending_deletions(&db, 10).await.unwrap().is_empty());
    let has_erasure = |audit: Vec<privacy::AuditRow>| audit.iter().any(|a| a.action == "erase");
    assert!(!has_erasure(privacy::audit_of(&db, person.id).await.unwrap()));
    assert!(draft_photo.exists());

    sigap.kill_at("sweep", &["data", "erase", "1"]);
    let erased = directory::person_record(&db, person.id).await.unwrap().unwrap();
    assert_eq!(erased.name, "(dihapus)");
    assert!(erased.identities.is_empty());
    assert!(privacy::open_requests(&db).await.unwrap().is_empty());
    assert!(has_erasure(privacy::audit_of(&db, person.id).await.unwrap()));
    assert!(!privacy::pending_deletions(&db, 10).await.unwrap().is_empty(), "its files wait for the sweep");
    assert!(draft_photo.exists());

    let swept = sigap.run(&["data", "sweep"]);
    assert!(swept.contains("berkas dihapus"), "{swept}");
    assert!(!draft_photo.exists());
    assert!(privacy::pending_deletions(&db, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_event_log_takes_a_redaction_and_nothing_else() {
    let o = start().await;
    let sari = o.person(Channel::Telegram, &REPORTER.to_string()).await;
    let report = NewReport {
        reporter_id: sari.id,
        channel: Channel::Telegram,
        org_id: sari.org_id,
        location: Some("ruang server".into()),
        category: Category::InternetDown,
        description: "Internet mati".into(),
        srikandi_number: None,
        attachments: Vec::new(),
    };
    let ticket = o.desk.report(report).await.unwrap().ticket_id;
    o.act(HELPDESK, ticket, ActionKind::Forward, None).await;
    let db = o.desk.db();
    let backend = db.get_database_backend();
    let update = |set: &str| {
        Statement::from_string(backend, format!("UPDATE ticket_events SET {set} WHERE ticket_id = {ticket}"))
    };
    for forged in
        ["note = 'diubah'", "action = 'reject', note = '(dihapus)'", "at = at, actor_id = NULL, note = '(dihapus)'"]
    {
        assert!(db.execute_raw(update(forged)).await.is_err(), "{forged} was let through");
    }
    assert!(db.execute_raw(Statement::from_string(backend, "DELETE FROM ticket_events")).await.is_err());
    db.execute_raw(update("note = '(dihapus)'")).await.unwrap();
    let events = tickets::events(db, ticket).await.unwrap();
    assert!(events.iter().all(|e| e.note.as_deref() == Some("(dihapus)")));
    assert_eq!(events[1].action, "forward");
    o.stop().await;
}
