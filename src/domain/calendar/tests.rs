//! Behaviour of the default Pemda calendar: Mon-Thu 08:00-12:00 + 12:30-15:45,
//! Fri 08:00-11:00, WIB, with the shipped 2026/2027 holiday files.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::*;

const HOLIDAYS_2026: &str = include_str!("../../../config/calendar/indonesia-2026.toml");
const HOLIDAYS_2027: &str = include_str!("../../../config/calendar/indonesia-2027.toml");

pub(super) fn shipped_holidays() -> Vec<HolidayFile> {
    [HOLIDAYS_2026, HOLIDAYS_2027].iter().map(|t| HolidayFile::parse(t).expect("shipped holiday file parses")).collect()
}

pub(super) fn calendar_in(zone: &str) -> BusinessCalendar {
    let config = CalendarConfig { timezone: zone.to_string(), ..CalendarConfig::default() };
    BusinessCalendar::new(&config, &shipped_holidays()).expect("default config is valid")
}

pub(super) fn office() -> BusinessCalendar {
    calendar_in("Asia/Jakarta")
}

pub(super) fn local(zone: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    zone.with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("valid local time").to_utc()
}

pub(super) fn wib(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    local(chrono_tz::Asia::Jakarta, y, mo, d, h, mi)
}

pub(super) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub(super) const ONE_HOUR: Limit = Limit::BusinessMinutes(60);

// 2026-02-06 is an ordinary Friday, 2026-02-09 the following Monday.

#[test]
fn a_report_friday_1055_with_one_hour_limit_is_due_monday_0855() {
    assert_eq!(office().due(wib(2026, 2, 6, 10, 55), ONE_HOUR), wib(2026, 2, 9, 8, 55));
}

#[test]
fn a_one_hour_limit_from_monday_1130_skips_the_lunch_break_and_is_due_1300() {
    assert_eq!(office().due(wib(2026, 2, 9, 11, 30), ONE_HOUR), wib(2026, 2, 9, 13, 0));
}

#[test]
fn a_report_on_independence_day_starts_counting_the_next_working_day() {
    let cal = office();
    assert_eq!(cal.closed_reason(day(2026, 8, 17)), Some("Proklamasi Kemerdekaan Republik Indonesia"));
    assert!(!cal.is_working_day(day(2026, 8, 17)));
    assert_eq!(cal.due(wib(2026, 8, 17, 9, 0), ONE_HOUR), wib(2026, 8, 18, 9, 0));
}

#[test]
fn a_thursday_report_before_the_isra_mikraj_friday_is_due_monday() {
    // 16 Jan 2026 (Friday) is Isra Mikraj: 45 minutes on Thursday, 75 on Monday.
    let due = office().due(wib(2026, 1, 15, 15, 0), Limit::BusinessMinutes(120));
    assert_eq!(due, wib(2026, 1, 19, 9, 15));
}

#[test]
fn the_idul_fitri_2026_break_from_nyepi_to_cuti_bersama_is_skipped_entirely() {
    // Wed 18 Mar (cuti Nyepi) .. Tue 24 Mar (cuti Idul Fitri) are all closed.
    let cal = office();
    for d in 18..=24 {
        assert!(!cal.is_working_day(day(2026, 3, d)), "2026-03-{d}");
    }
    assert_eq!(cal.closed_reason(day(2026, 3, 23)), Some("Cuti Bersama Hari Raya Idul Fitri 1447 Hijriah"));
    assert_eq!(cal.due(wib(2026, 3, 17, 15, 0), ONE_HOUR), wib(2026, 3, 25, 8, 15));
}

#[test]
fn the_ascension_thursday_and_its_cuti_bersama_friday_make_a_four_day_weekend() {
    assert_eq!(office().due(wib(2026, 5, 13, 15, 30), ONE_HOUR), wib(2026, 5, 18, 8, 45));
}

#[test]
fn a_report_before_opening_counts_from_0800() {
    let due = office().due(wib(2026, 2, 9, 6, 0), Limit::BusinessMinutes(30));
    assert_eq!(due, wib(2026, 2, 9, 8, 30));
}

#[test]
fn a_report_after_closing_counts_from_the_next_morning() {
    let due = office().due(wib(2026, 2, 9, 16, 0), Limit::BusinessMinutes(30));
    assert_eq!(due, wib(2026, 2, 10, 8, 30));
}

#[test]
fn a_report_on_saturday_counts_from_monday_0800() {
    let due = office().due(wib(2026, 2, 7, 10, 0), Limit::BusinessMinutes(30));
    assert_eq!(due, wib(2026, 2, 9, 8, 30));
}

#[test]
fn a_limit_used_up_exactly_at_noon_is_due_at_noon_not_after_lunch() {
    assert_eq!(office().due(wib(2026, 2, 9, 11, 0), ONE_HOUR), wib(2026, 2, 9, 12, 0));
}

#[test]
fn a_limit_used_up_exactly_at_closing_is_due_at_1545_not_next_morning() {
    assert_eq!(office().due(wib(2026, 2, 9, 14, 45), ONE_HOUR), wib(2026, 2, 9, 15, 45));
    assert_eq!(office().due(wib(2026, 2, 6, 10, 0), ONE_HOUR), wib(2026, 2, 6, 11, 0));
}

#[test]
fn a_zero_business_limit_is_due_at_the_next_opening() {
    let cal = office();
    assert_eq!(cal.due(wib(2026, 2, 9, 12, 10), Limit::BusinessMinutes(0)), wib(2026, 2, 9, 12, 30));
    assert_eq!(cal.due(wib(2026, 2, 7, 9, 0), Limit::BusinessDays(0)), wib(2026, 2, 9, 8, 0));
}

#[test]
fn business_time_between_counts_only_open_minutes_across_days_and_breaks() {
    let cal = office();
    // Mon 11:00-12:00 (60) + 12:30-15:45 (195) + Tue 08:00-09:00 (60).
    let spent = cal.business_time_between(wib(2026, 2, 9, 11, 0), wib(2026, 2, 10, 9, 0));
    assert_eq!(spent, Duration::minutes(315));
    // Fri 10:00-11:00 + Mon 08:00-09:00 across the weekend.
    let spent = cal.business_time_between(wib(2026, 2, 6, 10, 0), wib(2026, 2, 9, 9, 0));
    assert_eq!(spent, Duration::minutes(120));
}

#[test]
fn business_time_between_is_zero_when_the_end_is_not_after_the_start() {
    let cal = office();
    let t = wib(2026, 2, 9, 10, 0);
    assert_eq!(cal.business_time_between(t, t), Duration::zero());
    assert_eq!(cal.business_time_between(t, t - Duration::hours(1)), Duration::zero());
}

#[test]
fn elapsed_uses_business_time_for_business_limits_and_wall_time_for_calendar_limits() {
    let cal = office();
    let (from, to) = (wib(2026, 2, 6, 10, 0), wib(2026, 2, 9, 9, 0));
    assert_eq!(cal.elapsed(ONE_HOUR, from, to), Duration::minutes(120));
    assert_eq!(cal.elapsed(Limit::BusinessDays(1), from, to), Duration::minutes(120));
    assert_eq!(cal.elapsed(Limit::Calendar(60), from, to), Duration::hours(71));
    assert_eq!(cal.elapsed(Limit::Calendar(60), to, from), Duration::zero());
}

#[test]
fn the_office_is_closed_during_lunch_and_at_the_closing_minute() {
    let cal = office();
    assert!(!cal.is_open(wib(2026, 2, 9, 12, 15)));
    assert!(!cal.is_open(wib(2026, 2, 9, 12, 0)));
    assert!(cal.is_open(wib(2026, 2, 9, 11, 59)));
    assert!(cal.is_open(wib(2026, 2, 9, 8, 0)));
    assert!(!cal.is_open(wib(2026, 2, 6, 11, 0)));
    assert!(!cal.is_open(wib(2026, 8, 17, 9, 0)));
}

#[test]
fn next_open_on_saturday_is_monday_0800_and_while_open_is_now() {
    let cal = office();
    assert_eq!(cal.next_open(wib(2026, 2, 7, 10, 0)), wib(2026, 2, 9, 8, 0));
    assert_eq!(cal.next_open(wib(2026, 2, 9, 9, 17)), wib(2026, 2, 9, 9, 17));
    assert_eq!(cal.next_open(wib(2026, 2, 9, 12, 0)), wib(2026, 2, 9, 12, 30));
}

#[test]
fn weekends_are_not_working_days_and_have_no_closed_reason() {
    let cal = office();
    assert!(!cal.is_working_day(day(2026, 2, 7)));
    assert_eq!(cal.closed_reason(day(2026, 2, 7)), None);
    assert!(cal.is_working_day(day(2026, 2, 9)));
    // Idul Fitri falls on a weekend but is still reported as a holiday.
    assert_eq!(cal.closed_reason(day(2026, 3, 21)), Some("Hari Raya Idul Fitri 1447 Hijriah"));
}
