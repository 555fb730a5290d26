//! Uptime Kuma's webhook notification (JSON body `{heartbeat, monitor, msg}`). The identity is
//! the monitor: a repeated DOWN (the monitor's resend interval) is a new heartbeat with its own
//! time, so the time cannot tell outages apart; one open incident per monitor does, and a
//! DOWN after the ticket closed opens a new one. `heartbeat.status` 0 is down, 1 up. The test
//! button sends `heartbeat: null, monitor: null`, which asks nothing.

use chrono::NaiveDateTime;
use serde_json::Value;

use super::{ParseError, bare_host, hosts, json_object, text};
use crate::domain::alert::{Alert, Source};

pub(super) fn parse(body: &str) -> Result<Vec<Alert>, ParseError> {
    let map = json_object(body)?;
    let (heartbeat, monitor) = match (map.get("heartbeat"), map.get("monitor")) {
        (Some(Value::Object(h)), Some(Value::Object(m))) => (h, m),
        (None | Some(Value::Null), None | Some(Value::Null)) => return Ok(Vec::new()),
        (None | Some(Value::Null), _) => return Err(ParseError::Missing("heartbeat")),
        _ => return Err(ParseError::Missing("monitor")),
    };
    let id = text(monitor, "id").ok_or(ParseError::Missing("monitor.id"))?;
    let firing = match text(heartbeat, "status").as_deref() {
        Some("0") => true,
        Some("1") => false,
        // Pending and maintenance do not reach webhooks; should a version send them, they
        // are neither an outage nor its end.
        Some(_) => return Ok(Vec::new()),
        None => return Err(ParseError::Missing("heartbeat.status")),
    };
    let at = text(heartbeat, "time")
        .and_then(|t| NaiveDateTime::parse_from_str(&t, "%Y-%m-%d %H:%M:%S%.f").ok())
        .map(|t| t.and_utc());
    let url = text(monitor, "url");
    let summary = text(&map, "msg").or_else(|| text(heartbeat, "msg")).unwrap_or_default();
    Ok(vec![Alert {
        source: Source::Uptimekuma,
        identity: format!("monitor:{id}"),
        firing,
        hosts: hosts([
            text(monitor, "name"),
            text(monitor, "pathName"),
            text(monitor, "hostname"),
            url.as_deref().and_then(bare_host),
        ]),
        summary,
        severity: None,
        at,
    }])
}
