//! "Coba SIGAP": the chat simulator over the demo office, mounted only when the demo is on
//! (`SIGAP_DEMO`). Pick a person, see their chat as SIGAP's messages arrive, type, press the
//! card's buttons, send a photo, switch to the next person; the office's dashboard beside
//! it. Every action goes to [`crate::channels::web::WebChat`], the web channel's receiving side, which hands it to
//! the core exactly as a Telegram update is; this module only draws pages and reads forms.
//!
//! The pages work without JavaScript (forms post and come back); a few lines of script
//! (`demo.js`) post them in the background and poll the chat and the dashboard. The forms
//! themselves are read in [`forms`].

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::session::{self, SESSION};
use super::{Console, Tr, internal, message, page};
use crate::i18n;
use crate::service::Board;
use crate::store::attachments::MAX_BYTES;
use crate::store::web_chat::{self, WebMessage};

const SCRIPT: &str = include_str!("demo.js");
const STYLE: &str = include_str!("demo.css");
/// Messages a chat shows: the latest, however long the chat has become.
const SHOWN: u64 = 60;
/// The header the script sends: it wants a short answer, not a page to follow.
const FETCH: &str = "x-sigap-fetch";

mod forms;

type Params = Query<HashMap<String, String>>;

/// The simulator's routes; none when the demo is off, so its addresses answer 404.
pub fn routes(on: bool) -> Router<Console> {
    if !on {
        return Router::new();
    }
    Router::new()
        .route("/coba", get(people))
        .route("/coba/papan", get(board_fragment))
        .route("/coba/{id}", get(chat))
        .route("/coba/{id}/pesan", get(messages_fragment))
        .route("/coba/{id}/kirim", post(forms::send))
        .route("/coba/{id}/tekan", post(forms::press))
        // A photo may be as large as one sent in chat, plus the form around it.
        .route("/coba/{id}/foto", post(forms::upload).layer(DefaultBodyLimit::max(MAX_BYTES + 64 * 1024)))
}

pub struct PersonLink {
    href: String,
    name: String,
    role: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "demo_people.html")]
struct PeoplePage {
    tr: Tr,
    people: Vec<PersonLink>,
}

#[derive(Template)]
#[template(path = "demo_chat.html")]
struct ChatPage {
    tr: Tr,
    csrf: String,
    name: String,
    role: String,
    people: Vec<PersonLink>,
    messages: String,
    board: String,
    send_href: String,
    photo_href: String,
    poll_href: String,
    board_href: String,
    script: &'static str,
    style: &'static str,
}

pub struct Pressable {
    index: usize,
    label: String,
}

pub struct Bubble {
    id: i64,
    mine: bool,
    text: String,
    files: Vec<String>,
    buttons: Vec<Pressable>,
    at: String,
}

#[derive(Template)]
#[template(path = "demo_messages.html")]
struct MessagesFragment {
    tr: Tr,
    csrf: String,
    press_href: String,
    bubbles: Vec<Bubble>,
}

pub struct BoardRow {
    number: String,
    org: String,
    assignees: String,
    due: String,
    late: bool,
}

pub struct BoardStep {
    name: String,
    rows: Vec<BoardRow>,
}

#[derive(Template)]
#[template(path = "demo_board.html")]
struct BoardFragment {
    tr: Tr,
    /// None: the dashboard is not shown without signing in (real channels are on too).
    board: Option<(u64, u64, Vec<BoardStep>)>,
}

async fn people(State(console): State<Console>, Query(query): Params) -> Response {
    let tr = Tr::of(&query, None);
    match person_links(&console, tr, None).await {
        Ok(people) => page(StatusCode::OK, &PeoplePage { tr, people }),
        Err(err) => internal(tr, &err),
    }
}

async fn person_links(
    console: &Console,
    tr: Tr,
    current: Option<i64>,
) -> Result<Vec<PersonLink>, crate::service::ServiceError> {
    Ok(console
        .desk
        .demo_people()
        .await?
        .into_iter()
        .map(|(person, _)| PersonLink {
            href: tr.href(&format!("/coba/{}", person.id)),
            role: person.roles.iter().map(|r| i18n::role(tr.lang, *r)).collect::<Vec<_>>().join(", "),
            current: current == Some(person.id),
            name: person.name,
        })
        .collect())
}

/// The simulated person `id` and their chat's address, or the page that refuses.
async fn simulated(
    console: &Console,
    tr: Tr,
    id: i64,
) -> Result<(crate::store::directory::PersonRecord, String), Response> {
    match console.desk.demo_person(id).await {
        Ok(Some(found)) => Ok(found),
        Ok(None) => Err(message(StatusCode::NOT_FOUND, tr, "console.missing_title", "demo.no_such_person", "/coba")),
        Err(err) => Err(internal(tr, &err)),
    }
}

async fn chat(
    State(console): State<Console>,
    Path(id): Path<i64>,
    Query(query): Params,
    headers: HeaderMap,
) -> Response {
    let tr = Tr::of(&query, None);
    let (person, address) = match simulated(&console, tr, id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (csrf, fresh) = session::pre_token(&headers);
    let messages = match render_messages(&console, tr, &csrf, id, &address).await {
        Ok(html) => html,
        Err(response) => return response,
    };
    let board = match render_board(&console, tr, &headers).await {
        Ok(html) => html,
        Err(response) => return response,
    };
    let people = match person_links(&console, tr, Some(id)).await {
        Ok(people) => people,
        Err(err) => return internal(tr, &err),
    };
    let base = format!("/coba/{id}");
    let data = ChatPage {
        tr,
        csrf: csrf.clone(),
        role: person.roles.iter().map(|r| i18n::role(tr.lang, *r)).collect::<Vec<_>>().join(", "),
        name: person.name,
        people,
        messages,
        board,
        send_href: tr.href(&format!("{base}/kirim")),
        photo_href: tr.href(&format!("{base}/foto")),
        poll_href: tr.href(&format!("{base}/pesan")),
        board_href: tr.href("/coba/papan"),
        script: SCRIPT,
        style: STYLE,
    };
    let mut response = page(StatusCode::OK, &data);
    if fresh {
        session::set_cookie(&mut response, session::PRE, &csrf, 3600 * 8);
    }
    response
}

async fn render_messages(console: &Console, tr: Tr, csrf: &str, id: i64, address: &str) -> Result<String, Response> {
    let rows = web_chat::latest(console.desk.db(), address, SHOWN).await.map_err(|e| internal(tr, &e))?;
    let tz = console.desk.sop().calendar.timezone();
    let bubbles = rows.into_iter().map(|m| bubble(m, tz)).collect();
    let fragment =
        MessagesFragment { tr, csrf: csrf.to_owned(), press_href: tr.href(&format!("/coba/{id}/tekan")), bubbles };
    fragment.render().map_err(|e| internal(tr, &e))
}

fn bubble(message: WebMessage, tz: chrono_tz::Tz) -> Bubble {
    let shown = message.shown;
    let labels = shown.buttons.iter().map(|b| b.label.clone()).chain(shown.choices.iter().map(|c| c.label.clone()));
    Bubble {
        id: message.id,
        mine: message.from_person,
        text: shown.text,
        files: shown.files,
        buttons: labels.enumerate().map(|(index, label)| Pressable { index, label }).collect(),
        at: message.updated_at.with_timezone(&tz).format("%H:%M").to_string(),
    }
}

/// The office's dashboard beside the chat: open to all when the demo is all there is, and
/// only to a signed-in person (with their own view) when real channels are on too.
async fn render_board(console: &Console, tr: Tr, headers: &HeaderMap) -> Result<String, Response> {
    let signed_in = match session::cookie(headers, SESSION) {
        Some(token) => console.desk.console_user(token).await.map_err(|e| internal(tr, &e))?,
        None => None,
    };
    let board = match signed_in {
        Some(user) => Some(
            console
                .desk
                .board(&user, &crate::service::BoardFilter::default(), tr.lang)
                .await
                .map_err(|e| internal(tr, &e))?,
        ),
        None if console.demo.is_some_and(|d| d.open_board) => {
            console.desk.demo_board(tr.lang).await.map_err(|e| internal(tr, &e))?
        }
        None => None,
    };
    let tz = console.desk.sop().calendar.timezone();
    let board = board.map(|b: Board| {
        // The board's page of tickets (the most urgent first) shown under each step's name.
        let mut tickets = b.tickets;
        let steps = b
            .queues
            .into_iter()
            .map(|q| BoardStep {
                name: q.name,
                rows: tickets
                    .extract_if(.., |t| t.step == q.step)
                    .map(|t| BoardRow {
                        number: t.number,
                        org: t.org.unwrap_or_default(),
                        assignees: t.assignees.join(", "),
                        due: t.due.map_or_else(|| "-".to_owned(), |at| i18n::datetime(tr.lang, at, tz)),
                        late: t.late,
                    })
                    .collect(),
            })
            .collect();
        (b.today, b.month, steps)
    });
    BoardFragment { tr, board }.render().map_err(|e| internal(tr, &e))
}

async fn messages_fragment(
    State(console): State<Console>,
    Path(id): Path<i64>,
    Query(query): Params,
    headers: HeaderMap,
) -> Response {
    let tr = Tr::of(&query, None);
    let (_, address) = match simulated(&console, tr, id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    // No cookie yet means no form can be posted anyway: the fragment's forms carry none.
    let csrf = session::cookie(&headers, session::PRE).unwrap_or_default().to_owned();
    match render_messages(&console, tr, &csrf, id, &address).await {
        Ok(html) => fragment(html),
        Err(response) => response,
    }
}

async fn board_fragment(State(console): State<Console>, Query(query): Params, headers: HeaderMap) -> Response {
    let tr = Tr::of(&query, None);
    match render_board(&console, tr, &headers).await {
        Ok(html) => fragment(html),
        Err(response) => response,
    }
}

fn fragment(html: String) -> Response {
    let mut response = axum::response::Html(html).into_response();
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    response
}

/// The demo is on; `open_board`: nothing real is configured, so the simulator shows the
/// office's dashboard to whoever opens it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demo {
    pub open_board: bool,
}
