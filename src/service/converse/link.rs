//! Officials link and unlink tickets by command: `/gabung GJ-induk GJ-laporan` puts a report
//! under an incident (as the network registry does for reports from under an open incident),
//! `/pisah GJ-laporan` gives a linked report its own life at the technician's step. The same
//! checks and the same records as the automatic link; in this turn's transaction.

use super::*;
use crate::domain::ticket::{TicketNumber, TicketStatus};
use crate::service::linked::link_refusal;
use crate::store::tickets::TicketRow;

impl Turn<'_> {
    /// The ticket `raw` names, or the person told why there is none.
    async fn named_ticket(&mut self, raw: &str) -> Result<Option<TicketRow>, ServiceError> {
        let locale = self.locale();
        let row = match raw.parse::<TicketNumber>() {
            Ok(number) => tickets::by_number(self.txn, number).await?,
            Err(_) => None,
        };
        if row.is_none() {
            let text = if raw.is_empty() {
                t!("link.usage", locale = locale).into_owned()
            } else {
                t!("refusal.not_found", locale = locale, number = raw).into_owned()
            };
            self.say(text);
        }
        Ok(row)
    }

    /// `/gabung PARENT CHILD`.
    pub(super) async fn link_command(&mut self, parent: &str, child: &str) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        let Some(person) = self.person.clone().filter(|_| self.is_staff()) else {
            self.say(t!("chat.staff_only", locale = locale).into_owned());
            return Ok(Flow::Keep);
        };
        let Some(parent) = self.named_ticket(parent).await? else { return Ok(Flow::Keep) };
        let Some(child) = self.named_ticket(child).await? else { return Ok(Flow::Keep) };
        let has_children = !tickets::children(self.txn, child.id).await?.is_empty();
        if let Some(key) = link_refusal(&child, &parent, has_children) {
            let linked_to = match child.parent_id {
                Some(id) => tickets::by_id(self.txn, id).await?.map(|p| p.number),
                None => None,
            };
            let text = t!(
                key,
                locale = locale,
                number = child.number,
                parent = parent.number,
                other = linked_to.as_deref().unwrap_or("-")
            );
            self.say(text.into_owned());
            return Ok(Flow::Keep);
        }
        let messages =
            self.desk.link_existing(self.txn, &child, &parent, &person, self.incoming.channel, self.now).await?;
        self.replies.extend(messages);
        self.say(t!("link.linked", locale = locale, number = child.number, parent = parent.number).into_owned());
        Ok(Flow::Keep)
    }

    /// `/pisah CHILD`.
    pub(super) async fn unlink_command(&mut self, child: &str) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        let Some(person) = self.person.clone().filter(|_| self.is_staff()) else {
            self.say(t!("chat.staff_only", locale = locale).into_owned());
            return Ok(Flow::Keep);
        };
        let Some(child) = self.named_ticket(child).await? else { return Ok(Flow::Keep) };
        if child.parent_id.is_none() || child.status != TicketStatus::Open.as_str() {
            self.say(t!("link.not_linked", locale = locale, number = child.number).into_owned());
            return Ok(Flow::Keep);
        }
        let note = t!("link.split_by", locale = "id", name = person.name).into_owned();
        let messages = self.desk.split(self.txn, &child, Some(&person), self.incoming.channel, &note, self.now).await?;
        self.replies.extend(messages);
        let step = self.desk.sop.sop.technician_step().display_name(locale).to_owned();
        self.say(t!("link.unlinked", locale = locale, number = child.number, step = step).into_owned());
        Ok(Flow::Keep)
    }
}
