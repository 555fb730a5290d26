//! A complaint about the service itself (`/keluhan`), and the complaint official's answer
//! (`/jawab K-12 …`), as the SOP's complaint handling asks.

use super::*;

impl Turn<'_> {
    /// The text after `/keluhan`: recorded, with the reporter's ticket when it names one (or
    /// their newest), and sent to the complaint officials to answer.
    pub(super) async fn file_complaint(&mut self, text: &str) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        let Some(person) = self.person.clone() else { return Ok(Flow::End) };
        if text.trim().chars().count() < 3 {
            self.say(t!("complaint.ask", locale = locale).into_owned());
            return Ok(Flow::Keep);
        }
        let named = text
            .split_whitespace()
            .find_map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-').to_uppercase().parse().ok());
        let ticket = match named {
            Some(number) => tickets::by_number(self.txn, number).await?.filter(|t| t.reporter_id == person.id),
            None => tickets::of_reporter(self.txn, person.id, 1).await?.into_iter().next(),
        };
        let filed = complaints::file(self.txn, person.id, ticket.as_ref().map(|t| t.id), text.trim(), self.now).await?;
        let number = ticket.as_ref().map_or_else(|| "-".to_owned(), |t| t.number.clone());
        let mut orgs = crate::store::people::Orgs::default();
        let officials = crate::store::people::holders_of_any(self.txn, &[Role::ComplaintOfficial], &mut orgs).await?;
        for official in officials.iter().filter(|o| o.active) {
            let Some((channel, address)) = official.contact() else { continue };
            let their = i18n::locale(&official.locale);
            let text = t!(
                "complaint.card",
                locale = their,
                id = filed.id,
                name = person.name,
                ticket = number,
                text = filed.text
            )
            .into_owned();
            self.replies.push(NewOutbound {
                person_id: Some(official.id),
                channel,
                address: address.to_owned(),
                ticket_id: filed.ticket_id,
                kind: kind::COMPLAINT,
                message: OutboundMessage::text(text),
            });
        }
        self.say(t!("complaint.filed", locale = locale, id = filed.id).into_owned());
        Ok(Flow::End)
    }

    /// `/jawab K-12 …` from a complaint official (or the head of office).
    pub(super) async fn answer_complaint(&mut self, id: &str, text: &str) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        let Some(person) = self.person.clone() else {
            self.say(t!("chat.staff_only", locale = locale).into_owned());
            return Ok(Flow::Keep);
        };
        if !person.roles.iter().any(|r| matches!(r, Role::ComplaintOfficial | Role::Kadis | Role::Admin)) {
            self.say(t!("complaint.not_official", locale = locale).into_owned());
            return Ok(Flow::Keep);
        }
        let number = id.trim().trim_start_matches(['K', 'k']).trim_start_matches('-').parse::<i64>().ok();
        let (Some(number), false) = (number, text.trim().is_empty()) else {
            self.say(t!("complaint.answer_usage", locale = locale).into_owned());
            return Ok(Flow::Keep);
        };
        let Some(found) = complaints::by_id(self.txn, number).await? else {
            self.say(t!("complaint.unknown", locale = locale, id = number).into_owned());
            return Ok(Flow::Keep);
        };
        if !complaints::answer(self.txn, found.id, person.id, text.trim(), self.now).await? {
            self.say(t!("complaint.already", locale = locale, id = number).into_owned());
            return Ok(Flow::Keep);
        }
        if let Some(complainant) = directory::person_record(self.txn, found.person_id).await?
            && let Some((channel, address)) = complainant.contact()
        {
            let their = i18n::locale(&complainant.locale);
            self.replies.push(NewOutbound {
                person_id: Some(complainant.id),
                channel,
                address: address.to_owned(),
                ticket_id: found.ticket_id,
                kind: kind::COMPLAINT,
                message: OutboundMessage::text(t!(
                    "complaint.answered",
                    locale = their,
                    id = number,
                    name = person.name,
                    text = text.trim()
                )),
            });
        }
        self.say(t!("complaint.answer_sent", locale = locale, id = number).into_owned());
        Ok(Flow::Keep)
    }
}
