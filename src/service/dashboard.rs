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
use crate::domain::ticket::{Priority, TicketNumber};
use crate::store::people::{self, Orgs};
use crate::store::tickets::{self, TicketRow};
use crate::store::{board, directory};

/// The dashboard's filters, as the query string gives them, and the page of the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardFilter {
    pub step: Option<String>,
    pub technician: Option<i64>,
    pub priority: Option<String>,
    pub org: Option<i64>,
    /// From 0: which page of [`PAGE`] tickets.
    pub page: u64,
}

/// Tickets listed per page of the dashboard.
pub const PAGE: u64 = 50;
/// Weeks in the chart of tickets received.
pub const WEEKS: usize = 12;

#[derive(Debug, Clone)]
pub struct OpenTicket {
    pub number: String,
    pub step: String,
    pub org: Option<String>,
    pub description: String,
    pub priority: Option<crate::domain::ticket::Priority>,
    pub assignees: Vec<String>,
    /// When the current step is due; None for a step without a limit.
    pub due: Option<DateTime<Utc>>,
    pub late: bool,
}

/// One step's open tickets: how many, how many late, the soonest due.
#[derive(Debug, Clone)]
pub struct StepQueue {
    pub step: String,
    pub name: String,
    pub open: u64,
    pub late: u64,
    pub first_due: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Load {
    pub person_id: i64,
    pub name: String,
    pub open: u64,
}

#[derive(Debug, Clone)]
pub struct Board {
    pub now: DateTime<Utc>,
    /// Steps in the SOP's order, only those with open tickets in the filter.
    pub queues: Vec<StepQueue>,
    /// Open tickets in the filter, and how many of them late.
    pub open: u64,
    pub late: u64,
    /// The filter's page of open tickets, most urgent first; more follow when `more`.
    pub tickets: Vec<OpenTicket>,
    pub more: bool,
    /// Tickets received today and this month (the office's calendar days).
    pub today: u64,
    pub month: u64,
    pub load: Vec<Load>,
    /// Every step of the SOP, `(id, name)`, for the filter.
    pub steps: Vec<(String, String)>,
    /// Organisations with open tickets, `(id, name)`, for the filter.
    pub orgs: Vec<(i64, String)>,
    /// Open tickets per priority (`None`: not set yet), in the filter.
    pub priorities: Vec<(Option<String>, u64)>,
    /// Tickets received in each of the last [`WEEKS`] weeks (from Monday), oldest first.
    pub weeks: Vec<(NaiveDate, u64)>,
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
    /// The dashboard as `viewer` may see it, names in `locale`. Every read is bounded: counts
    /// grouped in SQL, one page of tickets, counts of a period through the index on time of
    /// receipt; nothing grows with the number of open tickets or with the history.
    #[tracing::instrument(skip_all, fields(viewer = viewer.person.id))]
    pub async fn board(&self, viewer: &ConsoleUser, filter: &BoardFilter, locale: &str) -> Result<Board, ServiceError> {
        let db = &self.db;
        let now = self.clock.now();
        let sop = &self.sop.sop;
        let own = (viewer.reach == Reach::Own).then_some(viewer.person.id);
        let scope = board::Scope {
            step: filter.step.clone(),
            priority: filter.priority.clone(),
            org: filter.org,
            technician: filter.technician,
            own,
        };

        let groups = board::open_groups(db, &scope, now).await?;
        let mut queues = Vec::new();
        for step in &sop.steps {
            let mine = groups.iter().filter(|g| g.step == step.id);
            let (open, late, first_due) = mine.fold((0, 0, None::<DateTime<Utc>>), |(o, l, f), g| {
                let first = match (f, g.first_due) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                (o + g.open.max(0) as u64, l + g.late.max(0) as u64, first)
            });
            if open > 0 {
                let name = step.display_name(locale).to_owned();
                queues.push(StepQueue { step: step.id.clone(), name, open, late, first_due });
            }
        }
        let mut priorities: Vec<(Option<String>, u64)> = Vec::new();
        let mut org_ids: Vec<i64> = Vec::new();
        for g in &groups {
            match priorities.iter_mut().find(|(p, _)| *p == g.priority) {
                Some((_, n)) => *n += g.open.max(0) as u64,
                None => priorities.push((g.priority.clone(), g.open.max(0) as u64)),
            }
            org_ids.extend(g.org_id.filter(|id| !org_ids.contains(id)));
        }
        priorities.sort_by_key(|(p, _)| p.as_deref().and_then(|p| p.parse::<Priority>().ok()).map(|p| p as u8));

        // A technician's load is counted over the other filters, so choosing one still shows all.
        let unfiltered = board::Scope { technician: None, ..scope.clone() };
        let loads = board::open_load(db, &unfiltered).await?;
        let technicians = match viewer.reach {
            Reach::Office => directory::holders_of(db, Role::Technician).await?,
            Reach::Own => vec![viewer.person.clone()],
        };
        let load = technicians
            .iter()
            .map(|p| Load {
                person_id: p.id,
                name: p.name.clone(),
                open: loads.iter().find(|(id, _)| *id == p.id).map_or(0, |(_, n)| (*n).max(0) as u64),
            })
            .collect();

        // Tickets with a due time first, soonest first; then those without, as they came.
        let with_due: u64 = groups.iter().map(|g| g.with_due.max(0) as u64).sum();
        let open: u64 = groups.iter().map(|g| g.open.max(0) as u64).sum();
        let offset = filter.page * PAGE;
        let mut page = Vec::new();
        if offset < with_due {
            page = board::urgent_page(db, &scope, board::Part::Due, offset, PAGE).await?;
        }
        if (page.len() as u64) < PAGE {
            let skip = offset.saturating_sub(with_due);
            let rest = PAGE - page.len() as u64;
            page.extend(board::urgent_page(db, &scope, board::Part::NoDue, skip, rest).await?);
        }
        let more = offset + PAGE < open;
        let tickets = self.open_tickets(&page, now).await?;

        let mut orgs = Orgs::default();
        org_ids.iter().for_each(|id| orgs.want(Some(*id)));
        orgs.load(db).await?;
        let mut org_names: Vec<(i64, String)> =
            org_ids.iter().filter_map(|id| orgs.get(*id).map(|o| (*id, o.name.clone()))).collect();
        // A chosen organisation stays in the list when none of its tickets is open any more.
        if let Some(chosen) = filter.org.filter(|id| !org_ids.contains(id))
            && let Some(org) = directory::org_by_id(db, chosen).await?
        {
            org_names.push((chosen, org.name));
        }
        org_names.sort_by(|a, b| a.1.cmp(&b.1));

        let tz = self.sop.calendar.timezone();
        let day = now.with_timezone(&tz).date_naive();
        let today = local_midnight(tz, day);
        let month_start = local_midnight(tz, day.with_day(1).unwrap_or(day));
        let end = now + chrono::Duration::seconds(1);
        let monday = day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()));
        let mut periods: Vec<(DateTime<Utc>, DateTime<Utc>)> = (0..WEEKS as i64)
            .rev()
            .map(|back| {
                let start = monday - chrono::Duration::weeks(back);
                let to = if back == 0 { end } else { local_midnight(tz, start + chrono::Duration::weeks(1)) };
                (local_midnight(tz, start), to)
            })
            .collect();
        periods.push((today, end));
        periods.push((month_start, end));
        let counts = board::received(db, &periods, own).await?;
        let weeks = (0..WEEKS as i64)
            .rev()
            .zip(&counts)
            .map(|(back, n)| (monday - chrono::Duration::weeks(back), *n))
            .collect();
        Ok(Board {
            now,
            open,
            late: queues.iter().map(|q| q.late).sum(),
            queues,
            tickets,
            more,
            today: counts.get(WEEKS).copied().unwrap_or(0),
            month: counts.get(WEEKS + 1).copied().unwrap_or(0),
            load,
            steps: sop.steps.iter().map(|s| (s.id.clone(), s.display_name(locale).to_owned())).collect(),
            orgs: org_names,
            priorities,
            weeks,
        })
    }

    /// A page of tickets with their clocks evaluated from their events (the stored due time
    /// only orders them), their organisations and assignees' names.
    async fn open_tickets(&self, page: &[TicketRow], now: DateTime<Utc>) -> Result<Vec<OpenTicket>, ServiceError> {
        let db = &self.db;
        let ids: Vec<i64> = page.iter().map(|t| t.id).collect();
        let mut history = HashMap::<i64, Vec<_>>::new();
        for event in tickets::events_of(db, &ids).await? {
            history.entry(event.ticket_id).or_default().push(event);
        }
        let mut assigned = HashMap::<i64, Vec<i64>>::new();
        for (ticket, person) in tickets::assignees_of(db, &ids).await? {
            assigned.entry(ticket).or_default().push(person);
        }
        let mut orgs = Orgs::default();
        page.iter().for_each(|t| orgs.want(t.org_id));
        let wanted: Vec<i64> = assigned.values().flatten().copied().collect();
        let names: HashMap<i64, String> =
            people::records(db, &wanted, &mut orgs).await?.into_iter().map(|p| (p.id, p.name)).collect();
        orgs.load(db).await?;
        Ok(page
            .iter()
            .map(|t| {
                let sla = self.evaluate(t, history.get(&t.id).map_or(&[][..], Vec::as_slice), now);
                let current = sla.current();
                OpenTicket {
                    number: t.number.clone(),
                    step: t.step.clone(),
                    org: t.org_id.and_then(|id| orgs.get(id)).map(|o| o.name.clone()),
                    description: t.description.clone(),
                    priority: t.priority.as_deref().and_then(|p| p.parse().ok()),
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
            .collect())
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
