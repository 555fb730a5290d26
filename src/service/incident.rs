//! Monitoring alerts as incidents. A firing alert on a node of the network registry opens one
//! ticket per alert identity, reported by the "Monitoring" system person, entering the SOP at
//! the step the SOP file names (`monitoring_start`); its description names every organisation
//! under the node. A repeat changes nothing; a recovery tells whoever acts on the ticket now,
//! and closes nothing: people confirm the fix through the SOP. Each outcome is one
//! transaction with its event, its link and its messages.

use chrono::{DateTime, Utc};
use rust_i18n::t;
use sea_orm::TransactionTrait;

use super::report::Entry;
use super::{Helpdesk, NewReport, ServiceError};
use crate::domain::alert::Alert;
use crate::domain::role::Role;
use crate::domain::ticket::{Category, Channel};
use crate::domain::workflow::{Audience, MAX_NOTE_CHARS, Notice, NoticeKind};
use crate::i18n;
use crate::outbound::{OutboundMessage, kind};
use crate::store::directory::{self, NewPerson, PersonRecord};
use crate::store::outbox::NewOutbound;
use crate::store::people::{self, Orgs};
use crate::store::{incidents, network, tickets};

/// The system person who reports what monitoring saw: found by this identity, which no chat
/// can have, and reached on no channel.
const MONITORING_ADDRESS: &str = "monitoring";

/// What applying one alert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertOutcome {
    /// A new incident: this ticket.
    Opened { number: String },
    /// The identity already has an open incident, or its recovery was already noted.
    Repeat { number: String },
    /// The incident's actors were told the tool sees it recovered.
    Recovered { number: String },
    /// A recovery with no open incident (it came first, or alone): nothing opened.
    NoIncident,
    /// No registry node has any of the alert's host names: not SIGAP's to handle.
    Unregistered,
}

impl Helpdesk {
    #[tracing::instrument(skip_all, fields(source = %alert.source, identity = %alert.identity, firing = alert.firing))]
    pub async fn alert(&self, alert: &Alert) -> Result<AlertOutcome, ServiceError> {
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let open = incidents::open_for(&txn, alert.source, &alert.identity).await?;
        let outcome = match (alert.firing, open) {
            (true, Some((_, ticket))) => AlertOutcome::Repeat { number: ticket.number },
            (true, None) => self.open_incident(&txn, alert, now).await?,
            (false, None) => AlertOutcome::NoIncident,
            (false, Some((link, ticket))) => {
                if incidents::mark_recovered(&txn, link.id, now).await? {
                    let mut messages = self.recovery_notices(&txn, alert, &ticket, now).await?;
                    messages.extend(self.recovery_to_children(&txn, &ticket, alert.at.unwrap_or(now)).await?);
                    crate::store::outbox::enqueue(&txn, messages, now).await?;
                    AlertOutcome::Recovered { number: ticket.number }
                } else {
                    AlertOutcome::Repeat { number: ticket.number }
                }
            }
        };
        match &outcome {
            AlertOutcome::Opened { .. } | AlertOutcome::Recovered { .. } => txn.commit().await?,
            _ => txn.rollback().await?,
        }
        match &outcome {
            AlertOutcome::Opened { number } => {
                self.metrics().tickets_created.inc();
                tracing::info!(ticket = %number, "incident opened by a monitoring alert");
            }
            AlertOutcome::Unregistered => {
                tracing::info!(hosts = ?alert.hosts, "alert on no registered node: ignored");
            }
            AlertOutcome::NoIncident => tracing::info!("recovery without an open incident: nothing opened"),
            _ => {}
        }
        Ok(outcome)
    }

    async fn open_incident(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        alert: &Alert,
        now: DateTime<Utc>,
    ) -> Result<AlertOutcome, ServiceError> {
        let Some(key) = network::node_for(txn, alert.source, &alert.hosts).await? else {
            return Ok(AlertOutcome::Unregistered);
        };
        let registry = network::load(txn).await?;
        let Some(node) = registry.node(&key) else { return Ok(AlertOutcome::Unregistered) };
        let mut codes: Vec<String> = Vec::new();
        for under in registry.subtree(&key) {
            for code in &under.orgs {
                if !codes.contains(code) {
                    codes.push(code.clone());
                }
            }
        }
        let names = network::org_names(txn, &codes).await?;
        let reporter = self.monitoring_person(txn, now).await?;
        // The ticket belongs to one organisation only when the outage reaches only one.
        let org_id = match codes.as_slice() {
            [only] => directory::org_by_code(txn, only).await?.map(|o| o.id),
            _ => None,
        };
        let description = self.incident_description(alert, &names);
        let uplink: Vec<&str> = [&node.isp, &node.circuit].into_iter().flatten().map(String::as_str).collect();
        let location =
            if uplink.is_empty() { node.name.clone() } else { format!("{} ({})", node.name, uplink.join(" ")) };
        let report = NewReport {
            reporter_id: reporter.id,
            channel: Channel::Monitoring,
            org_id,
            location: Some(location),
            category: Category::InternetDown,
            description: description.clone(),
            srikandi_number: None,
            attachments: Vec::new(),
        };
        let data = serde_json::json!({
            "source": alert.source.as_str(),
            "identity": alert.identity,
            "hosts": alert.hosts,
            "node": key,
            "severity": alert.severity,
            "affected": codes,
            "at": alert.at,
        });
        let entry = Entry {
            step: self.sop.sop.monitoring_start_step().id.clone(),
            action: "alert",
            data: Some(data.to_string()),
        };
        let created = self.create_entering(txn, &report, &description, &[], now, &entry).await?;
        incidents::insert(txn, alert.source, &alert.identity, created.ticket_id, &key, now).await?;
        if self.incidents.tell_organisations {
            let told = self.tell_affected(txn, &codes, &node.name, &created).await?;
            crate::store::outbox::enqueue(txn, told, now).await?;
        }
        Ok(AlertOutcome::Opened { number: created.number.to_string() })
    }

    /// "The outage is known and handled as GJ-…" for the registered reporters of every
    /// affected organisation, so that they need not report it (a setting: an office may not
    /// want monitoring to speak before a person has looked).
    async fn tell_affected(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        codes: &[String],
        node: &str,
        created: &super::Created,
    ) -> Result<Vec<NewOutbound>, ServiceError> {
        let mut ids = Vec::new();
        for code in codes {
            if let Some(org) = directory::org_by_code(txn, code).await? {
                ids.push(org.id);
            }
        }
        let mut orgs = Orgs::default();
        ids.iter().for_each(|id| orgs.want(Some(*id)));
        let members = people::members_of(txn, &ids, &mut orgs).await?;
        let tz = self.sop.calendar.timezone();
        let mut out = Vec::new();
        // Staff hear of the incident through their cards; this is for the people who report.
        for person in members.iter().filter(|p| p.roles.iter().all(|r| *r == Role::Reporter)) {
            let Some((channel, address)) = person.contact() else { continue };
            let locale = i18n::locale(&person.locale);
            let org = person.org_id.and_then(|id| orgs.get(id)).map_or("-", |o| o.name.as_str());
            let due = created
                .due
                .map_or_else(|| t!("notice.none", locale = locale).into_owned(), |d| i18n::datetime(locale, d, tz));
            let text =
                t!("alerts.tell_org", locale = locale, node = node, number = created.number, org = org, due = due);
            out.push(NewOutbound {
                person_id: Some(person.id),
                channel,
                address: address.to_owned(),
                ticket_id: Some(created.ticket_id),
                kind: kind::UPDATE,
                message: OutboundMessage::text(text.into_owned()),
            });
        }
        tracing::info!(ticket = %created.number, told = out.len(), "affected organisations told of the incident");
        Ok(out)
    }

    /// What the tool said, and every organisation under the node, in the office's language
    /// (it is the ticket's text, read by everyone; cards and papers print it as it is).
    fn incident_description(&self, alert: &Alert, affected: &[String]) -> String {
        let locale = "id";
        let tz = self.sop.calendar.timezone();
        let mut text = t!(
            "alerts.description",
            locale = locale,
            source = alert.source.as_str(),
            summary = if alert.summary.is_empty() { "-" } else { &alert.summary },
            hosts = alert.hosts.join(", "),
            severity = alert.severity.as_deref().unwrap_or("-"),
            at = alert.at.map_or_else(|| "-".to_owned(), |at| i18n::datetime(locale, at, tz))
        )
        .into_owned();
        text.push('\n');
        let orgs = if affected.is_empty() { "-".to_owned() } else { affected.join(", ") };
        text.push_str(&t!("alerts.affected", locale = locale, count = affected.len(), orgs = orgs));
        // A registry of hundreds of OPDs must not make the ticket unwritable.
        if text.chars().count() > MAX_NOTE_CHARS {
            text = text.chars().take(MAX_NOTE_CHARS - 1).collect::<String>() + "…";
        }
        text
    }

    /// The note of the confirmation SIGAP records for a monitoring ticket at the reporter's
    /// step: nobody can confirm in chat, so the record says what monitoring last said (in
    /// the office's language: it is the ticket's history, printed on the papers).
    pub(super) async fn monitoring_confirmation(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        ticket_id: i64,
    ) -> Result<String, ServiceError> {
        let recovered = incidents::of_ticket(txn, ticket_id).await?.into_iter().filter_map(|l| l.recovered_at).max();
        let locale = "id";
        Ok(match recovered {
            Some(at) => {
                let at = i18n::datetime(locale, at, self.sop.calendar.timezone());
                t!("link.monitoring_confirmed_recovered", locale = locale, at = at).into_owned()
            }
            None => t!("link.monitoring_confirmed_down", locale = locale).into_owned(),
        })
    }

    /// The "Monitoring" reporter, created the first time an alert needs it.
    async fn monitoring_person(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        now: DateTime<Utc>,
    ) -> Result<PersonRecord, ServiceError> {
        if let Some(person) = directory::person_by_identity(txn, Channel::System, MONITORING_ADDRESS).await? {
            return Ok(person);
        }
        let new = NewPerson {
            name: t!("alerts.reporter_name", locale = "id").into_owned(),
            org_code: None,
            locale: "id".into(),
            roles: Vec::new(),
            identities: vec![(Channel::System, MONITORING_ADDRESS.to_owned())],
        };
        Ok(directory::insert_person(txn, &new, None, None, now).await?)
    }

    /// "The tool sees it recovered" for whoever acts on the ticket now (its assigned
    /// technicians on a technician step, else the holders of the step's role), as a fresh card
    /// of the step: the fix is confirmed with the step's own buttons (*Selesai* …), or the
    /// work goes on; their earlier card is retired so each still holds exactly one.
    async fn recovery_notices(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        alert: &Alert,
        ticket: &tickets::TicketRow,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewOutbound>, ServiceError> {
        let Some(step) = self.sop.sop.step(&ticket.step) else { return Ok(Vec::new()) };
        if step.role == Role::Reporter {
            // Monitoring is the reporter and has no chat; people confirm on the reports.
            return Ok(Vec::new());
        }
        let mut orgs = Orgs::default();
        orgs.want(ticket.org_id);
        let assigned: Vec<i64> = tickets::assignees_of(txn, &[ticket.id]).await?.into_iter().map(|(_, p)| p).collect();
        let mut wanted = assigned.clone();
        wanted.push(ticket.reporter_id);
        let known = people::records(txn, &wanted, &mut orgs).await?;
        let assignees: Vec<PersonRecord> = known.iter().filter(|p| assigned.contains(&p.id)).cloned().collect();
        let Some(reporter) = known.iter().find(|p| p.id == ticket.reporter_id).cloned() else { return Ok(Vec::new()) };
        let actors: Vec<PersonRecord> = if step.role == Role::Technician && !assignees.is_empty() {
            assignees.iter().filter(|p| p.active).cloned().collect()
        } else {
            people::holders_of_any(txn, &[step.role], &mut orgs).await?
        };
        let ctx = super::notify::Context {
            desk: self,
            ticket,
            reporter: &reporter,
            org_name: ticket.org_id.and_then(|id| orgs.get(id)).map(|o| o.name.clone()).unwrap_or_default(),
            acted: None,
            assignees: assignees.clone(),
            holders: actors.clone(),
            photos: Vec::new(),
            report_photos: Vec::new(),
            overall_due: self.due_of(txn, ticket, now).await?,
            now,
        };
        let notice = Notice { audience: Audience::StepActors(step.id.clone()), kind: NoticeKind::TaskCard };
        let tz = self.sop.calendar.timezone();
        let line = |person: &PersonRecord| {
            let locale = i18n::locale(&person.locale);
            t!(
                "alerts.recovered",
                locale = locale,
                number = ticket.number,
                source = alert.source.as_str(),
                summary = if alert.summary.is_empty() { "-" } else { &alert.summary },
                at = i18n::datetime(locale, alert.at.unwrap_or(now), tz),
                step = step.display_name(locale)
            )
            .into_owned()
        };
        let mut cards: Vec<NewOutbound> = ctx.render(&[notice]);
        for card in &mut cards {
            if let Some(person) = actors.iter().find(|p| Some(p.id) == card.person_id) {
                card.message.text = format!("{}\n\n{}", line(person), card.message.text);
            }
        }
        let ids: Vec<Option<i64>> = cards.iter().map(|c| c.person_id).collect();
        let theirs = |c: &crate::store::cards::LiveCard| ids.contains(&c.person_id);
        let mut out =
            self.retire_cards(txn, (ticket.id, &ticket.number), theirs, super::cards::Why::Resent, None, now).await?;
        // Anyone the card could not reach as a card (no buttons on their channel) still hears it.
        for person in actors.iter().filter(|p| !ids.contains(&Some(p.id))) {
            let Some((channel, address)) = person.contact() else { continue };
            out.push(NewOutbound {
                person_id: Some(person.id),
                channel,
                address: address.to_owned(),
                ticket_id: Some(ticket.id),
                kind: kind::ALERT_RECOVERED,
                message: OutboundMessage::text(line(person)),
            });
        }
        out.extend(cards);
        if out.is_empty() {
            tracing::warn!(ticket = %ticket.number, step = %ticket.step, "a recovery reached no one: no actor to tell");
        }
        Ok(out)
    }
}
