//! The decision on hand-built clocks, on the default Pemda calendar (Mon-Thu 08:00-12:00 +
//! 12:30-15:45, Fri 08:00-11:00, WIB). Monday 23 November 2026 is an ordinary working day.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::domain::calendar::{CalendarConfig, HolidayFile};
use crate::domain::sla::StepVisit;

fn office() -> BusinessCalendar {
    let holidays = HolidayFile::parse(include_str!("../../../config/calendar/indonesia-2026.toml")).unwrap();
    BusinessCalendar::new(&CalendarConfig::default(), &[holidays]).unwrap()
}

fn wib(d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Jakarta.with_ymd_and_hms(2026, 11, d, h, mi, 0).single().unwrap().to_utc()
}

const TEN_MINUTES: Limit = Limit::BusinessMinutes(10);

/// A ticket reported at `entered` and still at `step`, with the step's limit (if any) and
/// an overall target of two business days.
fn report(step: &str, limit: Option<Limit>, entered: DateTime<Utc>, pauses: bool) -> SlaReport {
    let cal = office();
    let target = Limit::BusinessDays(2);
    let visit = StepVisit {
        step: step.into(),
        entered_at: entered,
        left_at: None,
        limit,
        due: limit.map(|l| cal.due(entered, l)),
        breached: false,
        pauses_target: pauses,
    };
    SlaReport {
        visits: vec![visit],
        target: Some(target),
        overall_due: Some(cal.due(entered, target)),
        overall_breached: false,
        overall_paused: pauses,
    }
}

fn decide_at(sla: &SlaReport, role: Role, priority: Option<Priority>, sent: &[Sent], now: DateTime<Utc>) -> Decision {
    let ticket = OpenTicket { role, sla, priority, sent };
    decide(&office(), &Policy::default(), &ticket, now)
}

fn sent_kind(decision: &Decision) -> Option<String> {
    match decision {
        Decision::Send { alert, .. } => Some(alert.kind.key()),
        _ => None,
    }
}

fn recorded(step: &str, entered: DateTime<Utc>, kind: &str) -> Sent {
    Sent { step: step.into(), entered_at: entered, kind: kind.into() }
}

#[test]
fn nothing_is_due_before_the_first_threshold() {
    let sla = report("terima", Some(TEN_MINUTES), wib(23, 9, 0), false);
    assert_eq!(decide_at(&sla, Role::Helpdesk, None, &[], wib(23, 9, 4)), Decision::Nothing);
}

#[test]
fn half_the_limit_gives_the_50_reminder_and_eight_tenths_the_80() {
    let entered = wib(23, 9, 0);
    let sla = report("terima", Some(TEN_MINUTES), entered, false);
    assert_eq!(sent_kind(&decide_at(&sla, Role::Helpdesk, None, &[], wib(23, 9, 5))).as_deref(), Some("remind_50"));
    let after_50 = [recorded("terima", entered, "remind_50")];
    assert_eq!(decide_at(&sla, Role::Helpdesk, None, &after_50, wib(23, 9, 6)), Decision::Nothing);
    assert_eq!(
        sent_kind(&decide_at(&sla, Role::Helpdesk, None, &after_50, wib(23, 9, 8))).as_deref(),
        Some("remind_80")
    );
}

#[test]
fn thresholds_are_configurable() {
    let sla = report("terima", Some(TEN_MINUTES), wib(23, 9, 0), false);
    let ticket = OpenTicket { role: Role::Helpdesk, sla: &sla, priority: None, sent: &[] };
    let decision = decide(&office(), &Policy::new(&[90, 30, 0, 100]), &ticket, wib(23, 9, 3));
    assert_eq!(sent_kind(&decision).as_deref(), Some("remind_30"));
    assert_eq!(Policy::new(&[90, 30, 0, 100]).thresholds(), &[30, 90]);
}

#[test]
fn a_breach_escalates_with_how_late_and_supersedes_the_unsent_reminders() {
    let entered = wib(23, 9, 0);
    let sla = report("terima", Some(TEN_MINUTES), entered, false);
    let Decision::Send { alert, superseded } = decide_at(&sla, Role::Helpdesk, None, &[], wib(23, 11, 5)) else {
        panic!("a breach is due");
    };
    assert_eq!(alert.kind, AlertKind { track: Track::Step, level: Level::Breach });
    assert!(alert.escalate);
    assert_eq!(alert.due, wib(23, 9, 10));
    assert_eq!(alert.late_by, Duration::minutes(115));
    let keys: Vec<String> = superseded.iter().map(AlertKind::key).collect();
    assert_eq!(keys, ["remind_50", "remind_80"]);
}

#[test]
fn a_breach_already_sent_is_not_sent_again() {
    let entered = wib(23, 9, 0);
    let sla = report("terima", Some(TEN_MINUTES), entered, false);
    let sent: Vec<Sent> = ["remind_50", "remind_80", "breach"].iter().map(|k| recorded("terima", entered, k)).collect();
    assert_eq!(decide_at(&sla, Role::Helpdesk, None, &sent, wib(23, 14, 0)), Decision::Nothing);
}

#[test]
fn a_new_visit_of_the_same_step_is_reminded_again() {
    let sla = report("terima", Some(TEN_MINUTES), wib(23, 10, 0), false);
    let earlier_visit = [recorded("terima", wib(23, 9, 0), "remind_50")];
    let decision = decide_at(&sla, Role::Helpdesk, None, &earlier_visit, wib(23, 10, 5));
    assert_eq!(sent_kind(&decision).as_deref(), Some("remind_50"));
}

#[test]
fn outside_office_hours_normal_priority_is_held_and_high_priority_is_sent() {
    // A field visit of 24 wall-clock hours from Monday 09:00, breached by Tuesday 19:00.
    let sla = report("perbaikan_lapangan", Some(Limit::Calendar(24 * 60)), wib(23, 9, 0), false);
    let evening = wib(24, 19, 0);
    let breach = AlertKind { track: Track::Step, level: Level::Breach };
    assert_eq!(decide_at(&sla, Role::Technician, Some(Priority::Normal), &[], evening), Decision::Held(breach));
    assert_eq!(decide_at(&sla, Role::Technician, None, &[], evening), Decision::Held(breach));
    let high = decide_at(&sla, Role::Technician, Some(Priority::High), &[], evening);
    assert_eq!(sent_kind(&high).as_deref(), Some("breach"));
    let morning = decide_at(&sla, Role::Technician, Some(Priority::Normal), &[], wib(25, 8, 0));
    assert_eq!(sent_kind(&morning).as_deref(), Some("breach"));
}

#[test]
fn the_reporter_gets_one_reminder_at_the_highest_threshold_and_no_escalation() {
    let entered = wib(23, 9, 0);
    let sla = report("konfirmasi", Some(Limit::BusinessDays(1)), entered, true);
    // Half a business day later: nothing yet for the reporter.
    assert_eq!(decide_at(&sla, Role::Reporter, None, &[], wib(23, 13, 0)), Decision::Nothing);
    let decision = decide_at(&sla, Role::Reporter, None, &[], wib(24, 8, 30));
    assert_eq!(sent_kind(&decision).as_deref(), Some("remind_80"));
    let sent = [recorded("konfirmasi", entered, "remind_80")];
    assert_eq!(decide_at(&sla, Role::Reporter, None, &sent, wib(26, 9, 0)), Decision::Nothing);
}

#[test]
fn a_step_without_a_limit_follows_the_overall_target() {
    // Two business days from Monday 09:00: due Wednesday 09:00; 80% is Tuesday 15:00 or so.
    let entered = wib(23, 9, 0);
    let sla = report("kerja", None, entered, false);
    assert_eq!(decide_at(&sla, Role::Technician, None, &[], wib(23, 10, 0)), Decision::Nothing);
    let Decision::Send { alert, .. } = decide_at(&sla, Role::Technician, None, &[], wib(24, 9, 0)) else {
        panic!("the overall 50% reminder is due");
    };
    assert_eq!((alert.kind.key().as_str(), alert.step.as_str(), alert.entered_at), ("overall_50", OVERALL, entered));
    let breach = decide_at(&sla, Role::Technician, None, &[], wib(25, 9, 1));
    assert_eq!(sent_kind(&breach).as_deref(), Some("overall_breach"));
}

#[test]
fn a_paused_step_without_a_limit_gets_no_overall_reminder() {
    let sla = report("tunggu_isp", None, wib(23, 9, 0), true);
    assert_eq!(decide_at(&sla, Role::Technician, None, &[], wib(27, 9, 0)), Decision::Nothing);
}

#[test]
fn the_digest_is_due_on_working_day_mornings_only() {
    let cal = office();
    assert_eq!(digest_day(&cal, wib(24, 7, 59)), None);
    assert_eq!(digest_day(&cal, wib(24, 10, 59)), Some(wib(24, 8, 0).with_timezone(&cal.timezone()).date_naive()));
    assert_eq!(digest_day(&cal, wib(24, 11, 0)), None, "the morning is over");
    assert_eq!(digest_day(&cal, wib(24, 18, 40)), None, "an evening start");
    assert_eq!(digest_day(&cal, wib(24, 8, 0)), Some(wib(24, 8, 0).with_timezone(&cal.timezone()).date_naive()));
    assert_eq!(digest_day(&cal, wib(28, 8, 0)), None, "Saturday");
    assert_eq!(digest_day(&cal, wib(29, 9, 0)), None, "Sunday");
}

fn next_at(sla: &SlaReport, role: Role, sent: &[Sent], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    next_check(&office(), &Policy::default(), &OpenTicket { role, sla, priority: None, sent }, now)
}

#[test]
fn the_next_check_is_the_first_second_each_level_is_due_and_none_once_all_are_sent() {
    let entered = wib(23, 9, 0);
    let sla = report("terima", Some(TEN_MINUTES), entered, false);
    let second = Duration::seconds(1);
    let mut sent = Vec::new();
    for (kind, at) in [("remind_50", wib(23, 9, 5)), ("remind_80", wib(23, 9, 8)), ("breach", wib(23, 9, 10) + second)]
    {
        assert_eq!(next_at(&sla, Role::Helpdesk, &sent, entered), Some(at), "{kind}");
        assert_eq!(decide_at(&sla, Role::Helpdesk, None, &sent, at - second), Decision::Nothing, "{kind} early");
        assert_eq!(sent_kind(&decide_at(&sla, Role::Helpdesk, None, &sent, at)).as_deref(), Some(kind));
        sent.push(recorded("terima", entered, kind));
    }
    assert_eq!(next_at(&sla, Role::Helpdesk, &sent, wib(23, 9, 11)), None);
}

#[test]
fn a_level_held_overnight_is_checked_again_when_the_office_opens() {
    let entered = wib(23, 15, 40);
    let sla = report("terima", Some(TEN_MINUTES), entered, false);
    let evening = wib(23, 19, 0);
    assert!(matches!(decide_at(&sla, Role::Helpdesk, None, &[], evening), Decision::Held(_)));
    assert_eq!(next_at(&sla, Role::Helpdesk, &[], evening), Some(wib(24, 8, 0)));
}

#[test]
fn a_paused_ticket_has_no_next_check() {
    let sla = report("tunggu_isp", None, wib(23, 9, 0), true);
    assert_eq!(next_at(&sla, Role::Technician, &[], wib(23, 9, 1)), None);
}
