//! The `sigap` binary as the office admin uses it: real process, real database (SQLite
//! file, or a fresh PostgreSQL database when `TEST_DATABASE_URL` is set), real HTTP.

#[path = "common/db.rs"]
mod db;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use chrono::Datelike;
use sigap::clock::SystemClock;
use sigap::domain::ticket::{Category, Channel};
use sigap::service::{Helpdesk, NewReport};
use tempfile::TempDir;

struct Admin {
    dir: TempDir,
    url: String,
    _db: Option<TempDir>,
}

impl Admin {
    async fn new() -> Self {
        let (url, db) = db::fresh_database().await;
        Admin { dir: tempfile::tempdir().unwrap(), url, _db: db }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sigap"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.url)
            .env("DATA_DIR", self.dir.path().join("data"))
            .env("SIGAP_CONFIG_DIR", repo().join("config"))
            .env("RUST_LOG", "warn");
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn sop_check_prints_the_steps_roles_and_limits_of_kudus() {
    let admin = Admin::new().await;

    let out = admin.run(&["sop", "check", repo().join("config/sop/kudus.toml").to_str().unwrap()]);

    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "SOP kudus",
        "555/966/18.03/2021",
        "[terima] Menerima aduan",
        "Admin Helpdesk",
        "10 menit kerja",
        "[perbaikan_lapangan]",
        "24 jam",
        "Kunjungan lapangan (field_visit) → perbaikan_lapangan",
        "SOP valid: 6 tahap.",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
}

#[tokio::test]
async fn sop_check_speaks_english_when_asked() {
    let admin = Admin::new().await;

    let out = admin.command(&["sop", "check", "kediri"]).env("SIGAP_LOCALE", "en").output().unwrap();

    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("SOP valid: 6 steps."), "{}", stdout(&out));
}

#[tokio::test]
async fn a_broken_sop_file_fails_naming_the_step_and_the_problem() {
    let admin = Admin::new().await;
    let broken = std::fs::read_to_string(repo().join("config/sop/kudus.toml"))
        .unwrap()
        .replace("{ kind = \"forward\", to = \"prioritas\" }", "{ kind = \"forward\", to = \"prioritass\" }");
    let path = admin.write("broken.toml", &broken);

    let out = admin.run(&["sop", "check", path.to_str().unwrap()]);

    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("SOP tidak valid") && err.contains("terima") && err.contains("prioritass"), "{err}");
}

#[tokio::test]
async fn a_syntax_error_in_an_sop_file_names_the_line() {
    let admin = Admin::new().await;
    let path = admin.write("bad.toml", "[sop]\nid = \"x\"\nname = \n");

    let out = admin.run(&["sop", "check", path.to_str().unwrap()]);

    assert!(!out.status.success());
    assert!(stderr(&out).contains("line 3"), "{}", stderr(&out));
}

#[tokio::test]
async fn opd_import_with_a_bad_line_imports_nothing() {
    let admin = Admin::new().await;
    let bad = admin.write("opd.csv", "code,name,kind\nDINKES,Dinas Kesehatan,opd\nDS01,Desa Jati,kelurahan\n");
    let good = admin.write("opd-ok.csv", "code,name,kind\nDINKES,Dinas Kesehatan,opd\nDS01,Desa Jati,desa\n");

    let refused = admin.run(&["opd", "import", bad.to_str().unwrap()]);
    let accepted = admin.run(&["opd", "import", good.to_str().unwrap()]);

    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("line 3: `kind`"), "{}", stderr(&refused));
    assert!(accepted.status.success(), "{}", stderr(&accepted));
    assert!(stdout(&accepted).contains("2 organisasi diimpor (2 baru, 0 diperbarui)"), "{}", stdout(&accepted));
}

#[tokio::test]
async fn staff_are_added_listed_and_disabled() {
    let admin = Admin::new().await;
    admin.run(&[
        "opd",
        "import",
        admin.write("o.csv", "code,name,kind\nKOMINFO,Dinas Kominfo,opd\n").to_str().unwrap(),
    ]);

    let added = admin.run(&[
        "staff",
        "add",
        "--name",
        "Budi",
        "--role",
        "kasi",
        "--org",
        "KOMINFO",
        "--telegram-id",
        "1001",
        "--whatsapp",
        "081234567890",
    ]);
    let second = admin.run(&["staff", "add", "--name", "Ani", "--role", "technician,helpdesk"]);
    let disabled = admin.run(&["staff", "disable", "1"]);
    let list = admin.run(&["staff", "list"]);

    assert!(added.status.success(), "{}", stderr(&added));
    assert!(stdout(&added).contains("Petugas #1 Budi ditambahkan (Kepala Seksi)"), "{}", stdout(&added));
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(disabled.status.success(), "{}", stderr(&disabled));
    let text = stdout(&list);
    assert!(
        text.contains("#1  Budi  [Kepala Seksi]  KOMINFO  telegram:1001 whatsapp:+6281234567890  nonaktif"),
        "{text}"
    );
    assert!(text.contains("#2  Ani  [") && text.contains("Teknisi") && text.contains("Admin Helpdesk"), "{text}");
}

#[tokio::test]
async fn staff_invite_prints_a_single_use_link_and_refuses_bad_input() {
    let admin = Admin::new().await;
    let made = admin
        .command(&["staff", "invite", "--role", "kasi", "--name", "Kurnia Dewi", "--days", "2"])
        .env("TELEGRAM_BOT_USERNAME", "@SigapKudusBot")
        .output()
        .unwrap();
    let refused_role = admin.run(&["staff", "invite", "--role", "reporter", "--name", "X"]);
    let refused_days = admin.run(&["staff", "invite", "--role", "kasi", "--name", "X", "--days", "90"]);
    let refused_org = admin.run(&["staff", "invite", "--role", "kasi", "--name", "X", "--org", "NOPE"]);

    assert!(made.status.success(), "{}", stderr(&made));
    let text = stdout(&made);
    assert!(text.contains("Undangan untuk Kurnia Dewi (Kepala Seksi) dibuat, sekali pakai"), "{text}");
    let link = text.split_whitespace().find(|w| w.starts_with("https://t.me/SigapKudusBot?start=")).expect(&text);
    let code = link.rsplit('=').next().unwrap();
    assert_eq!(code.len(), 24, "{code}");
    assert!(code.chars().all(|c| c.is_ascii_hexdigit()), "{code}");
    for (out, expected) in [(refused_role, "/start"), (refused_days, "--days 90"), (refused_org, "NOPE")] {
        assert!(!out.status.success());
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    }
}

#[tokio::test]
async fn staff_add_refuses_bad_input_and_writes_nothing() {
    let admin = Admin::new().await;
    admin.run(&["staff", "add", "--name", "Budi", "--role", "kasi", "--whatsapp", "081234567890"]);

    let cases: [(&[&str], &str); 5] = [
        (&["--role", "lurah"], "lurah"),
        (&["--role", "kasi", "--whatsapp", "12ab"], "--whatsapp"),
        (&["--role", "kasi", "--telegram-id", "abc"], "--telegram-id"),
        (&["--role", "kasi", "--org", "NOPE"], "NOPE"),
        (&["--role", "kasi", "--telegram-id", "77", "--whatsapp", "+62 812 3456 7890"], "+6281234567890"),
    ];
    for (args, expected) in cases {
        let mut full = vec!["staff", "add", "--name", "Citra"];
        full.extend_from_slice(args);
        let out = admin.run(&full);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr(&out).contains(expected), "{args:?}: {}", stderr(&out));
    }
    let list = stdout(&admin.run(&["staff", "list"]));
    assert!(!list.contains("Citra"), "{list}");
    assert!(!list.contains("telegram:77"), "a refused person's identity was kept: {list}");
}

#[tokio::test]
async fn ticket_show_prints_the_history_and_time_per_step() {
    let admin = Admin::new().await;
    admin.run(&[
        "opd",
        "import",
        admin.write("o.csv", "code,name,kind\nDINKES,Dinas Kesehatan,opd\n").to_str().unwrap(),
    ]);
    admin.run(&["staff", "add", "--name", "Sari", "--role", "reporter", "--org", "DINKES", "--telegram-id", "5"]);
    let number = report_through_the_library(&admin).await;

    let list = admin.run(&["ticket", "list", "--status", "open"]);
    let show = admin.run(&["ticket", "show", &number]);

    assert!(list.status.success(), "{}", stderr(&list));
    assert!(stdout(&list).contains(&number) && stdout(&list).contains("Menerima aduan"), "{}", stdout(&list));
    assert!(show.status.success(), "{}", stderr(&show));
    let text = stdout(&show);
    for expected in [
        &*format!("Tiket {number} (Dalam proses)"),
        "Sari (Dinas Kesehatan)",
        "Internet mati",
        "Riwayat:",
        "membuat laporan",
        "Waktu per tahap:",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
}

#[tokio::test]
async fn ticket_show_of_an_unknown_or_malformed_number_fails_clearly() {
    let admin = Admin::new().await;

    let unknown = admin.run(&["ticket", "show", "GJ-2026-000999"]);
    let malformed = admin.run(&["ticket", "show", "123"]);

    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("Tiket GJ-2026-000999 tidak ditemukan"), "{}", stderr(&unknown));
    assert!(!malformed.status.success());
    assert!(stderr(&malformed).contains("GJ-2026-000123"), "{}", stderr(&malformed));
}

#[tokio::test]
async fn serve_answers_health_readiness_and_metrics_and_stops_on_sigterm() {
    let admin = Admin::new().await;
    let mut child = admin
        .command(&["serve"])
        .env("SIGAP_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base =
        line.split_whitespace().find(|w| w.starts_with("http://")).unwrap_or_else(|| panic!("no address in {line:?}"));

    let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    let missing = reqwest::get(format!("{base}/nope")).await.unwrap();
    let metrics = reqwest::get(format!("{base}/metrics")).await.unwrap();
    let metrics_status = metrics.status();
    let metrics_text = metrics.text().await.unwrap();
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();

    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");
    assert_eq!(ready.status(), 200);
    assert_eq!(missing.status(), 404);
    assert_eq!(metrics_status, 200);
    for name in ["sigap_tickets_created_total 0", "sigap_outbox_depth 0", "sigap_outbox_oldest_age_seconds 0"] {
        assert!(metrics_text.contains(name), "missing `{name}` in:\n{metrics_text}");
    }
    assert!(killed.success());
    assert!(status.success(), "sigap exited with {status}");
}

#[tokio::test]
async fn serve_refuses_an_unknown_sop_and_exits_non_zero() {
    let admin = Admin::new().await;

    let out =
        admin.command(&["serve"]).env("SIGAP_SOP", "surabaya").env("SIGAP_LISTEN", "127.0.0.1:0").output().unwrap();

    assert!(!out.status.success());
    assert!(stderr(&out).contains("surabaya"), "{}", stderr(&out));
}

/// Tickets come from the chat channels; here the library plays that part on the same database.
#[tokio::test]
async fn report_log_writes_csv_and_xlsx_and_stats_print_the_quarter() {
    let admin = Admin::new().await;
    admin.run(&[
        "opd",
        "import",
        admin.write("o.csv", "code,name,kind\nDINKES,Dinas Kesehatan,opd\n").to_str().unwrap(),
    ]);
    admin.run(&["staff", "add", "--name", "Sari", "--role", "reporter", "--org", "DINKES", "--telegram-id", "5"]);
    let number = report_through_the_library(&admin).await;
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Jakarta).date_naive();
    let (from, to) = (today.to_string(), today.to_string());

    let csv = admin.run(&["report", "log", "--from", &from, "--to", &to]);
    let xlsx_path = admin.dir.path().join("log.xlsx");
    let xlsx = admin.run(&[
        "report",
        "log",
        "--from",
        &from,
        "--to",
        &to,
        "--format",
        "xlsx",
        "--out",
        xlsx_path.to_str().unwrap(),
    ]);
    let quarter = format!("{}Q{}", today.year(), today.month().div_ceil(3));
    let stats = admin.run(&["report", "stats", "--quarter", &quarter]);

    assert!(csv.status.success(), "{}", stderr(&csv));
    let text = stdout(&csv);
    assert!(text.starts_with("Nomor tiket,Diterima,Instansi"), "{text}");
    assert!(text.lines().nth(1).unwrap().starts_with(&format!("{number},")), "{text}");
    assert!(xlsx.status.success(), "{}", stderr(&xlsx));
    assert!(stdout(&xlsx).contains("1 tiket ditulis ke"), "{}", stdout(&xlsx));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx_path).unwrap();
    let range = calamine::Reader::worksheet_range(&mut book, "Log Aduan").unwrap();
    assert_eq!(range.get((1, 0)), Some(&calamine::Data::String(number.clone())));
    assert!(stats.status.success(), "{}", stderr(&stats));
    assert!(stdout(&stats).starts_with(&format!("Statistik {quarter}: 1 tiket")), "{}", stdout(&stats));
    assert!(stdout(&stats).contains("Indeks Kepuasan Masyarakat: belum ada penilaian"), "{}", stdout(&stats));
    let pdf_path = admin.dir.path().join("laporan.pdf");
    let pdf = admin.run(&["report", "ticket", &number, "--out", pdf_path.to_str().unwrap()]);
    assert!(pdf.status.success(), "{}", stderr(&pdf));
    assert!(std::fs::read(&pdf_path).unwrap().starts_with(b"%PDF"));
    assert!(stdout(&pdf).contains(&format!("Dokumen tiket {number} ditulis ke")), "{}", stdout(&pdf));
}

#[tokio::test]
async fn report_commands_refuse_bad_periods_and_say_when_there_is_nothing() {
    let admin = Admin::new().await;
    let cases: [(&[&str], &str); 5] = [
        (&["report", "log", "--from", "2026-13-01", "--to", "2026-12-31"], "--from `2026-13-01`"),
        (&["report", "log", "--from", "2026-11-30", "--to", "2026-11-01"], "before --from"),
        (&["report", "log", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx"], "--out"),
        (&["report", "stats", "--quarter", "2026Q5"], "1-4"),
        (&["report", "stats", "--quarter", "kuartal empat"], "2026Q4"),
    ];
    for (args, expected) in cases {
        let out = admin.run(args);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr(&out).contains(expected), "{args:?}: {}", stderr(&out));
    }
    let unknown = admin.run(&["report", "ticket", "GJ-2026-009999", "--out", "x.pdf"]);
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("Tiket GJ-2026-009999 tidak ditemukan"), "{}", stderr(&unknown));
    let malformed = admin.run(&["report", "ticket", "12345", "--out", "x.pdf"]);
    assert!(!malformed.status.success());
    assert!(stderr(&malformed).contains("12345"), "{}", stderr(&malformed));
    let empty = admin.run(&["report", "stats", "--quarter", "2025Q1"]);
    assert!(empty.status.success(), "{}", stderr(&empty));
    assert_eq!(stdout(&empty).trim(), "Tidak ada tiket yang diterima pada 2025Q1.");
    let no_rows = admin.run(&["report", "log", "--from", "2025-01-01", "--to", "2025-01-31"]);
    assert!(no_rows.status.success());
    assert!(stderr(&no_rows).contains("Tidak ada tiket yang diterima dari 2025-01-01 sampai 2025-01-31"));
    assert_eq!(stdout(&no_rows).lines().count(), 1, "the header row only");
}

async fn report_through_the_library(admin: &Admin) -> String {
    let db = sigap::store::connect(&admin.url).await.unwrap();
    let loaded = sigap::config::load_sop("kudus", &repo().join("config")).unwrap();
    let desk = Helpdesk::new(db.clone(), Arc::new(loaded), Arc::new(SystemClock), admin.dir.path().join("data"));
    let reporter = sigap::store::directory::person_by_identity(&db, Channel::Telegram, "5").await.unwrap().unwrap();
    let created = desk
        .report(NewReport {
            reporter_id: reporter.id,
            channel: Channel::Telegram,
            org_id: None,
            location: Some("Lantai 2".into()),
            category: Category::InternetDown,
            description: "Internet di Dinkes mati sejak pagi".into(),
            srikandi_number: None,
            attachments: Vec::new(),
        })
        .await
        .unwrap();
    db.close().await.unwrap();
    created.number.to_string()
}

#[tokio::test]
async fn outbox_repeated_lists_the_messages_a_killed_sender_may_have_sent_twice() {
    let admin = Admin::new().await;
    assert!(admin.run(&["migrate"]).status.success());
    let none = admin.run(&["outbox", "repeated"]);
    assert!(none.status.success(), "{}", stderr(&none));
    assert_eq!(stdout(&none).trim(), "Tidak ada pesan yang dikirim ulang setelah pengirimnya terhenti.");

    let db = sigap::store::connect(&admin.url).await.unwrap();
    let now = chrono::Utc::now();
    let message = |text: &str| sigap::store::outbox::NewOutbound {
        person_id: None,
        channel: Channel::Telegram,
        address: "7001".into(),
        ticket_id: None,
        kind: sigap::outbound::kind::RECEIVED,
        message: sigap::outbound::OutboundMessage { text: text.into(), ..Default::default() },
    };
    sigap::store::outbox::enqueue(&db, vec![message("satu"), message("dua")], now).await.unwrap();
    // As the delivery worker leaves a row it took over from a sender killed mid-send.
    let taken_over = format!(
        "UPDATE outbox SET status = 'sent', sent_at = created_at, last_error = '{}' WHERE id = (SELECT MIN(id) FROM outbox)",
        sigap::store::outbox::TAKEN_OVER
    );
    use sea_orm::ConnectionTrait;
    db.execute_unprepared(&taken_over).await.unwrap();
    db.close().await.unwrap();

    let listed = admin.run(&["outbox", "repeated"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let lines: Vec<String> = stdout(&listed).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("#1 ") && lines[0].contains("telegram:7001"), "{lines:?}");
    assert!(lines[0].ends_with("mungkin diterima dua kali"), "{lines:?}");
    let english = admin.command(&["outbox", "repeated"]).env("SIGAP_LOCALE", "en").output().unwrap();
    assert!(stdout(&english).trim_end().ends_with("it may have arrived twice"), "{}", stdout(&english));
}

#[tokio::test]
async fn inbox_lists_deliveries_given_up_on_and_puts_one_back_in_line() {
    let admin = Admin::new().await;
    assert!(admin.run(&["migrate"]).status.success());
    let status = admin.run(&["inbox", "status"]);
    assert!(status.status.success(), "{}", stderr(&status));
    assert_eq!(stdout(&status).trim(), "Kiriman webhook menunggu diproses: 0; yang tidak dapat diproses: 0.");

    let db = sigap::store::connect(&admin.url).await.unwrap();
    let inbox = sigap::store::inbox::open(&admin.url, &db).await.unwrap();
    let now = chrono::Utc::now();
    let delivery = |body: &str| sigap::store::inbox::NewDelivery {
        channel: Channel::Whatsapp,
        sender: "+6281234567890".into(),
        body: body.into(),
    };
    sigap::store::inbox::push(&inbox, vec![delivery("{}"), delivery("{\"x\":1}")], now).await.unwrap();
    let first = sigap::store::inbox::due(&inbox, Channel::Whatsapp, now, 1).await.unwrap().remove(0);
    // As the inbox worker leaves a delivery it gave up on.
    sigap::store::inbox::failed(&inbox, first.id, "database is locked", now, true).await.unwrap();
    inbox.close().await.unwrap();
    db.close().await.unwrap();

    let status = admin.run(&["inbox", "status"]);
    assert_eq!(stdout(&status).trim(), "Kiriman webhook menunggu diproses: 1; yang tidak dapat diproses: 1.");
    let listed = admin.run(&["inbox", "parked"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let lines: Vec<String> = stdout(&listed).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with(&format!("#{} ", first.id)), "{lines:?}");
    assert!(lines[0].contains("whatsapp:+6281234567890") && lines[0].ends_with("— database is locked"), "{lines:?}");

    let missing = admin.run(&["inbox", "retry", "999"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("#999"), "{}", stderr(&missing));
    let retried = admin.command(&["inbox", "retry", &first.id.to_string()]).env("SIGAP_LOCALE", "en").output().unwrap();
    assert!(retried.status.success(), "{}", stderr(&retried));
    assert_eq!(stdout(&retried).trim(), format!("Delivery #{} will be applied again.", first.id));
    let status = admin.run(&["inbox", "status"]);
    assert_eq!(stdout(&status).trim(), "Kiriman webhook menunggu diproses: 2; yang tidak dapat diproses: 0.");
}
