//! `sigap inbox status|parked|retry`: webhook deliveries stored and not yet applied, the ones
//! given up on and why, and trying one of those again (after the cause was mended).

use clap::Subcommand;
use rust_i18n::t;

use super::output::inert;
use super::{CliError, connect, office_timezone};
use crate::i18n;
use crate::settings::Settings;
use crate::store::inbox;

#[derive(Debug, Subcommand)]
pub enum InboxCommand {
    /// How many webhook deliveries wait to be applied, and how many were given up on
    Status,
    /// Deliveries given up on, oldest first, with the reason
    Parked {
        #[arg(long, default_value_t = 20)]
        limit: u64,
    },
    /// Try a delivery given up on again
    Retry { id: i64 },
}

pub async fn run(cmd: InboxCommand, settings: &Settings) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    let main = connect(settings).await?;
    let db = inbox::open(&settings.database_url(), &main).await.map_err(|e| CliError::new(locale, e))?;
    let tz = office_timezone(settings);
    match cmd {
        InboxCommand::Status => {
            let waiting = inbox::depth(&db).await.map_err(|e| CliError::new(locale, e))?;
            let parked = inbox::parked_count(&db).await.map_err(|e| CliError::new(locale, e))?;
            println!("{}", t!("cli.inbox_status", locale = locale, waiting = waiting, parked = parked));
        }
        InboxCommand::Parked { limit } => {
            let rows = inbox::parked(&db, limit).await.map_err(|e| CliError::new(locale, e))?;
            if rows.is_empty() {
                println!("{}", t!("cli.inbox_none_parked", locale = locale));
            }
            for row in rows {
                println!(
                    "{}",
                    t!(
                        "cli.inbox_parked_row",
                        locale = locale,
                        id = row.id,
                        at = i18n::datetime(locale, row.received_at, tz),
                        channel = row.channel,
                        sender = inert(&row.sender),
                        attempts = row.attempts,
                        reason = inert(row.last_error.as_deref().unwrap_or("-"))
                    )
                );
            }
        }
        InboxCommand::Retry { id } => {
            let now = chrono::Utc::now();
            if !inbox::unpark(&db, id, now).await.map_err(|e| CliError::new(locale, e))? {
                return Err(CliError(t!("cli.inbox_not_parked", locale = locale, id = id).into_owned()));
            }
            println!("{}", t!("cli.inbox_retried", locale = locale, id = id));
        }
    }
    Ok(())
}
