//! What one pass looks at: every open ticket with its clocks, assignees and the notices
//! already recorded for it, read in a handful of batched queries; and the people to tell,
//! read once per pass and only when something is to be sent.

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

pub(super) struct Watched {
    pub ticket: TicketRow,
    pub sla: SlaReport,
    pub assignees: Vec<i64>,
    pub sent: Vec<Sent>,
}

pub(super) async fn load(desk: &Helpdesk, now: DateTime<Utc>) -> Result<Vec<Watched>, ServiceError> {
    let db = desk.db();
    let open = tickets::open(db).await?;
    let ids: Vec<i64> = open.iter().map(|t| t.id).collect();
    let mut events: HashMap<i64, Vec<EventRow>> = HashMap::new();
    for event in tickets::events_of(db, &ids).await? {
        events.entry(event.ticket_id).or_default().push(event);
    }
    let mut assignees: HashMap<i64, Vec<i64>> = HashMap::new();
    for (ticket, person) in tickets::assignees_of(db, &ids).await? {
        assignees.entry(ticket).or_default().push(person);
    }
    let mut sent: HashMap<i64, Vec<Sent>> = HashMap::new();
    for row in sla::notices_for(db, &ids).await? {
        sent.entry(row.ticket_id).or_default().push(Sent {
            step: row.step,
            entered_at: row.entered_at,
            kind: row.kind,
        });
    }
    Ok(open
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
