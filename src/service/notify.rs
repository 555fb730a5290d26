//! Turning the engine's [`Notice`]s into outbox rows: find the people behind each audience,
//! and render the text and buttons in each person's language.

use chrono::{DateTime, Utc};
use rust_i18n::t;

use super::Helpdesk;
use crate::domain::role::Role;
use crate::domain::sop::{Sop, Step, Target};
use crate::domain::ticket::{Category, TicketStatus};
use crate::domain::workflow::{Audience, Notice, NoticeKind, Transition};
use crate::i18n;
use crate::outbound::{Button, ButtonAction, OutboundMessage, kind};
use crate::store::directory::PersonRecord;
use crate::store::outbox::NewOutbound;
use crate::store::tickets::TicketRow;

/// Everything needed to render the notices of one change, read by the caller in its
/// transaction (batched: see [`holder_roles`]); rendering itself reads nothing.
pub(super) struct Context<'a> {
    pub desk: &'a Helpdesk,
    pub ticket: &'a TicketRow,
    pub reporter: &'a PersonRecord,
    pub org_name: String,
    /// Who acted, what they did, and the event id (for its photos). `None` for a new report.
    pub acted: Option<(&'a PersonRecord, &'a Transition, i64)>,
    /// The ticket's assignees after the change, by id.
    pub assignees: Vec<PersonRecord>,
    /// Active holders of the roles in [`holder_roles`], by id.
    pub holders: Vec<PersonRecord>,
    pub photos: Vec<i64>,
    /// The images the reporter sent with the report (or added after): shown with an
    /// official's card when the ticket reaches their step, never again on a refreshed card.
    pub report_photos: Vec<i64>,
    pub overall_due: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// The roles whose holders some notice goes to: a step's actors, except technicians when
/// the ticket has assignees (those are told instead).
pub(super) fn holder_roles(sop: &Sop, notices: &[Notice], has_assignees: bool) -> Vec<Role> {
    let mut roles = Vec::new();
    for notice in notices {
        if let Audience::StepActors(step) = &notice.audience
            && let Some(step) = sop.step(step)
            && !(step.role == Role::Technician && has_assignees)
            && !roles.contains(&step.role)
        {
            roles.push(step.role);
        }
    }
    roles
}

/// The roles a change at `step` is likely to notify: the step's own (withdrawals, answers)
/// and those of the steps its actions lead to. A guess, read ahead with the people the
/// change names; [`holder_roles`] decides, and what the guess missed is read after.
pub(super) fn likely_roles(sop: &Sop, step: &str) -> Vec<Role> {
    let mut roles = Vec::new();
    let Some(step) = sop.step(step) else { return roles };
    let targets = step.actions.iter().filter_map(|a| match &a.to {
        Some(Target::Step(id)) => sop.step(id).map(|s| s.role),
        _ => None,
    });
    for role in std::iter::once(step.role).chain(targets) {
        if role != Role::Reporter && !roles.contains(&role) {
            roles.push(role);
        }
    }
    roles
}

impl Context<'_> {
    pub(super) fn render(&self, notices: &[Notice]) -> Vec<NewOutbound> {
        let mut out = Vec::new();
        for notice in notices {
            for person in self.people(&notice.audience) {
                let Some((channel, address)) = person.contact() else {
                    tracing::debug!(person = person.id, "no channel identity: nothing queued");
                    continue;
                };
                let message = self.message(notice, person);
                out.push(NewOutbound {
                    person_id: Some(person.id),
                    channel,
                    address: address.to_owned(),
                    ticket_id: Some(self.ticket.id),
                    kind: row_kind(notice.kind),
                    message,
                });
            }
        }
        out
    }

    fn people(&self, audience: &Audience) -> Vec<&PersonRecord> {
        match audience {
            Audience::Reporter => vec![self.reporter],
            Audience::StepActors(step) => {
                let Some(step) = self.desk.sop.sop.step(step) else { return Vec::new() };
                if step.role == Role::Technician && !self.assignees.is_empty() {
                    return self.assignees.iter().filter(|p| p.active).collect();
                }
                self.holders.iter().filter(|p| p.roles.contains(&step.role)).collect()
            }
        }
    }

    fn message(&self, notice: &Notice, person: &PersonRecord) -> OutboundMessage {
        let locale = i18n::locale(&person.locale);
        let number = self.ticket.number.as_str();
        let text = match notice.kind {
            NoticeKind::Received => {
                t!("notice.received", locale = locale, number = number, due = self.due_text(locale)).into_owned()
            }
            NoticeKind::ReporterUpdate => self.update_text(locale),
            NoticeKind::TaskCard => return self.card(locale),
            NoticeKind::ReporterAnswered => {
                let note = self.acted.and_then(|(_, t, _)| t.note.clone()).unwrap_or_default();
                t!("notice.answered", locale = locale, number = number, note = note).into_owned()
            }
            NoticeKind::Withdrawn => t!("notice.withdrawn", locale = locale, number = number).into_owned(),
        };
        OutboundMessage { text, buttons: Vec::new(), attachments: Vec::new(), edit: None, ..Default::default() }
    }

    fn update_text(&self, locale: &str) -> String {
        let number = self.ticket.number.as_str();
        let Some((actor, transition, _)) = self.acted else {
            return t!("notice.update.moved", locale = locale, number = number, step = self.step_name(locale))
                .into_owned();
        };
        let key = match transition.status {
            TicketStatus::Closed => "closed".to_owned(),
            TicketStatus::Cancelled => "cancelled".to_owned(),
            TicketStatus::Rejected => "reject".to_owned(),
            TicketStatus::Open => transition.kind.as_str().to_owned(),
        };
        let full = format!("notice.update.{key}");
        let next_role = self.current_step().map(|s| s.role).unwrap_or(Role::Technician);
        let assignees = self.assignees.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
        // Who handles it now: the assigned technicians, the technician who chose, or the role.
        let handler = if !assignees.is_empty() {
            assignees.clone()
        } else if actor.roles.contains(&Role::Technician) {
            actor.name.clone()
        } else {
            i18n::role(locale, next_role)
        };
        let tz = self.desk.sop.calendar.timezone();
        let text = t!(
            &full,
            locale = locale,
            number = number,
            role = i18n::role(locale, if key == "approve" { transition.as_role } else { next_role }),
            due = self.due_text(locale),
            assignees = assignees,
            handler = handler,
            actor = actor.name,
            step = self.step_name(locale),
            note = transition.note.as_deref().unwrap_or("-"),
            priority = i18n::priority(locale, transition.priority),
            eta = transition.eta.map_or_else(|| "-".to_owned(), |eta| i18n::datetime(locale, eta, tz)),
            device = transition.device.as_deref().unwrap_or("-")
        );
        if text == full {
            t!("notice.update.moved", locale = locale, number = number, step = self.step_name(locale)).into_owned()
        } else {
            text.into_owned()
        }
    }

    fn card(&self, locale: &str) -> OutboundMessage {
        let number = self.ticket.number.as_str();
        let Some(step) = self.current_step() else {
            return OutboundMessage::text(self.update_text(locale));
        };
        let buttons = self.buttons(step, locale);
        if step.role == Role::Reporter {
            let (actor, note) = match self.acted {
                Some((a, t, _)) => (a.name.clone(), t.note.clone().unwrap_or_else(|| "-".into())),
                None => ("-".into(), "-".into()),
            };
            let text = t!("notice.confirm_card", locale = locale, number = number, actor = actor, note = note);
            return OutboundMessage {
                text: text.into_owned(),
                buttons,
                attachments: self.photos.clone(),
                edit: None,
                ..Default::default()
            };
        }
        let tz = self.desk.sop.calendar.timezone();
        let step_due = step.limit.map(|l| self.desk.sop.calendar.due(self.now, l));
        let category = self.ticket.category.parse().unwrap_or(Category::Other);
        let mut text = t!(
            "notice.card",
            locale = locale,
            number = number,
            step = step.display_name(locale),
            reporter = self.reporter.name,
            org = if self.org_name.is_empty() { "-" } else { &self.org_name },
            location = self.ticket.location.as_deref().unwrap_or("-"),
            category = i18n::category(locale, category),
            priority = i18n::priority(locale, self.ticket.priority.as_deref().and_then(|p| p.parse().ok())),
            description = self.ticket.description,
            step_due = step_due.map_or_else(|| i18n::limit(locale, None), |d| i18n::datetime(locale, d, tz)),
            due = self.due_text(locale)
        )
        .into_owned();
        if let Some((actor, transition, _)) = self.acted {
            text.push('\n');
            text.push_str(&t!(
                "notice.card_last",
                locale = locale,
                actor = actor.name,
                role = i18n::role(locale, transition.as_role),
                action = i18n::past(locale, transition.kind.as_str())
            ));
            if let Some(note) = &transition.note {
                text.push('\n');
                text.push_str(&t!("notice.card_note", locale = locale, note = note));
            }
        }
        let new_step = self.acted.is_none_or(|(_, t, _)| t.to_step != t.from_step);
        let attachments = if new_step { self.report_photos.clone() } else { Vec::new() };
        let list_label = Some(t!("list.actions", locale = locale).into_owned());
        OutboundMessage { text, buttons, attachments, edit: None, list_label, ..Default::default() }
    }

    fn buttons(&self, step: &Step, locale: &str) -> Vec<Button> {
        step_buttons(&self.desk.sop.sop, self.ticket, step, locale)
    }

    fn current_step(&self) -> Option<&Step> {
        self.desk.sop.sop.step(&self.ticket.step)
    }

    fn step_name(&self, locale: &str) -> String {
        self.current_step().map_or_else(|| self.ticket.step.clone(), |s| s.display_name(locale).to_owned())
    }

    fn due_text(&self, locale: &str) -> String {
        match self.overall_due {
            Some(due) => i18n::datetime(locale, due, self.desk.sop.calendar.timezone()),
            None => t!("notice.none", locale = locale).into_owned(),
        }
    }
}

fn row_kind(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Received => kind::RECEIVED,
        NoticeKind::ReporterUpdate => kind::UPDATE,
        NoticeKind::TaskCard => kind::CARD,
        NoticeKind::ReporterAnswered => kind::ANSWERED,
        NoticeKind::Withdrawn => kind::WITHDRAWN,
    }
}

/// The buttons of `step` for `ticket` at its current version, labelled in `locale`.
pub(super) fn step_buttons(sop: &Sop, ticket: &TicketRow, step: &Step, locale: &str) -> Vec<Button> {
    step.actions
        .iter()
        .map(|action| {
            let next_role = match &action.to {
                Some(Target::Step(id)) => sop.step(id).map(|s| s.role),
                _ => None,
            };
            Button {
                label: i18n::action_label(locale, action.kind, next_role),
                action: ButtonAction {
                    ticket_id: ticket.id,
                    version: ticket.version,
                    kind: action.kind,
                    to: action.to.as_ref().map(ToString::to_string),
                    arg: None,
                },
            }
        })
        .collect()
}

/// The pressed card rewritten: its text as it was, plus who did what and when; no buttons,
/// so it cannot be pressed again.
pub(super) fn card_edit(
    actor: &PersonRecord,
    transition: &Transition,
    channel: crate::domain::ticket::Channel,
    card: &super::act::CardRef,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> NewOutbound {
    let locale = i18n::locale(&actor.locale);
    let done = t!(
        "notice.card_done",
        locale = locale,
        actor = actor.name,
        role = i18n::role(locale, transition.as_role),
        action = i18n::past(locale, transition.kind.as_str()),
        at = i18n::datetime(locale, now, tz)
    );
    NewOutbound {
        person_id: Some(actor.id),
        channel,
        address: card.chat.clone(),
        ticket_id: None,
        kind: kind::CARD_EDIT,
        message: OutboundMessage {
            text: format!("{}\n\n{done}", card.text.trim_end()),
            buttons: Vec::new(),
            attachments: Vec::new(),
            edit: Some(card.message_id.clone()),
            ..Default::default()
        },
    }
}
