//! Cards: outbox rows that carry a ticket's buttons (a step's card, a picker, an SLA
//! reminder). A card stays live until it is retired, when the ticket moved on or a fresh
//! card replaced it; the service retires it by rewriting it without its buttons, and notes
//! it in `retired_cards`. Read here: which of a ticket's cards are live, and what each
//! became on the platform (`outbox_sent`), so it can be rewritten.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::entity::{outbox, outbox_sent, retired_card};
use super::outbox::{FAILED, OutboxRow, PENDING};
use crate::domain::ticket::Channel;
use crate::outbound::{OutboundMessage, kind};

/// The kinds of outbox rows that can carry a ticket's buttons.
const WITH_BUTTONS: [&str; 4] = [kind::CARD, kind::PICKER, kind::SLA_REMINDER, kind::SLA_BREACH];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveCard {
    pub outbox_id: i64,
    pub person_id: Option<i64>,
    pub channel: Channel,
    pub address: String,
    pub kind: String,
    /// The outbox row's status: a card not sent yet has no platform id.
    pub status: String,
    /// How the send went when not as asked (a template, which carries no buttons).
    pub note: Option<String>,
    pub message: OutboundMessage,
    /// What the platform calls the message that carries the buttons (Telegram
    /// `chat:message_id`, WhatsApp `wamid`); `None` while unsent.
    pub external_id: Option<String>,
}

impl LiveCard {
    /// The ticket version its buttons carry.
    pub fn version(&self) -> Option<i32> {
        self.message.buttons.first().map(|b| b.action.version)
    }

    pub fn is_pending(&self) -> bool {
        self.status == PENDING
    }

    /// Sent as a template (outside WhatsApp's window): it reached the person without buttons.
    pub fn went_without_buttons(&self) -> bool {
        self.note.as_deref().is_some_and(|n| n.contains("template"))
    }
}

/// The live cards of `ticket_id`, oldest first.
pub async fn live<C: ConnectionTrait>(db: &C, ticket_id: i64) -> Result<Vec<LiveCard>, sea_orm::DbErr> {
    let rows: Vec<OutboxRow> = outbox::Entity::find()
        .filter(outbox::Column::TicketId.eq(ticket_id))
        .filter(outbox::Column::Kind.is_in(WITH_BUTTONS))
        .filter(outbox::Column::Status.ne(FAILED))
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let retired: HashSet<i64> = retired_card::Entity::find()
        .filter(retired_card::Column::TicketId.eq(ticket_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.outbox_id)
        .collect();
    let mut cards = Vec::new();
    for row in rows {
        if retired.contains(&row.id) {
            continue;
        }
        let Ok(message) = row.message() else { continue };
        if message.buttons.is_empty() || message.edit.is_some() {
            continue;
        }
        cards.push(LiveCard {
            outbox_id: row.id,
            person_id: row.person_id,
            channel: row.channel.parse().unwrap_or(Channel::System),
            address: row.address,
            kind: row.kind,
            status: row.status,
            note: row.last_error,
            message,
            external_id: None,
        });
    }
    if cards.is_empty() {
        return Ok(cards);
    }
    let ids: Vec<i64> = cards.iter().map(|c| c.outbox_id).collect();
    let mut sent: HashMap<i64, Vec<String>> = HashMap::new();
    for row in outbox_sent::Entity::find().filter(outbox_sent::Column::OutboxId.is_in(ids)).all(db).await? {
        sent.entry(row.outbox_id).or_default().push(row.external_id);
    }
    for card in &mut cards {
        // The buttons ride on the last message a row became (files and long text go first).
        card.external_id = sent.remove(&card.outbox_id).and_then(|ids| ids.into_iter().max_by_key(|id| sort_key(id)));
    }
    Ok(cards)
}

/// Telegram's ids grow within a chat; WhatsApp's do not, and any of them will do.
fn sort_key(id: &str) -> (i64, String) {
    let number = id.rsplit_once(':').and_then(|(_, n)| n.parse().ok()).unwrap_or(0);
    (number, id.to_owned())
}

/// Note that the cards `outbox_ids` of `ticket_id` are retired.
pub async fn retire<C: ConnectionTrait>(
    db: &C,
    ticket_id: i64,
    outbox_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    if outbox_ids.is_empty() {
        return Ok(());
    }
    let rows = outbox_ids.iter().map(|id| retired_card::ActiveModel {
        outbox_id: Set(*id),
        ticket_id: Set(ticket_id),
        retired_at: Set(now),
    });
    retired_card::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([retired_card::Column::OutboxId])
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Replace what a card not sent yet will say (its text, without buttons). False when a
/// sender has taken it meanwhile: it must then be rewritten once it is sent.
pub async fn rewrite_unsent<C: ConnectionTrait>(
    db: &C,
    outbox_id: i64,
    message: &OutboundMessage,
) -> Result<bool, sea_orm::DbErr> {
    let payload = serde_json::to_string(message).map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    let done = outbox::Entity::update_many()
        .col_expr(outbox::Column::Payload, Expr::value(payload))
        .filter(outbox::Column::Id.eq(outbox_id))
        .filter(outbox::Column::Status.eq(PENDING))
        // Part of it is in the chat already: another text would not continue it.
        .filter(outbox::Column::PartsSent.eq(0))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// How a Telegram message is named among the ids of sent messages: its ids are only unique
/// within a chat.
pub fn telegram_id(chat: &str, message_id: &str) -> String {
    format!("{chat}:{message_id}")
}

/// The message id within its chat of a platform id from [`LiveCard::external_id`].
pub fn message_id_of(channel: Channel, external_id: &str) -> String {
    match channel {
        Channel::Telegram => external_id.rsplit_once(':').map_or(external_id, |(_, id)| id).to_owned(),
        _ => external_id.to_owned(),
    }
}
