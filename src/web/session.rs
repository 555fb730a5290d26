//! Cookies and CSRF. A signed-in browser holds the session token in an HttpOnly,
//! SameSite=Strict cookie; every form of a session carries the session's CSRF token. Before
//! sign-in there is no session, so the sign-in forms carry a random value that must equal
//! the one in a cookie of their own (a site that cannot read SIGAP's cookies cannot forge it).

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use crate::service::ConsoleUser;

pub const SESSION: &str = "sigap_sesi";
pub const PRE: &str = "sigap_csrf";

pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

pub fn set_cookie(response: &mut Response, name: &str, value: &str, max_age_secs: i64) {
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}");
    if let Ok(value) = HeaderValue::from_str(&text) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The pre-sign-in CSRF value: the browser's, or a new one to set.
pub fn pre_token(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, PRE) {
        Some(value) => (value.to_owned(), false),
        None => {
            let mut bytes = [0u8; 16];
            // Without randomness there is no safe token; an empty one is refused at submit.
            let fresh = getrandom::fill(&mut bytes).map(|()| hex::encode(bytes)).unwrap_or_default();
            (fresh, true)
        }
    }
}

/// A sign-in form's token matches the browser's cookie.
pub fn pre_form_ok(headers: &HeaderMap, sent: &str) -> bool {
    cookie(headers, PRE).is_some_and(|expected| same(expected, sent))
}

/// A session form's token matches the session's.
pub fn session_form_ok(user: &ConsoleUser, sent: &str) -> bool {
    same(&user.csrf, sent)
}

/// Equal, in time that does not depend on where they differ.
fn same(expected: &str, sent: &str) -> bool {
    !expected.is_empty()
        && expected.len() == sent.len()
        && expected.bytes().zip(sent.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}
