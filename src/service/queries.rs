//! What people ask in chat, answered from the core: a ticket's status, a reporter's tickets,
//! an official's queue sorted by time left, and help. Channels parse their own command
//! syntax into [`Query`] and send back the text.

use rust_i18n::t;
use sea_orm::TransactionTrait;

use super::{Helpdesk, ServiceError, TicketRef, cards, notify};
use crate::domain::role::Role;
use crate::domain::ticket::{Channel, TicketNumber, TicketStatus};
use crate::domain::workflow::{Audience, Notice, NoticeKind};
use crate::i18n;
use crate::store::cards::LiveCard;
use crate::store::directory::{self, PersonRecord};
use crate::store::outbox::{self, NewOutbound};
use crate::store::tickets::{self, TicketRow};

/// Most lines a list answer shows; a chat message must stay readable on a small phone.
const MAX_LINES: usize = 15;
/// Most cards `/antrian` sends again at once: the most urgent ones.
const MAX_CARDS: usize = 10;

/// Open tickets read at once when listing a person's queue.
const QUEUE_PAGE: u64 = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// `/status [number]`: one ticket, the newest open one of the reporter when no number.
    Status(Option<String>),
    /// `/tiket`: the reporter's tickets.
    Mine,
    /// `/antrian`: the tickets waiting on this official or technician, soonest due first,
    /// each with a fresh card carrying its buttons.
    Queue,
    /// `/tiket N`: one ticket's status, with a fresh card when it waits on this person.
    Ticket(String),
    /// `/bantuan`, `/start`, or anything not understood.
    Help,
}

impl Helpdesk {
    /// The answer to `query` from the person behind `channel`/`from`, in their language.
    pub async fn query(&self, channel: Channel, from: &str, query: Query) -> Result<String, ServiceError> {
        let Some(person) = directory::person_by_identity(&self.db, channel, from).await?.filter(|p| p.active) else {
            return Ok(t!("chat.unregistered", locale = "id").into_owned());
        };
        let locale = i18n::locale(&person.locale);
        match query {
            Query::Help => Ok(help(&person, locale)),
            Query::Status(number) => self.status(&person, number, locale).await,
            Query::Mine => self.mine(&person, locale).await,
            Query::Queue => self.queue(&person, channel, from, locale).await,
            Query::Ticket(number) => self.ticket(&person, channel, from, number, locale).await,
        }
    }

    async fn status(
        &self,
        person: &PersonRecord,
        number: Option<String>,
        locale: &str,
    ) -> Result<String, ServiceError> {
        let row = match number {
            Some(raw) => {
                let number: TicketNumber = raw
                    .parse()
                    .map_err(|e: crate::domain::ticket::InvalidTicketNumber| ServiceError::Invalid(e.to_string()))?;
                tickets::by_number(&self.db, number).await?
            }
            None => tickets::of_reporter(&self.db, person.id, 20)
                .await?
                .into_iter()
                .find(|t| t.status == TicketStatus::Open.as_str()),
        };
        let Some(row) = row else { return Ok(t!("chat.no_ticket", locale = locale).into_owned()) };
        // A reporter sees their own tickets; staff see every ticket.
        let staff = person.roles.iter().any(|r| *r != Role::Reporter);
        if row.reporter_id != person.id && !staff {
            return Err(ServiceError::NotFound(row.number));
        }
        let details = self.details(TicketRef::Id(row.id)).await?;
        let tz = self.sop.calendar.timezone();
        let status = row.status.parse().unwrap_or(TicketStatus::Open);
        let who = details.assignees.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
        Ok(t!(
            "chat.status",
            locale = locale,
            number = row.number,
            status = i18n::status(locale, status),
            step = self.step_name(&row, locale),
            who = if who.is_empty() { "-".to_owned() } else { who },
            due = details.sla.overall_due.map_or_else(|| "-".to_owned(), |d| i18n::datetime(locale, d, tz))
        )
        .into_owned())
    }

    async fn mine(&self, person: &PersonRecord, locale: &str) -> Result<String, ServiceError> {
        let rows = tickets::of_reporter(&self.db, person.id, MAX_LINES as u64).await?;
        if rows.is_empty() {
            return Ok(t!("chat.no_ticket", locale = locale).into_owned());
        }
        let mut out = t!("chat.mine_title", locale = locale).into_owned();
        for row in rows {
            let status = row.status.parse().unwrap_or(TicketStatus::Open);
            out.push('\n');
            out.push_str(&t!(
                "chat.mine_row",
                locale = locale,
                number = row.number,
                status = i18n::status(locale, status),
                step = self.step_name(&row, locale)
            ));
        }
        Ok(out)
    }

    async fn queue(
        &self,
        person: &PersonRecord,
        channel: Channel,
        from: &str,
        locale: &str,
    ) -> Result<String, ServiceError> {
        let now = self.clock.now();
        // The open tickets a page at a time, keeping the soonest due of this person's and
        // counting the rest: memory and query sizes stay bounded however many are open.
        let (mut mine, mut count, mut after) = (Vec::new(), 0, 0);
        loop {
            let page = tickets::open_page(&self.db, after, QUEUE_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let full = page.len() as u64 == QUEUE_PAGE;
            let ids: Vec<i64> = page.iter().map(|t| t.id).collect();
            let mut assigned = std::collections::HashMap::<i64, Vec<i64>>::new();
            for (ticket, person_id) in tickets::assignees_of(&self.db, &ids).await? {
                assigned.entry(ticket).or_default().push(person_id);
            }
            let theirs: Vec<TicketRow> = page
                .into_iter()
                .filter(|row| self.waits_on(row, assigned.get(&row.id).map(Vec::as_slice), person))
                .collect();
            let ids: Vec<i64> = theirs.iter().map(|t| t.id).collect();
            let mut history = std::collections::HashMap::<i64, Vec<_>>::new();
            for event in tickets::events_of(&self.db, &ids).await? {
                history.entry(event.ticket_id).or_default().push(event);
            }
            for row in theirs {
                let sla = self.evaluate(&row, history.get(&row.id).map_or(&[][..], Vec::as_slice), now);
                let due = sla.current().and_then(|v| v.due).or(sla.overall_due);
                mine.push((due, row));
                count += 1;
            }
            // Soonest due first; tickets without any limit last.
            mine.sort_by_key(|(due, row)| (due.is_none(), *due, row.id));
            mine.truncate(MAX_LINES.max(MAX_CARDS));
            if !full {
                break;
            }
        }
        if mine.is_empty() {
            return Ok(t!("chat.queue_empty", locale = locale).into_owned());
        }
        // The cards come too: a card that arrived as a template, or scrolled away, is back
        // with its buttons; the soonest due is the last, nearest the typing thumb.
        let with_cards: Vec<TicketRow> = mine.iter().take(MAX_CARDS).rev().map(|(_, row)| row.clone()).collect();
        self.resend_cards(person, channel, from, &with_cards).await?;
        let tz = self.sop.calendar.timezone();
        let mut out = t!("chat.queue_title", locale = locale, count = count).into_owned();
        out.push('\n');
        out.push_str(&t!("chat.queue_cards", locale = locale));
        for (due, row) in mine.into_iter().take(MAX_LINES) {
            let late = due.is_some_and(|d| d < now);
            out.push('\n');
            out.push_str(&t!(
                "chat.queue_row",
                locale = locale,
                number = row.number,
                step = self.step_name(&row, locale),
                due = due.map_or_else(|| "-".to_owned(), |d| i18n::datetime(locale, d, tz)),
                late = if late { t!("chat.late_mark", locale = locale) } else { "".into() }
            ));
        }
        Ok(out)
    }

    async fn ticket(
        &self,
        person: &PersonRecord,
        channel: Channel,
        from: &str,
        number: String,
        locale: &str,
    ) -> Result<String, ServiceError> {
        let status = self.status(person, Some(number.clone()), locale).await?;
        let Ok(parsed) = number.parse::<TicketNumber>() else { return Ok(status) };
        if let Some((row, assignees)) = tickets::with_assignees(&self.db, TicketRef::Number(parsed)).await?
            && row.status == TicketStatus::Open.as_str()
            && self.waits_on(&row, Some(&assignees).filter(|a| !a.is_empty()).map(Vec::as_slice), person)
        {
            self.resend_cards(person, channel, from, &[row]).await?;
        }
        Ok(status)
    }

    /// Whether `row` waits on `person`: the reporter on their own step, the assignees on a
    /// technician step (every technician while nobody is), the step's role otherwise.
    fn waits_on(&self, row: &TicketRow, assignees: Option<&[i64]>, person: &PersonRecord) -> bool {
        let Some(step) = self.sop.sop.step(&row.step) else { return false };
        match step.role {
            Role::Reporter => row.reporter_id == person.id,
            Role::Technician => match assignees {
                Some(list) => list.contains(&person.id),
                None => person.roles.contains(&Role::Technician),
            },
            role => person.roles.contains(&role),
        }
    }

    /// A fresh card of each of `rows` for `person`, in the chat they asked from; the card of
    /// each they held before is retired, so they hold exactly one.
    async fn resend_cards(
        &self,
        person: &PersonRecord,
        channel: Channel,
        from: &str,
        rows: &[TicketRow],
    ) -> Result<(), ServiceError> {
        if rows.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let mut fresh = Vec::new();
        for row in rows {
            let details = self.details(TicketRef::Id(row.id)).await?;
            let Some(reporter) = &details.reporter else { continue };
            let ctx = notify::Context {
                desk: self,
                ticket: &details.ticket,
                reporter,
                org_name: details.org_name.clone().unwrap_or_default(),
                acted: None,
                assignees: details.assignees.clone(),
                holders: vec![person.clone()],
                photos: Vec::new(),
                report_photos: Vec::new(),
                overall_due: details.sla.overall_due,
                now,
            };
            let step = details.ticket.step.clone();
            let audience = match self.sop.sop.step(&step) {
                Some(s) if s.role == Role::Reporter => Audience::Reporter,
                _ => Audience::StepActors(step),
            };
            let notice = Notice { audience, kind: NoticeKind::TaskCard };
            fresh.extend(
                ctx.render(&[notice]).into_iter().filter(|m| m.person_id == Some(person.id)).map(|m| NewOutbound {
                    channel,
                    address: from.to_owned(),
                    ..m
                }),
            );
        }
        let txn = self.db.begin().await?;
        let mut queued = Vec::new();
        for row in rows {
            let theirs = |c: &LiveCard| c.person_id == Some(person.id);
            queued.extend(self.retire_cards(&txn, (row.id, &row.number), theirs, cards::Why::Resent, None, now).await?);
        }
        queued.extend(fresh);
        outbox::enqueue(&txn, queued, now).await?;
        txn.commit().await?;
        Ok(())
    }

    fn step_name(&self, row: &TicketRow, locale: &str) -> String {
        self.sop.sop.step(&row.step).map_or_else(|| row.step.clone(), |s| s.display_name(locale).to_owned())
    }
}

pub(super) fn help(person: &PersonRecord, locale: &str) -> String {
    let staff = person.roles.iter().any(|r| *r != Role::Reporter);
    let key = if staff { "chat.help_staff" } else { "chat.help_reporter" };
    t!(key, locale = locale, name = person.name).into_owned()
}
