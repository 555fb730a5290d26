//! `sigap ticket list|show`: the complaint log on the command line, with each ticket's
//! SLA state derived from its events.

use std::sync::Arc;

use clap::Subcommand;
use rust_i18n::t;

use super::output::{inert, inert_lines};
use super::{CliError, connect};
use crate::clock::SystemClock;
use crate::config;
use crate::domain::sla::SlaReport;
use crate::domain::ticket::{Category, TicketNumber, TicketStatus};
use crate::i18n;
use crate::service::{Helpdesk, TicketRef};
use crate::settings::Settings;
use crate::store::tickets;

#[derive(Debug, Subcommand)]
pub enum TicketCommand {
    /// Newest tickets first
    List {
        /// open, closed, rejected or cancelled; all when absent
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// One ticket with its history and time per step
    Show { number: String },
}

pub async fn run(cmd: TicketCommand, settings: &Settings) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    let loaded = config::load_sop(&settings.sop, &settings.config_dir).map_err(|e| CliError::new(locale, e))?;
    let db = connect(settings).await?;
    let desk = Helpdesk::new(db, Arc::new(loaded), Arc::new(SystemClock), settings.data_dir.clone());
    let tz = desk.sop().calendar.timezone();
    match cmd {
        TicketCommand::List { status, limit } => {
            let status = status.map(|s| s.parse::<TicketStatus>()).transpose().map_err(|e| CliError::new(locale, e))?;
            let rows = tickets::list(desk.db(), status, limit).await.map_err(|e| CliError::new(locale, e))?;
            if rows.is_empty() {
                println!("{}", t!("cli.ticket_none", locale = locale));
            }
            for row in rows {
                let details = desk.details(TicketRef::Id(row.id)).await.map_err(|e| CliError::new(locale, e))?;
                let status = row.status.parse().unwrap_or(TicketStatus::Open);
                let category = row.category.parse().unwrap_or(Category::Other);
                println!(
                    "{}",
                    t!(
                        "cli.ticket_row",
                        locale = locale,
                        number = row.number,
                        status = i18n::status(locale, status),
                        step = step_name(&desk, &row.step, locale),
                        org = inert(details.org_name.as_deref().unwrap_or("-")),
                        category = i18n::category(locale, category),
                        sla = sla_state(locale, &details.sla)
                    )
                );
            }
        }
        TicketCommand::Show { number } => {
            let number: TicketNumber = number.parse().map_err(|e| CliError::new(locale, e))?;
            let d = desk.details(TicketRef::Number(number)).await.map_err(|e| CliError(e.localized(locale, tz)))?;
            let row = &d.ticket;
            let status = row.status.parse().unwrap_or(TicketStatus::Open);
            let category = row.category.parse().unwrap_or(Category::Other);
            let due = d.sla.overall_due.map_or_else(|| "-".to_owned(), |due| i18n::datetime(locale, due, tz));
            println!(
                "{}",
                t!(
                    "cli.ticket_show",
                    locale = locale,
                    number = row.number,
                    status = i18n::status(locale, status),
                    reporter = inert(d.reporter.as_ref().map_or("-", |r| r.name.as_str())),
                    org = inert(d.org_name.as_deref().unwrap_or("-")),
                    location = inert(row.location.as_deref().unwrap_or("-")),
                    category = i18n::category(locale, category),
                    priority = i18n::priority(locale, row.priority.as_deref().and_then(|p| p.parse().ok())),
                    srikandi = inert(row.srikandi_number.as_deref().unwrap_or("-")),
                    description = inert_lines(&row.description),
                    created = i18n::datetime(locale, row.created_at, tz),
                    step = step_name(&desk, &row.step, locale),
                    due = due,
                    sla = sla_state(locale, &d.sla)
                )
            );
            println!("{}", t!("cli.ticket_history", locale = locale));
            for e in &d.events {
                let ev = &e.event;
                let role = ev.actor_role.as_deref().and_then(|r| r.parse().ok()).map(|r| i18n::role(locale, r));
                let moved = match (&ev.from_step, &ev.to_step) {
                    (Some(from), Some(to)) if from != to => format!(" ({} → {})", inert(from), inert(to)),
                    _ => String::new(),
                };
                let note = ev.note.as_deref().map(|n| format!(": {}", inert(n))).unwrap_or_default();
                println!(
                    "{}",
                    t!(
                        "cli.ticket_event",
                        locale = locale,
                        at = i18n::datetime(locale, ev.at, tz),
                        actor = inert(e.actor_name.as_deref().unwrap_or("SIGAP")),
                        role = role.as_deref().unwrap_or("-"),
                        action = i18n::past(locale, &ev.action),
                        moved = moved,
                        note = note
                    )
                );
            }
            println!("{}", t!("cli.ticket_visits", locale = locale));
            for v in &d.sla.visits {
                let state =
                    if v.breached { t!("sla.late", locale = locale) } else { t!("sla.on_time", locale = locale) };
                println!(
                    "{}",
                    t!(
                        "cli.ticket_visit",
                        locale = locale,
                        step = step_name(&desk, &v.step, locale),
                        entered = i18n::datetime(locale, v.entered_at, tz),
                        due = v.due.map_or_else(|| i18n::limit(locale, None), |d| i18n::datetime(locale, d, tz)),
                        state = state
                    )
                );
            }
        }
    }
    Ok(())
}

fn step_name(desk: &Helpdesk, step: &str, locale: &str) -> String {
    desk.sop().sop.step(step).map_or_else(|| step.to_owned(), |s| s.display_name(locale).to_owned())
}

fn sla_state(locale: &str, sla: &SlaReport) -> String {
    let key = if sla.any_breach() {
        "sla.late"
    } else if sla.overall_paused {
        "sla.paused"
    } else {
        "sla.on_time"
    };
    t!(key, locale = locale).into_owned()
}
