//! The SOP's records from what SIGAP already holds: the complaint log ("log aduan", one row
//! per ticket with each step's actor and time against its limit) and the statistics of the
//! quarterly evaluation (per technician and organisation, SLA compliance per step, reopen
//! rate, the satisfaction index). Read-only; times are business time on the office calendar.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};

use super::{Helpdesk, ServiceError};
use crate::domain::calendar::Limit;
use crate::domain::records::{self, Ikm, SurveyAnswers};
use crate::domain::role::Role;
use crate::domain::ticket::{Category, Priority, TicketStatus};
use crate::store::people::{self, Orgs};
use crate::store::{survey, tickets};

#[derive(Debug, Clone, PartialEq)]
pub struct LogRow {
    pub number: String,
    pub received_at: DateTime<Utc>,
    pub org: String,
    pub reporter: String,
    pub location: String,
    pub category: Category,
    pub priority: Option<Priority>,
    pub status: TicketStatus,
    pub ended_at: Option<DateTime<Utc>>,
    /// Every step of the SOP, in its order; a step the ticket never visited has no minutes.
    pub steps: Vec<StepRecord>,
    /// Business minutes from the report to its end (or to now while open).
    pub working_minutes: i64,
    /// Any step late, or the overall target missed.
    pub breached: bool,
    pub reopened: bool,
    /// Who was assigned or resolved it.
    pub technicians: Vec<String>,
    pub survey: Option<SurveyAnswers>,
    /// The incident this report is linked to (gangguan massal), if it is.
    pub parent: Option<String>,
    /// The reports linked to this ticket.
    pub linked: Vec<String>,
    /// Opened by a monitoring alert: the organisations it named as affected.
    pub incident: Option<Vec<String>>,
    /// Gangguan massal (an incident, a report linked to one, a ticket with reports linked to
    /// it): wall-clock minutes without network, from the outage's start (the alert's time,
    /// else the first report) to monitoring's recovery, else the technician's fix, else the
    /// end (or now while it lasts). A linked report counts its incident's.
    pub down_minutes: Option<i64>,
}

impl LogRow {
    /// This ticket's own satisfaction index.
    pub fn rating(&self) -> Option<Ikm> {
        self.survey.as_ref().and_then(|answers| records::ikm(std::slice::from_ref(answers)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    pub step: String,
    pub name: String,
    /// Who moved the ticket on from this step (several when it came back).
    pub actors: Vec<String>,
    pub minutes: Option<i64>,
    pub limit: Option<Limit>,
    pub breached: bool,
}

/// A group's figures: how many, and how long (business minutes) they took to resolve.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub tickets: usize,
    pub resolved: usize,
    pub median_minutes: Option<f64>,
    pub p90_minutes: Option<i64>,
    pub ikm: Option<Ikm>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepCompliance {
    pub name: String,
    pub visits: usize,
    pub on_time: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub tickets: usize,
    pub by_status: BTreeMap<String, usize>,
    pub overall: Group,
    pub technicians: Vec<Group>,
    pub organisations: Vec<Group>,
    pub steps: Vec<StepCompliance>,
    /// Tickets reopened by their reporter, of those resolved at least once.
    pub reopen_rate: Option<f64>,
    pub ikm: Option<Ikm>,
    /// Tickets opened by a monitoring alert.
    pub incidents: usize,
    /// Reports linked to an incident instead of walking the SOP.
    pub linked_reports: usize,
    /// Organisations an incident named, or whose report was linked to one: each once.
    pub affected_organisations: usize,
    /// Per affected organisation: how many mass outages hit it and how long it was without
    /// network in all, most minutes first.
    pub outages: Vec<Outage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    pub org: String,
    pub incidents: usize,
    pub minutes: i64,
}

impl Helpdesk {
    /// The complaint log of tickets received from `from` up to and including `to` (local
    /// dates of the office), oldest first.
    pub async fn complaint_log(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<LogRow>, ServiceError> {
        self.complaint_log_on(&self.db, from, to).await
    }

    /// [`Helpdesk::complaint_log`] read through `db` (inside a conversation's transaction).
    pub(super) async fn complaint_log_on<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<LogRow>, ServiceError> {
        let (start, end) = self.period(from, to)?;
        let (mut log, mut after) = (Vec::new(), 0);
        loop {
            let (page, last) = self.log_page(db, start, end, after).await?;
            log.extend(page);
            match last {
                Some(id) => after = id,
                None => return Ok(log),
            }
        }
    }

    /// The complaint log a page at a time, for exports whose memory must not grow with the
    /// number of tickets in the period.
    pub fn complaint_log_pages(&self, from: NaiveDate, to: NaiveDate) -> Result<LogPages, ServiceError> {
        let (start, end) = self.period(from, to)?;
        Ok(LogPages { desk: self.clone(), start, end, after: Some(0) })
    }

    /// The evaluation's figures over the tickets received in the period, summed up a page of
    /// the log at a time.
    pub async fn stats(&self, from: NaiveDate, to: NaiveDate) -> Result<Stats, ServiceError> {
        let mut pages = self.complaint_log_pages(from, to)?;
        let mut figures = StatsBuilder::default();
        while let Some(page) = pages.next().await? {
            page.iter().for_each(|row| figures.add(row));
        }
        Ok(figures.finish())
    }

    fn period(&self, from: NaiveDate, to: NaiveDate) -> Result<(DateTime<Utc>, DateTime<Utc>), ServiceError> {
        if to < from {
            return Err(ServiceError::Invalid(format!("the period ends ({to}) before it starts ({from})")));
        }
        let tz = self.sop.calendar.timezone();
        Ok((local_midnight(from, tz), local_midnight(to.succ_opt().unwrap_or(to), tz)))
    }

    /// The log rows of the next page of tickets received in `[start, end)` after ticket id
    /// `after`, and the id to continue after (`None` on the last page).
    async fn log_page<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        after: i64,
    ) -> Result<(Vec<LogRow>, Option<i64>), ServiceError> {
        let rows = tickets::received_page(db, start, end, after, LOG_PAGE).await?;
        let more = (rows.len() as u64 == LOG_PAGE).then(|| rows.last().map(|r| r.id)).flatten();
        let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
        let mut history: HashMap<i64, Vec<tickets::EventRow>> = HashMap::new();
        for event in tickets::events_of(db, &ids).await? {
            history.entry(event.ticket_id).or_default().push(event);
        }
        let mut assigned: HashMap<i64, Vec<i64>> = HashMap::new();
        for (ticket, person) in tickets::assignees_of(db, &ids).await? {
            assigned.entry(ticket).or_default().push(person);
        }
        let surveys = survey::of_tickets(db, &ids).await?;
        let mut linked = tickets::children_numbers(db, &ids).await?;
        // A linked report keeps its incident's clock: the incidents of this page's reports,
        // with their histories, for those not on the page themselves.
        let mut parents: HashMap<i64, tickets::TicketRow> = HashMap::new();
        for parent in rows.iter().filter_map(|t| t.parent_id) {
            if parents.contains_key(&parent) {
                continue;
            }
            let row = match rows.iter().find(|r| r.id == parent) {
                Some(row) => Some(row.clone()),
                None => tickets::by_id(db, parent).await?,
            };
            parents.extend(row.map(|r| (parent, r)));
        }
        let outside: Vec<i64> = parents.keys().copied().filter(|id| !history.contains_key(id)).collect();
        for event in tickets::events_of(db, &outside).await? {
            history.entry(event.ticket_id).or_default().push(event);
        }
        let numbers: HashMap<i64, String> = parents.iter().map(|(id, t)| (*id, t.number.clone())).collect();
        let recovered =
            crate::store::incidents::recovered_of(db, &ids.iter().chain(parents.keys()).copied().collect::<Vec<_>>())
                .await?;
        // The organisations each alert named, by code, turned into names in one batch.
        let mut affected: HashMap<i64, Vec<String>> = HashMap::new();
        for (id, events) in &history {
            let alert = events.iter().find(|e| e.action == "alert").and_then(|e| e.data.as_deref());
            if let Some(data) = alert.and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok()) {
                let codes = data["affected"].as_array().into_iter().flatten().filter_map(|c| c.as_str());
                affected.insert(*id, codes.map(str::to_owned).collect());
            }
        }
        let mut codes: Vec<String> = affected.values().flatten().cloned().collect();
        codes.sort_unstable();
        codes.dedup();
        let org_names: HashMap<String, String> = directory_names(db, &codes).await?;
        // Everyone named anywhere in these tickets, in one batch.
        let mut person_ids: Vec<i64> = rows.iter().map(|t| t.reporter_id).collect();
        person_ids.extend(history.values().flatten().filter_map(|e| e.actor_id));
        person_ids.extend(assigned.values().flatten());
        let mut orgs = Orgs::default();
        for row in &rows {
            orgs.want(row.org_id);
        }
        let people: HashMap<i64, String> =
            people::records(db, &person_ids, &mut orgs).await?.into_iter().map(|p| (p.id, p.name)).collect();
        let name = |id: Option<i64>| id.and_then(|id| people.get(&id).cloned()).unwrap_or_else(|| "-".to_owned());

        let now = self.clock.now();
        let calendar = &self.sop.calendar;
        let mut log = Vec::with_capacity(rows.len());
        let no_events = Vec::new();
        for row in &rows {
            let events = history.get(&row.id).unwrap_or(&no_events);
            let parent = row.parent_id.and_then(|id| parents.get(&id));
            let (clock_row, clock_events) = match parent {
                Some(parent) => (parent, history.get(&parent.id).unwrap_or(&no_events)),
                None => (row, events),
            };
            let sla = self.evaluate(clock_row, clock_events, now);
            let status: TicketStatus = row.status.parse().unwrap_or(TicketStatus::Open);
            let ended = (status != TicketStatus::Open).then_some(row.ended_at).flatten();
            let clock_ended = match parent {
                Some(parent) => (parent.status != TicketStatus::Open.as_str()).then_some(parent.ended_at).flatten(),
                None => ended,
            };
            let mut steps: Vec<StepRecord> = self
                .sop
                .sop
                .steps
                .iter()
                .map(|s| StepRecord {
                    step: s.id.clone(),
                    name: s.name.clone(),
                    actors: Vec::new(),
                    minutes: None,
                    limit: s.limit,
                    breached: false,
                })
                .collect();
            for visit in &sla.visits {
                let Some(record) = steps.iter_mut().find(|s| s.step == visit.step) else { continue };
                let until = visit.left_at.unwrap_or(clock_ended.unwrap_or(now));
                let minutes = calendar.business_time_between(visit.entered_at, until).num_minutes();
                record.minutes = Some(record.minutes.unwrap_or(0) + minutes);
                record.breached |= visit.breached;
                let leaver = clock_events.iter().find(|e| {
                    e.from_step.as_deref() == Some(visit.step.as_str()) && e.at == until && e.actor_id.is_some()
                });
                if let Some(event) = leaver {
                    let actor = name(event.actor_id);
                    if !record.actors.contains(&actor) {
                        record.actors.push(actor);
                    }
                }
            }
            let mut technicians: Vec<String> =
                assigned.get(&row.id).map(|ids| ids.iter().map(|id| name(Some(*id))).collect()).unwrap_or_default();
            for event in events
                .iter()
                .filter(|e| e.action == "resolve" && e.actor_role.as_deref() == Some(Role::Technician.as_str()))
            {
                let actor = name(event.actor_id);
                if !technicians.contains(&actor) {
                    technicians.push(actor);
                }
            }
            let children = linked.remove(&row.id).unwrap_or_default();
            let down_minutes = if parent.is_some() || affected.contains_key(&row.id) || !children.is_empty() {
                let outage = OutageSpan::of(clock_row, clock_events, recovered.get(&clock_row.id).copied());
                Some(outage.minutes(now))
            } else {
                None
            };
            log.push(LogRow {
                number: row.number.clone(),
                received_at: row.created_at,
                org: row.org_id.and_then(|id| orgs.get(id)).map_or_else(|| "-".to_owned(), |o| o.name.clone()),
                reporter: name(Some(row.reporter_id)),
                location: row.location.clone().unwrap_or_else(|| "-".to_owned()),
                category: row.category.parse().unwrap_or(Category::Other),
                priority: row.priority.as_deref().and_then(|p| p.parse().ok()),
                status,
                ended_at: ended,
                steps,
                working_minutes: calendar.business_time_between(row.created_at, ended.unwrap_or(now)).num_minutes(),
                breached: sla.any_breach(),
                reopened: events.iter().any(|e| e.action == "reopen"),
                down_minutes,
                technicians,
                survey: surveys.get(&row.id).copied(),
                parent: row.parent_id.and_then(|id| numbers.get(&id).cloned()),
                linked: children,
                incident: affected.get(&row.id).map(|codes| {
                    codes.iter().map(|c| org_names.get(c).cloned().unwrap_or_else(|| c.clone())).collect()
                }),
            });
        }
        Ok((log, more))
    }
}

/// When a mass outage began and ended, as its ticket's history says.
struct OutageSpan {
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
}

impl OutageSpan {
    fn of(row: &tickets::TicketRow, events: &[tickets::EventRow], recovered: Option<DateTime<Utc>>) -> Self {
        // The tool's own time of the problem, when it is not after the ticket (a clock ahead).
        let alert_at = events
            .iter()
            .find(|e| e.action == "alert")
            .and_then(|e| e.data.as_deref())
            .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
            .and_then(|v| v["at"].as_str().and_then(|at| at.parse::<DateTime<Utc>>().ok()));
        let start = alert_at.filter(|at| *at <= row.created_at).unwrap_or(row.created_at);
        // The last fix counts: one followed by "still broken" did not end the outage.
        let fixed = events.iter().rev().find(|e| e.action == "resolve").map(|e| e.at);
        let ended = (row.status != TicketStatus::Open.as_str()).then_some(row.ended_at).flatten();
        OutageSpan { start, end: recovered.or(fixed).or(ended) }
    }

    fn minutes(&self, now: DateTime<Utc>) -> i64 {
        (self.end.unwrap_or(now) - self.start).num_minutes().max(0)
    }
}

/// Tickets read per page of the log: bounds an export's memory and every `IN (…)` list.
const LOG_PAGE: u64 = 500;

/// The complaint log of a period, a page at a time (see [`Helpdesk::complaint_log_pages`]).
/// It holds its own handle on the service, so a download can stream it after the request's
/// handler has returned.
pub struct LogPages {
    desk: Helpdesk,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    /// The ticket id to continue after; `None` once the last page was given.
    after: Option<i64>,
}

impl LogPages {
    /// The next page of rows, oldest first; `None` when the log is done.
    pub async fn next(&mut self) -> Result<Option<Vec<LogRow>>, ServiceError> {
        let Some(after) = self.after else { return Ok(None) };
        let (page, more) = self.desk.log_page(&self.desk.db, self.start, self.end, after).await?;
        self.after = more;
        Ok((!page.is_empty() || more.is_some()).then_some(page))
    }
}

impl Helpdesk {
    /// A ticket's paper as PDF bytes, with its photos.
    pub async fn paper(
        &self,
        which: super::TicketRef,
        kind: crate::documents::Kind,
        letterhead: &crate::documents::Letterhead,
        locale: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        let details = self.details(which).await?;
        let photos = crate::store::attachments::photos_of(&self.db, &self.data_dir, details.ticket.id).await?;
        Ok(crate::documents::render(kind, &details, &photos, letterhead, &self.sop, locale))
    }
}

/// The figures of a log; pure, so the method is tested without a database.
pub fn stats_of(log: &[LogRow]) -> Stats {
    let mut figures = StatsBuilder::default();
    log.iter().for_each(|row| figures.add(row));
    figures.finish()
}

/// The figures summed up row by row: counts, and per group only the working minutes and
/// survey answers its medians and index need, never the rows themselves.
#[derive(Default)]
struct StatsBuilder {
    by_status: BTreeMap<String, usize>,
    overall: GroupFigures,
    technicians: BTreeMap<String, GroupFigures>,
    organisations: BTreeMap<String, GroupFigures>,
    /// Per SOP step (in the order of the first row): name, visits, visits on time.
    steps: Option<Vec<(String, usize, usize)>>,
    resolved_once: usize,
    reopened: usize,
    /// Gangguan massal: incidents, reports linked to one, and the organisations they hit.
    incidents: usize,
    linked_reports: usize,
    affected: std::collections::BTreeSet<String>,
    /// Per organisation, per mass outage (its first ticket's number): minutes without network.
    down: BTreeMap<String, BTreeMap<String, i64>>,
}

#[derive(Default)]
struct GroupFigures {
    tickets: usize,
    minutes: Vec<i64>,
    surveys: Vec<SurveyAnswers>,
}

impl GroupFigures {
    fn add(&mut self, row: &LogRow) {
        self.tickets += 1;
        if row.status == TicketStatus::Closed {
            self.minutes.push(row.working_minutes);
        }
        self.surveys.extend(row.survey);
    }

    fn finish(self, name: &str) -> Group {
        Group {
            name: name.to_owned(),
            tickets: self.tickets,
            resolved: self.minutes.len(),
            median_minutes: records::median(&self.minutes),
            p90_minutes: records::percentile(&self.minutes, 90),
            ikm: records::ikm(&self.surveys),
        }
    }
}

impl StatsBuilder {
    fn add(&mut self, row: &LogRow) {
        *self.by_status.entry(row.status.as_str().to_owned()).or_insert(0) += 1;
        self.overall.add(row);
        let mut named: Vec<&String> = row.technicians.iter().collect();
        named.sort_unstable();
        named.dedup();
        for technician in named {
            self.technicians.entry(technician.clone()).or_default().add(row);
        }
        self.organisations.entry(row.org.clone()).or_default().add(row);
        let steps = self.steps.get_or_insert_with(|| row.steps.iter().map(|s| (s.name.clone(), 0, 0)).collect());
        for (figures, step) in steps.iter_mut().zip(&row.steps) {
            if step.minutes.is_some() {
                figures.1 += 1;
                figures.2 += usize::from(!step.breached);
            }
        }
        if row.reopened || row.status == TicketStatus::Closed {
            self.resolved_once += 1;
            self.reopened += usize::from(row.reopened);
        }
        if let Some(hit) = &row.incident {
            self.incidents += 1;
            self.affected.extend(hit.iter().cloned());
        }
        if row.parent.is_some() {
            self.linked_reports += 1;
            if row.org != "-" {
                self.affected.insert(row.org.clone());
            }
        }
        if let Some(minutes) = row.down_minutes {
            let outage = row.parent.clone().unwrap_or_else(|| row.number.clone());
            let hit = row.incident.iter().flatten().chain((row.org != "-").then_some(&row.org));
            for org in hit {
                let spent = self.down.entry(org.clone()).or_default().entry(outage.clone()).or_insert(0);
                *spent = (*spent).max(minutes);
            }
        }
    }

    fn finish(self) -> Stats {
        let ikm = records::ikm(&self.overall.surveys);
        let mut outages: Vec<Outage> = self
            .down
            .into_iter()
            .map(|(org, hits)| Outage { org, incidents: hits.len(), minutes: hits.values().sum() })
            .collect();
        outages.sort_by(|a, b| b.minutes.cmp(&a.minutes).then_with(|| a.org.cmp(&b.org)));
        Stats {
            outages,
            incidents: self.incidents,
            linked_reports: self.linked_reports,
            affected_organisations: self.affected.len(),
            tickets: self.overall.tickets,
            by_status: self.by_status,
            overall: self.overall.finish(""),
            technicians: self.technicians.into_iter().map(|(name, g)| g.finish(&name)).collect(),
            organisations: self.organisations.into_iter().map(|(name, g)| g.finish(&name)).collect(),
            steps: self
                .steps
                .unwrap_or_default()
                .into_iter()
                .map(|(name, visits, on_time)| StepCompliance { name, visits, on_time })
                .collect(),
            reopen_rate: (self.resolved_once > 0).then(|| self.reopened as f64 / self.resolved_once as f64),
            ikm,
        }
    }
}

/// Organisation names by code.
async fn directory_names<C: sea_orm::ConnectionTrait>(
    db: &C,
    codes: &[String],
) -> Result<HashMap<String, String>, ServiceError> {
    let mut out = HashMap::new();
    for code in codes {
        if let Some(org) = crate::store::directory::org_by_code(db, code).await? {
            out.insert(code.clone(), org.name);
        }
    }
    Ok(out)
}

fn local_midnight(day: NaiveDate, tz: chrono_tz::Tz) -> DateTime<Utc> {
    use chrono::TimeZone;
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&naive).earliest().map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}
