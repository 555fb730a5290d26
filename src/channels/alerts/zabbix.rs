//! Zabbix, through a webhook media type. SIGAP's proposed script (README) posts its parameters
//! as a flat JSON object of strings: `event_id` is the problem's id on the problem, update and
//! recovery alike; `event_value` 1 is a problem, 0 a recovery; `event_update_status` 1 an
//! acknowledgement or comment (no new ticket). Macros Zabbix could not resolve arrive as
//! literal `{EVENT.…}` or `*UNKNOWN*` and count as absent. The older script Zulip documents
//! (`hostname`, `status` PROBLEM/OK, `link`) is accepted too; it carries no event id, so its
//! identity is the trigger on the host, taken from the link.

use serde_json::{Map, Value};

use super::{ParseError, hosts, json_object, text};
use crate::domain::alert::{Alert, Source};

pub(super) fn parse(body: &str) -> Result<Vec<Alert>, ParseError> {
    let map = json_object(body)?;
    let get = |key: &str| text(&map, key).filter(|v| !(v.starts_with('{') && v.ends_with('}')) && v != "*UNKNOWN*");
    if map.contains_key("event_id") || map.contains_key("event_value") {
        return media_type(&get);
    }
    if map.contains_key("status") && map.contains_key("hostname") {
        return zulip_script(&map);
    }
    Err(ParseError::Missing("event_id"))
}

fn media_type(get: &impl Fn(&str) -> Option<String>) -> Result<Vec<Alert>, ParseError> {
    // Discovery, autoregistration and internal events are not outages.
    if get("event_source").is_some_and(|s| s != "0") {
        return Ok(Vec::new());
    }
    if get("event_update_status").as_deref() == Some("1") {
        return Ok(Vec::new());
    }
    let firing = match get("event_value").as_deref() {
        Some("1") => true,
        Some("0") => false,
        Some(other) => return Err(ParseError::Value { field: "event_value", value: other.to_owned() }),
        None => return Err(ParseError::Missing("event_value")),
    };
    let identity = get("event_id").ok_or(ParseError::Missing("event_id"))?;
    let summary = get("event_name").or_else(|| get("alert_subject")).unwrap_or_default();
    Ok(vec![Alert {
        source: Source::Zabbix,
        identity: format!("event:{identity}"),
        firing,
        hosts: hosts([get("host_host"), get("host_name"), get("host_ip")]),
        summary,
        severity: get("event_severity"),
        at: None,
    }])
}

fn zulip_script(map: &Map<String, Value>) -> Result<Vec<Alert>, ParseError> {
    let host = text(map, "hostname").ok_or(ParseError::Missing("hostname"))?;
    let firing = match text(map, "status").as_deref() {
        Some("PROBLEM") => true,
        Some("OK") => false,
        Some(other) => return Err(ParseError::Value { field: "status", value: other.to_owned() }),
        None => return Err(ParseError::Missing("status")),
    };
    let trigger = text(map, "link")
        .and_then(|link| link.split(['?', '&']).find_map(|pair| pair.strip_prefix("triggerid=").map(str::to_owned)))
        .or_else(|| text(map, "item"))
        .ok_or(ParseError::Missing("link"))?;
    Ok(vec![Alert {
        source: Source::Zabbix,
        identity: format!("trigger:{trigger}:{host}"),
        firing,
        hosts: hosts([Some(host)]),
        summary: text(map, "trigger").unwrap_or_default(),
        severity: text(map, "severity"),
        at: None,
    }])
}
