//! Applying an action: load the ticket inside a transaction, let the engine decide, write
//! the ticket only if its version is still the one the person saw, append the event and
//! queue the notices. Two officials pressing at once: one commits, the other is told who
//! was first, and nothing of theirs is written.

use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait};
use serde_json::json;

use super::{Helpdesk, ServiceError, notify};
use crate::domain::ticket::{Channel, TicketNumber, TicketStatus};
use crate::domain::workflow::{self, Actor, Candidate, Command, Refusal, Transition};
use crate::store::attachments::{self, NewAttachment};
use crate::store::entity::ticket_event;
use crate::store::tickets::{self, Changes, TicketRow};
use crate::store::{directory, outbox};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketRef {
    Number(TicketNumber),
    Id(i64),
}

#[derive(Debug, Clone)]
pub struct ActRequest {
    pub ticket: TicketRef,
    pub actor_id: i64,
    pub channel: Channel,
    /// `command.assignees` and `command.photos` are filled in here from the two fields below.
    pub command: Command,
    pub assignee_ids: Vec<i64>,
    pub attachments: Vec<NewAttachment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acted {
    pub ticket_id: i64,
    pub number: String,
    /// The ticket's version after the change; buttons sent from now on carry it.
    pub version: i32,
    pub transition: Transition,
}

impl Helpdesk {
    #[tracing::instrument(skip_all, fields(actor = request.actor_id, action = %request.command.kind))]
    pub async fn act(&self, request: ActRequest) -> Result<Acted, ServiceError> {
        if request.attachments.iter().any(|a| a.bytes.len() > attachments::MAX_BYTES) {
            return Err(ServiceError::Invalid("attachment larger than 20 MB".into()));
        }
        let saved =
            request.attachments.iter().map(|a| attachments::save(&self.data_dir, a)).collect::<Result<Vec<_>, _>>()?;
        let now = self.clock.now();
        let sop = &self.sop.sop;

        let txn = self.db.begin().await?;
        let row = match request.ticket {
            TicketRef::Number(n) => tickets::by_number(&txn, n).await?,
            TicketRef::Id(id) => tickets::by_id(&txn, id).await?,
        }
        .ok_or_else(|| ServiceError::NotFound(describe(request.ticket)))?;
        let actor = directory::person_record(&txn, request.actor_id)
            .await?
            .filter(|p| p.active)
            .ok_or(ServiceError::UnknownPerson)?;
        let before = tickets::snapshot(&txn, &row).await?;

        let mut command = request.command.clone();
        command.photos = u32::try_from(request.attachments.iter().filter(|a| a.is_photo()).count()).unwrap_or(u32::MAX);
        for id in &request.assignee_ids {
            let candidate = directory::person_record(&txn, *id).await?;
            command.assignees.push(match candidate {
                Some(p) => Candidate { id: p.id, roles: p.roles, active: p.active },
                None => Candidate { id: *id, roles: Vec::new(), active: false },
            });
        }
        let engine_actor = Actor { id: actor.id, roles: actor.roles.clone() };
        let transition = match workflow::decide(sop, &before, &engine_actor, &command, now) {
            Ok(t) => t,
            Err(Refusal::Stale { .. }) => return Err(who_was_first(&txn, &row).await?),
            Err(refusal) => {
                tracing::info!(ticket = %row.number, %refusal, "action refused");
                let step_name =
                    sop.step(&row.step).map_or(row.step.clone(), |s| s.display_name(&actor.locale).to_owned());
                return Err(ServiceError::Refused { number: row.number.clone(), step_name, refusal });
            }
        };

        let ended = transition.status != TicketStatus::Open;
        let priority = transition.priority.map(|p| p.as_str());
        let changes = Changes {
            step: &transition.to_step,
            status: transition.status,
            priority,
            isp_eta: transition.eta.map(Some),
            ended_at: ended.then_some(now),
        };
        if !tickets::update_if_version(&txn, row.id, before.version, changes, now).await? {
            return Err(who_was_first(&txn, &row).await?);
        }
        let event = tickets::append_event(&txn, event_row(&row, &actor.id, request.channel, &transition, now)).await?;
        attachments::record(&txn, row.id, Some(event.id), Some(actor.id), &saved, now).await?;
        if let Some(people) = &transition.assignees {
            tickets::replace_assignees(&txn, row.id, people, now).await?;
        }
        let after = tickets::by_id(&txn, row.id).await?.ok_or_else(|| ServiceError::NotFound(row.number.clone()))?;
        let reporter = directory::person_record(&txn, row.reporter_id).await?.ok_or(ServiceError::UnknownPerson)?;
        let notices = workflow::notices_for(sop, &before, &transition);
        let ctx =
            notify::Context::new(self, &txn, &after, &reporter, Some((&actor, &transition, event.id)), now).await?;
        let messages = ctx.render(&txn, &notices).await?;
        outbox::enqueue(&txn, messages, now).await?;
        txn.commit().await?;
        tracing::info!(ticket = %row.number, from = %transition.from_step, to = %transition.to_step, "action applied");
        Ok(Acted { ticket_id: row.id, number: row.number, version: after.version, transition })
    }
}

fn describe(ticket: TicketRef) -> String {
    match ticket {
        TicketRef::Number(n) => n.to_string(),
        TicketRef::Id(id) => format!("#{id}"),
    }
}

/// The ticket moved under the person's feet: name who moved it, from the newest event
/// (which the winner committed before us, or we would not have seen a new version).
async fn who_was_first(txn: &DatabaseTransaction, row: &TicketRow) -> Result<ServiceError, ServiceError> {
    let fresh = tickets::by_id(txn, row.id).await?;
    let Some(last) = tickets::last_event(txn, row.id).await? else {
        return Ok(ServiceError::NotFound(row.number.clone()));
    };
    let actor = match last.actor_id {
        Some(id) => directory::person_record(txn, id).await?.map_or_else(|| format!("#{id}"), |p| p.name),
        None => "SIGAP".to_owned(),
    };
    tracing::info!(ticket = %row.number, version = fresh.map(|f| f.version), "stale action refused");
    Ok(ServiceError::AlreadyActed { number: row.number.clone(), actor, action: last.action, at: last.at })
}

fn event_row(
    row: &TicketRow,
    actor_id: &i64,
    channel: Channel,
    t: &Transition,
    now: chrono::DateTime<chrono::Utc>,
) -> ticket_event::ActiveModel {
    let mut data = serde_json::Map::new();
    if let Some(people) = &t.assignees {
        data.insert("assignees".into(), json!(people));
    }
    if let Some(eta) = t.eta {
        data.insert("eta".into(), json!(eta.to_rfc3339()));
    }
    if let Some(device) = &t.device {
        data.insert("device".into(), json!(device));
    }
    if t.priority != row.priority.as_deref().and_then(|p| p.parse().ok()) {
        data.insert("priority".into(), json!(t.priority.map(|p| p.as_str())));
    }
    if t.status != TicketStatus::Open {
        data.insert("status".into(), json!(t.status.as_str()));
    }
    ticket_event::ActiveModel {
        ticket_id: Set(row.id),
        actor_id: Set(Some(*actor_id)),
        actor_role: Set(Some(t.as_role.as_str().to_owned())),
        channel: Set(channel.as_str().to_owned()),
        action: Set(t.kind.as_str().to_owned()),
        from_step: Set(Some(t.from_step.clone())),
        to_step: Set(Some(t.to_step.clone())),
        note: Set(t.note.clone()),
        data: Set((!data.is_empty()).then(|| serde_json::Value::Object(data).to_string())),
        at: Set(now),
        ..Default::default()
    }
}
