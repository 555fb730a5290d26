//! The console against history: for each size (0 and 100,000 tickets, 10 % open) it builds
//! the history through the store (`tests/support/history.rs`, as `history_bench` does), runs
//! one SLA pass (which sets every open ticket's step due time, as the running service does
//! after a change), starts the release binary, signs an official in through a one-time
//! link, and times pages over real HTTP on loopback: the dashboard (plain, filtered, a later
//! page), a ticket, the SOP, and the records page and its charts (a quarter's statistics).
//! Each page's weight is its HTML plus what it loads (the style sheet is inside the HTML;
//! the dashboard's two quarter charts are images).
//!
//! ```sh
//! cargo build --release --bin sigap --example console_bench
//! ./target/release/examples/console_bench [--sizes 0,100000] [--requests 20] \
//!     [--database-url postgres://postgres@127.0.0.1:5432/postgres]
//! ```
//! On PostgreSQL it creates a database of its own per size (`sigap_b18_<size>_<pid>`) and
//! drops it at the end. Figures: BENCHMARKS.md.

#[path = "../tests/support/crowd.rs"]
mod crowd;
#[path = "../tests/support/fake_graph.rs"]
mod fake_graph;
#[path = "../tests/support/fake_telegram.rs"]
mod fake_telegram;
#[path = "../tests/support/history.rs"]
mod history;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use chrono::{Datelike, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use sigap::clock::SystemClock;
use sigap::domain::role::Role;
use sigap::domain::ticket::Channel;
use sigap::service::{Helpdesk, SlaWorker};
use sigap::store::directory::{self, NewPerson};
use sigap::store::{self, tickets};

struct Options {
    sizes: Vec<u32>,
    requests: usize,
    database_url: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut options = Options { sizes: vec![0, 100_000], requests: 20, database_url: None };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| anyhow::anyhow!("{arg} needs a value"));
        match arg.as_str() {
            "--sizes" => options.sizes = value()?.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--requests" => options.requests = value()?.parse()?,
            "--database-url" => options.database_url = Some(value()?),
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let bin = std::env::current_exe()?.parent().and_then(Path::parent).map(|dir| dir.join("sigap"));
    let bin = bin
        .filter(|b| b.exists())
        .ok_or_else(|| anyhow::anyhow!("build the binary first: cargo build --release --bin sigap"))?;
    let backend = if options.database_url.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("sigap console bench — {backend}, binary {}", bin.display());
    for &size in &options.sizes {
        run(&bin, &options, size).await?;
    }
    Ok(())
}

/// A database of this run's own, and how to drop it afterwards (PostgreSQL).
async fn fresh(
    options: &Options,
    dir: &Path,
    size: u32,
) -> anyhow::Result<(String, DatabaseConnection, Option<String>)> {
    let (url, name) = match &options.database_url {
        Some(server) => {
            let name = format!("sigap_b18_{size}_{}", std::process::id());
            let admin = store::connect(server).await?;
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
            let mut url = reqwest::Url::parse(server)?;
            url.set_path(&name);
            (url.to_string(), Some(name))
        }
        None => (format!("sqlite://{}?mode=rwc", dir.join("sigap.db").display()), None),
    };
    let db = store::connect(&url).await?;
    store::migrate(&db).await?;
    Ok((url, db, name))
}

async fn run(bin: &Path, options: &Options, size: u32) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (url, db, own_database) = fresh(options, dir.path(), size).await?;
    crowd::seed(&db, 10_001, 0).await;
    let now = Utc::now();
    let official = NewPerson {
        name: "Kabid Bench".into(),
        org_code: Some("DINKES".into()),
        locale: "id".into(),
        roles: vec![Role::Kabid],
        identities: vec![(Channel::Telegram, "8888".into())],
    };
    let official = directory::add_person(&db, &official, now).await?.id;
    let built = Instant::now();
    history::build(&db, size, now, crowd::HELPDESK).await?;
    if options.database_url.is_some() {
        // What autovacuum does after a bulk change in production (it is off on this machine).
        db.execute_unprepared("ANALYZE").await?;
    }
    let build_s = built.elapsed().as_secs_f64();
    let loaded = sigap::config::load_sop("kudus", Path::new("config")).map_err(|e| anyhow::anyhow!("{e}"))?;
    let desk = Helpdesk::new(db.clone(), Arc::new(loaded), Arc::new(SystemClock), dir.path().to_path_buf());
    let started = Instant::now();
    SlaWorker::new(desk.clone()).run_pass(now).await?;
    let pass_s = started.elapsed().as_secs_f64();
    let open = tickets::list(&db, Some(sigap::domain::ticket::TicketStatus::Open), 1).await?;

    let port = crowd::free_port();
    let service = Service(spawn(bin, &url, dir.path(), port)?);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    crowd::until_ready(&http, port).await;
    let base = format!("http://127.0.0.1:{port}");
    let cookie = sign_in(&http, &base, &desk.sign_in_link(official).await?).await?;

    let local = now.with_timezone(&chrono_tz::Asia::Jakarta);
    let quarter = format!("{}Q{}", local.year(), (local.month() - 1) / 3 + 1);
    let mut pages = vec![
        ("/dasbor".to_owned(), options.requests),
        ("/dasbor?tahap=prioritas&prioritas=normal".to_owned(), options.requests),
        ("/dasbor?halaman=20".to_owned(), options.requests),
        ("/sop".to_owned(), options.requests),
        (format!("/laporan/grafik/sla.svg?kuartal={quarter}"), 3),
        (format!("/laporan?kuartal={quarter}"), 3),
    ];
    if let Some(ticket) = open.first() {
        pages.insert(3, (format!("/tiket/{}", ticket.number), options.requests));
    }
    println!("\n== {size} tickets of history, {} open (built in {build_s:.1} s, SLA pass {pass_s:.1} s) ==", size / 10);
    println!("{:<48} {:>8} {:>8} {:>8} {:>9}", "page", "median", "p90", "max", "bytes");
    for (path, times) in pages {
        let mut ms = Vec::with_capacity(times);
        let mut bytes = 0;
        // One request first, unmeasured: the first use of a connection and of the caches.
        get(&http, &base, &path, &cookie).await?;
        for _ in 0..times {
            let started = Instant::now();
            bytes = get(&http, &base, &path, &cookie).await?;
            ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
        println!("{path:<48} {:>6.1}ms {:>6.1}ms {:>6.1}ms {bytes:>9}", at(0.5), at(0.9), at(1.0));
    }
    drop(service);
    db.close().await?;
    if let (Some(server), Some(name)) = (&options.database_url, own_database) {
        let admin = store::connect(server).await?;
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
    }
    Ok(())
}

fn spawn(bin: &Path, url: &str, data: &Path, port: u16) -> anyhow::Result<Child> {
    Ok(Command::new(bin)
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("DATA_DIR", data)
        .env("SIGAP_CONFIG_DIR", Path::new(env!("CARGO_MANIFEST_DIR")).join("config"))
        .env("SIGAP_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(data.join("serve.log"))?)
        .spawn()?)
}

/// The session cookie of a one-time link's sign-in, as a browser gets it.
async fn sign_in(http: &reqwest::Client, base: &str, secret: &str) -> anyhow::Result<String> {
    let path = format!("{base}/masuk/tautan/{secret}");
    let form = http.get(&path).send().await?;
    let pre = cookies(&form);
    let html = form.text().await?;
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker).ok_or_else(|| anyhow::anyhow!("no sign-in form"))? + marker.len();
    let csrf = html[start..].split('"').next().unwrap_or_default().to_owned();
    let signed = http.post(&path).header("cookie", pre).form(&[("csrf", csrf.as_str())]).send().await?;
    anyhow::ensure!(signed.status().is_redirection(), "sign-in refused: {}", signed.status());
    Ok(cookies(&signed))
}

fn cookies(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect::<Vec<_>>()
        .join("; ")
}

/// GET `path` as the signed-in official: the body's length.
async fn get(http: &reqwest::Client, base: &str, path: &str, cookie: &str) -> anyhow::Result<usize> {
    let response = http.get(format!("{base}{path}")).header("cookie", cookie).send().await?;
    anyhow::ensure!(response.status().is_success(), "{path}: {}", response.status());
    Ok(response.bytes().await?.len())
}

/// The service under measure; stopped with SIGTERM however the run ends.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let _ = self.0.wait();
    }
}
