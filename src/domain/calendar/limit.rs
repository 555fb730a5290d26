//! Time limits as written in SOP files ("2 hari kerja", "1 business hour").
//!
//! The text form is what operators type and read, so parsing accepts both
//! English and Indonesian, singular and plural, in any letter case, and
//! `Display` prints one canonical English form that parses back to the same
//! value (serde relies on that round trip).

use std::fmt;
use std::str::FromStr;

use super::CalendarError;

const MINUTES_PER_HOUR: u32 = 60;
const MINUTES_PER_DAY: u32 = 24 * MINUTES_PER_HOUR;

/// How long something may take before it is late.
///
/// Calendar limits are stored in whole minutes rather than as a
/// `chrono::Duration` so that every value has an exact text form and cannot
/// be negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Limit {
    /// Minutes counted only while the office is open.
    BusinessMinutes(u32),
    /// Working days; due at the same local time of day (clamped to hours).
    BusinessDays(u32),
    /// Wall-clock minutes, ignoring opening hours and holidays.
    Calendar(u32),
}

#[derive(Clone, Copy)]
enum Unit {
    Minute,
    Hour,
    Day,
}

impl Limit {
    /// Short Indonesian form for chat messages, e.g. "2 hari kerja",
    /// "1 jam kerja", "15 menit kerja", "24 jam".
    pub fn describe_id(&self) -> String {
        match *self {
            Limit::BusinessDays(days) => format!("{days} hari kerja"),
            Limit::BusinessMinutes(m) => format!("{} kerja", minutes_id(m)),
            Limit::Calendar(m) => minutes_id(m),
        }
    }

    /// Wall-clock length of the limit, used only as a last-resort estimate
    /// when a calendar has no opening at all within the search horizon.
    pub(crate) fn nominal(&self) -> chrono::Duration {
        match *self {
            Limit::BusinessMinutes(m) | Limit::Calendar(m) => chrono::Duration::minutes(m.into()),
            Limit::BusinessDays(d) => chrono::Duration::days(d.into()),
        }
    }
}

fn minutes_id(m: u32) -> String {
    if m > 0 && m.is_multiple_of(MINUTES_PER_HOUR) {
        format!("{} jam", m / MINUTES_PER_HOUR)
    } else {
        format!("{m} menit")
    }
}

fn plural(n: u32, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

fn minutes_en(m: u32, prefix: &str) -> String {
    if m > 0 && m.is_multiple_of(MINUTES_PER_HOUR) {
        plural(m / MINUTES_PER_HOUR, &format!("{prefix}hour"))
    } else {
        plural(m, &format!("{prefix}minute"))
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match *self {
            Limit::BusinessMinutes(m) => minutes_en(m, "business "),
            Limit::BusinessDays(d) => plural(d, "business day"),
            // Whole days are shown as hours on purpose: "24 hours" is what
            // SOP authors write for a calendar day and reads unambiguously.
            Limit::Calendar(m) => minutes_en(m, ""),
        };
        f.write_str(&text)
    }
}

fn unit_en(word: &str) -> Option<Unit> {
    match word {
        "minute" | "minutes" => Some(Unit::Minute),
        "hour" | "hours" => Some(Unit::Hour),
        "day" | "days" => Some(Unit::Day),
        _ => None,
    }
}

fn unit_id(word: &str) -> Option<Unit> {
    match word {
        "menit" => Some(Unit::Minute),
        "jam" => Some(Unit::Hour),
        "hari" => Some(Unit::Day),
        _ => None,
    }
}

impl FromStr for Limit {
    type Err = CalendarError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || CalendarError::InvalidLimit(text.to_string());
        let lower = text.trim().to_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        let (number, rest) = words.split_first().ok_or_else(invalid)?;
        let n: u32 = number.parse().map_err(|_| invalid())?;
        if n == 0 {
            return Err(invalid());
        }
        // Only the two natural word orders are accepted, so a mixed-language
        // or shuffled phrase is rejected instead of being half-understood.
        let (business, unit) = match rest {
            ["business", unit] => (true, unit_en(unit)),
            [unit] => (false, unit_en(unit).or_else(|| unit_id(unit))),
            [unit, "kerja"] => (true, unit_id(unit)),
            _ => (false, None),
        };
        let unit = unit.ok_or_else(invalid)?;
        let minutes = |per: u32| n.checked_mul(per).ok_or_else(invalid);
        Ok(match (business, unit) {
            (true, Unit::Minute) => Limit::BusinessMinutes(n),
            (true, Unit::Hour) => Limit::BusinessMinutes(minutes(MINUTES_PER_HOUR)?),
            (true, Unit::Day) => Limit::BusinessDays(n),
            (false, Unit::Minute) => Limit::Calendar(n),
            (false, Unit::Hour) => Limit::Calendar(minutes(MINUTES_PER_HOUR)?),
            (false, Unit::Day) => Limit::Calendar(minutes(MINUTES_PER_DAY)?),
        })
    }
}

impl TryFrom<String> for Limit {
    type Error = CalendarError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Limit> for String {
    fn from(limit: Limit) -> Self {
        limit.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Limit {
        text.parse().unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
    }

    #[test]
    fn english_business_forms_parse_in_any_case_and_number() {
        assert_eq!(parse("15 business minutes"), Limit::BusinessMinutes(15));
        assert_eq!(parse("1 business minute"), Limit::BusinessMinutes(1));
        assert_eq!(parse("1 business hour"), Limit::BusinessMinutes(60));
        assert_eq!(parse("4 Business Hours"), Limit::BusinessMinutes(240));
        assert_eq!(parse("2 business days"), Limit::BusinessDays(2));
        assert_eq!(parse("1 BUSINESS DAY"), Limit::BusinessDays(1));
    }

    #[test]
    fn english_forms_without_business_are_calendar_time() {
        assert_eq!(parse("24 hours"), Limit::Calendar(1440));
        assert_eq!(parse("1 hour"), Limit::Calendar(60));
        assert_eq!(parse("1 day"), Limit::Calendar(1440));
        assert_eq!(parse("3 days"), Limit::Calendar(3 * 1440));
        assert_eq!(parse("30 minutes"), Limit::Calendar(30));
        assert_eq!(parse("  1 minute  "), Limit::Calendar(1));
    }

    #[test]
    fn indonesian_forms_parse_with_and_without_kerja() {
        assert_eq!(parse("15 menit kerja"), Limit::BusinessMinutes(15));
        assert_eq!(parse("1 jam kerja"), Limit::BusinessMinutes(60));
        assert_eq!(parse("2 hari kerja"), Limit::BusinessDays(2));
        assert_eq!(parse("2 Hari Kerja"), Limit::BusinessDays(2));
        assert_eq!(parse("24 jam"), Limit::Calendar(1440));
        assert_eq!(parse("1 hari"), Limit::Calendar(1440));
        assert_eq!(parse("30 menit"), Limit::Calendar(30));
    }

    #[test]
    fn display_is_canonical_english() {
        assert_eq!(Limit::BusinessDays(2).to_string(), "2 business days");
        assert_eq!(Limit::BusinessDays(1).to_string(), "1 business day");
        assert_eq!(Limit::BusinessMinutes(90).to_string(), "90 business minutes");
        assert_eq!(Limit::BusinessMinutes(60).to_string(), "1 business hour");
        assert_eq!(Limit::BusinessMinutes(1).to_string(), "1 business minute");
        assert_eq!(Limit::Calendar(1440).to_string(), "24 hours");
        assert_eq!(Limit::Calendar(30).to_string(), "30 minutes");
    }

    #[test]
    fn display_round_trips_through_from_str() {
        let limits = [
            Limit::BusinessMinutes(1),
            Limit::BusinessMinutes(15),
            Limit::BusinessMinutes(60),
            Limit::BusinessMinutes(90),
            Limit::BusinessMinutes(480),
            Limit::BusinessDays(1),
            Limit::BusinessDays(5),
            Limit::Calendar(1),
            Limit::Calendar(45),
            Limit::Calendar(60),
            Limit::Calendar(1440),
            Limit::Calendar(4321),
        ];
        for limit in limits {
            assert_eq!(parse(&limit.to_string()), limit, "{limit}");
        }
    }

    #[test]
    fn describe_id_uses_short_indonesian_forms() {
        assert_eq!(Limit::BusinessDays(2).describe_id(), "2 hari kerja");
        assert_eq!(Limit::BusinessMinutes(60).describe_id(), "1 jam kerja");
        assert_eq!(Limit::BusinessMinutes(15).describe_id(), "15 menit kerja");
        assert_eq!(Limit::BusinessMinutes(90).describe_id(), "90 menit kerja");
        assert_eq!(Limit::Calendar(1440).describe_id(), "24 jam");
        assert_eq!(Limit::Calendar(30).describe_id(), "30 menit");
    }

    #[test]
    fn zero_missing_numbers_unknown_units_and_garbage_are_rejected_with_the_text() {
        for text in [
            "",
            "   ",
            "0 business minutes",
            "0 hari kerja",
            "business hours",
            "hours",
            "-1 hours",
            "1.5 hours",
            "2 weeks",
            "2 minggu",
            "2 business",
            "2 kerja",
            "2 hari business",
            "2 business hari",
            "2 days kerja",
            "2 business days please",
            "soon",
            "99999999 days",
            "4294967295 hours",
        ] {
            let err = text.parse::<Limit>().expect_err(text);
            assert_eq!(err, CalendarError::InvalidLimit(text.to_string()));
            assert!(err.to_string().contains(&format!("{text:?}")), "{err}");
        }
    }

    #[test]
    fn serde_uses_the_text_form() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Step {
            limit: Limit,
        }
        let step: Step = toml::from_str("limit = \"2 hari kerja\"").expect("parse");
        assert_eq!(step.limit, Limit::BusinessDays(2));
        let text = toml::to_string(&step).expect("serialize");
        assert_eq!(text.trim(), "limit = \"2 business days\"");
        assert!(toml::from_str::<Step>("limit = \"soon\"").is_err());
    }
}
