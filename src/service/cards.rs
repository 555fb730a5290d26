//! One live card per person and ticket. Every action bumps a ticket's version, so every
//! card sent before it holds buttons that would only be refused: they are retired in the
//! action's own transaction. A sent card is rewritten without its buttons (on WhatsApp,
//! which cannot edit, a short answer quotes it), saying who did what; a card not sent yet
//! loses its buttons before it goes. The card a person pressed is edited by the caller.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_i18n::t;
use sea_orm::DatabaseTransaction;

use super::{CardRef, Helpdesk, ServiceError};
use crate::domain::ticket::Channel;
use crate::domain::workflow::Transition;
use crate::i18n;
use crate::outbound::{OutboundMessage, kind};
use crate::store::cards::{self, LiveCard};
use crate::store::directory::PersonRecord;
use crate::store::outbox::NewOutbound;
use crate::store::people::{self, Orgs};

/// Why cards are retired: what the rewritten card says.
#[derive(Clone, Copy)]
pub(super) enum Why<'a> {
    /// Someone acted on the ticket.
    Acted { actor: &'a PersonRecord, transition: &'a Transition },
    /// A fresh card is sent in its place (the person asked for their queue or the ticket).
    Resent,
    /// The ticket was linked to this incident's ticket: it is handled there now.
    Linked { parent: &'a str },
}

impl Helpdesk {
    /// Retire the live cards of ticket `number` (`ticket_id`) that `which` selects, and
    /// return the rewrites to queue before anything else of the change.
    pub(super) async fn retire_cards(
        &self,
        txn: &DatabaseTransaction,
        (ticket_id, number): (i64, &str),
        which: impl Fn(&LiveCard) -> bool,
        why: Why<'_>,
        pressed: Option<&CardRef>,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewOutbound>, ServiceError> {
        let live: Vec<LiveCard> = cards::live(txn, ticket_id).await?.into_iter().filter(|c| which(c)).collect();
        if live.is_empty() {
            return Ok(Vec::new());
        }
        let owners: Vec<i64> = live.iter().filter_map(|c| c.person_id).collect();
        let locales: HashMap<i64, &'static str> = people::records(txn, &owners, &mut Orgs::default())
            .await?
            .into_iter()
            .map(|p| (p.id, i18n::locale(&p.locale)))
            .collect();
        let tz = self.sop.calendar.timezone();
        let mut retired = Vec::new();
        let mut out = Vec::new();
        for card in live {
            let locale = card.person_id.and_then(|id| locales.get(&id).copied()).unwrap_or("id");
            let line = match why {
                Why::Acted { actor, transition } => t!(
                    "notice.card_done",
                    locale = locale,
                    actor = actor.name,
                    role = i18n::role(locale, transition.as_role),
                    action = i18n::past(locale, transition.kind.as_str()),
                    at = i18n::datetime(locale, now, tz)
                )
                .into_owned(),
                Why::Resent => t!("notice.card_resent", locale = locale).into_owned(),
                Why::Linked { parent } => t!("link.card_linked", locale = locale, parent = parent).into_owned(),
            };
            let rewritten = OutboundMessage::text(format!("{}\n\n{line}", card.message.text.trim_end()));
            let is_pressed = pressed.is_some_and(|p| {
                card.external_id.as_deref().is_some_and(|id| id == cards::telegram_id(&p.chat, &p.message_id))
                    || (card.channel != Channel::Telegram && card.external_id.as_deref() == Some(&p.message_id))
            });
            if is_pressed || card.went_without_buttons() {
                retired.push(card.outbox_id);
                continue;
            }
            if card.is_pending() {
                if cards::rewrite_unsent(txn, card.outbox_id, &rewritten).await? {
                    retired.push(card.outbox_id);
                }
                continue;
            }
            let Some(external_id) = &card.external_id else {
                // Being sent right now: the next change, or the next `antrian`, retires it.
                continue;
            };
            retired.push(card.outbox_id);
            let message = match card.channel {
                Channel::Telegram | Channel::Web => rewritten,
                // WhatsApp cannot take buttons away: a short answer quoting the card says it
                // is done; a picker abandoned there needs no word at all.
                _ if card.kind == kind::PICKER => continue,
                _ => OutboundMessage::text(t!("notice.card_retired", locale = locale, number = number, done = line)),
            };
            out.push(NewOutbound {
                person_id: card.person_id,
                channel: card.channel,
                address: card.address.clone(),
                ticket_id: None,
                kind: kind::CARD_EDIT,
                message: OutboundMessage { edit: Some(cards::message_id_of(card.channel, external_id)), ..message },
            });
        }
        cards::retire(txn, ticket_id, &retired, now).await?;
        Ok(out)
    }
}
