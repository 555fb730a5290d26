//! Receiving Telegram updates by long polling. An update is acknowledged (the next
//! getUpdates offset moves past it) only after its effect is committed; the core records
//! each update id in the same transaction as its effect, so one delivered twice, after a
//! crash or a restart, changes nothing the second time.
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
use crate::channels::commands::{Command, command};
use crate::domain::sop::Sop;
use crate::domain::ticket::Channel;
use crate::metrics::Metrics;
use crate::service::{Body, CardRef, Helpdesk, Incoming, Press, PressOutcome, Received, ServiceError};
use crate::store::attachments::NewAttachment;

/// Seconds Telegram holds a getUpdates open; below teloxide's 17 s client timeout.
const LONG_POLL_SECONDS: u32 = 10;
/// answerCallbackQuery shows at most this many characters.
const MAX_ANSWER: usize = 200;

pub struct TelegramPoller {
    bot: Bot,
    desk: Helpdesk,
    codec: CallbackCodec,
    sop: Arc<Sop>,
}

impl TelegramPoller {
    pub fn new(bot: Bot, desk: Helpdesk, codec: CallbackCodec, sop: Arc<Sop>) -> Self {
        TelegramPoller { bot, desk, codec, sop }
    }

    /// Fetch and handle one batch from `offset`; returns the next offset. Updates are
    /// handled one after another (one connection's worth of work at a time is the fastest
    /// on SQLite). An internal error stops its chat, not the batch: the other chats' updates
    /// go on, and the offset stays at the first failed update, so it and what follows come
    /// again; what was already done changes nothing the second time.
    pub async fn poll_once(&self, offset: i32, wait: u32) -> Result<i32, PollError> {
        let updates = self
            .bot
            .get_updates()
            .offset(offset)
            .timeout(wait)
            .allowed_updates(vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery])
            .await
            .map_err(|e| PollError::Telegram(e.to_string()))?;
        let Some(last) = updates.last() else { return Ok(offset) };
        let next = i32::try_from(last.id.0).unwrap_or(i32::MAX).saturating_add(1);
        let mut stopped: Vec<Option<i64>> = Vec::new();
        let mut first_failure = None;
        for update in &updates {
            let labels = Metrics::label("channel", Channel::Telegram.as_str());
            self.desk.metrics().updates_received.get_or_create(&labels).inc();
            let chat = update.chat().map(|c| c.id.0).or_else(|| update.from().map(|u| u.id.0 as i64));
            if stopped.contains(&chat) {
                continue;
            }
            if let Err(error) = self.handle(update).await {
                stopped.push(chat);
                first_failure.get_or_insert((update.id.0, error));
            }
        }
        match first_failure {
            Some((id, error)) => Err(PollError::Core { resume_at: i32::try_from(id).unwrap_or(i32::MAX), error }),
            None => Ok(next),
        }
    }

    pub async fn run_until(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        // Telegram refuses getUpdates while a webhook is set; pending updates are kept.
        if let Err(err) = self.bot.delete_webhook().await {
            tracing::warn!(%err, "deleteWebhook before polling");
        }
        self.register_commands().await;
        let mut offset = 0;
        loop {
            if *shutdown.borrow() {
                return;
            }
            tokio::select! {
                result = self.poll_once(offset, LONG_POLL_SECONDS) => match result {
                    Ok(next) => offset = next,
                    Err(err) => {
                        tracing::warn!(%err, "telegram polling");
                        if let PollError::Core { resume_at, .. } = err {
                            offset = resume_at;
                        }
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
        let text = message.text().or(message.caption()).unwrap_or_default();
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
                self.reply(message.chat.id, answer).await;
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
            let body = Body::Contact { phone: contact.phone_number.clone(), own };
            return self.receive(update_id, &sender, message.chat.id, body).await;
        }
        let files = match self.files_of(message).await {
            Ok(files) => files,
            Err(reason) => {
                // Retrying the update could loop on a file that never comes: ask for it again.
                tracing::warn!(update = %update_id, %reason, "attachment not fetched");
                let locale = self.desk.locale_of(Channel::Telegram, &sender).await;
                self.reply(message.chat.id, t!("press.file_failed", locale = locale).into_owned()).await;
                return Ok(());
            }
        };
        if text.is_empty() && files.is_empty() {
            return self.receive(update_id, &sender, message.chat.id, Body::Unsupported).await;
        }
        // A message that answers the question a ticket's button asked finishes that action.
        let outcome = self.desk.answer_pending(Channel::Telegram, update_id, &sender, text, files.clone()).await?;
        match outcome {
            Some(PressOutcome::Done { answer } | PressOutcome::Refused { answer } | PressOutcome::Asked { answer }) => {
                self.reply(message.chat.id, answer).await;
                Ok(())
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
                let locale = self.desk.locale_of(Channel::Telegram, sender).await;
                self.reply(chat, err.localized(locale, self.desk.sop().calendar.timezone())).await;
                Ok(())
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
            (document.file.id.clone(), mime, document.file_name.clone())
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
        let Some(data) = query.data.as_deref() else { return self.answer(query, None).await };
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
                    Ok(Received::Duplicate) => None,
                    Err(err) if err.is_internal() => return Err(err),
                    Err(err) => Some(err.localized(
                        self.desk.locale_of(Channel::Telegram, &from).await,
                        self.desk.sop().calendar.timezone(),
                    )),
                };
                return self.answer(query, toast).await;
            }
            Err(err) => {
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
            PressOutcome::Duplicate => None,
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
                BotCommand::new("bantuan", t!("chat.cmd_help", locale = locale)),
            ];
            let request = self.bot.set_my_commands(commands);
            let result = if locale == "id" { request.await } else { request.language_code(locale).await };
            if let Err(err) = result {
                tracing::warn!(%err, locale, "setMyCommands");
            }
        }
    }

    /// Answer in `chat` through the outbox, so this answer keeps its place among the
    /// messages the core queued for the same chat.
    async fn reply(&self, chat: ChatId, text: String) {
        if let Err(err) = self.desk.say(Channel::Telegram, &chat.0.to_string(), text).await {
            tracing::warn!(%err, "reply not queued");
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("telegram: {0}")]
    Telegram(String),
    /// An update's effect failed: fetch again from `resume_at`, everything before it is done.
    #[error("update {resume_at}: {error}")]
    Core { resume_at: i32, error: ServiceError },
}
