//! `sigap outbox status|failed|repeated`: what waits to be sent, what could not be delivered
//! and why (a reporter who blocked the bot, a wrong chat id), and what may have arrived
//! twice because its sender was killed mid-send.

use chrono::Utc;
use clap::Subcommand;
use rust_i18n::t;

use super::output::inert;
use super::{CliError, connect, office_timezone};
use crate::i18n;
use crate::settings::Settings;
use crate::store::outbox;

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// How many messages wait, and the age of the oldest
    Status,
    /// Messages given up on, newest first, with the reason
    Failed {
        #[arg(long, default_value_t = 20)]
        limit: u64,
    },
    /// Messages sent again after their sender was killed mid-send, newest first: the
    /// person may have received them twice
    Repeated {
        #[arg(long, default_value_t = 20)]
        limit: u64,
    },
}

pub async fn run(cmd: OutboxCommand, settings: &Settings) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    let db = connect(settings).await?;
    let tz = office_timezone(settings);
    match cmd {
        OutboxCommand::Status => {
            let (depth, oldest) = outbox::backlog(&db).await.map_err(|e| CliError::new(locale, e))?;
            let age = oldest.map_or(0, |at| (Utc::now() - at).num_seconds().max(0));
            println!("{}", t!("cli.outbox_status", locale = locale, depth = depth, age = age));
        }
        OutboxCommand::Failed { limit } => {
            let rows = outbox::failed(&db, limit).await.map_err(|e| CliError::new(locale, e))?;
            if rows.is_empty() {
                println!("{}", t!("cli.outbox_none_failed", locale = locale));
            }
            for row in rows {
                println!(
                    "{}",
                    t!(
                        "cli.outbox_failed_row",
                        locale = locale,
                        id = row.id,
                        at = i18n::datetime(locale, row.created_at, tz),
                        channel = row.channel,
                        address = inert(&row.address),
                        kind = row.kind,
                        attempts = row.attempts,
                        reason = inert(row.last_error.as_deref().unwrap_or("-"))
                    )
                );
            }
        }
        OutboxCommand::Repeated { limit } => {
            let rows = outbox::taken_over(&db, limit).await.map_err(|e| CliError::new(locale, e))?;
            if rows.is_empty() {
                println!("{}", t!("cli.outbox_none_repeated", locale = locale));
            }
            for row in rows {
                let at = row.sent_at.unwrap_or(row.created_at);
                println!(
                    "{}",
                    t!(
                        "cli.outbox_repeated_row",
                        locale = locale,
                        id = row.id,
                        at = i18n::datetime(locale, at, tz),
                        channel = row.channel,
                        address = inert(&row.address),
                        kind = row.kind
                    )
                );
            }
        }
    }
    Ok(())
}
