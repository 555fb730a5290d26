//! Holiday files (`config/calendar/<name>.toml`) and the date parsing shared
//! with [`super::CalendarConfig`].

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer};

use super::CalendarError;

/// Serde shape of a holiday file such as `config/calendar/indonesia-2026.toml`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayFile {
    pub country: String,
    pub year: i32,
    /// The decree the dates come from, so a reviewer can check them.
    pub source: String,
    #[serde(rename = "holiday")]
    pub holidays: Vec<Holiday>,
}

/// One closed day.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    #[serde(deserialize_with = "date")]
    pub date: NaiveDate,
    pub name: String,
    pub kind: HolidayKind,
}

/// Why the office is closed; all kinds close the office the same way, the
/// kind only matters for reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// Hari libur nasional.
    National,
    /// Cuti bersama (collective leave for civil servants).
    CutiBersama,
    /// Regional or office-specific closure.
    Local,
}

impl HolidayFile {
    /// Parses the TOML text and checks every date lies in `year`, which
    /// catches the classic copy-paste error of last year's file.
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        let file: Self = toml::from_str(text).map_err(|e| CalendarError::HolidayFile(e.to_string()))?;
        if let Some(h) = file.holidays.iter().find(|h| h.date.year() != file.year) {
            return Err(CalendarError::HolidayOutsideYear { date: h.date, name: h.name.clone(), year: file.year });
        }
        Ok(file)
    }
}

/// Accepts both a native TOML date (`2026-12-31`) and a quoted one
/// (`"2026-12-31"`): chrono alone only understands the quoted form, and SOP
/// authors will naturally write either.
pub(crate) fn date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    let value = toml::Value::deserialize(deserializer)?;
    value_to_date(&value).map_err(serde::de::Error::custom)
}

/// The list form of [`date`], for `extra_closed_days`.
pub(crate) fn dates<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<NaiveDate>, D::Error> {
    let values = Vec::<toml::Value>::deserialize(deserializer)?;
    values.iter().map(value_to_date).collect::<Result<_, _>>().map_err(serde::de::Error::custom)
}

fn value_to_date(value: &toml::Value) -> Result<NaiveDate, String> {
    let text = match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
        other => return Err(format!("expected a date like 2026-12-31, found {other}")),
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| format!("expected a date like 2026-12-31, found {text:?}"))
}
