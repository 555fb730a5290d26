//! The alert route, `POST /alerts/{source}`, and the inbox applier behind it. The tool's own
//! secret is checked first (an `Authorization: Bearer` header, or `?token=` for tools that
//! cannot send headers, such as PRTG); then the body is read by the tool's adapter, so that
//! only what SIGAP can apply is stored; then the raw body is stored in the inbox and the tool
//! answered 200. The inbox worker applies it later through the one [`Helpdesk`]. Refused
//! requests (401, 400) store nothing.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use hmac::{Hmac, Mac};
use rust_i18n::t;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::{Options, parse};
use crate::domain::alert::Source;
use crate::domain::ticket::Channel;
use crate::inbox::{Applier, ApplyError, Inbox};
use crate::service::Helpdesk;

pub const ROUTE: &str = "/alerts/{source}";

/// All alerts are applied in one lane, in the order they came: alerts are few, and two tools
/// reporting one outage must not race to create the monitoring reporter or the same link.
const LANE: &str = "monitoring";

pub struct AlertReceiver {
    desk: Helpdesk,
    inbox: Inbox,
    tokens: HashMap<Source, SecretString>,
    options: Options,
    /// The language of the answers to the tools (the admin reads them): `SIGAP_LOCALE`.
    locale: &'static str,
}

/// What the inbox keeps of a request: which tool, and the body as it came.
#[derive(Serialize, Deserialize)]
struct Stored {
    source: String,
    body: String,
}

impl AlertReceiver {
    pub fn new(
        desk: Helpdesk,
        inbox: Inbox,
        tokens: Vec<(Source, SecretString)>,
        options: Options,
        locale: &str,
    ) -> Self {
        AlertReceiver {
            desk,
            inbox,
            tokens: tokens.into_iter().collect(),
            options,
            locale: crate::i18n::locale(locale),
        }
    }

    pub fn routes(self: Arc<Self>) -> Router {
        Router::new().route(ROUTE, post(receive)).with_state(self)
    }

    fn authorised(&self, source: Source, headers: &HeaderMap, query: &HashMap<String, String>) -> bool {
        let Some(expected) = self.tokens.get(&source) else { return false };
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().strip_prefix("Bearer ").or_else(|| v.trim().strip_prefix("bearer ")))
            .map(str::trim);
        let given = bearer.or(query.get("token").map(String::as_str));
        given.is_some_and(|given| equal_in_constant_time(given.as_bytes(), expected.expose_secret().as_bytes()))
    }
}

/// Compares digests rather than the strings, so the time taken tells nothing of the secret.
fn equal_in_constant_time(given: &[u8], expected: &[u8]) -> bool {
    let digest = |bytes: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"sigap alert token").expect("HMAC takes any key");
        mac.update(bytes);
        mac
    };
    let expected = digest(expected).finalize().into_bytes();
    digest(given).verify_slice(&expected).is_ok()
}

async fn receive(
    State(receiver): State<Arc<AlertReceiver>>,
    Path(source): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let locale = receiver.locale;
    // A tool without a secret is not on: its route does not exist.
    let Some(source) = source.parse::<Source>().ok().filter(|s| receiver.tokens.contains_key(s)) else {
        return (StatusCode::NOT_FOUND, t!("alerts.unknown_source", locale = locale, source = source).into_owned());
    };
    if !receiver.authorised(source, &headers, &query) {
        tracing::warn!(%source, "alert with a wrong or missing secret refused");
        return (StatusCode::UNAUTHORIZED, t!("alerts.unauthorized", locale = locale, source = source).into_owned());
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return (StatusCode::BAD_REQUEST, t!("alerts.not_utf8", locale = locale, source = source).into_owned());
    };
    let alerts = match parse(source, text, &receiver.options) {
        Ok(alerts) => alerts,
        Err(err) => {
            tracing::warn!(%source, %err, "malformed alert refused");
            let answer = t!("alerts.malformed", locale = locale, source = source, error = err.to_string());
            return (StatusCode::BAD_REQUEST, answer.into_owned());
        }
    };
    if alerts.is_empty() {
        return (StatusCode::OK, t!("alerts.nothing", locale = locale, source = source).into_owned());
    }
    let stored = Stored { source: source.as_str().to_owned(), body: crate::channels::clean_text(text).into_owned() };
    let Ok(stored) = serde_json::to_string(&stored) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, String::new());
    };
    match receiver.inbox.push(Channel::Monitoring, LANE, stored).await {
        Ok(()) => (StatusCode::OK, t!("alerts.stored", locale = locale, count = alerts.len()).into_owned()),
        Err(err) => {
            tracing::error!(%err, %source, "alert not stored; the tool should send it again");
            (StatusCode::INTERNAL_SERVER_ERROR, t!("alerts.not_stored", locale = locale).into_owned())
        }
    }
}

#[async_trait::async_trait]
impl Applier for AlertReceiver {
    fn channel(&self) -> Channel {
        Channel::Monitoring
    }

    async fn apply(&self, body: &str) -> Result<(), ApplyError> {
        let stored: Stored = serde_json::from_str(body).map_err(|e| ApplyError::Never(e.to_string()))?;
        let source: Source =
            stored.source.parse().map_err(|e: crate::domain::alert::UnknownSource| ApplyError::Never(e.to_string()))?;
        let alerts = parse(source, &stored.body, &self.options).map_err(|e| ApplyError::Never(e.to_string()))?;
        for alert in alerts {
            // Alerts before a failing one stay applied; applying them again changes nothing.
            let outcome = self.desk.alert(&alert).await.map_err(ApplyError::from)?;
            tracing::info!(%source, identity = %alert.identity, ?outcome, "alert applied");
        }
        Ok(())
    }
}
