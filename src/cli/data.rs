//! `sigap data …` and `sigap audit`: the admin's side of personal data (UU 27/2022). The
//! requests people made in chat, carrying out an erasure, the sweep that deletes the files
//! erasures and retention let go of, the retention schedule (with a dry run), and the list
//! of who took personal data out.

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone};
use clap::Subcommand;
use rust_i18n::t;

use super::output::inert;
use super::{CliError, connect, office_timezone};
use crate::clock::SystemClock;
use crate::config;
use crate::i18n;
use crate::service::Helpdesk;
use crate::settings::Settings;
use crate::store::{inbox, privacy};

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Requests people made about their personal data (/hapus-data), not yet carried out
    Requests,
    /// Erase a person's personal data: by the request's number, or --person ID
    Erase {
        /// The request's number (from `sigap data requests`)
        request: Option<i64>,
        /// Erase this person (an id from `sigap staff list`) without a request of theirs
        #[arg(long)]
        person: Option<i64>,
    },
    /// Delete the files erasures and retention let go of, and compact the database files
    Sweep,
    /// Delete personal data past its retention period; --dry-run only lists it
    Retention {
        #[arg(long)]
        dry_run: bool,
    },
    /// Delete a year's ended tickets with their events, papers and photos (the archive's
    /// retention schedule); --dry-run only lists them
    Purge {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn run(cmd: DataCommand, settings: &Settings) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    let fail = |e: &dyn std::fmt::Display| CliError::new(locale, e);
    let desk = desk(settings).await?;
    let inbox_db = inbox::open(&settings.database_url(), desk.db()).await.map_err(|e| fail(&e))?;
    let tz = office_timezone(settings);
    match cmd {
        DataCommand::Requests => {
            let rows = privacy::open_requests(desk.db()).await.map_err(|e| fail(&e))?;
            if rows.is_empty() {
                println!("{}", t!("data_cli.no_requests", locale = locale));
            }
            for row in rows {
                let name = crate::store::directory::person_record(desk.db(), row.person_id)
                    .await
                    .map_err(|e| fail(&e))?
                    .map(|p| p.name)
                    .unwrap_or_default();
                println!(
                    "{}",
                    t!(
                        "data_cli.request_row",
                        locale = locale,
                        id = row.id,
                        person = row.person_id,
                        name = inert(&name),
                        channel = row.channel,
                        at = i18n::datetime(locale, row.requested_at, tz)
                    )
                );
            }
        }
        DataCommand::Erase { request, person } => {
            let person_id = match (request, person) {
                (Some(id), None) => match privacy::request(desk.db(), id).await.map_err(|e| fail(&e))? {
                    Some(row) if row.status == privacy::OPEN => row.person_id,
                    Some(_) => {
                        return Err(CliError::new(locale, t!("data_cli.request_done", locale = locale, id = id)));
                    }
                    None => return Err(CliError::new(locale, t!("data_cli.no_request", locale = locale, id = id))),
                },
                (None, Some(person)) => person,
                _ => return Err(CliError::new(locale, t!("data_cli.erase_usage", locale = locale))),
            };
            let erased = desk.erase(person_id, Some(&inbox_db)).await.map_err(|e| match e {
                crate::service::ServiceError::UnknownPerson => {
                    CliError::new(locale, t!("data_cli.no_person", locale = locale, id = person_id))
                }
                other => CliError::new(locale, other.localized(locale, tz)),
            })?;
            if settings.privacy.erase_pause == Some(crate::service::ErasePause::Sweep) {
                crate::service::ErasePause::Sweep.wait().await;
            }
            let swept = desk.sweep(Some(&inbox_db), true).await.map_err(|e| fail(&e))?;
            println!(
                "{}",
                t!(
                    "data_cli.erased",
                    locale = locale,
                    id = erased.person_id,
                    papers = erased.papers,
                    files = swept.files
                )
            );
        }
        DataCommand::Sweep => {
            let swept = desk.sweep(Some(&inbox_db), true).await.map_err(|e| fail(&e))?;
            println!("{}", t!("data_cli.swept", locale = locale, files = swept.files, notices = swept.notices));
        }
        DataCommand::Retention { dry_run } => {
            let listed = if dry_run {
                desk.expired(Some(&inbox_db)).await.map_err(|e| fail(&e))?
            } else {
                let gone = desk.retain(Some(&inbox_db)).await.map_err(|e| fail(&e))?;
                desk.sweep(Some(&inbox_db), !gone.is_empty()).await.map_err(|e| fail(&e))?;
                gone
            };
            let key = if dry_run { "data_cli.would_delete" } else { "data_cli.deleted" };
            println!("{}", t!(key, locale = locale, count = listed.len()));
            for expired in listed {
                println!("{} {}", expired.kind.as_str(), inert(&expired.key));
            }
        }
        DataCommand::Purge { year, dry_run } => {
            let listed = if dry_run {
                desk.purgeable(year).await.map_err(|e| fail(&e))?
            } else {
                let gone = desk.purge_year(year).await.map_err(|e| fail(&e))?;
                desk.sweep(Some(&inbox_db), !gone.is_empty()).await.map_err(|e| fail(&e))?;
                gone
            };
            let key = if dry_run { "data_cli.purge_would" } else { "data_cli.purged" };
            println!("{}", t!(key, locale = locale, year = year, count = listed.len()));
            for number in listed {
                println!("{number}");
            }
        }
    }
    Ok(())
}

/// `sigap audit --from 2026-11-01 --to 2026-11-30`: who took personal data out, and when.
pub async fn audit(from: Option<String>, to: Option<String>, settings: &Settings) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    let tz = office_timezone(settings);
    let date = |text: &str, flag: &str| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| CliError::new(locale, format!("{flag} `{text}`: write a date as 2026-11-30")))
    };
    let start = |day: NaiveDate| {
        tz.from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.to_utc())
            .unwrap_or_default()
    };
    let from = match from {
        Some(text) => Some(start(date(&text, "--from")?)),
        None => None,
    };
    let to = match to {
        Some(text) => Some(start(date(&text, "--to")?.succ_opt().unwrap_or(NaiveDate::MAX))),
        None => None,
    };
    let db = connect(settings).await?;
    let rows = privacy::audit_between(&db, from, to).await.map_err(|e| CliError::new(locale, e))?;
    if rows.is_empty() {
        println!("{}", t!("data_cli.audit_none", locale = locale));
    }
    for row in rows {
        let who = match row.actor_id {
            Some(id) => format!("#{id}"),
            None => t!("data_cli.admin", locale = locale).into_owned(),
        };
        println!(
            "{}",
            t!(
                "data_cli.audit_row",
                locale = locale,
                at = i18n::datetime(locale, row.at, tz),
                who = who,
                channel = row.channel,
                action = t!(format!("data_cli.audit_{}", row.action), locale = locale),
                subject = row.subject_id.map_or_else(|| "-".to_owned(), |id| format!("#{id}")),
                ticket = row.ticket_id.map_or_else(|| "-".to_owned(), |id| format!("#{id}")),
                detail = inert(row.detail.as_deref().unwrap_or("-"))
            )
        );
    }
    Ok(())
}

async fn desk(settings: &Settings) -> Result<Helpdesk, CliError> {
    let locale = settings.locale.as_str();
    let loaded = config::load_sop(&settings.sop, &settings.config_dir).map_err(|e| CliError::new(locale, e))?;
    let db = connect(settings).await?;
    let logo = crate::documents::load_logo(settings.office_logo.as_deref())
        .map_err(|e| CliError::new(locale, format!("SIGAP_OFFICE_LOGO: {e}")))?;
    let letterhead = crate::documents::Letterhead {
        office: loaded.sop.header.office.clone(),
        address: settings.office_address.clone(),
        phone: settings.office_phone.clone(),
        logo,
    };
    Ok(Helpdesk::new(db, Arc::new(loaded), Arc::new(SystemClock), settings.data_dir.clone())
        .with_letterhead(letterhead)
        .with_privacy(settings.privacy.clone()))
}
