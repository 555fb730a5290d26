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

/// The end of the morning: a digest not sent by then waits for the next working day, so a
/// service started in the afternoon or evening sends none.
pub const DIGEST_UNTIL: NaiveTime = match NaiveTime::from_hms_opt(11, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// The local day whose morning digest is due at `now`: a working day, between [`DIGEST_AT`]
/// and [`DIGEST_UNTIL`]. A worker that starts late in the morning still sends that day's
/// digest, once.
pub fn digest_day(calendar: &BusinessCalendar, now: DateTime<Utc>) -> Option<NaiveDate> {
    let local = now.with_timezone(&calendar.timezone());
    let morning = (DIGEST_AT..DIGEST_UNTIL).contains(&local.time());
    (calendar.is_working_day(local.date_naive()) && morning).then(|| local.date_naive())
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
    levels(policy, role, clock.track)
        .into_iter()
        .filter(|kind| match kind.level {
            Level::Share(p) if total > 0 => used * 100 >= total * i64::from(p),
            Level::Share(_) => now >= clock.due,
            Level::Breach => now > clock.due,
        })
        .collect()
}

/// The levels a clock goes through for `role`, least severe first.
fn levels(policy: &Policy, role: Role, track: Track) -> Vec<AlertKind> {
    let thresholds = match role {
        Role::Reporter => policy.thresholds.last().map(std::slice::from_ref).unwrap_or_default(),
        _ => &policy.thresholds[..],
    };
    let mut out: Vec<AlertKind> = thresholds.iter().map(|p| AlertKind { track, level: Level::Share(*p) }).collect();
    if role != Role::Reporter {
        out.push(AlertKind { track, level: Level::Breach });
    }
    out
}

/// When the worker must look at `ticket` again, after `now`: the instant its next unsent
/// level is reached, or the office's next opening when one is reached but held. `None` when
/// nothing more can fall due until the ticket moves (every level sent, no clock running):
/// moving it sets a new time (`store::tickets`).
pub fn next_check(
    calendar: &BusinessCalendar,
    policy: &Policy,
    ticket: &OpenTicket<'_>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let clock = running_clock(ticket.sla)?;
    let sent = |kind: &AlertKind| {
        let key = kind.key();
        ticket.sent.iter().any(|s| s.step == clock.step && s.entered_at == clock.entered_at && s.kind == key)
    };
    let total = calendar.elapsed(clock.limit, clock.entered_at, clock.due).num_seconds();
    let reached_at = |kind: &AlertKind| match kind.level {
        Level::Share(p) if total > 0 => {
            // The first whole second at which `used * 100 >= total * p` holds.
            let used = Duration::seconds((total * i64::from(p) + 99) / 100);
            match clock.limit {
                Limit::Calendar(_) => clock.entered_at + used,
                Limit::BusinessMinutes(_) | Limit::BusinessDays(_) => {
                    calendar.after_business_time(clock.entered_at, used)
                }
            }
        }
        Level::Share(_) => clock.due,
        Level::Breach => clock.due + Duration::seconds(1),
    };
    let next = levels(policy, ticket.role, clock.track).iter().filter(|k| !sent(k)).map(reached_at).min()?;
    // Reached and not sent: held while the office is closed. A wake-up time never lies in
    // the past, so a pass never picks the same ticket twice.
    Some(if next > now { next } else { calendar.next_open(now).max(now + Duration::seconds(1)) })
}

#[cfg(test)]
mod tests;
