//! What each implemented method answers once a call passed the spec's checks (`getUpdates`,
//! which waits, lives in `server`). Sent messages are remembered per chat so that edits
//! answer like Telegram: "message to edit not found", "message is not modified", and an edit
//! of the text without `reply_markup` removing the inline keyboard.

use serde_json::{Value, json};

use super::{FakeTelegram, RecordedFile, State, objects, spec};

const NOT_MODIFIED: &str = "Bad Request: message is not modified: specified new message content and reply markup are \
                            exactly the same as a current content and reply markup of the message";

/// The `result` of a call, or a refusal that is not a breach of the spec (code, description).
pub fn answer(fake: &FakeTelegram, method: &str, body: &Value, files: &[RecordedFile]) -> Result<Value, (u16, String)> {
    let bot = fake.bot_id();
    let mut state = fake.state();
    let state = &mut *state;
    match method {
        "getMe" => Ok(objects::me(bot)),
        "getWebhookInfo" => {
            let webhook = state
                .requests
                .iter()
                .rev()
                .find(|r| r.status == 200 && matches!(r.method.as_str(), "setWebhook" | "deleteWebhook"));
            let url = webhook.filter(|r| r.method == "setWebhook").and_then(|r| r.body["url"].as_str()).unwrap_or("");
            Ok(json!({ "url": url, "has_custom_certificate": false, "pending_update_count": state.updates.len() }))
        }
        "deleteWebhook" | "setWebhook" | "setMyCommands" | "answerCallbackQuery" | "sendChatAction" => Ok(json!(true)),
        "getMyCommands" => {
            let set = state.requests.iter().rev().find(|r| r.method == "setMyCommands" && r.status == 200);
            Ok(set.and_then(|r| r.body.get("commands").cloned()).unwrap_or_else(|| json!([])))
        }
        "sendMessage" => {
            let mut message = new_message(state, bot, body)?;
            message["text"] = body["text"].clone();
            Ok(keep(state, message, body))
        }
        "sendPhoto" | "sendDocument" => {
            let field = if method == "sendPhoto" { "photo" } else { "document" };
            let mut message = new_message(state, bot, body)?;
            message[field] = media(state, field, &body[field], files.iter().find(|f| f.field == field));
            if let Some(caption) = body.get("caption") {
                message["caption"] = caption.clone();
            }
            Ok(keep(state, message, body))
        }
        "sendMediaGroup" => {
            let group = state.new_file_id("album");
            let items = body["media"].as_array().cloned().unwrap_or_default();
            let mut messages = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let kind = if item["type"] == "photo" { "photo" } else { "document" };
                let upload = files.iter().find(|f| f.field == format!("media[{i}].media"));
                let mut message = new_message(state, bot, body)?;
                message["media_group_id"] = json!(group);
                message[kind] = media(state, kind, &item["media"], upload);
                if let Some(caption) = item.get("caption") {
                    message["caption"] = caption.clone();
                }
                messages.push(keep(state, message, &json!({})));
            }
            Ok(Value::Array(messages))
        }
        "editMessageText" | "editMessageCaption" | "editMessageReplyMarkup" => edit(state, method, body),
        "getFile" => {
            let file_id = body["file_id"].as_str().unwrap_or_default();
            match state.files.get(file_id) {
                Some((path, bytes)) => Ok(objects::file(file_id, path, bytes.len())),
                None => Err((400, "Bad Request: invalid file id".into())),
            }
        }
        other => Err((404, format!("Not Found: {other} is not implemented by the fake"))),
    }
}

fn new_message(state: &mut State, bot: i64, body: &Value) -> Result<Value, (u16, String)> {
    let Some(chat) = spec::chat_id(body) else {
        return Err((400, "Bad Request: chat not found".into()));
    };
    let id = state.next_message_id(chat);
    Ok(objects::message(id, chat, objects::bot_user(bot)))
}

/// Echoes an inline keyboard (other markups are not part of a Message), remembers the message.
fn keep(state: &mut State, mut message: Value, body: &Value) -> Value {
    if let Some(markup) = body.get("reply_markup").filter(|m| m.get("inline_keyboard").is_some()) {
        message["reply_markup"] = markup.clone();
    }
    let key = (message["chat"]["id"].as_i64().unwrap_or(0), message["message_id"].as_i64().unwrap_or(0));
    state.sent.insert(key, message.clone());
    message
}

/// The `photo` sizes or `document` of a sent file: a fresh file id (downloadable with getFile)
/// for an upload, the given id or URL otherwise.
fn media(state: &mut State, kind: &str, reference: &Value, upload: Option<&RecordedFile>) -> Value {
    let (file_id, size, name) = match upload {
        Some(file) => {
            let id = state.new_file_id(kind);
            let extension = if kind == "photo" { "jpg" } else { "bin" };
            let path = format!("{kind}s/file_{}.{extension}", state.last_file);
            state.files.insert(id.clone(), (path, file.bytes.clone()));
            (id, file.bytes.len(), file.file_name.clone())
        }
        None => {
            let id = reference.as_str().unwrap_or_default().to_owned();
            let size = state.files.get(&id).map_or(0, |(_, bytes)| bytes.len());
            (id, size, None)
        }
    };
    match kind {
        "photo" => objects::photo_sizes(&file_id, size),
        _ => objects::document(&file_id, name.as_deref(), size),
    }
}

fn edit(state: &mut State, method: &str, body: &Value) -> Result<Value, (u16, String)> {
    if body.get("inline_message_id").is_some() {
        return Ok(json!(true));
    }
    let key = (spec::chat_id(body).unwrap_or(0), body["message_id"].as_i64().unwrap_or(0));
    let Some(current) = state.sent.get(&key) else {
        return Err((400, "Bad Request: message to edit not found".into()));
    };
    let mut edited = current.clone();
    match method {
        "editMessageText" => edited["text"] = body["text"].clone(),
        "editMessageCaption" => edited["caption"] = body.get("caption").cloned().unwrap_or(Value::Null),
        _ => {}
    }
    match body.get("reply_markup").filter(|m| m.get("inline_keyboard").is_some()) {
        Some(markup) => edited["reply_markup"] = markup.clone(),
        None => {
            if let Some(fields) = edited.as_object_mut() {
                fields.remove("reply_markup");
            }
        }
    }
    if let Some(fields) = edited.as_object_mut() {
        fields.retain(|_, v| !v.is_null());
        fields.remove("edit_date");
    }
    let mut unchanged = current.clone();
    if let Some(fields) = unchanged.as_object_mut() {
        fields.remove("edit_date");
    }
    if edited == unchanged {
        return Err((400, NOT_MODIFIED.into()));
    }
    edited["edit_date"] = json!(objects::now());
    state.sent.insert(key, edited.clone());
    Ok(edited)
}
