//! The admin's pages, for people with the admin role only: staff (add, roles, disable,
//! invite and sign-in links), organisations (import a CSV), messages that failed or were
//! sent twice, and webhook deliveries kept aside with a button to try one again. Each form
//! carries the session's CSRF token and calls the same service function as the command line.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::board::{dash, signed_in};
use super::session;
use super::{Console, Tr, internal, message, page};
use crate::domain::role::Role;
use crate::i18n;
use crate::service::{AdminError, ConsoleUser, StaffForm};

type Params = Query<HashMap<String, String>>;

/// The fields of a posted form; a name may come more than once (role boxes).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(body: &[u8]) -> Fields {
        Fields(form_urlencoded::parse(body).into_owned().collect())
    }

    fn one(&self, name: &str) -> String {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect()
    }
}

pub struct RoleBox {
    value: &'static str,
    label: String,
    checked: bool,
}

pub struct StaffRow {
    id: i64,
    name: String,
    org: String,
    contacts: String,
    active: bool,
    roles: Vec<RoleBox>,
}

#[derive(Template)]
#[template(path = "admin_staff.html")]
struct StaffPage {
    tr: Tr,
    user_name: String,
    csrf: String,
    notice: Option<String>,
    problem: Option<String>,
    link: Option<String>,
    staff: Vec<StaffRow>,
    new_roles: Vec<RoleBox>,
    orgs: Vec<(String, String)>,
}

pub struct OrgRow {
    code: String,
    name: String,
    kind: String,
}

#[derive(Template)]
#[template(path = "admin_orgs.html")]
struct OrgsPage {
    tr: Tr,
    user_name: String,
    csrf: String,
    notice: Option<String>,
    problem: Option<String>,
    orgs: Vec<OrgRow>,
    csv: String,
}

pub struct MessageRow {
    id: i64,
    at: String,
    channel: String,
    address: String,
    what: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "admin_messages.html")]
struct MessagesPage {
    tr: Tr,
    user_name: String,
    csrf: String,
    notice: Option<String>,
    failed: Vec<MessageRow>,
    repeated: Vec<MessageRow>,
    inbox_on: bool,
    parked: Vec<MessageRow>,
}

/// The signed-in admin, or the response to send instead (sign-in page, or 403).
async fn admin(
    console: &Console,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<(ConsoleUser, Tr), Response> {
    let user = signed_in(console, headers, query).await?;
    let tr = Tr::of(query, Some(&user));
    match console.desk.admin_only(&user) {
        Ok(()) => Ok((user, tr)),
        Err(_) => Err(message(StatusCode::FORBIDDEN, tr, "console.refused_title", "admin.only", "/dasbor")),
    }
}

/// The signed-in admin and the fields of a form their session posted; the refusal instead
/// of a form without its CSRF token (or with another session's).
async fn admin_form(
    console: &Console,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    body: &[u8],
) -> Result<(ConsoleUser, Tr, Fields), Response> {
    let (user, tr) = admin(console, headers, query).await?;
    let fields = Fields::parse(body);
    if !session::session_form_ok(&user, &fields.one("csrf")) {
        return Err(message(StatusCode::FORBIDDEN, tr, "console.refused_title", "console.csrf_refused", "/admin/staf"));
    }
    Ok((user, tr, fields))
}

const ROLES: [Role; 7] =
    [Role::Helpdesk, Role::Technician, Role::Kasi, Role::Kabid, Role::Kadis, Role::ComplaintOfficial, Role::Admin];

fn role_boxes(tr: Tr, held: &[Role]) -> Vec<RoleBox> {
    ROLES
        .iter()
        .map(|r| RoleBox { value: r.as_str(), label: i18n::role(tr.lang, *r), checked: held.contains(r) })
        .collect()
}

async fn staff_page(
    console: &Console,
    user: &ConsoleUser,
    tr: Tr,
    status: StatusCode,
    said: (Option<String>, Option<String>, Option<String>),
) -> Response {
    let desk = &console.desk;
    let (staff, orgs) = match (desk.staff().await, desk.organisations().await) {
        (Ok(staff), Ok(orgs)) => (staff, orgs),
        (Err(err), _) | (_, Err(err)) => return internal(tr, &err),
    };
    let staff = staff
        .into_iter()
        .map(|p| StaffRow {
            id: p.id,
            contacts: dash(p.identities.iter().map(|(c, a)| format!("{c}: {a}")).collect::<Vec<_>>().join(", ")),
            org: dash(p.org_code.clone().unwrap_or_default()),
            active: p.active,
            roles: role_boxes(tr, &p.roles),
            name: p.name,
        })
        .collect();
    let (notice, problem, link) = said;
    let data = StaffPage {
        tr,
        user_name: user.person.name.clone(),
        csrf: user.csrf.clone(),
        notice,
        problem,
        link,
        staff,
        new_roles: role_boxes(tr, &[]),
        orgs: orgs.into_iter().map(|o| (o.code, o.name)).collect(),
    };
    page(status, &data)
}

pub async fn staff(State(console): State<Console>, Query(query): Params, headers: HeaderMap) -> Response {
    let (user, tr) = match admin(&console, &headers, &query).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    staff_page(&console, &user, tr, StatusCode::OK, (None, None, None)).await
}

/// The admin's error as the page's problem, or an apology for SIGAP's own failure.
async fn answer(
    console: &Console,
    user: &ConsoleUser,
    tr: Tr,
    result: Result<(String, Option<String>), AdminError>,
) -> Response {
    match result {
        Ok((notice, link)) => staff_page(console, user, tr, StatusCode::OK, (Some(notice), None, link)).await,
        Err(err) if err.is_internal() => internal(tr, &err),
        Err(err) => {
            let problem = err.localized(tr.lang);
            staff_page(console, user, tr, StatusCode::BAD_REQUEST, (None, Some(problem), None)).await
        }
    }
}

pub async fn add_staff(
    State(console): State<Console>,
    Query(query): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (user, tr, fields) = match admin_form(&console, &headers, &query, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let form = StaffForm {
        name: fields.one("name"),
        roles: fields.all("roles"),
        org: Some(fields.one("org")),
        telegram_id: Some(fields.one("telegram_id")),
        whatsapp: Some(fields.one("whatsapp")),
        locale: fields.one("locale"),
    };
    let result = console
        .desk
        .add_staff(&form)
        .await
        .map(|p| (rust_i18n::t!("admin.added", locale = tr.lang, name = p.name, id = p.id).into_owned(), None));
    answer(&console, &user, tr, result).await
}

/// Roles, enabling and disabling, and a sign-in link, for person `id`.
pub async fn change_staff(
    State(console): State<Console>,
    Path((id, what)): Path<(i64, String)>,
    Query(query): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (user, tr, fields) = match admin_form(&console, &headers, &query, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let desk = &console.desk;
    let done =
        |key: &str, name: &str| rust_i18n::t!(format!("admin.{key}"), locale = tr.lang, name = name).into_owned();
    let result = match what.as_str() {
        "peran" => desk.set_roles(id, &fields.all("roles")).await.map(|p| (done("roles_set", &p.name), None)),
        "nonaktif" => desk.set_active(id, false).await.map(|p| (done("disabled", &p.name), None)),
        "aktif" => desk.set_active(id, true).await.map(|p| (done("enabled", &p.name), None)),
        "tautan" => match desk.sign_in_link(id).await {
            Ok(secret) => Ok((done("link_made", &id.to_string()), Some(format!("/masuk/tautan/{secret}")))),
            Err(crate::service::ServiceError::UnknownPerson) => {
                Err(AdminError::Invalid(rust_i18n::t!("admin.no_link", locale = tr.lang).into_owned()))
            }
            Err(err) => Err(err.into()),
        },
        _ => return message(StatusCode::NOT_FOUND, tr, "console.missing_title", "web.no_such_page", "/admin/staf"),
    };
    answer(&console, &user, tr, result).await
}

pub async fn invite(State(console): State<Console>, Query(query): Params, headers: HeaderMap, body: Bytes) -> Response {
    let (user, tr, fields) = match admin_form(&console, &headers, &query, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let days = fields.one("days").trim().parse().unwrap_or(0);
    let org = fields.one("org");
    let result = console.desk.invite(&fields.one("role"), &fields.one("name"), Some(&org), days).await;
    let result = result.map(|invite| {
        let link = match &console.bot_username {
            Some(bot) => format!("https://t.me/{bot}?start={}", invite.code),
            None => format!("/start {}", invite.code),
        };
        let tz = console.desk.sop().calendar.timezone();
        let until = i18n::datetime(tr.lang, invite.expires_at, tz);
        (rust_i18n::t!("admin.invited", locale = tr.lang, until = until).into_owned(), Some(link))
    });
    answer(&console, &user, tr, result).await
}

async fn orgs_page(
    console: &Console,
    user: &ConsoleUser,
    tr: Tr,
    status: StatusCode,
    said: (Option<String>, Option<String>),
    csv: String,
) -> Response {
    let orgs = match console.desk.organisations().await {
        Ok(orgs) => orgs,
        Err(err) => return internal(tr, &err),
    };
    let (notice, problem) = said;
    let data = OrgsPage {
        tr,
        user_name: user.person.name.clone(),
        csrf: user.csrf.clone(),
        notice,
        problem,
        orgs: orgs.into_iter().map(|o| OrgRow { code: o.code, name: o.name, kind: o.kind }).collect(),
        csv,
    };
    page(status, &data)
}

pub async fn orgs(State(console): State<Console>, Query(query): Params, headers: HeaderMap) -> Response {
    let (user, tr) = match admin(&console, &headers, &query).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    orgs_page(&console, &user, tr, StatusCode::OK, (None, None), String::new()).await
}

pub async fn import_orgs(
    State(console): State<Console>,
    Query(query): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (user, tr, fields) = match admin_form(&console, &headers, &query, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let csv = fields.one("csv");
    match console.desk.import_orgs_csv(&csv, tr.lang).await {
        Ok((count, summary)) => {
            let notice = rust_i18n::t!(
                "cli.opd_imported",
                locale = tr.lang,
                count = count,
                new = summary.created,
                updated = summary.updated
            )
            .into_owned();
            orgs_page(&console, &user, tr, StatusCode::OK, (Some(notice), None), String::new()).await
        }
        Err(err) if err.is_internal() => internal(tr, &err),
        Err(err) => {
            let problem = err.localized(tr.lang);
            orgs_page(&console, &user, tr, StatusCode::BAD_REQUEST, (None, Some(problem)), csv).await
        }
    }
}

async fn messages_page(console: &Console, user: &ConsoleUser, tr: Tr, notice: Option<String>) -> Response {
    let desk = &console.desk;
    let tz = desk.sop().calendar.timezone();
    let (failed, repeated) = match (desk.failed_messages().await, desk.repeated_messages().await) {
        (Ok(f), Ok(r)) => (f, r),
        (Err(err), _) | (_, Err(err)) => return internal(tr, &err),
    };
    let parked = match &console.inbox {
        Some(inbox) => match desk.parked_deliveries(inbox).await {
            Ok(rows) => rows,
            Err(err) => return internal(tr, &err),
        },
        None => Vec::new(),
    };
    let outbox_row = |m: crate::store::outbox::OutboxRow, at| MessageRow {
        id: m.id,
        at: i18n::datetime(tr.lang, at, tz),
        channel: tr.t(&format!("console.channel_{}", m.channel)),
        address: m.address,
        what: m.kind,
        reason: dash(m.last_error.unwrap_or_default()),
    };
    let data = MessagesPage {
        tr,
        user_name: user.person.name.clone(),
        csrf: user.csrf.clone(),
        notice,
        failed: failed.into_iter().map(|m| outbox_row(m.clone(), m.created_at)).collect(),
        repeated: repeated.into_iter().map(|m| outbox_row(m.clone(), m.sent_at.unwrap_or(m.created_at))).collect(),
        inbox_on: console.inbox.is_some(),
        parked: parked
            .into_iter()
            .map(|d| MessageRow {
                id: d.id,
                at: i18n::datetime(tr.lang, d.received_at, tz),
                channel: d.channel,
                address: d.sender,
                what: d.attempts.to_string(),
                reason: dash(d.last_error.unwrap_or_default()),
            })
            .collect(),
    };
    page(StatusCode::OK, &data)
}

pub async fn messages(State(console): State<Console>, Query(query): Params, headers: HeaderMap) -> Response {
    let (user, tr) = match admin(&console, &headers, &query).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    messages_page(&console, &user, tr, None).await
}

/// Try a parked delivery again: the inbox's worker takes it at its next turn.
pub async fn retry(
    State(console): State<Console>,
    Path(id): Path<i64>,
    Query(query): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let tr = match admin_form(&console, &headers, &query, &body).await {
        Ok((_, tr, _)) => tr,
        Err(response) => return response,
    };
    let Some(inbox) = &console.inbox else {
        return message(StatusCode::NOT_FOUND, tr, "console.missing_title", "admin.no_inbox", "/admin/pesan");
    };
    match console.desk.retry_delivery(inbox, id).await {
        Ok(true) => Redirect::to(&tr.href("/admin/pesan")).into_response(),
        Ok(false) => {
            let text = rust_i18n::t!("cli.inbox_not_parked", locale = tr.lang, id = id).into_owned();
            let title = tr.t("console.refused_title");
            page(StatusCode::CONFLICT, &super::Message { tr, title, text, back: "/admin/pesan" })
        }
        Err(err) => internal(tr, &err),
    }
}
