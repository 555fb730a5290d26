//! A report filed from one message. When the first message names the place and the kind,
//! the ticket is created at once and the reporter is answered with its number, the expected
//! completion and buttons to add a photo or letter, change what was written, or cancel. For
//! a while after, photos and a letter number sent to the chat attach to that ticket, and a
//! change goes to the ticket itself (with an event) while no official has acted on it yet.

use chrono::TimeDelta;
use rust_i18n::t;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};

use super::{Draft, FIELDS, Flow, Stage, Turn};
use crate::domain::intake;
use crate::domain::sop::ActionKind;
use crate::domain::ticket::{Category, TicketStatus};
use crate::i18n;
use crate::outbound::{Button, ButtonAction, OutboundMessage, Pick, kind};
use crate::service::ServiceError;
use crate::store::attachments::{self, SavedFile};
use crate::store::cards;
use crate::store::entity::{ticket, ticket_event};
use crate::store::outbox::NewOutbound;
use crate::store::people::{self, Orgs};
use crate::store::tickets::{self, TicketRow};

/// How long after filing (or after the last file added) photos sent to the chat attach to
/// the ticket: a reporter takes the picture right after writing, not an hour later.
pub(super) const ATTACH_WINDOW: TimeDelta = TimeDelta::minutes(15);

/// The ticket a filed conversation is about.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct Filed {
    pub ticket_id: i64,
    pub number: String,
    /// The ticket's version when filed: a change is taken only while nobody acted on it.
    pub version: i32,
    pub at: chrono::DateTime<chrono::Utc>,
    /// The part being changed after *Ubah* (index in [`FIELDS`]).
    #[serde(default)]
    pub amending: Option<u8>,
}

impl Turn<'_> {
    /// A registered reporter's first message that says what, where and which kind.
    pub(super) fn complete_in_one(&self) -> bool {
        let d = &self.draft;
        self.registered() && d.description.is_some() && d.location.is_some() && d.category.is_some()
    }

    /// Create the ticket now; the acknowledgement (number, expected completion) comes from
    /// the report itself, the buttons to add, change or cancel follow it.
    pub(super) async fn file_now(&mut self) -> Result<Flow, ServiceError> {
        let created = self.create_ticket().await?;
        let Some(created) = created else { return Ok(Flow::Next) };
        self.draft = Draft {
            filed: Some(Filed {
                ticket_id: created.ticket_id,
                number: created.number.to_string(),
                version: created.version,
                at: self.now,
                amending: None,
            }),
            ..Draft::default()
        };
        Ok(Flow::Ask(Stage::Filed))
    }

    /// Whether the filed ticket still takes photos sent to the chat.
    pub(super) fn in_attach_window(&self) -> bool {
        self.draft.filed.as_ref().is_some_and(|f| self.now - f.at <= ATTACH_WINDOW)
    }

    /// The message under the acknowledgement: what can still be done, with its buttons.
    pub(super) fn filed_question(&self) -> OutboundMessage {
        let locale = self.locale();
        let Some(filed) = &self.draft.filed else { return OutboundMessage::default() };
        let mut message = OutboundMessage {
            text: t!("intake.filed", locale = locale, number = filed.number, minutes = ATTACH_WINDOW.num_minutes())
                .into_owned(),
            choices: vec![
                self.choice(t!("intake.add_files", locale = locale).into_owned(), Pick::AddFiles),
                self.choice(t!("intake.edit", locale = locale).into_owned(), Pick::Edit),
            ],
            ..Default::default()
        };
        // Cancelling is the ticket's own action, checked and recorded as any other press.
        if self.desk.sop.sop.header.reporter_can_cancel {
            message.buttons.push(Button {
                label: t!("intake.cancel_report", locale = locale).into_owned(),
                action: ButtonAction {
                    ticket_id: filed.ticket_id,
                    version: filed.version,
                    kind: ActionKind::Cancel,
                    to: None,
                    arg: None,
                },
            });
        }
        message
    }

    /// The question for the part being changed.
    pub(super) fn amend_question(&self) -> OutboundMessage {
        let locale = self.locale();
        let field = self.draft.filed.as_ref().and_then(|f| f.amending).and_then(|i| FIELDS.get(usize::from(i)));
        match field {
            Some(Stage::Category) => OutboundMessage {
                text: t!("intake.ask_category", locale = locale).into_owned(),
                choices: Category::ALL
                    .iter()
                    .enumerate()
                    .map(|(i, c)| self.choice(i18n::category(locale, *c), Pick::Category(i as u8)))
                    .collect(),
                ..Default::default()
            },
            Some(Stage::Location) => OutboundMessage::text(t!("intake.ask_new_location", locale = locale).into_owned()),
            _ => OutboundMessage::text(t!("intake.ask_new_description", locale = locale).into_owned()),
        }
    }

    /// The filed ticket, if it is still open and nobody has acted on it.
    async fn untouched(&self) -> Result<Option<TicketRow>, ServiceError> {
        let Some(filed) = &self.draft.filed else { return Ok(None) };
        let row = tickets::by_id(self.txn, filed.ticket_id).await?;
        Ok(row.filter(|r| r.version == filed.version && r.status == TicketStatus::Open.as_str()))
    }

    /// A press on the filed message's buttons, or on the change questions after it.
    pub(super) async fn filed_pick(&mut self, pick: Pick) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        match (self.stage, pick) {
            (Stage::Filed, Pick::AddFiles) => {
                if let Some(filed) = &mut self.draft.filed {
                    filed.at = self.now;
                }
                let text = t!("intake.send_files_now", locale = locale, minutes = ATTACH_WINDOW.num_minutes());
                self.say(text.into_owned());
                Ok(Flow::Save)
            }
            (Stage::Filed, Pick::Edit) => {
                if self.untouched().await?.is_none() {
                    return Ok(self.too_late());
                }
                Ok(Flow::Ask(Stage::Edit))
            }
            (Stage::Edit, Pick::Field(index)) => match FIELDS.get(usize::from(index)) {
                Some(Stage::Attach) => {
                    if let Some(filed) = &mut self.draft.filed {
                        filed.at = self.now;
                    }
                    let text = t!("intake.send_files_now", locale = locale, minutes = ATTACH_WINDOW.num_minutes());
                    self.say(text.into_owned());
                    Ok(Flow::Ask(Stage::Filed))
                }
                Some(_) => {
                    if let Some(filed) = &mut self.draft.filed {
                        filed.amending = Some(index);
                    }
                    Ok(Flow::Ask(Stage::Amend))
                }
                None => Ok(Flow::Ask(Stage::Filed)),
            },
            (Stage::Amend, Pick::Category(index)) => match Category::ALL.get(usize::from(index)) {
                Some(category) => self.amend(Amendment::Category(*category)).await,
                None => Ok(Flow::Keep),
            },
            (_, Pick::Cancel) => Ok(Flow::Ask(Stage::Filed)),
            _ => {
                self.toast = Some(t!("press.forged", locale = locale).into_owned());
                Ok(Flow::Keep)
            }
        }
    }

    /// Text typed while changing a part of the filed ticket.
    pub(super) async fn amend_text(&mut self, text: &str) -> Result<Flow, ServiceError> {
        let field = self.draft.filed.as_ref().and_then(|f| f.amending).and_then(|i| FIELDS.get(usize::from(i)));
        match field {
            Some(Stage::Location) => self.amend(Amendment::Location(text.to_owned())).await,
            Some(Stage::Category) => match intake::guess_category(text) {
                Some(category) => self.amend(Amendment::Category(category)).await,
                None => {
                    self.say(t!("intake.category_by_button", locale = self.locale()).into_owned());
                    Ok(Flow::Keep)
                }
            },
            _ => self.amend(Amendment::Description(text.to_owned())).await,
        }
    }

    fn too_late(&mut self) -> Flow {
        let number = self.draft.filed.as_ref().map(|f| f.number.clone()).unwrap_or_default();
        self.say(t!("intake.filed_too_late", locale = self.locale(), number = number).into_owned());
        Flow::End
    }

    /// Change the filed ticket, record it, and tell whoever holds its card.
    async fn amend(&mut self, change: Amendment) -> Result<Flow, ServiceError> {
        let Some(row) = self.untouched().await? else { return Ok(self.too_late()) };
        let Some(person) = self.person.clone() else { return Ok(Flow::Next) };
        let mut active: ticket::ActiveModel = row.clone().into();
        let (field, value) = match &change {
            Amendment::Description(text) => {
                active.description = Set(text.clone());
                ("field_describe", text.clone())
            }
            Amendment::Location(text) => {
                active.location = Set(Some(text.clone()));
                ("field_location", text.clone())
            }
            Amendment::Category(category) => {
                active.category = Set(category.as_str().to_owned());
                ("field_category", i18n::category("id", *category))
            }
        };
        active.updated_at = Set(self.now);
        active.update(self.txn).await?;
        let note = format!("{}: {value}", t!(format!("intake.{field}"), locale = "id"));
        self.record_event(&row, person.id, "amend", Some(note)).await?;
        let locale = self.locale();
        self.say(t!("intake.amended", locale = locale, number = row.number).into_owned());
        self.tell_card_holders(&row, |locale| {
            let label = t!(format!("intake.{field}"), locale = locale);
            let shown = match &change {
                Amendment::Category(c) => i18n::category(locale, *c),
                _ => value.clone(),
            };
            OutboundMessage::text(t!(
                "notice.amended",
                locale = locale,
                number = row.number,
                field = label,
                value = shown
            ))
        })
        .await?;
        if let Some(filed) = &mut self.draft.filed {
            filed.amending = None;
        }
        Ok(Flow::Ask(Stage::Filed))
    }

    /// Photos or a letter sent soon after filing: they belong to the ticket.
    pub(super) async fn attach(&mut self, saved: Vec<SavedFile>, caption: &str) -> Result<Flow, ServiceError> {
        let Some(filed) = self.draft.filed.clone() else { return Ok(Flow::Next) };
        let Some(row) = tickets::by_id(self.txn, filed.ticket_id).await?.filter(|r| r.status == "open") else {
            return Ok(Flow::Next);
        };
        let Some(person) = self.person.clone() else { return Ok(Flow::Next) };
        let letter = (!caption.is_empty() && intake::looks_like_letter_number(caption)).then(|| caption.to_owned());
        if let Some(letter) = &letter {
            let mut active: ticket::ActiveModel = row.clone().into();
            active.srikandi_number = Set(Some(letter.clone()));
            active.updated_at = Set(self.now);
            active.update(self.txn).await?;
        }
        let note = if caption.is_empty() { None } else { Some(caption.to_owned()) };
        let event = self.record_event(&row, person.id, "attach", note).await?;
        attachments::record(self.txn, row.id, Some(event), Some(person.id), &saved, self.now).await?;
        let photos: Vec<i64> = attachments::for_event(self.txn, event)
            .await?
            .into_iter()
            .filter(|a| a.mime.starts_with("image/"))
            .map(|a| a.id)
            .collect();
        let locale = self.locale();
        let what = if !saved.is_empty() {
            "attached"
        } else if letter.is_some() {
            "letter_added"
        } else {
            "noted"
        };
        let count = saved.len();
        self.say(t!(format!("intake.{what}"), locale = locale, number = row.number, count = count).into_owned());
        // Whoever holds the ticket's card sees what came after it.
        self.tell_card_holders(&row, |locale| OutboundMessage {
            text: t!(format!("notice.{what}"), locale = locale, number = row.number, count = count, note = caption)
                .into_owned(),
            attachments: photos.clone(),
            ..Default::default()
        })
        .await?;
        if let Some(filed) = &mut self.draft.filed {
            filed.at = self.now;
        }
        Ok(Flow::Save)
    }

    async fn record_event(
        &self,
        row: &TicketRow,
        actor: i64,
        action: &str,
        note: Option<String>,
    ) -> Result<i64, ServiceError> {
        let event = tickets::append_event(
            self.txn,
            ticket_event::ActiveModel {
                ticket_id: Set(row.id),
                actor_id: Set(Some(actor)),
                actor_role: Set(Some("reporter".into())),
                channel: Set(self.incoming.channel.as_str().to_owned()),
                action: Set(action.to_owned()),
                from_step: Set(None),
                to_step: Set(None),
                note: Set(note),
                data: Set(None),
                at: Set(self.now),
                ..Default::default()
            },
        )
        .await?;
        Ok(event.id)
    }

    /// The chats holding a live card of the ticket, once each.
    async fn card_holders(
        &self,
        ticket_id: i64,
    ) -> Result<Vec<(crate::domain::ticket::Channel, String, Option<i64>)>, ServiceError> {
        let mut holders: Vec<_> =
            cards::live(self.txn, ticket_id).await?.into_iter().map(|c| (c.channel, c.address, c.person_id)).collect();
        holders.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
        holders.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        Ok(holders)
    }

    /// Queue `message` (rendered in each reader's language) to every chat holding a live
    /// card of the ticket; their languages are read in one batch.
    async fn tell_card_holders(
        &mut self,
        row: &TicketRow,
        message: impl Fn(&str) -> OutboundMessage,
    ) -> Result<(), ServiceError> {
        let holders = self.card_holders(row.id).await?;
        let ids: Vec<i64> = holders.iter().filter_map(|(_, _, id)| *id).collect();
        let locales: std::collections::HashMap<i64, &'static str> =
            people::records(self.txn, &ids, &mut Orgs::default())
                .await?
                .into_iter()
                .map(|p| (p.id, i18n::locale(&p.locale)))
                .collect();
        for (channel, address, person_id) in holders {
            let locale = person_id.and_then(|id| locales.get(&id).copied()).unwrap_or("id");
            self.replies.push(NewOutbound {
                person_id,
                channel,
                address,
                ticket_id: Some(row.id),
                kind: kind::UPDATE,
                message: message(locale),
            });
        }
        Ok(())
    }
}

enum Amendment {
    Description(String),
    Location(String),
    Category(Category),
}
