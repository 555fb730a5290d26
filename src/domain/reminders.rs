//! When the SLA worker speaks up about an open ticket: reminders to the step's actors when a
//! share of the step's limit has passed, an escalation when the limit is breached, and the
//! morning digest's day. Pure: the ticket's clocks ([`SlaReport`]), the office calendar, what
//! was already sent and `now` come in; what is due comes out. The worker does the I/O.
//!
//! Rules, stated once:
//! - Progress is `elapsed(limit, entered, now) / elapsed(limit, entered, due)`: business time
//!   for business limits, wall time for calendar limits.
//! - A step with a limit has its own track, keyed by the visit (step id and entry time), so a
//!   ticket sent back to a step is reminded again. A step without one uses the ticket's overall
//!   target as a separate track ([`OVERALL`], keyed by the report time), silent while the
//!   current step pauses the overall clock.
//! - Each kind is sent at most once per visit. When several are due at once (the worker was
//!   down, or the office was closed), only the most severe is sent; the lesser ones are
//!   recorded as superseded, so the 50% reminder never arrives after the breach.
//! - Outside office hours nothing is sent for normal or low priority: it stays due and goes
//!   out at the first pass once the office opens. High priority goes out at once.
//! - The reporter has no boss: a reporter's step gets one reminder, at the highest
//!   threshold, and no escalation.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use crate::domain::calendar::{BusinessCalendar, Limit};
use crate::domain::role::Role;
use crate::domain::sla::SlaReport;
use crate::domain::ticket::Priority;

/// The `step` recorded for notices of the overall target.
pub const OVERALL: &str = "*";

/// Shares of a limit (in percent) after which the step's actors are reminded.
pub const DEFAULT_THRESHOLDS: [u8; 2] = [50, 80];

/// Local time of the morning digest on working days.
pub const DIGEST_AT: NaiveTime = match NaiveTime::from_hms_opt(8, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Track {
    /// The current step's own limit.
    Step,
    /// The ticket's overall target, for steps without a limit.
    Overall,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// This many percent of the limit have passed.
    Share(u8),
    Breach,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AlertKind {
    pub track: Track,
    pub level: Level,
}

impl AlertKind {
    /// The stored name: `remind_50`, `breach`, `overall_80`, `overall_breach`.
    pub fn key(&self) -> String {
        match (self.track, self.level) {
            (Track::Step, Level::Share(p)) => format!("remind_{p}"),
            (Track::Step, Level::Breach) => "breach".to_owned(),
            (Track::Overall, Level::Share(p)) => format!("overall_{p}"),
            (Track::Overall, Level::Breach) => "overall_breach".to_owned(),
        }
    }
}

/// A notice already recorded for a ticket, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub step: String,
    pub entered_at: DateTime<Utc>,
    pub kind: String,
}

/// Which shares of a limit trigger a reminder: kept sorted, within 1..=99.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    thresholds: Vec<u8>,
}

impl Policy {
    pub fn new(thresholds: &[u8]) -> Self {
        let mut thresholds: Vec<u8> = thresholds.iter().copied().filter(|p| (1..100).contains(p)).collect();
        thresholds.sort_unstable();
        thresholds.dedup();
        Policy { thresholds }
    }

    pub fn thresholds(&self) -> &[u8] {
        &self.thresholds
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::new(&DEFAULT_THRESHOLDS)
    }
}

/// One open ticket as the decision sees it.
#[derive(Debug, Clone, Copy)]
pub struct OpenTicket<'a> {
    /// Who acts at the current step.
    pub role: Role,
    pub sla: &'a SlaReport,
    pub priority: Option<Priority>,
    pub sent: &'a [Sent],
}

/// A reminder or escalation to send now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub kind: AlertKind,
    /// The visit it belongs to: the step id (or [`OVERALL`]) and when that clock started.
    pub step: String,
    pub entered_at: DateTime<Utc>,
    pub limit: Limit,
    pub due: DateTime<Utc>,
    /// Wall time past the due time; zero before it.
    pub late_by: Duration,
    /// Also tell the role one level up and the complaint officials.
    pub escalate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Nothing,
    /// Due, but the office is closed and the ticket is not high priority.
    Held(AlertKind),
    Send {
        alert: Alert,
        superseded: Vec<AlertKind>,
    },
}

/// What is due for `ticket` at `now`.
pub fn decide(calendar: &BusinessCalendar, policy: &Policy, ticket: &OpenTicket<'_>, now: DateTime<Utc>) -> Decision {
    let Some(clock) = running_clock(ticket.sla) else { return Decision::Nothing };
    let sent = |kind: &AlertKind| {
        let key = kind.key();
        ticket.sent.iter().any(|s| s.step == clock.step && s.entered_at == clock.entered_at && s.kind == key)
    };
    let mut pending: Vec<AlertKind> =
        reached(calendar, policy, ticket.role, &clock, now).into_iter().filter(|k| !sent(k)).collect();
    let Some(top) = pending.pop() else { return Decision::Nothing };
    if !calendar.is_open(now) && ticket.priority != Some(Priority::High) {
        return Decision::Held(top);
    }
    let alert = Alert {
        kind: top,
        step: clock.step.to_owned(),
        entered_at: clock.entered_at,
        limit: clock.limit,
        due: clock.due,
        late_by: (now - clock.due).max(Duration::zero()),
        escalate: top.level == Level::Breach,
    };
    Decision::Send { alert, superseded: pending }
}

/// The local day whose morning digest is due at `now`: a working day, from [`DIGEST_AT`] on.
/// A worker that starts late still sends that day's digest, once.
pub fn digest_day(calendar: &BusinessCalendar, now: DateTime<Utc>) -> Option<NaiveDate> {
    let local = now.with_timezone(&calendar.timezone());
    (calendar.is_working_day(local.date_naive()) && local.time() >= DIGEST_AT).then(|| local.date_naive())
}

struct Clock<'a> {
    track: Track,
    step: &'a str,
    entered_at: DateTime<Utc>,
    limit: Limit,
    due: DateTime<Utc>,
}

/// The clock that governs the ticket now: its step's limit, else the overall target.
fn running_clock(sla: &SlaReport) -> Option<Clock<'_>> {
    let visit = sla.current()?;
    if let (Some(limit), Some(due)) = (visit.limit, visit.due) {
        return Some(Clock { track: Track::Step, step: &visit.step, entered_at: visit.entered_at, limit, due });
    }
    if sla.overall_paused {
        return None;
    }
    let first = sla.visits.first()?;
    let (limit, due) = (sla.target?, sla.overall_due?);
    Some(Clock { track: Track::Overall, step: OVERALL, entered_at: first.entered_at, limit, due })
}

/// Every level the clock has reached at `now`, least severe first.
fn reached(
    calendar: &BusinessCalendar,
    policy: &Policy,
    role: Role,
    clock: &Clock<'_>,
    now: DateTime<Utc>,
) -> Vec<AlertKind> {
    let total = calendar.elapsed(clock.limit, clock.entered_at, clock.due).num_seconds();
    let used = calendar.elapsed(clock.limit, clock.entered_at, now).num_seconds();
    let thresholds = match role {
        Role::Reporter => policy.thresholds.last().map(std::slice::from_ref).unwrap_or_default(),
        _ => &policy.thresholds[..],
    };
    let mut out: Vec<AlertKind> = thresholds
        .iter()
        .filter(|p| if total <= 0 { now >= clock.due } else { used * 100 >= total * i64::from(**p) })
        .map(|p| AlertKind { track: clock.track, level: Level::Share(*p) })
        .collect();
    if role != Role::Reporter && now > clock.due {
        out.push(AlertKind { track: clock.track, level: Level::Breach });
    }
    out
}

#[cfg(test)]
mod tests;
