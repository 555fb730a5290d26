//! Acting from the web console: the card's actions the signed-in person may take now, and
//! taking one. The action goes through [`Helpdesk::act`], the call a pressed chat button
//! ends in, with the same checks, event, notices and papers: the reporter is told exactly
//! as when the official presses in chat. Only the channel on the event differs (`web`).

use rust_i18n::t;

use super::press::{self, PressOutcome};
use super::sign_in::ConsoleUser;
use super::{ActRequest, Helpdesk, ServiceError, TicketRef, notify};
use crate::domain::role::Role;
use crate::domain::sop::{ActionKind, Target};
use crate::domain::ticket::{Channel, Priority, TicketNumber, TicketStatus};
use crate::i18n;
use crate::outbound::ButtonAction;
use crate::store::directory;
use crate::store::tickets::{self, TicketRow};

/// One of the card's buttons, as the console offers it.
#[derive(Debug, Clone)]
pub struct ConsoleAction {
    pub label: String,
    pub action: ButtonAction,
    /// The action asks for a reason, typed with it.
    pub note: bool,
    /// The action is one of these choices (a technician, a priority): `(arg, label)`.
    pub choices: Vec<(i64, String)>,
}

/// An action as the console's form posts it back.
#[derive(Debug, Clone)]
pub struct ConsoleRequest {
    pub kind: String,
    pub to: Option<String>,
    pub version: i32,
    pub arg: Option<i64>,
    pub note: Option<String>,
}

impl Helpdesk {
    /// The actions of `ticket`'s card that `viewer` may take now, checked as a pressed
    /// button is. Those that need photos, a time or a device's details stay in the chat,
    /// where those are sent.
    pub async fn console_actions(
        &self,
        viewer: &ConsoleUser,
        ticket: &TicketRow,
        locale: &str,
    ) -> Result<Vec<ConsoleAction>, ServiceError> {
        let sop = &self.sop.sop;
        let Some(step) = sop.step(&ticket.step).filter(|_| ticket.status == TicketStatus::Open.as_str()) else {
            return Ok(Vec::new());
        };
        let mut offered = Vec::new();
        for button in notify::step_buttons(sop, ticket, step, locale) {
            let kind = button.action.kind;
            let needs = kind.needs();
            let to = button.action.to.clone().map(Target::from);
            let photos = step.find_action(kind, to.as_ref()).is_some_and(|def| def.min_photos > 0);
            if needs.eta || needs.device || photos || self.may_press(&viewer.person, &button.action).await.is_err() {
                continue;
            }
            let choices = if needs.assignees {
                self.technician_choices(locale).await?
            } else if needs.priority {
                Priority::ALL.iter().enumerate().map(|(i, p)| (i as i64, i18n::priority(locale, Some(*p)))).collect()
            } else {
                Vec::new()
            };
            offered.push(ConsoleAction { label: button.label, action: button.action, note: needs.note, choices });
        }
        Ok(offered)
    }

    /// Take an action on ticket `number` as `viewer`; the answer is the one the chat gives.
    #[tracing::instrument(skip_all, fields(viewer = viewer.person.id, ticket = number, action = %request.kind))]
    pub async fn console_act(
        &self,
        viewer: &ConsoleUser,
        number: &str,
        request: ConsoleRequest,
    ) -> Result<PressOutcome, ServiceError> {
        let locale = i18n::locale(&viewer.person.locale);
        let tz = self.sop.calendar.timezone();
        let number: TicketNumber = number.parse().map_err(|_| ServiceError::NotFound(number.to_owned()))?;
        let kind: ActionKind = request
            .kind
            .parse()
            .map_err(|e: crate::domain::ticket::UnknownWord| ServiceError::Invalid(e.to_string()))?;
        let Some(row) = tickets::by_number(&self.db, number).await? else {
            return Err(ServiceError::NotFound(number.to_string()));
        };
        let button =
            ButtonAction { ticket_id: row.id, version: request.version, kind, to: request.to, arg: request.arg };
        let note = request.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let mut command = press::command(&button, note);
        let needs = kind.needs();
        let mut assignee_ids = Vec::new();
        if needs.assignees {
            assignee_ids.extend(button.arg);
        }
        if needs.priority {
            command.priority =
                button.arg.and_then(|i| usize::try_from(i).ok()).and_then(|i| Priority::ALL.get(i)).copied();
        }
        let act = ActRequest {
            ticket: TicketRef::Id(row.id),
            actor_id: viewer.person.id,
            channel: Channel::Web,
            command,
            assignee_ids,
            attachments: Vec::new(),
        };
        press::outcome(self.act(act).await, locale, tz)
    }

    /// Technicians by load, least busy first, as the chat's picker lists them.
    async fn technician_choices(&self, locale: &str) -> Result<Vec<(i64, String)>, ServiceError> {
        let technicians = directory::holders_of(&self.db, Role::Technician).await?;
        let ids: Vec<i64> = technicians.iter().map(|p| p.id).collect();
        let load = tickets::open_load(&self.db, &ids).await?;
        let mut listed: Vec<(u64, i64, String)> =
            technicians.into_iter().map(|p| (load.get(&p.id).copied().unwrap_or(0), p.id, p.name)).collect();
        listed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.2.cmp(&b.2)));
        Ok(listed
            .into_iter()
            .map(|(open, id, name)| {
                (id, t!("press.technician_choice", locale = locale, name = name, open = open).into_owned())
            })
            .collect())
    }
}
