//! The HTTP side: `POST /{v}/{phone-number-id}/messages` (JSON), `POST /{v}/{phone-number-id}/media`
//! (multipart), `GET /{v}/{media-id}`, and the media download URL that lookup hands out
//! (`/whatsapp_business/attachments/?mid=…`, like Meta's lookaside host). Every call needs the
//! bearer token; each is recorded, checked, then answered with an injected failure, Meta's
//! refusal, or Meta's success shape.

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

use super::{FakeGraph, Recorded, StoredMedia, errors, validate};

pub async fn serve(listener: TcpListener, fake: FakeGraph) {
    let app = Router::new().fallback(handle).layer(DefaultBodyLimit::max(64 * 1024 * 1024)).with_state(fake);
    let _ = axum::serve(listener, app).await;
}

async fn handle(State(fake): State<FakeGraph>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let authorized = authorized(&fake, request.headers());
    let (to, body, status, answer) = match (&method, segments.as_slice()) {
        (&Method::POST, [version, phone, "messages"]) => {
            let (version, phone) = (version.to_string(), phone.to_string());
            send(&fake, authorized, &version, &phone, request).await
        }
        (&Method::POST, [version, phone, "media"]) => {
            let (version, phone) = (version.to_string(), phone.to_string());
            let (body, status, answer) = upload(&fake, authorized, &version, &phone, request).await;
            (None, body, status, answer)
        }
        (&Method::GET, ["whatsapp_business", "attachments", ""]) => {
            let query = request.uri().query().unwrap_or_default().to_owned();
            return download(&fake, authorized, &path, &query);
        }
        (&Method::GET, [version, media_id]) => {
            let (body, status, answer) = media_info(&fake, authorized, version, media_id);
            (None, body, status, answer)
        }
        _ => {
            let violation = format!("{method} {path}: no such endpoint");
            fake.state().violations.push(violation);
            (None, Value::Null, 400, graph_error(&fake, 100, Some("Unknown path components")))
        }
    };
    let answered = answer.clone();
    fake.state().requests.push(Recorded { method: method.to_string(), path, to, body, status, answer: answered });
    (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), axum::Json(answer)).into_response()
}

fn authorized(fake: &FakeGraph, headers: &HeaderMap) -> bool {
    let expected = format!("Bearer {}", fake.token());
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some(expected.as_str())
}

fn graph_error(fake: &FakeGraph, code: i64, details: Option<&str>) -> Value {
    let trace = fake.state().new_trace();
    errors::envelope(code, details, &trace)
}

/// Problems with the path and the token that Meta answers before looking at the body.
fn precheck(
    fake: &FakeGraph,
    authorized: bool,
    what: &str,
    version: &str,
    phone: Option<&str>,
) -> Option<(u16, Value)> {
    if !authorized {
        fake.state().violations.push(format!("{what}: missing or wrong bearer token"));
        return Some((401, graph_error(fake, 190, None)));
    }
    let version_ok = version
        .strip_prefix('v')
        .and_then(|v| v.split_once('.'))
        .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && (a.to_owned() + b).bytes().all(|c| c.is_ascii_digit()));
    if !version_ok {
        fake.state().violations.push(format!("{what}: `{version}` is not a Graph API version"));
        return Some((400, graph_error(fake, 100, Some("Unknown path components"))));
    }
    if let Some(phone) = phone.filter(|p| *p != fake.phone_number_id()) {
        fake.state().violations.push(format!("{what}: unknown phone number id `{phone}`"));
        let details = format!("Unsupported post request. Object with ID '{phone}' does not exist");
        return Some((400, graph_error(fake, 100, Some(&details))));
    }
    None
}

async fn send(
    fake: &FakeGraph,
    authorized: bool,
    version: &str,
    phone: &str,
    request: Request,
) -> (Option<String>, Value, u16, Value) {
    let json_body = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let bytes = axum::body::to_bytes(request.into_body(), usize::MAX).await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let to = body.get("to").and_then(Value::as_str).map(|to| to.trim_start_matches('+').to_owned());
    if let Some((status, answer)) = precheck(fake, authorized, "messages", version, Some(phone)) {
        return (to, body, status, answer);
    }
    let mut problems = Vec::new();
    if !json_body {
        problems.push("Content-Type must be application/json".to_owned());
    }
    // "Send typing indicator and read receipt": the same endpoint, another body.
    if body.get("status").is_some() {
        problems.extend(validate::read_receipt(&body));
        if let Some(problem) = problems.first() {
            fake.state().violations.push(format!("read receipt: {problem}"));
            return (None, body.clone(), 400, graph_error(fake, 100, Some(problem)));
        }
        fake.state().read.push(body["message_id"].as_str().unwrap_or_default().to_owned());
        return (None, body, 200, json!({ "success": true }));
    }
    problems.extend(validate::message(&body, |id| fake.state().media.contains_key(id)));
    let failure = {
        let mut state = fake.state();
        state.violations.extend(problems.iter().map(|p| format!("messages to {to:?}: {p}")));
        match to.as_ref().and_then(|to| state.failures.get_mut(to)).and_then(|queue| queue.pop_front()) {
            Some(failure) => Some(failure),
            None if problems.is_empty() => state.random_failure(),
            None => None,
        }
    };
    if let Some((code, status)) = failure {
        return (to, body.clone(), status, graph_error(fake, code, None));
    }
    if let Some(problem) = problems.first() {
        return (to, body.clone(), 400, graph_error(fake, 100, Some(problem)));
    }
    let to_digits = to.clone().unwrap_or_default();
    let wamid = fake.state().new_wamid(&to_digits);
    let mut message = json!({ "id": wamid });
    if body["type"] == "template" {
        message["message_status"] = json!("accepted");
    }
    let answer = json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": body["to"], "wa_id": to_digits }],
        "messages": [message],
    });
    let status_webhook = fake.state().status_webhook.clone();
    if let Some((url, secret)) = status_webhook {
        let mut status = super::webhook::status(&wamid, "sent", &to_digits, &[]);
        if let Some(tag) = body.get("biz_opaque_callback_data") {
            status["entry"][0]["changes"][0]["value"]["statuses"][0]["biz_opaque_callback_data"] = tag.clone();
        }
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            let bytes = serde_json::to_vec(&status).unwrap();
            let signature = super::webhook::sign(&secret, &bytes);
            // The service may be down (killed): Meta would retry later; this fake does not.
            let _ = reqwest::Client::new()
                .post(url)
                .header("content-type", "application/json")
                .header("X-Hub-Signature-256", signature)
                .body(bytes)
                .send()
                .await;
        });
    }
    (to, body, 200, answer)
}

async fn upload(
    fake: &FakeGraph,
    authorized: bool,
    version: &str,
    phone: &str,
    request: Request,
) -> (Value, u16, Value) {
    if let Some((status, answer)) = precheck(fake, authorized, "media", version, Some(phone)) {
        return (Value::Null, status, answer);
    }
    let mut fields = serde_json::Map::new();
    let mut file: Option<StoredMedia> = None;
    let mut problems = Vec::new();
    match Multipart::from_request(request, &()).await {
        Err(e) => problems.push(format!("not multipart/form-data: {e}")),
        Ok(mut multipart) => loop {
            match multipart.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or_default().to_owned();
                    let file_name = field.file_name().map(str::to_owned);
                    let mime = field.content_type().map(str::to_owned);
                    let bytes = field.bytes().await.unwrap_or_default().to_vec();
                    if name == "file" {
                        fields.insert(
                            "file".into(),
                            json!({ "file_name": file_name, "content_type": mime, "size": bytes.len() }),
                        );
                        file = Some(StoredMedia { bytes, mime: mime.unwrap_or_default(), file_name });
                    } else {
                        fields.insert(name, json!(String::from_utf8_lossy(&bytes)));
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    problems.push(format!("bad multipart part: {e}"));
                    break;
                }
            }
        },
    }
    if fields.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        problems.push("messaging_product must be whatsapp".into());
    }
    let mime = fields.get("type").and_then(Value::as_str).map(str::to_owned);
    if mime.as_deref().is_none_or(str::is_empty) {
        problems.push("type (the file's MIME type) is required".into());
    }
    if file.is_none() {
        problems.push("file is required".into());
    }
    let body = Value::Object(fields);
    let (Some(mut stored), None) = (file, problems.first()) else {
        let problem = problems.first().cloned().unwrap_or_default();
        fake.state().violations.extend(problems.into_iter().map(|p| format!("media: {p}")));
        return (body, 400, graph_error(fake, 100, Some(&problem)));
    };
    stored.mime = mime.unwrap_or_default();
    let id = {
        let mut state = fake.state();
        let id = state.new_media_id();
        state.media.insert(id.clone(), stored);
        id
    };
    (body, 200, json!({ "id": id }))
}

fn media_info(fake: &FakeGraph, authorized: bool, version: &str, media_id: &str) -> (Value, u16, Value) {
    if let Some((status, answer)) = precheck(fake, authorized, "media lookup", version, None) {
        return (Value::Null, status, answer);
    }
    let Some(media) = fake.media(media_id) else {
        let details = format!("Unsupported get request. Object with ID '{media_id}' does not exist");
        return (Value::Null, 400, graph_error(fake, 100, Some(&details)));
    };
    let url = format!("{}/whatsapp_business/attachments/?mid={media_id}&ext=1750000000&hash=ATtest", fake.api_url());
    let answer = json!({
        "url": url,
        "mime_type": media.mime,
        "sha256": hex::encode(Sha256::digest(&media.bytes)),
        "file_size": media.bytes.len(),
        "id": media_id,
        "messaging_product": "whatsapp",
    });
    (Value::Null, 200, answer)
}

fn download(fake: &FakeGraph, authorized: bool, path: &str, query: &str) -> Response {
    let media_id = query.split('&').find_map(|pair| pair.strip_prefix("mid=")).unwrap_or_default().to_owned();
    let media = fake.media(&media_id);
    let status = match (&media, authorized) {
        (_, false) => 401,
        (None, true) => 404,
        (Some(_), true) => 200,
    };
    if !authorized {
        fake.state().violations.push(format!("download of {media_id}: missing or wrong bearer token"));
    }
    fake.state().requests.push(Recorded {
        method: "GET".into(),
        path: format!("{path}?{query}"),
        to: None,
        body: Value::Null,
        status,
        answer: Value::Null,
    });
    match media {
        Some(media) if authorized => ([(header::CONTENT_TYPE, media.mime)], Body::from(media.bytes)).into_response(),
        _ => StatusCode::from_u16(status).unwrap_or(StatusCode::NOT_FOUND).into_response(),
    }
}
