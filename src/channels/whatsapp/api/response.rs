//! What the Graph API answers: a sent message's ids, an uploaded medium's id, a medium's
//! download details, and the error envelope every Graph endpoint uses.

use serde::{Deserialize, Deserializer};

/// `POST /{v}/{phone-number-id}/messages` accepted the message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SendResponse {
    pub messaging_product: String,
    #[serde(default)]
    pub contacts: Vec<SentContact>,
    pub messages: Vec<SentMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SentContact {
    /// The number as sent in `to`.
    pub input: String,
    /// The WhatsApp id it resolved to (may differ from the number).
    pub wa_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SentMessage {
    /// `wamid.…`: what status webhooks and replies refer to.
    pub id: String,
    #[serde(default)]
    pub message_status: Option<String>,
}

/// `POST /{v}/{phone-number-id}/media` stored the file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Uploaded {
    pub id: String,
}

/// `GET /{v}/{media-id}`: where to download a medium (for about five minutes).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MediaInfo {
    pub url: String,
    pub mime_type: String,
    pub sha256: String,
    /// The spec types it as a string, Meta sends a number: both are read.
    #[serde(deserialize_with = "number_or_string")]
    pub file_size: u64,
    pub id: String,
    #[serde(default)]
    pub messaging_product: Option<String>,
}

/// The body of every Graph API error answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorBody {
    pub message: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    pub code: i64,
    /// Deprecated by Meta since v16.0 but still seen on some errors.
    #[serde(default)]
    pub error_subcode: Option<i64>,
    #[serde(default)]
    pub error_data: Option<ErrorData>,
    #[serde(default)]
    pub fbtrace_id: Option<String>,
    #[serde(default)]
    pub is_transient: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorData {
    #[serde(default)]
    pub messaging_product: Option<String>,
    /// Meta's advice on the cause: the most useful line for the admin.
    #[serde(default)]
    pub details: Option<String>,
}

fn number_or_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(u64),
        Text(String),
    }
    match Raw::deserialize(deserializer)? {
        Raw::Number(n) => Ok(n),
        Raw::Text(s) => s.trim().parse().map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_send_answer_from_the_spec_reads_with_its_wamid() {
        let answer = json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": "48XXXXXXXXX", "wa_id": "48XXXXXXXXX " }],
            "messages": [{ "id": "wamid.gBGGSFcCNEOPAgkO_KJ55r4w_ww", "message_status": "accepted" }],
        });
        let sent: SendResponse = serde_json::from_value(answer).unwrap();
        assert_eq!(sent.messages[0].id, "wamid.gBGGSFcCNEOPAgkO_KJ55r4w_ww");
        assert_eq!(sent.contacts[0].input, "48XXXXXXXXX");
    }

    #[test]
    fn media_info_reads_the_file_size_as_string_or_number() {
        let spec = json!({ "file_size": "303833", "id": "2621233374848975", "messaging_product": "whatsapp",
                           "mime_type": "image/jpeg", "sha256": "<HASH>", "url": "<URL>" });
        assert_eq!(serde_json::from_value::<MediaInfo>(spec).unwrap().file_size, 303_833);
        let meta = json!({ "file_size": 12, "id": "1", "mime_type": "image/png", "sha256": "x", "url": "u" });
        assert_eq!(serde_json::from_value::<MediaInfo>(meta).unwrap().file_size, 12);
    }

    #[test]
    fn an_error_envelope_keeps_code_details_and_trace() {
        let answer = json!({ "error": {
            "message": "(#131047) Re-engagement message", "type": "OAuthException", "code": 131047,
            "error_data": { "messaging_product": "whatsapp", "details": "24 hours have passed" },
            "fbtrace_id": "AXsgnV2Cm3ZMGF3dF_cfYIn",
        }});
        let envelope: ErrorEnvelope = serde_json::from_value(answer).unwrap();
        assert_eq!(envelope.error.code, 131047);
        assert_eq!(envelope.error.kind, "OAuthException");
        assert_eq!(envelope.error.error_data.unwrap().details.as_deref(), Some("24 hours have passed"));
        assert_eq!(envelope.error.fbtrace_id.as_deref(), Some("AXsgnV2Cm3ZMGF3dF_cfYIn"));
    }
}
