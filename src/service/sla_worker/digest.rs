//! The morning digest: on a working day's morning (from 08:00 until 11:00 local time), Kabid
//! and Kadis who have opened their chat with SIGAP get the open tickets, the late steps and
//! each technician's load. Once per day, whichever worker or pass gets there first
//! (`sla_digests`). The open tickets are read a page at a time and summed up as they go, so
//! the digest's memory does not grow with their number.

use std::collections::HashMap;

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
use crate::store::{inbound, sla, tickets};

/// Open tickets listed one by one; the rest are counted. A chat message must stay readable.
const LISTED: usize = 15;

pub(super) async fn send_if_due(
    desk: &Helpdesk,
    people: &mut People,
    now: DateTime<Utc>,
    report: &mut PassReport,
) -> Result<(), ServiceError> {
    let Some(day) = reminders::digest_day(&desk.sop().calendar, now) else { return Ok(()) };
    if sla::digest_sent(desk.db(), day).await? {
        return Ok(());
    }
    let staff = people.staff(desk).await?;
    let mut readers: Vec<&PersonRecord> = watch::holders(staff, Role::Kabid).collect();
    readers.extend(watch::holders(staff, Role::Kadis).filter(|p| !p.roles.contains(&Role::Kabid)));
    let technicians: Vec<&PersonRecord> = watch::holders(staff, Role::Technician).collect();
    let mut reachable = Vec::new();
    for person in readers {
        let Some((channel, address)) = person.contact() else { continue };
        // A bot cannot write first to someone who never opened it.
        if inbound::last_inbound(desk.db(), channel, address).await?.is_none() {
            tracing::debug!(person = person.id, "never wrote to SIGAP: no digest");
            continue;
        }
        reachable.push((person, channel, address));
    }
    let summary = if reachable.is_empty() { Summary::default() } else { Summary::read(desk, now).await? };
    let messages: Vec<NewOutbound> = reachable
        .into_iter()
        .map(|(person, channel, address)| NewOutbound {
            person_id: Some(person.id),
            channel,
            address: address.to_owned(),
            ticket_id: None,
            kind: kind::SLA_DIGEST,
            message: OutboundMessage {
                text: text(desk, &summary, &technicians, i18n::locale(&person.locale), now),
                ..Default::default()
            },
        })
        .collect();
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

/// One open ticket as the digest lists it.
struct Line {
    number: String,
    step: String,
    state: &'static str,
    /// The due time it is late on.
    late_since: Option<DateTime<Utc>>,
}

/// The open tickets summed up: counts, the first [`LISTED`] of each list, each person's load.
#[derive(Default)]
struct Summary {
    open: usize,
    listed: Vec<Line>,
    late: usize,
    late_listed: Vec<Line>,
    load: HashMap<i64, usize>,
    unassigned: usize,
}

impl Summary {
    async fn read(desk: &Helpdesk, now: DateTime<Utc>) -> Result<Summary, ServiceError> {
        let mut summary = Summary::default();
        let mut after = 0;
        loop {
            let page = tickets::open_page(desk.db(), after, watch::BATCH).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let full = page.len() as u64 == watch::BATCH;
            for w in watch::with_clocks(desk, page, now, false).await? {
                summary.add(&w);
            }
            if !full {
                break;
            }
        }
        Ok(summary)
    }

    fn add(&mut self, w: &Watched) {
        self.open += 1;
        // A ticket is late at its current step, or (on a step without a limit) on its target.
        let late_since = match w.sla.current() {
            Some(v) if v.breached => v.due,
            Some(v) if v.due.is_none() && w.sla.overall_breached => w.sla.overall_due,
            _ => None,
        };
        let state = if w.sla.any_breach() {
            "sla.late"
        } else if w.sla.overall_paused {
            "sla.paused"
        } else {
            "sla.on_time"
        };
        let line = || Line { number: w.ticket.number.clone(), step: w.ticket.step.clone(), state, late_since };
        if self.listed.len() < LISTED {
            self.listed.push(line());
        }
        if late_since.is_some() {
            self.late += 1;
            if self.late_listed.len() < LISTED {
                self.late_listed.push(line());
            }
        }
        for person in &w.assignees {
            *self.load.entry(*person).or_default() += 1;
        }
        if w.assignees.is_empty() {
            self.unassigned += 1;
        }
    }
}

fn text(desk: &Helpdesk, summary: &Summary, technicians: &[&PersonRecord], locale: &str, now: DateTime<Utc>) -> String {
    let loaded = desk.sop();
    let tz = loaded.calendar.timezone();
    let step_name = |line: &Line| {
        loaded.sop.step(&line.step).map_or_else(|| line.step.clone(), |s| s.display_name(locale).to_owned())
    };
    let mut lines = vec![
        t!("sla_notice.digest_title", locale = locale, date = i18n::datetime(locale, now, tz)).into_owned(),
        String::new(),
        t!("sla_notice.digest_open", locale = locale, count = summary.open).into_owned(),
    ];
    for line in &summary.listed {
        let state = t!(line.state, locale = locale);
        lines.push(
            t!(
                "sla_notice.digest_ticket",
                locale = locale,
                number = line.number,
                step = step_name(line),
                state = state
            )
            .into_owned(),
        );
    }
    if summary.open > LISTED {
        lines.push(t!("sla_notice.digest_more", locale = locale, count = summary.open - LISTED).into_owned());
    }

    lines.push(String::new());
    lines.push(t!("sla_notice.digest_breached", locale = locale, count = summary.late).into_owned());
    for line in &summary.late_listed {
        let Some(due) = line.late_since else { continue };
        lines.push(
            t!(
                "sla_notice.digest_breach_row",
                locale = locale,
                number = line.number,
                step = step_name(line),
                due = i18n::datetime(locale, due, tz),
                late = texts::late(locale, now - due)
            )
            .into_owned(),
        );
    }
    if summary.late > LISTED {
        lines.push(t!("sla_notice.digest_more", locale = locale, count = summary.late - LISTED).into_owned());
    }

    lines.push(String::new());
    lines.push(t!("sla_notice.digest_load", locale = locale).into_owned());
    for tech in technicians {
        let count = summary.load.get(&tech.id).copied().unwrap_or(0);
        lines.push(t!("sla_notice.digest_load_row", locale = locale, name = tech.name, count = count).into_owned());
    }
    if technicians.is_empty() {
        lines.push(t!("sla_notice.digest_none", locale = locale).into_owned());
    }
    lines.push(t!("sla_notice.digest_unassigned", locale = locale, count = summary.unassigned).into_owned());
    lines.join("\n")
}
