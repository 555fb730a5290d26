//! Turning the engine's [`Notice`]s into outbox rows: find the people behind each audience,
//! and render the text and buttons in each person's language.

use chrono::{DateTime, Utc};
use rust_i18n::t;
use sea_orm::ConnectionTrait;

use super::{Helpdesk, ServiceError};
use crate::domain::role::Role;
use crate::domain::sop::{Step, Target};
use crate::domain::ticket::{Category, TicketStatus};
use crate::domain::workflow::{Audience, Notice, NoticeKind, Transition};
use crate::i18n;
use crate::outbound::{Button, ButtonAction, OutboundMessage, kind};
use crate::store::directory::{self, PersonRecord};
use crate::store::outbox::NewOutbound;
use crate::store::tickets::TicketRow;
use crate::store::{attachments, tickets};

/// Everything needed to render the notices of one change.
pub(super) struct Context<'a> {
    desk: &'a Helpdesk,
    ticket: &'a TicketRow,
    reporter: &'a PersonRecord,
    org_name: String,
    /// Who acted, what they did, and the event id (for its photos). `None` for a new report.
    acted: Option<(&'a PersonRecord, &'a Transition, i64)>,
    assignees: Vec<PersonRecord>,
    photos: Vec<i64>,
    overall_due: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
}

impl<'a> Context<'a> {
    pub(super) async fn new<C: ConnectionTrait>(
        desk: &'a Helpdesk,
        db: &C,
        ticket: &'a TicketRow,
        reporter: &'a PersonRecord,
        acted: Option<(&'a PersonRecord, &'a Transition, i64)>,
        now: DateTime<Utc>,
    ) -> Result<Context<'a>, ServiceError> {
        let org_name = match ticket.org_id {
            Some(id) => directory::org_by_id(db, id).await?.map(|o| o.name).unwrap_or_default(),
            None => String::new(),
        };
        let mut assignees = Vec::new();
        for id in tickets::assignees(db, ticket.id).await? {
            if let Some(p) = directory::person_record(db, id).await? {
                assignees.push(p);
            }
        }
        let photos = match acted {
            Some((_, _, event_id)) => attachments::for_event(db, event_id)
                .await?
                .into_iter()
                .filter(|a| a.mime.starts_with("image/"))
                .map(|a| a.id)
                .collect(),
            None => Vec::new(),
        };
        let overall_due = desk.sla_of(db, ticket, now).await?.overall_due;
        Ok(Context { desk, ticket, reporter, org_name, acted, assignees, photos, overall_due, now })
    }

    pub(super) async fn render<C: ConnectionTrait>(
        &self,
        db: &C,
        notices: &[Notice],
    ) -> Result<Vec<NewOutbound>, ServiceError> {
        let mut out = Vec::new();
        for notice in notices {
            for person in self.people(db, &notice.audience).await? {
                let Some((channel, address)) = person.contact() else {
                    tracing::debug!(person = person.id, "no channel identity: nothing queued");
                    continue;
                };
                let message = self.message(notice, &person);
                out.push(NewOutbound {
                    person_id: person.id,
                    channel,
                    address: address.to_owned(),
                    ticket_id: Some(self.ticket.id),
                    kind: row_kind(notice.kind),
                    message,
                });
            }
        }
        Ok(out)
    }

    async fn people<C: ConnectionTrait>(&self, db: &C, audience: &Audience) -> Result<Vec<PersonRecord>, ServiceError> {
        match audience {
            Audience::Reporter => Ok(vec![self.reporter.clone()]),
            Audience::StepActors(step) => {
                let Some(step) = self.desk.sop.sop.step(step) else { return Ok(Vec::new()) };
                if step.role == Role::Technician && !self.assignees.is_empty() {
                    return Ok(self.assignees.iter().filter(|p| p.active).cloned().collect());
                }
                Ok(directory::holders_of(db, step.role).await?)
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
        OutboundMessage { text, buttons: Vec::new(), attachments: Vec::new() }
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
        let tz = self.desk.sop.calendar.timezone();
        let text = t!(
            &full,
            locale = locale,
            number = number,
            role = i18n::role(locale, if key == "approve" { transition.as_role } else { next_role }),
            due = self.due_text(locale),
            assignees = assignees,
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
            return OutboundMessage { text: self.update_text(locale), buttons: Vec::new(), attachments: Vec::new() };
        };
        let buttons = self.buttons(step, locale);
        if step.role == Role::Reporter {
            let (actor, note) = match self.acted {
                Some((a, t, _)) => (a.name.clone(), t.note.clone().unwrap_or_else(|| "-".into())),
                None => ("-".into(), "-".into()),
            };
            let text = t!("notice.confirm_card", locale = locale, number = number, actor = actor, note = note);
            return OutboundMessage { text: text.into_owned(), buttons, attachments: self.photos.clone() };
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
        OutboundMessage { text, buttons, attachments: Vec::new() }
    }

    fn buttons(&self, step: &Step, locale: &str) -> Vec<Button> {
        step.actions
            .iter()
            .map(|action| {
                let next_role = match &action.to {
                    Some(Target::Step(id)) => self.desk.sop.sop.step(id).map(|s| s.role),
                    _ => None,
                };
                Button {
                    label: i18n::action_label(locale, action.kind, next_role),
                    action: ButtonAction {
                        ticket_id: self.ticket.id,
                        version: self.ticket.version,
                        kind: action.kind,
                        to: action.to.as_ref().map(ToString::to_string),
                    },
                }
            })
            .collect()
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
