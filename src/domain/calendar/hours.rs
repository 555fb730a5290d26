//! Weekly opening hours: parsing and validating "HH:MM-HH:MM" intervals.
//!
//! Times are kept as minutes after local midnight so that "24:00" (closing
//! at midnight) needs no special case and arithmetic stays in integers.

use chrono::Weekday;

use super::{CalendarError, WeeklyHoursConfig};

const MINUTES_PER_DAY: u32 = 24 * 60;

/// One opening interval of a day, `[start, end)` in minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Interval {
    pub start: u32,
    pub end: u32,
}

/// Opening intervals per weekday, Monday first, each sorted and disjoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WeekSchedule {
    days: [Vec<Interval>; 7],
}

impl WeekSchedule {
    pub fn from_config(config: &WeeklyHoursConfig) -> Result<Self, CalendarError> {
        let days = [
            parse_day("mon", &config.mon)?,
            parse_day("tue", &config.tue)?,
            parse_day("wed", &config.wed)?,
            parse_day("thu", &config.thu)?,
            parse_day("fri", &config.fri)?,
            parse_day("sat", &config.sat)?,
            parse_day("sun", &config.sun)?,
        ];
        if days.iter().all(Vec::is_empty) {
            return Err(CalendarError::NoOpeningHours);
        }
        Ok(Self { days })
    }

    pub fn intervals(&self, weekday: Weekday) -> &[Interval] {
        &self.days[weekday.num_days_from_monday() as usize]
    }
}

fn parse_day(day: &'static str, texts: &[String]) -> Result<Vec<Interval>, CalendarError> {
    let mut intervals: Vec<Interval> = Vec::with_capacity(texts.len());
    let mut previous_text: Option<&String> = None;
    for text in texts {
        let interval = parse_interval(day, text)?;
        // Requiring the author's own order (rather than sorting) catches
        // typos such as a lunch-break pair written the wrong way round.
        if let (Some(previous), Some(first)) = (intervals.last(), previous_text)
            && interval.start < previous.end
        {
            return Err(CalendarError::OverlappingIntervals { day, first: first.clone(), second: text.clone() });
        }
        intervals.push(interval);
        previous_text = Some(text);
    }
    Ok(intervals)
}

fn parse_interval(day: &'static str, text: &str) -> Result<Interval, CalendarError> {
    let bad = || CalendarError::BadInterval { day, text: text.to_string() };
    let (start, end) = text.trim().split_once('-').ok_or_else(bad)?;
    let start = parse_clock(start.trim()).ok_or_else(bad)?;
    let end = parse_clock(end.trim()).ok_or_else(bad)?;
    if start >= end || start >= MINUTES_PER_DAY {
        return Err(CalendarError::EmptyInterval { day, text: text.to_string() });
    }
    Ok(Interval { start, end })
}

/// Parses strict "HH:MM"; "24:00" is allowed so a day can close at midnight.
fn parse_clock(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: u32 = h.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    let minutes = h * 60 + m;
    (m < 60 && minutes <= MINUTES_PER_DAY).then_some(minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_must_be_two_digit_hours_and_minutes() {
        assert_eq!(parse_clock("08:00"), Some(480));
        assert_eq!(parse_clock("24:00"), Some(1440));
        assert_eq!(parse_clock("8:00"), None);
        assert_eq!(parse_clock("08"), None);
        assert_eq!(parse_clock("08:60"), None);
        assert_eq!(parse_clock("24:01"), None);
        assert_eq!(parse_clock("+8:00"), None);
    }

    #[test]
    fn an_interval_may_close_at_midnight_but_not_open_there() {
        assert_eq!(parse_interval("sat", "20:00-24:00"), Ok(Interval { start: 1200, end: 1440 }));
        assert!(matches!(parse_interval("sat", "24:00-24:00"), Err(CalendarError::EmptyInterval { .. })));
    }

    #[test]
    fn touching_intervals_are_allowed_but_unsorted_ones_are_not() {
        let touching = ["08:00-12:00".to_string(), "12:00-13:00".to_string()];
        assert_eq!(parse_day("mon", &touching).map(|v| v.len()), Ok(2));
        let unsorted = ["12:30-15:45".to_string(), "08:00-12:00".to_string()];
        assert!(matches!(parse_day("mon", &unsorted), Err(CalendarError::OverlappingIntervals { .. })));
    }
}
