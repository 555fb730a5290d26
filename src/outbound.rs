//! Messages to send, as the core hands them to the channels: final text in the recipient's
//! language, buttons whose meaning the core will check again when pressed, and attachments
//! to include. Stored as JSON in the outbox; no platform type appears here.

use serde::{Deserialize, Serialize};

use crate::domain::sop::ActionKind;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundMessage {
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<Button>,
    /// Attachment ids (completion photos) to send with the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<i64>,
    /// Files that belong to no ticket (a monthly report), under the data directory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<StoredFile>,
    /// Replace the text of this earlier message (a card whose button was pressed) instead of
    /// sending a new one; its buttons go away.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<String>,
    /// Answers to a question the bot asked in a conversation (a language, an organisation,
    /// Kirim/Ubah/Batal), shown after the ticket buttons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<ChoiceButton>,
    /// Offer the platform's "share my phone number" button, with this label, where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_contact: Option<String>,
    /// Send as the channel's approved template whatever the window (a WhatsApp message Meta
    /// refused with 131047, sent again).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub template: bool,
    /// The phone number was given: take the share button away again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub contact_done: bool,
    /// What the button that opens a list says, where a channel shows many choices as a list
    /// (WhatsApp, over three): in the reader's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_label: Option<String>,
}

impl OutboundMessage {
    pub fn text(text: impl Into<String>) -> Self {
        OutboundMessage { text: text.into(), ..Default::default() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    /// Relative to the data directory.
    pub path: String,
    pub mime: String,
    pub file_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceButton {
    pub label: String,
    pub choice: Choice,
}

/// An answer picked by button in a conversation. `revision` is the conversation's revision
/// when the question was asked: an answer to an earlier question is refused as stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub revision: i32,
    pub pick: Pick,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pick {
    /// Index in [`crate::i18n::LOCALES`].
    Locale(u8),
    Org(i64),
    /// A page of the organisation list.
    Page(u32),
    /// Index in [`crate::domain::ticket::Category::ALL`].
    Category(u8),
    /// A survey rating, 1-4.
    Score(u8),
    Skip,
    Submit,
    Edit,
    /// Which part of the draft to change (index in the draft's editable fields).
    Field(u8),
    Cancel,
    /// Add a photo or letter to the report just filed.
    AddFiles,
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
    /// A conversation's question or answer (registration, a report being written, a search).
    pub const CONVERSATION: &str = "conversation";
    /// A new ticket copied to the office's team group.
    pub const TEAM_COPY: &str = "team_copy";

    /// A monitoring tool says an incident's outage has recovered (to the ticket's actors).
    pub const ALERT_RECOVERED: &str = "alert_recovered";
    /// A one-time code to sign in to the web console.
    pub const SIGN_IN_CODE: &str = "sign_in_code";
    /// A person is told their data was erased: the one message kept to their former
    /// address, deleted by the privacy sweep once sent.
    pub const ERASED: &str = "erased";

    const ALL: [&str; 18] = [
        RECEIVED,
        UPDATE,
        CARD,
        ANSWERED,
        WITHDRAWN,
        CARD_EDIT,
        PICKER,
        SLA_REMINDER,
        SLA_BREACH,
        SLA_DIGEST,
        CONVERSATION,
        TEAM_COPY,
        PAPER,
        COMPLAINT,
        RESENT,
        ALERT_RECOVERED,
        SIGN_IN_CODE,
        ERASED,
    ];

    /// A paper (PDF) the SOP sends at a step.
    pub const PAPER: &str = "paper";
    /// A complaint about the service, its answer, or its escalation.
    pub const COMPLAINT: &str = "complaint";

    /// A message sent again (as a template) whose stored kind is unknown to this version.
    pub const RESENT: &str = "resent";

    /// The constant for a kind read back from the outbox.
    pub fn from_stored(stored: &str) -> &'static str {
        ALL.into_iter().find(|k| *k == stored).unwrap_or(RESENT)
    }
    /// The SLA worker: a share of a step's limit has passed.
    pub const SLA_REMINDER: &str = "sla_reminder";
    /// The SLA worker: a limit was breached (to the actors, one level up, complaint officials).
    pub const SLA_BREACH: &str = "sla_breach";
    /// The SLA worker's morning digest for Kabid and Kadis.
    pub const SLA_DIGEST: &str = "sla_digest";
}
