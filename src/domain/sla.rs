//! Time limits of a ticket, derived from its history: when it entered each step, each
//! visit's due time and whether it was late, and the overall completion target with the
//! time spent in paused steps (waiting on the ISP, the reporter, reviews) taken out.
//! Nothing here is stored: it is recomputed from events, so it never drifts from them.

use chrono::{DateTime, Duration, Utc};

use crate::domain::calendar::{BusinessCalendar, Limit};
use crate::domain::sop::Sop;

/// The ticket entered `step` at `at`. The first entry is the report itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepEntry {
    pub step: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepVisit {
    pub step: String,
    pub entered_at: DateTime<Utc>,
    /// When the ticket moved on; `None` while it is still here.
    pub left_at: Option<DateTime<Utc>>,
    pub limit: Option<Limit>,
    pub due: Option<DateTime<Utc>>,
    /// Late: left after the due time, or still here past it.
    pub breached: bool,
    pub pauses_target: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaReport {
    pub visits: Vec<StepVisit>,
    pub target: Option<Limit>,
    /// Expected completion; moves later by the time spent in paused steps.
    pub overall_due: Option<DateTime<Utc>>,
    pub overall_breached: bool,
    /// The ticket sits in a step that stops the overall clock.
    pub overall_paused: bool,
}

impl SlaReport {
    pub fn current(&self) -> Option<&StepVisit> {
        self.visits.last().filter(|v| v.left_at.is_none())
    }

    pub fn any_breach(&self) -> bool {
        self.overall_breached || self.visits.iter().any(|v| v.breached)
    }
}

/// Evaluate a ticket's clocks at `now`. `ended_at` is when it was closed, rejected or
/// cancelled; the clocks stop there.
pub fn evaluate(
    sop: &Sop,
    calendar: &BusinessCalendar,
    entries: &[StepEntry],
    ended_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> SlaReport {
    let clock_end = ended_at.unwrap_or(now);
    let mut visits = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let left_at = entries.get(i + 1).map(|next| next.at).or(ended_at);
        let step = sop.step(&entry.step);
        let limit = step.and_then(|s| s.limit);
        let due = limit.map(|l| calendar.due(entry.at, l));
        let breached = due.is_some_and(|due| left_at.unwrap_or(now) > due);
        visits.push(StepVisit {
            step: entry.step.clone(),
            entered_at: entry.at,
            left_at,
            limit,
            due,
            breached,
            pauses_target: step.is_some_and(|s| s.pause_target_clock),
        });
    }

    let target = sop.header.target;
    let (overall_due, overall_breached) = match (target, entries.first()) {
        (Some(target), Some(first)) => {
            let paused = visits
                .iter()
                .filter(|v| v.pauses_target)
                .map(|v| calendar.elapsed(target, v.entered_at, v.left_at.unwrap_or(clock_end)))
                .fold(Duration::zero(), |sum, d| sum + d);
            let due = extend(calendar, calendar.due(first.at, target), target, paused);
            (Some(due), clock_end > due)
        }
        _ => (None, false),
    };
    let overall_paused = ended_at.is_none() && visits.last().is_some_and(|v| v.pauses_target);
    SlaReport { visits, target, overall_due, overall_breached, overall_paused }
}

/// Push a due time later by `paused`, in the limit's own kind of time.
fn extend(calendar: &BusinessCalendar, due: DateTime<Utc>, limit: Limit, paused: Duration) -> DateTime<Utc> {
    if paused <= Duration::zero() {
        return due;
    }
    match limit {
        Limit::Calendar(_) => due + paused,
        Limit::BusinessMinutes(_) | Limit::BusinessDays(_) => {
            let minutes = u32::try_from(paused.num_minutes()).unwrap_or(u32::MAX);
            calendar.due(due, Limit::BusinessMinutes(minutes))
        }
    }
}
