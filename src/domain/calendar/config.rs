//! The `[calendar]` table of an SOP file, as written by the office.

use chrono::NaiveDate;

/// Serde shape read from an SOP TOML file's `[calendar]` table.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// IANA zone: "Asia/Jakarta" (WIB), "Asia/Makassar" (WITA),
    /// "Asia/Jayapura" (WIT).
    #[serde(default = "default_tz")]
    pub timezone: String,
    /// Names of holiday files, e.g. "indonesia-2026"; the caller resolves
    /// them to texts because this module does no I/O.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Local closures on top of the holiday files, e.g. a regional holiday.
    #[serde(default, deserialize_with = "super::holidays::dates")]
    pub extra_closed_days: Vec<NaiveDate>,
    pub hours: WeeklyHoursConfig,
}

/// Opening intervals per weekday, each "HH:MM-HH:MM"; gaps between
/// intervals are breaks, an empty list is a closed day.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHoursConfig {
    #[serde(default)]
    pub mon: Vec<String>,
    #[serde(default)]
    pub tue: Vec<String>,
    #[serde(default)]
    pub wed: Vec<String>,
    #[serde(default)]
    pub thu: Vec<String>,
    #[serde(default)]
    pub fri: Vec<String>,
    #[serde(default)]
    pub sat: Vec<String>,
    #[serde(default)]
    pub sun: Vec<String>,
}

fn default_tz() -> String {
    "Asia/Jakarta".to_string()
}

fn hours(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

/// The usual schedule of a Pemda office in WIB: a lunch break Monday to
/// Thursday and a short Friday for Friday prayers.
impl Default for CalendarConfig {
    fn default() -> Self {
        let long_day = hours(&["08:00-12:00", "12:30-15:45"]);
        Self {
            timezone: default_tz(),
            holidays: vec!["indonesia-2026".to_string(), "indonesia-2027".to_string()],
            extra_closed_days: Vec::new(),
            hours: WeeklyHoursConfig {
                mon: long_day.clone(),
                tue: long_day.clone(),
                wed: long_day.clone(),
                thu: long_day,
                fri: hours(&["08:00-11:00"]),
                sat: Vec::new(),
                sun: Vec::new(),
            },
        }
    }
}
