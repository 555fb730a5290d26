//! What a platform later says about a message SIGAP sent (WhatsApp's status webhooks), and
//! the bookkeeping of inbound chats: each status taken once, a 131047 refusal turned into
//! the approved template, other failures shown to the admin on the outbox row.

use sea_orm::TransactionTrait;

use super::{Helpdesk, ServiceError};
use crate::domain::ticket::Channel;
use crate::outbound::OutboundMessage;
use crate::store::outbox::{self, NewOutbound};
use crate::store::{directory, inbound};

/// Meta's "re-engagement" error: the person has not written in the last 24 hours.
pub const OUTSIDE_WINDOW: i64 = 131_047;

/// An error a platform reported for a sent message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusError {
    pub code: i64,
    pub title: String,
}

impl Helpdesk {
    /// `address` wrote to SIGAP on `channel` just now: the chat is open (a Telegram bot may
    /// write first only to someone who started it; WhatsApp's 24-hour window opens), and a
    /// person with several channels is reached on this one from now on.
    pub async fn note_inbound(&self, channel: Channel, address: &str) -> Result<(), ServiceError> {
        inbound::touch_window(&self.db, channel, address, self.clock.now()).await?;
        directory::prefer_channel(&self.db, channel, address).await?;
        Ok(())
    }

    /// The language of whoever is behind `channel`/`address`; Indonesian for a stranger.
    pub async fn locale_of(&self, channel: Channel, address: &str) -> &'static str {
        match directory::person_by_identity(&self.db, channel, address).await {
            Ok(Some(person)) => crate::i18n::locale(&person.locale),
            _ => "id",
        }
    }

    /// Record update `update_id` of `channel` as handled; false when it already was. For what
    /// a channel answers without the core (a button's toast), so that an update handled
    /// twice is answered once.
    pub async fn first_time(&self, channel: Channel, update_id: &str) -> Result<bool, ServiceError> {
        let txn = self.db.begin().await?;
        if !inbound::remember(&txn, channel, update_id, self.clock.now()).await? {
            return Ok(false);
        }
        txn.commit().await?;
        Ok(true)
    }

    /// Queue `text` to `address` once for update `update_id`: a platform delivering the same
    /// update again gets no second answer. False when it was answered before.
    pub async fn say_once(
        &self,
        channel: Channel,
        update_id: &str,
        address: &str,
        text: String,
    ) -> Result<bool, ServiceError> {
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        if !inbound::remember(&txn, channel, update_id, now).await? {
            return Ok(false);
        }
        outbox::enqueue(&txn, vec![answer(&txn, channel, address, text).await?], now).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// A status of the sent message `external_id`: `sent`, `delivered`, `read` only count;
    /// `failed` with 131047 sends the message again as a template, other failures are kept
    /// on the outbox row for the admin.
    pub async fn delivery_status(
        &self,
        channel: Channel,
        external_id: &str,
        status: &str,
        errors: &[StatusError],
        part: Option<(i64, usize)>,
    ) -> Result<(), ServiceError> {
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        if !inbound::remember(&txn, channel, &format!("status:{external_id}:{status}"), now).await? {
            return Ok(());
        }
        let labels = crate::metrics::Metrics::labels(("channel", channel.as_str()), ("status", status));
        if let Some((outbox_id, part)) = part
            && status != "failed"
        {
            // The platform has this part, whether or not its sender lived to record it: a
            // sender taking the row over after a crash resumes after it instead of sending
            // it again.
            outbox::note_part_accepted(&txn, outbox_id, part, channel, external_id, now).await?;
        }
        if status != "failed" {
            txn.commit().await?;
            self.metrics.delivery_statuses.get_or_create(&labels).inc();
            return Ok(());
        }
        let Some(row) = outbox::by_external_id(&txn, channel, external_id).await? else {
            // The platform promises no order between a send's answer and its statuses: this
            // one may be about a message whose send is not recorded yet. Nothing is kept;
            // the caller tries it again later, and after that keeps it aside for the admin.
            return Err(ServiceError::SendNotRecorded(external_id.to_owned()));
        };
        self.metrics.delivery_statuses.get_or_create(&labels).inc();
        let why = errors.iter().map(|e| format!("{} {}", e.code, e.title)).collect::<Vec<_>>().join("; ");
        let mut message = row.message().map_err(|e| ServiceError::Invalid(e.to_string()))?;
        if errors.iter().any(|e| e.code == OUTSIDE_WINDOW) && !message.template {
            message.template = true;
            message.edit = None;
            let again = NewOutbound {
                person_id: row.person_id,
                channel,
                address: row.address.clone(),
                ticket_id: row.ticket_id,
                kind: crate::outbound::kind::from_stored(&row.kind),
                message,
            };
            outbox::enqueue(&txn, vec![again], now).await?;
            let note = format!("reported failed ({why}); sent again as a template");
            outbox::note_failure(&txn, row.id, &note, false).await?;
            tracing::info!(outbox = row.id, "131047 by webhook: resent as template");
        } else {
            let note = format!("reported failed by {channel}: {why}");
            outbox::note_failure(&txn, row.id, &note, true).await?;
            tracing::warn!(outbox = row.id, %note, "delivery failed after sending");
        }
        txn.commit().await?;
        Ok(())
    }
}

/// A plain answer to `address`, addressed to its person when there is one.
pub(super) async fn answer<C: sea_orm::ConnectionTrait>(
    db: &C,
    channel: Channel,
    address: &str,
    text: String,
) -> Result<NewOutbound, ServiceError> {
    let person = directory::person_by_identity(db, channel, address).await?.map(|p| p.id);
    Ok(NewOutbound {
        person_id: person,
        channel,
        address: address.to_owned(),
        ticket_id: None,
        kind: crate::outbound::kind::CONVERSATION,
        message: OutboundMessage::text(text),
    })
}
