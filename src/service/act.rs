//! Applying an action: load the ticket inside a transaction, let the engine decide, write
//! the ticket only if its version is still the one the person saw, append the event and
//! queue the notices. Two officials pressing at once: one commits, the other is told who
//! was first, and nothing of theirs is written.

use std::collections::HashMap;

use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait};
use serde_json::json;

use super::{Helpdesk, ServiceError, cards, notify};
use crate::domain::role::Role;
use crate::domain::sop::ActionKind;
use crate::domain::ticket::{Channel, TicketRef, TicketStatus};
use crate::domain::workflow::{self, Actor, Candidate, Command, Refusal, Transition};
use crate::metrics::Metrics;
use crate::outbound::kind;
use crate::store::attachments::{self, NewAttachment};
use crate::store::directory::{self, PersonRecord};
use crate::store::entity::ticket_event;
use crate::store::people::{self, Orgs};
use crate::store::tickets::{self, Changes, TicketRow};
use crate::store::{inbound, outbox};

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

/// Where a request came from on a chat platform.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The platform's id of the update: its effect is recorded once, whatever re-delivers it.
    pub update: Option<String>,
    /// The card whose button was pressed: edited in the same transaction to say who did what.
    pub card: Option<CardRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRef {
    /// Chat address and platform message id of the card.
    pub chat: String,
    pub message_id: String,
    /// The card's text as the person saw it.
    pub text: String,
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
        self.act_from(request, Origin::default()).await
    }

    /// As [`Helpdesk::act`], for a request that arrived as a platform update.
    pub async fn act_from(&self, request: ActRequest, origin: Origin) -> Result<Acted, ServiceError> {
        let kind = request.command.kind;
        let result = self.apply(request, origin).await;
        let metrics = self.metrics();
        match &result {
            Ok(_) => metrics.transitions.get_or_create(&Metrics::label("action", kind.as_str())).inc(),
            Err(err) => metrics.refusals.get_or_create(&Metrics::label("reason", err.code())).inc(),
        };
        result
    }

    async fn apply(&self, request: ActRequest, origin: Origin) -> Result<Acted, ServiceError> {
        if request.attachments.iter().any(|a| a.bytes.len() > attachments::MAX_BYTES) {
            return Err(ServiceError::Invalid("attachment larger than 20 MB".into()));
        }
        let saved = request
            .attachments
            .iter()
            .map(|a| attachments::save_clean(&self.data_dir, a))
            .collect::<Result<Vec<_>, _>>()?;
        let now = self.clock.now();
        let sop = &self.sop.sop;

        let txn = self.db.begin().await?;
        if let Some(update) = &origin.update
            && !inbound::remember(&txn, request.channel, update, now).await?
        {
            return Err(ServiceError::Duplicate);
        }
        let (row, assignees) = tickets::with_assignees(&txn, request.ticket)
            .await?
            .ok_or_else(|| ServiceError::NotFound(request.ticket.to_string()))?;
        if let Some(parent) = row.parent_id
            && !request.command.kind.is_implicit()
        {
            // A linked report is worked on its incident's ticket; only its reporter's own
            // actions (cancel, an answer) apply to it.
            let parent = tickets::by_id(&txn, parent).await?.map_or_else(|| format!("#{parent}"), |p| p.number);
            return Err(ServiceError::Linked { number: row.number.clone(), parent });
        }
        let before = tickets::snapshot(&row, assignees);
        // Everyone this change may name, and the ticket's organisation, in one batch.
        let mut orgs = Orgs::default();
        orgs.want(row.org_id);
        let mut wanted = vec![request.actor_id, row.reporter_id];
        wanted.extend(&request.assignee_ids);
        wanted.extend(&before.assignees);
        let likely = notify::likely_roles(sop, &row.step);
        let mut known = by_id(people::records_and_holders(&txn, &wanted, &likely, &mut orgs).await?);
        let actor = known.get(&request.actor_id).filter(|p| p.active).cloned().ok_or(ServiceError::UnknownPerson)?;

        let mut command = request.command.clone();
        command.photos = u32::try_from(request.attachments.iter().filter(|a| a.is_photo()).count()).unwrap_or(u32::MAX);
        for id in &request.assignee_ids {
            command.assignees.push(match known.get(id) {
                Some(p) => Candidate { id: p.id, roles: p.roles.clone(), active: p.active },
                None => Candidate { id: *id, roles: Vec::new(), active: false },
            });
        }
        let engine_actor = Actor { id: actor.id, roles: actor.roles.clone() };
        let decided = match workflow::decide(sop, &before, &engine_actor, &command, now) {
            Ok(t) => t,
            Err(Refusal::Stale { .. }) => return Err(who_was_first(&txn, &row).await?),
            Err(refusal) => {
                tracing::info!(ticket = %row.number, %refusal, "action refused");
                let step_name =
                    sop.step(&row.step).map_or(row.step.clone(), |s| s.display_name(&actor.locale).to_owned());
                return Err(ServiceError::Refused { number: row.number.clone(), step_name, refusal });
            }
        };

        // A ticket whose reporter has no chat (monitoring) passes its reporter's step at once.
        let unreachable = known
            .get(&row.reporter_id)
            .is_some_and(|r| r.identities.iter().any(|(channel, _)| *channel == Channel::System));
        let passed = if unreachable { workflow::pass_reporter_step(sop, &decided) } else { None };
        let transition = match &passed {
            Some(confirm) => Transition { to_step: confirm.to_step.clone(), status: confirm.status, ..decided.clone() },
            None => decided.clone(),
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
        let Some(after) = tickets::apply_if_version(&txn, row.id, before.version, changes, now).await? else {
            return Err(who_was_first(&txn, &row).await?);
        };
        let event = tickets::append_event(&txn, event_row(&row, &actor.id, request.channel, &decided, now)).await?;
        if let Some(confirm) = &passed {
            let note = self.monitoring_confirmation(&txn, row.id).await?;
            let confirmed = Transition { note: Some(note), ..confirm.clone() };
            tickets::append_event(&txn, event_row(&after, &row.reporter_id, Channel::Monitoring, &confirmed, now))
                .await?;
        }
        attachments::record(&txn, row.id, Some(event.id), Some(actor.id), &saved, now).await?;
        if let Some(people) = &transition.assignees {
            tickets::replace_assignees(&txn, row.id, people, now).await?;
        }
        let mut assignee_ids = transition.assignees.clone().unwrap_or_else(|| before.assignees.clone());
        assignee_ids.sort_unstable();
        assignee_ids.dedup();
        let reporter = known.get(&row.reporter_id).cloned().ok_or(ServiceError::UnknownPerson)?;
        let mut notices = workflow::notices_for(sop, &before, &transition);
        if row.parent_id.is_some() {
            // Nobody holds a card of a linked report: its reporter alone hears of it.
            notices.retain(|n| n.audience == workflow::Audience::Reporter);
        }
        let roles = notify::holder_roles(sop, &notices, !assignee_ids.is_empty());
        let unread: Vec<Role> = roles.iter().copied().filter(|r| !likely.contains(r)).collect();
        let mut holders: Vec<PersonRecord> = known
            .values()
            .filter(|p| p.active && p.roles.iter().any(|r| roles.contains(r) && likely.contains(r)))
            .cloned()
            .collect();
        holders.extend(people::holders_of_any(&txn, &unread, &mut orgs).await?);
        holders.sort_by_key(|p| p.id);
        holders.dedup_by_key(|p| p.id);
        let missing: Vec<i64> = assignee_ids.iter().copied().filter(|id| !known.contains_key(id)).collect();
        if !missing.is_empty() {
            known.extend(by_id(people::records(&txn, &missing, &mut orgs).await?));
        }
        // Only images are shown on cards, and they can only be this request's.
        let photos = if saved.iter().any(|f| f.mime.starts_with("image/")) {
            attachments::for_event(&txn, event.id)
                .await?
                .into_iter()
                .filter(|a| a.mime.starts_with("image/"))
                .map(|a| a.id)
                .collect()
        } else {
            Vec::new()
        };
        let report_photos = attachments::reporters_photos(&txn, row.id, row.reporter_id).await?;
        let events = tickets::events(&txn, row.id).await?;
        let overall_due = self.evaluate(&after, &events, now).overall_due;
        let ctx = notify::Context {
            desk: self,
            ticket: &after,
            reporter: &reporter,
            org_name: after.org_id.and_then(|id| orgs.get(id)).map(|o| o.name.clone()).unwrap_or_default(),
            acted: Some((&actor, &transition, event.id)),
            assignees: assignee_ids.iter().filter_map(|id| known.get(id).cloned()).collect(),
            holders,
            photos,
            report_photos,
            overall_due,
            now,
        };
        let mut messages = ctx.render(&notices);
        if row.parent_id.is_none() {
            let acted = (&actor, &transition, event.id);
            messages.extend(self.follow_parent(&txn, &after, acted, &ctx.assignees, &notices, overall_due, now).await?);
        }
        if let Some(card) = &origin.card {
            messages.push(notify::card_edit(
                &actor,
                &transition,
                request.channel,
                card,
                self.sop.calendar.timezone(),
                now,
            ));
        }
        if transition.status == TicketStatus::Open
            && transition.to_step != transition.from_step
            && let Some(step) = sop.step(&transition.to_step)
            && !step.papers.is_empty()
        {
            // The papers name everyone who acted so far: the few not read yet, in one batch.
            let missing: Vec<i64> =
                events.iter().filter_map(|e| e.actor_id).filter(|id| !known.contains_key(id)).collect();
            if !missing.is_empty() {
                known.extend(by_id(people::records(&txn, &missing, &mut orgs).await?));
            }
            let details = self.details_from(after.clone(), &assignee_ids, events, &known, &orgs, now);
            messages.extend(self.papers_for(&txn, &details, step, event.id, &messages, now).await?);
        }
        if transition.kind == ActionKind::Confirm && actor.id == reporter.id {
            messages.extend(self.start_survey(&txn, &reporter, row.id, &row.number, now).await?);
        }
        // In each chat: what happened first, then the papers to read, and the buttons last,
        // so the card that asks to confirm a paper comes after it.
        messages.sort_by_key(|m| match m.kind {
            kind::PAPER => 1,
            kind::CARD | kind::PICKER => 2,
            _ => 0,
        });
        // Every card sent before this change carries the old version: retired first, so the
        // fresh cards are the last thing in each chat.
        let why = cards::Why::Acted { actor: &actor, transition: &transition };
        let stale = |c: &crate::store::cards::LiveCard| c.version() != Some(after.version);
        let mut queued = self.retire_cards(&txn, (row.id, &row.number), stale, why, origin.card.as_ref(), now).await?;
        queued.extend(messages);
        outbox::enqueue(&txn, queued, now).await?;
        inbound::clear_pending(&txn, actor.id).await?;
        if transition.kind == ActionKind::AskInfo && !ended {
            ask_reporter(&txn, &reporter, &after, now).await?;
        }
        txn.commit().await?;
        tracing::info!(ticket = %row.number, from = %transition.from_step, to = %transition.to_step, "action applied");
        Ok(Acted { ticket_id: row.id, number: row.number, version: after.version, transition })
    }
}

/// The reporter was asked a question: their next message is the answer (`provide_info`),
/// not a new report.
async fn ask_reporter(
    txn: &DatabaseTransaction,
    reporter: &PersonRecord,
    ticket: &TicketRow,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ServiceError> {
    let Some((channel, _)) = reporter.contact() else { return Ok(()) };
    let pending = inbound::PendingInput {
        person_id: reporter.id,
        channel: channel.as_str().to_owned(),
        ticket_id: ticket.id,
        version: ticket.version,
        action: ActionKind::ProvideInfo.as_str().to_owned(),
        to_step: None,
        card_chat: None,
        card_message: None,
        card_text: None,
        created_at: now,
    };
    inbound::set_pending(txn, pending).await?;
    Ok(())
}

fn by_id(people: Vec<PersonRecord>) -> HashMap<i64, PersonRecord> {
    people.into_iter().map(|p| (p.id, p)).collect()
}

/// The ticket moved under the person's feet: name who moved it, from the newest event
/// (which the winner committed before us, or we would not have seen a new version).
pub(super) async fn who_was_first(txn: &DatabaseTransaction, row: &TicketRow) -> Result<ServiceError, ServiceError> {
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
