//! Receiving Telegram updates by webhook: the mode for production behind HTTPS and the only
//! one that works with several replicas (Telegram lets one process poll, but spreads webhook
//! calls over whoever answers). The route lives on SIGAP's own HTTP server; Telegram proves
//! each call with the secret it was given at setWebhook, checked before the body is read.
//!
//! An update is stored in the webhook inbox as it came and answered 200 once that one insert
//! is committed (500 if it cannot be, and Telegram delivers it again); the inbox worker then
//! applies it through [`Applier`], one chat's updates in order. The update id recorded with
//! the effect makes a repeat, or an update applied twice after a crash, change nothing.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, Update, UpdateKind};

use super::TelegramPoller;
use crate::domain::ticket::Channel;
use crate::inbox::{Applier, ApplyError, Inbox};
use crate::metrics::Metrics;

pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The secret Telegram echoes back: configured, or derived from the bot token so that a
/// default install needs no extra setting. Telegram allows `A-Z a-z 0-9 _ -`, up to 256.
pub fn secret(configured: Option<&str>, token: &str) -> String {
    match configured {
        Some(secret) => secret.to_owned(),
        None => {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"sigap telegram webhook v1").expect("any key");
            mac.update(token.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
    }
}

/// The path part of the public webhook URL, where the route is mounted.
pub fn route_path(url: &str) -> Result<String, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("TELEGRAM_WEBHOOK_URL `{url}`: {e}"))?;
    let path = parsed.path();
    if path == "/" || path.is_empty() {
        return Err(format!("TELEGRAM_WEBHOOK_URL `{url}`: give a path, e.g. /webhook/telegram"));
    }
    if ["/healthz", "/readyz", "/metrics"].contains(&path) {
        return Err(format!("TELEGRAM_WEBHOOK_URL `{url}`: {path} is taken"));
    }
    Ok(path.to_owned())
}

#[derive(Clone)]
pub struct WebhookState {
    pub updates: Arc<TelegramPoller>,
    pub secret: Arc<str>,
    pub inbox: Inbox,
}

/// POST handler: check the secret, read, store, and then answer 200.
pub async fn receive(State(state): State<WebhookState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let given = headers.get(SECRET_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    if !constant_time_eq(given, state.secret.as_bytes()) {
        tracing::warn!("telegram webhook call without the right secret refused");
        return StatusCode::UNAUTHORIZED;
    }
    let update: Update = match serde_json::from_slice(&body) {
        Ok(update) => update,
        Err(err) => {
            // Telegram would retry a 4xx/5xx forever; an update we cannot read never improves.
            tracing::warn!(%err, "unreadable telegram update ignored");
            return StatusCode::OK;
        }
    };
    let labels = Metrics::label("channel", Channel::Telegram.as_str());
    state.updates.helpdesk().metrics().updates_received.get_or_create(&labels).inc();
    // One chat's updates are applied in order; a press is keyed by the chat of its card.
    let Ok(body) = String::from_utf8(body.to_vec()) else { return StatusCode::OK };
    match state.inbox.push(Channel::Telegram, &super::poller::chat_key(&update), body).await {
        Ok(_) => StatusCode::OK,
        Err(err) => {
            tracing::error!(%err, update = update.id.0, "telegram update not stored; Telegram will retry");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

#[async_trait::async_trait]
impl Applier for TelegramPoller {
    fn channel(&self) -> Channel {
        Channel::Telegram
    }

    async fn apply(&self, body: &str) -> Result<(), ApplyError> {
        let update: Update = serde_json::from_str(body).map_err(|err| ApplyError::Never(err.to_string()))?;
        self.handle(&update).await.map_err(ApplyError::from)
    }

    async fn gave_up(&self, id: i64, body: &str) {
        let Ok(update) = serde_json::from_str::<Update>(body) else { return };
        let Some(chat) = update.chat().map(|c| c.id.0).or_else(|| update.from().map(|u| u.id.0 as i64)) else {
            return;
        };
        let desk = self.helpdesk();
        let sender = update.from().map(|u| u.id.0.to_string()).unwrap_or_default();
        let text = rust_i18n::t!("press.gave_up", locale = desk.locale_of(Channel::Telegram, &sender).await);
        // A press is told on its button, while Telegram still takes an answer to it.
        if let UpdateKind::CallbackQuery(query) = &update.kind
            && self.bot().answer_callback_query(query.id.clone()).text(text.clone()).await.is_ok()
        {
            return;
        }
        let key = format!("gave-up:{}", update.id.0);
        if let Err(err) = desk.say_once(Channel::Telegram, &key, &chat.to_string(), text.into_owned()).await {
            tracing::warn!(%err, row = id, "the sender of an update given up on was not told");
        }
    }
}

/// Tell Telegram where to deliver, with the secret; and register the command menu.
pub async fn register(updates: &TelegramPoller, url: &str, secret: &str) {
    let request = updates
        .bot()
        .set_webhook(reqwest::Url::parse(url).expect("checked at start-up"))
        .secret_token(secret.to_owned())
        .allowed_updates(vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery]);
    match request.await {
        Ok(_) => tracing::info!(%url, "telegram webhook set"),
        Err(err) => tracing::error!(%err, "setWebhook failed: Telegram updates will not arrive"),
    }
    updates.register_commands().await;
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_derived_from_the_token_unless_configured() {
        let derived = secret(None, "123:ABC");
        assert_eq!(derived.len(), 64);
        assert!(derived.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(derived, secret(None, "123:ABD"));
        assert_eq!(secret(Some("s3cret"), "123:ABC"), "s3cret");
    }

    #[test]
    fn the_route_is_the_urls_path() {
        assert_eq!(route_path("https://sigap.kominfo.go.id/webhook/telegram").unwrap(), "/webhook/telegram");
        assert!(route_path("https://sigap.kominfo.go.id").is_err());
        assert!(route_path("https://sigap.kominfo.go.id/metrics").is_err());
    }
}
