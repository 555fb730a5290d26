//! Sending outbox messages through the Bot API: text split at Telegram's 4096 characters,
//! buttons as an inline keyboard with signed callback data, completion photos and documents
//! as files; and each Bot API error sorted into "try again" or "give up".

use std::sync::Arc;

use serde::Deserialize;
use teloxide::payloads::{EditMessageText, SendMessage};
use teloxide::prelude::*;
use teloxide::types::{
    ButtonRequest, ChatId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, KeyboardButton, KeyboardMarkup,
    KeyboardRemove, MessageId, ReplyMarkup,
};
use teloxide::{ApiError, RequestError};

use crate::channels::callback::CallbackCodec;
use crate::delivery::{Delivery, FileContent, Progress, SendError, Sender, Sent};
use crate::domain::sop::Sop;
use crate::domain::ticket::Channel;

/// Telegram's limit on a message's text, in UTF-16 code units: Telegram counts as its
/// clients do, so an emoji or another character beyond the BMP takes two.
pub const MAX_TEXT: usize = 4096;
/// Buttons per keyboard row: two fit a small phone's width with readable labels.
const PER_ROW: usize = 2;

pub struct TelegramSender {
    bot: Bot,
    codec: CallbackCodec,
    sop: Arc<Sop>,
}

impl TelegramSender {
    pub fn new(bot: Bot, codec: CallbackCodec, sop: Arc<Sop>) -> Self {
        TelegramSender { bot, codec, sop }
    }

    /// The markup under the message: inline buttons (ticket actions, then conversation
    /// choices), or the keyboard that shares the phone number, or the order to remove it.
    fn keyboard(&self, delivery: &Delivery) -> Result<Option<ReplyMarkup>, SendError> {
        let message = &delivery.message;
        let refuse = |label: &str, e: crate::channels::callback::CallbackError| SendError::Permanent {
            reason: format!("button `{label}`: {e}"),
        };
        let mut buttons = Vec::new();
        for button in &message.buttons {
            let data = self.codec.encode(&button.action, &self.sop).map_err(|e| refuse(&button.label, e))?;
            buttons.push(InlineKeyboardButton::callback(button.label.clone(), data));
        }
        let mut rows: Vec<Vec<InlineKeyboardButton>> = buttons.chunks(PER_ROW).map(<[_]>::to_vec).collect();
        // Choices are read one per line: organisation names and categories are long.
        for choice in &message.choices {
            let data = self.codec.encode_choice(&choice.choice).map_err(|e| refuse(&choice.label, e))?;
            rows.push(vec![InlineKeyboardButton::callback(choice.label.clone(), data)]);
        }
        if !rows.is_empty() {
            return Ok(Some(ReplyMarkup::InlineKeyboard(InlineKeyboardMarkup::new(rows))));
        }
        if let Some(label) = &message.share_contact {
            let button = KeyboardButton::new(label.clone()).request(ButtonRequest::Contact);
            return Ok(Some(ReplyMarkup::Keyboard(
                KeyboardMarkup::new(vec![vec![button]]).resize_keyboard().one_time_keyboard(),
            )));
        }
        if message.contact_done {
            return Ok(Some(ReplyMarkup::KeyboardRemove(KeyboardRemove::new())));
        }
        Ok(None)
    }
}

impl TelegramSender {
    /// Rewrite a card: new text, and no keyboard, so its buttons are gone.
    async fn edit(&self, chat: ChatId, message_id: &str, text: &str) -> Result<(), SendError> {
        let id: i32 = message_id
            .parse()
            .map_err(|_| SendError::Permanent { reason: format!("`{message_id}` is not a Telegram message id") })?;
        let text = split_utf16(text, MAX_TEXT).into_iter().next().unwrap_or_default();
        match self.call("editMessageText", &EditMessageText::new(chat, MessageId(id), text)).await {
            // Already as wanted (a retry after a lost answer): done.
            Ok(_) | Err(Refused::Api(ApiError::MessageNotModified)) => Ok(()),
            Err(refused) => Err(refused.into()),
        }
    }

    /// One JSON call through the bot's own HTTP client, but not through teloxide's request
    /// layer: that layer sleeps 10 s inside every 5xx answer before returning it, holding a
    /// delivery lane for nothing. The delivery worker's backoff decides the wait instead.
    /// Files still go through teloxide, which builds their multipart bodies.
    async fn call<P: serde::Serialize>(&self, method: &str, payload: &P) -> Result<serde_json::Value, Refused> {
        let mut url = self.bot.api_url();
        url.path_segments_mut()
            .map_err(|()| Refused::Other(SendError::Permanent { reason: "TELOXIDE_API_URL cannot be a base".into() }))?
            .pop_if_empty()
            .push(&format!("bot{}", self.bot.token()))
            .push(method);
        let network = |e: reqwest::Error| {
            // Never the URL: it holds the token.
            Refused::Other(SendError::Retry { after: None, reason: format!("network: {}", e.without_url()) })
        };
        let response = self.bot.client().post(url).json(payload).send().await.map_err(network)?;
        let status = response.status();
        let body = response.bytes().await.map_err(network)?;
        let Ok(answer) = serde_json::from_slice::<Answer>(&body) else {
            return Err(Refused::Other(SendError::Retry { after: None, reason: format!("HTTP {status}, unreadable") }));
        };
        if answer.ok {
            return Ok(answer.result);
        }
        let description = answer.description.unwrap_or_default();
        let parameters = answer.parameters.unwrap_or_default();
        Err(if let Some(seconds) = parameters.retry_after {
            Refused::Other(SendError::Retry {
                after: Some(std::time::Duration::from_secs(seconds)),
                reason: format!("429: retry after {seconds}s"),
            })
        } else if let Some(to) = parameters.migrate_to_chat_id {
            Refused::Other(SendError::Permanent { reason: format!("chat moved to {to}") })
        } else if status.is_server_error() {
            Refused::Other(SendError::Retry { after: None, reason: format!("{}: {description}", status.as_u16()) })
        } else {
            let known = serde_json::from_value(serde_json::Value::String(description.clone()))
                .unwrap_or(ApiError::Unknown(description));
            Refused::Api(known)
        })
    }
}

/// The Bot API's answer envelope.
#[derive(Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    result: serde_json::Value,
    description: Option<String>,
    parameters: Option<Parameters>,
}

#[derive(Deserialize, Default)]
struct Parameters {
    retry_after: Option<u64>,
    migrate_to_chat_id: Option<i64>,
}

/// Why a call did not go through: a Bot API refusal teloxide knows by its description, or
/// an answer already sorted.
enum Refused {
    Api(ApiError),
    Other(SendError),
}

impl From<Refused> for SendError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Api(error) => classify(RequestError::Api(error)),
            Refused::Other(error) => error,
        }
    }
}

#[async_trait::async_trait]
impl Sender for TelegramSender {
    fn channel(&self) -> Channel {
        Channel::Telegram
    }

    async fn send(&self, delivery: &Delivery, progress: &dyn Progress) -> Result<Sent, SendError> {
        let chat: i64 = delivery.address.parse().map_err(|_| SendError::Permanent {
            reason: format!("`{}` is not a Telegram chat id", delivery.address),
        })?;
        let chat = ChatId(chat);
        if let Some(message_id) = &delivery.message.edit {
            return self.edit(chat, message_id, &delivery.message.text).await.map(|()| Sent::default());
        }
        let keyboard = self.keyboard(delivery)?;
        // The parts, in order: files first, so the buttons under the text are the last thing
        // in the chat; then the text in pieces. Parts an earlier attempt got through are skipped.
        for (i, file) in delivery.files.iter().enumerate().skip(delivery.parts_sent) {
            let mut input = match &file.content {
                FileContent::Path(path) => InputFile::file(path),
                FileContent::Bytes(bytes) => InputFile::memory(bytes.clone()),
            };
            if let Some(name) = file.display_name() {
                input = input.file_name(name);
            }
            let sent = if file.mime.starts_with("image/") {
                self.bot.send_photo(chat, input).await.map(drop)
            } else {
                self.bot.send_document(chat, input).await.map(drop)
            };
            sent.map_err(classify)?;
            progress.part_sent(i, &[]).await?;
        }
        let chunks = split_utf16(&delivery.message.text, MAX_TEXT);
        let first = delivery.files.len();
        let last = first + chunks.len().saturating_sub(1);
        let mut sent = Sent::default();
        for (i, chunk) in (first..).zip(chunks) {
            if i < delivery.parts_sent {
                continue;
            }
            let mut payload = SendMessage::new(chat, chunk);
            if i == last {
                payload.reply_markup = keyboard.clone();
            }
            let message = self.call("sendMessage", &payload).await.map_err(SendError::from)?;
            // The message with the buttons is remembered, so SIGAP can take them away again
            // when the ticket moves on (a card retired). Ids are unique only within a chat.
            let mut ids = Vec::new();
            if i == last
                && !delivery.message.buttons.is_empty()
                && let Some(id) = message.get("message_id").and_then(serde_json::Value::as_i64)
            {
                ids.push(crate::store::cards::telegram_id(&chat.0.to_string(), &id.to_string()));
            }
            progress.part_sent(i, &ids).await?;
            sent.external_ids.extend(ids);
        }
        Ok(sent)
    }
}

/// Telegram's answer, as the delivery worker needs it.
pub fn classify(err: RequestError) -> SendError {
    match err {
        RequestError::RetryAfter(wait) => {
            SendError::Retry { after: Some(wait.duration()), reason: format!("429: retry after {}s", wait.seconds()) }
        }
        RequestError::Network(e) => SendError::Retry { after: None, reason: format!("network: {e}") },
        RequestError::Io(e) => SendError::Retry { after: None, reason: format!("io: {e}") },
        RequestError::InvalidJson { .. } => SendError::Retry { after: None, reason: "unreadable answer".into() },
        // teloxide files every description it does not know (5xx included) here: retry, bounded.
        RequestError::Api(ApiError::Unknown(description)) => SendError::Retry { after: None, reason: description },
        RequestError::Api(known) => SendError::Permanent { reason: known.to_string() },
        RequestError::MigrateToChatId(to) => SendError::Permanent { reason: format!("chat moved to {to}") },
    }
}

/// Split `text` into pieces of at most `max` characters (Unicode scalar values, as Meta
/// counts), at a line break where possible.
pub fn split_text(text: &str, max: usize) -> Vec<String> {
    split_by(text, max, |_| 1)
}

/// Split `text` into pieces of at most `max` UTF-16 code units, as Telegram counts them, at a
/// line break where possible; never inside a character.
pub fn split_utf16(text: &str, max: usize) -> Vec<String> {
    split_by(text, max, char::len_utf16)
}

fn split_by(text: &str, max: usize, width: fn(char) -> usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(cut) = overflow(rest, max, width) {
        // A first character wider than `max` still goes alone, or nothing would move.
        let cut = if cut == 0 { rest.chars().next().map_or(rest.len(), char::len_utf8) } else { cut };
        let head = &rest[..cut];
        let at = head.rfind('\n').filter(|&i| i > 0).map_or(cut, |i| i + 1);
        let piece = rest[..at].trim_end_matches('\n');
        // A run of blank lines at a cut would be an empty message, which both platforms refuse.
        if !piece.is_empty() {
            pieces.push(piece.to_owned());
        }
        rest = &rest[at..];
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push(rest.to_owned());
    }
    pieces
}

/// The byte offset of the first character that takes `text` past `max`, if any does.
fn overflow(text: &str, max: usize, width: fn(char) -> usize) -> Option<usize> {
    let mut used = 0;
    text.char_indices().find_map(|(i, c)| {
        used += width(c);
        (used > max).then_some(i)
    })
}

#[cfg(test)]
mod tests {
    use super::{split_text, split_utf16};

    #[test]
    fn short_text_is_one_piece() {
        assert_eq!(split_text("halo", 4096), vec!["halo"]);
    }

    #[test]
    fn long_text_is_split_at_line_breaks_within_the_limit() {
        let line = "x".repeat(30);
        let text = vec![line.as_str(); 200].join("\n");
        let pieces = split_text(&text, 4096);
        assert!(pieces.len() > 1);
        assert!(pieces.iter().all(|p| p.chars().count() <= 4096 && !p.ends_with('\n')));
        assert_eq!(pieces.join("\n"), text);
    }

    #[test]
    fn a_line_longer_than_the_limit_is_cut_on_a_character_boundary() {
        let text = "é".repeat(5000);
        let pieces = split_text(&text, 4096);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].chars().count(), 4096);
        assert_eq!(pieces.concat(), text);
    }

    #[test]
    fn emoji_count_twice_towards_telegrams_limit() {
        // 2,000 emoji are 4,000 UTF-16 units: 48 more ASCII fit, the 49th does not.
        let fits = format!("{}{}", "🙂".repeat(2000), "a".repeat(96));
        assert_eq!(split_utf16(&fits, 4096), vec![fits.clone()]);
        let over = format!("{fits}a");
        let pieces = split_utf16(&over, 4096);
        assert_eq!(pieces.len(), 2);
        assert!(pieces.iter().all(|p| p.encode_utf16().count() <= 4096));
        assert_eq!(pieces.concat(), over);
    }

    #[test]
    fn a_cut_between_emoji_never_halves_one() {
        let text = "🇮🇩".repeat(1500);
        let pieces = split_utf16(&text, 4096);
        assert!(pieces.iter().all(|p| p.encode_utf16().count() <= 4096), "{:?}", pieces.len());
        assert_eq!(pieces.concat(), text);
        assert_eq!(pieces[0].encode_utf16().count(), 4096);
    }

    #[test]
    fn blank_lines_at_a_cut_make_no_empty_piece() {
        let text = format!("{}{}{}", "a".repeat(10), "\n".repeat(30), "b".repeat(10));
        let pieces = split_text(&text, 12);
        assert!(pieces.iter().all(|p| !p.is_empty()), "{pieces:?}");
    }
}
