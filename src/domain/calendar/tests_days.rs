//! Business-day, calendar-time, zone and edge-case behaviour; see
//! `tests.rs` for the default office these run against.

use chrono::Duration;

use super::tests::{ONE_HOUR, calendar_in, day, local, office, shipped_holidays, wib};
use super::*;

#[test]
fn two_business_days_from_monday_0900_are_due_wednesday_0900() {
    let due = office().due(wib(2026, 2, 9, 9, 0), Limit::BusinessDays(2));
    assert_eq!(due, wib(2026, 2, 11, 9, 0));
}

#[test]
fn one_business_day_from_thursday_afternoon_is_clamped_to_friday_closing() {
    let due = office().due(wib(2026, 2, 12, 14, 0), Limit::BusinessDays(1));
    assert_eq!(due, wib(2026, 2, 13, 11, 0));
}

#[test]
fn business_days_skip_holidays() {
    // Mon 12 .. Thu 15 Jan, then Fri 16 Jan is Isra Mikraj: the 5th is Monday.
    let due = office().due(wib(2026, 1, 9, 9, 0), Limit::BusinessDays(5));
    assert_eq!(due, wib(2026, 1, 19, 9, 0));
}

#[test]
fn business_days_from_a_weekend_start_at_monday_opening() {
    let due = office().due(wib(2026, 2, 7, 10, 0), Limit::BusinessDays(1));
    assert_eq!(due, wib(2026, 2, 10, 8, 0));
}

#[test]
fn business_days_landing_before_a_later_opening_are_moved_to_that_opening() {
    let mut config = CalendarConfig::default();
    config.hours.tue = vec!["10:00-15:00".to_string()];
    let cal = BusinessCalendar::new(&config, &[]).expect("valid");
    let due = cal.due(wib(2026, 2, 9, 8, 30), Limit::BusinessDays(1));
    assert_eq!(due, wib(2026, 2, 10, 10, 0));
}

#[test]
fn business_days_landing_in_a_break_keep_the_time_of_day() {
    let mut config = CalendarConfig::default();
    config.hours.tue = vec!["08:00-10:00".to_string(), "13:00-15:45".to_string()];
    let cal = BusinessCalendar::new(&config, &[]).expect("valid");
    let due = cal.due(wib(2026, 2, 9, 11, 0), Limit::BusinessDays(1));
    assert_eq!(due, wib(2026, 2, 10, 11, 0));
}

#[test]
fn business_days_started_during_lunch_count_from_the_afternoon_opening() {
    let due = office().due(wib(2026, 2, 9, 12, 10), Limit::BusinessDays(1));
    assert_eq!(due, wib(2026, 2, 10, 12, 30));
}

#[test]
fn twenty_four_calendar_hours_from_friday_1000_are_saturday_1000() {
    let due = office().due(wib(2026, 2, 6, 10, 0), Limit::Calendar(24 * 60));
    assert_eq!(due, wib(2026, 2, 7, 10, 0));
}

#[test]
fn the_same_local_schedule_in_wita_and_wit_is_due_earlier_in_utc() {
    let start_wib = wib(2026, 2, 6, 10, 55);
    let due_wib = office().due(start_wib, ONE_HOUR);
    let makassar = chrono_tz::Asia::Makassar;
    let wita = calendar_in("Asia/Makassar");
    assert_eq!(wita.timezone(), makassar);
    let due_wita = wita.due(local(makassar, 2026, 2, 6, 10, 55), ONE_HOUR);
    assert_eq!(due_wita, local(makassar, 2026, 2, 9, 8, 55));
    assert_eq!(due_wib - due_wita, Duration::hours(1));
    // The same UTC instant is 11:55 in Makassar, after Friday's closing.
    assert_eq!(wita.due(start_wib, ONE_HOUR), local(makassar, 2026, 2, 9, 9, 0));
    let wit = calendar_in("Asia/Jayapura");
    let jayapura = chrono_tz::Asia::Jayapura;
    let due_wit = wit.due(local(jayapura, 2026, 2, 6, 10, 55), ONE_HOUR);
    assert_eq!(due_wib - due_wit, Duration::hours(2));
}

#[test]
fn extra_closed_days_close_the_office_with_a_local_reason() {
    let config = CalendarConfig { extra_closed_days: vec![day(2026, 2, 9)], ..CalendarConfig::default() };
    let cal = BusinessCalendar::new(&config, &shipped_holidays()).expect("valid");
    assert_eq!(cal.closed_reason(day(2026, 2, 9)), Some(LOCAL_CLOSURE_REASON));
    assert_eq!(cal.due(wib(2026, 2, 6, 10, 55), ONE_HOUR), wib(2026, 2, 10, 8, 55));
}

#[test]
fn a_calendar_closed_for_years_gives_up_instead_of_looping() {
    // Only Mondays open, and every Monday closed for four years: no opening
    // within the search horizon.
    let config = CalendarConfig {
        hours: WeeklyHoursConfig { mon: vec!["08:00-12:00".to_string()], ..WeeklyHoursConfig::default() },
        extra_closed_days: day(2026, 2, 9).iter_weeks().take(4 * 53).collect(),
        ..CalendarConfig::default()
    };
    let cal = BusinessCalendar::new(&config, &[]).expect("valid");
    let start = wib(2026, 2, 7, 10, 0);
    assert_eq!(cal.next_open(start), start);
    assert_eq!(cal.due(start, ONE_HOUR), start + Duration::hours(1));
    assert_eq!(cal.due(start, Limit::BusinessDays(2)), start + Duration::days(2));
}

#[test]
fn a_day_may_close_at_midnight() {
    let mut config = CalendarConfig::default();
    config.hours.sat = vec!["20:00-24:00".to_string()];
    let cal = BusinessCalendar::new(&config, &[]).expect("valid");
    assert!(cal.is_open(wib(2026, 2, 7, 23, 59)));
    assert!(!cal.is_open(wib(2026, 2, 8, 0, 0)));
    assert_eq!(cal.due(wib(2026, 2, 7, 23, 30), ONE_HOUR), wib(2026, 2, 9, 8, 30));
}

#[test]
fn an_opening_inside_a_dst_gap_moves_to_the_end_of_the_gap() {
    // Not an Indonesian case, but any IANA zone is accepted and must not panic.
    let config = CalendarConfig {
        timezone: "Europe/Berlin".to_string(),
        hours: WeeklyHoursConfig { sun: vec!["02:00-04:00".to_string()], ..WeeklyHoursConfig::default() },
        ..CalendarConfig::default()
    };
    let cal = BusinessCalendar::new(&config, &[]).expect("valid");
    let berlin = chrono_tz::Europe::Berlin;
    let saturday = local(berlin, 2026, 3, 28, 12, 0);
    assert_eq!(cal.next_open(saturday), local(berlin, 2026, 3, 29, 3, 0));
    let sunday_evening = local(berlin, 2026, 3, 29, 20, 0);
    assert_eq!(cal.business_time_between(saturday, sunday_evening), Duration::hours(1));
}
