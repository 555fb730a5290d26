//! Outgoing Cloud API messages (schema `Message` of Meta's v23.0 OpenAPI spec) as serde types,
//! with builders (`build`) that only produce requests Meta accepts: counts checked, labels cut
//! to their limits on character boundaries (`fit`), button titles kept unique. Answers and the
//! Graph error envelope live in `response`.

mod build;
mod fit;
mod response;

pub use build::{BuildError, Choice, parse_part_tag, part_tag};
pub use fit::{truncate, unique_titles};
pub use response::{ErrorBody, ErrorData, ErrorEnvelope, MediaInfo, SendResponse, SentContact, SentMessage, Uploaded};

use serde::Serialize;

/// A text message's body (Meta's documented limit; the spec leaves it unbounded).
pub const MAX_TEXT: usize = 4096;
/// Image and document captions (`MediaObject.caption`).
pub const MAX_CAPTION: usize = 1024;
/// Reply buttons per message (`ActionObject.buttons`).
pub const MIN_REPLY_BUTTONS: usize = 1;
pub const MAX_REPLY_BUTTONS: usize = 3;
pub const MAX_BUTTON_TITLE: usize = 20;
pub const MAX_BUTTON_ID: usize = 256;
/// The body of a reply-button message (`BodyObject.text`).
pub const MAX_BUTTON_BODY: usize = 1024;
/// The label of the button that opens a list (`ActionObject.button`).
pub const MAX_LIST_LABEL: usize = 20;
pub const MAX_SECTIONS: usize = 10;
/// Rows of one list, all sections together.
pub const MAX_LIST_ROWS: usize = 10;
pub const MAX_SECTION_TITLE: usize = 24;
pub const MAX_ROW_ID: usize = 200;
pub const MAX_ROW_TITLE: usize = 24;
pub const MAX_ROW_DESCRIPTION: usize = 72;
/// The body of a list message (Meta's documented limit for lists).
pub const MAX_LIST_BODY: usize = 4096;
/// A text header of an interactive message (`HeaderObject.text`).
pub const MAX_HEADER: usize = 60;

/// One `POST /{v}/{phone-number-id}/messages` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageRequest {
    messaging_product: &'static str,
    recipient_type: &'static str,
    /// The recipient's WhatsApp id: E.164 digits without `+`.
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Comes back on every status of the message (`biz_opaque_callback_data`): which outbox
    /// row and part it was, even when SIGAP stopped before recording the send.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biz_opaque_callback_data: Option<String>,
    #[serde(flatten)]
    pub content: Content,
}

/// Makes the message a reply that quotes an earlier one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Context {
    pub message_id: String,
}

/// The `type` and the object of the same name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    Text { text: Text },
    Image { image: Media },
    Document { document: Media },
    Interactive { interactive: Interactive },
    Template { template: TemplateMessage },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    pub body: String,
    /// Always off: SIGAP's texts name tickets, not web pages worth a preview card.
    pub preview_url: bool,
}

/// A medium uploaded before, referred to by its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Media {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Documents only: the name the recipient sees and saves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Interactive {
    Button {
        body: Body,
        action: ButtonAction,
    },
    List {
        #[serde(skip_serializing_if = "Option::is_none")]
        header: Option<Header>,
        body: Body,
        action: ListAction,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Body {
    pub text: String,
}

/// A text header (the only kind SIGAP sends).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    #[serde(rename = "type")]
    kind: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ButtonAction {
    pub buttons: Vec<ReplyButton>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyButton {
    #[serde(rename = "type")]
    kind: &'static str,
    pub reply: Reply,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListAction {
    /// The label of the button that opens the list.
    pub button: String,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Required by Meta only when a list has more than one section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// An approved template with its body parameters (`{{1}}`, `{{2}}`, …, in order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateMessage {
    pub name: String,
    pub language: Language,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Language {
    /// The spec requires it; `deterministic` is its only value.
    policy: &'static str,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    pub parameters: Vec<Parameter>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Parameter {
    #[serde(rename = "type")]
    kind: &'static str,
    pub text: String,
}

impl TemplateMessage {
    pub fn new(name: &str, language: &str, body_parameters: &[String]) -> Self {
        let parameters: Vec<Parameter> =
            body_parameters.iter().map(|text| Parameter { kind: "text", text: text.clone() }).collect();
        let components = if parameters.is_empty() { Vec::new() } else { vec![Component { kind: "body", parameters }] };
        TemplateMessage {
            name: name.to_owned(),
            language: Language { policy: "deterministic", code: language.to_owned() },
            components,
        }
    }
}

#[cfg(test)]
mod tests;
