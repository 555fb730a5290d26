//! Monitoring alerts through the real binary: the admin imports the organisations, a
//! technician and the network registry with the `sigap` command, then `sigap serve` runs on the
//! fake Bot API with a secret for each of the seven tools, and the samples in
//! `tests/fixtures/alerts/` are posted to `/alerts/{source}` as each tool sends them. A
//! problem opens one ticket per alert identity, at the technician's check, its card naming
//! every affected organisation; the same problem again changes nothing; the recovery tells the
//! technician and closes nothing; a recovery SIGAP never saw the problem of opens nothing.
//! Refused requests (wrong secret, malformed body) store nothing.

#[path = "support/crowd.rs"]
mod crowd;
#[path = "common/db.rs"]
mod db;
#[path = "support/fake_graph.rs"]
mod fake_graph;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use fake_telegram::FakeTelegram;
use reqwest::StatusCode;
use sea_orm::DatabaseConnection;
use sigap::store;
use tempfile::TempDir;

const TOKEN: &str = "718:ALERTS-TEST";
/// The technician's Telegram chat: every incident's first card comes here (Kudus SOP).
const TECHNICIAN: i64 = 7_001;
const SOURCES: [&str; 7] = ["alertmanager", "grafana", "zabbix", "librenms", "uptimekuma", "prtg", "mikrotik"];

fn secret(source: &str) -> String {
    format!("rahasia-{source}-123")
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/alerts").join(name)
}

fn sample(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

/// How a request proves it comes from the tool.
#[derive(Clone, Copy)]
enum Auth<'a> {
    Bearer(&'a str),
    Query(&'a str),
    None,
}

struct Office {
    fake: FakeTelegram,
    port: u16,
    child: Option<Child>,
    http: reqwest::Client,
    db: DatabaseConnection,
    inbox: DatabaseConnection,
    log: PathBuf,
    _dirs: (TempDir, Option<TempDir>),
}

impl Office {
    /// Organisations, one technician and the registry set up with the binary, then served.
    async fn open() -> Office {
        let (url, db_dir) = db::fresh_database().await;
        let data = tempfile::tempdir().unwrap();
        let admin = |args: &[&str]| {
            let out = Command::new(env!("CARGO_BIN_EXE_sigap"))
                .args(args)
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("DATABASE_URL", &url)
                .env("DATA_DIR", data.path())
                .env("RUST_LOG", "warn")
                .output()
                .unwrap();
            assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        admin(&["opd", "import", fixture("opd.csv").to_str().unwrap()]);
        let chat = TECHNICIAN.to_string();
        admin(&["staff", "add", "--name", "Teguh", "--role", "technician", "--org", "KOMINFO", "--telegram-id", &chat]);
        admin(&["network", "import", fixture("network.toml").to_str().unwrap()]);

        let fake = FakeTelegram::start(TOKEN).await;
        let port = crowd::free_port();
        let mut extra: Vec<(&str, String)> = vec![
            ("SIGAP_LISTEN", format!("127.0.0.1:{port}")),
            // Grafana's sample has no instance or host: its rule's name stands for the node.
            ("SIGAP_ALERT_HOST_LABELS", "instance,host,alertname".to_owned()),
        ];
        let names: Vec<String> = SOURCES.iter().map(|s| format!("SIGAP_ALERT_TOKEN_{}", s.to_uppercase())).collect();
        for (name, source) in names.iter().zip(SOURCES) {
            extra.push((name.as_str(), secret(source)));
        }
        let log = data.path().join("sigap.log");
        let child = crowd::serve(Path::new(env!("CARGO_BIN_EXE_sigap")), &url, data.path(), &fake, &log, &extra);
        let http = reqwest::Client::new();
        crowd::until_ready(&http, port).await;
        let db = store::connect(&url).await.unwrap();
        let inbox = store::inbox::open(&url, &db).await.unwrap();
        Office { fake, port, child: Some(child), http, db, inbox, log, _dirs: (data, db_dir) }
    }

    async fn post(&self, source: &str, body: &str, auth: Auth<'_>) -> (StatusCode, String) {
        let mut url = format!("http://127.0.0.1:{}/alerts/{source}", self.port);
        if let Auth::Query(token) = auth {
            url.push_str(&format!("?token={token}"));
        }
        let content_type = if source == "prtg" { "application/x-www-form-urlencoded" } else { "application/json" };
        let mut request = self.http.post(url).header("Content-Type", content_type).body(body.to_owned());
        if let Auth::Bearer(token) = auth {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// Post as the tool is set up to (PRTG with the token in the URL) and expect it taken,
    /// then wait until the inbox worker has applied it.
    async fn deliver(&self, source: &str, file: &str) {
        let token = secret(source);
        let auth = if source == "prtg" { Auth::Query(&token) } else { Auth::Bearer(&token) };
        let (status, text) = self.post(source, &sample(file), auth).await;
        assert_eq!(status, StatusCode::OK, "{file}: {text}");
        self.until("the inbox is applied", async || self.count_inbox("NOT parked").await == 0).await;
        assert_eq!(self.count_inbox("parked").await, 0, "{file} was kept aside: {}", self.log());
    }

    async fn count(&self, sql: &str) -> i64 {
        crowd::count(&self.db, sql).await
    }

    async fn count_inbox(&self, filter: &str) -> i64 {
        crowd::count(&self.inbox, &format!("SELECT COUNT(*) FROM webhook_inbox WHERE {filter}")).await
    }

    /// Everything that records an effect: tickets, events, links and queued messages.
    async fn effects(&self) -> [i64; 4] {
        [
            self.count("SELECT COUNT(*) FROM tickets").await,
            self.count("SELECT COUNT(*) FROM ticket_events").await,
            self.count("SELECT COUNT(*) FROM alert_incidents WHERE recovered_at IS NOT NULL").await,
            self.count("SELECT COUNT(*) FROM outbox").await,
        ]
    }

    fn technician_texts(&self) -> Vec<String> {
        self.fake
            .sent_to(TECHNICIAN)
            .iter()
            // New messages only: a card retired by a fresh one is edited, not sent again.
            .filter(|r| r.method == "sendMessage")
            .filter_map(|r| r.body.get("text").and_then(|t| t.as_str()).map(str::to_owned))
            .collect()
    }

    async fn until<F: AsyncFn() -> bool>(&self, what: &str, check: F) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !check().await {
            assert!(Instant::now() < deadline, "gave up waiting for: {what}\n{}", self.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Office {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            crowd::stop(child);
        }
    }
}

/// One tool's samples: the problem(s), the recovery, and what they should do.
struct Case {
    source: &'static str,
    problem: &'static str,
    recovery: &'static str,
    /// Tickets the problem opens (an Alertmanager request may carry several alerts).
    opened: usize,
    /// Incidents the recovery names.
    recovered: usize,
    /// The organisations the card must name: the node's subtree.
    affected: &'static [&'static str],
}

const EVERYONE: &[&str] = &[
    "Dinas Komunikasi dan Informatika",
    "Dinas Kesehatan",
    "Dinas Pendidikan",
    "Kecamatan Ngaglik",
    "Badan Kepegawaian dan Pengembangan SDM",
];

const CASES: [Case; 8] = [
    Case {
        source: "alertmanager",
        problem: "alertmanager_firing_two-alerts.zulip.json",
        recovery: "alertmanager_resolved.zulip.json",
        opened: 2,
        recovered: 1,
        affected: &["(2): Dinas Kesehatan, Dinas Pendidikan"],
    },
    Case {
        source: "grafana",
        problem: "grafana_firing.zulip.json",
        recovery: "grafana_resolved.zulip.json",
        opened: 1,
        recovered: 1,
        affected: &["(0): -"],
    },
    Case {
        source: "zabbix",
        problem: "zabbix_problem.DERIVED.json",
        recovery: "zabbix_recovery.DERIVED.json",
        opened: 1,
        recovered: 1,
        affected: EVERYONE,
    },
    Case {
        source: "zabbix",
        problem: "zabbix_problem.zulip.json",
        recovery: "zabbix_recovery.zulip.json",
        opened: 1,
        recovered: 1,
        affected: &["(0): -"],
    },
    Case {
        source: "librenms",
        problem: "librenms_alert.DERIVED.json",
        recovery: "librenms_recovery.DERIVED.json",
        opened: 1,
        recovered: 1,
        affected: EVERYONE,
    },
    Case {
        source: "uptimekuma",
        problem: "uptimekuma_down.DERIVED.json",
        recovery: "uptimekuma_up.DERIVED.json",
        opened: 1,
        recovered: 1,
        affected: &["(1): Badan Kepegawaian dan Pengembangan SDM"],
    },
    Case {
        source: "prtg",
        problem: "prtg_down.DERIVED.txt",
        recovery: "prtg_up.DERIVED.txt",
        opened: 1,
        recovered: 1,
        affected: EVERYONE,
    },
    Case {
        source: "mikrotik",
        problem: "mikrotik_netwatch_down.DERIVED.json",
        recovery: "mikrotik_netwatch_up.DERIVED.json",
        opened: 1,
        recovered: 1,
        affected: &["(1): Kecamatan Ngaglik"],
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_tools_samples_open_repeat_and_recover_one_incident_per_alert() {
    let office = Office::open().await;

    for case in &CASES {
        let what = format!("{} ({})", case.source, case.problem);
        let [tickets, _, _, _] = office.effects().await;
        let seen = office.technician_texts().len();

        // The problem opens one ticket per alert, reported by monitoring, at the technician's check.
        office.deliver(case.source, case.problem).await;
        let opened = usize::try_from(office.count("SELECT COUNT(*) FROM tickets").await - tickets).unwrap();
        assert_eq!(opened, case.opened, "{what}");
        let from_monitoring = office
            .count(&format!(
                "SELECT COUNT(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id \
                 WHERE t.id > {tickets} AND e.action = 'alert' AND e.channel = 'monitoring' \
                 AND t.step = 'perbaikan_online' AND t.status = 'open'"
            ))
            .await;
        assert_eq!(from_monitoring, i64::try_from(case.opened).unwrap(), "{what}");
        office
            .until(&format!("{what}: the technician's cards"), async || {
                office.technician_texts().len() >= seen + opened
            })
            .await;
        let cards = office.technician_texts()[seen..].to_vec();
        for card in &cards {
            assert!(card.contains("Gangguan terdeteksi oleh monitoring"), "{what}: {card}");
            for org in case.affected {
                assert!(card.contains(org), "{what}: `{org}` missing from the card:\n{card}");
            }
        }

        // The same problem again (a retry, a repeat interval) changes nothing.
        let before = office.effects().await;
        office.deliver(case.source, case.problem).await;
        assert_eq!(office.effects().await, before, "{what}: a repeated problem changed something");

        // The recovery tells the technician, with the ticket's number; nothing closes.
        office.deliver(case.source, case.recovery).await;
        let wanted = seen + opened + case.recovered;
        office.until(&format!("{what}: the recovery told"), async || office.technician_texts().len() >= wanted).await;
        let told = office.technician_texts()[seen + opened..].to_vec();
        assert_eq!(told.len(), case.recovered, "{what}: {told:?}");
        assert!(told[0].contains("melaporkan gangguan sudah pulih") && told[0].contains("GJ-"), "{what}: {}", told[0]);
        // It comes as the step's card, so the fix is confirmed with one of its buttons.
        let card = office.fake.sent_to(TECHNICIAN).into_iter().rfind(|r| r.method == "sendMessage").unwrap();
        let buttons = card.body["reply_markup"]["inline_keyboard"].to_string();
        assert!(buttons.contains("Selesai"), "{what}: the recovery card has no buttons: {buttons}");
        let still_open =
            office.count(&format!("SELECT COUNT(*) FROM tickets WHERE id > {tickets} AND status = 'open'")).await;
        assert_eq!(still_open, i64::try_from(case.opened).unwrap(), "{what}: a recovery closed a ticket");

        // The recovery again changes nothing either.
        let before = office.effects().await;
        office.deliver(case.source, case.recovery).await;
        assert_eq!(office.effects().await, before, "{what}: a repeated recovery changed something");
    }
    // Every card and every recovery went to the one technician, once.
    let expected: usize = CASES.iter().map(|c| c.opened + c.recovered).sum();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(office.technician_texts().len(), expected);
    assert!(office.fake.violations().is_empty(), "{:?}", office.fake.violations());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recovery_without_its_problem_an_unknown_host_and_a_test_button_open_nothing() {
    let office = Office::open().await;
    let unknown_host = r#"{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"Down","instance":"10.99.0.1:9100"},"fingerprint":"ffff000011112222"}]}"#;

    // Keep's LibreNMS recovery names alert 26, which SIGAP never saw fire.
    office.deliver("librenms", "librenms_recovery.keep.json").await;
    // A recovery that arrives before its problem.
    office.deliver("mikrotik", "mikrotik_netwatch_up.DERIVED.json").await;
    let (status, _) = office.post("alertmanager", unknown_host, Auth::Bearer(&secret("alertmanager"))).await;
    assert_eq!(status, StatusCode::OK);
    office.until("the inbox is applied", async || office.count_inbox("NOT parked").await == 0).await;
    let test_button = r#"{"heartbeat":null,"monitor":null,"msg":"Uptime Kuma Testing"}"#;
    let (status, text) = office.post("uptimekuma", test_button, Auth::Bearer(&secret("uptimekuma"))).await;

    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("tidak ada gangguan yang perlu ditangani"), "{text}");
    assert_eq!(office.effects().await, [0, 0, 0, 0]);
    assert_eq!(office.count("SELECT COUNT(*) FROM alert_incidents").await, 0);
    assert_eq!(office.count_inbox("1 = 1").await, 0, "the test button is not stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_secret_is_refused_with_401_and_nothing_is_stored() {
    let office = Office::open().await;
    let problems = [
        "alertmanager_firing_two-alerts.zulip.json",
        "grafana_firing.zulip.json",
        "zabbix_problem.DERIVED.json",
        "librenms_alert.DERIVED.json",
        "uptimekuma_down.DERIVED.json",
        "prtg_down.DERIVED.txt",
        "mikrotik_netwatch_down.DERIVED.json",
    ];

    for (source, file) in SOURCES.iter().zip(problems) {
        let body = sample(file);
        let other = secret(if *source == "zabbix" { "prtg" } else { "zabbix" });
        let wrong = format!("{}x", secret(source));
        for auth in [Auth::None, Auth::Bearer(&wrong), Auth::Query(&wrong), Auth::Bearer(&other), Auth::Query(&other)] {
            let (status, text) = office.post(source, &body, auth).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{source}: {text}");
            assert!(text.contains(&format!("Token {source} salah atau tidak ada")), "{source}: {text}");
        }
    }
    let (status, _) = office.post("nagios", "{}", Auth::Bearer(&secret("zabbix"))).await;

    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(office.count_inbox("1 = 1").await, 0);
    assert_eq!(office.effects().await, [0, 0, 0, 0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_body_is_refused_with_a_clear_400_and_nothing_is_stored() {
    let office = Office::open().await;
    let cases = [
        ("alertmanager", r#"{"version":"4","alerts":[{"status":"pending","labels":{}}]}"#, "`alerts[].status`"),
        ("grafana", "<html>502 Bad Gateway</html>", "not JSON"),
        ("zabbix", r#"{"event_id":"1843207","event_value":"{EVENT.VALUE}"}"#, "`event_value`"),
        ("librenms", "{\"alert_id\": \"31\", \"state\": \"1\", \"msg\": \"Device down\nline two\"}", "not JSON"),
        ("uptimekuma", r#"{"heartbeat":{"status":0},"monitor":{"name":"SIMPEG"}}"#, "`monitor.id`"),
        ("prtg", "device=Core+Switch&status=Down", "`sensorid`"),
        (
            "mikrotik",
            r#"{"router":"RB-Core","host":"10.20.5.1","comment":"Link "FO" Ngaglik","status":"down"}"#,
            "not JSON",
        ),
    ];

    for (source, body, detail) in cases {
        let token = secret(source);
        let (status, text) = office.post(source, body, Auth::Bearer(&token)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{source}: {text}");
        assert!(
            text.contains(&format!("Isi kiriman {source} tidak dapat dibaca")) && text.contains(detail),
            "{source}: {text}"
        );
    }

    assert_eq!(office.count_inbox("1 = 1").await, 0);
    assert_eq!(office.effects().await, [0, 0, 0, 0]);
}
