//! A monitoring alert as the core sees it, whichever tool sent it: the adapters in
//! [`crate::channels::alerts`] turn each tool's body into these values, and nothing past
//! them knows a Zabbix field or an Alertmanager label.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

/// The monitoring tools SIGAP takes alerts from; each has its own route and secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    Alertmanager,
    Grafana,
    Zabbix,
    Librenms,
    Uptimekuma,
    Prtg,
    Mikrotik,
}

impl Source {
    pub const ALL: [Source; 7] = [
        Source::Alertmanager,
        Source::Grafana,
        Source::Zabbix,
        Source::Librenms,
        Source::Uptimekuma,
        Source::Prtg,
        Source::Mikrotik,
    ];

    /// The name in the route (`/alerts/zabbix`), the registry file and the settings.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Alertmanager => "alertmanager",
            Source::Grafana => "grafana",
            Source::Zabbix => "zabbix",
            Source::Librenms => "librenms",
            Source::Uptimekuma => "uptimekuma",
            Source::Prtg => "prtg",
            Source::Mikrotik => "mikrotik",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown monitoring source `{0}` (expected one of: alertmanager, grafana, zabbix, librenms, uptimekuma, prtg, mikrotik)"
)]
pub struct UnknownSource(pub String);

impl FromStr for Source {
    type Err = UnknownSource;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Source::ALL.into_iter().find(|v| v.as_str() == wanted).ok_or_else(|| UnknownSource(s.to_owned()))
    }
}

/// One alert of one request (a request may carry several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub source: Source,
    /// What stays the same from the problem to its recovery (a fingerprint, an event id, a
    /// monitor id with the time it went down): one incident per identity.
    pub identity: String,
    /// True for a problem, false for its recovery.
    pub firing: bool,
    /// The names the tool gives the device (host name, IP, monitor name), as sent; matched
    /// against the registry's names for this source.
    pub hosts: Vec<String>,
    pub summary: String,
    pub severity: Option<String>,
    /// When the tool says it happened, where it says so with a zone.
    pub at: Option<DateTime<Utc>>,
}

/// How registry names and alert hosts are compared: trimmed, case ignored.
pub fn normalise_name(name: &str) -> String {
    name.trim().to_lowercase()
}
