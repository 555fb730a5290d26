//! The simulator's forms: a message typed, a button pressed, a file sent. Each checks the
//! browser's CSRF token and that the person is one of the demo office's, then hands the
//! action to [`WebChat`], the web channel's receiving side.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::super::session;
use super::super::{Console, Tr, internal, message};
use super::{FETCH, simulated};
use crate::channels::web::WebChat;
use crate::store::attachments::NewAttachment;

type Params = Query<HashMap<String, String>>;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SendForm {
    csrf: String,
    text: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PressForm {
    csrf: String,
    message: i64,
    button: usize,
}

/// What a post answers: a short text for the script, or the chat page to go back to.
fn answered(tr: Tr, id: i64, headers: &HeaderMap, toast: Option<String>) -> Response {
    if headers.contains_key(FETCH) {
        (StatusCode::OK, toast.unwrap_or_default()).into_response()
    } else {
        Redirect::to(&tr.href(&format!("/coba/{id}"))).into_response()
    }
}

fn refused(tr: Tr, id: i64) -> Response {
    message(StatusCode::FORBIDDEN, tr, "console.refused_title", "console.csrf_refused", &format!("/coba/{id}"))
}

pub async fn send(
    State(console): State<Console>,
    Path(id): Path<i64>,
    Query(query): Params,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SendForm>,
) -> Response {
    let tr = Tr::of(&query, None);
    if !session::pre_form_ok(&headers, &form.csrf) {
        return refused(tr, id);
    }
    let (_, address) = match simulated(&console, tr, id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match WebChat::new(console.desk.clone()).send(&address, &form.text, Vec::new()).await {
        Ok(()) => answered(tr, id, &headers, None),
        Err(err) => internal(tr, &err),
    }
}

pub async fn press(
    State(console): State<Console>,
    Path(id): Path<i64>,
    Query(query): Params,
    headers: HeaderMap,
    axum::Form(form): axum::Form<PressForm>,
) -> Response {
    let tr = Tr::of(&query, None);
    if !session::pre_form_ok(&headers, &form.csrf) {
        return refused(tr, id);
    }
    let (_, address) = match simulated(&console, tr, id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match WebChat::new(console.desk.clone()).press(&address, form.message, form.button).await {
        Ok(toast) => answered(tr, id, &headers, toast),
        Err(err) => internal(tr, &err),
    }
}

pub async fn upload(
    State(console): State<Console>,
    Path(id): Path<i64>,
    Query(query): Params,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let tr = Tr::of(&query, None);
    let (mut csrf, mut caption, mut files) = (String::new(), String::new(), Vec::new());
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                return message(
                    StatusCode::BAD_REQUEST,
                    tr,
                    "console.refused_title",
                    "demo.upload_bad",
                    &format!("/coba/{id}"),
                );
            }
        };
        match field.name().unwrap_or_default() {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "caption" => caption = field.text().await.unwrap_or_default(),
            "file" => {
                let mime = field.content_type().unwrap_or("application/octet-stream").to_owned();
                let file_name =
                    field.file_name().map(|n| crate::channels::clean_text(n).into_owned()).filter(|n| !n.is_empty());
                match field.bytes().await {
                    Ok(bytes) if !bytes.is_empty() => {
                        files.push(NewAttachment { bytes: bytes.to_vec(), mime, file_name })
                    }
                    Ok(_) => {}
                    Err(_) => {
                        return message(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            tr,
                            "console.refused_title",
                            "demo.upload_bad",
                            &format!("/coba/{id}"),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    if !session::pre_form_ok(&headers, &csrf) {
        return refused(tr, id);
    }
    let (_, address) = match simulated(&console, tr, id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if files.is_empty() {
        return answered(tr, id, &headers, Some(tr.t("demo.upload_none")));
    }
    match WebChat::new(console.desk.clone()).send(&address, &caption, files).await {
        Ok(()) => answered(tr, id, &headers, None),
        Err(err) => internal(tr, &err),
    }
}
