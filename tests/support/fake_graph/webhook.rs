//! Webhook payloads as Meta delivers them, shaped like the spec's examples (one entry, one
//! `messages` change, metadata of the business number, the sender's profile), and the
//! `X-Hub-Signature-256` value that signs them.

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

pub const DISPLAY_PHONE_NUMBER: &str = "15550783881";
pub const PHONE_NUMBER_ID: &str = "106540352242922";
pub const TIMESTAMP: &str = "1750000000";

fn metadata() -> Value {
    json!({ "display_phone_number": DISPLAY_PHONE_NUMBER, "phone_number_id": PHONE_NUMBER_ID })
}

fn delivery(value: Value) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "419561257915477", "changes": [{ "value": value, "field": "messages" }] }],
    })
}

/// A user's message of `kind` with its object, from `from` whose profile name is `name`.
fn message(from: &str, name: &str, id: &str, kind: &str, object: Value, context: Option<&str>) -> Value {
    let mut message = json!({ "from": from, "id": id, "timestamp": TIMESTAMP, "type": kind });
    if kind == "unsupported" {
        message["errors"] = object;
    } else {
        message[kind] = object;
    }
    if let Some(context) = context {
        message["context"] = json!({ "from": DISPLAY_PHONE_NUMBER, "id": context });
    }
    delivery(json!({
        "messaging_product": "whatsapp",
        "metadata": metadata(),
        "contacts": [{ "profile": { "name": name }, "wa_id": from }],
        "messages": [message],
    }))
}

pub fn text(from: &str, name: &str, id: &str, body: &str) -> Value {
    message(from, name, id, "text", json!({ "body": body }), None)
}

pub fn image(from: &str, name: &str, id: &str, media_id: &str, mime: &str, caption: Option<&str>) -> Value {
    let mut image =
        json!({ "mime_type": mime, "sha256": "SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=", "id": media_id });
    if let Some(caption) = caption {
        image["caption"] = json!(caption);
    }
    message(from, name, id, "image", image, None)
}

pub fn document(
    from: &str,
    name: &str,
    id: &str,
    media_id: &str,
    mime: &str,
    filename: &str,
    caption: Option<&str>,
) -> Value {
    let mut document = json!({ "mime_type": mime, "sha256": "SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=",
                                "id": media_id, "filename": filename });
    if let Some(caption) = caption {
        document["caption"] = json!(caption);
    }
    message(from, name, id, "document", document, None)
}

pub fn location(from: &str, name: &str, id: &str, latitude: f64, longitude: f64, place: &str, address: &str) -> Value {
    let location = json!({ "latitude": latitude, "longitude": longitude, "name": place, "address": address });
    message(from, name, id, "location", location, None)
}

/// A press on reply button `reply_id` of message `context`.
pub fn button_reply(from: &str, name: &str, id: &str, context: &str, reply_id: &str, title: &str) -> Value {
    let interactive = json!({ "type": "button_reply", "button_reply": { "id": reply_id, "title": title } });
    message(from, name, id, "interactive", interactive, Some(context))
}

/// A choice of row `row_id` in the list of message `context`.
pub fn list_reply(
    from: &str,
    name: &str,
    id: &str,
    context: &str,
    row_id: &str,
    title: &str,
    description: &str,
) -> Value {
    let interactive =
        json!({ "type": "list_reply", "list_reply": { "id": row_id, "title": title, "description": description } });
    message(from, name, id, "interactive", interactive, Some(context))
}

/// A press on a template's quick-reply button.
pub fn button(from: &str, name: &str, id: &str, context: &str, payload: &str, text: &str) -> Value {
    message(from, name, id, "button", json!({ "payload": payload, "text": text }), Some(context))
}

pub fn reaction(from: &str, name: &str, id: &str, message_id: &str, emoji: &str) -> Value {
    message(from, name, id, "reaction", json!({ "message_id": message_id, "emoji": emoji }), None)
}

pub fn unsupported(from: &str, name: &str, id: &str) -> Value {
    let errors = json!([{
        "code": 131051, "title": "Message type unknown", "message": "Message type unknown",
        "error_data": { "details": "Message type is currently not supported." },
    }]);
    message(from, name, id, "unsupported", errors, None)
}

/// WhatsApp's notice that `from` now uses `new_wa_id`; system messages come without contacts.
pub fn system(from: &str, id: &str, body: &str, new_wa_id: &str) -> Value {
    let message = json!({ "from": from, "id": id, "timestamp": TIMESTAMP, "type": "system",
                          "system": { "body": body, "wa_id": new_wa_id, "type": "user_changed_number" } });
    delivery(json!({ "messaging_product": "whatsapp", "metadata": metadata(), "messages": [message] }))
}

/// What became of message `id` sent to `recipient`; `errors` are (code, title) pairs.
pub fn status(id: &str, status: &str, recipient: &str, errors: &[(i64, &str)]) -> Value {
    let mut entry = json!({ "id": id, "status": status, "timestamp": TIMESTAMP, "recipient_id": recipient });
    if status != "failed" {
        entry["conversation"] = json!({ "id": "c0ffee", "origin": { "type": "utility" } });
        entry["pricing"] = json!({ "billable": true, "pricing_model": "PMP", "category": "utility" });
    }
    if !errors.is_empty() {
        entry["errors"] = errors
            .iter()
            .map(|(code, title)| {
                json!({ "code": code, "title": title, "message": title,
                        "error_data": { "details": title },
                        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/" })
            })
            .collect();
    }
    delivery(json!({ "messaging_product": "whatsapp", "metadata": metadata(), "statuses": [entry] }))
}

/// The `X-Hub-Signature-256` value Meta sends with `body`.
pub fn sign(app_secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(app_secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}
