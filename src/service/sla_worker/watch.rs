//! What one pass looks at: the tickets whose next check has come (`tickets.next_sla_at`), a
//! batch at a time, with their clocks, assignees and the notices already recorded for them,
//! read in a handful of batched queries; and the people to tell, read once per pass and only
//! when something is to be sent.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::domain::reminders::Sent;
use crate::domain::role::Role;
use crate::domain::sla::SlaReport;
use crate::service::{Helpdesk, ServiceError};
use crate::store::directory::PersonRecord;
use crate::store::people::{self, Orgs};
use crate::store::sla;
use crate::store::tickets::{self, EventRow, TicketRow};

/// Tickets read at once: bounds a pass's memory and keeps every `IN (…)` list far below
/// SQLite's limit on bound variables, whatever the number of open tickets.
pub(super) const BATCH: u64 = 500;

pub(super) struct Watched {
    pub ticket: TicketRow,
    pub sla: SlaReport,
    pub assignees: Vec<i64>,
    pub sent: Vec<Sent>,
}

/// The next batch of tickets due for a look at `now`.
pub(super) async fn due(desk: &Helpdesk, now: DateTime<Utc>) -> Result<Vec<Watched>, ServiceError> {
    let mut rows = tickets::sla_due(desk.db(), now, BATCH).await?;
    // A linked report follows its incident's clock: nothing of its own falls due. Filtering
    // it in the query would let the planner walk the parent index over all history instead.
    for child in rows.iter().filter(|t| t.parent_id.is_some()) {
        tickets::set_next_sla(desk.db(), child.id, child.version, None, None).await?;
    }
    rows.retain(|t| t.parent_id.is_none());
    with_clocks(desk, rows, now, true).await
}

/// `rows` with their clocks and assignees, and (when `notices`) what was already sent.
pub(super) async fn with_clocks(
    desk: &Helpdesk,
    rows: Vec<TicketRow>,
    now: DateTime<Utc>,
    notices: bool,
) -> Result<Vec<Watched>, ServiceError> {
    let db = desk.db();
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let mut events: HashMap<i64, Vec<EventRow>> = HashMap::new();
    for event in tickets::events_of(db, &ids).await? {
        events.entry(event.ticket_id).or_default().push(event);
    }
    let mut assignees: HashMap<i64, Vec<i64>> = HashMap::new();
    for (ticket, person) in tickets::assignees_of(db, &ids).await? {
        assignees.entry(ticket).or_default().push(person);
    }
    let mut sent: HashMap<i64, Vec<Sent>> = HashMap::new();
    if notices {
        for row in sla::notices_for(db, &ids).await? {
            sent.entry(row.ticket_id).or_default().push(Sent {
                step: row.step,
                entered_at: row.entered_at,
                kind: row.kind,
            });
        }
    }
    Ok(rows
        .into_iter()
        .map(|ticket| {
            let sla = desk.evaluate(&ticket, events.get(&ticket.id).map_or(&[], Vec::as_slice), now);
            Watched {
                assignees: assignees.remove(&ticket.id).unwrap_or_default(),
                sent: sent.remove(&ticket.id).unwrap_or_default(),
                sla,
                ticket,
            }
        })
        .collect())
}

/// Active officials (everyone but reporters) and the reporters asked for, read on first use.
#[derive(Default)]
pub(super) struct People {
    staff: Option<Vec<PersonRecord>>,
    reporters: HashMap<i64, PersonRecord>,
}

impl People {
    pub async fn staff(&mut self, desk: &Helpdesk) -> Result<&[PersonRecord], ServiceError> {
        if self.staff.is_none() {
            let roles: Vec<Role> = Role::ALL.into_iter().filter(|r| *r != Role::Reporter).collect();
            self.staff = Some(people::holders_of_any(desk.db(), &roles, &mut Orgs::default()).await?);
        }
        Ok(self.staff.as_deref().unwrap_or_default())
    }

    pub async fn reporter(&mut self, desk: &Helpdesk, id: i64) -> Result<Option<&PersonRecord>, ServiceError> {
        if !self.reporters.contains_key(&id) {
            for person in people::records(desk.db(), &[id], &mut Orgs::default()).await? {
                self.reporters.insert(person.id, person);
            }
        }
        Ok(self.reporters.get(&id).filter(|p| p.active))
    }
}

/// Active holders of `role` among `staff`.
pub(super) fn holders(staff: &[PersonRecord], role: Role) -> impl Iterator<Item = &PersonRecord> {
    staff.iter().filter(move |p| p.active && p.roles.contains(&role))
}
