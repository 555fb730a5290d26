//! The web channel: the chat simulator of "Coba SIGAP" as a third chat channel over the same
//! core and outbox. Its delivery side ([`WebSender`]) is a lane of the outbox like the
//! Telegram and WhatsApp senders, writing each message into the simulated person's chat
//! (`web_messages`) instead of calling a platform; a card's edit rewrites its row. Its
//! receiving side ([`WebChat`]) turns what the person typed, uploaded or pressed in the
//! browser into the same core calls a Telegram update ends in. No workflow rule lives here.

use std::sync::Arc;

use rust_i18n::t;

use crate::channels::clean_text;
use crate::channels::commands::{Command, command_or_keyword};
use crate::clock::Clock;
use crate::delivery::{Delivery, Progress, SendError, Sender, Sent};
use crate::domain::ticket::Channel;
use crate::service::{Body, CardRef, Helpdesk, Incoming, Press, PressOutcome, Received, ServiceError};
use crate::store::attachments::NewAttachment;
use crate::store::web_chat::{self, Shown};

/// Delivers outbox rows of the web channel into the simulated chats.
pub struct WebSender {
    db: sea_orm::DatabaseConnection,
    clock: Arc<dyn Clock>,
}

impl WebSender {
    pub fn new(db: sea_orm::DatabaseConnection, clock: Arc<dyn Clock>) -> Self {
        WebSender { db, clock }
    }
}

fn retry(err: sea_orm::DbErr) -> SendError {
    SendError::Retry { after: None, reason: format!("web chat: {err}") }
}

#[async_trait::async_trait]
impl Sender for WebSender {
    fn channel(&self) -> Channel {
        Channel::Web
    }

    async fn send(&self, delivery: &Delivery, progress: &dyn Progress) -> Result<Sent, SendError> {
        let now = self.clock.now();
        let message = &delivery.message;
        if let Some(id) = &message.edit {
            let id: i64 =
                id.parse().map_err(|_| SendError::Permanent { reason: format!("`{id}` is not a web message id") })?;
            // A message pruned meanwhile has nothing left to rewrite: that is not a failure.
            web_chat::rewrite(&self.db, &delivery.address, id, &message.text, now).await.map_err(retry)?;
            return Ok(Sent::default());
        }
        // The whole message is one part: written once, never twice on a retry.
        if delivery.parts_sent > 0 {
            return Ok(Sent::default());
        }
        let shown = Shown {
            text: message.text.clone(),
            buttons: message.buttons.clone(),
            choices: message.choices.clone(),
            files: delivery.files.iter().map(|f| f.display_name().unwrap_or_else(|| f.mime.clone())).collect(),
        };
        let id = web_chat::append(&self.db, &delivery.address, false, &shown, now).await.map_err(retry)?;
        // Remembered like a Telegram card's message id, so the card can be retired later.
        let ids = if message.buttons.is_empty() { Vec::new() } else { vec![id.to_string()] };
        progress.part_sent(0, &ids).await?;
        Ok(Sent { external_ids: ids, note: None })
    }
}

/// What the simulator's person does, handed to the core as a Telegram update would be.
#[derive(Clone)]
pub struct WebChat {
    desk: Helpdesk,
}

impl WebChat {
    pub fn new(desk: Helpdesk) -> Self {
        WebChat { desk }
    }

    /// A message typed (and files attached) by the person at `address`.
    pub async fn send(&self, address: &str, text: &str, files: Vec<NewAttachment>) -> Result<(), ServiceError> {
        let text = clean_text(text.trim()).into_owned();
        if text.is_empty() && files.is_empty() {
            return Ok(());
        }
        let now = self.desk.clock().now();
        let names = files.iter().map(|f| f.file_name.clone().unwrap_or_else(|| f.mime.clone())).collect();
        let shown = Shown { text: text.clone(), files: names, ..Shown::default() };
        // The chat shows what was typed; its row's id is the update's, unique and kept.
        let id = web_chat::append(self.desk.db(), address, true, &shown, now).await?;
        let update_id = format!("m{id}");
        self.desk.note_inbound(Channel::Web, address).await?;
        match command_or_keyword(&text).filter(|_| files.is_empty()) {
            Some(Command::Query(query)) => {
                let answer = match self.desk.query(Channel::Web, address, query).await {
                    Ok(answer) => answer,
                    Err(err) if err.is_internal() => return Err(err),
                    Err(err) => self.localized(address, &err).await,
                };
                self.desk.say_once(Channel::Web, &update_id, address, answer).await?;
                return Ok(());
            }
            Some(Command::Chat(command)) => return self.receive(&update_id, address, Body::Command(command)).await,
            None => {}
        }
        match self.desk.answer_pending(Channel::Web, &update_id, address, &text, files.clone()).await? {
            Some(PressOutcome::Done { answer } | PressOutcome::Asked { answer }) => {
                self.desk.say(Channel::Web, address, answer).await
            }
            Some(PressOutcome::Refused { answer }) => {
                self.desk.say_once(Channel::Web, &update_id, address, answer).await.map(drop)
            }
            Some(PressOutcome::Duplicate) => Ok(()),
            None => {
                let body = if files.is_empty() { Body::Text(text) } else { Body::Files { caption: text, files } };
                self.receive(&update_id, address, body).await
            }
        }
    }

    /// Button `index` (the card's buttons, then the conversation's choices) of SIGAP's message
    /// `message_id` pressed by the person at `address`: the short answer to show, if any.
    pub async fn press(&self, address: &str, message_id: i64, index: usize) -> Result<Option<String>, ServiceError> {
        let found = web_chat::one(self.desk.db(), address, message_id).await?.filter(|m| !m.from_person);
        let Some(message) = found else {
            return Ok(Some(
                t!("press.forged", locale = self.desk.locale_of(Channel::Web, address).await).into_owned(),
            ));
        };
        let update_id = format!("p{}", random_hex()?);
        self.desk.note_inbound(Channel::Web, address).await?;
        let shown = message.shown;
        if let Some(button) = shown.buttons.get(index) {
            let card =
                CardRef { chat: address.to_owned(), message_id: message_id.to_string(), text: shown.text.clone() };
            let press = Press {
                channel: Channel::Web,
                update_id,
                from: address.to_owned(),
                action: button.action.clone(),
                card: Some(card),
            };
            return Ok(match self.desk.press(press).await? {
                PressOutcome::Done { answer } | PressOutcome::Asked { answer } | PressOutcome::Refused { answer } => {
                    Some(answer)
                }
                PressOutcome::Duplicate => None,
            });
        }
        let Some(choice) = index.checked_sub(shown.buttons.len()).and_then(|i| shown.choices.get(i)) else {
            return Ok(Some(
                t!("press.forged", locale = self.desk.locale_of(Channel::Web, address).await).into_owned(),
            ));
        };
        let incoming = Incoming {
            channel: Channel::Web,
            update_id,
            sender: address.to_owned(),
            reply_to: address.to_owned(),
            body: Body::Choice(choice.choice),
        };
        match self.desk.receive(incoming).await {
            Ok(Received::Handled { toast }) => Ok(toast),
            Ok(Received::Duplicate) => Ok(None),
            Err(err) if err.is_internal() => Err(err),
            Err(err) => Ok(Some(self.localized(address, &err).await)),
        }
    }

    async fn receive(&self, update_id: &str, address: &str, body: Body) -> Result<(), ServiceError> {
        let incoming = Incoming {
            channel: Channel::Web,
            update_id: update_id.to_owned(),
            sender: address.to_owned(),
            reply_to: address.to_owned(),
            body,
        };
        match self.desk.receive(incoming).await {
            Ok(_) => Ok(()),
            Err(err) if err.is_internal() => Err(err),
            Err(err) => {
                let text = self.localized(address, &err).await;
                self.desk.say_once(Channel::Web, update_id, address, text).await.map(drop)
            }
        }
    }

    async fn localized(&self, address: &str, err: &ServiceError) -> String {
        err.localized(self.desk.locale_of(Channel::Web, address).await, self.desk.sop().calendar.timezone())
    }
}

fn random_hex() -> Result<String, ServiceError> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| ServiceError::Io(std::io::Error::other(e.to_string())))?;
    Ok(hex::encode(bytes))
}
