//! The Graph API's refusals sorted by what the caller can do about them: wait and retry,
//! fall back to a template (the 24-hour window is closed), retry later, or give up and show
//! the admin Meta's code and explanation.

use super::api::ErrorEnvelope;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// A throughput limit: the number's (130429), a recipient's (131056), the app's (4) or
    /// the account's (80007), or a bare HTTP 429.
    #[error("throttled ({}): {message}", code_text(*code))]
    Throttled { code: Option<i64>, message: String },
    /// 131047: more than 24 hours since the recipient last wrote; only a template reaches them.
    #[error("131047 re-engagement required: {message}")]
    ReEngagement { message: String },
    /// Meta's side is down or overloaded, or the network failed: worth retrying.
    #[error("temporary ({}): {message}", code_text(*code))]
    Temporary { code: Option<i64>, message: String },
    /// Will not succeed as sent: a bad recipient or parameter, a bad token, a file too large.
    #[error("{}: {message}", code_text(*code))]
    Permanent { code: Option<i64>, message: String },
}

/// Codes Meta documents as rate limits.
const THROTTLED: [i64; 4] = [130429, 131056, 4, 80007];
/// Codes Meta documents as unknown or temporary trouble on its side.
const TEMPORARY: [i64; 4] = [1, 2, 131000, 133004];
pub const RE_ENGAGEMENT: i64 = 131047;
/// The (business, customer) pair rate limit: the same recipient messaged too often.
pub const PAIR_RATE_LIMIT: i64 = 131056;

impl GraphError {
    /// Sorts an answer that was not a success by its HTTP status and, when the body is the
    /// Graph error envelope, by its code (which Meta says to rely on rather than the status).
    pub fn from_answer(status: u16, body: &[u8]) -> GraphError {
        let Ok(ErrorEnvelope { error }) = serde_json::from_slice::<ErrorEnvelope>(body) else {
            let message = format!("HTTP {status}: {}", excerpt(body));
            return match status {
                429 => GraphError::Throttled { code: None, message },
                500.. => GraphError::Temporary { code: None, message },
                _ => GraphError::Permanent { code: None, message },
            };
        };
        let mut message = error.message;
        if let Some(details) = error.error_data.and_then(|d| d.details).filter(|d| !message.contains(d.as_str())) {
            message = format!("{message}: {details}");
        }
        if let Some(trace) = error.fbtrace_id {
            message = format!("{message} (fbtrace_id {trace})");
        }
        let code = Some(error.code);
        if THROTTLED.contains(&error.code) || status == 429 {
            GraphError::Throttled { code, message }
        } else if error.code == RE_ENGAGEMENT {
            GraphError::ReEngagement { message }
        } else if TEMPORARY.contains(&error.code) || status >= 500 || error.is_transient == Some(true) {
            GraphError::Temporary { code, message }
        } else {
            GraphError::Permanent { code, message }
        }
    }

    /// No answer at all: refused connection, timeout, a broken body.
    pub fn from_transport(err: &reqwest::Error) -> GraphError {
        let what = if err.is_timeout() {
            "timed out"
        } else if err.is_connect() {
            "could not connect"
        } else {
            "network error"
        };
        GraphError::Temporary { code: None, message: format!("{what}: {err}") }
    }

    /// Meta's numeric code, when the answer had one.
    pub fn code(&self) -> Option<i64> {
        match self {
            GraphError::ReEngagement { .. } => Some(RE_ENGAGEMENT),
            GraphError::Throttled { code, .. }
            | GraphError::Temporary { code, .. }
            | GraphError::Permanent { code, .. } => *code,
        }
    }
}

fn code_text(code: Option<i64>) -> String {
    code.map_or_else(|| "no code".to_owned(), |c| c.to_string())
}

/// The start of an unexpected body, for the log: Meta's HTML error pages are long.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() { "(empty body)".to_owned() } else { super::api::truncate(text, 200) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, code: i64) -> GraphError {
        let body = json!({ "error": {
            "message": format!("(#{code}) something"), "type": "OAuthException", "code": code,
            "error_data": { "messaging_product": "whatsapp", "details": "Meta's explanation" },
            "fbtrace_id": "Atrace",
        }});
        GraphError::from_answer(status, body.to_string().as_bytes())
    }

    #[test]
    fn rate_limit_codes_and_http_429_are_throttling() {
        for code in [130429, 131056, 4, 80007] {
            assert!(matches!(answer(400, code), GraphError::Throttled { code: Some(c), .. } if c == code), "{code}");
        }
        assert!(matches!(answer(429, 130429), GraphError::Throttled { .. }));
        assert!(matches!(answer(429, 100), GraphError::Throttled { .. }));
        assert!(matches!(GraphError::from_answer(429, b""), GraphError::Throttled { code: None, .. }));
    }

    #[test]
    fn a_closed_24_hour_window_is_re_engagement() {
        let err = answer(400, 131047);
        assert!(matches!(err, GraphError::ReEngagement { .. }));
        assert_eq!(err.code(), Some(131047));
        assert!(err.to_string().starts_with("131047"), "{err}");
    }

    #[test]
    fn server_errors_and_unknown_trouble_codes_are_temporary() {
        for code in [1, 2, 131000, 133004] {
            assert!(matches!(answer(400, code), GraphError::Temporary { .. }), "{code}");
        }
        assert!(matches!(answer(503, 100), GraphError::Temporary { .. }));
        assert!(matches!(GraphError::from_answer(502, b"<html>Bad Gateway</html>"), GraphError::Temporary { .. }));
    }

    #[test]
    fn everything_else_is_permanent_with_meta_code_details_and_trace() {
        for code in [131026, 100, 131051, 190] {
            let err = answer(400, code);
            assert!(matches!(err, GraphError::Permanent { code: Some(c), .. } if c == code), "{code}");
            let text = err.to_string();
            assert!(text.contains(&code.to_string()) && text.contains("Meta's explanation"), "{text}");
            assert!(text.contains("Atrace"), "{text}");
        }
        assert!(matches!(GraphError::from_answer(404, b"not json"), GraphError::Permanent { code: None, .. }));
    }
}
