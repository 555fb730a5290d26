//! Cost against history: does an office's year of tickets, events and sent messages make
//! the service slower? For each history size (0 and 100,000 tickets; 1,000,000 with
//! `--million`) it builds the history through the service's own store functions and
//! entities (10 % of the tickets open, each with its events and 15 sent outbox rows), then
//! prints, for the release binary on a loopback fake of the Bot API:
//! - complaints/s end to end for a burst of reports, and CPU ms per complaint;
//! - the idle CPU share over `--idle` seconds (60) after the burst, and the peak RSS;
//! - one SLA pass's time with every open ticket due (as after the upgrade's migration) and
//!   a steady pass after it; the first retention run's (done before the service starts);
//! - the time and peak RSS of `ticket list --status open`, `report log` for a year (XLSX)
//!   and `report stats` for a quarter.
//!
//! ```sh
//! cargo build --release --bin sigap --example history_bench
//! ./target/release/examples/history_bench [--sizes 0,100000] [--million] [--reports 200] \
//!     [--idle 60] [--database-url postgres://postgres@127.0.0.1:5432/postgres]
//! ```
//! Figures: BENCHMARKS.md.

#[path = "../tests/support/crowd.rs"]
mod crowd;
#[path = "../tests/support/fake_graph.rs"]
mod fake_graph;
#[path = "../tests/support/fake_telegram.rs"]
mod fake_telegram;
#[path = "../tests/support/history.rs"]
mod history;

use std::path::Path;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use sigap::clock::SystemClock;
use sigap::service::{Helpdesk, Retention, SlaWorker};
use sigap::store;

use crowd::{Crowd, count};
use fake_telegram::FakeTelegram;

const TOKEN: &str = "900:HISTORY-BENCH";

struct Options {
    sizes: Vec<u32>,
    reports: i64,
    idle: u64,
    database_url: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut options = Options { sizes: vec![0, 100_000], reports: 200, idle: 60, database_url: None };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| anyhow::anyhow!("{arg} needs a value"));
        match arg.as_str() {
            "--sizes" => options.sizes = value()?.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--million" => options.sizes.push(1_000_000),
            "--reports" => options.reports = value()?.parse()?,
            "--idle" => options.idle = value()?.parse()?,
            "--database-url" => options.database_url = Some(value()?),
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let bin = std::env::current_exe()?.parent().and_then(Path::parent).map(|dir| dir.join("sigap"));
    let bin = bin
        .filter(|b| b.exists())
        .ok_or_else(|| anyhow::anyhow!("build the binary first: cargo build --release --bin sigap"))?;
    let backend = if options.database_url.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("sigap history bench — {backend}, binary {}", bin.display());
    for &size in &options.sizes {
        run(&bin, &options, size).await?;
    }
    Ok(())
}

async fn run(bin: &Path, options: &Options, size: u32) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (url, db) = fresh(options, dir.path(), size).await?;
    let reporters = crowd::chats(&crowd::seed(&db, 10_001, options.reports).await);
    let now = Utc::now();
    let built = Instant::now();
    history::build(&db, size, now, crowd::HELPDESK).await?;
    if options.database_url.is_some() {
        // What autovacuum does after a bulk change in production (it is off on this machine):
        // without statistics the planner guesses, and a bulk-loaded history is all new rows.
        db.execute_unprepared("ANALYZE").await?;
    }
    let build_s = built.elapsed().as_secs_f64();

    // One SLA pass with every open ticket due, as right after the migration; then a steady one.
    let loaded = sigap::config::load_sop("kudus", Path::new("config")).map_err(|e| anyhow::anyhow!("{e}"))?;
    let desk = Helpdesk::new(db.clone(), Arc::new(loaded), Arc::new(SystemClock), dir.path().to_path_buf());
    let worker = SlaWorker::new(desk.clone());
    let started = Instant::now();
    let first = worker.run_pass(now).await?;
    let first_ms = started.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    worker.run_pass(now + chrono::Duration::seconds(30)).await?;
    let steady_ms = started.elapsed().as_secs_f64() * 1000.0;

    // The first retention run after the upgrade deletes a year of sent messages; it runs
    // here, before the service starts, so the figures below are the office's steady state.
    let started = Instant::now();
    let pruned = Retention::new(desk, 14).run_once(now).await?;
    let retention_s = started.elapsed().as_secs_f64();

    let year = now.year();
    let xlsx = dir.path().join("log.xlsx");
    let quarter = format!("{year}Q{}", (now.month() - 1) / 3 + 1);
    let (from, to) = (format!("{}-01-01", year - 1), format!("{year}-12-31"));
    let owned = |args: &[&str]| args.iter().map(|a| (*a).to_owned()).collect::<Vec<String>>();
    let cli = [
        ("ticket list --status open", owned(&["ticket", "list", "--status", "open"])),
        (
            "report log (the year of history, XLSX)",
            owned(&[
                "report",
                "log",
                "--from",
                &from,
                "--to",
                &to,
                "--format",
                "xlsx",
                "--out",
                &xlsx.to_string_lossy(),
            ]),
        ),
        ("report stats (quarter)", owned(&["report", "stats", "--quarter", &quarter])),
    ];
    let mut timings = Vec::new();
    for (name, args) in &cli {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        timings.push((name, timed(bin, &url, dir.path(), &args)?));
    }

    let fake = FakeTelegram::start(TOKEN).await;
    let child = Service(crowd::serve(bin, &url, dir.path(), &fake, &dir.path().join("serve.log"), &[]));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut crowd = Crowd::new(&reporters);
    let before = cpu_ms(&child);
    let started = Instant::now();
    crowd.write(&fake);
    let expected = count(&db, "SELECT COUNT(*) FROM tickets").await + options.reports;
    loop {
        crowd.answer(&fake);
        let waiting = store::outbox::backlog(&db).await?.0;
        if crowd.all_sent() && count(&db, "SELECT COUNT(*) FROM tickets").await == expected && waiting == 0 {
            break;
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(1800), "the burst did not finish");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let burst_cpu = cpu_ms(&child) - before;
    let idle_from = cpu_ms(&child);
    tokio::time::sleep(Duration::from_secs(options.idle)).await;
    let idle_share = (cpu_ms(&child) - idle_from) / (options.idle as f64 * 1000.0) * 100.0;
    let peak = memory(&child, "VmHWM");
    drop(child);

    println!("\n== {size} tickets of history (built in {build_s:.1} s) ==");
    println!(
        "burst: {} complaints in {seconds:.2} s = {:.1} complaints/s; CPU {:.1} ms per complaint",
        options.reports,
        options.reports as f64 / seconds,
        burst_cpu / options.reports as f64
    );
    println!("idle CPU over {} s: {idle_share:.2} % of a core; peak RSS {} KiB", options.idle, peak);
    println!(
        "SLA pass, all {} open tickets due: {first_ms:.0} ms ({} reminders, {} escalations, {} held); steady pass: {steady_ms:.1} ms",
        size / 10,
        first.reminders,
        first.escalations,
        first.skipped_outside_hours
    );
    println!(
        "first retention run (keep 14 days): {} messages and {} update ids deleted in {retention_s:.1} s",
        pruned.outbox, pruned.inbound
    );
    for (name, (secs, kib)) in timings {
        println!("{name}: {secs:.2} s, peak RSS {kib} KiB");
    }
    Ok(())
}

/// An empty database: a SQLite file in `dir`, or a new database on `--database-url`'s server.
async fn fresh(options: &Options, dir: &Path, size: u32) -> anyhow::Result<(String, DatabaseConnection)> {
    let url = match &options.database_url {
        Some(server) => {
            let name = format!("sigap_history_{}_{size}", std::process::id());
            let admin = store::connect(server).await?;
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
            let mut url = reqwest::Url::parse(server)?;
            url.set_path(&name);
            url.to_string()
        }
        None => format!("sqlite://{}?mode=rwc", dir.join("sigap.db").display()),
    };
    let db = store::connect(&url).await?;
    store::migrate(&db).await?;
    Ok((url, db))
}

/// Run the CLI with `args` on the database; its wall time in seconds and peak RSS in KiB.
fn timed(bin: &Path, url: &str, data: &Path, args: &[&str]) -> anyhow::Result<(f64, u64)> {
    let started = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("maxrss=%M")
        .arg(bin)
        .args(args)
        .env("DATABASE_URL", url)
        .env("DATA_DIR", data)
        .env("SIGAP_CONFIG_DIR", Path::new(env!("CARGO_MANIFEST_DIR")).join("config"))
        .env("RUST_LOG", "warn")
        .output()?;
    let secs = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    anyhow::ensure!(out.status.success(), "sigap {} failed: {stderr}", args.join(" "));
    let kib = stderr.lines().filter_map(|l| l.strip_prefix("maxrss=")).find_map(|k| k.trim().parse().ok());
    Ok((secs, kib.unwrap_or(0)))
}

/// CPU time (user + system) the process used so far, in ms (Linux).
fn cpu_ms(child: &Service) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.0.id())).unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // SAFETY: sysconf only reads a constant of the system.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (ticks(11) + ticks(12)) / per_second * 1000.0
}

/// A line of /proc/<pid>/status, in KiB (Linux).
fn memory(child: &Service, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{}/status", child.0.id()))
        .ok()
        .and_then(|status| {
            status.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The service under measure; stopped with SIGTERM however the run ends.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let _ = self.0.wait();
    }
}
