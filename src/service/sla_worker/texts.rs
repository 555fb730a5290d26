//! The words of the SLA worker, from the `sla_notice` section of `locales/`.

use chrono::Duration;
use rust_i18n::t;

use crate::domain::reminders::{Alert, Level, Track};
use crate::domain::role::Role;
use crate::domain::sop::Step;
use crate::i18n;
use crate::service::Helpdesk;
use crate::store::tickets::TicketRow;

/// The reminder or escalation text of `alert` for one recipient.
pub(super) fn alert(
    desk: &Helpdesk,
    ticket: &TicketRow,
    step: &Step,
    alert: &Alert,
    actors: &str,
    locale: &str,
) -> String {
    let tz = desk.sop().calendar.timezone();
    let number = ticket.number.as_str();
    let step_name = step.display_name(locale);
    let due = i18n::datetime(locale, alert.due, tz);
    let limit = i18n::limit(locale, Some(alert.limit));
    let late = late(locale, alert.late_by);
    let text = match (alert.kind.track, alert.kind.level) {
        (Track::Step, Level::Share(_)) if step.role == Role::Reporter => {
            t!("sla_notice.remind_reporter", locale = locale, number = number, step = step_name, due = due)
        }
        (Track::Step, Level::Share(percent)) => {
            t!("sla_notice.remind", locale = locale, number = number, step = step_name, percent = percent, due = due)
        }
        (Track::Step, Level::Breach) => t!(
            "sla_notice.breach",
            locale = locale,
            number = number,
            step = step_name,
            limit = limit,
            due = due,
            late = late
        ),
        (Track::Overall, Level::Share(percent)) => t!(
            "sla_notice.overall_remind",
            locale = locale,
            number = number,
            percent = percent,
            due = due,
            step = step_name
        ),
        (Track::Overall, Level::Breach) => t!(
            "sla_notice.overall_breach",
            locale = locale,
            number = number,
            limit = limit,
            due = due,
            late = late,
            step = step_name
        ),
    };
    let mut text = text.into_owned();
    if alert.escalate {
        let role = i18n::role(locale, step.role);
        text.push('\n');
        text.push_str(&t!("sla_notice.actors", locale = locale, actors = actors, role = role));
    }
    text
}

/// "2 jam 5 menit": days, hours and minutes, leaving out zeros; at least one minute, since
/// anything late at all is late.
pub(super) fn late(locale: &str, by: Duration) -> String {
    let minutes = (by.num_seconds().max(1) + 59) / 60;
    let (days, hours, minutes) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(t!("sla_notice.late_days", locale = locale, n = days));
    }
    if hours > 0 {
        parts.push(t!("sla_notice.late_hours", locale = locale, n = hours));
    }
    if minutes > 0 {
        parts.push(t!("sla_notice.late_minutes", locale = locale, n = minutes));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lateness_reads_in_days_hours_and_minutes() {
        assert_eq!(late("id", Duration::minutes(125)), "2 jam 5 menit");
        assert_eq!(late("id", Duration::minutes(1440 + 60)), "1 hari 1 jam");
        assert_eq!(late("id", Duration::seconds(10)), "1 menit");
        assert_eq!(late("en", Duration::minutes(61)), "1 h 1 min");
    }
}
