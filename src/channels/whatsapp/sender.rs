//! Sending outbox messages through the Cloud API: files uploaded and sent by media id, text
//! split at 4096 characters, buttons as reply buttons (up to three) or as lists (more, ten
//! rows to a message), and each Graph error sorted into "try again" or "give up".
//!
//! The rendering ([`requests`], [`interactive`]) is pure so that it can be checked against
//! Meta's limits without a server.

use std::sync::Arc;
use std::time::Duration;

use super::api::{BuildError, MAX_BUTTON_BODY, MAX_CAPTION, MAX_LIST_BODY, MAX_LIST_ROWS, MAX_REPLY_BUTTONS, MAX_TEXT};
use super::api::{MessageRequest, truncate};
use super::client::GraphClient;
use super::error::{GraphError, PAIR_RATE_LIMIT};
use super::settings::Templates;
use crate::channels::telegram::sender::split_text;
use crate::delivery::{Delivery, FileContent, FileToSend, Progress, SendError, Sender, Sent};
use crate::domain::phone::PhoneNumber;
use crate::domain::ticket::Channel;
use crate::outbound::{ButtonAction, kind};

pub use super::api::Choice;

/// What a button stands for: a ticket's action, or an answer in a conversation.
#[derive(Debug, Clone, Copy)]
pub enum Tap<'a> {
    Action(&'a ButtonAction),
    Choice(&'a crate::outbound::Choice),
}

/// Turns a core button into the id that comes back when it is chosen (signed by the caller).
pub type ButtonEncoder = Arc<dyn Fn(Tap<'_>) -> String + Send + Sync>;

/// Longest template parameter SIGAP fills: Meta caps a body at 1024 characters.
const MAX_TEMPLATE_PARAMETER: usize = 900;

/// The label of the button that opens a list when the message brings none of its own (the
/// core names it in the reader's language; a symbol needs no language).
pub const LIST_LABEL: &str = "☰";
/// Meta keeps pair-rate-limited recipients blocked for a while; retrying sooner only fails again.
const PAIR_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// WhatsApp shows JPEG and PNG inline, up to 5 MB; other images travel as documents.
const MAX_IMAGE: usize = 5 * 1024 * 1024;

pub struct WhatsAppSender {
    client: GraphClient,
    encode: ButtonEncoder,
    templates: Templates,
}

/// A file already uploaded to Meta, ready to be sent by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub media_id: String,
    /// Shown as an image rather than as a document.
    pub inline: bool,
    pub file_name: Option<String>,
}

impl WhatsAppSender {
    pub fn new(client: GraphClient, encode: ButtonEncoder) -> Self {
        WhatsAppSender { client, encode, templates: Templates::default() }
    }

    /// Use these approved templates where free text is not allowed.
    pub fn with_templates(self, templates: Templates) -> Self {
        WhatsAppSender { templates, ..self }
    }

    /// The message as the approved template of its kind, its text as the one parameter
    /// (templates take no line breaks in parameters). `None` without such a template.
    fn as_template(&self, to: &PhoneNumber, delivery: &Delivery) -> Option<MessageRequest> {
        let reminder = matches!(delivery.kind.as_str(), kind::SLA_REMINDER | kind::SLA_BREACH | kind::SLA_DIGEST);
        let template = if reminder { self.templates.reminder.as_ref() } else { self.templates.update.as_ref() };
        let template = template.or(self.templates.update.as_ref())?;
        Some(template.request(to.wa_id(), &[template_parameter(&delivery.message.text)]))
    }

    async fn send_template(&self, to: &PhoneNumber, delivery: &Delivery, why: &str) -> Result<Sent, SendError> {
        let Some(request) = self.as_template(to, delivery) else {
            return Err(SendError::Permanent {
                reason: format!("131047: {why}, and no template is configured (WHATSAPP_TEMPLATE_UPDATE)"),
            });
        };
        if delivery.parts_sent > 0 {
            // Its status came back before a restart: Meta has it already.
            return Ok(Sent { external_ids: Vec::new(), note: Some(format!("sent as template: {why}")) });
        }
        let id = self.client.send(&request.tagged(delivery.outbox_id, 0)).await.map_err(classify)?;
        Ok(Sent { external_ids: vec![id], note: Some(format!("sent as template: {why}")) })
    }

    async fn upload(&self, file: &FileToSend) -> Result<Uploaded, SendError> {
        let bytes = match &file.content {
            FileContent::Bytes(bytes) => bytes.clone(),
            FileContent::Path(path) => {
                let owned = path.clone();
                tokio::task::spawn_blocking(move || std::fs::read(owned))
                    .await
                    .map_err(|e| SendError::Retry { after: None, reason: format!("reading a file: {e}") })?
                    .map_err(|e| SendError::Permanent { reason: format!("{}: {e}", path.display()) })?
            }
        };
        let inline = matches!(file.mime.as_str(), "image/jpeg" | "image/png") && bytes.len() <= MAX_IMAGE;
        let file_name = file.display_name();
        let media_id = self
            .client
            .upload_media(bytes, &file.mime, file_name.as_deref().unwrap_or("file"))
            .await
            .map_err(classify)?;
        Ok(Uploaded { media_id, inline, file_name })
    }
}

#[async_trait::async_trait]
impl Sender for WhatsAppSender {
    fn channel(&self) -> Channel {
        Channel::Whatsapp
    }

    async fn send(&self, delivery: &Delivery, progress: &dyn Progress) -> Result<Sent, SendError> {
        let to: PhoneNumber = delivery
            .address
            .parse()
            .map_err(|_| SendError::Permanent { reason: format!("`{}` is not a WhatsApp number", delivery.address) })?;
        let message = &delivery.message;
        if message.template || delivery.outside_window {
            let why = if message.template { "resent after 131047" } else { "outside the 24-hour window" };
            return self.send_template(&to, delivery, why).await;
        }
        let requests = if let Some(earlier) = &message.edit {
            // WhatsApp cannot edit a sent message: the new text follows, quoting the card when
            // its id is one WhatsApp knows.
            split_text(&message.text, MAX_TEXT)
                .iter()
                .filter(|chunk| !chunk.is_empty())
                .map(|chunk| {
                    let request = MessageRequest::text(to.wa_id(), chunk);
                    if earlier.starts_with("wamid.") { request.replying_to(earlier) } else { request }
                })
                .collect()
        } else {
            let actions = message.buttons.iter().map(|b| (Tap::Action(&b.action), &b.label));
            let answers = message.choices.iter().map(|c| (Tap::Choice(&c.choice), &c.label));
            let choices: Vec<Choice> = actions
                .chain(answers)
                .map(|(tap, label)| Choice { id: (self.encode)(tap), title: label.clone(), description: None })
                .collect();
            // Uploads first: a file Meta refuses must not leave half a message in the chat.
            // A file whose part went out on an earlier attempt is not uploaded again; its
            // request is rendered only to keep the parts where they were.
            let mut uploaded = Vec::with_capacity(delivery.files.len());
            for (i, file) in delivery.files.iter().enumerate() {
                uploaded.push(if i < delivery.parts_sent {
                    Uploaded { media_id: String::new(), inline: false, file_name: None }
                } else {
                    self.upload(file).await?
                });
            }
            requests(to.wa_id(), &message.text, &choices, &uploaded, message.list_label.as_deref())
                .map_err(|e| SendError::Permanent { reason: format!("cannot render for WhatsApp: {e}") })?
        };
        let mut sent = Sent::default();
        for (i, request) in requests.into_iter().enumerate().skip(delivery.parts_sent) {
            let request = request.tagged(delivery.outbox_id, i);
            match self.client.send(&request).await {
                Ok(id) => {
                    let ids = [id];
                    progress.part_sent(i, &ids).await?;
                    sent.external_ids.extend(ids);
                }
                // Our record of the window can be wrong (a message to SIGAP lost, a clock
                // skew): Meta's refusal of the first part is the last word, and a template goes.
                Err(GraphError::ReEngagement { .. }) if i == 0 => {
                    return self.send_template(&to, delivery, "131047 from Meta").await;
                }
                Err(err) => return Err(classify(err)),
            }
        }
        Ok(sent)
    }
}

/// A message's text as one template parameter: Meta refuses new lines, tabs and more than
/// four spaces in a row there.
pub fn template_parameter(text: &str) -> String {
    let joined = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" · ");
    let single = joined.replace('\t', " ").split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    truncate(&single, MAX_TEMPLATE_PARAMETER)
}

/// Every request one outbox message becomes, in the order the recipient should see them:
/// files (the first with the text as caption when it fits), the text, then the choices
/// (carrying the text's last part as their body).
pub fn requests(
    to: &str,
    text: &str,
    choices: &[Choice],
    files: &[Uploaded],
    list_label: Option<&str>,
) -> Result<Vec<MessageRequest>, BuildError> {
    let mut chunks: Vec<String> = split_text(text, MAX_TEXT).into_iter().filter(|c| !c.is_empty()).collect();
    let mut body = None;
    if !choices.is_empty() {
        let limit = if choices.len() <= MAX_REPLY_BUTTONS { MAX_BUTTON_BODY } else { MAX_LIST_BODY };
        let mut pieces = split_text(&chunks.pop().unwrap_or_default(), limit);
        body = pieces.pop();
        chunks.extend(pieces);
    }
    let caption = match chunks.first() {
        Some(first) if !files.is_empty() && first.chars().count() <= MAX_CAPTION => Some(chunks.remove(0)),
        _ => None,
    };
    let mut requests = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let caption = if i == 0 { caption.as_deref() } else { None };
        requests.push(if file.inline {
            MessageRequest::image(to, &file.media_id, caption)
        } else {
            MessageRequest::document(to, &file.media_id, caption, file.file_name.as_deref())
        });
    }
    requests.extend(chunks.iter().map(|chunk| MessageRequest::text(to, chunk)));
    if let Some(body) = body {
        requests.extend(interactive(to, &body, choices, list_label)?);
    }
    Ok(requests)
}

/// Choices under `body`: up to three as reply buttons; more as lists of ten rows, each list
/// numbered ("☰ 1/2") when there are several. Later lists repeat only the body's first line.
pub fn interactive(
    to: &str,
    body: &str,
    choices: &[Choice],
    label: Option<&str>,
) -> Result<Vec<MessageRequest>, BuildError> {
    if choices.is_empty() {
        return Ok(Vec::new());
    }
    if choices.len() <= MAX_REPLY_BUTTONS {
        return Ok(vec![MessageRequest::reply_buttons(to, body, choices)?]);
    }
    let pages: Vec<&[Choice]> = choices.chunks(MAX_LIST_ROWS).collect();
    let first_line = truncate(body.trim().lines().next().unwrap_or_default(), MAX_BUTTON_BODY);
    pages
        .iter()
        .enumerate()
        .map(|(i, rows)| {
            let label = label.map(str::trim).filter(|l| !l.is_empty()).unwrap_or(LIST_LABEL);
            let label = if pages.len() == 1 { label.to_owned() } else { format!("{label} {}/{}", i + 1, pages.len()) };
            let body = if i == 0 { body } else { first_line.as_str() };
            MessageRequest::list(to, None, body, &label, rows)
        })
        .collect()
}

/// The Graph API's answer, as the delivery worker needs it.
pub fn classify(err: GraphError) -> SendError {
    let reason = err.to_string();
    match err {
        GraphError::Throttled { code, .. } => {
            SendError::Retry { after: (code == Some(PAIR_RATE_LIMIT)).then_some(PAIR_RATE_LIMIT_WAIT), reason }
        }
        GraphError::Temporary { .. } => SendError::Retry { after: None, reason },
        GraphError::ReEngagement { .. } | GraphError::Permanent { .. } => SendError::Permanent { reason },
    }
}

#[cfg(test)]
mod tests;
