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
        if to < from {
            return Err(ServiceError::Invalid(format!("the period ends ({to}) before it starts ({from})")));
        }
        let tz = self.sop.calendar.timezone();
        let start = local_midnight(from, tz);
        let end = local_midnight(to.succ_opt().unwrap_or(to), tz);
        let rows = tickets::received_between(db, start, end).await?;
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
        let mut numbers: HashMap<i64, String> = rows.iter().map(|t| (t.id, t.number.clone())).collect();
        for parent in rows.iter().filter_map(|t| t.parent_id) {
            if !numbers.contains_key(&parent)
                && let Some(row) = tickets::by_id(db, parent).await?
            {
                numbers.insert(parent, row.number);
            }
        }
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
        for row in rows {
            let events = history.remove(&row.id).unwrap_or_default();
            let sla = self.evaluate(&row, &events, now);
            let status: TicketStatus = row.status.parse().unwrap_or(TicketStatus::Open);
            let ended = (status != TicketStatus::Open).then_some(row.ended_at).flatten();
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
                let until = visit.left_at.unwrap_or(ended.unwrap_or(now));
                let minutes = calendar.business_time_between(visit.entered_at, until).num_minutes();
                record.minutes = Some(record.minutes.unwrap_or(0) + minutes);
                record.breached |= visit.breached;
                let leaver = events.iter().find(|e| {
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
                technicians,
                survey: surveys.get(&row.id).copied(),
                parent: row.parent_id.and_then(|id| numbers.get(&id).cloned()),
                linked: linked.remove(&row.id).unwrap_or_default(),
                incident: affected.get(&row.id).map(|codes| {
                    codes.iter().map(|c| org_names.get(c).cloned().unwrap_or_else(|| c.clone())).collect()
                }),
            });
        }
        Ok(log)
    }

    /// The evaluation's figures over the tickets received in the period.
    pub async fn stats(&self, from: NaiveDate, to: NaiveDate) -> Result<Stats, ServiceError> {
        let log = self.complaint_log(from, to).await?;
        Ok(stats_of(&log))
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
    let mut by_status = BTreeMap::new();
    for row in log {
        *by_status.entry(row.status.as_str().to_owned()).or_insert(0) += 1;
    }
    let overall = group("", log.iter());
    let mut technician_names: Vec<&str> = log.iter().flat_map(|r| r.technicians.iter().map(String::as_str)).collect();
    technician_names.sort_unstable();
    technician_names.dedup();
    let technicians = technician_names
        .iter()
        .map(|t| group(t, log.iter().filter(|r| r.technicians.iter().any(|x| x == t))))
        .collect();
    let mut org_names: Vec<&str> = log.iter().map(|r| r.org.as_str()).collect();
    org_names.sort_unstable();
    org_names.dedup();
    let organisations = org_names.iter().map(|o| group(o, log.iter().filter(|r| r.org == *o))).collect();
    let steps = log
        .first()
        .map(|first| {
            first
                .steps
                .iter()
                .enumerate()
                .map(|(i, step)| {
                    let visited: Vec<&StepRecord> =
                        log.iter().filter_map(|r| r.steps.get(i)).filter(|s| s.minutes.is_some()).collect();
                    StepCompliance {
                        name: step.name.clone(),
                        visits: visited.len(),
                        on_time: visited.iter().filter(|s| !s.breached).count(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let resolved_once: Vec<&LogRow> = log.iter().filter(|r| r.reopened || r.status == TicketStatus::Closed).collect();
    let reopen_rate = (!resolved_once.is_empty())
        .then(|| resolved_once.iter().filter(|r| r.reopened).count() as f64 / resolved_once.len() as f64);
    let surveys: Vec<SurveyAnswers> = log.iter().filter_map(|r| r.survey).collect();
    let mut affected: Vec<&str> = log
        .iter()
        .flat_map(|r| r.incident.iter().flatten().map(String::as_str))
        .chain(log.iter().filter(|r| r.parent.is_some() && r.org != "-").map(|r| r.org.as_str()))
        .collect();
    affected.sort_unstable();
    affected.dedup();
    Stats {
        incidents: log.iter().filter(|r| r.incident.is_some()).count(),
        linked_reports: log.iter().filter(|r| r.parent.is_some()).count(),
        affected_organisations: affected.len(),
        tickets: log.len(),
        by_status,
        overall,
        technicians,
        organisations,
        steps,
        reopen_rate,
        ikm: records::ikm(&surveys),
    }
}

fn group<'a>(name: &str, rows: impl Iterator<Item = &'a LogRow>) -> Group {
    let rows: Vec<&LogRow> = rows.collect();
    let minutes: Vec<i64> =
        rows.iter().filter(|r| r.status == TicketStatus::Closed).map(|r| r.working_minutes).collect();
    let surveys: Vec<SurveyAnswers> = rows.iter().filter_map(|r| r.survey).collect();
    Group {
        name: name.to_owned(),
        tickets: rows.len(),
        resolved: minutes.len(),
        median_minutes: records::median(&minutes),
        p90_minutes: records::percentile(&minutes, 90),
        ikm: records::ikm(&surveys),
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
