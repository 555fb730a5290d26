//! What Telegram accepts. Field names, types and required flags of the implemented methods
//! come from `tests/fixtures/telegram/methods.json`, a subset of the official spec cut by
//! `generate.py` beside it (compiled in, so the tests need no file beside the repository);
//! the limits Telegram states only in prose (text 1-4096 characters after entity parsing,
//! counted in UTF-16 code units as Telegram does,
//! captions up to 1024, callback_data 1-64 bytes, callback answers up to 200) are coded here,
//! each refused with the description Telegram gives.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

use super::entities::visible;

const FIXTURE: &str = include_str!("../../fixtures/telegram/methods.json");

#[derive(Deserialize)]
struct Fixture {
    methods: BTreeMap<String, Method>,
}

#[derive(Deserialize)]
struct Method {
    fields: BTreeMap<String, Field>,
}

#[derive(Deserialize)]
struct Field {
    types: Vec<String>,
    required: bool,
}

fn fixture() -> &'static Fixture {
    static FIXTURE_PARSED: OnceLock<Fixture> = OnceLock::new();
    FIXTURE_PARSED.get_or_init(|| serde_json::from_str(FIXTURE).expect("tests/fixtures/telegram/methods.json parses"))
}

/// The spec's camelCase name of an implemented method, matched case-insensitively
/// (teloxide sends `SendMessage`).
pub fn canonical(method: &str) -> Option<&'static str> {
    fixture().methods.keys().find(|name| name.eq_ignore_ascii_case(method)).map(String::as_str)
}

/// `chat_id` as a number, whether sent as a JSON number or as a string.
pub fn chat_id(body: &Value) -> Option<i64> {
    match body.get("chat_id")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A form or multipart string turned back into the JSON value its spec types call for:
/// numbers for `Integer`, booleans for `Boolean`, objects and arrays for object types (which
/// clients send JSON-encoded), strings otherwise.
pub fn coerce(method: &str, field: &str, raw: String) -> Value {
    let types = fixture().methods.get(method).and_then(|m| m.fields.get(field)).map(|f| f.types.as_slice());
    let has = |t: &str| types.is_some_and(|types| types.iter().any(|x| x == t));
    if has("Integer")
        && let Ok(n) = raw.parse::<i64>()
    {
        return Value::from(n);
    }
    if has("Float")
        && let Ok(n) = raw.parse::<f64>()
    {
        return Value::from(n);
    }
    if has("Boolean") && (raw == "true" || raw == "false") {
        return Value::Bool(raw == "true");
    }
    let structured = match types {
        Some(types) => {
            types.iter().any(|t| !["String", "Integer", "Float", "Boolean", "InputFile"].contains(&t.as_str()))
        }
        None => raw.starts_with('{') || raw.starts_with('['),
    };
    if structured
        && let Ok(value) = serde_json::from_str::<Value>(&raw)
        && (value.is_object() || value.is_array())
    {
        return value;
    }
    Value::String(raw)
}

/// Every breach in one call, each as Telegram's `description`; the first one is the answer.
pub fn validate(method: &str, body: &Value, uploaded: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let present = |f: &str| body.get(f).is_some_and(|v| !v.is_null()) || uploaded.iter().any(|u| u == f);
    if let Some(spec) = fixture().methods.get(method) {
        for (name, field) in &spec.fields {
            if field.required && !present(name) {
                problems.push(missing(name));
            }
        }
    }
    if body.get("chat_id").is_some_and(|v| v.as_str() == Some("")) {
        problems.push(missing("chat_id"));
    }
    if method.starts_with("editMessage") {
        // "Required if inline_message_id is not specified" (chat_id, message_id).
        if !present("inline_message_id") {
            if !present("chat_id") {
                problems.push(missing("chat_id"));
            }
            if !present("message_id") {
                problems.push("Bad Request: message identifier is not specified".into());
            }
        }
        if method == "editMessageText" && !present("text") && !present("rich_message") {
            problems.push(missing("text"));
        }
    }
    match method {
        "sendMessage" | "editMessageText" => {
            if let Some(text) = body.get("text").and_then(Value::as_str) {
                let too_long = if method == "sendMessage" {
                    "Bad Request: message is too long"
                } else {
                    "Bad Request: MESSAGE_TOO_LONG"
                };
                check_text(text, body, 4096, too_long, &mut problems);
            }
        }
        "sendMediaGroup" => check_media_group(body, &mut problems),
        "answerCallbackQuery" if body.get("text").and_then(Value::as_str).is_some_and(|t| t.chars().count() > 200) => {
            problems.push("Bad Request: MESSAGE_TOO_LONG".into());
        }
        "sendChatAction" => {
            const ACTIONS: [&str; 11] = [
                "typing",
                "upload_photo",
                "record_video",
                "upload_video",
                "record_voice",
                "upload_voice",
                "upload_document",
                "choose_sticker",
                "find_location",
                "record_video_note",
                "upload_video_note",
            ];
            if body.get("action").and_then(Value::as_str).is_some_and(|a| !ACTIONS.contains(&a)) {
                problems.push("Bad Request: wrong parameter action in request".into());
            }
        }
        _ => {}
    }
    check_caption(body, &mut problems);
    if let Some(markup) = body.get("reply_markup") {
        check_markup(markup, &mut problems);
    }
    problems
}

fn missing(field: &str) -> String {
    match field {
        "chat_id" => "Bad Request: chat_id is empty".into(),
        "text" => "Bad Request: message text is empty".into(),
        "photo" => "Bad Request: there is no photo in the request".into(),
        "document" => "Bad Request: there is no document in the request".into(),
        other => format!("Bad Request: parameter \"{other}\" is required"),
    }
}

fn check_text(text: &str, body: &Value, max: usize, too_long: &str, problems: &mut Vec<String>) {
    match visible(text, body.get("parse_mode").and_then(Value::as_str)) {
        Err(problem) => problems.push(problem),
        Ok(shown) if shown.trim().is_empty() => problems.push(missing("text")),
        // Telegram counts UTF-16 code units: an emoji takes two.
        Ok(shown) if shown.encode_utf16().count() > max => problems.push(too_long.into()),
        Ok(_) => {}
    }
}

fn check_caption(item: &Value, problems: &mut Vec<String>) {
    if let Some(caption) = item.get("caption").and_then(Value::as_str) {
        match visible(caption, item.get("parse_mode").and_then(Value::as_str)) {
            Err(problem) => problems.push(problem),
            Ok(shown) if shown.encode_utf16().count() > 1024 => {
                problems.push("Bad Request: message caption is too long".into())
            }
            Ok(_) => {}
        }
    }
}

fn check_media_group(body: &Value, problems: &mut Vec<String>) {
    let Some(media) = body.get("media").and_then(Value::as_array) else { return };
    if media.len() > 10 {
        problems.push("Bad Request: Too much messages to send as an album".into());
    } else if media.len() < 2 {
        // The spec: "must include 2-10 items". (Description not checked against live Telegram.)
        problems.push("Bad Request: there must be at least 2 media in an album".into());
    }
    for item in media {
        check_caption(item, problems);
    }
}

fn check_markup(markup: &Value, problems: &mut Vec<String>) {
    let rows = |key: &str| markup.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
    for button in rows("inline_keyboard").iter().filter_map(Value::as_array).flatten() {
        match button.get("text").and_then(Value::as_str) {
            None => problems.push("Bad Request: can't parse inline keyboard button: Can't find field \"text\"".into()),
            // The spec: "Label text on the button". (Description not checked against live Telegram.)
            Some("") => problems.push("Bad Request: BUTTON_TEXT_INVALID".into()),
            Some(_) => {}
        }
        let actions = button.as_object().map(|b| b.keys().filter(|k| *k != "text").count()).unwrap_or(0);
        match button.get("callback_data").and_then(Value::as_str) {
            Some(data) if data.len() > 64 => problems.push("Bad Request: BUTTON_DATA_INVALID".into()),
            Some("") => problems.push(TEXT_BUTTONS.into()),
            _ if actions == 0 => problems.push(TEXT_BUTTONS.into()),
            _ => {}
        }
    }
    for button in rows("keyboard").iter().filter_map(Value::as_array).flatten() {
        let text = button.as_str().or_else(|| button.get("text").and_then(Value::as_str));
        if text.is_none_or(str::is_empty) {
            problems.push("Bad Request: keyboard button text must be non-empty".into());
        }
    }
}

const TEXT_BUTTONS: &str =
    "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard";
