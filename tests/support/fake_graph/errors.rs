//! Meta's error envelopes as the Cloud API sends them: `(#code) title` messages, the
//! `OAuthException` type, `error_data.details` with the explanation, a subcode where Meta
//! still sends one, and a fresh `fbtrace_id`.

use serde_json::{Map, Value, json};

/// (message, type, subcode, details, is_transient) of the codes tests inject.
fn known(code: i64) -> (String, &'static str, Option<i64>, Option<&'static str>, bool) {
    let oauth = "OAuthException";
    match code {
        131047 => (
            "(#131047) Re-engagement message".into(),
            oauth,
            None,
            Some(
                "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
            ),
            false,
        ),
        130429 => (
            "(#130429) Rate limit hit".into(),
            oauth,
            None,
            Some("Cloud API message throughput has been reached."),
            false,
        ),
        131056 => (
            "(#131056) (Business Account, Consumer Account) pair rate limit hit".into(),
            oauth,
            Some(2494071),
            Some(
                "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.",
            ),
            false,
        ),
        4 => ("(#4) Application request limit reached".into(), oauth, None, None, true),
        80007 => (
            "(#80007) Rate limit issues".into(),
            oauth,
            None,
            Some("The WhatsApp Business Account has reached its rate limit."),
            false,
        ),
        131026 => ("(#131026) Message Undeliverable.".into(), oauth, None, Some("Message Undeliverable."), false),
        131051 => (
            "(#131051) Unsupported message type".into(),
            oauth,
            None,
            Some("Message type is not currently supported."),
            false,
        ),
        100 => ("(#100) Invalid parameter".into(), oauth, None, None, false),
        131000 => ("(#131000) Something went wrong".into(), oauth, None, Some("Something went wrong"), false),
        1 => ("An unknown error occurred".into(), oauth, None, None, true),
        2 => {
            ("An unexpected error occurred. Please retry your request".into(), "GraphMethodException", None, None, true)
        }
        133004 => (
            "(#133004) Server temporarily unavailable".into(),
            oauth,
            None,
            Some("Server is temporarily unavailable."),
            true,
        ),
        190 => ("Invalid OAuth access token - Cannot parse access token".into(), oauth, None, None, false),
        other => (format!("(#{other}) Error"), oauth, None, None, false),
    }
}

/// The envelope for `code`; `details` replaces Meta's usual explanation when given.
pub fn envelope(code: i64, details: Option<&str>, trace: &str) -> Value {
    let (message, kind, subcode, usual, transient) = known(code);
    let mut error = Map::new();
    error.insert("message".into(), json!(message));
    error.insert("type".into(), json!(kind));
    error.insert("code".into(), json!(code));
    if let Some(subcode) = subcode {
        error.insert("error_subcode".into(), json!(subcode));
    }
    if let Some(details) = details.or(usual) {
        error.insert("error_data".into(), json!({ "messaging_product": "whatsapp", "details": details }));
    }
    if transient {
        error.insert("is_transient".into(), json!(true));
    }
    error.insert("fbtrace_id".into(), json!(trace));
    json!({ "error": error })
}
