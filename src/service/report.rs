//! Taking a new report: number it, put it on the SOP's start step, record the `report`
//! event, and queue the reporter's acknowledgement and the first actor's card.

use chrono::{DateTime, Datelike, Utc};
use sea_orm::{ActiveValue::Set, TransactionTrait};

use rust_i18n::t;

use super::{Helpdesk, ServiceError, notify};
use crate::domain::sla;
use crate::domain::ticket::{Category, Channel, TicketNumber, TicketStatus};
use crate::domain::workflow::{MAX_NOTE_CHARS, notices_for_new_at};
use crate::store::attachments::{self, NewAttachment};
use crate::store::entity::{ticket, ticket_event};
use crate::store::outbox::NewOutbound;
use crate::store::people::{self, Orgs};
use crate::store::tickets;

#[derive(Debug, Clone)]
pub struct NewReport {
    pub reporter_id: i64,
    pub channel: Channel,
    /// Defaults to the reporter's own organisation.
    pub org_id: Option<i64>,
    pub location: Option<String>,
    pub category: Category,
    pub description: String,
    pub srikandi_number: Option<String>,
    pub attachments: Vec<NewAttachment>,
}

/// Where a new ticket enters the SOP and what its first event is called.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub step: String,
    pub action: &'static str,
    /// The first event's `data` (JSON), e.g. the alert that opened it.
    pub data: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub ticket_id: i64,
    pub number: TicketNumber,
    pub version: i32,
    /// Expected completion from the SLA calendar.
    pub due: Option<DateTime<Utc>>,
}

impl Helpdesk {
    #[tracing::instrument(skip_all, fields(reporter = report.reporter_id))]
    pub async fn report(&self, report: NewReport) -> Result<Created, ServiceError> {
        let description = report.description.trim();
        if description.is_empty() {
            return Err(ServiceError::Invalid("description is empty".into()));
        }
        if description.chars().count() > MAX_NOTE_CHARS {
            return Err(ServiceError::Invalid(format!("description is longer than {MAX_NOTE_CHARS} characters")));
        }
        if report.attachments.iter().any(|a| a.bytes.len() > attachments::MAX_BYTES) {
            return Err(ServiceError::Invalid("attachment larger than 20 MB".into()));
        }
        let saved = report
            .attachments
            .iter()
            .map(|a| attachments::save_clean(&self.data_dir, a))
            .collect::<Result<Vec<_>, _>>()?;
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let created = self.create_in(&txn, &report, description, &saved, now).await?;
        txn.commit().await?;
        self.metrics().tickets_created.inc();
        tracing::info!(ticket = %created.number, "report received");
        Ok(created)
    }

    /// Write a new ticket, its `report` event, its attachments and its first messages in the
    /// caller's transaction (a conversation's last step commits it with its own changes).
    pub(super) async fn create_in(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        report: &NewReport,
        description: &str,
        saved: &[attachments::SavedFile],
        now: DateTime<Utc>,
    ) -> Result<Created, ServiceError> {
        let entry = Entry { step: self.sop.sop.start_step().id.clone(), action: "report", data: None };
        self.create_entering(txn, report, description, saved, now, &entry).await
    }

    /// As [`Helpdesk::create_in`], entering the SOP at `entry.step` with `entry.action` as the
    /// first event (a monitoring alert: `alert`, at the SOP's `monitoring_start`).
    pub(super) async fn create_entering(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        report: &NewReport,
        description: &str,
        saved: &[attachments::SavedFile],
        now: DateTime<Utc>,
        entry: &Entry,
    ) -> Result<Created, ServiceError> {
        let loaded = &self.sop;
        let start =
            loaded.sop.step(&entry.step).ok_or_else(|| ServiceError::Invalid(format!("step {}", entry.step)))?;
        // The reporter and the ticket's organisation in one batch.
        let mut orgs = Orgs::default();
        orgs.want(report.org_id);
        let reporter = people::records(txn, &[report.reporter_id], &mut orgs)
            .await?
            .pop()
            .filter(|p| p.active)
            .ok_or(ServiceError::UnknownPerson)?;
        let org_id = report.org_id.or(reporter.org_id);
        let org_name = match org_id {
            Some(id) => orgs.get(id).ok_or_else(|| ServiceError::Invalid(format!("organisation #{id}")))?.name.clone(),
            None => String::new(),
        };
        // A report from under an open incident joins it: it takes the incident's step and
        // follows it, instead of entering the SOP on its own.
        let parent = if entry.action == "report" { self.incident_covering(txn, org_id).await? } else { None };
        let step_id = parent.as_ref().map_or_else(|| start.id.clone(), |p| p.step.clone());
        let local_year = now.with_timezone(&loaded.calendar.timezone()).year();
        let number = tickets::next_number(txn, local_year).await?;
        let row = tickets::insert(
            txn,
            ticket::ActiveModel {
                number: Set(number.to_string()),
                year: Set(number.year),
                seq: Set(i32::try_from(number.seq).unwrap_or(i32::MAX)),
                sop_id: Set(loaded.sop.id().to_owned()),
                reporter_id: Set(reporter.id),
                org_id: Set(org_id),
                location: Set(clean(report.location.clone())),
                category: Set(report.category.as_str().to_owned()),
                description: Set(description.to_owned()),
                priority: Set(None),
                srikandi_number: Set(clean(report.srikandi_number.clone())),
                step: Set(step_id.clone()),
                status: Set(TicketStatus::Open.as_str().to_owned()),
                parent_id: Set(parent.as_ref().map(|p| p.id)),
                isp_eta: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ended_at: Set(None),
                // Its first reminder falls due from now: the SLA worker times it at its next pass.
                next_sla_at: Set(Some(now)),
                ..Default::default()
            },
        )
        .await?;
        let event = tickets::append_event(
            txn,
            ticket_event::ActiveModel {
                ticket_id: Set(row.id),
                actor_id: Set(Some(reporter.id)),
                actor_role: Set(Some("reporter".into())),
                channel: Set(report.channel.as_str().to_owned()),
                action: Set(entry.action.into()),
                from_step: Set(None),
                to_step: Set(Some(step_id.clone())),
                note: Set(Some(description.to_owned())),
                data: Set(entry.data.clone()),
                at: Set(now),
                ..Default::default()
            },
        )
        .await?;
        attachments::record(txn, row.id, Some(event.id), Some(reporter.id), saved, now).await?;
        if let Some(parent) = &parent {
            return self.create_linked(txn, &row, &reporter, parent, report.channel, now).await.map(|due| Created {
                ticket_id: row.id,
                number,
                version: row.version,
                due,
            });
        }
        let report_photos = if saved.iter().any(|f| f.mime.starts_with("image/")) {
            attachments::for_event(txn, event.id)
                .await?
                .into_iter()
                .filter(|a| a.mime.starts_with("image/"))
                .map(|a| a.id)
                .collect()
        } else {
            Vec::new()
        };

        let entries = [sla::StepEntry { step: start.id.clone(), at: now }];
        let sla = sla::evaluate(&loaded.sop, &loaded.calendar, &entries, None, now);
        let due = sla.overall_due.or_else(|| sla.current().and_then(|v| v.due));
        let notices = notices_for_new_at(&loaded.sop, &start.id);
        let roles = notify::holder_roles(&loaded.sop, &notices, false);
        let holders = people::holders_of_any(txn, &roles, &mut orgs).await?;
        let ctx = notify::Context {
            desk: self,
            ticket: &row,
            reporter: &reporter,
            org_name,
            acted: None,
            assignees: Vec::new(),
            holders,
            photos: Vec::new(),
            report_photos,
            overall_due: sla.overall_due,
            now,
        };
        let mut messages = ctx.render(&notices);
        messages.extend(self.team_copies(&row, &ctx.org_name, due));
        if entry.action == "report" {
            messages.extend(self.link_offer(txn, &row, &ctx.org_name, now).await?);
        }
        crate::store::outbox::enqueue(txn, messages, now).await?;
        Ok(Created { ticket_id: row.id, number, version: row.version, due })
    }
}

impl Helpdesk {
    /// The rest of a new report that joins `parent`: its `link` event and the reporter told
    /// which incident it joins; no card (it does not walk the SOP) and no team copy (the
    /// team knows the incident). Its expected completion is the parent's.
    async fn create_linked(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        row: &ticket::Model,
        reporter: &crate::store::directory::PersonRecord,
        parent: &ticket::Model,
        channel: Channel,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, ServiceError> {
        let data = serde_json::json!({ "parent": parent.number, "by": "network" });
        let event = super::linked::link_event(row.id, None, channel, "link", &row.step, &row.step, None, data, now);
        tickets::append_event(txn, event).await?;
        let due = self.due_of(txn, parent, now).await?;
        let messages = self.joined_notice(reporter, row, parent, due).into_iter().collect();
        crate::store::outbox::enqueue(txn, messages, now).await?;
        tracing::info!(ticket = %row.number, parent = %parent.number, "report linked to an open incident");
        Ok(due)
    }

    /// The new ticket as the team group reads it, in the office's language.
    fn team_copies(&self, row: &ticket::Model, org: &str, due: Option<DateTime<Utc>>) -> Vec<NewOutbound> {
        let tz = self.sop.calendar.timezone();
        let locale = "id";
        let category = row.category.parse().unwrap_or(Category::Other);
        let text = t!(
            "notice.team_new",
            locale = locale,
            number = row.number,
            org = if org.is_empty() { "-" } else { org },
            location = row.location.as_deref().unwrap_or("-"),
            category = crate::i18n::category(locale, category),
            description = row.description,
            due = due.map_or_else(|| "-".to_owned(), |d| crate::i18n::datetime(locale, d, tz))
        )
        .into_owned();
        self.team_chats
            .iter()
            .map(|(channel, chat)| NewOutbound {
                person_id: None,
                channel: *channel,
                address: chat.clone(),
                ticket_id: Some(row.id),
                kind: crate::outbound::kind::TEAM_COPY,
                message: crate::outbound::OutboundMessage::text(text.clone()),
            })
            .collect()
    }
}

fn clean(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}
