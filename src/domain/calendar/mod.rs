//! Business-hours calendar of one office: when it is open and when an SOP
//! time limit falls due.
//!
//! SLA limits in an SOP ("respond within 1 jam kerja") only mean something
//! against the office's own week: its time zone (WIB, WITA or WIT), its
//! opening intervals with the lunch break, the short Friday, and the days it
//! is closed (libur nasional, cuti bersama, local closures). This module turns
//! that into answers the rest of SIGAP needs, and keeps it pure: callers read
//! the SOP and holiday files and pass their contents in, so every rule here is
//! testable without I/O or a clock.
//!
//! # Semantics
//!
//! - Instants in and out are UTC; all day and time-of-day arithmetic happens
//!   in the office's local zone. Opening intervals are half-open
//!   `[start, end)`: at 12:00 an office open "08:00-12:00" is closed.
//! - A day is a *working day* when its weekday has opening intervals and it
//!   is not a holiday or extra closed day. Holidays on a weekend still give a
//!   [`BusinessCalendar::closed_reason`].
//! - [`Limit::BusinessMinutes`]: the start moves to [`BusinessCalendar::next_open`],
//!   then open minutes are consumed interval by interval, skipping breaks,
//!   closed weekdays and closed days. A limit used up exactly at an
//!   interval's end is due at that end (12:00, 15:45), not at the next opening.
//! - [`Limit::BusinessDays`]: the start moves to `next_open`; the due is the
//!   same local time of day on the n-th following working day, moved to that
//!   day's last closing if later, or to its first opening if earlier. A time
//!   that falls inside that day's break is kept as is (it is within the
//!   working day). Zero days is due at `next_open`.
//! - [`Limit::Calendar`]: start plus the duration on the wall clock.
//! - [`BusinessCalendar::business_time_between`] sums open time in
//!   `[from, to)`; [`BusinessCalendar::elapsed`] uses it for business limits
//!   and plain wall time for calendar limits.
//! - Searches give up after [`SEARCH_HORIZON_DAYS`] consecutive days without
//!   an opening (e.g. a misconfigured holiday list): `next_open` then returns
//!   its argument, and `due` returns start plus the limit's wall-clock length
//!   (days as 24 hours), so a broken calendar yields a plausible due instead
//!   of a hang.
//! - Local times skipped by a DST change (not used in Indonesia, but any IANA
//!   zone is accepted) move forward by the gap; repeated times take the
//!   earlier instant.

mod config;
mod holidays;
mod hours;
mod limit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_config;
#[cfg(test)]
mod tests_days;

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime};
use chrono::{Offset, TimeZone, Utc};
use chrono_tz::Tz;

pub use config::{CalendarConfig, WeeklyHoursConfig};
pub use holidays::{Holiday, HolidayFile, HolidayKind};
pub use limit::Limit;

use hours::WeekSchedule;

/// How many consecutive days without any opening a search tolerates.
pub const SEARCH_HORIZON_DAYS: u32 = 3 * 366;

/// Reason given by [`BusinessCalendar::closed_reason`] for `extra_closed_days`.
pub const LOCAL_CLOSURE_REASON: &str = "Libur lokal";

/// Problems in a calendar configuration, holiday file or limit text.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CalendarError {
    #[error("unknown time zone {0:?}: expected an IANA name such as \"Asia/Jakarta\"")]
    UnknownTimezone(String),
    #[error("invalid opening interval {text:?} on {day}: expected \"HH:MM-HH:MM\"")]
    BadInterval { day: &'static str, text: String },
    #[error("opening interval {text:?} on {day} does not end after it starts")]
    EmptyInterval { day: &'static str, text: String },
    #[error("opening intervals {first:?} and {second:?} on {day} overlap or are out of order")]
    OverlappingIntervals { day: &'static str, first: String, second: String },
    #[error("the weekly hours have no opening interval on any day")]
    NoOpeningHours,
    #[error("invalid holiday file: {0}")]
    HolidayFile(String),
    #[error("holiday {name:?} on {date} is outside the file's year {year}")]
    HolidayOutsideYear { date: NaiveDate, name: String, year: i32 },
    #[error("invalid time limit {0:?}: expected e.g. \"15 business minutes\", \"2 hari kerja\" or \"24 hours\"")]
    InvalidLimit(String),
}

/// A validated office calendar; cheap to clone and share.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    tz: Tz,
    week: WeekSchedule,
    closed: BTreeMap<NaiveDate, String>,
}

impl BusinessCalendar {
    /// Validates: zone known; intervals "HH:MM-HH:MM", start < end, sorted &
    /// non-overlapping per day; at least one open interval in the week.
    /// When a date appears in several sources the first name is kept, holiday
    /// files before `extra_closed_days`.
    pub fn new(config: &CalendarConfig, holiday_files: &[HolidayFile]) -> Result<Self, CalendarError> {
        let tz: Tz = config.timezone.parse().map_err(|_| CalendarError::UnknownTimezone(config.timezone.clone()))?;
        let week = WeekSchedule::from_config(&config.hours)?;
        let mut closed = BTreeMap::new();
        for holiday in holiday_files.iter().flat_map(|f| &f.holidays) {
            closed.entry(holiday.date).or_insert_with(|| holiday.name.clone());
        }
        for day in &config.extra_closed_days {
            closed.entry(*day).or_insert_with(|| LOCAL_CLOSURE_REASON.to_string());
        }
        Ok(Self { tz, week, closed })
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.windows(self.local_date(at)).any(|(start, end)| start <= at && at < end)
    }

    /// Has opening hours and is not closed.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !self.week.intervals(day.weekday()).is_empty() && !self.closed.contains_key(&day)
    }

    /// The holiday name (or [`LOCAL_CLOSURE_REASON`]) if `day` is closed by a
    /// holiday file or `extra_closed_days`; `None` for ordinary days,
    /// including ordinary weekends.
    pub fn closed_reason(&self, day: NaiveDate) -> Option<&str> {
        self.closed.get(&day).map(String::as_str)
    }

    /// `at` itself if open, else the start of the next opening interval.
    pub fn next_open(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        self.scan_from(at, |start, _| Some(start)).unwrap_or(at)
    }

    pub fn due(&self, start: DateTime<Utc>, limit: Limit) -> DateTime<Utc> {
        let fallback = start + limit.nominal();
        match limit {
            Limit::Calendar(_) => fallback,
            Limit::BusinessMinutes(minutes) => self.after_business_time(start, Duration::minutes(minutes.into())),
            Limit::BusinessDays(days) => self.due_business_days(start, days).unwrap_or(fallback),
        }
    }

    /// The instant at which `amount` of open time has passed since `start`: the inverse of
    /// [`Self::business_time_between`].
    pub fn after_business_time(&self, start: DateTime<Utc>, amount: Duration) -> DateTime<Utc> {
        let mut remaining = amount;
        self.scan_from(start, |open, close| {
            if remaining <= close - open {
                return Some(open + remaining);
            }
            remaining -= close - open;
            None
        })
        .unwrap_or(start + amount)
    }

    /// Open time in `[from, to)`; zero if `to <= from`.
    pub fn business_time_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        let mut total = Duration::zero();
        if to <= from {
            return total;
        }
        let last = self.local_date(to);
        for day in self.local_date(from).iter_days().take_while(|d| *d <= last) {
            for (start, end) in self.windows(day) {
                let (start, end) = (start.max(from), end.min(to));
                if end > start {
                    total += end - start;
                }
            }
        }
        total
    }

    /// How much of `limit` has been used between `from` and `to`: business
    /// time for business limits, wall time for calendar limits.
    pub fn elapsed(&self, limit: Limit, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        match limit {
            Limit::Calendar(_) => (to - from).max(Duration::zero()),
            Limit::BusinessMinutes(_) | Limit::BusinessDays(_) => self.business_time_between(from, to),
        }
    }

    fn due_business_days(&self, start: DateTime<Utc>, days: u32) -> Option<DateTime<Utc>> {
        let opened = self.scan_from(start, |open, _| Some(open))?;
        let local = opened.with_timezone(&self.tz);
        let mut day = local.date_naive();
        let (mut remaining, mut idle_days) = (days, 0);
        while remaining > 0 {
            day = day.succ_opt()?;
            if self.is_working_day(day) {
                remaining -= 1;
                idle_days = 0;
            } else if idle_days >= SEARCH_HORIZON_DAYS {
                return None;
            } else {
                idle_days += 1;
            }
        }
        if days == 0 {
            return Some(opened);
        }
        let intervals = self.week.intervals(day.weekday());
        let first_open = self.at_minute(day, intervals.first()?.start);
        let last_close = self.at_minute(day, intervals.last()?.end);
        let same_time = self.local_to_utc(day.and_time(local.time()));
        Some(same_time.clamp(first_open, last_close.max(first_open)))
    }

    /// Feeds every open window (clipped to start at `at`) to `visit` in
    /// order until it returns `Some`; `None` once
    /// [`SEARCH_HORIZON_DAYS`] consecutive days pass without any window.
    fn scan_from<T>(
        &self,
        at: DateTime<Utc>,
        mut visit: impl FnMut(DateTime<Utc>, DateTime<Utc>) -> Option<T>,
    ) -> Option<T> {
        let mut day = self.local_date(at);
        let mut idle_days = 0;
        while idle_days < SEARCH_HORIZON_DAYS {
            let mut any_window = false;
            for (start, end) in self.windows(day).filter(|(_, end)| *end > at) {
                any_window = true;
                if let Some(found) = visit(start.max(at), end) {
                    return Some(found);
                }
            }
            idle_days = if any_window { 0 } else { idle_days + 1 };
            day = day.succ_opt()?;
        }
        None
    }

    /// The UTC opening windows of one local day (none if the day is closed).
    fn windows(&self, day: NaiveDate) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let intervals = if self.closed.contains_key(&day) { &[][..] } else { self.week.intervals(day.weekday()) };
        intervals
            .iter()
            .map(move |i| (self.at_minute(day, i.start), self.at_minute(day, i.end)))
            // A DST fall-back could collapse a window; an empty one must not count.
            .filter(|(start, end)| start < end)
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    fn at_minute(&self, day: NaiveDate, minute: u32) -> DateTime<Utc> {
        self.local_to_utc(day.and_time(NaiveTime::MIN) + Duration::minutes(minute.into()))
    }

    fn local_to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t.to_utc(),
            LocalResult::Ambiguous(earliest, _) => earliest.to_utc(),
            LocalResult::None => {
                // Inside a DST gap: reading the wall time with the offset in
                // force before the gap lands just as far past the gap.
                let before = self.tz.offset_from_utc_datetime(&(local - Duration::days(1))).fix();
                (local - before).and_utc()
            }
        }
    }
}
