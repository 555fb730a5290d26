//! A ticket's files: an attachment as it was received, and its papers rendered as PDF. An
//! image is shown in the page; anything else is only ever downloaded, never run by the
//! browser as a page of SIGAP's.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::board::signed_in;
use super::{Console, Tr, internal, message};
use crate::documents::Kind;
use crate::service::ViewError;

type Params = Query<HashMap<String, String>>;

fn refusal(tr: Tr, err: ViewError) -> Response {
    match err {
        ViewError::Forbidden => {
            message(StatusCode::FORBIDDEN, tr, "console.refused_title", "console.not_yours", "/dasbor")
        }
        ViewError::NotFound => {
            message(StatusCode::NOT_FOUND, tr, "console.missing_title", "web.no_such_file", "/dasbor")
        }
        ViewError::Service(err) => internal(tr, &err),
    }
}

fn file(bytes: Vec<u8>, content_type: &str, disposition: String) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let content_type =
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

/// A name safe in a header: letters, digits, dots, dashes and underscores.
fn safe_name(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    if cleaned.is_empty() { "file".to_owned() } else { cleaned }
}

pub async fn attachment(
    State(console): State<Console>,
    Path((number, id)): Path<(String, i64)>,
    Query(query): Params,
    headers: HeaderMap,
) -> Response {
    let user = match signed_in(&console, &headers, &query).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let tr = Tr::of(&query, Some(&user));
    let (row, bytes) = match console.desk.console_attachment(&user, &number, id).await {
        Ok(found) => found,
        Err(err) => return refusal(tr, err),
    };
    let name = safe_name(row.file_name.as_deref().unwrap_or(&format!("{number}-{id}")));
    // Pictures a browser draws without running anything; SVG can carry script, so it is not one.
    let picture = matches!(row.mime.as_str(), "image/jpeg" | "image/png" | "image/gif" | "image/webp");
    if picture {
        file(bytes, &row.mime, format!("inline; filename=\"{name}\""))
    } else if row.mime == "application/pdf" {
        file(bytes, "application/pdf", format!("attachment; filename=\"{name}\""))
    } else {
        file(bytes, "application/octet-stream", format!("attachment; filename=\"{name}\""))
    }
}

pub async fn paper(
    State(console): State<Console>,
    Path((number, name)): Path<(String, String)>,
    Query(query): Params,
    headers: HeaderMap,
) -> Response {
    let user = match signed_in(&console, &headers, &query).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let tr = Tr::of(&query, Some(&user));
    let kind = match name.as_str() {
        "completion.pdf" => Kind::Completion,
        "work.pdf" => Kind::Work,
        "replacement.pdf" => Kind::Replacement,
        _ => return refusal(tr, ViewError::NotFound),
    };
    match console.desk.console_paper(&user, &number, kind, tr.lang).await {
        Ok(pdf) => {
            let name = safe_name(&format!("{number}-{name}"));
            file(pdf, "application/pdf", format!("attachment; filename=\"{name}\""))
        }
        Err(err) => refusal(tr, err),
    }
}
