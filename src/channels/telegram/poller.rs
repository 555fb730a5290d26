//! Receiving Telegram updates by long polling, and what an update does however it came. A
//! polled batch is acknowledged (the next getUpdates offset moves past it) once it is stored
//! in the inbox; the core records each update id in the same transaction as its effect, so
//! one applied twice, after a crash or a restart, changes nothing the second time.
//!
//! Commands that only read (status, queues) are answered at once; everything else — a
//! button press, a reason typed after one, a newcomer's registration, a report written in
//! messages — goes to the core, which queues its answers in the outbox.

use std::sync::Arc;
use std::time::Duration;

use rust_i18n::t;
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, BotCommand, CallbackQuery, MaybeInaccessibleMessage, Update, UpdateKind};

use crate::channels::callback::{CallbackCodec, Tapped};
use crate::channels::clean_text;
use crate::channels::commands::{Command, command};
use crate::domain::sop::Sop;
use crate::domain::ticket::Channel;
use crate::inbox::Inbox;
use crate::metrics::Metrics;
use crate::service::{Body, CardRef, Helpdesk, Incoming, Press, PressOutcome, Received, ServiceError};
use crate::store::attachments::NewAttachment;
use crate::store::inbox::NewDelivery;

/// Seconds Telegram holds a getUpdates open; below teloxide's 17 s client timeout.
const LONG_POLL_SECONDS: u32 = 10;
/// answerCallbackQuery shows at most this many characters.
const MAX_ANSWER: usize = 200;

/// What a Telegram update does in SIGAP, however it arrived (polled or posted by webhook):
/// the inbox worker hands it each stored update ([`crate::inbox::Applier`]).
pub struct TelegramPoller {
    bot: Bot,
    desk: Helpdesk,
    codec: CallbackCodec,
    sop: Arc<Sop>,
}

/// Long polling: each batch of updates is stored in the inbox with one insert, and only then
/// is the offset moved past it. The inbox worker applies them, one chat's in order and chats
/// side by side, exactly as updates posted by webhook: an update that fails for good is kept
/// aside (`sigap inbox parked`) and the chat goes on, one that may pass is retried without
/// holding up the other chats.
pub struct LongPoll {
    updates: Arc<TelegramPoller>,
    inbox: Inbox,
}

impl LongPoll {
    pub fn new(updates: Arc<TelegramPoller>, inbox: Inbox) -> Self {
        LongPoll { updates, inbox }
    }

    /// Fetch one batch from `offset` and store it; returns the next offset.
    pub async fn poll_once(&self, offset: i32, wait: u32) -> Result<i32, PollError> {
        let updates = self
            .updates
            .bot
            .get_updates()
            .offset(offset)
            .timeout(wait)
            .allowed_updates(vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery])
            .await
            .map_err(|e| PollError::Telegram(e.to_string()))?;
        let Some(last) = updates.last() else { return Ok(offset) };
        let next = i32::try_from(last.id.0).unwrap_or(i32::MAX).saturating_add(1);
        let labels = Metrics::label("channel", Channel::Telegram.as_str());
        let mut deliveries = Vec::with_capacity(updates.len());
        for update in &updates {
            self.updates.desk.metrics().updates_received.get_or_create(&labels).inc();
            let body = serde_json::to_string(update).map_err(|e| PollError::Store(e.to_string()))?;
            deliveries.push(NewDelivery { channel: Channel::Telegram, sender: chat_key(update), body });
        }
        self.inbox.push_all(deliveries).await.map_err(|e| PollError::Store(e.to_string()))?;
        Ok(next)
    }

    pub async fn run_until(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        // Telegram refuses getUpdates while a webhook is set; pending updates are kept.
        if let Err(err) = self.updates.bot.delete_webhook().await {
            tracing::warn!(%err, "deleteWebhook before polling");
        }
        self.updates.register_commands().await;
        let mut offset = 0;
        loop {
            if *shutdown.borrow() {
                return;
            }
            tokio::select! {
                result = self.poll_once(offset, LONG_POLL_SECONDS) => match result {
                    Ok(next) => offset = next,
                    Err(err) => {
                        // Nothing was stored: the same batch is fetched again.
                        tracing::warn!(%err, "telegram polling");
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                            _ = shutdown.changed() => {}
                        }
                    }
                },
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// The conversation an update belongs to, which keeps its updates in order: the chat, or
/// for a press on a message no longer accessible, the person.
pub fn chat_key(update: &Update) -> String {
    update.chat().map(|c| c.id.0).or_else(|| update.from().map(|u| u.id.0 as i64)).unwrap_or_default().to_string()
}

impl TelegramPoller {
    pub fn new(bot: Bot, desk: Helpdesk, codec: CallbackCodec, sop: Arc<Sop>) -> Self {
        TelegramPoller { bot, desk, codec, sop }
    }

    pub fn bot(&self) -> &Bot {
        &self.bot
    }

    pub fn helpdesk(&self) -> &Helpdesk {
        &self.desk
    }

    /// Take one update's effect; an error means nothing was committed and it may come again.
    pub async fn handle(&self, update: &Update) -> Result<(), ServiceError> {
        let update_id = update.id.0.to_string();
        if let Some(user) = update.from() {
            self.desk.note_inbound(Channel::Telegram, &user.id.0.to_string()).await?;
        }
        match &update.kind {
            UpdateKind::CallbackQuery(query) => self.on_press(&update_id, query).await,
            UpdateKind::Message(message) => self.on_message(&update_id, message).await,
            _ => Ok(()),
        }
    }

    async fn on_message(&self, update_id: &str, message: &Message) -> Result<(), ServiceError> {
        let Some(from) = message.from.as_ref() else { return Ok(()) };
        let sender = from.id.0.to_string();
        let private = message.chat.is_private();
        // Text the databases would refuse (NUL, control characters) never gets past here.
        let text = clean_text(message.text().or(message.caption()).unwrap_or_default());
        let text = text.as_ref();
        match command(text) {
            Some(Command::Query(query)) => {
                let answer = match self.desk.query(Channel::Telegram, &sender, query).await {
                    Ok(answer) => answer,
                    Err(err) if err.is_internal() => return Err(err),
                    Err(err) => err.localized(
                        self.desk.locale_of(Channel::Telegram, &sender).await,
                        self.desk.sop().calendar.timezone(),
                    ),
                };
                // Keyed to the update: handled twice (a retry, two replicas), answered once.
                self.desk.say_once(Channel::Telegram, update_id, &message.chat.id.0.to_string(), answer).await?;
                return Ok(());
            }
            // Registration and reports happen in a private chat, not in a team group.
            Some(Command::Chat(command)) if private => {
                return self.receive(update_id, &sender, message.chat.id, Body::Command(command)).await;
            }
            Some(Command::Chat(_)) => return Ok(()),
            None if !private => return Ok(()),
            None => {}
        }
        if let Some(contact) = message.contact() {
            let own = contact.user_id.is_some_and(|id| id == from.id);
            let body = Body::Contact { phone: clean_text(&contact.phone_number).into_owned(), own };
            return self.receive(update_id, &sender, message.chat.id, body).await;
        }
        let files = match self.files_of(message).await {
            Ok(files) => files,
            Err(reason) => {
                // Retrying the update could loop on a file that never comes: ask for it again.
                tracing::warn!(update = %update_id, %reason, "attachment not fetched");
                let locale = self.desk.locale_of(Channel::Telegram, &sender).await;
                let text = t!("press.file_failed", locale = locale).into_owned();
                self.desk.say_once(Channel::Telegram, update_id, &message.chat.id.0.to_string(), text).await?;
                return Ok(());
            }
        };
        if text.is_empty() && files.is_empty() {
            return self.receive(update_id, &sender, message.chat.id, Body::Unsupported).await;
        }
        // A message that answers the question a ticket's button asked finishes that action.
        let outcome = self.desk.answer_pending(Channel::Telegram, update_id, &sender, text, files.clone()).await?;
        match outcome {
            // The effect recorded the update: handled again, it comes back as a duplicate.
            Some(PressOutcome::Done { answer } | PressOutcome::Asked { answer }) => {
                self.desk.say(Channel::Telegram, &message.chat.id.0.to_string(), answer).await
            }
            // Nothing was recorded: the answer itself is keyed to the update.
            Some(PressOutcome::Refused { answer }) => {
                self.desk.say_once(Channel::Telegram, update_id, &message.chat.id.0.to_string(), answer).await.map(drop)
            }
            Some(PressOutcome::Duplicate) => Ok(()),
            None => {
                let body = if files.is_empty() {
                    Body::Text(text.to_owned())
                } else {
                    Body::Files { caption: text.to_owned(), files }
                };
                self.receive(update_id, &sender, message.chat.id, body).await
            }
        }
    }

    /// Hand a message to the core's conversation; it queues the answers itself.
    async fn receive(&self, update_id: &str, sender: &str, chat: ChatId, body: Body) -> Result<(), ServiceError> {
        let incoming = Incoming {
            channel: Channel::Telegram,
            update_id: update_id.to_owned(),
            sender: sender.to_owned(),
            reply_to: chat.0.to_string(),
            body,
        };
        match self.desk.receive(incoming).await {
            Ok(_) => Ok(()),
            Err(err) if err.is_internal() => Err(err),
            Err(err) => {
                // Nothing was committed: the update's id is free to key the answer to.
                let locale = self.desk.locale_of(Channel::Telegram, sender).await;
                let text = err.localized(locale, self.desk.sop().calendar.timezone());
                self.desk.say_once(Channel::Telegram, update_id, &chat.0.to_string(), text).await.map(drop)
            }
        }
    }

    /// The photo (largest size) or document of a message, downloaded.
    async fn files_of(&self, message: &Message) -> Result<Vec<NewAttachment>, String> {
        let (file_id, mime, file_name) = if let Some(sizes) = message.photo() {
            let Some(largest) = sizes.iter().max_by_key(|s| u64::from(s.width) * u64::from(s.height)) else {
                return Ok(Vec::new());
            };
            (largest.file.id.clone(), "image/jpeg".to_owned(), None)
        } else if let Some(document) = message.document() {
            let mime = document.mime_type.as_ref().map_or("application/octet-stream".to_owned(), ToString::to_string);
            (document.file.id.clone(), mime, document.file_name.as_deref().map(|n| clean_text(n).into_owned()))
        } else {
            return Ok(Vec::new());
        };
        let file = self.bot.get_file(file_id).await.map_err(|e| format!("getFile: {e}"))?;
        if file.size as usize > crate::store::attachments::MAX_BYTES {
            return Err(format!("file of {} bytes is over the limit", file.size));
        }
        let mut bytes = Vec::with_capacity(file.size as usize);
        self.bot.download_file(&file.path, &mut bytes).await.map_err(|e| format!("download: {e}"))?;
        Ok(vec![NewAttachment { bytes, mime, file_name }])
    }

    async fn on_press(&self, update_id: &str, query: &CallbackQuery) -> Result<(), ServiceError> {
        let from = query.from.id.0.to_string();
        let Some(data) = query.data.as_deref() else {
            if !self.desk.first_time(Channel::Telegram, update_id).await? {
                return Ok(());
            }
            return self.answer(query, None).await;
        };
        let action = match self.codec.decode_any(data, &self.sop) {
            Ok(Tapped::Action(action)) => action,
            Ok(Tapped::Choice(choice)) => {
                let chat = match &query.message {
                    Some(message) => message.chat().id,
                    None => ChatId(query.from.id.0 as i64),
                };
                let incoming = Incoming {
                    channel: Channel::Telegram,
                    update_id: update_id.to_owned(),
                    sender: from.clone(),
                    reply_to: chat.0.to_string(),
                    body: Body::Choice(choice),
                };
                let toast = match self.desk.receive(incoming).await {
                    Ok(Received::Handled { toast }) => toast,
                    // Its button was answered when it was first handled.
                    Ok(Received::Duplicate) => return Ok(()),
                    Err(err) if err.is_internal() => return Err(err),
                    Err(err) => Some(err.localized(
                        self.desk.locale_of(Channel::Telegram, &from).await,
                        self.desk.sop().calendar.timezone(),
                    )),
                };
                return self.answer(query, toast).await;
            }
            Err(err) => {
                if !self.desk.first_time(Channel::Telegram, update_id).await? {
                    return Ok(());
                }
                tracing::warn!(%err, user = %from, data, "refused a forged or malformed button");
                let locale = self.desk.locale_of(Channel::Telegram, &from).await;
                return self.answer(query, Some(t!("press.forged", locale = locale).into_owned())).await;
            }
        };
        let card = match &query.message {
            Some(MaybeInaccessibleMessage::Regular(message)) => Some(CardRef {
                chat: message.chat.id.0.to_string(),
                message_id: message.id.0.to_string(),
                text: message.text().unwrap_or_default().to_owned(),
            }),
            _ => None,
        };
        let press = Press { channel: Channel::Telegram, update_id: update_id.to_owned(), from, action, card };
        let answer = match self.desk.press(press).await? {
            PressOutcome::Done { answer } | PressOutcome::Asked { answer } | PressOutcome::Refused { answer } => {
                Some(answer)
            }
            // Answered when it was first handled; Telegram refuses a second answer.
            PressOutcome::Duplicate => return Ok(()),
        };
        self.answer(query, answer).await
    }

    /// Stop the button's spinner, with a short text. A failure here loses nothing: the
    /// effect is committed, and Telegram stops the spinner by itself after a while.
    async fn answer(&self, query: &CallbackQuery, text: Option<String>) -> Result<(), ServiceError> {
        let mut request = self.bot.answer_callback_query(query.id.clone());
        if let Some(text) = text {
            request = request.text(text.chars().take(MAX_ANSWER).collect::<String>());
        }
        if let Err(err) = request.await {
            tracing::warn!(%err, "answerCallbackQuery");
        }
        Ok(())
    }

    /// The command menu in both languages (Indonesian as the default).
    pub async fn register_commands(&self) {
        for locale in crate::i18n::LOCALES {
            let commands = vec![
                BotCommand::new("lapor", t!("chat.cmd_report", locale = locale)),
                BotCommand::new("status", t!("chat.cmd_status", locale = locale)),
                BotCommand::new("tiket", t!("chat.cmd_mine", locale = locale)),
                BotCommand::new("antrian", t!("chat.cmd_queue", locale = locale)),
                BotCommand::new("cari", t!("chat.cmd_search", locale = locale)),
                BotCommand::new("laporan", t!("chat.cmd_monthly", locale = locale)),
                BotCommand::new("keluhan", t!("chat.cmd_complain", locale = locale)),
                BotCommand::new("batal", t!("chat.cmd_cancel", locale = locale)),
                BotCommand::new("privasi", t!("chat.cmd_privacy", locale = locale)),
                BotCommand::new("dataku", t!("chat.cmd_my_data", locale = locale)),
                BotCommand::new("hapus_data", t!("chat.cmd_erase", locale = locale)),
                BotCommand::new("bantuan", t!("chat.cmd_help", locale = locale)),
            ];
            let request = self.bot.set_my_commands(commands);
            let result = if locale == "id" { request.await } else { request.language_code(locale).await };
            if let Err(err) = result {
                tracing::warn!(%err, locale, "setMyCommands");
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("telegram: {0}")]
    Telegram(String),
    /// The batch could not be stored: it is fetched again.
    #[error("storing updates: {0}")]
    Store(String),
}
