//! Reading a ticket back: its fields, history and SLA state, derived from its events.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{Helpdesk, ServiceError, TicketRef};
use crate::domain::sla::{self, SlaReport, StepEntry};
use crate::domain::ticket::TicketStatus;
use crate::store::directory::PersonRecord;
use crate::store::people::{self, Orgs};
use crate::store::tickets::{self, EventRow, TicketRow};

#[derive(Debug, Clone)]
pub struct EventView {
    pub event: EventRow,
    pub actor_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TicketDetails {
    pub ticket: TicketRow,
    pub reporter: Option<PersonRecord>,
    pub org_name: Option<String>,
    pub assignees: Vec<PersonRecord>,
    pub events: Vec<EventView>,
    pub sla: SlaReport,
    /// Gangguan massal: the reports linked to this ticket, oldest first (read by
    /// [`Helpdesk::details`] and for papers; empty where only the ticket was needed).
    pub linked: Vec<LinkedReport>,
}

/// A report linked to a ticket, as its papers and pages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedReport {
    pub number: String,
    pub org: String,
    pub reporter: String,
}

impl Helpdesk {
    pub async fn details(&self, which: TicketRef) -> Result<TicketDetails, ServiceError> {
        self.details_on(&self.db, which).await
    }

    /// As [`Helpdesk::details`], read through `db` (a transaction sees its own writes).
    pub(super) async fn details_on<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        which: TicketRef,
    ) -> Result<TicketDetails, ServiceError> {
        let (ticket, assignee_ids) =
            tickets::with_assignees(db, which).await?.ok_or_else(|| ServiceError::NotFound(which.to_string()))?;
        let rows = tickets::events(db, ticket.id).await?;
        // The reporter, the assignees, every actor and the organisation: one batch.
        let mut wanted = vec![ticket.reporter_id];
        wanted.extend(&assignee_ids);
        wanted.extend(rows.iter().filter_map(|e| e.actor_id));
        let mut orgs = Orgs::default();
        orgs.want(ticket.org_id);
        let people: HashMap<i64, PersonRecord> =
            people::records(db, &wanted, &mut orgs).await?.into_iter().map(|p| (p.id, p)).collect();
        let mut details = self.details_from(ticket, &assignee_ids, rows, &people, &orgs, self.clock.now());
        details.linked = self.linked_reports(db, details.ticket.id).await?;
        Ok(details)
    }

    /// The reports linked to ticket `id`, with their organisations and reporters, in one
    /// batch of people.
    pub(super) async fn linked_reports<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        id: i64,
    ) -> Result<Vec<LinkedReport>, ServiceError> {
        let children = tickets::children(db, id).await?;
        if children.is_empty() {
            return Ok(Vec::new());
        }
        let mut orgs = Orgs::default();
        children.iter().for_each(|c| orgs.want(c.org_id));
        let ids: Vec<i64> = children.iter().map(|c| c.reporter_id).collect();
        let people: HashMap<i64, String> =
            people::records(db, &ids, &mut orgs).await?.into_iter().map(|p| (p.id, p.name)).collect();
        Ok(children
            .into_iter()
            .map(|c| LinkedReport {
                org: c.org_id.and_then(|id| orgs.get(id)).map_or_else(|| "-".to_owned(), |o| o.name.clone()),
                reporter: people.get(&c.reporter_id).cloned().unwrap_or_else(|| "-".to_owned()),
                number: c.number,
            })
            .collect())
    }

    /// A ticket's details from rows already read: `people` holds the reporter, the assignees
    /// and every actor of `events`, and `orgs` the ticket's organisation.
    pub(super) fn details_from(
        &self,
        ticket: TicketRow,
        assignee_ids: &[i64],
        events: Vec<EventRow>,
        people: &HashMap<i64, PersonRecord>,
        orgs: &Orgs,
        now: DateTime<Utc>,
    ) -> TicketDetails {
        let org_name = ticket.org_id.and_then(|id| orgs.get(id)).map(|o| o.name.clone());
        let assignees = assignee_ids.iter().filter_map(|id| people.get(id).cloned()).collect();
        let sla = self.evaluate(&ticket, &events, now);
        let events = events
            .into_iter()
            .map(|event| {
                let actor_name = event.actor_id.and_then(|id| people.get(&id)).map(|p| p.name.clone());
                EventView { event, actor_name }
            })
            .collect();
        let reporter = people.get(&ticket.reporter_id).cloned();
        TicketDetails { ticket, reporter, org_name, assignees, events, sla, linked: Vec::new() }
    }

    /// The SLA state of a ticket at `now`, from its event log.
    pub(super) fn evaluate(&self, ticket: &TicketRow, events: &[EventRow], now: DateTime<Utc>) -> SlaReport {
        let entries = step_entries(events);
        let ended = (ticket.status != TicketStatus::Open.as_str()).then_some(ticket.ended_at).flatten();
        sla::evaluate(&self.sop.sop, &self.sop.calendar, &entries, ended, now)
    }
}

/// Each time the ticket arrived at a step: the report, then every event that moved it.
pub fn step_entries(events: &[EventRow]) -> Vec<StepEntry> {
    events
        .iter()
        .filter(|e| e.to_step.is_some() && (e.from_step.is_none() || e.from_step != e.to_step))
        .filter_map(|e| Some(StepEntry { step: e.to_step.clone()?, at: e.at }))
        .collect()
}
