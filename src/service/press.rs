//! A button pressed in a chat, and the message that finishes an action the button started.
//! One-tap actions apply at once; an action that needs a reason asks for it, and the
//! person's next text message completes it. Every press is authorised by [`Helpdesk::act`]
//! like any other request: a genuine button is only a request, never a permission.

use rust_i18n::t;
use sea_orm::TransactionTrait;

use super::{ActRequest, CardRef, Helpdesk, Origin, ServiceError, TicketRef};
use crate::domain::reply;
use crate::domain::role::Role;
use crate::domain::sop::{ActionKind, Target};
use crate::domain::ticket::{Channel, Priority};
use crate::domain::workflow::{self, Actor, Command, Refusal};
use crate::i18n;
use crate::outbound::{Button, ButtonAction, OutboundMessage, kind};
use crate::store::attachments::NewAttachment;
use crate::store::directory::PersonRecord;
use crate::store::inbound::{self, PendingInput};
use crate::store::outbox::{self, NewOutbound};
use crate::store::{directory, tickets};

#[derive(Debug, Clone)]
pub struct Press {
    pub channel: Channel,
    /// The platform's id of the update, for exactly-once effect.
    pub update_id: String,
    /// The presser's platform identity (Telegram user id, E.164 number).
    pub from: String,
    pub action: ButtonAction,
    pub card: Option<CardRef>,
}

/// What to tell the person who pressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PressOutcome {
    /// Applied. `answer` is the short confirmation.
    Done { answer: String },
    /// The action needs a reason: `answer` asks for it; their next message completes it.
    Asked { answer: String },
    /// Nothing changed, and why.
    Refused { answer: String },
    /// This update was already handled.
    Duplicate,
}

impl Helpdesk {
    #[tracing::instrument(skip_all, fields(channel = %press.channel, ticket = press.action.ticket_id, action = %press.action.kind))]
    pub async fn press(&self, press: Press) -> Result<PressOutcome, ServiceError> {
        let tz = self.sop.calendar.timezone();
        let Some(person) = directory::person_by_identity(&self.db, press.channel, &press.from).await? else {
            return Ok(PressOutcome::Refused { answer: ServiceError::UnknownPerson.localized("id", tz) });
        };
        if let Some(outcome) = self.answer_after_parent(&press, &person).await? {
            return Ok(outcome);
        }
        if press.action.kind.is_linking() {
            return self.press_link(&press, &person).await;
        }
        let locale = i18n::locale(&person.locale);
        let kind = press.action.kind;
        let needs = kind.needs();
        let photos = self.needs_photos(&press.action).await?;
        let opens = needs.note || needs.eta || needs.device || photos;
        if press.action.arg.is_none() && (needs.assignees || needs.priority || opens) {
            // A picker or a question only for someone who could finish the action, checked
            // as a one-tap action is: nobody is left with a question that swallows their next
            // message, and no reporter sees the staff's names.
            if let Err(err) = self.may_press(&person, &press.action).await {
                return outcome(Err(err), locale, tz);
            }
        }
        let mut assignee_ids = Vec::new();
        let mut priority = None;
        if needs.assignees || needs.priority {
            let Some(arg) = press.action.arg else {
                return self.offer_choices(&press, person.id, locale).await;
            };
            if needs.assignees {
                assignee_ids.push(arg);
            } else {
                priority = usize::try_from(arg).ok().and_then(|i| Priority::ALL.get(i)).copied();
            }
        }
        if opens {
            return self.ask_for_note(&press, person.id, locale, photos).await;
        }
        let mut command = command(&press.action, None);
        command.priority = priority;
        let request = ActRequest {
            ticket: TicketRef::Id(press.action.ticket_id),
            actor_id: person.id,
            channel: press.channel,
            command,
            assignee_ids,
            attachments: Vec::new(),
        };
        let origin = Origin { update: Some(press.update_id.clone()), card: press.card.clone() };
        outcome(self.act_from(request, origin).await, locale, tz)
    }

    /// A text message from a person with an open question completes that action. `None`
    /// when the person has no open question (the message is something else).
    pub async fn answer_pending(
        &self,
        channel: Channel,
        update_id: &str,
        from: &str,
        text: &str,
        attachments: Vec<NewAttachment>,
    ) -> Result<Option<PressOutcome>, ServiceError> {
        let tz = self.sop.calendar.timezone();
        let Some(person) = directory::person_by_identity(&self.db, channel, from).await? else {
            return Ok(None);
        };
        let Some(pending) = inbound::pending(&self.db, person.id).await? else {
            return Ok(None);
        };
        let locale = i18n::locale(&person.locale);
        let kind: ActionKind = pending
            .action
            .parse()
            .map_err(|e: crate::domain::ticket::UnknownWord| ServiceError::Invalid(e.to_string()))?;
        let mut version = pending.version;
        if kind == ActionKind::ProvideInfo {
            // The reporter's answer to an official's question belongs to the ticket whatever
            // happened to it since, as long as it is open; otherwise the message is something
            // else (a new report), and the question is dropped.
            match tickets::by_id(&self.db, pending.ticket_id).await? {
                Some(row) if row.status == crate::domain::ticket::TicketStatus::Open.as_str() => version = row.version,
                _ => {
                    let txn = self.db.begin().await?;
                    inbound::clear_pending(&txn, person.id).await?;
                    txn.commit().await?;
                    return Ok(None);
                }
            }
        }
        let action =
            ButtonAction { ticket_id: pending.ticket_id, version, kind, to: pending.to_step.clone(), arg: None };
        let card = match (pending.card_chat, pending.card_message, pending.card_text) {
            (Some(chat), Some(message_id), Some(text)) => Some(CardRef { chat, message_id, text }),
            _ => None,
        };
        let mut command = command(&action, Some(text));
        if kind.needs().eta {
            match reply::parse_eta(text, self.clock.now(), tz) {
                Some(eta) => command.eta = Some(eta),
                // Keep the question open: the person can simply try again.
                None => {
                    return Ok(Some(PressOutcome::Refused {
                        answer: t!("press.eta_unclear", locale = locale).into_owned(),
                    }));
                }
            }
        }
        if kind.needs().device {
            let (device, reason) = reply::split_device(text);
            command.device = Some(device);
            command.note = Some(reason);
        }
        let request = ActRequest {
            ticket: TicketRef::Id(pending.ticket_id),
            actor_id: person.id,
            channel,
            command,
            assignee_ids: Vec::new(),
            attachments,
        };
        let origin = Origin { update: Some(update_id.to_owned()), card };
        let result = self.act_from(request, origin).await;
        if let Err(err) = &result
            && settles_the_question(err)
        {
            // The answer was refused for good: the question must not linger.
            let txn = self.db.begin().await?;
            inbound::clear_pending(&txn, person.id).await?;
            txn.commit().await?;
        }
        outcome(result, locale, tz).map(Some)
    }

    /// The choices of an assign or priority button, sent as a message with one button per
    /// choice; pressing one is the action.
    async fn offer_choices(&self, press: &Press, person_id: i64, locale: &str) -> Result<PressOutcome, ServiceError> {
        let now = self.clock.now();
        let choice =
            |label: String, arg: i64| Button { label, action: ButtonAction { arg: Some(arg), ..press.action.clone() } };
        let (key, buttons) = if press.action.kind.needs().assignees {
            let technicians = directory::holders_of(&self.db, Role::Technician).await?;
            let ids: Vec<i64> = technicians.iter().map(|p| p.id).collect();
            let load = tickets::open_load(&self.db, &ids).await?;
            let mut technicians: Vec<_> =
                technicians.into_iter().map(|p| (load.get(&p.id).copied().unwrap_or(0), p)).collect();
            technicians.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
            let buttons = technicians
                .into_iter()
                .map(|(open, p)| {
                    let name: String = p.name.chars().take(14).collect();
                    choice(t!("press.technician_choice", locale = locale, name = name, open = open).into_owned(), p.id)
                })
                .collect::<Vec<_>>();
            ("press.choose_technician", buttons)
        } else {
            let buttons = Priority::ALL
                .iter()
                .enumerate()
                .map(|(i, p)| choice(i18n::priority(locale, Some(*p)), i64::try_from(i).unwrap_or(0)))
                .collect();
            ("press.choose_priority", buttons)
        };
        if buttons.is_empty() {
            return Ok(PressOutcome::Refused { answer: t!("press.no_technician", locale = locale).into_owned() });
        }
        let number = tickets::by_id(&self.db, press.action.ticket_id)
            .await?
            .map_or_else(|| format!("#{}", press.action.ticket_id), |row| row.number);
        let text = t!(key, locale = locale, number = number).into_owned();
        let txn = self.db.begin().await?;
        if !inbound::remember(&txn, press.channel, &press.update_id, now).await? {
            return Ok(PressOutcome::Duplicate);
        }
        let picker = NewOutbound {
            person_id: Some(person_id),
            channel: press.channel,
            address: press.from.clone(),
            ticket_id: Some(press.action.ticket_id),
            kind: kind::PICKER,
            message: OutboundMessage {
                text: text.clone(),
                buttons,
                attachments: Vec::new(),
                edit: None,
                list_label: Some(t!("list.choose", locale = locale).into_owned()),
                ..Default::default()
            },
        };
        outbox::enqueue(&txn, vec![picker], now).await?;
        txn.commit().await?;
        Ok(PressOutcome::Asked { answer: text })
    }

    /// Whether `person` may press `action` now: the checks [`Helpdesk::act`] makes before
    /// anything else, with the same refusals (who acted first, wrong role, not assigned).
    pub(super) async fn may_press(&self, person: &PersonRecord, action: &ButtonAction) -> Result<(), ServiceError> {
        if !person.active {
            return Err(ServiceError::UnknownPerson);
        }
        let txn = self.db.begin().await?;
        let (row, assignees) = tickets::with_assignees(&txn, TicketRef::Id(action.ticket_id))
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("#{}", action.ticket_id)))?;
        let snapshot = tickets::snapshot(&row, assignees);
        let actor = Actor { id: person.id, roles: person.roles.clone() };
        let to = action.to.clone().map(Target::from);
        match workflow::may_act(&self.sop.sop, &snapshot, &actor, action.kind, to.as_ref(), action.version) {
            Ok(()) => Ok(()),
            Err(Refusal::Stale { .. }) => Err(super::act::who_was_first(&txn, &row).await?),
            Err(refusal) => {
                let step_name = self
                    .sop
                    .sop
                    .step(&row.step)
                    .map_or(row.step.clone(), |s| s.display_name(&person.locale).to_owned());
                Err(ServiceError::Refused { number: row.number.clone(), step_name, refusal })
            }
        }
    }

    /// Whether the step's SOP asks for photos with this action (a completion photo).
    async fn needs_photos(&self, action: &ButtonAction) -> Result<bool, ServiceError> {
        let Some(row) = tickets::by_id(&self.db, action.ticket_id).await? else { return Ok(false) };
        let to = action.to.clone().map(Target::from);
        Ok(self
            .sop
            .sop
            .step(&row.step)
            .and_then(|step| step.find_action(action.kind, to.as_ref()))
            .is_some_and(|def| def.min_photos > 0))
    }

    async fn ask_for_note(
        &self,
        press: &Press,
        person_id: i64,
        locale: &str,
        photos: bool,
    ) -> Result<PressOutcome, ServiceError> {
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        if !inbound::remember(&txn, press.channel, &press.update_id, now).await? {
            return Ok(PressOutcome::Duplicate);
        }
        let pending = PendingInput {
            person_id,
            channel: press.channel.as_str().to_owned(),
            ticket_id: press.action.ticket_id,
            version: press.action.version,
            action: press.action.kind.as_str().to_owned(),
            to_step: press.action.to.clone(),
            card_chat: press.card.as_ref().map(|c| c.chat.clone()),
            card_message: press.card.as_ref().map(|c| c.message_id.clone()),
            card_text: press.card.as_ref().map(|c| c.text.clone()),
            created_at: now,
        };
        inbound::set_pending(&txn, pending).await?;
        let key = if photos {
            "press.ask_resolve_photo".to_owned()
        } else {
            format!("press.ask_{}", press.action.kind.as_str())
        };
        let asked = t!(&key, locale = locale);
        let answer = if asked == key { t!("press.ask_note", locale = locale) } else { asked }.into_owned();
        // The button's short answer vanishes after a moment; the question stays in the chat.
        let number = tickets::by_id(&txn, press.action.ticket_id)
            .await?
            .map_or_else(|| format!("#{}", press.action.ticket_id), |row| row.number);
        let question = NewOutbound {
            person_id: Some(person_id),
            channel: press.channel,
            address: press.card.as_ref().map_or_else(|| press.from.clone(), |c| c.chat.clone()),
            ticket_id: Some(press.action.ticket_id),
            kind: kind::CONVERSATION,
            message: OutboundMessage::text(t!("press.question", locale = locale, number = number, question = answer)),
        };
        outbox::enqueue(&txn, vec![question], now).await?;
        txn.commit().await?;
        Ok(PressOutcome::Asked { answer })
    }
}

pub(super) fn command(action: &ButtonAction, note: Option<&str>) -> Command {
    let mut command = Command::new(action.kind, action.version);
    command.to = action.to.clone().map(Target::from);
    command.note = note.map(str::to_owned);
    command
}

/// The person's answer to a press or a reply, from what [`Helpdesk::act_from`] returned.
pub(super) fn outcome(
    result: Result<super::Acted, ServiceError>,
    locale: &str,
    tz: chrono_tz::Tz,
) -> Result<PressOutcome, ServiceError> {
    match result {
        Ok(acted) => {
            let action = i18n::past(locale, acted.transition.kind.as_str());
            Ok(PressOutcome::Done {
                answer: t!("press.done", locale = locale, number = acted.number, action = action).into_owned(),
            })
        }
        Err(ServiceError::Duplicate) => Ok(PressOutcome::Duplicate),
        Err(err) if err.is_internal() => Err(err),
        Err(err) => Ok(PressOutcome::Refused { answer: err.localized(locale, tz) }),
    }
}

/// Refusals the person can fix in their next message (a photo, a readable time) keep the
/// question open; any other refusal settles it.
fn settles_the_question(err: &ServiceError) -> bool {
    let fixable = matches!(
        err,
        ServiceError::Refused { refusal: Refusal::TooFewPhotos { .. } | Refusal::EtaInPast | Refusal::Missing(_), .. }
    );
    !fixable && !err.is_internal() && !matches!(err, ServiceError::Duplicate)
}
