//! Load and fault harness for the release binary: loopback fakes of the Bot API and of the
//! Graph API, and the real `sigap serve` between them. It prints
//! - complaints per second end to end: a crowd of registered reporters on Telegram each
//!   files a report (message, Lewati, Kirim), until every ticket is committed and every
//!   reporter's acknowledgement and the helpdesk's card were accepted by the fake;
//! - the same burst with faults injected (20 % HTTP 500, 5 % 429 with retry_after, 2 %
//!   dropped connections): messages delivered, lost, duplicated;
//! - WhatsApp webhook acknowledgement latency, p50/p99/max, at a fixed rate of signed
//!   deliveries (each a newcomer's first message), measured open-loop from each request's
//!   scheduled time, so a stall is not hidden by waiting for it; and how long after the
//!   last answer the last of their turns was applied (the webhook answers once a delivery
//!   is stored; the inbox worker applies it after);
//! - the service's resident memory: idle after start, and the peak (VmHWM).
//!
//! ```sh
//! cargo build --release --bin sigap --example load_harness
//! ./target/release/examples/load_harness [--reports 1000] [--rate 500] [--seconds 10] \
//!     [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--only burst|faults|webhook]
//! ```
//!
//! With --database-url each part runs on a new database created on that server (left
//! there for inspection: `sigap_load_<pid>_<n>`).
//!
//! Pacing per chat is lifted (the one helpdesk chat gets a card per ticket); everything
//! else is as in production. Figures: BENCHMARKS.md.

#[path = "../tests/support/crowd.rs"]
mod crowd;
#[path = "../tests/support/fake_graph.rs"]
mod fake_graph;
#[path = "../tests/support/fake_telegram.rs"]
mod fake_telegram;

use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use crowd::{Crowd, Tally, count};
use fake_graph::FakeGraph;
use fake_telegram::{FakeTelegram, Faults};
use sea_orm::DatabaseConnection;
use sigap::store::{self, outbox};

const TOKEN: &str = "900:LOAD-HARNESS";

struct Options {
    reports: i64,
    rate: u64,
    seconds: u64,
    database_url: Option<String>,
    /// `burst`, `faults` or `webhook`: run that part alone.
    only: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut options = Options { reports: 1000, rate: 500, seconds: 10, database_url: None, only: None };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| anyhow::anyhow!("{arg} needs a value"));
        match arg.as_str() {
            "--reports" => options.reports = value()?.parse()?,
            "--rate" => options.rate = value()?.parse()?,
            "--seconds" => options.seconds = value()?.parse()?,
            "--database-url" => options.database_url = Some(value()?),
            "--only" => options.only = Some(value()?),
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let bin = std::env::current_exe()?.parent().and_then(Path::parent).map(|dir| dir.join("sigap"));
    let bin = bin
        .filter(|b| b.exists())
        .ok_or_else(|| anyhow::anyhow!("build the binary first: cargo build --release --bin sigap"))?;
    let backend = if options.database_url.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("sigap load harness — {backend}, binary {}", bin.display());

    let part = |name: &str| options.only.as_deref().is_none_or(|only| only == name);
    if part("burst") {
        let clean = burst(&bin, &options, options.reports, None).await?;
        println!(
            "burst: {} complaints in {:.2} s = {:.0} complaints/s end to end ({} messages); RSS idle {} KiB, peak {} KiB",
            options.reports,
            clean.seconds,
            options.reports as f64 / clean.seconds,
            clean.delivered,
            clean.idle_kib,
            clean.peak_kib
        );
    }
    if part("faults") {
        let faults =
            Faults { seed: 0xFA17, server_errors: 0.20, too_many_requests: 0.05, retry_after: 1, dropped: 0.02 };
        let faulty_reports = (options.reports / 3).max(1);
        let faulty = burst(&bin, &options, faulty_reports, Some(faults)).await?;
        println!(
            "faults (20% 500, 5% 429 retry_after=1, 2% dropped): {} complaints in {:.2} s; {} messages delivered, {} lost, {} duplicated; {} calls refused",
            faulty_reports, faulty.seconds, faulty.delivered, faulty.lost, faulty.duplicated, faulty.refused
        );
    }
    if part("webhook") {
        webhook(&bin, &options).await?;
    }
    Ok(())
}

struct BurstResult {
    seconds: f64,
    delivered: usize,
    lost: usize,
    duplicated: usize,
    refused: usize,
    idle_kib: u64,
    peak_kib: u64,
}

/// An empty database for one part: a SQLite file in `dir`, or a new database on the
/// PostgreSQL server `--database-url` names.
async fn fresh(options: &Options, dir: &Path) -> anyhow::Result<(String, DatabaseConnection)> {
    let url = match &options.database_url {
        Some(server) => {
            use sea_orm::ConnectionTrait;
            static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let name =
                format!("sigap_load_{}_{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
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

async fn burst(bin: &Path, options: &Options, reports: i64, faults: Option<Faults>) -> anyhow::Result<BurstResult> {
    let dir = tempfile::tempdir()?;
    let (url, db) = fresh(options, dir.path()).await?;
    let reporters = crowd::chats(&crowd::seed(&db, 10_001, reports).await);
    let fake = FakeTelegram::start(TOKEN).await;
    if let Some(faults) = faults {
        fake.inject_faults(faults);
    }
    let settings = [("SIGAP_OUTBOX_RETRY_BASE_MS", "200".to_owned())];
    let child = Service(crowd::serve(bin, &url, dir.path(), &fake, &dir.path().join("serve.log"), &settings));
    // Idle: started, migrated, polling, nothing to do.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_kib = memory(&child, "VmRSS");
    let mut crowd = Crowd::new(&reporters);
    let started = Instant::now();
    crowd.write(&fake);
    let deadline = started + Duration::from_secs(1800);
    loop {
        crowd.answer(&fake);
        let waiting = outbox::backlog(&db).await?.0;
        let done = crowd.all_sent() && count(&db, "SELECT COUNT(*) FROM tickets").await == reports && waiting == 0;
        if done {
            break;
        }
        if Instant::now() > deadline {
            anyhow::bail!("gave up after {:?}", deadline - started);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let peak_kib = memory(&child, "VmHWM");
    drop(child);
    let tally = Tally::of(&fake);
    let refused = fake.requests().iter().filter(|r| r.status != 200).count();
    Ok(BurstResult {
        seconds,
        delivered: tally.delivered,
        lost: tally.lost(&reporters, reports as usize),
        duplicated: tally.duplicates(),
        refused,
        idle_kib,
        peak_kib,
    })
}

/// Signed WhatsApp deliveries at a fixed rate, each a newcomer's first message.
async fn webhook(bin: &Path, options: &Options) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (url, db) = fresh(options, dir.path()).await?;
    let graph = FakeGraph::start(crowd::WA_TOKEN, fake_graph::webhook::PHONE_NUMBER_ID).await;
    let port = crowd::free_port();
    let api = graph.api_url();
    let log = dir.path().join("serve.log");
    let child = Service(crowd::serve_whatsapp(
        bin,
        &url,
        dir.path(),
        (&api, fake_graph::webhook::PHONE_NUMBER_ID),
        port,
        &log,
        &[],
    ));
    let http = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    crowd::until_ready(&http, port).await;
    let total = options.rate * options.seconds;
    let interval = Duration::from_secs_f64(1.0 / options.rate as f64);
    let start = tokio::time::Instant::now() + Duration::from_millis(100);
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..total {
        let scheduled = start + interval * i as u32;
        let from = format!("62813{:08}", 10_000_000 + i);
        let request = crowd::whatsapp_text(
            &http,
            port,
            &from,
            &format!("wamid.LOAD{i:012}"),
            "Internet di kantor desa mati sejak pagi",
        );
        requests.spawn(async move {
            tokio::time::sleep_until(scheduled).await;
            let answer = request.send().await;
            let ok = answer.is_ok_and(|r| r.status().is_success());
            (scheduled.elapsed(), ok)
        });
    }
    let mut latencies = Vec::with_capacity(total as usize);
    let mut failed = 0;
    while let Some(joined) = requests.join_next().await {
        let (latency, ok) = joined?;
        latencies.push(latency);
        failed += usize::from(!ok);
    }
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    // The answer comes once a delivery is stored; the turns are applied behind it. Wait for
    // them, so the figure shows how far behind the application runs.
    let acked = start.elapsed();
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut conversations = count(&db, "SELECT COUNT(*) FROM conversations").await;
    while conversations < total as i64 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        conversations = count(&db, "SELECT COUNT(*) FROM conversations").await;
    }
    let applied = start.elapsed();
    let peak_kib = memory(&child, "VmHWM");
    drop(child);
    println!(
        "webhook: {total} deliveries at {} req/s: ack p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {failed} not 200; {conversations} conversations opened, the last {:.2} s after the last ack ({:.0} turns/s overall); RSS peak {peak_kib} KiB",
        options.rate,
        ms(at(0.50)),
        ms(at(0.99)),
        ms(at(1.0)),
        applied.saturating_sub(acked).as_secs_f64(),
        conversations as f64 / applied.as_secs_f64(),
    );
    Ok(())
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

/// The service under load; stopped with SIGTERM however the part ends, so no run leaves a
/// process behind.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let _ = self.0.wait();
    }
}
