//! `sigap report log|stats`: the complaint log for a period as CSV or XLSX, and the
//! quarterly evaluation's figures.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use rust_i18n::t;

use super::{CliError, connect};
use crate::clock::SystemClock;
use crate::config;
use crate::documents;
use crate::domain::records;
use crate::domain::ticket::TicketNumber;
use crate::export;
use crate::service::{Group, Helpdesk, Stats, TicketRef};
use crate::settings::Settings;
use crate::store::privacy::{NewAudit, action};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Csv,
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Paper {
    /// Laporan Penyelesaian Gangguan Jaringan
    Completion,
    /// Berita Acara Pekerjaan
    Work,
    /// Berita Acara Pengajuan Penggantian Perangkat
    Replacement,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The complaint log: one row per ticket received in the period (dates inclusive)
    Log {
        /// First day, e.g. 2026-11-01
        #[arg(long)]
        from: String,
        /// Last day, e.g. 2026-11-30
        #[arg(long)]
        to: String,
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Write here; CSV goes to standard output without it
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// A ticket's paper as PDF: the completion report, the Berita Acara of the work, or of a
    /// device replacement request
    Ticket {
        number: String,
        #[arg(long, value_enum, default_value_t = Paper::Completion)]
        kind: Paper,
        #[arg(long)]
        out: PathBuf,
    },
    /// The evaluation's figures for a quarter, e.g. 2026Q4
    Stats {
        #[arg(long)]
        quarter: String,
    },
}

pub async fn run(cmd: ReportCommand, settings: &Settings) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    let loaded = config::load_sop(&settings.sop, &settings.config_dir).map_err(|e| CliError::new(locale, e))?;
    let date = |text: &str, flag: &str| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| CliError::new(locale, format!("{flag} `{text}`: write a date as 2026-11-30")))
    };
    match cmd {
        ReportCommand::Log { from, to, format, out } => {
            let (from, to) = (date(&from, "--from")?, date(&to, "--to")?);
            if to < from {
                return Err(CliError::new(locale, format!("--to {to} is before --from {from}")));
            }
            if format == Format::Xlsx && out.is_none() {
                return Err(CliError::new(locale, "--format xlsx needs --out FILE.xlsx"));
            }
            let db = connect(settings).await?;
            let desk = Helpdesk::new(db, Arc::new(loaded), Arc::new(SystemClock), settings.data_dir.clone());
            let steps: Vec<String> = desk.sop().sop.steps.iter().map(|s| s.display_name(locale).to_owned()).collect();
            let headers = export::log_headers(&steps, locale);
            let tz = desk.sop().calendar.timezone();
            let mut pages = desk.complaint_log_pages(from, to).map_err(|e| CliError::new(locale, e))?;
            // Written a page at a time: a year of tickets never sits in memory at once.
            let mut count = 0;
            let written = match (format, out) {
                (Format::Csv, None) => {
                    // On a terminal the log is read, not stored: people's text in it prints inert.
                    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
                    let mut csv = export::CsvLog::new(std::io::stdout().lock(), &headers)
                        .map_err(|e| CliError::new(locale, e))?;
                    while let Some(page) = pages.next().await.map_err(|e| CliError::new(locale, e))? {
                        count += page.len();
                        let rows = export::log_rows(&page, locale, tz);
                        let rows = if terminal { inert_rows(rows) } else { rows };
                        csv.write(&rows).map_err(|e| CliError::new(locale, e))?;
                    }
                    csv.finish().map_err(|e| CliError::new(locale, e))?;
                    None
                }
                (Format::Csv, Some(path)) => {
                    let file = std::fs::File::create(&path)
                        .map_err(|e| CliError::new(locale, format!("{}: {e}", path.display())))?;
                    let mut csv = export::CsvLog::new(std::io::BufWriter::new(file), &headers)
                        .map_err(|e| CliError::new(locale, e))?;
                    while let Some(page) = pages.next().await.map_err(|e| CliError::new(locale, e))? {
                        count += page.len();
                        csv.write(&export::log_rows(&page, locale, tz)).map_err(|e| CliError::new(locale, e))?;
                    }
                    csv.finish().map_err(|e| CliError::new(locale, e))?;
                    Some(path)
                }
                (Format::Xlsx, Some(path)) => {
                    let failed =
                        |e: rust_xlsxwriter::XlsxError| CliError::new(locale, format!("{}: {e}", path.display()));
                    let sheet = t!("report.sheet_log", locale = locale);
                    let mut xlsx = export::XlsxLog::new(&sheet, &headers).map_err(failed)?;
                    while let Some(page) = pages.next().await.map_err(|e| CliError::new(locale, e))? {
                        count += page.len();
                        xlsx.write(&export::log_rows(&page, locale, tz)).map_err(failed)?;
                    }
                    xlsx.save(&path).map_err(failed)?;
                    Some(path)
                }
                (Format::Xlsx, None) => unreachable!("refused above"),
            };
            if count == 0 {
                eprintln!("{}", t!("report.log_empty", locale = locale, from = from, to = to));
            }
            let audit = NewAudit {
                actor_id: None,
                channel: "cli".into(),
                action: action::LOG_EXPORT,
                subject_id: None,
                ticket_id: None,
                detail: Some(format!("{from}..{to} rows={count}")),
            };
            desk.audit(audit).await.map_err(|e| CliError::new(locale, e))?;
            if let Some(path) = written {
                println!("{}", t!("report.written", locale = locale, count = count, path = path.display()));
            }
            Ok(())
        }
        ReportCommand::Ticket { number, kind, out } => {
            let number: TicketNumber = number.parse().map_err(|e| CliError::new(locale, e))?;
            let db = connect(settings).await?;
            let desk = Helpdesk::new(db, Arc::new(loaded), Arc::new(SystemClock), settings.data_dir.clone());
            let logo = documents::load_logo(settings.office_logo.as_deref())
                .map_err(|e| CliError::new(locale, format!("SIGAP_OFFICE_LOGO: {e}")))?;
            let letterhead = documents::Letterhead {
                office: desk.sop().sop.header.office.clone(),
                address: settings.office_address.clone(),
                phone: settings.office_phone.clone(),
                logo,
            };
            let kind = match kind {
                Paper::Completion => documents::Kind::Completion,
                Paper::Work => documents::Kind::Work,
                Paper::Replacement => documents::Kind::Replacement,
            };
            let pdf = desk
                .paper(TicketRef::Number(number), kind, &letterhead, locale)
                .await
                .map_err(|e| CliError::new(locale, e.localized(locale, desk.sop().calendar.timezone())))?;
            std::fs::write(&out, pdf).map_err(|e| CliError::new(locale, format!("{}: {e}", out.display())))?;
            let ticket = desk.details(TicketRef::Number(number)).await.map_err(|e| CliError::new(locale, e))?;
            let audit = NewAudit {
                actor_id: None,
                channel: "cli".into(),
                action: action::PAPER,
                subject_id: Some(ticket.ticket.reporter_id),
                ticket_id: Some(ticket.ticket.id),
                detail: Some(documents::kind_key(kind).to_owned()),
            };
            desk.audit(audit).await.map_err(|e| CliError::new(locale, e))?;
            println!("{}", t!("report.pdf_written", locale = locale, number = number, path = out.display()));
            Ok(())
        }
        ReportCommand::Stats { quarter } => {
            let (from, end) = records::quarter(&quarter).map_err(|e| CliError::new(locale, e))?;
            let to = end.pred_opt().unwrap_or(end);
            let db = connect(settings).await?;
            let desk = Helpdesk::new(db, Arc::new(loaded), Arc::new(SystemClock), settings.data_dir.clone());
            let stats = desk.stats(from, to).await.map_err(|e| CliError::new(locale, e))?;
            if stats.tickets == 0 {
                println!("{}", t!("report.stats_empty", locale = locale, quarter = quarter.trim().to_uppercase()));
                return Ok(());
            }
            print!("{}", render_stats(&stats, &quarter.trim().to_uppercase(), locale));
            Ok(())
        }
    }
}

fn inert_rows(rows: Vec<Vec<export::Cell>>) -> Vec<Vec<export::Cell>> {
    rows.into_iter()
        .map(|row| {
            row.into_iter()
                .map(|cell| match cell {
                    export::Cell::Text(text) => export::Cell::Text(super::output::inert_lines(&text).into_owned()),
                    other => other,
                })
                .collect()
        })
        .collect()
}

/// The figures as the evaluation meeting reads them.
pub fn render_stats(stats: &Stats, period: &str, locale: &str) -> String {
    let mut out = String::new();
    let line = |out: &mut String, text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(&mut out, t!("report.stats_title", locale = locale, period = period, count = stats.tickets).into_owned());
    let statuses: Vec<String> = stats.by_status.iter().map(|(s, n)| format!("{s} {n}")).collect();
    line(&mut out, t!("report.stats_status", locale = locale, list = statuses.join(", ")).into_owned());
    line(&mut out, group_line(&stats.overall, &t!("report.stats_all", locale = locale), locale));
    line(&mut out, t!("report.stats_technicians", locale = locale).into_owned());
    for group in &stats.technicians {
        line(&mut out, format!("  {}", group_line(group, &group.name, locale)));
    }
    line(&mut out, t!("report.stats_orgs", locale = locale).into_owned());
    for group in &stats.organisations {
        line(&mut out, format!("  {}", group_line(group, &group.name, locale)));
    }
    line(&mut out, t!("report.stats_steps", locale = locale).into_owned());
    for step in stats.steps.iter().filter(|s| s.visits > 0) {
        let share = 100.0 * step.on_time as f64 / step.visits as f64;
        line(
            &mut out,
            t!(
                "report.stats_step",
                locale = locale,
                step = super::output::inert(&step.name),
                on_time = step.on_time,
                visits = step.visits,
                share = format!("{share:.0}")
            )
            .into_owned(),
        );
    }
    if stats.incidents > 0 || stats.linked_reports > 0 {
        let text = t!(
            "report.stats_incidents",
            locale = locale,
            incidents = stats.incidents,
            linked = stats.linked_reports,
            orgs = stats.affected_organisations
        );
        line(&mut out, text.into_owned());
        for outage in &stats.outages {
            let text = t!(
                "report.stats_outage",
                locale = locale,
                org = super::output::inert(&outage.org),
                incidents = outage.incidents,
                hours = format!("{:.1}", outage.minutes as f64 / 60.0)
            );
            line(&mut out, text.into_owned());
        }
    }
    let reopen = stats.reopen_rate.map_or_else(|| "-".to_owned(), |r| format!("{:.0}%", r * 100.0));
    line(&mut out, t!("report.stats_reopen", locale = locale, rate = reopen).into_owned());
    let ikm = match &stats.ikm {
        Some(ikm) => t!(
            "report.stats_ikm",
            locale = locale,
            index = format!("{:.2}", ikm.index),
            grade = ikm.grade.letter(),
            respondents = ikm.respondents
        )
        .into_owned(),
        None => t!("report.stats_ikm_none", locale = locale).into_owned(),
    };
    line(&mut out, ikm);
    out
}

fn group_line(group: &Group, name: &str, locale: &str) -> String {
    let minutes = |m: Option<f64>| m.map_or_else(|| "-".to_owned(), |m| format!("{m:.0}"));
    t!(
        "report.stats_group",
        locale = locale,
        name = super::output::inert(name),
        tickets = group.tickets,
        resolved = group.resolved,
        median = minutes(group.median_minutes),
        p90 = minutes(group.p90_minutes.map(|m| m as f64)),
        ikm = group.ikm.as_ref().map_or_else(|| "-".to_owned(), |i| format!("{:.2} ({})", i.index, i.grade.letter()))
    )
    .into_owned()
}
