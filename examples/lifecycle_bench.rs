//! Full ticket lifecycles per second: create + 6 transitions (Kudus remote branch:
//! forward, set_priority, fix_remote, resolve, confirm, approve), each one transaction with
//! its event and outbox rows, through the same `Helpdesk` the channels use.
//!
//! cargo run --release --example lifecycle_bench -- [--lifecycles N] [--concurrency C] [--database-url URL]
//!
//! Without --database-url: a fresh SQLite file in a temporary directory. A PostgreSQL URL
//! should point at an empty database, e.g.
//!
//!   createdb -h 127.0.0.1 -U postgres sigap_bench_1
//!   cargo run --release --example lifecycle_bench -- --lifecycles 400 \
//!       --database-url postgres://postgres@127.0.0.1:5432/sigap_bench_1
//!
//! `--pin-cpu auto|off|N` as `SIGAP_PIN_CPU` (default auto: one CPU on SQLite).
//! `--trace` first runs one lifecycle printing each statement and its time.
//!
//! Besides the rates it prints how many statements (round trips, not counting BEGIN and
//! COMMIT) one lifecycle took, counted with sea-orm's metric callback. Figures: BENCHMARKS.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::TimeZone;
use sigap::affinity::PinCpu;
use sigap::clock::ManualClock;
use sigap::domain::role::Role;
use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::{Category, Channel, Priority};
use sigap::domain::workflow::Command;
use sigap::service::{ActRequest, Helpdesk, NewReport, TicketRef};
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind};

fn main() -> anyhow::Result<()> {
    let mut lifecycles = 2000usize;
    let mut concurrency = 8usize;
    let mut url = None;
    let mut trace = false;
    let mut pin_cpu = PinCpu::Auto;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lifecycles" => lifecycles = args.next().unwrap_or_default().parse()?,
            "--concurrency" => concurrency = args.next().unwrap_or_default().parse()?,
            "--database-url" => url = args.next(),
            "--trace" => trace = true,
            "--pin-cpu" => pin_cpu = args.next().unwrap_or_default().parse().map_err(anyhow::Error::msg)?,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let dir = tempfile::tempdir()?;
    let url = url.unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display()));
    // As `sigap` does (src/main.rs): on SQLite the process keeps to one CPU by default.
    let pinned = sigap::affinity::pin(pin_cpu, &url);
    pinned.runtime()?.block_on(run(lifecycles, concurrency, url, dir.path(), trace, pinned))
}

async fn run(
    lifecycles: usize,
    concurrency: usize,
    url: String,
    dir: &std::path::Path,
    trace: bool,
    pinned: sigap::affinity::Pinned,
) -> anyhow::Result<()> {
    let backend = if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
    let mut db = sigap::store::connect(&url).await?;
    sigap::store::migrate(&db).await?;
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&statements);
    db.set_metric_callback(move |info| {
        counter.fetch_add(1, Ordering::Relaxed);
        if TRACE.load(Ordering::Relaxed) {
            let sql = info.statement.sql.split_whitespace().collect::<Vec<_>>().join(" ");
            println!("  {:>6.0} µs  {}", info.elapsed.as_secs_f64() * 1e6, sql.chars().take(150).collect::<String>());
        }
    });

    let monday_9_wib = chrono_tz::Asia::Jakarta.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap().to_utc();
    let clock = ManualClock::new(monday_9_wib);
    let loaded = sigap::config::load_sop("kudus", std::path::Path::new("config"))?;
    let desk = Helpdesk::new(db.clone(), Arc::new(loaded), Arc::new(clock), dir.to_path_buf());

    let now = monday_9_wib;
    directory::import_orgs(
        &db,
        &[NewOrg { code: "DINKES".into(), name: "Dinas Kesehatan".into(), kind: OrgKind::Opd }],
        now,
    )
    .await?;
    let mut next_tg = 1000;
    let mut person = |name: &str, roles: Vec<Role>| {
        next_tg += 1;
        NewPerson {
            name: name.into(),
            org_code: Some("DINKES".into()),
            locale: "id".into(),
            roles,
            identities: vec![(Channel::Telegram, next_tg.to_string())],
        }
    };
    let specs = [
        person("Helpdesk", vec![Role::Helpdesk]),
        person("Kasi", vec![Role::Kasi]),
        person("Kabid", vec![Role::Kabid]),
        person("Teknisi", vec![Role::Technician]),
    ];
    let mut ids = Vec::new();
    for spec in &specs {
        ids.push(directory::add_person(&db, spec, now).await?.id);
    }
    let reporters = {
        let mut out = Vec::new();
        for i in 0..concurrency {
            out.push(directory::add_person(&db, &person(&format!("Pelapor {i}"), vec![Role::Reporter]), now).await?.id);
        }
        out
    };
    let [helpdesk, kasi, kabid, tech] = [ids[0], ids[1], ids[2], ids[3]];

    if trace {
        // One lifecycle with every statement printed, before the timed run.
        TRACE.store(true, Ordering::Relaxed);
        lifecycle(&desk, reporters[0], helpdesk, kasi, kabid, tech).await?;
        TRACE.store(false, Ordering::Relaxed);
        SPENT.lock().unwrap().clear();
    }
    let started = Instant::now();
    let statements_before = statements.load(Ordering::Relaxed);
    let per_worker = lifecycles / concurrency;
    let mut tasks = Vec::new();
    for reporter in reporters {
        let desk = desk.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_worker {
                lifecycle(&desk, reporter, helpdesk, kasi, kabid, tech).await?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let done = per_worker * concurrency;
    let per_lifecycle = (statements.load(Ordering::Relaxed) - statements_before) as f64 / done as f64;
    println!("backend:            {backend}, running on {pinned}");
    println!("lifecycles:         {done} (create + 6 transitions), concurrency {concurrency}");
    println!("elapsed:            {elapsed:.2} s");
    println!("lifecycles/s:       {:.0}", done as f64 / elapsed);
    println!("transactions/s:     {:.0}", (done * 7) as f64 / elapsed);
    println!("statements/lifecycle: {per_lifecycle:.1} (+ BEGIN/COMMIT per transaction)");
    let spent = SPENT.lock().unwrap();
    let mut steps: Vec<_> = spent.iter().collect();
    steps.sort_by(|a, b| b.1.cmp(a.1));
    let line: Vec<String> = steps
        .iter()
        .map(|(name, total)| format!("{name} {:.2} ms", total.as_secs_f64() * 1000.0 / done as f64))
        .collect();
    println!("time per step:      {}", line.join(", "));
    Ok(())
}

/// Print every statement (`--trace`).
static TRACE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Wall time per step kind, summed over all lifecycles (with concurrency it includes waits).
static SPENT: std::sync::Mutex<std::collections::BTreeMap<String, std::time::Duration>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

fn spent_on(name: &str, took: std::time::Duration) {
    if TRACE.load(Ordering::Relaxed) {
        println!("{name}: {:.0} µs", took.as_secs_f64() * 1e6);
    }
    *SPENT.lock().unwrap().entry(name.to_owned()).or_default() += took;
}

fn spent(kind: ActionKind, took: std::time::Duration) {
    spent_on(&format!("{kind:?}").to_lowercase(), took);
}

async fn lifecycle(
    desk: &Helpdesk,
    reporter: i64,
    helpdesk: i64,
    kasi: i64,
    kabid: i64,
    tech: i64,
) -> anyhow::Result<()> {
    let began = Instant::now();
    let created = desk
        .report(NewReport {
            reporter_id: reporter,
            channel: Channel::Telegram,
            org_id: None,
            location: Some("Gedung A lantai 2".into()),
            category: Category::InternetDown,
            description: "Internet di Dinkes mati sejak pagi".into(),
            srikandi_number: None,
            attachments: Vec::new(),
        })
        .await?;
    spent_on("report", began.elapsed());
    let mut version = created.version;
    let steps: [(i64, Command); 6] = [
        (helpdesk, Command::new(ActionKind::Forward, 0)),
        (kasi, Command { priority: Some(Priority::High), ..Command::new(ActionKind::SetPriority, 0) }),
        (kasi, Command::new(ActionKind::FixRemote, 0)),
        (tech, Command::new(ActionKind::Resolve, 0).note("Router direstart, koneksi normal")),
        (reporter, Command::new(ActionKind::Confirm, 0)),
        (kabid, Command::new(ActionKind::Approve, 0)),
    ];
    for (actor, mut command) in steps {
        let kind = command.kind;
        let began = Instant::now();
        command.expected_version = version;
        let acted = desk
            .act(ActRequest {
                ticket: TicketRef::Id(created.ticket_id),
                actor_id: actor,
                channel: Channel::Telegram,
                command,
                assignee_ids: Vec::new(),
                attachments: Vec::new(),
            })
            .await?;
        version = acted.version;
        spent(kind, began.elapsed());
    }
    Ok(())
}
