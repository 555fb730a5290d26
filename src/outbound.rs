//! Messages to send, as the core hands them to the channels: final text in the recipient's
//! language, buttons whose meaning the core will check again when pressed, and attachments
//! to include. Stored as JSON in the outbox; no platform type appears here.

use serde::{Deserialize, Serialize};

use crate::domain::sop::ActionKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundMessage {
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<Button>,
    /// Attachment ids (completion photos) to send with the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<i64>,
    /// Replace the text of this earlier message (a card whose button was pressed) instead of
    /// sending a new one; its buttons go away.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub label: String,
    pub action: ButtonAction,
}

/// What a button asks for. A channel encodes it opaquely; pressing it is a request the
/// core authorises from scratch (role, step, version), never a permission in itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonAction {
    pub ticket_id: i64,
    pub version: i32,
    pub kind: ActionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// A choice made with this button: the technician to assign, the priority's index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg: Option<i64>,
}

/// Kinds of outbox rows, so deliveries and audits can tell them apart.
pub mod kind {
    pub const RECEIVED: &str = "received";
    pub const UPDATE: &str = "update";
    pub const CARD: &str = "card";
    pub const ANSWERED: &str = "answered";
    pub const WITHDRAWN: &str = "withdrawn";
    pub const CARD_EDIT: &str = "card_edit";
    pub const PICKER: &str = "picker";
    /// The SLA worker: a share of a step's limit has passed.
    pub const SLA_REMINDER: &str = "sla_reminder";
    /// The SLA worker: a limit was breached (to the actors, one level up, complaint officials).
    pub const SLA_BREACH: &str = "sla_breach";
    /// The SLA worker's morning digest for Kabid and Kadis.
    pub const SLA_DIGEST: &str = "sla_digest";
}
