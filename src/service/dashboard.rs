//! What the web console shows, read from the same rows and the same SLA evaluation the chat
//! answers from: open tickets by step with each step's clock, today's and this month's
//! counts, each technician's load, and one ticket's timeline. Who may see what is decided
//! here: officials see the office's tickets, a technician only their own.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::sign_in::{ConsoleUser, Reach};
use super::{Helpdesk, ServiceError, TicketDetails, TicketRef};
use crate::domain::role::Role;
use crate::domain::ticket::TicketNumber;
use crate::store::directory;
use crate::store::people::{self, Orgs};
use crate::store::tickets::{self, TicketRow};

/// The dashboard's filters, as the query string gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardFilter {
    pub step: Option<String>,
    pub technician: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct OpenTicket {
    pub number: String,
    pub org: Option<String>,
    pub description: String,
    pub assignees: Vec<String>,
    /// When the current step is due; None for a step without a limit.
    pub due: Option<DateTime<Utc>>,
    pub late: bool,
}

#[derive(Debug, Clone)]
pub struct StepQueue {
    pub step: String,
    pub name: String,
    pub tickets: Vec<OpenTicket>,
}

#[derive(Debug, Clone)]
pub struct Load {
    pub person_id: i64,
    pub name: String,
    pub open: u64,
}

#[derive(Debug, Clone)]
pub struct Board {
    /// Steps in the SOP's order, only those with tickets.
    pub queues: Vec<StepQueue>,
    /// Tickets received today and this month (the office's calendar days).
    pub today: u64,
    pub month: u64,
    pub load: Vec<Load>,
    /// Every step of the SOP, `(id, name)`, for the filter.
    pub steps: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error("no such ticket")]
    NotFound,
    #[error("not this person's ticket")]
    Forbidden,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<sea_orm::DbErr> for ViewError {
    fn from(err: sea_orm::DbErr) -> Self {
        ViewError::Service(err.into())
    }
}

impl Helpdesk {
    /// The dashboard as `viewer` may see it, names in `locale`.
    #[tracing::instrument(skip_all, fields(viewer = viewer.person.id))]
    pub async fn board(&self, viewer: &ConsoleUser, filter: &BoardFilter, locale: &str) -> Result<Board, ServiceError> {
        let db = &self.db;
        let now = self.clock.now();
        let sop = &self.sop.sop;
        // A page of open tickets at a time: every `IN (…)` list stays bounded however many
        // are open (SQLite refuses more than 32,766 variables).
        const PAGE: u64 = 500;
        let mut open = Vec::new();
        let mut assigned = HashMap::<i64, Vec<i64>>::new();
        let mut after = 0;
        loop {
            let page = tickets::open_page(db, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let ids: Vec<i64> = page.iter().map(|t| t.id).collect();
            for (ticket, person) in tickets::assignees_of(db, &ids).await? {
                assigned.entry(ticket).or_default().push(person);
            }
            let done = (page.len() as u64) < PAGE;
            open.extend(page);
            if done {
                break;
            }
        }
        let own = |ticket: i64| assigned.get(&ticket).is_some_and(|a| a.contains(&viewer.person.id));
        let visible: Vec<TicketRow> = open.into_iter().filter(|t| viewer.reach == Reach::Office || own(t.id)).collect();
        let technicians = match viewer.reach {
            Reach::Office => directory::holders_of(db, Role::Technician).await?,
            Reach::Own => vec![viewer.person.clone()],
        };
        let load = technicians
            .iter()
            .map(|p| Load {
                person_id: p.id,
                name: p.name.clone(),
                open: visible.iter().filter(|t| assigned.get(&t.id).is_some_and(|a| a.contains(&p.id))).count() as u64,
            })
            .collect();

        let shown: Vec<&TicketRow> = visible
            .iter()
            .filter(|t| filter.step.as_ref().is_none_or(|s| *s == t.step))
            .filter(|t| filter.technician.is_none_or(|p| assigned.get(&t.id).is_some_and(|a| a.contains(&p))))
            .collect();
        let shown_ids: Vec<i64> = shown.iter().map(|t| t.id).collect();
        let mut history = HashMap::<i64, Vec<_>>::new();
        for event in tickets::events_of(db, &shown_ids).await? {
            history.entry(event.ticket_id).or_default().push(event);
        }
        let mut orgs = Orgs::default();
        let mut wanted: Vec<i64> = Vec::new();
        for t in &shown {
            orgs.want(t.org_id);
            wanted.extend(assigned.get(&t.id).into_iter().flatten());
        }
        let names: HashMap<i64, String> =
            people::records(db, &wanted, &mut orgs).await?.into_iter().map(|p| (p.id, p.name)).collect();

        let mut queues: Vec<StepQueue> = Vec::new();
        for step in &sop.steps {
            let mut list: Vec<OpenTicket> = shown
                .iter()
                .filter(|t| t.step == step.id)
                .map(|t| {
                    let sla = self.evaluate(t, history.get(&t.id).map_or(&[][..], Vec::as_slice), now);
                    let current = sla.current();
                    OpenTicket {
                        number: t.number.clone(),
                        org: t.org_id.and_then(|id| orgs.get(id)).map(|o| o.name.clone()),
                        description: t.description.clone(),
                        assignees: assigned
                            .get(&t.id)
                            .into_iter()
                            .flatten()
                            .filter_map(|id| names.get(id).cloned())
                            .collect(),
                        due: current.and_then(|v| v.due),
                        late: current.is_some_and(|v| v.breached),
                    }
                })
                .collect();
            if list.is_empty() {
                continue;
            }
            // Soonest due first; steps without a limit keep the order tickets came in.
            list.sort_by_key(|t| (t.due.is_none(), t.due));
            queues.push(StepQueue { step: step.id.clone(), name: step.display_name(locale).to_owned(), tickets: list });
        }

        let tz = self.sop.calendar.timezone();
        let today = local_midnight(tz, now.with_timezone(&tz).date_naive());
        let month_start = local_midnight(tz, now.with_timezone(&tz).date_naive().with_day(1).unwrap_or_default());
        let received = tickets::received_between(db, month_start, now + chrono::Duration::seconds(1)).await?;
        let counted: Vec<&TicketRow> = match viewer.reach {
            Reach::Office => received.iter().collect(),
            Reach::Own => {
                let ids: Vec<i64> = received.iter().map(|t| t.id).collect();
                let mine: Vec<i64> = tickets::assignees_of(db, &ids)
                    .await?
                    .into_iter()
                    .filter(|(_, p)| *p == viewer.person.id)
                    .map(|(t, _)| t)
                    .collect();
                received.iter().filter(|t| mine.contains(&t.id)).collect()
            }
        };
        Ok(Board {
            queues,
            today: counted.iter().filter(|t| t.created_at >= today).count() as u64,
            month: counted.len() as u64,
            load,
            steps: sop.steps.iter().map(|s| (s.id.clone(), s.display_name(locale).to_owned())).collect(),
        })
    }

    /// One ticket's details for `viewer`: a technician only sees a ticket assigned to them or
    /// one they acted on.
    #[tracing::instrument(skip_all, fields(viewer = viewer.person.id, ticket = number))]
    pub async fn console_ticket(&self, viewer: &ConsoleUser, number: &str) -> Result<TicketDetails, ViewError> {
        let number: TicketNumber = number.parse().map_err(|_| ViewError::NotFound)?;
        let details = match self.details(TicketRef::Number(number)).await {
            Ok(details) => details,
            Err(ServiceError::NotFound(_)) => return Err(ViewError::NotFound),
            Err(err) => return Err(err.into()),
        };
        let me = viewer.person.id;
        let theirs =
            details.assignees.iter().any(|p| p.id == me) || details.events.iter().any(|e| e.event.actor_id == Some(me));
        match viewer.reach {
            Reach::Office => Ok(details),
            Reach::Own if theirs => Ok(details),
            Reach::Own => Err(ViewError::Forbidden),
        }
    }
}

fn local_midnight(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    // Indonesia has no daylight saving: local midnight always exists; UTC's is only a fallback.
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    tz.from_local_datetime(&midnight).earliest().map_or_else(|| midnight.and_utc(), |d| d.to_utc())
}
