//! The dashboard and the ticket page: the signed-in person's view, formatted for reading.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use rust_i18n::t;

use super::session::{self, SESSION};
use super::{Console, Tr, internal, message, page};
use crate::domain::role::Role;
use crate::domain::ticket::{Priority, TicketStatus};
use crate::i18n;
use crate::service::{BoardFilter, ConsoleRequest, ConsoleUser, PressOutcome, Reach, ViewError};

type Params = Query<HashMap<String, String>>;

pub struct Choice {
    value: String,
    label: String,
    selected: bool,
}

pub struct Row {
    number: String,
    href: String,
    step: String,
    org: String,
    description: String,
    priority: String,
    assignees: String,
    due: String,
    left: String,
    late: bool,
}

pub struct Queue {
    name: String,
    href: String,
    open: u64,
    late: u64,
    first_due: String,
}

pub struct LoadRow {
    name: String,
    open: u64,
    href: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    tr: Tr,
    user_name: String,
    csrf: String,
    today: u64,
    month: u64,
    open: u64,
    late: u64,
    steps: Vec<Choice>,
    technicians: Vec<Choice>,
    priorities: Vec<Choice>,
    orgs: Vec<Choice>,
    queues: Vec<Queue>,
    rows: Vec<Row>,
    more_href: Option<String>,
    load: Vec<LoadRow>,
    weeks_chart: String,
    office: bool,
    sla_href: String,
    ikm_href: String,
}

pub struct ActionView {
    label: String,
    kind: String,
    /// Empty when the action has no target.
    to: String,
    version: i32,
    note: bool,
    choices: Vec<Choice>,
}

pub struct Visit {
    step: String,
    entered: String,
    due: String,
    late: bool,
    spent: String,
    limit: String,
}

pub struct FileView {
    href: String,
    name: String,
}

pub struct Event {
    at: String,
    who: String,
    role: String,
    channel: String,
    what: String,
    note: Option<String>,
}

#[derive(Template)]
#[template(path = "ticket.html")]
struct TicketPage {
    tr: Tr,
    user_name: String,
    csrf: String,
    number: String,
    status: String,
    step: String,
    description: String,
    org: String,
    location: String,
    reporter: String,
    assignees: String,
    overall_due: String,
    act_href: String,
    actions: Vec<ActionView>,
    visits: Vec<Visit>,
    events: Vec<Event>,
    reporter_photos: Vec<FileView>,
    completion_photos: Vec<FileView>,
    documents: Vec<FileView>,
    papers: Vec<FileView>,
}

/// The signed-in person, or the response to send instead (to the sign-in page).
pub(super) async fn signed_in(
    console: &Console,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<ConsoleUser, Response> {
    let to_sign_in = || Redirect::to(&Tr::of(query, None).href("/masuk")).into_response();
    let Some(token) = session::cookie(headers, SESSION) else { return Err(to_sign_in()) };
    match console.desk.console_user(token).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(to_sign_in()),
        Err(err) => Err(internal(Tr::of(query, None), &err)),
    }
}

pub(super) fn when(tr: Tr, at: Option<DateTime<Utc>>, tz: Tz) -> String {
    at.map_or_else(|| "-".to_owned(), |at| i18n::datetime(tr.lang, at, tz))
}

pub(super) fn dash(text: String) -> String {
    if text.trim().is_empty() { "-".to_owned() } else { text }
}

/// The dashboard's filters from the query string; anything unreadable is no filter.
fn board_filter(query: &HashMap<String, String>) -> BoardFilter {
    let text = |name: &str| query.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()).map(str::to_owned);
    BoardFilter {
        step: text("tahap"),
        technician: text("teknisi").and_then(|s| s.parse().ok()),
        priority: text("prioritas").filter(|p| p.parse::<Priority>().is_ok()),
        org: text("opd").and_then(|s| s.parse().ok()),
        page: text("halaman").and_then(|s| s.parse::<u64>().ok()).unwrap_or(1).clamp(1, 10_000) - 1,
    }
}

/// The dashboard's address with `filter`, changed by `edit`.
fn board_href(tr: Tr, filter: &BoardFilter, edit: impl FnOnce(&mut BoardFilter)) -> String {
    let mut f = filter.clone();
    edit(&mut f);
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    if let Some(step) = &f.step {
        pairs.append_pair("tahap", step);
    }
    if let Some(technician) = f.technician {
        pairs.append_pair("teknisi", &technician.to_string());
    }
    if let Some(priority) = &f.priority {
        pairs.append_pair("prioritas", priority);
    }
    if let Some(org) = f.org {
        pairs.append_pair("opd", &org.to_string());
    }
    if f.page > 0 {
        pairs.append_pair("halaman", &(f.page + 1).to_string());
    }
    let query = pairs.finish();
    tr.href(&if query.is_empty() { "/dasbor".to_owned() } else { format!("/dasbor?{query}") })
}

/// "2 jam 5 menit": how long until (or since) a due time, on the wall clock.
pub fn span(tr: Tr, minutes: i64) -> String {
    let minutes = minutes.abs();
    if minutes >= 48 * 60 {
        t!("web.span_days", locale = tr.lang, days = minutes / (24 * 60)).into_owned()
    } else if minutes >= 60 {
        t!("web.span_hours", locale = tr.lang, hours = minutes / 60, minutes = minutes % 60).into_owned()
    } else {
        t!("web.span_minutes", locale = tr.lang, minutes = minutes).into_owned()
    }
}

fn time_left(tr: Tr, due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match due {
        None => "-".to_owned(),
        Some(due) if due >= now => {
            t!("web.time_left", locale = tr.lang, time = span(tr, (due - now).num_minutes())).into_owned()
        }
        Some(due) => t!("web.time_over", locale = tr.lang, time = span(tr, (now - due).num_minutes())).into_owned(),
    }
}

pub async fn dashboard(State(console): State<Console>, Query(query): Params, headers: HeaderMap) -> Response {
    let user = match signed_in(&console, &headers, &query).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let tr = Tr::of(&query, Some(&user));
    let filter = board_filter(&query);
    let board = match console.desk.board(&user, &filter, tr.lang).await {
        Ok(board) => board,
        Err(err) => return internal(tr, &err),
    };
    let tz = console.desk.sop().calendar.timezone();
    let now = board.now;
    let step_names: HashMap<&str, &str> = board.steps.iter().map(|(id, name)| (id.as_str(), name.as_str())).collect();
    let rows = board
        .tickets
        .iter()
        .map(|t| Row {
            href: tr.href(&format!("/tiket/{}", t.number)),
            number: t.number.clone(),
            step: step_names.get(t.step.as_str()).map_or_else(|| t.step.clone(), |n| (*n).to_owned()),
            org: dash(t.org.clone().unwrap_or_default()),
            description: t.description.clone(),
            priority: i18n::priority(tr.lang, t.priority),
            assignees: dash(t.assignees.join(", ")),
            due: when(tr, t.due, tz),
            left: time_left(tr, t.due, now),
            late: t.late,
        })
        .collect();
    let queues = board
        .queues
        .iter()
        .map(|q| Queue {
            href: board_href(tr, &filter, |f| {
                f.step = Some(q.step.clone());
                f.page = 0;
            }),
            name: q.name.clone(),
            open: q.open,
            late: q.late,
            first_due: q.first_due.map_or_else(|| "-".to_owned(), |d| time_left(tr, Some(d), now)),
        })
        .collect();
    let steps = board
        .steps
        .iter()
        .map(|(id, name)| Choice {
            selected: filter.step.as_deref() == Some(id.as_str()),
            value: id.clone(),
            label: name.clone(),
        })
        .collect();
    let technicians = board
        .load
        .iter()
        .map(|l| Choice {
            value: l.person_id.to_string(),
            label: l.name.clone(),
            selected: filter.technician == Some(l.person_id),
        })
        .collect();
    let priorities = Priority::ALL
        .iter()
        .map(|p| {
            let count = board.priorities.iter().find(|(v, _)| v.as_deref() == Some(p.as_str())).map_or(0, |(_, n)| *n);
            Choice {
                value: p.as_str().to_owned(),
                label: format!("{} ({count})", i18n::priority(tr.lang, Some(*p))),
                selected: filter.priority.as_deref() == Some(p.as_str()),
            }
        })
        .collect();
    let orgs = board
        .orgs
        .iter()
        .map(|(id, name)| Choice { value: id.to_string(), label: name.clone(), selected: filter.org == Some(*id) })
        .collect();
    let load = board
        .load
        .iter()
        .map(|l| LoadRow {
            href: board_href(tr, &filter, |f| {
                f.technician = Some(l.person_id);
                f.page = 0;
            }),
            name: l.name.clone(),
            open: l.open,
        })
        .collect();
    let points: Vec<(String, u64)> =
        board.weeks.iter().map(|(monday, n)| (monday.format("%d/%m").to_string(), *n)).collect();
    let weeks_chart = super::charts::columns(&tr.t("web.chart_weeks"), &points);
    let more_href = board.more.then(|| board_href(tr, &filter, |f| f.page += 1));
    let local = now.with_timezone(&tz);
    let quarter = format!("{}Q{}", local.year(), (local.month() - 1) / 3 + 1);
    let page_data = DashboardPage {
        tr,
        user_name: user.person.name.clone(),
        csrf: user.csrf.clone(),
        today: board.today,
        month: board.month,
        open: board.open,
        late: board.late,
        steps,
        technicians,
        priorities,
        orgs,
        queues,
        rows,
        more_href,
        load,
        weeks_chart,
        office: user.reach == Reach::Office,
        sla_href: tr.href(&format!("/laporan/grafik/sla.svg?kuartal={quarter}")),
        ikm_href: tr.href(&format!("/laporan/grafik/ikm.svg?kuartal={quarter}")),
    };
    page(StatusCode::OK, &page_data)
}

pub async fn ticket(
    State(console): State<Console>,
    Path(number): Path<String>,
    Query(query): Params,
    headers: HeaderMap,
) -> Response {
    let user = match signed_in(&console, &headers, &query).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let tr = Tr::of(&query, Some(&user));
    let details = match console.desk.console_ticket(&user, &number).await {
        Ok(details) => details,
        Err(ViewError::Forbidden) => {
            return message(StatusCode::FORBIDDEN, tr, "console.refused_title", "console.not_yours", "/dasbor");
        }
        Err(ViewError::NotFound) => {
            return message(StatusCode::NOT_FOUND, tr, "console.missing_title", "console.no_such_ticket", "/dasbor");
        }
        Err(ViewError::Service(err)) => return internal(tr, &err),
    };
    let sop = &console.desk.sop().sop;
    let tz = console.desk.sop().calendar.timezone();
    let step_name = |id: &str| sop.step(id).map_or_else(|| id.to_owned(), |s| s.display_name(tr.lang).to_owned());
    let ticket = &details.ticket;
    let status = ticket.status.parse().unwrap_or(TicketStatus::Open);
    let calendar = &console.desk.sop().calendar;
    let now = console.desk.clock().now();
    let visits = details
        .sla
        .visits
        .iter()
        .map(|v| {
            let left = v.left_at.unwrap_or(now);
            // Spent as the limit counts it: office hours for a business limit, else the clock.
            let spent = match v.limit {
                Some(limit) => calendar.elapsed(limit, v.entered_at, left),
                None => (left - v.entered_at).max(chrono::Duration::zero()),
            };
            Visit {
                step: step_name(&v.step),
                entered: i18n::datetime(tr.lang, v.entered_at, tz),
                due: when(tr, v.due, tz),
                late: v.breached,
                spent: span(tr, spent.num_minutes()),
                limit: i18n::limit(tr.lang, v.limit),
            }
        })
        .collect();
    let attachments = match console.desk.ticket_attachments(&details).await {
        Ok(rows) => rows,
        Err(ViewError::Service(err)) => return internal(tr, &err),
        Err(_) => Vec::new(),
    };
    let file = |a: &crate::store::attachments::AttachmentRow| FileView {
        href: tr.href(&format!("/tiket/{}/lampiran/{}", ticket.number, a.id)),
        name: a.file_name.clone().unwrap_or_else(|| format!("{} #{}", a.mime, a.id)),
    };
    let is_photo = |a: &&crate::store::attachments::AttachmentRow| a.mime.starts_with("image/");
    let reporter_photos =
        attachments.iter().filter(is_photo).filter(|a| a.uploaded_by == Some(ticket.reporter_id)).map(file).collect();
    let completion_photos =
        attachments.iter().filter(is_photo).filter(|a| a.uploaded_by != Some(ticket.reporter_id)).map(file).collect();
    let documents = attachments.iter().filter(|a| !is_photo(a)).map(file).collect();
    let mut kinds: Vec<crate::documents::Kind> = Vec::new();
    for kind in sop.steps.iter().flat_map(|s| s.papers.iter()) {
        if !kinds.contains(kind) {
            kinds.push(*kind);
        }
    }
    let papers = kinds
        .into_iter()
        .map(|kind| {
            let key = crate::documents::kind_key(kind);
            FileView {
                href: tr.href(&format!("/tiket/{}/surat/{key}.pdf", ticket.number)),
                name: tr.t(&format!("document.title_{key}")),
            }
        })
        .collect();
    let events = details
        .events
        .iter()
        .map(|e| {
            let ev = &e.event;
            let mut what = i18n::past(tr.lang, &ev.action);
            if let Some(to) = ev.to_step.as_deref().filter(|to| ev.from_step.as_deref() != Some(*to)) {
                what = format!("{what} → {}", step_name(to));
            }
            Event {
                at: i18n::datetime(tr.lang, ev.at, tz),
                who: e.actor_name.clone().unwrap_or_else(|| "SIGAP".to_owned()),
                role: ev
                    .actor_role
                    .as_deref()
                    .and_then(|r| r.parse::<Role>().ok())
                    .map_or_else(|| "-".to_owned(), |r| i18n::role(tr.lang, r)),
                channel: tr.t(&format!("console.channel_{}", ev.channel)),
                what,
                note: ev.note.clone().filter(|n| !n.trim().is_empty()),
            }
        })
        .collect();
    let actions = match console.desk.console_actions(&user, ticket, tr.lang).await {
        Ok(actions) => actions,
        Err(err) => return internal(tr, &err),
    };
    let actions = actions
        .into_iter()
        .map(|a| ActionView {
            label: a.label,
            kind: a.action.kind.as_str().to_owned(),
            to: a.action.to.unwrap_or_default(),
            version: a.action.version,
            note: a.note,
            choices: a
                .choices
                .into_iter()
                .map(|(arg, label)| Choice { value: arg.to_string(), label, selected: false })
                .collect(),
        })
        .collect();
    let page_data = TicketPage {
        act_href: tr.href(&format!("/tiket/{}/tindakan", ticket.number)),
        actions,
        tr,
        user_name: user.person.name.clone(),
        csrf: user.csrf.clone(),
        number: ticket.number.clone(),
        status: i18n::status(tr.lang, status),
        step: step_name(&ticket.step),
        description: ticket.description.clone(),
        org: dash(details.org_name.clone().unwrap_or_default()),
        location: dash(ticket.location.clone().unwrap_or_default()),
        reporter: details.reporter.as_ref().map_or_else(|| "-".to_owned(), |p| p.name.clone()),
        assignees: dash(details.assignees.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")),
        overall_due: when(tr, details.sla.overall_due, tz),
        visits,
        events,
        reporter_photos,
        completion_photos,
        documents,
        papers,
    };
    page(StatusCode::OK, &page_data)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ActForm {
    csrf: String,
    kind: String,
    to: String,
    version: i32,
    arg: String,
    note: String,
}

/// A card's button pressed in the browser: the same call as in chat, the same answer.
pub async fn act(
    State(console): State<Console>,
    Path(number): Path<String>,
    Query(query): Params,
    headers: HeaderMap,
    axum::Form(form): axum::Form<ActForm>,
) -> Response {
    let user = match signed_in(&console, &headers, &query).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let tr = Tr::of(&query, Some(&user));
    if !session::session_form_ok(&user, &form.csrf) {
        return message(StatusCode::FORBIDDEN, tr, "console.refused_title", "console.csrf_refused", "/dasbor");
    }
    let request = ConsoleRequest {
        kind: form.kind,
        to: Some(form.to).filter(|t| !t.is_empty()),
        version: form.version,
        arg: form.arg.parse().ok(),
        note: Some(form.note).filter(|n| !n.trim().is_empty()),
    };
    let back = format!("/tiket/{number}");
    let (status, title, text) = match console.desk.console_act(&user, &number, request).await {
        Ok(PressOutcome::Done { answer }) => (StatusCode::OK, tr.t("console.done_title"), answer),
        Ok(PressOutcome::Refused { answer } | PressOutcome::Asked { answer }) => {
            (StatusCode::CONFLICT, tr.t("console.refused_title"), answer)
        }
        Ok(PressOutcome::Duplicate) => (StatusCode::CONFLICT, tr.t("console.refused_title"), tr.t("refusal.duplicate")),
        Err(err) if err.is_internal() => return internal(tr, &err),
        Err(err) => (
            StatusCode::BAD_REQUEST,
            tr.t("console.refused_title"),
            err.localized(tr.lang, console.desk.sop().calendar.timezone()),
        ),
    };
    page(status, &super::Message { tr, title, text, back: &back })
}
