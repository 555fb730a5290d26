//! LibreNMS, through its API transport with SIGAP's proposed body (README): `alert_id` is the
//! alert row of one rule on one device, the same from the alert to its recovery; `state` 1 is
//! an alert, 0 a recovery, and 2–5 (acknowledged, worse, better, changed) ask for no new
//! ticket. Values are strings the template filled in.

use super::{ParseError, hosts, json_object, text};
use crate::domain::alert::{Alert, Source};

pub(super) fn parse(body: &str) -> Result<Vec<Alert>, ParseError> {
    let map = json_object(body)?;
    let identity = match (text(&map, "alert_id"), text(&map, "rule_id"), text(&map, "device_id")) {
        (Some(alert), _, _) => format!("alert:{alert}"),
        (None, Some(rule), Some(device)) => format!("rule:{rule}:device:{device}"),
        _ => return Err(ParseError::Missing("alert_id")),
    };
    let firing = match text(&map, "state").as_deref() {
        Some("1") => true,
        Some("0") => false,
        Some("2" | "3" | "4" | "5") => return Ok(Vec::new()),
        Some(other) => return Err(ParseError::Value { field: "state", value: other.to_owned() }),
        None => return Err(ParseError::Missing("state")),
    };
    Ok(vec![Alert {
        source: Source::Librenms,
        identity,
        firing,
        hosts: hosts([text(&map, "hostname"), text(&map, "sysName"), text(&map, "ip"), text(&map, "display")]),
        summary: text(&map, "title").or_else(|| text(&map, "name")).unwrap_or_default(),
        severity: text(&map, "severity"),
        at: None,
    }])
}
