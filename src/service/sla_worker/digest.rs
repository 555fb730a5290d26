//! The morning digest: at 08:00 local time on working days, Kabid and Kadis get the open
//! tickets, the late steps and each technician's load. Once per day, whichever worker or
//! pass gets there first (`sla_digests`).

use chrono::{DateTime, Utc};
use rust_i18n::t;
use sea_orm::TransactionTrait;

use super::watch::{self, People, Watched};
use super::{PassReport, texts};
use crate::domain::reminders;
use crate::domain::role::Role;
use crate::i18n;
use crate::outbound::{OutboundMessage, kind};
use crate::service::{Helpdesk, ServiceError};
use crate::store::directory::PersonRecord;
use crate::store::outbox::{self, NewOutbound};
use crate::store::sla;

/// Open tickets listed one by one; the rest are counted. A chat message must stay readable.
const LISTED: usize = 15;

pub(super) async fn send_if_due(
    desk: &Helpdesk,
    watched: &[Watched],
    people: &mut People,
    now: DateTime<Utc>,
    report: &mut PassReport,
) -> Result<(), ServiceError> {
    let Some(day) = reminders::digest_day(&desk.sop().calendar, now) else { return Ok(()) };
    let staff = people.staff(desk).await?;
    let mut readers: Vec<&PersonRecord> = watch::holders(staff, Role::Kabid).collect();
    readers.extend(watch::holders(staff, Role::Kadis).filter(|p| !p.roles.contains(&Role::Kabid)));
    let technicians: Vec<&PersonRecord> = watch::holders(staff, Role::Technician).collect();
    let mut messages = Vec::new();
    for person in readers {
        let Some((channel, address)) = person.contact() else { continue };
        let text = text(desk, watched, &technicians, i18n::locale(&person.locale), now);
        messages.push(NewOutbound {
            person_id: Some(person.id),
            channel,
            address: address.to_owned(),
            ticket_id: None,
            kind: kind::SLA_DIGEST,
            message: OutboundMessage {
                text,
                buttons: Vec::new(),
                attachments: Vec::new(),
                edit: None,
                ..Default::default()
            },
        });
    }
    let count = messages.len();
    let txn = desk.db().begin().await?;
    if !sla::record_digest(&txn, day, now).await? {
        txn.rollback().await?;
        return Ok(());
    }
    outbox::enqueue(&txn, messages, now).await?;
    txn.commit().await?;
    tracing::info!(%day, count, "morning digest queued");
    report.digests += 1;
    report.messages += count;
    Ok(())
}

fn text(
    desk: &Helpdesk,
    watched: &[Watched],
    technicians: &[&PersonRecord],
    locale: &str,
    now: DateTime<Utc>,
) -> String {
    let loaded = desk.sop();
    let tz = loaded.calendar.timezone();
    let step_name = |w: &Watched| {
        loaded.sop.step(&w.ticket.step).map_or_else(|| w.ticket.step.clone(), |s| s.display_name(locale).to_owned())
    };
    let mut lines = vec![
        t!("sla_notice.digest_title", locale = locale, date = i18n::datetime(locale, now, tz)).into_owned(),
        String::new(),
        t!("sla_notice.digest_open", locale = locale, count = watched.len()).into_owned(),
    ];
    for w in watched.iter().take(LISTED) {
        let state = if w.sla.any_breach() {
            "sla.late"
        } else if w.sla.overall_paused {
            "sla.paused"
        } else {
            "sla.on_time"
        };
        let state = t!(state, locale = locale);
        lines.push(
            t!(
                "sla_notice.digest_ticket",
                locale = locale,
                number = w.ticket.number,
                step = step_name(w),
                state = state
            )
            .into_owned(),
        );
    }
    if watched.len() > LISTED {
        lines.push(t!("sla_notice.digest_more", locale = locale, count = watched.len() - LISTED).into_owned());
    }

    // A ticket is late at its current step, or (on a step without a limit) on its target.
    let late: Vec<(&Watched, DateTime<Utc>)> = watched
        .iter()
        .filter_map(|w| match w.sla.current() {
            Some(v) if v.breached => v.due.map(|due| (w, due)),
            Some(v) if v.due.is_none() && w.sla.overall_breached => w.sla.overall_due.map(|due| (w, due)),
            _ => None,
        })
        .collect();
    lines.push(String::new());
    lines.push(t!("sla_notice.digest_breached", locale = locale, count = late.len()).into_owned());
    for (w, due) in late.iter().take(LISTED) {
        lines.push(
            t!(
                "sla_notice.digest_breach_row",
                locale = locale,
                number = w.ticket.number,
                step = step_name(w),
                due = i18n::datetime(locale, *due, tz),
                late = texts::late(locale, now - *due)
            )
            .into_owned(),
        );
    }
    if late.len() > LISTED {
        lines.push(t!("sla_notice.digest_more", locale = locale, count = late.len() - LISTED).into_owned());
    }

    lines.push(String::new());
    lines.push(t!("sla_notice.digest_load", locale = locale).into_owned());
    for tech in technicians {
        let count = watched.iter().filter(|w| w.assignees.contains(&tech.id)).count();
        lines.push(t!("sla_notice.digest_load_row", locale = locale, name = tech.name, count = count).into_owned());
    }
    if technicians.is_empty() {
        lines.push(t!("sla_notice.digest_none", locale = locale).into_owned());
    }
    let unassigned = watched.iter().filter(|w| w.assignees.is_empty()).count();
    lines.push(t!("sla_notice.digest_unassigned", locale = locale, count = unassigned).into_owned());
    lines.join("\n")
}
