//! The service as `main` builds it, started for one test: its own database (SQLite, or
//! PostgreSQL with `TEST_DATABASE_URL`) and data directory, HTTP on 127.0.0.1:0, the clock set
//! to Monday 23 November 2026 09:00 WIB, and a clean stop at the end.

#![allow(dead_code)]

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use sigap::clock::ManualClock;
use sigap::domain::role::Role;
use sigap::domain::ticket::Channel;
use sigap::service::Helpdesk;
use sigap::settings::Settings;
use sigap::startup::Application;
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind};
use tempfile::TempDir;

#[path = "../common/db.rs"]
mod db;

pub struct App {
    pub desk: Helpdesk,
    pub addr: SocketAddr,
    pub clock: ManualClock,
    pub database_url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dirs: (TempDir, Option<TempDir>),
}

pub fn monday() -> DateTime<Utc> {
    chrono_tz::Asia::Jakarta.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap().to_utc()
}

/// Build with these settings on top of the test's database, data directory and port; run
/// `seed` (organisations, people) before the server and its workers start.
pub async fn start<F, Fut>(vars: &[(&str, String)], seed: F) -> App
where
    F: FnOnce(Helpdesk) -> Fut,
    Fut: Future<Output = ()>,
{
    let (url, db_dir) = db::fresh_database().await;
    let data = tempfile::tempdir().unwrap();
    let mut all: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", url.clone()),
        ("DATA_DIR", data.path().display().to_string()),
        ("SIGAP_CONFIG_DIR", PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config").display().to_string()),
        ("SIGAP_LISTEN", "127.0.0.1:0".to_owned()),
        // The demo office would add people to every test's directory: a test opts in.
        ("SIGAP_DEMO", "0".to_owned()),
    ]);
    for (name, value) in vars {
        all.insert(name, value.clone());
    }
    let settings = Settings::from_lookup(|name| all.get(name).cloned()).unwrap();
    let clock = ManualClock::new(monday());
    let app = Application::build(&settings, Arc::new(clock.clone())).await.unwrap();
    let desk = app.helpdesk().clone();
    let addr = app.local_addr().unwrap();
    seed(desk.clone()).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    App { desk, addr, clock, database_url: url, stop, server, _dirs: (data, db_dir) }
}

impl App {
    /// The service's DATA_DIR.
    pub fn data_dir(&self) -> &std::path::Path {
        self._dirs.0.path()
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.server.await.unwrap().unwrap();
    }

    /// Stop, keeping the data directory and the SQLite file's directory (if any) for the
    /// test to look through; they go when the returned value is dropped.
    pub async fn stop_keeping_files(self) -> (TempDir, Option<TempDir>) {
        let App { stop, server, _dirs, .. } = self;
        let _ = stop.send(());
        server.await.unwrap().unwrap();
        _dirs
    }
}

/// The Dinas Kesehatan and its people, each with one identity on `channel` (a Telegram
/// chat id, or a WhatsApp number in E.164).
pub async fn seed_dinkes(desk: &Helpdesk, channel: Channel, people: &[(&str, Role, String)]) {
    let db = desk.db();
    let org = NewOrg { code: "DINKES".into(), name: "Dinas Kesehatan".into(), kind: OrgKind::Opd };
    directory::import_orgs(db, &[org], monday()).await.unwrap();
    for (name, role, address) in people {
        let person = NewPerson {
            name: (*name).into(),
            org_code: Some("DINKES".into()),
            locale: "id".into(),
            roles: vec![*role],
            identities: vec![(channel, address.clone())],
        };
        directory::add_person(db, &person, monday()).await.unwrap();
    }
}

/// Wait until `check` holds; the deadline only guards against hanging, it measures nothing.
pub async fn eventually<F: Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "gave up waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
