//! Alert intake from monitoring tools, one small module per tool (in the manner of Zulip's
//! webhook integrations): each turns its tool's body into common [`Alert`] values, accepting
//! unknown fields and each tool's quirks (see `README.md`, "Monitoring alerts", and the
//! samples the tests post). [`receiver`] is the HTTP route and the inbox applier; nothing past
//! it sees a tool's field.

mod alertmanager;
mod librenms;
mod mikrotik;
mod prtg;
pub mod receiver;
mod uptimekuma;
mod zabbix;

pub use receiver::AlertReceiver;

use serde_json::Value;

use crate::domain::alert::{Alert, Source};

/// Why a body is refused (400): said plainly, for the admin setting the tool up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("missing field `{0}`")]
    Missing(&'static str),
    #[error("field `{field}` has an unexpected value `{value}`")]
    Value { field: &'static str, value: String },
    #[error("{0}")]
    Shape(String),
}

/// What a deployment chooses about parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The Alertmanager/Grafana labels that name the device, tried in order.
    pub host_labels: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options { host_labels: vec!["instance".into(), "host".into(), "hostname".into()] }
    }
}

/// The alerts in one request of `source`. An empty list is a request that asks nothing of
/// SIGAP (a tool's test button, an acknowledgement, a warning that is not an outage).
pub fn parse(source: Source, body: &str, options: &Options) -> Result<Vec<Alert>, ParseError> {
    match source {
        Source::Alertmanager => alertmanager::parse(source, body, options),
        Source::Grafana => alertmanager::parse(source, body, options),
        Source::Zabbix => zabbix::parse(body),
        Source::Librenms => librenms::parse(body),
        Source::Uptimekuma => uptimekuma::parse(body),
        Source::Prtg => prtg::parse(body),
        Source::Mikrotik => mikrotik::parse(body),
    }
}

fn json_object(body: &str) -> Result<serde_json::Map<String, Value>, ParseError> {
    match serde_json::from_str::<Value>(body).map_err(|e| ParseError::Json(e.to_string()))? {
        Value::Object(map) => Ok(map),
        _ => Err(ParseError::Shape("the body is JSON but not an object".into())),
    }
}

/// A field as text: strings as they are, numbers written out; empty means absent.
fn text(map: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    let value = match map.get(key)? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!value.is_empty()).then_some(value)
}

/// Host names without duplicates or blanks, in the order given.
fn hosts(candidates: impl IntoIterator<Item = Option<String>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for host in candidates.into_iter().flatten() {
        let host = host.trim().to_owned();
        if !host.is_empty() && !out.contains(&host) {
            out.push(host);
        }
    }
    out
}

/// `https://simpeg.example/x` → `simpeg.example`; `10.0.0.1:9100` → `10.0.0.1`.
fn bare_host(address: &str) -> Option<String> {
    let rest = address.split_once("://").map_or(address, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = if authority.starts_with('[') {
        authority.split_once(']').map(|(h, _)| h.trim_start_matches('['))?
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty() && host != address).then(|| host.to_owned())
}

#[cfg(test)]
mod tests;
