//! Ticket value types: the public number (`GJ-2026-000123`), category, priority and status.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A ticket as a request names it: by its number (what people type) or by its id (what
/// buttons carry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketRef {
    Number(TicketNumber),
    Id(i64),
}

/// As a person would name it: its number, or `#id` when only the id is known.
impl fmt::Display for TicketRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TicketRef::Number(n) => write!(f, "{n}"),
            TicketRef::Id(id) => write!(f, "#{id}"),
        }
    }
}

/// Ticket numbers are `GJ-<year>-<sequence>`, the sequence restarting every year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TicketNumber {
    pub year: i32,
    pub seq: u32,
}

impl TicketNumber {
    pub const PREFIX: &'static str = "GJ";
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:06}", Self::PREFIX, self.year, self.seq)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a ticket number (expected e.g. GJ-2026-000123)")]
pub struct InvalidTicketNumber(pub String);

impl FromStr for TicketNumber {
    type Err = InvalidTicketNumber;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidTicketNumber(raw.to_owned());
        let upper = raw.trim().to_ascii_uppercase();
        let mut parts = upper.split('-');
        let (Some(prefix), Some(year), Some(seq), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        if prefix != Self::PREFIX || year.len() != 4 || seq.is_empty() {
            return Err(invalid());
        }
        let year = year.parse().map_err(|_| invalid())?;
        let seq: u32 = seq.parse().map_err(|_| invalid())?;
        if seq == 0 {
            return Err(invalid());
        }
        Ok(TicketNumber { year, seq })
    }
}

impl TryFrom<String> for TicketNumber {
    type Error = InvalidTicketNumber;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<TicketNumber> for String {
    fn from(value: TicketNumber) -> Self {
        value.to_string()
    }
}

/// Declares a closed vocabulary stored and configured by its snake_case name.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $err:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownWord;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
                Self::ALL.iter().copied().find(|v| v.as_str() == wanted).ok_or_else(|| UnknownWord {
                    what: $err,
                    word: s.to_owned(),
                    expected: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                })
            }
        }
    };
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown {what} `{word}` (expected one of: {expected})")]
pub struct UnknownWord {
    pub what: &'static str,
    pub word: String,
    pub expected: String,
}

vocabulary!(
    /// What kind of outage the reporter describes.
    Category, "category" {
        InternetDown => "internet_down",
        Slow => "slow",
        Intranet => "intranet",
        Dns => "dns",
        DeviceDamage => "device_damage",
        Other => "other",
    }
);

vocabulary!(
    /// Handling priority, set at the triage step (Kudus: "identifikasi prioritas penanganan").
    Priority, "priority" {
        Low => "low",
        Normal => "normal",
        High => "high",
    }
);

vocabulary!(
    /// Where a ticket is in its life. `Open` tickets sit at an SOP step.
    TicketStatus, "status" {
        Open => "open",
        Closed => "closed",
        Rejected => "rejected",
        Cancelled => "cancelled",
    }
);

vocabulary!(
    /// Where an action came from; recorded on every event. `monitoring`: a monitoring
    /// tool's alert (Zabbix, Alertmanager, …), not a person; `web`: the web console.
    Channel, "channel" {
        Telegram => "telegram",
        Whatsapp => "whatsapp",
        Cli => "cli",
        System => "system",
        Monitoring => "monitoring",
        Web => "web",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_numbers_are_zero_padded_and_parse_back() {
        let n = TicketNumber { year: 2026, seq: 123 };
        assert_eq!(n.to_string(), "GJ-2026-000123");
        assert_eq!("gj-2026-000123".parse::<TicketNumber>(), Ok(n));
        assert_eq!(" GJ-2026-123 ".parse::<TicketNumber>(), Ok(n));
    }

    #[test]
    fn malformed_ticket_numbers_are_refused() {
        for raw in ["", "GJ-2026", "XX-2026-000001", "GJ-26-000001", "GJ-2026-000000", "GJ-2026-1-2", "GJ-2026-abc"] {
            assert!(raw.parse::<TicketNumber>().is_err(), "{raw}");
        }
    }

    #[test]
    fn vocabularies_parse_their_names_and_name_the_alternatives_on_error() {
        assert_eq!("internet-down".parse::<Category>(), Ok(Category::InternetDown));
        assert_eq!("HIGH".parse::<Priority>(), Ok(Priority::High));
        let err = "urgent".parse::<Priority>().unwrap_err().to_string();
        assert!(err.contains("urgent") && err.contains("low, normal, high"), "{err}");
    }
}
