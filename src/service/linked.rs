//! Linked reports (gangguan massal, issue 17). A report from an organisation under an open
//! incident's node is a child of the incident's ticket: its reporter is told it joins the
//! incident, no official gets a card for it, and its step follows the parent's. Every update
//! the parent's reporter would get reaches every child's reporter; when the parent closes,
//! each child closes with it and its reporter is asked whether the network works again; one
//! who says it does not splits off into a ticket of its own at the technician's step.
//! Everything here runs inside the transaction of the change that causes it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_i18n::t;
use sea_orm::{ActiveValue::Set, DatabaseTransaction};
use serde_json::json;

use super::{Helpdesk, ServiceError, notify};
use crate::domain::sop::ActionKind;
use crate::domain::ticket::{Channel, TicketStatus};
use crate::domain::workflow::{Audience, Notice, NoticeKind, Transition, notices_for_new_at};
use crate::i18n;
use crate::outbound::{Button, ButtonAction, OutboundMessage, kind};
use crate::store::directory::{self, PersonRecord};
use crate::store::entity::ticket_event;
use crate::store::outbox::NewOutbound;
use crate::store::people::{self, Orgs};
use crate::store::tickets::{self, Relink, TicketRow};
use crate::store::{attachments, incidents, network};

/// The event a child gets when its parent closes: it is closed too, waiting for its
/// reporter's word.
pub(super) const PARENT_CLOSED: &str = "parent_closed";

/// The parent's actions whose reporter update is not news for a child: a question only the
/// parent's reporter can answer, an answer, a withdrawal.
fn pushed_to_children(kind: ActionKind) -> bool {
    !matches!(kind, ActionKind::AskInfo | ActionKind::ProvideInfo | ActionKind::Cancel)
}

impl Helpdesk {
    /// The open incident whose network node holds organisation `org_id` (itself or under
    /// it): the oldest, which is the outage the others follow from.
    pub(super) async fn incident_covering(
        &self,
        txn: &DatabaseTransaction,
        org_id: Option<i64>,
    ) -> Result<Option<TicketRow>, ServiceError> {
        let Some(org_id) = org_id else { return Ok(None) };
        let open = incidents::open_incidents(txn).await?;
        if open.is_empty() {
            return Ok(None);
        }
        let Some(org) = directory::org_by_id(txn, org_id).await? else { return Ok(None) };
        let registry = network::load(txn).await?;
        Ok(open
            .into_iter()
            .find(|(key, _)| registry.subtree(key).iter().any(|node| node.orgs.contains(&org.code)))
            .map(|(_, ticket)| ticket))
    }

    /// The parent's expected completion, as its actors see it now.
    pub(super) async fn due_of(
        &self,
        txn: &DatabaseTransaction,
        ticket: &TicketRow,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, ServiceError> {
        let events = tickets::events(txn, ticket.id).await?;
        let sla = self.evaluate(ticket, &events, now);
        Ok(sla.overall_due.or_else(|| sla.current().and_then(|v| v.due)))
    }

    /// "Your report joins GJ-…": for the reporter of `child`, just linked to `parent`.
    pub(super) fn joined_notice(
        &self,
        reporter: &PersonRecord,
        child: &TicketRow,
        parent: &TicketRow,
        due: Option<DateTime<Utc>>,
    ) -> Option<NewOutbound> {
        let (channel, address) = reporter.contact()?;
        let locale = i18n::locale(&reporter.locale);
        let tz = self.sop.calendar.timezone();
        let step = self.sop.sop.step(&parent.step).map_or(parent.step.as_str(), |s| s.display_name(locale));
        let text = t!(
            "link.joined",
            locale = locale,
            number = child.number,
            parent = parent.number,
            step = step,
            due =
                due.map_or_else(|| t!("notice.none", locale = locale).into_owned(), |d| i18n::datetime(locale, d, tz))
        );
        Some(NewOutbound {
            person_id: Some(reporter.id),
            channel,
            address: address.to_owned(),
            ticket_id: Some(child.id),
            kind: kind::RECEIVED,
            message: OutboundMessage::text(text.into_owned()),
        })
    }

    /// What a change of `parent` (already applied: `after`) means for its open children:
    /// they follow it to its step and their reporters get its update; they close with it
    /// and are asked to confirm; or, when it ends otherwise (rejected, cancelled), they
    /// split off, since their outage was not fixed.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn follow_parent(
        &self,
        txn: &DatabaseTransaction,
        after: &TicketRow,
        acted: (&PersonRecord, &Transition, i64),
        assignees: &[PersonRecord],
        notices: &[Notice],
        overall_due: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewOutbound>, ServiceError> {
        let children: Vec<TicketRow> = tickets::children(txn, after.id)
            .await?
            .into_iter()
            .filter(|c| c.status == TicketStatus::Open.as_str())
            .collect();
        if children.is_empty() {
            return Ok(Vec::new());
        }
        let (actor, transition, _) = acted;
        let ids: Vec<i64> = children.iter().map(|c| c.reporter_id).collect();
        let reporters: HashMap<i64, PersonRecord> =
            people::records(txn, &ids, &mut Orgs::default()).await?.into_iter().map(|p| (p.id, p)).collect();
        let mut out = Vec::new();
        match transition.status {
            TicketStatus::Open => {
                tickets::children_follow(txn, after.id, &after.step, now).await?;
                if !pushed_to_children(transition.kind) {
                    return Ok(out);
                }
                let updates: Vec<Notice> = notices
                    .iter()
                    .filter(|n| n.audience == Audience::Reporter && n.kind == NoticeKind::ReporterUpdate)
                    .cloned()
                    .collect();
                for child in &children {
                    let Some(reporter) = reporters.get(&child.reporter_id) else { continue };
                    let ctx = notify::Context {
                        desk: self,
                        ticket: after,
                        reporter,
                        org_name: String::new(),
                        acted: Some(acted),
                        assignees: assignees.to_vec(),
                        holders: Vec::new(),
                        photos: Vec::new(),
                        report_photos: Vec::new(),
                        overall_due,
                        now,
                    };
                    for mut message in ctx.render(&updates) {
                        let locale = i18n::locale(&reporter.locale);
                        let via = t!("link.via", locale = locale, number = child.number, parent = after.number);
                        message.message.text = format!("{via}\n{}", message.message.text);
                        message.ticket_id = Some(child.id);
                        out.push(message);
                    }
                }
            }
            TicketStatus::Closed => {
                for child in &children {
                    out.extend(
                        self.close_with_parent(txn, child, after, reporters.get(&child.reporter_id), now).await?,
                    );
                }
            }
            _ => {
                let note = t!("link.split_parent_ended", locale = "id", parent = after.number).into_owned();
                for child in &children {
                    out.extend(self.split(txn, child, Some(actor), Channel::System, &note, now).await?);
                }
            }
        }
        Ok(out)
    }

    /// The child closes with its parent; its reporter is asked whether the network works
    /// again, with the two answers as buttons on the child's own version.
    async fn close_with_parent(
        &self,
        txn: &DatabaseTransaction,
        child: &TicketRow,
        parent: &TicketRow,
        reporter: Option<&PersonRecord>,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewOutbound>, ServiceError> {
        let change =
            Relink { parent_id: child.parent_id, step: &child.step, status: TicketStatus::Closed, ended_at: Some(now) };
        let Some(closed) = tickets::relink_if_version(txn, child.id, child.version, change, now).await? else {
            return Ok(Vec::new());
        };
        let data = json!({ "parent": parent.number });
        tickets::append_event(
            txn,
            link_event(child.id, None, Channel::System, PARENT_CLOSED, &child.step, &child.step, None, data, now),
        )
        .await?;
        let Some((channel, address)) = reporter.and_then(PersonRecord::contact) else { return Ok(Vec::new()) };
        let reporter = reporter.map(|r| (r.id, i18n::locale(&r.locale)));
        let (person_id, locale) = reporter.unwrap_or((0, "id"));
        let button = |kind: ActionKind| Button {
            label: i18n::action_label(locale, kind, None),
            action: ButtonAction { ticket_id: closed.id, version: closed.version, kind, to: None, arg: None },
        };
        let text = t!("link.closed_ask", locale = locale, number = child.number, parent = parent.number);
        Ok(vec![NewOutbound {
            person_id: Some(person_id),
            channel,
            address: address.to_owned(),
            ticket_id: Some(child.id),
            kind: kind::CARD,
            message: OutboundMessage {
                text: text.into_owned(),
                buttons: vec![button(ActionKind::Confirm), button(ActionKind::Reopen)],
                ..Default::default()
            },
        }])
    }

    /// `child` leaves its parent and starts a life of its own at the technician's step:
    /// open again, `unlink` recorded, the step's actors get its card and its reporter is told.
    pub(super) async fn split(
        &self,
        txn: &DatabaseTransaction,
        child: &TicketRow,
        actor: Option<&PersonRecord>,
        channel: Channel,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewOutbound>, ServiceError> {
        let sop = &self.sop.sop;
        let step = sop.technician_step();
        let parent = match child.parent_id {
            Some(id) => tickets::by_id(txn, id).await?,
            None => None,
        };
        let change = Relink { parent_id: None, step: &step.id, status: TicketStatus::Open, ended_at: None };
        let Some(after) = tickets::relink_if_version(txn, child.id, child.version, change, now).await? else {
            return Ok(Vec::new());
        };
        let data = json!({ "parent": parent.as_ref().map(|p| p.number.clone()) });
        let actor_id = actor.map(|a| a.id);
        tickets::append_event(
            txn,
            link_event(child.id, actor_id, channel, "unlink", &child.step, &step.id, Some(note), data, now),
        )
        .await?;
        let mut orgs = Orgs::default();
        orgs.want(after.org_id);
        let reporter =
            people::records(txn, &[after.reporter_id], &mut orgs).await?.pop().ok_or(ServiceError::UnknownPerson)?;
        let notices: Vec<Notice> =
            notices_for_new_at(sop, &step.id).into_iter().filter(|n| n.kind == NoticeKind::TaskCard).collect();
        let roles = notify::holder_roles(sop, &notices, false);
        let holders = people::holders_of_any(txn, &roles, &mut orgs).await?;
        let overall_due = self.due_of(txn, &after, now).await?;
        let ctx = notify::Context {
            desk: self,
            ticket: &after,
            reporter: &reporter,
            org_name: after.org_id.and_then(|id| orgs.get(id)).map(|o| o.name.clone()).unwrap_or_default(),
            acted: None,
            assignees: Vec::new(),
            holders,
            photos: Vec::new(),
            report_photos: attachments::reporters_photos(txn, after.id, after.reporter_id).await?,
            overall_due,
            now,
        };
        let mut out = ctx.render(&notices);
        if let Some((channel, address)) = reporter.contact() {
            let locale = i18n::locale(&reporter.locale);
            let tz = self.sop.calendar.timezone();
            let text = t!(
                "link.split",
                locale = locale,
                number = after.number,
                parent = parent.as_ref().map_or("-", |p| p.number.as_str()),
                step = step.display_name(locale),
                due = overall_due
                    .map_or_else(|| t!("notice.none", locale = locale).into_owned(), |d| i18n::datetime(locale, d, tz))
            );
            out.insert(
                0,
                NewOutbound {
                    person_id: Some(reporter.id),
                    channel,
                    address: address.to_owned(),
                    ticket_id: Some(after.id),
                    kind: kind::UPDATE,
                    message: OutboundMessage::text(text.into_owned()),
                },
            );
        }
        tracing::info!(ticket = %after.number, step = %step.id, "linked report split off");
        Ok(out)
    }
}

impl Helpdesk {
    /// The monitoring tool says the incident `parent` recovered: each linked report's
    /// reporter hears it (the ticket stays open until people confirm the fix).
    pub(super) async fn recovery_to_children(
        &self,
        txn: &DatabaseTransaction,
        parent: &TicketRow,
        at: DateTime<Utc>,
    ) -> Result<Vec<NewOutbound>, ServiceError> {
        let children: Vec<TicketRow> = tickets::children(txn, parent.id)
            .await?
            .into_iter()
            .filter(|c| c.status == TicketStatus::Open.as_str())
            .collect();
        let ids: Vec<i64> = children.iter().map(|c| c.reporter_id).collect();
        let reporters: HashMap<i64, PersonRecord> =
            people::records(txn, &ids, &mut Orgs::default()).await?.into_iter().map(|p| (p.id, p)).collect();
        let tz = self.sop.calendar.timezone();
        let mut out = Vec::new();
        for child in &children {
            let Some(reporter) = reporters.get(&child.reporter_id) else { continue };
            let Some((channel, address)) = reporter.contact() else { continue };
            let locale = i18n::locale(&reporter.locale);
            let text = t!(
                "link.recovered",
                locale = locale,
                number = child.number,
                parent = parent.number,
                at = i18n::datetime(locale, at, tz)
            );
            out.push(NewOutbound {
                person_id: Some(reporter.id),
                channel,
                address: address.to_owned(),
                ticket_id: Some(child.id),
                kind: kind::UPDATE,
                message: OutboundMessage::text(text.into_owned()),
            });
        }
        Ok(out)
    }
}

/// Why an official's `/gabung CHILD` under `parent` cannot be: the locale key, or `None`.
pub(super) fn link_refusal(child: &TicketRow, parent: &TicketRow, child_has_children: bool) -> Option<&'static str> {
    let open = TicketStatus::Open.as_str();
    if child.id == parent.id {
        Some("link.same")
    } else if child.status != open || parent.status != open {
        Some("link.not_open")
    } else if parent.parent_id.is_some() {
        Some("link.parent_is_child")
    } else if child.parent_id.is_some() {
        Some("link.already")
    } else if child_has_children {
        Some("link.has_children")
    } else {
        None
    }
}

impl Helpdesk {
    /// An official links the open ticket `child` to `parent`: it takes the parent's step,
    /// its cards are retired (it is handled on the parent now) and its reporter is told.
    pub(super) async fn link_existing(
        &self,
        txn: &DatabaseTransaction,
        child: &TicketRow,
        parent: &TicketRow,
        actor: &PersonRecord,
        channel: Channel,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewOutbound>, ServiceError> {
        let change =
            Relink { parent_id: Some(parent.id), step: &parent.step, status: TicketStatus::Open, ended_at: None };
        let Some(after) = tickets::relink_if_version(txn, child.id, child.version, change, now).await? else {
            return Err(super::act::who_was_first(txn, child).await?);
        };
        let data = json!({ "parent": parent.number, "by": "official" });
        let event = link_event(child.id, Some(actor.id), channel, "link", &child.step, &parent.step, None, data, now);
        tickets::append_event(txn, event).await?;
        let why = super::cards::Why::Linked { parent: &parent.number };
        let mut out = self.retire_cards(txn, (child.id, &child.number), |_| true, why, None, now).await?;
        let reporter = people::records(txn, &[child.reporter_id], &mut Orgs::default()).await?.pop();
        let due = self.due_of(txn, parent, now).await?;
        out.extend(reporter.and_then(|r| self.joined_notice(&r, &after, parent, due)));
        tracing::info!(ticket = %child.number, parent = %parent.number, actor = actor.id, "linked by an official");
        Ok(out)
    }
}

/// An event of linking: `link`, `unlink`, or closed with the parent.
#[allow(clippy::too_many_arguments)]
pub(super) fn link_event(
    ticket_id: i64,
    actor_id: Option<i64>,
    channel: Channel,
    action: &str,
    from: &str,
    to: &str,
    note: Option<&str>,
    data: serde_json::Value,
    now: DateTime<Utc>,
) -> ticket_event::ActiveModel {
    ticket_event::ActiveModel {
        ticket_id: Set(ticket_id),
        actor_id: Set(actor_id),
        actor_role: Set(None),
        channel: Set(channel.as_str().to_owned()),
        action: Set(action.to_owned()),
        from_step: Set(Some(from.to_owned())),
        to_step: Set(Some(to.to_owned())),
        note: Set(note.map(str::to_owned)),
        data: Set(Some(data.to_string())),
        at: Set(now),
        ..Default::default()
    }
}
