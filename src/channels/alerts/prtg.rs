//! PRTG's "Execute HTTP Action" with SIGAP's proposed postdata (README): a form body, its
//! token in the URL because PRTG sends no custom header. `sensorid` is the identity; the
//! status's first word decides (`Down…` fires, `Up` recovers, Warning or Unusual asks for no
//! ticket), since its exact text varies by version. Values are decoded leniently: a `%` that
//! PRTG did not encode stays as it is.

use super::{ParseError, hosts};
use crate::domain::alert::{Alert, Source};

pub(super) fn parse(body: &str) -> Result<Vec<Alert>, ParseError> {
    let fields: Vec<(String, String)> = form_urlencoded::parse(body.trim().as_bytes())
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let get = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    let sensor = get("sensorid").ok_or(ParseError::Missing("sensorid"))?;
    let status = get("status").ok_or(ParseError::Missing("status"))?;
    let first = status.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default().to_lowercase();
    let firing = match first.as_str() {
        "down" => true,
        "up" => false,
        _ => return Ok(Vec::new()),
    };
    let summary = [get("device"), get("sensor"), get("message")].into_iter().flatten().collect::<Vec<_>>().join(" · ");
    Ok(vec![Alert {
        source: Source::Prtg,
        identity: format!("sensor:{sensor}"),
        firing,
        hosts: hosts([get("device"), get("host")]),
        summary,
        severity: Some(status),
        at: None,
    }])
}
