//! The webhook route: Meta's verification handshake (GET) and signed deliveries (POST),
//! turned into core calls. The signature is checked over the raw bytes before anything is
//! parsed or stored. A delivery that reads as a WhatsApp webhook is stored in the inbox as it
//! came and answered 200 once that one insert is committed (500 if it cannot be, and Meta
//! retries); the inbox worker then applies it through [`Applier`]. Each message's id is
//! recorded in the transaction of its effect, so a delivery applied twice, or delivered
//! twice by Meta, changes nothing.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query as UrlQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_i18n::t;
use secrecy::{ExposeSecret, SecretString};

use super::client::GraphClient;
use super::webhook::{self, Inbound, MessageKind, SIGNATURE_HEADER};
use crate::channels::callback::{CallbackCodec, Tapped};
use crate::channels::clean_text;
use crate::channels::commands::{Command, command_or_keyword};
use crate::domain::sop::Sop;
use crate::domain::ticket::Channel;
use crate::inbox::{Applier, ApplyError, Inbox};
use crate::metrics::Metrics;
use crate::service::{Body, Helpdesk, Incoming, Press, PressOutcome, Received, ServiceError, StatusError};
use crate::store::attachments::{MAX_BYTES, NewAttachment};
use crate::store::inbox::NewDelivery;

/// Where Meta is told to deliver.
pub const ROUTE: &str = "/webhook/whatsapp";

pub struct WhatsAppReceiver {
    desk: Helpdesk,
    inbox: Inbox,
    client: GraphClient,
    codec: CallbackCodec,
    sop: Arc<Sop>,
    app_secret: SecretString,
    verify_token: SecretString,
}

impl WhatsAppReceiver {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        desk: Helpdesk,
        inbox: Inbox,
        client: GraphClient,
        codec: CallbackCodec,
        sop: Arc<Sop>,
        app_secret: SecretString,
        verify_token: SecretString,
    ) -> Self {
        WhatsAppReceiver { desk, inbox, client, codec, sop, app_secret, verify_token }
    }

    pub fn routes(self: Arc<Self>) -> Router {
        Router::new().route(ROUTE, get(handshake).post(deliver)).with_state(self)
    }

    async fn handle(&self, event: Inbound) -> Result<(), ServiceError> {
        match event {
            Inbound::Status { id, status, errors, tag, .. } => {
                let status = match status {
                    webhook::DeliveryStatus::Sent => "sent".to_owned(),
                    webhook::DeliveryStatus::Delivered => "delivered".to_owned(),
                    webhook::DeliveryStatus::Read => "read".to_owned(),
                    webhook::DeliveryStatus::Failed => "failed".to_owned(),
                    webhook::DeliveryStatus::Deleted => "deleted".to_owned(),
                    webhook::DeliveryStatus::Other(other) => other,
                };
                let errors: Vec<StatusError> =
                    errors.into_iter().map(|e| StatusError { code: e.code, title: e.title }).collect();
                let part = tag.as_deref().and_then(crate::channels::whatsapp::api::parse_part_tag);
                self.desk.delivery_status(Channel::Whatsapp, &id, &status, &errors, part).await
            }
            Inbound::Message { from, .. } if !webhook::plausible_wa_id(&from) => {
                // Stored before this check existed, or let through by it: still no one to answer.
                let shown: String = from.chars().take(40).collect();
                tracing::warn!(from = %shown.escape_debug(), "whatsapp message from an implausible sender skipped");
                Ok(())
            }
            Inbound::Message { id, from, kind, .. } => {
                let labels = Metrics::label("channel", Channel::Whatsapp.as_str());
                self.desk.metrics().updates_received.get_or_create(&labels).inc();
                // The wa_id is E.164 without its plus: the same number a person registered.
                let sender = format!("+{}", from.trim_start_matches('+'));
                self.desk.note_inbound(Channel::Whatsapp, &sender).await?;
                self.on_message(&id, &sender, kind).await?;
                // Best effort, and not in the way of the next message.
                let client = self.client.clone();
                tokio::spawn(async move {
                    if let Err(err) = client.mark_read(&id).await {
                        tracing::debug!(%err, message = %id, "whatsapp message not marked read");
                    }
                });
                Ok(())
            }
        }
    }

    async fn on_message(&self, id: &str, sender: &str, kind: MessageKind) -> Result<(), ServiceError> {
        // Text the databases would refuse (NUL, control characters) never gets past here.
        let clean = |text: Option<String>| text.map(|t| clean_text(&t).into_owned()).unwrap_or_default();
        match kind {
            MessageKind::Text { body } => self.on_text(id, sender, &clean(Some(body)), Vec::new()).await,
            MessageKind::Image { media_id, mime, caption } => {
                self.on_file(id, sender, &media_id, mime, None, clean(caption)).await
            }
            MessageKind::Document { media_id, mime, filename, caption } => {
                let filename = filename.map(|name| clean(Some(name)));
                self.on_file(id, sender, &media_id, mime, filename, clean(caption)).await
            }
            MessageKind::ButtonReply { id: data, .. }
            | MessageKind::ListReply { id: data, .. }
            | MessageKind::Button { payload: data, .. } => self.on_tap(id, sender, &data).await,
            // A reaction or WhatsApp's own notice asks nothing of SIGAP; answering would only
            // puzzle the person.
            MessageKind::Reaction { .. } | MessageKind::System { .. } => {
                tracing::debug!(message = id, "whatsapp reaction or system message ignored");
                Ok(())
            }
            MessageKind::Audio { .. }
            | MessageKind::Voice { .. }
            | MessageKind::Video { .. }
            | MessageKind::Sticker { .. }
            | MessageKind::Location { .. }
            | MessageKind::Contacts { .. }
            | MessageKind::Order { .. }
            | MessageKind::Unsupported { .. }
            | MessageKind::Unknown { .. } => self.receive(id, sender, Body::Unsupported).await.map(drop),
        }
    }

    async fn on_file(
        &self,
        id: &str,
        sender: &str,
        media_id: &str,
        mime: String,
        file_name: Option<String>,
        caption: String,
    ) -> Result<(), ServiceError> {
        match self.download(media_id).await {
            Ok(bytes) => {
                let file = NewAttachment { bytes, mime, file_name };
                self.on_text(id, sender, &caption, vec![file]).await
            }
            Err(reason) => {
                // Retrying the delivery could loop on a file that never comes: ask for it again.
                tracing::warn!(message = id, %reason, "whatsapp media not fetched");
                let text =
                    t!("press.file_failed", locale = self.desk.locale_of(Channel::Whatsapp, sender).await).into_owned();
                self.desk.say_once(Channel::Whatsapp, id, sender, text).await.map(drop)
            }
        }
    }

    async fn download(&self, media_id: &str) -> Result<Vec<u8>, String> {
        let info = self.client.media_info(media_id).await.map_err(|e| e.to_string())?;
        let bytes = self.client.download(&info.url).await.map_err(|e| e.to_string())?;
        if bytes.len() > MAX_BYTES {
            return Err(format!("{} bytes is over the limit", bytes.len()));
        }
        Ok(bytes)
    }

    async fn on_text(&self, id: &str, sender: &str, text: &str, files: Vec<NewAttachment>) -> Result<(), ServiceError> {
        if files.is_empty() {
            match command_or_keyword(text) {
                Some(Command::Query(query)) => {
                    let answer = match self.desk.query(Channel::Whatsapp, sender, query).await {
                        Ok(answer) => answer,
                        Err(err) if err.is_internal() => return Err(err),
                        Err(err) => err.localized(
                            self.desk.locale_of(Channel::Whatsapp, sender).await,
                            self.desk.sop().calendar.timezone(),
                        ),
                    };
                    return self.desk.say_once(Channel::Whatsapp, id, sender, answer).await.map(drop);
                }
                Some(Command::Chat(command)) => {
                    return self.receive(id, sender, Body::Command(command)).await.map(drop);
                }
                None => {}
            }
        }
        let outcome = self.desk.answer_pending(Channel::Whatsapp, id, sender, text, files.clone()).await?;
        match outcome {
            Some(PressOutcome::Done { answer } | PressOutcome::Asked { answer }) => {
                self.desk.say(Channel::Whatsapp, sender, answer).await
            }
            Some(PressOutcome::Refused { answer }) => {
                self.desk.say_once(Channel::Whatsapp, id, sender, answer).await.map(drop)
            }
            Some(PressOutcome::Duplicate) => Ok(()),
            None => {
                let body = if files.is_empty() {
                    Body::Text(text.to_owned())
                } else {
                    Body::Files { caption: text.to_owned(), files }
                };
                self.receive(id, sender, body).await.map(drop)
            }
        }
    }

    /// A reply button or list row: the id is our signed button data, checked like Telegram's.
    async fn on_tap(&self, id: &str, sender: &str, data: &str) -> Result<(), ServiceError> {
        match self.codec.decode_any(data, &self.sop) {
            Err(err) => {
                tracing::warn!(%err, sender, data, "refused a forged or malformed WhatsApp reply id");
                let text =
                    t!("press.forged", locale = self.desk.locale_of(Channel::Whatsapp, sender).await).into_owned();
                self.desk.say_once(Channel::Whatsapp, id, sender, text).await.map(drop)
            }
            Ok(Tapped::Choice(choice)) => {
                if let Some(toast) = self.receive(id, sender, Body::Choice(choice)).await? {
                    self.desk.say(Channel::Whatsapp, sender, toast).await?;
                }
                Ok(())
            }
            Ok(Tapped::Action(action)) => {
                let press = Press {
                    channel: Channel::Whatsapp,
                    update_id: id.to_owned(),
                    from: sender.to_owned(),
                    action,
                    // WhatsApp cannot edit the card; the answer below says what happened.
                    card: None,
                };
                match self.desk.press(press).await? {
                    PressOutcome::Done { answer } | PressOutcome::Refused { answer } => {
                        self.desk.say(Channel::Whatsapp, sender, answer).await
                    }
                    // The question itself is queued by the core.
                    PressOutcome::Asked { .. } | PressOutcome::Duplicate => Ok(()),
                }
            }
        }
    }

    /// Hand a message to the core's conversation; a refusal that is not internal is answered.
    async fn receive(&self, id: &str, sender: &str, body: Body) -> Result<Option<String>, ServiceError> {
        let incoming = Incoming {
            channel: Channel::Whatsapp,
            update_id: id.to_owned(),
            sender: sender.to_owned(),
            reply_to: sender.to_owned(),
            body,
        };
        match self.desk.receive(incoming).await {
            Ok(Received::Handled { toast }) => Ok(toast),
            Ok(Received::Duplicate) => Ok(None),
            Err(err) if err.is_internal() => Err(err),
            Err(err) => {
                let text = err.localized(
                    self.desk.locale_of(Channel::Whatsapp, sender).await,
                    self.desk.sop().calendar.timezone(),
                );
                // Nothing was committed: the message's id is free to key the answer to.
                self.desk.say_once(Channel::Whatsapp, id, sender, text).await?;
                Ok(None)
            }
        }
    }
}

/// GET: Meta subscribing the webhook. The challenge is echoed as plain text, or 403.
async fn handshake(
    State(receiver): State<Arc<WhatsAppReceiver>>,
    UrlQuery(params): UrlQuery<HashMap<String, String>>,
) -> Response {
    let answer = webhook::verify_handshake(
        params.get("hub.mode").map(String::as_str),
        params.get("hub.verify_token").map(String::as_str),
        params.get("hub.challenge").map(String::as_str),
        receiver.verify_token.expose_secret(),
    );
    match answer {
        Some(challenge) => ([(header::CONTENT_TYPE, "text/plain")], challenge).into_response(),
        None => {
            tracing::warn!("whatsapp webhook verification refused");
            StatusCode::FORBIDDEN.into_response()
        }
    }
}

/// POST: a signed delivery of messages and statuses.
async fn deliver(State(receiver): State<Arc<WhatsAppReceiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    if !webhook::verify_signature(receiver.app_secret.expose_secret(), &body, signature) {
        tracing::warn!(signed = signature.is_some(), "whatsapp webhook delivery with a bad signature refused");
        return StatusCode::UNAUTHORIZED;
    }
    // Read now, so that only what SIGAP can apply is stored, and to learn whose it is.
    // Only whether it holds anything is kept: with a delivery of thousands of messages, its
    // parsed events and the split below would otherwise be in memory at once.
    let nothing = match webhook::parse(&body) {
        Ok(events) => events.is_empty(),
        Err(err) => {
            tracing::warn!(%err, "unreadable whatsapp webhook delivery refused");
            return StatusCode::BAD_REQUEST;
        }
    };
    if nothing {
        return StatusCode::OK;
    }
    let Some(deliveries) = split(&body) else {
        // JSON that parsed as a webhook splits; this is only the type system's doubt.
        return StatusCode::BAD_REQUEST;
    };
    match receiver.inbox.push_all(deliveries).await {
        Ok(_) => StatusCode::OK,
        Err(err) => {
            tracing::error!(%err, "whatsapp delivery not stored; Meta will deliver it again");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// One stored delivery per message and per status, each still shaped as a webhook delivery
/// of its own: a message is then applied in its sender's order even when Meta batched
/// several senders together, one that fails holds up no one else's, and a delivery of
/// thousands of messages is applied a message at a time, in bounded memory.
fn split(body: &[u8]) -> Option<Vec<NewDelivery>> {
    use serde_json::{Value, json};
    let payload: Value = serde_json::from_slice(body).ok()?;
    let object = payload.get("object")?.clone();
    let mut out = Vec::new();
    for entry in payload.get("entry")?.as_array()? {
        for change in entry.get("changes").and_then(Value::as_array).into_iter().flatten() {
            let Some(value) = change.get("value").and_then(Value::as_object) else { continue };
            let mut base = value.clone();
            let messages = base.remove("messages");
            let statuses = base.remove("statuses");
            let contacts = base.remove("contacts");
            let wrap = |value: serde_json::Map<String, Value>| {
                let single = json!({
                    "object": object,
                    "entry": [{ "id": entry.get("id"), "changes": [{ "field": change.get("field"), "value": value }] }],
                });
                single.to_string()
            };
            for message in messages.as_ref().and_then(Value::as_array).into_iter().flatten() {
                let from = message.get("from").and_then(Value::as_str).unwrap_or_default();
                if !webhook::plausible_wa_id(from) {
                    let shown: String = from.chars().take(40).collect();
                    tracing::warn!(from = %shown.escape_debug(), "whatsapp message from an implausible sender not stored");
                    continue;
                }
                let mut value = base.clone();
                value.insert("messages".into(), json!([message]));
                if let Some(contacts) = contacts.as_ref().and_then(Value::as_array) {
                    let own: Vec<&Value> =
                        contacts.iter().filter(|c| c.get("wa_id").and_then(Value::as_str) == Some(from)).collect();
                    value.insert("contacts".into(), json!(own));
                }
                let sender = format!("+{}", from.trim_start_matches('+'));
                out.push(NewDelivery { channel: Channel::Whatsapp, sender, body: wrap(value) });
            }
            for status in statuses.as_ref().and_then(Value::as_array).into_iter().flatten() {
                let recipient = status.get("recipient_id").and_then(Value::as_str).unwrap_or_default();
                let mut value = base.clone();
                value.insert("statuses".into(), json!([status]));
                // Statuses are not part of a conversation: their own lane per recipient.
                let sender = format!("statuses:{recipient}");
                out.push(NewDelivery { channel: Channel::Whatsapp, sender, body: wrap(value) });
            }
        }
    }
    Some(out)
}

#[async_trait::async_trait]
impl Applier for WhatsAppReceiver {
    fn channel(&self) -> Channel {
        Channel::Whatsapp
    }

    async fn apply(&self, body: &str) -> Result<(), ApplyError> {
        let events = webhook::parse(body.as_bytes()).map_err(|err| ApplyError::Never(err.to_string()))?;
        for event in events {
            // Events before a failing one stay applied; applying them again changes nothing.
            self.handle(event).await.map_err(ApplyError::from)?;
        }
        Ok(())
    }

    async fn gave_up(&self, row: i64, body: &str) {
        let Ok(events) = webhook::parse(body.as_bytes()) else { return };
        let Some((id, from)) = events.iter().find_map(|event| match event {
            Inbound::Message { id, from, .. } if webhook::plausible_wa_id(from) => Some((id, from)),
            Inbound::Message { .. } | Inbound::Status { .. } => None,
        }) else {
            return;
        };
        let sender = format!("+{}", from.trim_start_matches('+'));
        let text = t!("press.gave_up", locale = self.desk.locale_of(Channel::Whatsapp, &sender).await).into_owned();
        if let Err(err) = self.desk.say_once(Channel::Whatsapp, &format!("gave-up:{id}"), &sender, text).await {
            tracing::warn!(%err, row, "the sender of a delivery given up on was not told");
        }
    }
}
