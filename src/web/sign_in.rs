//! Sign-in pages: ask for a code by phone or Telegram id, enter it; a printed link,
//! confirmed with one press (a chat app previewing the link must not use it up); sign-out.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::session::{self, PRE, SESSION};
use super::{Console, Tr, internal, message, page};
use crate::service::{CODE_MINUTES, NewSession, SignInError};

type Params = Query<HashMap<String, String>>;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WhoForm {
    csrf: String,
    who: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    csrf: String,
    who: String,
    code: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    tr: Tr,
    csrf: String,
}

#[derive(Template)]
#[template(path = "code.html")]
struct CodePage {
    tr: Tr,
    csrf: String,
    who: String,
    sent: String,
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "link.html")]
struct LinkPage {
    tr: Tr,
    csrf: String,
    action: String,
}

/// A pre-sign-in page, with the CSRF cookie set when the browser has none yet.
fn with_pre_token(headers: &HeaderMap, render: impl FnOnce(String) -> Response) -> Response {
    let (token, fresh) = session::pre_token(headers);
    let mut response = render(token.clone());
    if fresh {
        session::set_cookie(&mut response, PRE, &token, 3600);
    }
    response
}

fn refused(tr: Tr) -> Response {
    message(StatusCode::FORBIDDEN, tr, "console.refused_title", "console.csrf_refused", "/masuk")
}

fn code_page(tr: Tr, csrf: String, who: String, problem: Option<String>, status: StatusCode) -> Response {
    let sent = rust_i18n::t!("console.code_sent", locale = tr.lang, minutes = CODE_MINUTES).into_owned();
    page(status, &CodePage { tr, csrf, who, sent, problem })
}

pub async fn form(Query(query): Params, headers: HeaderMap) -> Response {
    let tr = Tr::of(&query, None);
    with_pre_token(&headers, |csrf| page(StatusCode::OK, &SignInPage { tr, csrf }))
}

pub async fn request_code(
    State(console): State<Console>,
    Query(query): Params,
    headers: HeaderMap,
    Form(form): Form<WhoForm>,
) -> Response {
    let tr = Tr::of(&query, None);
    if !session::pre_form_ok(&headers, &form.csrf) {
        return refused(tr);
    }
    // The same page whoever was named: the answer must not tell who is registered.
    match console.desk.request_sign_in_code(&form.who).await {
        Ok(()) => code_page(tr, form.csrf, form.who.trim().to_owned(), None, StatusCode::OK),
        Err(err) => internal(tr, &err),
    }
}

pub async fn submit_code(
    State(console): State<Console>,
    Query(query): Params,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let tr = Tr::of(&query, None);
    if !session::pre_form_ok(&headers, &form.csrf) {
        return refused(tr);
    }
    match console.desk.sign_in_with_code(&form.who, &form.code).await {
        Ok(new) => signed_in(tr, &new),
        Err(SignInError::Wrong) => {
            let problem = Some(tr.t("console.code_wrong"));
            code_page(tr, form.csrf, form.who, problem, StatusCode::UNAUTHORIZED)
        }
        Err(SignInError::TooMany) => {
            let problem = Some(tr.t("console.code_too_many"));
            code_page(tr, form.csrf, form.who, problem, StatusCode::TOO_MANY_REQUESTS)
        }
        Err(SignInError::Service(err)) => internal(tr, &err),
    }
}

pub async fn link_form(Path(secret): Path<String>, Query(query): Params, headers: HeaderMap) -> Response {
    let tr = Tr::of(&query, None);
    let action = tr.href(&format!("/masuk/tautan/{secret}"));
    with_pre_token(&headers, |csrf| page(StatusCode::OK, &LinkPage { tr, csrf, action }))
}

pub async fn submit_link(
    State(console): State<Console>,
    Path(secret): Path<String>,
    Query(query): Params,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let tr = Tr::of(&query, None);
    if !session::pre_form_ok(&headers, &form.csrf) {
        return refused(tr);
    }
    match console.desk.sign_in_with_link(&secret).await {
        Ok(new) => signed_in(tr, &new),
        Err(SignInError::Wrong | SignInError::TooMany) => {
            message(StatusCode::UNAUTHORIZED, tr, "console.refused_title", "console.link_wrong", "/masuk")
        }
        Err(SignInError::Service(err)) => internal(tr, &err),
    }
}

pub async fn sign_out(
    State(console): State<Console>,
    Query(query): Params,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some(token) = session::cookie(&headers, SESSION) else { return Redirect::to("/masuk").into_response() };
    let user = match console.desk.console_user(token).await {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to("/masuk").into_response(),
        Err(err) => return internal(Tr::of(&query, None), &err),
    };
    let tr = Tr::of(&query, Some(&user));
    if !session::session_form_ok(&user, &form.csrf) {
        return refused(tr);
    }
    if let Err(err) = console.desk.sign_out(token).await {
        return internal(tr, &err);
    }
    let mut response = Redirect::to(&tr.href("/")).into_response();
    session::set_cookie(&mut response, SESSION, "", 0);
    response
}

fn signed_in(tr: Tr, new: &NewSession) -> Response {
    let mut response = Redirect::to(&tr.href("/dasbor")).into_response();
    let seconds = crate::service::SESSION_HOURS * 3600;
    session::set_cookie(&mut response, SESSION, &new.token, seconds);
    response.headers_mut().insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    response
}
