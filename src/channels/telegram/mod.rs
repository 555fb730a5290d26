//! Telegram through teloxide: sending the outbox (text, inline keyboards, photos, card
//! edits, the phone-sharing keyboard) and receiving updates by long polling or by webhook,
//! handed to the core as presses, messages and commands.

pub mod poller;
pub mod sender;
pub mod webhook;

pub use crate::channels::callback::{CallbackCodec, CallbackError};
pub use poller::{LongPoll, TelegramPoller};
pub use sender::TelegramSender;

use std::sync::Arc;

use teloxide::Bot;

use crate::domain::sop::Sop;

/// The bot client for a token and an optional API base URL (tests and self-hosted Bot API
/// servers; Telegram's own when `None`).
pub fn bot(token: &str, api_url: Option<&str>) -> Result<Bot, String> {
    let mut bot = Bot::new(token);
    if let Some(url) = api_url {
        let url = reqwest::Url::parse(url).map_err(|e| format!("TELOXIDE_API_URL `{url}`: {e}"))?;
        bot = bot.set_api_url(url);
    }
    Ok(bot)
}

/// The outbox sender for a token and an optional API base URL.
pub fn sender(token: &str, api_url: Option<&str>, sop: Arc<Sop>) -> Result<TelegramSender, String> {
    Ok(TelegramSender::new(bot(token, api_url)?, CallbackCodec::new(token), sop))
}
