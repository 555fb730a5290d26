//! Telegram through teloxide. Today: sending the outbox (text, inline keyboards, photos).
//! Receiving updates (intake, button presses, commands) comes with the Telegram issue.

pub mod callback;
pub mod sender;

pub use callback::{CallbackCodec, CallbackError};
pub use sender::TelegramSender;

use std::sync::Arc;

use teloxide::Bot;

use crate::domain::sop::Sop;

/// Build the bot client and the sender from a token and an optional API base URL (tests and
/// self-hosted Bot API servers; Telegram's own when `None`).
pub fn sender(token: &str, api_url: Option<&str>, sop: Arc<Sop>) -> Result<TelegramSender, String> {
    let mut bot = Bot::new(token);
    if let Some(url) = api_url {
        let url = reqwest::Url::parse(url).map_err(|e| format!("TELOXIDE_API_URL `{url}`: {e}"))?;
        bot = bot.set_api_url(url);
    }
    Ok(TelegramSender::new(bot, CallbackCodec::new(token), sop))
}
