//! Reminders and escalations of one pass: ask the domain what is due for each open ticket,
//! find the people behind it, and write the notice with its outbox rows in one transaction.

use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;

use super::watch::{self, People, Watched};
use super::{PassReport, texts};
use crate::domain::reminders::{self, Alert, AlertKind, Decision, OpenTicket, Policy, Sent};
use crate::domain::role::Role;
use crate::domain::sop::Step;
use crate::i18n;
use crate::outbound::{OutboundMessage, kind};
use crate::service::{Helpdesk, ServiceError, notify};
use crate::store::directory::PersonRecord;
use crate::store::outbox::{self, NewOutbound};
use crate::store::{sla, tickets};

/// Send what is due for each of `watched`, then set when each must be looked at again.
pub(super) async fn send_due(
    desk: &Helpdesk,
    policy: &Policy,
    watched: &[Watched],
    people: &mut People,
    now: DateTime<Utc>,
    report: &mut PassReport,
) -> Result<(), ServiceError> {
    let loaded = desk.sop();
    let mut next = Vec::with_capacity(watched.len());
    for w in watched {
        let Some(step) = loaded.sop.step(&w.ticket.step) else {
            tracing::warn!(ticket = %w.ticket.number, step = %w.ticket.step, "step not in the SOP: no SLA");
            next.push((w.ticket.id, w.ticket.version, None, None));
            continue;
        };
        let priority = w.ticket.priority.as_deref().and_then(|p| p.parse().ok());
        let ticket = OpenTicket { role: step.role, sla: &w.sla, priority, sent: &w.sent };
        let mut sent = Vec::new();
        match reminders::decide(&loaded.calendar, policy, &ticket, now) {
            Decision::Nothing => {}
            Decision::Held(kind) => {
                tracing::debug!(ticket = %w.ticket.number, kind = %kind.key(), "held until the office opens");
                report.skipped_outside_hours += 1;
            }
            Decision::Send { alert, superseded } => {
                let messages = messages(desk, w, step, &alert, people).await?;
                let count = messages.len();
                if write(desk, w.ticket.id, &alert, &superseded, messages, now).await? {
                    tracing::info!(ticket = %w.ticket.number, kind = %alert.kind.key(), count, "SLA notice queued");
                    if alert.escalate {
                        report.escalations += 1;
                    } else {
                        report.reminders += 1;
                    }
                    report.messages += count;
                }
                // Recorded now, by this pass or by one that raced it.
                sent.extend(superseded.iter().chain([&alert.kind]).map(|kind| Sent {
                    step: alert.step.clone(),
                    entered_at: alert.entered_at,
                    kind: kind.key(),
                }));
            }
        }
        sent.extend(w.sent.iter().cloned());
        let ticket = OpenTicket { sent: &sent, ..ticket };
        let step_due = w.sla.current().and_then(|v| v.due);
        next.push((
            w.ticket.id,
            w.ticket.version,
            reminders::next_check(&loaded.calendar, policy, &ticket, now),
            step_due,
        ));
    }
    let txn = desk.db().begin().await?;
    for (id, version, at, step_due) in next {
        tickets::set_next_sla(&txn, id, version, at, step_due).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The outbox rows of one alert: the step's actors get its buttons; on a breach the role one
/// level up and every complaint official are told too.
async fn messages(
    desk: &Helpdesk,
    w: &Watched,
    step: &Step,
    alert: &Alert,
    people: &mut People,
) -> Result<Vec<NewOutbound>, ServiceError> {
    let mut recipients: Vec<(PersonRecord, bool)> = Vec::new();
    if step.role == Role::Reporter {
        recipients.extend(people.reporter(desk, w.ticket.reporter_id).await?.cloned().map(|p| (p, true)));
    } else {
        let staff = people.staff(desk).await?;
        let actors: Vec<&PersonRecord> = if step.role == Role::Technician && !w.assignees.is_empty() {
            staff.iter().filter(|p| p.active && w.assignees.contains(&p.id)).collect()
        } else {
            watch::holders(staff, step.role).collect()
        };
        recipients.extend(actors.into_iter().map(|p| (p.clone(), true)));
        if alert.escalate {
            let up = step.role.escalates_to().into_iter().chain([Role::ComplaintOfficial]);
            for role in up {
                recipients.extend(watch::holders(staff, role).map(|p| (p.clone(), false)));
            }
        }
    }
    // Someone both acting and overseeing is told once, as an actor (with the buttons).
    let mut seen = Vec::new();
    recipients.retain(|(p, _)| {
        !seen.contains(&p.id) && {
            seen.push(p.id);
            true
        }
    });
    let actor_names: Vec<&str> = recipients.iter().filter(|(_, actor)| *actor).map(|(p, _)| p.name.as_str()).collect();
    let actor_names = if actor_names.is_empty() { "-".to_owned() } else { actor_names.join(", ") };
    if recipients.is_empty() {
        tracing::warn!(ticket = %w.ticket.number, step = %step.id, "nobody to tell about the SLA");
    }
    let mut out = Vec::with_capacity(recipients.len());
    for (person, is_actor) in &recipients {
        let Some((channel, address)) = person.contact() else {
            tracing::debug!(person = person.id, "no channel identity: nothing queued");
            continue;
        };
        let locale = i18n::locale(&person.locale);
        let text = texts::alert(desk, &w.ticket, step, alert, &actor_names, locale);
        let buttons =
            if *is_actor { notify::step_buttons(&desk.sop().sop, &w.ticket, step, locale) } else { Vec::new() };
        out.push(NewOutbound {
            person_id: Some(person.id),
            channel,
            address: address.to_owned(),
            ticket_id: Some(w.ticket.id),
            kind: if alert.escalate { kind::SLA_BREACH } else { kind::SLA_REMINDER },
            message: OutboundMessage { text, buttons, attachments: Vec::new(), edit: None, ..Default::default() },
        });
    }
    Ok(out)
}

/// Record the alert (and the lesser ones it supersedes) with its messages, all or nothing.
/// False when it was already recorded: another pass sent it, and nothing is written.
async fn write(
    desk: &Helpdesk,
    ticket_id: i64,
    alert: &Alert,
    superseded: &[AlertKind],
    messages: Vec<NewOutbound>,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let txn = desk.db().begin().await?;
    // Least severe first, as every pass does: two racing passes then wait on each other's
    // rows in the same order and cannot deadlock.
    for kind in superseded {
        sla::record_notice(&txn, ticket_id, &alert.step, alert.entered_at, &kind.key(), now).await?;
    }
    if !sla::record_notice(&txn, ticket_id, &alert.step, alert.entered_at, &alert.kind.key(), now).await? {
        txn.rollback().await?;
        return Ok(false);
    }
    outbox::enqueue(&txn, messages, now).await?;
    txn.commit().await?;
    Ok(true)
}
