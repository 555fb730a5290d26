//! What a webhook delivery tells SIGAP, free of Meta's nesting: messages people sent, and
//! what became of the messages SIGAP sent.

/// One event of a webhook delivery. Meta may deliver the same event more than once: the
/// caller de-duplicates on the message id, or on the status id and status.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    Message {
        /// `wamid.…`
        id: String,
        /// The sender's WhatsApp id (E.164 digits without `+`).
        from: String,
        /// Unix seconds.
        timestamp: i64,
        /// The name the sender set in WhatsApp, when Meta sends it.
        profile_name: Option<String>,
        /// The message this one answers: a pressed button's message, or a quoted one.
        context_id: Option<String>,
        kind: MessageKind,
    },
    Status {
        /// The `wamid.…` of the message SIGAP sent.
        id: String,
        status: DeliveryStatus,
        recipient_id: String,
        timestamp: i64,
        /// Why it failed, when `status` is `Failed`.
        errors: Vec<WebhookError>,
        /// What SIGAP tagged the message with when it sent it (`biz_opaque_callback_data`).
        tag: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum MessageKind {
    Text {
        body: String,
    },
    Image {
        media_id: String,
        mime: String,
        caption: Option<String>,
    },
    Document {
        media_id: String,
        mime: String,
        filename: Option<String>,
        caption: Option<String>,
    },
    Audio {
        media_id: String,
        mime: String,
    },
    /// A voice note recorded in WhatsApp.
    Voice {
        media_id: String,
        mime: String,
    },
    Video {
        media_id: String,
        mime: String,
    },
    Sticker {
        media_id: String,
        mime: String,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    Contacts {
        contacts: Vec<SharedContact>,
    },
    /// A reply button was pressed.
    ButtonReply {
        id: String,
        title: String,
    },
    /// A list row was chosen.
    ListReply {
        id: String,
        title: String,
        description: Option<String>,
    },
    /// A template's quick-reply button was pressed.
    Button {
        payload: String,
        text: String,
    },
    /// `emoji` is `None` when the reaction was taken back.
    Reaction {
        message_id: String,
        emoji: Option<String>,
    },
    Order {
        catalog_id: String,
    },
    /// WhatsApp's own notice, e.g. the user changed number (`new_wa_id`).
    System {
        body: String,
        new_wa_id: Option<String>,
    },
    /// Meta could not pass the message on (a poll, a view-once photo, …).
    Unsupported {
        errors: Vec<WebhookError>,
    },
    /// A type this adapter does not know yet.
    Unknown {
        kind: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedContact {
    pub name: Option<String>,
    pub phones: Vec<SharedPhone>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedPhone {
    pub phone: Option<String>,
    /// Present when the number is on WhatsApp.
    pub wa_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Read,
    Failed,
    Deleted,
    /// Anything newer Meta sends (`warning`, `played`, …).
    Other(String),
}

impl DeliveryStatus {
    pub fn parse(status: &str) -> Self {
        match status {
            "sent" => DeliveryStatus::Sent,
            "delivered" => DeliveryStatus::Delivered,
            "read" => DeliveryStatus::Read,
            "failed" => DeliveryStatus::Failed,
            "deleted" => DeliveryStatus::Deleted,
            other => DeliveryStatus::Other(other.to_owned()),
        }
    }
}

/// An error as webhooks report it (a failed status, an unsupported message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookError {
    pub code: i64,
    pub title: String,
    pub message: Option<String>,
    pub details: Option<String>,
}
