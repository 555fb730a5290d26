//! The web console, served by the one HTTP server: a landing page, password-less sign-in,
//! the dashboard and the ticket pages. It is an adapter like the chat channels: every page
//! is a view over a [`Helpdesk`] call, every rule (who signs in, who sees what) lives in the
//! service. Templates (`templates/`) and the style sheet are compiled into the binary: no
//! build step, no CDN, works on an office LAN with no internet.
//!
//! Layout: this file holds the router, the language of a page and the response helpers;
//! [`session`] the cookies and CSRF checks; [`sign_in`] and [`board`] the handlers.
//! [`demo`] is "Coba SIGAP", the chat simulator, mounted only when the demo is on.

mod admin;
mod board;
mod charts;
pub mod demo;
mod files;
mod records;
mod session;
mod sign_in;
mod sop;

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use rust_i18n::t;

use crate::service::{ConsoleUser, Helpdesk};

const STYLE: &str = include_str!("style.css");

/// What the console's handlers share.
#[derive(Clone)]
pub struct Console {
    pub desk: Helpdesk,
    /// The chat channels and intakes that are on, with details (the monitoring tools).
    pub channels: Vec<(crate::domain::ticket::Channel, Vec<String>)>,
    /// "Coba SIGAP" (the chat simulator over the demo office), when on.
    pub demo: Option<demo::Demo>,
    /// The webhook inbox's database, when a channel is on: the admin retries parked deliveries.
    pub inbox: Option<sea_orm::DatabaseConnection>,
    /// The Telegram bot's @name, for invite links.
    pub bot_username: Option<String>,
}

pub fn routes(console: Console) -> Router {
    Router::new()
        .route("/", get(landing))
        .route("/masuk", get(sign_in::form).post(sign_in::request_code))
        .route("/masuk/kode", post(sign_in::submit_code))
        .route("/masuk/tautan/{secret}", get(sign_in::link_form).post(sign_in::submit_link))
        .route("/keluar", post(sign_in::sign_out))
        .route("/dasbor", get(board::dashboard))
        .route("/tiket/{number}", get(board::ticket))
        .route("/tiket/{number}/tindakan", post(board::act))
        .merge(demo::routes(console.demo.is_some()))
        .route("/tiket/{number}/lampiran/{id}", get(files::attachment))
        .route("/tiket/{number}/surat/{name}", get(files::paper))
        .route("/laporan", get(records::records_page))
        .route("/laporan/unduh/{file}", get(records::download))
        .route("/laporan/grafik/{file}", get(records::chart))
        .route("/sop", get(sop::sop))
        .route("/admin/staf", get(admin::staff).post(admin::add_staff))
        .route("/admin/staf/{id}/{what}", post(admin::change_staff))
        .route("/admin/undangan", post(admin::invite))
        .route("/admin/opd", get(admin::orgs).post(admin::import_orgs))
        .route("/admin/pesan", get(admin::messages))
        .route("/admin/kotak-masuk/{id}/ulang", post(admin::retry))
        .with_state(console)
}

/// The language of a page and how to write its texts and links.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: &'static str,
    /// Asked for with `?lang=`: links carry it on, so the choice survives navigation.
    pub explicit: bool,
}

impl Tr {
    /// `?lang=` first, then the signed-in person's language, then Bahasa Indonesia.
    pub fn of(query: &HashMap<String, String>, user: Option<&ConsoleUser>) -> Tr {
        match query.get("lang").map(String::as_str).filter(|l| crate::i18n::LOCALES.contains(l)) {
            Some(lang) => Tr { lang: crate::i18n::locale(lang), explicit: true },
            None => Tr { lang: user.map_or("id", |u| crate::i18n::locale(&u.person.locale)), explicit: false },
        }
    }

    pub fn t(&self, key: &str) -> String {
        t!(key, locale = self.lang).into_owned()
    }

    pub fn style(&self) -> &'static str {
        STYLE
    }

    pub fn href(&self, path: &str) -> String {
        if self.explicit {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("{path}{sep}lang={}", self.lang)
        } else {
            path.to_owned()
        }
    }

    pub fn other_lang(&self) -> &'static str {
        if self.lang == "id" { "en" } else { "id" }
    }

    pub fn other_lang_href(&self) -> String {
        format!("?lang={}", self.other_lang())
    }
}

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing<'a> {
    tr: Tr,
    office: &'a str,
    sop_name: &'a str,
    channels: Vec<String>,
    /// Where "Coba SIGAP" starts, when the demo is on.
    try_href: Option<String>,
}

async fn landing(State(console): State<Console>, Query(query): Query<HashMap<String, String>>) -> Response {
    let tr = Tr::of(&query, None);
    let header = &console.desk.sop().sop.header;
    let channels = console
        .channels
        .iter()
        .map(|(channel, details)| {
            let name = tr.t(&format!("console.channel_{channel}"));
            if details.is_empty() { name } else { format!("{name} ({})", details.join(", ")) }
        })
        .collect();
    let try_href = console.demo.map(|_| tr.href("/coba"));
    page(StatusCode::OK, &Landing { tr, office: &header.office, sop_name: &header.name, channels, try_href })
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    tr: Tr,
    title: String,
    text: String,
    back: &'a str,
}

/// A page that only says something: a refusal, an error.
fn message(status: StatusCode, tr: Tr, title_key: &str, text_key: &str, back: &str) -> Response {
    page(status, &Message { tr, title: tr.t(title_key), text: tr.t(text_key), back })
}

/// A template rendered, with the headers every console page carries: never cached (pages
/// show one person's view), never framed, never leaking its address (a sign-in link's
/// secret is in it) to another site.
fn page(status: StatusCode, template: &impl Template) -> Response {
    let mut response = match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => {
            tracing::error!(%err, "rendering a console page");
            (StatusCode::INTERNAL_SERVER_ERROR, t!("console.internal", locale = "id").into_owned()).into_response()
        }
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// A service failure: logged, and the person gets an apology without its details.
fn internal(tr: Tr, err: &dyn std::fmt::Display) -> Response {
    tracing::error!(%err, "console");
    message(StatusCode::INTERNAL_SERVER_ERROR, tr, "console.error_title", "console.internal", "/")
}
