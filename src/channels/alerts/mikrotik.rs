//! MikroTik RouterOS: a netwatch `down-script`/`up-script` calling `/tool fetch` with the JSON
//! the README proposes. The identity is the router and the watched host; the router's clock
//! has no zone (and older releases write `mar/02/2026`), so SIGAP's own time is used.

use super::{ParseError, hosts, json_object, text};
use crate::domain::alert::{Alert, Source};

pub(super) fn parse(body: &str) -> Result<Vec<Alert>, ParseError> {
    let map = json_object(body)?;
    let host = text(&map, "host").ok_or(ParseError::Missing("host"))?;
    let router = text(&map, "router").unwrap_or_default();
    let firing = match text(&map, "status").map(|s| s.to_lowercase()).as_deref() {
        Some("down") => true,
        Some("up") => false,
        Some(other) => return Err(ParseError::Value { field: "status", value: other.to_owned() }),
        None => return Err(ParseError::Missing("status")),
    };
    let comment = text(&map, "comment");
    Ok(vec![Alert {
        source: Source::Mikrotik,
        identity: format!("{router}/{host}"),
        firing,
        summary: comment.clone().unwrap_or_else(|| host.clone()),
        hosts: hosts([Some(host), comment]),
        severity: None,
        at: None,
    }])
}
