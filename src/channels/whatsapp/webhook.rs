//! The webhook, as pure functions an HTTP handler calls in order: answer Meta's verification
//! handshake, check each delivery's signature over the raw bytes, then parse the payload into
//! [`Inbound`] events. Unknown fields are ignored and unknown message types become
//! [`MessageKind::Unknown`], so a Meta release never makes SIGAP refuse deliveries; only a body
//! that is not a WhatsApp webhook at all is an error.

mod inbound;
mod kind;

pub use inbound::{DeliveryStatus, Inbound, MessageKind, SharedContact, SharedPhone, WebhookError};

use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The name of the header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("not a WhatsApp Business Account webhook (object `{0}`)")]
    NotWhatsApp(String),
    #[error("malformed {what}: {reason}")]
    Shape { what: String, reason: String },
}

/// The `challenge` to echo when Meta subscribes with the expected token; `None` means 403.
pub fn verify_handshake(
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&str>,
    expected_token: &str,
) -> Option<String> {
    let (Some("subscribe"), Some(token), Some(challenge)) = (mode, token, challenge) else {
        return None;
    };
    equal_in_constant_time(token.as_bytes(), expected_token.as_bytes()).then(|| challenge.to_owned())
}

/// Whether `header_value` (`sha256=<hex>`) is the HMAC-SHA256 of `raw_body` keyed by the app
/// secret. Check it before parsing: an unsigned body is anyone's.
pub fn verify_signature(app_secret: &str, raw_body: &[u8], header_value: Option<&str>) -> bool {
    let Some(signature) = header_value.and_then(|v| v.trim().strip_prefix("sha256=")).and_then(|h| hex::decode(h).ok())
    else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(app_secret.as_bytes()) else {
        return false;
    };
    mac.update(raw_body);
    mac.verify_slice(&signature).is_ok()
}

/// Compares digests rather than the strings, so neither the content nor the length of the
/// expected token shows in the time taken.
fn equal_in_constant_time(given: &[u8], expected: &[u8]) -> bool {
    let digest = |bytes: &[u8]| {
        let mut mac = HmacSha256::new_from_slice(b"sigap whatsapp verify token").expect("HMAC takes any key");
        mac.update(bytes);
        mac
    };
    let expected = digest(expected).finalize().into_bytes();
    digest(given).verify_slice(&expected).is_ok()
}

#[derive(Deserialize)]
struct Payload {
    object: String,
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    #[serde(default)]
    field: Option<String>,
    value: Value,
}

#[derive(Deserialize)]
struct MessagesValue {
    #[serde(default)]
    contacts: Vec<Contact>,
    #[serde(default)]
    messages: Vec<Value>,
    #[serde(default)]
    statuses: Vec<Status>,
}

#[derive(Deserialize)]
struct Contact {
    #[serde(default)]
    profile: Option<Profile>,
    #[serde(default)]
    wa_id: Option<String>,
}

#[derive(Deserialize)]
struct Profile {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    id: String,
    from: String,
    timestamp: Timestamp,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    context: Option<MessageContext>,
}

#[derive(Deserialize)]
struct MessageContext {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
struct Status {
    id: String,
    status: String,
    timestamp: Timestamp,
    recipient_id: String,
    #[serde(default)]
    errors: Vec<ErrorItem>,
    #[serde(default)]
    biz_opaque_callback_data: Option<String>,
}

#[derive(Deserialize)]
struct ErrorItem {
    code: i64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error_data: Option<ErrorData>,
}

#[derive(Deserialize)]
struct ErrorData {
    #[serde(default)]
    details: Option<String>,
}

/// Unix seconds, which Meta sends as a string (and the spec's group examples as a number).
#[derive(Deserialize)]
#[serde(untagged)]
enum Timestamp {
    Number(i64),
    Text(String),
}

impl Timestamp {
    fn seconds(&self, what: &str) -> Result<i64, ParseError> {
        match self {
            Timestamp::Number(n) => Ok(*n),
            Timestamp::Text(s) => s.trim().parse().map_err(|_| shape(what, format!("timestamp `{s}` is not a number"))),
        }
    }
}

impl From<ErrorItem> for WebhookError {
    fn from(e: ErrorItem) -> Self {
        WebhookError { code: e.code, title: e.title, message: e.message, details: e.error_data.and_then(|d| d.details) }
    }
}

fn shape(what: &str, reason: impl std::fmt::Display) -> ParseError {
    ParseError::Shape { what: what.to_owned(), reason: reason.to_string() }
}

/// Whether a message's `from` can be a person's WhatsApp id: E.164 digits without the `+`,
/// 8 to 15 of them, not starting with 0. Anything else (`abc`, `+`, a thousand digits) is no
/// one SIGAP could answer: a conversation recorded for it would only fail to be replied to.
pub fn plausible_wa_id(from: &str) -> bool {
    (8..=15).contains(&from.len()) && from.bytes().all(|b| b.is_ascii_digit()) && !from.starts_with('0')
}

/// Every message and status in a webhook delivery, in the order Meta listed them. Changes
/// other than `messages` (group events) carry neither and are skipped.
pub fn parse(raw_body: &[u8]) -> Result<Vec<Inbound>, ParseError> {
    let payload: Value = serde_json::from_slice(raw_body).map_err(|e| ParseError::Json(e.to_string()))?;
    let payload = Payload::deserialize(&payload).map_err(|e| shape("payload", e))?;
    if payload.object != "whatsapp_business_account" {
        return Err(ParseError::NotWhatsApp(payload.object));
    }
    let mut events = Vec::new();
    for change in payload.entry.into_iter().flat_map(|e| e.changes) {
        if change.field.as_deref().is_some_and(|f| f != "messages") {
            continue;
        }
        let value = MessagesValue::deserialize(&change.value).map_err(|e| shape("change value", e))?;
        for message in &value.messages {
            events.push(message_event(message, &value.contacts)?);
        }
        for status in value.statuses {
            events.push(Inbound::Status {
                timestamp: status.timestamp.seconds(&format!("status of {}", status.id))?,
                status: DeliveryStatus::parse(&status.status),
                errors: status.errors.into_iter().map(WebhookError::from).collect(),
                recipient_id: status.recipient_id,
                id: status.id,
                tag: status.biz_opaque_callback_data,
            });
        }
    }
    Ok(events)
}

fn message_event(message: &Value, contacts: &[Contact]) -> Result<Inbound, ParseError> {
    let header = Header::deserialize(message).map_err(|e| shape("message", e))?;
    let what = format!("message {}", header.id);
    let profile_name = contacts
        .iter()
        .find(|c| c.wa_id.as_deref() == Some(header.from.as_str()))
        .or(if contacts.len() == 1 { contacts.first() } else { None })
        .and_then(|c| c.profile.as_ref())
        .and_then(|p| p.name.clone());
    Ok(Inbound::Message {
        timestamp: header.timestamp.seconds(&what)?,
        kind: kind::kind(&header.kind, message, &what)?,
        context_id: header.context.and_then(|c| c.id),
        profile_name,
        from: header.from,
        id: header.id,
    })
}

#[cfg(test)]
mod tests;
