//! The dashboard and the ticket page: the signed-in person's view, formatted for reading.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::session::{self, SESSION};
use super::{Console, Tr, internal, message, page};
use crate::domain::role::Role;
use crate::domain::ticket::TicketStatus;
use crate::i18n;
use crate::service::{BoardFilter, ConsoleRequest, ConsoleUser, PressOutcome, ViewError};

type Params = Query<HashMap<String, String>>;

pub struct Choice {
    value: String,
    label: String,
    selected: bool,
}

pub struct Row {
    number: String,
    href: String,
    org: String,
    description: String,
    assignees: String,
    due: String,
    late: bool,
}

pub struct Queue {
    name: String,
    rows: Vec<Row>,
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
    open: usize,
    steps: Vec<Choice>,
    technicians: Vec<Choice>,
    queues: Vec<Queue>,
    load: Vec<LoadRow>,
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
}

/// The signed-in person, or the response to send instead (to the sign-in page).
async fn signed_in(
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

fn when(tr: Tr, at: Option<DateTime<Utc>>, tz: Tz) -> String {
    at.map_or_else(|| "-".to_owned(), |at| i18n::datetime(tr.lang, at, tz))
}

fn dash(text: String) -> String {
    if text.trim().is_empty() { "-".to_owned() } else { text }
}

pub async fn dashboard(State(console): State<Console>, Query(query): Params, headers: HeaderMap) -> Response {
    let user = match signed_in(&console, &headers, &query).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let tr = Tr::of(&query, Some(&user));
    let filter = BoardFilter {
        step: query.get("tahap").filter(|s| !s.is_empty()).cloned(),
        technician: query.get("teknisi").and_then(|s| s.parse().ok()),
    };
    let board = match console.desk.board(&user, &filter, tr.lang).await {
        Ok(board) => board,
        Err(err) => return internal(tr, &err),
    };
    let tz = console.desk.sop().calendar.timezone();
    let queues: Vec<Queue> = board
        .queues
        .into_iter()
        .map(|q| Queue {
            name: q.name,
            rows: q
                .tickets
                .into_iter()
                .map(|t| Row {
                    href: tr.href(&format!("/tiket/{}", t.number)),
                    number: t.number,
                    org: dash(t.org.unwrap_or_default()),
                    description: t.description,
                    assignees: dash(t.assignees.join(", ")),
                    due: when(tr, t.due, tz),
                    late: t.late,
                })
                .collect(),
        })
        .collect();
    let steps = board
        .steps
        .into_iter()
        .map(|(id, name)| Choice { selected: filter.step.as_deref() == Some(id.as_str()), value: id, label: name })
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
    let load = board
        .load
        .into_iter()
        .map(|l| LoadRow { href: tr.href(&format!("/dasbor?teknisi={}", l.person_id)), name: l.name, open: l.open })
        .collect();
    let open = queues.iter().map(|q| q.rows.len()).sum();
    let page_data = DashboardPage {
        tr,
        user_name: user.person.name.clone(),
        csrf: user.csrf.clone(),
        today: board.today,
        month: board.month,
        open,
        steps,
        technicians,
        queues,
        load,
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
    let visits = details
        .sla
        .visits
        .iter()
        .map(|v| Visit {
            step: step_name(&v.step),
            entered: i18n::datetime(tr.lang, v.entered_at, tz),
            due: when(tr, v.due, tz),
            late: v.breached,
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
