//! The records page: the complaint log of a period and the quarter's statistics, with the
//! CLI's filters (`--from`/`--to`, `--quarter`), charts of SLA kept per step and IKM per
//! element, and downloads as CSV, XLSX or PDF through [`crate::service::Helpdesk::download`].

use std::collections::HashMap;

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};

use super::board::{dash, signed_in};
use super::charts::{self, Bar};
use super::{Console, Tr, internal, message, page};
use crate::domain::records::{self, Grade, SURVEY_ELEMENTS};
use crate::i18n;
use crate::service::{DownloadFormat, Reach, Records, Stats, ViewError};

type Params = Query<HashMap<String, String>>;

pub struct LogLine {
    number: String,
    href: String,
    received: String,
    org: String,
    status: String,
    minutes: i64,
    late: bool,
}

pub struct GroupLine {
    name: String,
    tickets: usize,
    resolved: usize,
    median: String,
    ikm: String,
}

pub struct FileLink {
    label: &'static str,
    href: String,
}

#[derive(Template)]
#[template(path = "records.html")]
struct RecordsPage {
    tr: Tr,
    user_name: String,
    csrf: String,
    from: String,
    to: String,
    quarter: String,
    problem: Option<String>,
    log: Vec<LogLine>,
    log_more: bool,
    log_files: Vec<FileLink>,
    stats_files: Vec<FileLink>,
    tickets: usize,
    groups: Vec<GroupLine>,
    reopen: String,
    ikm: String,
    sla_chart: String,
    ikm_chart: String,
}

/// Rows of the log shown on the page; the downloads have them all.
const SHOWN: usize = 50;

/// The period and quarter asked for, this month and quarter by default; or what is wrong.
struct Period {
    from: NaiveDate,
    to: NaiveDate,
    quarter: String,
    quarter_from: NaiveDate,
    quarter_to: NaiveDate,
}

fn period(console: &Console, tr: Tr, query: &HashMap<String, String>) -> Result<Period, String> {
    let tz = console.desk.sop().calendar.timezone();
    let today = console.desk.clock().now().with_timezone(&tz).date_naive();
    let (month_from, month_end) = records::month_of(today);
    let date = |name: &str, default: NaiveDate| match query.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(text) => {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| tr.t("web.bad_date").replace("%{value}", text))
        }
    };
    let from = date("dari", month_from)?;
    let to = date("sampai", month_end.pred_opt().unwrap_or(month_end))?;
    if to < from {
        return Err(tr.t("web.bad_period"));
    }
    let quarter = query
        .get("kuartal")
        .map(|s| s.trim().to_uppercase())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("{}Q{}", today.year(), (today.month() - 1) / 3 + 1));
    let (quarter_from, end) = records::quarter(&quarter).map_err(|_| tr.t("web.bad_quarter"))?;
    Ok(Period { from, to, quarter, quarter_from, quarter_to: end.pred_opt().unwrap_or(end) })
}

fn refused(tr: Tr) -> Response {
    message(StatusCode::FORBIDDEN, tr, "console.refused_title", "web.officials_only", "/dasbor")
}

pub async fn records_page(State(console): State<Console>, Query(query): Params, headers: HeaderMap) -> Response {
    let user = match signed_in(&console, &headers, &query).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let tr = Tr::of(&query, Some(&user));
    if user.reach != Reach::Office {
        return refused(tr);
    }
    let desk = &console.desk;
    let mut data = RecordsPage {
        tr,
        user_name: user.person.name.clone(),
        csrf: user.csrf.clone(),
        from: String::new(),
        to: String::new(),
        quarter: String::new(),
        problem: None,
        log: Vec::new(),
        log_more: false,
        log_files: Vec::new(),
        stats_files: Vec::new(),
        tickets: 0,
        groups: Vec::new(),
        reopen: "-".into(),
        ikm: "-".into(),
        sla_chart: String::new(),
        ikm_chart: String::new(),
    };
    let p = match period(&console, tr, &query) {
        Ok(p) => p,
        Err(problem) => {
            data.problem = Some(problem);
            return page(StatusCode::BAD_REQUEST, &data);
        }
    };
    (data.from, data.to, data.quarter) = (p.from.to_string(), p.to.to_string(), p.quarter.clone());
    let tz = desk.sop().calendar.timezone();
    let first = match desk.complaint_log_pages(p.from, p.to) {
        Ok(mut pages) => pages.next().await,
        Err(err) => Err(err),
    };
    let first = match first {
        Ok(first) => first.unwrap_or_default(),
        Err(err) => return internal(tr, &err),
    };
    data.log_more = first.len() > SHOWN;
    data.log = first
        .iter()
        .take(SHOWN)
        .map(|row| LogLine {
            href: tr.href(&format!("/tiket/{}", row.number)),
            number: row.number.clone(),
            received: i18n::datetime(tr.lang, row.received_at, tz),
            org: dash(row.org.clone()),
            status: i18n::status(tr.lang, row.status),
            minutes: row.working_minutes,
            late: row.breached,
        })
        .collect();
    let files = |what: &str, query: String| {
        [("CSV", "csv"), ("XLSX", "xlsx"), ("PDF", "pdf")]
            .into_iter()
            .map(|(label, ext)| FileLink { label, href: tr.href(&format!("/laporan/unduh/{what}.{ext}?{query}")) })
            .collect()
    };
    data.log_files = files("log", format!("dari={}&sampai={}", p.from, p.to));
    data.stats_files = files("statistik", format!("kuartal={}", p.quarter));
    let stats = match desk.chart_stats(p.quarter_from, p.quarter_to, true).await {
        Ok(stats) => stats,
        Err(err) => return internal(tr, &err),
    };
    data.tickets = stats.tickets;
    let minutes = |m: Option<f64>| m.map_or_else(|| "-".to_owned(), |m| format!("{m:.0}"));
    let ikm_text = |i: &Option<records::Ikm>| {
        i.as_ref().map_or_else(|| "-".to_owned(), |i| format!("{:.2} ({})", i.index, i.grade.letter()))
    };
    data.groups = std::iter::once((tr.t("web.stats_section_all"), &stats.overall))
        .chain(stats.technicians.iter().map(|g| (g.name.clone(), g)))
        .chain(stats.organisations.iter().map(|g| (g.name.clone(), g)))
        .map(|(name, g)| GroupLine {
            name,
            tickets: g.tickets,
            resolved: g.resolved,
            median: minutes(g.median_minutes),
            ikm: ikm_text(&g.ikm),
        })
        .collect();
    data.reopen = stats.reopen_rate.map_or_else(|| "-".to_owned(), |r| format!("{:.0}%", r * 100.0));
    data.ikm = ikm_text(&stats.ikm);
    data.sla_chart = sla_chart(&console, tr, &stats);
    data.ikm_chart = ikm_chart(tr, &stats);
    page(StatusCode::OK, &data)
}

/// Visits of each step kept within its Mutu Baku limit, as bars; the limit in the label.
fn sla_chart(console: &Console, tr: Tr, stats: &Stats) -> String {
    let sop = &console.desk.sop().sop;
    let rows: Vec<Bar> = stats
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.visits > 0)
        .map(|(i, s)| {
            // The statistics list the SOP's steps in its order.
            let step = sop.steps.get(i).filter(|step| step.name == s.name);
            let name = step.map_or_else(|| s.name.clone(), |st| st.display_name(tr.lang).to_owned());
            let limit = i18n::limit(tr.lang, step.and_then(|st| st.limit));
            let share = s.on_time as f64 / s.visits as f64;
            Bar {
                label: format!("{name} ({limit})"),
                share,
                text: format!("{:.0}% ({}/{})", share * 100.0, s.on_time, s.visits),
                short: share < 1.0,
            }
        })
        .collect();
    charts::bars(&tr.t("web.chart_sla"), &rows, None)
}

/// Each element's average score (1-4), converted ×25, against grade B's threshold (76.61).
fn ikm_chart(tr: Tr, stats: &Stats) -> String {
    let Some(ikm) = &stats.ikm else {
        return charts::bars(&tr.t("web.chart_ikm_none"), &[], None);
    };
    let rows: Vec<Bar> = SURVEY_ELEMENTS
        .iter()
        .zip(ikm.per_element)
        .map(|(key, nrr)| {
            let converted = nrr.map_or(0.0, |n| n * 25.0);
            Bar {
                label: tr.t(&format!("web.element_{key}")),
                share: converted / 100.0,
                text: nrr.map_or_else(|| "-".to_owned(), |_| format!("{converted:.1}")),
                short: nrr.is_some() && matches!(Grade::of(converted), Grade::C | Grade::D),
            }
        })
        .collect();
    charts::bars(&tr.t("web.chart_ikm"), &rows, Some((0.7661, "B")))
}

/// `/laporan/grafik/sla.svg` or `ikm.svg` of a quarter, for the dashboard.
pub async fn chart(
    State(console): State<Console>,
    Path(file): Path<String>,
    Query(query): Params,
    headers: HeaderMap,
) -> Response {
    let user = match signed_in(&console, &headers, &query).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let tr = Tr::of(&query, Some(&user));
    if user.reach != Reach::Office {
        return refused(tr);
    }
    let p = match period(&console, tr, &query) {
        Ok(p) => p,
        Err(problem) => return (StatusCode::BAD_REQUEST, problem).into_response(),
    };
    let stats = match console.desk.chart_stats(p.quarter_from, p.quarter_to, false).await {
        Ok(stats) => stats,
        Err(err) => return internal(tr, &err),
    };
    let svg = match file.as_str() {
        "sla.svg" => sla_chart(&console, tr, &stats),
        "ikm.svg" => ikm_chart(tr, &stats),
        _ => return message(StatusCode::NOT_FOUND, tr, "console.missing_title", "web.no_such_page", "/laporan"),
    };
    let mut response = ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `/laporan/unduh/log.csv?dari=…&sampai=…`, `/laporan/unduh/statistik.pdf?kuartal=…`, ….
pub async fn download(
    State(console): State<Console>,
    Path(file): Path<String>,
    Query(query): Params,
    headers: HeaderMap,
) -> Response {
    let user = match signed_in(&console, &headers, &query).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let tr = Tr::of(&query, Some(&user));
    let (what, ext) = file.rsplit_once('.').unwrap_or((file.as_str(), ""));
    let records = match what {
        "log" => Records::Log,
        "statistik" => Records::Stats,
        _ => return message(StatusCode::NOT_FOUND, tr, "console.missing_title", "web.no_such_page", "/laporan"),
    };
    let format = match ext {
        "csv" => DownloadFormat::Csv,
        "xlsx" => DownloadFormat::Xlsx,
        "pdf" => DownloadFormat::Pdf,
        _ => return message(StatusCode::NOT_FOUND, tr, "console.missing_title", "web.no_such_page", "/laporan"),
    };
    let p = match period(&console, tr, &query) {
        Ok(p) => p,
        Err(problem) => {
            let title = tr.t("console.refused_title");
            return page(StatusCode::BAD_REQUEST, &super::Message { tr, title, text: problem, back: "/laporan" });
        }
    };
    let (from, to) = match records {
        Records::Log => (p.from, p.to),
        Records::Stats => (p.quarter_from, p.quarter_to),
    };
    match console.desk.download(&user, records, format, from, to, tr.lang).await {
        Ok(download) => {
            let disposition = format!("attachment; filename=\"{}\"", download.file_name.replace('"', ""));
            let mut response = Body::from_stream(download.body).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(download.format.content_type()));
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(ViewError::Forbidden) => refused(tr),
        Err(ViewError::NotFound) => {
            message(StatusCode::NOT_FOUND, tr, "console.missing_title", "web.no_such_page", "/laporan")
        }
        Err(ViewError::Service(err)) => internal(tr, &err),
    }
}
