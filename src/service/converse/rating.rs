//! The satisfaction survey (IKM, PermenPANRB 14/2017) asked in chat after a reporter
//! confirms a ticket: one question per element, Lewati and Berhenti, one reminder.

use super::*;

impl Turn<'_> {
    /// Record the answer to the element asked (`None`: skipped) and go on to the next.
    pub(super) async fn rate(&mut self, score: Option<u8>) -> Result<Flow, ServiceError> {
        let (Some(ticket), Some(person)) = (self.draft.survey_ticket, self.person.as_ref()) else {
            return Ok(Flow::End);
        };
        let element = usize::from(self.draft.survey_element);
        survey::answer(self.txn, ticket, element, score, person.id, self.now).await?;
        self.draft.survey_element += 1;
        if usize::from(self.draft.survey_element) >= SURVEY_ELEMENTS.len() {
            self.say(t!("survey.thanks", locale = self.locale()).into_owned());
            return Ok(Flow::End);
        }
        Ok(Flow::Next)
    }
}

/// One survey question: the element, and 1-4 with the regulation's meaning, Lewati, Berhenti.
pub(super) fn survey_question(locale: &str, number: &str, element: u8, revision: i32) -> OutboundMessage {
    let key = SURVEY_ELEMENTS.get(usize::from(element)).copied().unwrap_or("facilities");
    let text = t!(
        "survey.question",
        locale = locale,
        number = number,
        n = element + 1,
        total = SURVEY_ELEMENTS.len(),
        question = t!(format!("survey.q_{key}"), locale = locale)
    )
    .into_owned();
    let choice = |label: String, pick: Pick| ChoiceButton { label, choice: Choice { revision, pick } };
    let mut choices: Vec<ChoiceButton> = (1..=4)
        .map(|s| choice(t!(format!("survey.score_{s}"), locale = locale).into_owned(), Pick::Score(s)))
        .collect();
    choices.push(choice(t!("intake.skip", locale = locale).into_owned(), Pick::Skip));
    choices.push(choice(t!("survey.stop", locale = locale).into_owned(), Pick::Cancel));
    OutboundMessage { text, choices, ..Default::default() }
}

impl Helpdesk {
    /// After a reporter confirms their ticket resolved: ask the optional satisfaction
    /// survey in their chat, in the caller's transaction. Nothing when they are in the middle
    /// of another conversation (a new report) or cannot be reached in a chat.
    pub(in crate::service) async fn start_survey(
        &self,
        txn: &DatabaseTransaction,
        reporter: &PersonRecord,
        ticket_id: i64,
        number: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<NewOutbound>, ServiceError> {
        let Some((channel, address)) = reporter.contact() else { return Ok(None) };
        if !matches!(channel, Channel::Telegram | Channel::Whatsapp | Channel::Web) {
            return Ok(None);
        }
        // A report being written is not interrupted; the buttons under a report filed
        // earlier are done with once a ticket is confirmed.
        let existing = conversations::get(txn, channel, address).await?;
        if existing.as_ref().is_some_and(|row| Stage::parse(&row.stage) != Stage::Filed) {
            return Ok(None);
        }
        let revision = existing.map_or(1, |row| row.revision + 1);
        let draft =
            Draft { survey_ticket: Some(ticket_id), survey_number: Some(number.to_owned()), ..Draft::default() };
        let data = serde_json::to_string(&draft).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        conversations::put(
            txn,
            ConversationRow {
                channel: channel.as_str().to_owned(),
                sender: address.to_owned(),
                reply_to: address.to_owned(),
                stage: Stage::Survey.as_str().to_owned(),
                data,
                revision,
                updated_at: now,
            },
        )
        .await?;
        let locale = i18n::locale(&reporter.locale);
        let mut message = survey_question(locale, number, 0, revision);
        message.text = format!("{}\n\n{}", t!("survey.intro", locale = locale), message.text);
        Ok(Some(NewOutbound {
            person_id: Some(reporter.id),
            channel,
            address: address.to_owned(),
            ticket_id: Some(ticket_id),
            kind: kind::CONVERSATION,
            message,
        }))
    }
}

/// How long a survey question waits before its one reminder.
pub const SURVEY_REMINDER_AFTER: chrono::TimeDelta = chrono::TimeDelta::hours(24);

impl Helpdesk {
    /// Remind, once, reporters who left a survey unanswered for a day: the same question
    /// again, its buttons still valid. Returns how many were reminded.
    pub async fn remind_surveys(&self, now: chrono::DateTime<chrono::Utc>) -> Result<usize, ServiceError> {
        let stale = conversations::idle_in_stage(&self.db, Stage::Survey.as_str(), now - SURVEY_REMINDER_AFTER).await?;
        let mut reminded = 0;
        for row in stale {
            let mut draft: Draft = serde_json::from_str(&row.data).unwrap_or_default();
            if draft.survey_reminded || draft.survey_ticket.is_none() {
                continue;
            }
            let Ok(channel) = row.channel.parse::<Channel>() else { continue };
            let txn = self.db.begin().await?;
            // Another replica's pass may have reminded first: only this revision counts.
            let Some(current) = conversations::get(&txn, channel, &row.sender).await? else { continue };
            if current.revision != row.revision || current.updated_at != row.updated_at {
                continue;
            }
            let person = directory::person_by_identity(&txn, channel, &row.sender).await?;
            let locale = person.as_ref().map_or("id", |p| i18n::locale(&p.locale));
            let number = draft.survey_number.clone().unwrap_or_default();
            let mut message = survey_question(locale, &number, draft.survey_element, row.revision);
            message.text = format!("{}\n\n{}", t!("survey.reminder", locale = locale), message.text);
            draft.survey_reminded = true;
            let data = serde_json::to_string(&draft).map_err(|e| ServiceError::Invalid(e.to_string()))?;
            conversations::put(&txn, ConversationRow { data, updated_at: now, ..row.clone() }).await?;
            let reminder = NewOutbound {
                person_id: person.map(|p| p.id),
                channel,
                address: row.reply_to.clone(),
                ticket_id: draft.survey_ticket,
                kind: kind::CONVERSATION,
                message,
            };
            outbox::enqueue(&txn, vec![reminder], now).await?;
            txn.commit().await?;
            reminded += 1;
        }
        Ok(reminded)
    }
}
