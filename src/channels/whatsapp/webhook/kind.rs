//! Each message type's object read into its [`MessageKind`]: the object named after the
//! `type`, with Meta's optional fields optional and unknown types kept as `Unknown`.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{ErrorItem, MessageKind, ParseError, SharedContact, SharedPhone, WebhookError, shape};

/// The object named after the message's type, read as `T`.
fn part<T: DeserializeOwned>(message: &Value, name: &str, what: &str) -> Result<T, ParseError> {
    let Some(object) = message.get(name) else {
        return Err(shape(what, format!("type `{name}` without a `{name}` object")));
    };
    T::deserialize(object).map_err(|e| shape(what, format!("`{name}`: {e}")))
}

#[derive(Deserialize)]
struct MediaPart {
    id: String,
    #[serde(default)]
    mime_type: String,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    filename: Option<String>,
    #[serde(default)]
    voice: bool,
}

#[derive(Deserialize)]
struct LocationPart {
    latitude: f64,
    longitude: f64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    address: Option<String>,
}

#[derive(Deserialize)]
struct ContactPart {
    #[serde(default)]
    name: Option<ContactName>,
    #[serde(default)]
    phones: Vec<PhonePart>,
}

#[derive(Deserialize)]
struct ContactName {
    #[serde(default)]
    formatted_name: Option<String>,
}

#[derive(Deserialize)]
struct PhonePart {
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    wa_id: Option<String>,
}

#[derive(Deserialize)]
struct Reply {
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: Option<String>,
}

pub(super) fn kind(kind: &str, message: &Value, what: &str) -> Result<MessageKind, ParseError> {
    let text = |name: &str, field: &str| -> Result<String, ParseError> {
        let object: Value = part(message, name, what)?;
        object
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| shape(what, format!("no `{name}.{field}`")))
    };
    let optional = |object: &Value, field: &str| object.get(field).and_then(Value::as_str).map(str::to_owned);
    Ok(match kind {
        "text" => MessageKind::Text { body: text("text", "body")? },
        "image" => {
            let m: MediaPart = part(message, "image", what)?;
            MessageKind::Image { media_id: m.id, mime: m.mime_type, caption: m.caption }
        }
        "document" => {
            let m: MediaPart = part(message, "document", what)?;
            MessageKind::Document { media_id: m.id, mime: m.mime_type, filename: m.filename, caption: m.caption }
        }
        "audio" | "voice" => {
            let m: MediaPart = part(message, kind, what)?;
            if kind == "voice" || m.voice {
                MessageKind::Voice { media_id: m.id, mime: m.mime_type }
            } else {
                MessageKind::Audio { media_id: m.id, mime: m.mime_type }
            }
        }
        "video" => {
            let m: MediaPart = part(message, "video", what)?;
            MessageKind::Video { media_id: m.id, mime: m.mime_type }
        }
        "sticker" => {
            let m: MediaPart = part(message, "sticker", what)?;
            MessageKind::Sticker { media_id: m.id, mime: m.mime_type }
        }
        "location" => {
            let l: LocationPart = part(message, "location", what)?;
            MessageKind::Location { latitude: l.latitude, longitude: l.longitude, name: l.name, address: l.address }
        }
        "contacts" => {
            let contacts: Vec<ContactPart> = part(message, "contacts", what)?;
            let contacts = contacts
                .into_iter()
                .map(|c| SharedContact {
                    name: c.name.and_then(|n| n.formatted_name),
                    phones: c.phones.into_iter().map(|p| SharedPhone { phone: p.phone, wa_id: p.wa_id }).collect(),
                })
                .collect();
            MessageKind::Contacts { contacts }
        }
        "interactive" => {
            let interactive: Value = part(message, "interactive", what)?;
            match interactive.get("type").and_then(Value::as_str).unwrap_or_default() {
                "button_reply" => {
                    let r: Reply = part(&interactive, "button_reply", what)?;
                    MessageKind::ButtonReply { id: r.id, title: r.title }
                }
                "list_reply" => {
                    let r: Reply = part(&interactive, "list_reply", what)?;
                    MessageKind::ListReply { id: r.id, title: r.title, description: r.description }
                }
                other => MessageKind::Unknown { kind: format!("interactive/{other}") },
            }
        }
        "button" => MessageKind::Button { payload: text("button", "payload")?, text: text("button", "text")? },
        "reaction" => {
            let reaction: Value = part(message, "reaction", what)?;
            MessageKind::Reaction {
                message_id: text("reaction", "message_id")?,
                emoji: optional(&reaction, "emoji").filter(|e| !e.is_empty()),
            }
        }
        "order" => MessageKind::Order { catalog_id: text("order", "catalog_id")? },
        "system" => {
            let system: Value = part(message, "system", what)?;
            MessageKind::System { body: text("system", "body")?, new_wa_id: optional(&system, "wa_id") }
        }
        "unsupported" | "unknown" => {
            let errors: Vec<ErrorItem> = match message.get("errors") {
                Some(errors) => Vec::deserialize(errors).map_err(|e| shape(what, format!("`errors`: {e}")))?,
                None => Vec::new(),
            };
            MessageKind::Unsupported { errors: errors.into_iter().map(WebhookError::from).collect() }
        }
        other => MessageKind::Unknown { kind: other.to_owned() },
    })
}
