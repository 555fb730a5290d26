//! Gangguan massal, the reports SIGAP cannot place by itself. A report from under an open
//! incident's node joins it at once (see [`super::linked`]); a report whose connection only
//! shares something with an open ticket's — the same circuit, the same upstream node, the
//! same ISP — may be the same outage or not, so the helpdesk decides with one tap:
//! *Gabungkan* puts it under that ticket, *Tiket terpisah* keeps it on its own. The offer is
//! a card of the new ticket: it goes stale, and is retired, as soon as anyone acts on it.

use chrono::{DateTime, Duration, Utc};
use rust_i18n::t;
use sea_orm::{DatabaseTransaction, TransactionTrait};
use serde_json::json;

use super::linked::{link_event, link_refusal};
use super::press::{Press, PressOutcome};
use super::{Helpdesk, ServiceError, cards, notify};
use crate::domain::network::Shared;
use crate::domain::role::Role;
use crate::domain::sop::ActionKind;
use crate::domain::ticket::TicketStatus;
use crate::domain::workflow::Transition;
use crate::i18n;
use crate::outbound::{Button, ButtonAction, OutboundMessage, kind};
use crate::store::directory::{self, PersonRecord};
use crate::store::inbound;
use crate::store::outbox::{self, NewOutbound};
use crate::store::people::{self, Orgs};
use crate::store::tickets::{self, TicketRow};
use crate::store::{incidents, network};

/// How many of the newest tickets are looked at for a report to join: a bound on the cost of
/// every report, whatever the history (an office gets far fewer in an offer's window).
const RECENT: u64 = 200;

impl Helpdesk {
    /// The offer to link the new report `row` (from `org_name`) to an open ticket its
    /// connection shares something with, for the holders of the SOP's first step; nothing
    /// when there is none, no registry, or offers are off.
    pub(super) async fn link_offer(
        &self,
        txn: &DatabaseTransaction,
        row: &TicketRow,
        org_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewOutbound>, ServiceError> {
        let minutes = self.incidents.offer_minutes;
        let Some(org_id) = row.org_id.filter(|_| minutes > 0) else { return Ok(Vec::new()) };
        if !network::exists(txn).await? {
            return Ok(Vec::new());
        }
        let since = now - Duration::minutes(i64::from(minutes));
        let recent: Vec<TicketRow> = tickets::newest(txn, RECENT)
            .await?
            .into_iter()
            .filter(|t| {
                t.id != row.id
                    && t.parent_id.is_none()
                    && t.status == TicketStatus::Open.as_str()
                    && t.created_at >= since
            })
            .collect();
        let open_incidents = incidents::open_incidents(txn).await?;
        if recent.is_empty() && open_incidents.is_empty() {
            return Ok(Vec::new());
        }
        let registry = network::load(txn).await?;
        let Some(org) = directory::org_by_id(txn, org_id).await? else { return Ok(Vec::new()) };
        // An ongoing incident first (monitoring saw it), then the oldest report: the first
        // one of an outage is the one the others follow.
        let mut found: Option<(TicketRow, Shared)> = open_incidents
            .into_iter()
            .filter(|(_, t)| t.id != row.id)
            .find_map(|(key, t)| registry.shared_with_node(&org.code, &key).map(|s| (t, s)));
        let mut orgs = Orgs::default();
        if found.is_none() {
            recent.iter().for_each(|t| orgs.want(t.org_id));
            orgs.load(txn).await?;
            found = recent.iter().rev().find_map(|t| {
                let code = &orgs.get(t.org_id?)?.code;
                registry.shared_between(&org.code, code).map(|s| (t.clone(), s))
            });
        }
        let Some((parent, shared)) = found else { return Ok(Vec::new()) };
        let Some(start) = self.sop.sop.steps.first() else { return Ok(Vec::new()) };
        orgs.want(parent.org_id);
        let holders = people::holders_of_any(txn, &[start.role], &mut orgs).await?;
        let parent_org = parent.org_id.and_then(|id| orgs.get(id)).map(|o| o.name.clone());
        let tz = self.sop.calendar.timezone();
        let mut out = Vec::new();
        for holder in holders.iter().filter(|h| h.active) {
            let Some((channel, address)) = holder.contact() else { continue };
            let locale = i18n::locale(&holder.locale);
            let why = match &shared {
                Shared::Circuit(circuit) => t!("link.why_circuit", locale = locale, circuit = circuit),
                Shared::Upstream(node) => t!("link.why_upstream", locale = locale, node = node),
                Shared::Isp(isp) => t!("link.why_isp", locale = locale, isp = isp),
            };
            let text = t!(
                "link.offer",
                locale = locale,
                number = row.number,
                org = if org_name.is_empty() { "-" } else { org_name },
                parent = parent.number,
                parent_org = parent_org.as_deref().or(parent.location.as_deref()).unwrap_or("-"),
                since = i18n::datetime(locale, parent.created_at, tz),
                why = why
            );
            let button = |kind: ActionKind, label: String, arg: Option<i64>| Button {
                label,
                action: ButtonAction { ticket_id: row.id, version: row.version, kind, to: None, arg },
            };
            out.push(NewOutbound {
                person_id: Some(holder.id),
                channel,
                address: address.to_owned(),
                ticket_id: Some(row.id),
                kind: kind::CARD,
                message: OutboundMessage {
                    text: text.into_owned(),
                    buttons: vec![
                        button(ActionKind::Link, t!("link.offer_link", locale = locale).into_owned(), Some(parent.id)),
                        button(ActionKind::KeepSeparate, t!("link.offer_separate", locale = locale).into_owned(), None),
                    ],
                    ..Default::default()
                },
            });
        }
        if !out.is_empty() {
            tracing::info!(ticket = %row.number, parent = %parent.number, ?shared, "report offered for linking");
        }
        Ok(out)
    }

    /// *Gabungkan* or *Tiket terpisah* pressed on an offer. Anyone on the staff may decide;
    /// the offer must still be current (the report unchanged since it was made).
    pub(super) async fn press_link(&self, press: &Press, person: &PersonRecord) -> Result<PressOutcome, ServiceError> {
        let locale = i18n::locale(&person.locale);
        if !person.active || person.roles.iter().all(|r| *r == Role::Reporter) {
            return Ok(PressOutcome::Refused { answer: t!("chat.staff_only", locale = locale).into_owned() });
        }
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        if !inbound::remember(&txn, press.channel, &press.update_id, now).await? {
            return Ok(PressOutcome::Duplicate);
        }
        let Some(child) = tickets::by_id(&txn, press.action.ticket_id).await? else {
            let number = format!("#{}", press.action.ticket_id);
            return Ok(PressOutcome::Refused {
                answer: t!("refusal.not_found", locale = locale, number = number).into_owned(),
            });
        };
        if child.version != press.action.version {
            let err = super::act::who_was_first(&txn, &child).await?;
            return Ok(PressOutcome::Refused { answer: err.localized(locale, self.sop.calendar.timezone()) });
        }
        let role = person.roles.iter().copied().find(|r| *r != Role::Reporter).unwrap_or(Role::Helpdesk);
        let transition = Transition {
            kind: press.action.kind,
            as_role: role,
            from_step: child.step.clone(),
            to_step: child.step.clone(),
            status: TicketStatus::Open,
            priority: None,
            assignees: None,
            note: None,
            eta: None,
            device: None,
        };
        let (queued, answer) = if press.action.kind == ActionKind::Link {
            let parent = match press.action.arg {
                Some(id) => tickets::by_id(&txn, id).await?,
                None => None,
            };
            let Some(parent) = parent else {
                let answer = t!("refusal.stale", locale = locale, number = child.number).into_owned();
                return Ok(PressOutcome::Refused { answer });
            };
            let has_children = !tickets::children(&txn, child.id).await?.is_empty();
            if let Some(key) = link_refusal(&child, &parent, has_children) {
                let other = match child.parent_id {
                    Some(id) => tickets::by_id(&txn, id).await?.map(|p| p.number),
                    None => None,
                };
                let text = t!(
                    key,
                    locale = locale,
                    number = child.number,
                    parent = parent.number,
                    other = other.as_deref().unwrap_or("-")
                );
                return Ok(PressOutcome::Refused { answer: text.into_owned() });
            }
            let messages = self.link_existing(&txn, &child, &parent, person, press.channel, now).await?;
            let answer = t!("link.linked", locale = locale, number = child.number, parent = parent.number);
            (messages, answer.into_owned())
        } else {
            let data = json!({ "offered": press.action.arg });
            let event = link_event(
                child.id,
                Some(person.id),
                press.channel,
                "keep_separate",
                &child.step,
                &child.step,
                None,
                data,
                now,
            );
            tickets::append_event(&txn, event).await?;
            // Only the offers go: the ticket's own cards are still the step's.
            let offers =
                |c: &crate::store::cards::LiveCard| c.message.buttons.iter().any(|b| b.action.kind.is_linking());
            let why = cards::Why::Acted { actor: person, transition: &transition };
            let tz = self.sop.calendar.timezone();
            let mut messages =
                self.retire_cards(&txn, (child.id, &child.number), offers, why, press.card.as_ref(), now).await?;
            if let Some(card) = &press.card {
                messages.insert(0, notify::card_edit(person, &transition, press.channel, card, tz, now));
            }
            (messages, t!("link.kept_separate", locale = locale, number = child.number).into_owned())
        };
        outbox::enqueue(&txn, queued, now).await?;
        txn.commit().await?;
        tracing::info!(ticket = %child.number, action = %press.action.kind, by = person.id, "link offer answered");
        Ok(PressOutcome::Done { answer })
    }
}
