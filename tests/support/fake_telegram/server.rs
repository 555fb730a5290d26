//! The HTTP side: `/bot<token>/<method>` (any case, GET or POST, with a query string, JSON,
//! form or multipart body) and `/file/bot<token>/<file_path>`. Each call is parsed into one
//! JSON object, checked against the spec, then answered with an injected failure, Telegram's
//! refusal, or the method's result. A dropped connection is a connection whose socket starts
//! failing: hyper then closes it without writing the response.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;

use super::connection::{Kill, Killable};
use super::{Failure, FakeTelegram, Recorded, RecordedFile, methods, spec};

pub async fn serve(listener: TcpListener, fake: FakeTelegram) {
    let app = Router::new().fallback(handle).layer(DefaultBodyLimit::max(64 * 1024 * 1024)).with_state(fake);
    let _ = axum::serve(Killable(listener), app.into_make_service_with_connect_info::<Kill>()).await;
}

async fn handle(State(fake): State<FakeTelegram>, ConnectInfo(kill): ConnectInfo<Kill>, request: Request) -> Response {
    let segments: Vec<String> = request.uri().path().trim_start_matches('/').split('/').map(percent_decode).collect();
    match segments.as_slice() {
        [file, bot, path @ ..] if file == "file" && bot.starts_with("bot") && !path.is_empty() => {
            download(&fake, &bot[3..], &path.join("/"))
        }
        [bot, method] if bot.starts_with("bot") => call(&fake, &kill, &bot[3..], method, request).await,
        _ => not_found(&fake, format!("request to an unknown path {}", request.uri().path())),
    }
}

async fn call(fake: &FakeTelegram, kill: &Kill, token: &str, sent_name: &str, request: Request) -> Response {
    if token != fake.token() {
        return not_found(fake, format!("{sent_name}: called with a wrong token"));
    }
    let Some(method) = spec::canonical(sent_name) else {
        let response = not_found(fake, format!("{sent_name}: no such method"));
        record(fake, sent_name, Value::Object(Map::new()), Vec::new(), 404);
        return response;
    };
    let (body, files, mut problems) = match parse(method, request).await {
        Ok((body, parts)) => {
            let (files, unresolved) = resolve_attachments(&body, parts);
            (body, files, unresolved)
        }
        Err(problem) => (Value::Object(Map::new()), Vec::new(), vec![problem]),
    };
    let uploaded: Vec<String> = files.iter().map(|f| f.field.clone()).collect();
    problems.extend(spec::validate(method, &body, &uploaded));
    let failure = {
        let mut state = fake.state();
        state.violations.extend(problems.iter().map(|p| format!("{method}: {p}")));
        match state.failures.get_mut(method).and_then(|queue| queue.pop_front()) {
            Some(failure) => Some(failure),
            None if problems.is_empty() => state.random_failure(method),
            None => None,
        }
    };
    let (status, answer) = match (failure, problems.first()) {
        (Some(Failure::DropConnection), _) => {
            kill.drop_connection();
            (0, json!(null))
        }
        (Some(failure), _) => failure_answer(failure),
        (None, Some(problem)) => error(400, problem),
        (None, None) if method == "getUpdates" => (200, ok(get_updates(fake, &body).await)),
        (None, None) => match methods::answer(fake, method, &body, &files) {
            Ok(result) => (200, ok(result)),
            Err((code, description)) => error(code, &description),
        },
    };
    let result = answer.get("result").cloned().unwrap_or(Value::Null);
    fake.state().requests.push(Recorded { method: method.to_owned(), body, files, status, result });
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, axum::Json(answer)).into_response()
}

fn record(fake: &FakeTelegram, method: &str, body: Value, files: Vec<RecordedFile>, status: u16) {
    fake.state().requests.push(Recorded { method: method.to_owned(), body, files, status, result: Value::Null });
}

/// A file part as sent: (part name, file name, bytes).
type Part = (String, Option<String>, Vec<u8>);

async fn parse(method: &str, request: Request) -> Result<(Value, Vec<Part>), String> {
    let mut params = Map::new();
    let mut parts = Vec::new();
    let pairs = |params: &mut Map<String, Value>, pairs: Vec<(String, String)>| {
        for (name, raw) in pairs {
            let value = spec::coerce(method, &name, raw);
            params.insert(name, value);
        }
    };
    pairs(&mut params, form_pairs(request.uri().query().unwrap_or("")));
    let content_type =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|e| format!("Bad Request: can't parse multipart: {e}"))?;
        while let Some(field) =
            multipart.next_field().await.map_err(|e| format!("Bad Request: bad multipart part: {e}"))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let bytes = field.bytes().await.map_err(|e| format!("Bad Request: bad multipart part: {e}"))?.to_vec();
            match file_name {
                Some(_) => parts.push((name, file_name, bytes)),
                None => pairs(&mut params, vec![(name, String::from_utf8_lossy(&bytes).into_owned())]),
            }
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let bytes = axum::body::to_bytes(request.into_body(), usize::MAX)
            .await
            .map_err(|e| format!("Bad Request: can't read body: {e}"))?;
        pairs(&mut params, form_pairs(&String::from_utf8_lossy(&bytes)));
    } else {
        let bytes = axum::body::to_bytes(request.into_body(), usize::MAX)
            .await
            .map_err(|e| format!("Bad Request: can't read body: {e}"))?;
        if !bytes.iter().all(u8::is_ascii_whitespace) {
            if !content_type.starts_with("application/json") {
                return Err(format!("Bad Request: unsupported Content-Type \"{content_type}\""));
            }
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(body)) => params.extend(body),
                _ => return Err("Bad Request: can't parse JSON object".into()),
            }
        }
    }
    Ok((Value::Object(params), parts))
}

/// Names each uploaded part after the parameter that refers to it with `attach://<part>`;
/// also reports references to parts that were not sent.
fn resolve_attachments(body: &Value, parts: Vec<Part>) -> (Vec<RecordedFile>, Vec<String>) {
    let mut references = Vec::new();
    collect_attachments(body, String::new(), &mut references);
    let problems = references
        .iter()
        .filter(|(_, part)| !parts.iter().any(|(name, ..)| name == part))
        .map(|(field, part)| format!("Bad Request: {field} refers to attach://{part}, which was not uploaded"))
        .collect();
    let files = parts
        .into_iter()
        .map(|(name, file_name, bytes)| {
            let field = references.iter().find(|(_, part)| *part == name).map_or(name, |(field, _)| field.clone());
            RecordedFile { field, file_name, bytes }
        })
        .collect();
    (files, problems)
}

fn collect_attachments(value: &Value, path: String, found: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => {
            if let Some(part) = s.strip_prefix("attach://") {
                found.push((path, part.to_owned()));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_attachments(item, format!("{path}[{i}]"), found);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                collect_attachments(item, path, found);
            }
        }
        _ => {}
    }
}

/// `getUpdates`: forgets updates below `offset`, then answers what is queued, waiting up to
/// min(timeout, 2) seconds for something to arrive.
async fn get_updates(fake: &FakeTelegram, body: &Value) -> Value {
    let offset = body.get("offset").and_then(Value::as_i64).unwrap_or(0);
    let limit = body.get("limit").and_then(Value::as_u64).unwrap_or(100).clamp(1, 100) as usize;
    let timeout = body.get("timeout").and_then(Value::as_u64).unwrap_or(0).min(2);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    {
        let mut state = fake.state();
        if offset > 0 {
            state.acknowledged = state.acknowledged.max(offset);
            state.updates.retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
        }
    }
    loop {
        let notified = fake.shared.new_update.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let state = fake.state();
            let batch: Vec<Value> = state
                .updates
                .iter()
                .filter(|u| u["update_id"].as_i64().unwrap_or(0) >= offset)
                .take(limit)
                .cloned()
                .collect();
            if !batch.is_empty() || tokio::time::Instant::now() >= deadline {
                return Value::Array(batch);
            }
        }
        let _ = tokio::time::timeout_at(deadline, notified).await;
    }
}

fn download(fake: &FakeTelegram, token: &str, path: &str) -> Response {
    if token != fake.token() {
        return not_found(fake, format!("download of {path} with a wrong token"));
    }
    let bytes = fake.state().files.values().find(|(p, _)| p == path).map(|(_, bytes)| bytes.clone());
    match bytes {
        Some(bytes) => ([(header::CONTENT_TYPE, "application/octet-stream")], Body::from(bytes)).into_response(),
        None => (StatusCode::NOT_FOUND, axum::Json(error(404, "Not Found").1)).into_response(),
    }
}

fn not_found(fake: &FakeTelegram, violation: String) -> Response {
    fake.state().violations.push(violation);
    (StatusCode::NOT_FOUND, axum::Json(error(404, "Not Found").1)).into_response()
}

fn ok(result: Value) -> Value {
    json!({ "ok": true, "result": result })
}

fn error(code: u16, description: &str) -> (u16, Value) {
    (code, json!({ "ok": false, "error_code": code, "description": description }))
}

fn failure_answer(failure: Failure) -> (u16, Value) {
    match failure {
        Failure::TooManyRequests { retry_after } => (
            429,
            json!({
                "ok": false,
                "error_code": 429,
                "description": format!("Too Many Requests: retry after {retry_after}"),
                "parameters": { "retry_after": retry_after },
            }),
        ),
        Failure::ServerError => error(500, "Internal Server Error"),
        Failure::BotBlocked => error(403, "Forbidden: bot was blocked by the user"),
        Failure::ChatNotFound => error(400, "Bad Request: chat not found"),
        Failure::DropConnection => (0, Value::Null),
    }
}

/// `application/x-www-form-urlencoded` pairs (also the query string).
fn form_pairs(encoded: &str) -> Vec<(String, String)> {
    encoded
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(&name.replace('+', " ")), percent_decode(&value.replace('+', " ")))
        })
        .collect()
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
