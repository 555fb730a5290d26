//! A linked report's reporter answers after the incident closed: *Sudah normal* records their
//! confirmation on their own ticket (and starts the satisfaction survey), *Masih gangguan*
//! splits the report off into a ticket of its own at the technician's step. One transaction
//! each, with the event, the pressed card rewritten and the messages.

use rust_i18n::t;
use sea_orm::TransactionTrait;
use serde_json::json;

use super::linked::{PARENT_CLOSED, link_event};
use super::{Helpdesk, Press, PressOutcome, ServiceError, cards, notify};
use crate::domain::role::Role;
use crate::domain::sop::ActionKind;
use crate::domain::ticket::TicketStatus;
use crate::domain::workflow::Transition;
use crate::i18n;
use crate::store::directory::PersonRecord;
use crate::store::tickets::{self, Relink};
use crate::store::{inbound, outbox};

impl Helpdesk {
    /// `Some` when `press` answers the question a closed linked report's reporter was asked;
    /// `None` for any other press (the ordinary path handles it).
    pub(super) async fn answer_after_parent(
        &self,
        press: &Press,
        person: &PersonRecord,
    ) -> Result<Option<PressOutcome>, ServiceError> {
        let kind = press.action.kind;
        if !matches!(kind, ActionKind::Confirm | ActionKind::Reopen) {
            return Ok(None);
        }
        let Some(row) = tickets::by_id(&self.db, press.action.ticket_id).await? else { return Ok(None) };
        if row.parent_id.is_none() || row.status != TicketStatus::Closed.as_str() {
            return Ok(None);
        }
        let locale = i18n::locale(&person.locale);
        let tz = self.sop.calendar.timezone();
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        if !inbound::remember(&txn, press.channel, &press.update_id, now).await? {
            return Ok(Some(PressOutcome::Duplicate));
        }
        let Some(row) = tickets::by_id(&txn, row.id).await? else { return Ok(None) };
        if row.reporter_id != person.id {
            let answer = t!("refusal.not_reporter", locale = locale).into_owned();
            return Ok(Some(PressOutcome::Refused { answer }));
        }
        let asked = tickets::last_event(&txn, row.id).await?.is_some_and(|e| e.action == PARENT_CLOSED);
        if row.version != press.action.version || !asked {
            let answer = t!("refusal.stale", locale = locale, number = row.number).into_owned();
            return Ok(Some(PressOutcome::Refused { answer }));
        }
        let transition = Transition {
            kind,
            as_role: Role::Reporter,
            from_step: row.step.clone(),
            to_step: row.step.clone(),
            status: TicketStatus::Closed,
            priority: None,
            assignees: None,
            note: None,
            eta: None,
            device: None,
        };
        let mut messages = Vec::new();
        let version = if kind == ActionKind::Confirm {
            let change = Relink {
                parent_id: row.parent_id,
                step: &row.step,
                status: TicketStatus::Closed,
                ended_at: row.ended_at,
            };
            let Some(after) = tickets::relink_if_version(&txn, row.id, row.version, change, now).await? else {
                return Ok(Some(PressOutcome::Refused {
                    answer: t!("refusal.stale", locale = locale, number = row.number).into_owned(),
                }));
            };
            let event = link_event(
                row.id,
                Some(person.id),
                press.channel,
                "confirm",
                &row.step,
                &row.step,
                None,
                json!({}),
                now,
            );
            tickets::append_event(&txn, event).await?;
            messages.extend(self.start_survey(&txn, person, row.id, &row.number, now).await?);
            after.version
        } else {
            let note = t!("link.still_down", locale = "id").into_owned();
            messages.extend(self.split(&txn, &row, Some(person), press.channel, &note, now).await?);
            row.version + 1
        };
        if let Some(card) = &press.card {
            messages.insert(0, notify::card_edit(person, &transition, press.channel, card, tz, now));
        }
        let why = cards::Why::Acted { actor: person, transition: &transition };
        let stale = |c: &crate::store::cards::LiveCard| c.version() != Some(version);
        let mut queued = self.retire_cards(&txn, (row.id, &row.number), stale, why, press.card.as_ref(), now).await?;
        queued.extend(messages);
        outbox::enqueue(&txn, queued, now).await?;
        txn.commit().await?;
        tracing::info!(ticket = %row.number, answer = %kind, "linked report answered after its incident closed");
        let answer = t!("press.done", locale = locale, number = row.number, action = i18n::past(locale, kind.as_str()))
            .into_owned();
        Ok(Some(PressOutcome::Done { answer }))
    }
}
