//! The `sigap` command: serve, migrate, and the admin's tools for staff, organisations,
//! SOP files and tickets. Every command's output and error text comes from `locales/`;
//! a failing command exits non-zero and writes nothing half-done.

mod data;
mod demo;
mod inbox;
mod network;
mod opd;
mod outbox;
pub mod output;
mod report;
mod sop;
mod staff;
mod staff_import;
mod ticket;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use rust_i18n::t;

use crate::settings::Settings;

#[derive(Debug, Parser)]
#[command(name = "sigap", version, about = "SIGAP: helpdesk gangguan jaringan untuk Dinas Kominfo")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (the default): HTTP server, channels, workers
    Serve,
    /// Apply database migrations and exit
    Migrate,
    /// Manage officials and technicians
    #[command(subcommand)]
    Staff(staff::StaffCommand),
    /// Organisations (OPD and villages)
    #[command(subcommand)]
    Opd(OpdCommand),
    /// Check an SOP file
    #[command(subcommand)]
    Sop(SopCommand),
    /// Look at tickets
    #[command(subcommand)]
    Ticket(ticket::TicketCommand),
    /// Messages waiting to be sent, and those that could not be delivered
    #[command(subcommand)]
    Outbox(outbox::OutboxCommand),
    /// Webhook deliveries stored and not yet applied, and those given up on
    #[command(subcommand)]
    Inbox(inbox::InboxCommand),
    /// The network registry: which node serves which organisations, and the names monitoring knows it by
    #[command(subcommand)]
    Network(network::NetworkCommand),
    /// The SOP's records: the complaint log (CSV/XLSX) and the evaluation's statistics
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Personal data (UU 27/2022): requests, erasure, retention, the file sweep
    #[command(subcommand)]
    Data(data::DataCommand),
    /// Who took personal data out (logs, papers, /dataku files) or erased it, and when
    Audit {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
    },
    /// Seed the demo office of "Coba SIGAP", the chat simulator at /coba (SIGAP_DEMO)
    Demo,
}

#[derive(Debug, Subcommand)]
pub enum OpdCommand {
    /// Import a CSV with columns code,name,kind (kind: opd or desa) and a header row
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum SopCommand {
    /// Validate an SOP file (or the configured SIGAP_SOP) and print its steps
    Check { file: Option<String> },
}

/// A command's failure, already phrased for the admin.
#[derive(Debug)]
pub struct CliError(pub String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Errors echo what they refuse: a file's line, a name given on the command line.
        f.write_str(&output::inert_lines(&self.0))
    }
}

impl std::error::Error for CliError {}

impl CliError {
    pub fn new(locale: &str, detail: impl std::fmt::Display) -> Self {
        CliError(t!("cli.error", locale = locale, error = detail.to_string()).into_owned())
    }
}

/// Run one command.
pub async fn run(command: Command, settings: &Settings) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    match command {
        Command::Serve => {
            crate::startup::serve(settings.clone()).await.map_err(|e| CliError::new(locale, format!("{e:#}")))
        }
        Command::Migrate => {
            let db = connect(settings).await?;
            crate::store::inbox::open(&settings.database_url(), &db).await.map_err(|e| CliError::new(locale, e))?;
            println!("{}", t!("cli.migrated", locale = locale));
            Ok(())
        }
        Command::Staff(cmd) => staff::run(cmd, settings).await,
        Command::Opd(OpdCommand::Import { file }) => opd::import(&file, settings).await,
        Command::Sop(SopCommand::Check { file }) => sop::check(file.as_deref(), settings),
        Command::Ticket(cmd) => ticket::run(cmd, settings).await,
        Command::Report(cmd) => report::run(cmd, settings).await,
        Command::Outbox(cmd) => outbox::run(cmd, settings).await,
        Command::Inbox(cmd) => inbox::run(cmd, settings).await,
        Command::Network(cmd) => network::run(cmd, settings).await,
        Command::Data(cmd) => data::run(cmd, settings).await,
        Command::Audit { from, to } => data::audit(from, to, settings).await,
        Command::Demo => demo::seed(settings).await,
    }
}

/// The office's time zone, for printing times; Jakarta when the SOP cannot be loaded (a
/// listing should not fail on the SOP file).
pub(crate) fn office_timezone(settings: &Settings) -> chrono_tz::Tz {
    crate::config::load_sop(&settings.sop, &settings.config_dir)
        .map(|l| l.calendar.timezone())
        .unwrap_or(chrono_tz::Asia::Jakarta)
}

/// Connect and migrate: every command may be the first one run on a fresh install.
pub(crate) async fn connect(settings: &Settings) -> Result<sea_orm::DatabaseConnection, CliError> {
    let locale = settings.locale.as_str();
    let db = crate::store::connect(&settings.database_url()).await.map_err(|e| CliError::new(locale, e))?;
    crate::store::migrate(&db).await.map_err(|e| CliError::new(locale, e))?;
    Ok(db)
}
