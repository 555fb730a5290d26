//! `sigap`: parse the command line, read settings once, run. Everything else is in the
//! library so that tests start the very same service.

use std::process::ExitCode;

use clap::Parser;
use sigap::affinity::{self, PinCpu, Pinned};
use sigap::cli::{self, Cli, Command};
use sigap::settings::Settings;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    // A missing .env is normal; a malformed one is worth a word.
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("warning: .env: {err}");
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm_migration=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    // Before the runtime exists, so that its threads and sqlx's inherit the CPU.
    let pinned = affinity::pin(settings.pin_cpu, &settings.database_url());
    match (&pinned, settings.pin_cpu) {
        (Pinned::Refused(why), PinCpu::Cpu(_)) => {
            eprintln!("SIGAP_PIN_CPU is not valid: {why}");
            return ExitCode::from(2);
        }
        (Pinned::Refused(why), _) => tracing::warn!(%why, "could not keep the process on one CPU"),
        _ => tracing::debug!(cpus = %pinned, "CPU affinity"),
    }
    let runtime = match pinned.runtime() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli.command.unwrap_or(Command::Serve), &settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}
