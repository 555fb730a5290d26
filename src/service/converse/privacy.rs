//! A person's own data in chat (UU 27/2022): the notice (`/privasi`), what SIGAP holds about
//! them (`/dataku`, and as a file), corrections of their name and organisation, and a
//! request to erase it all (`/hapus-data`), which the admin carries out.

use super::*;
use crate::service::MyData;
use crate::store::privacy::{self, NewAudit, action};

impl Turn<'_> {
    pub(super) fn privacy_notice(&mut self) -> Flow {
        let locale = self.locale();
        let mut text = self.desk.privacy.notice(locale);
        text.push_str("\n\n");
        text.push_str(&t!("privacy.commands", locale = locale));
        self.say(text);
        Flow::Keep
    }

    pub(super) async fn my_data(&mut self, file: bool) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        let Some(person) = self.person.clone() else {
            self.say(t!("privacy.nothing_kept", locale = locale).into_owned());
            return Ok(Flow::Keep);
        };
        let tz = self.desk.sop.calendar.timezone();
        let data = MyData::read(self.txn, person.clone()).await?;
        if !file {
            self.say(data.message(locale, tz));
            return Ok(Flow::Keep);
        }
        let relative = format!("exports/dataku-{}-{}.txt", person.id, self.now.timestamp_millis());
        let full = self.desk.data_dir.join(&relative);
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Written before the commit: a file without its message is deleted by retention.
        std::fs::write(&full, data.file(locale, tz, self.now))?;
        let audit = NewAudit {
            actor_id: Some(person.id),
            channel: self.incoming.channel.as_str().to_owned(),
            action: action::MY_DATA,
            subject_id: Some(person.id),
            ticket_id: None,
            detail: None,
        };
        privacy::audit(self.txn, audit, self.now).await?;
        let mut message = OutboundMessage::text(t!("privacy.file_sent", locale = locale));
        message.files.push(crate::outbound::StoredFile {
            path: relative,
            mime: "text/plain".into(),
            file_name: t!("privacy.file_name", locale = locale).into_owned(),
        });
        self.send(message);
        Ok(Flow::Keep)
    }

    pub(super) async fn erase_request(&mut self) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        let Some(person) = self.person.clone() else {
            self.say(t!("privacy.nothing_kept", locale = locale).into_owned());
            return Ok(Flow::Keep);
        };
        if privacy::open_request(self.txn, person.id, privacy::ERASE).await?.is_some() {
            self.say(t!("privacy.erase_pending", locale = locale).into_owned());
            return Ok(Flow::Keep);
        }
        let request =
            privacy::add_request(self.txn, person.id, privacy::ERASE, self.incoming.channel, self.now).await?;
        tracing::info!(person = person.id, request = request.id, "erasure requested");
        self.say(t!("privacy.erase_recorded", locale = locale, id = request.id).into_owned());
        Ok(Flow::Keep)
    }

    pub(super) async fn correct(&mut self, field: Correction, value: &str) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        let Some(person) = self.person.clone() else {
            self.say(t!("privacy.nothing_kept", locale = locale).into_owned());
            return Ok(Flow::Keep);
        };
        let value = value.trim();
        match field {
            Correction::Name => {
                let letters = value.chars().filter(|c| c.is_alphabetic()).count();
                if letters < 2 || value.chars().count() > MAX_NAME_CHARS {
                    self.say(t!("onboard.name_invalid", locale = locale).into_owned());
                    return Ok(Flow::Keep);
                }
                privacy::correct_name(self.txn, person.id, value).await?;
                self.say(t!("privacy.name_corrected", locale = locale, name = value).into_owned());
            }
            Correction::Org => {
                if value.is_empty() {
                    self.say(t!("privacy.org_usage", locale = locale).into_owned());
                    return Ok(Flow::Keep);
                }
                let found = directory::search_orgs(self.txn, value).await?;
                let exact =
                    found.iter().find(|o| o.name.eq_ignore_ascii_case(value) || o.code.eq_ignore_ascii_case(value));
                let org = match (exact, found.as_slice()) {
                    (Some(org), _) | (None, [org]) => org.clone(),
                    (None, []) => {
                        self.say(t!("onboard.org_none_found", locale = locale, query = value).into_owned());
                        return Ok(Flow::Keep);
                    }
                    (None, many) => {
                        let names: Vec<&str> = many.iter().take(ORGS_PER_PAGE).map(|o| o.name.as_str()).collect();
                        self.say(t!("privacy.org_which", locale = locale, names = names.join(", ")).into_owned());
                        return Ok(Flow::Keep);
                    }
                };
                privacy::correct_org(self.txn, person.id, org.id).await?;
                self.say(t!("privacy.org_corrected", locale = locale, org = org.name).into_owned());
            }
        }
        let audit = NewAudit {
            actor_id: Some(person.id),
            channel: self.incoming.channel.as_str().to_owned(),
            action: action::CORRECTION,
            subject_id: Some(person.id),
            ticket_id: None,
            detail: Some(match field {
                Correction::Name => "name".into(),
                Correction::Org => "organisation".into(),
            }),
        };
        privacy::audit(self.txn, audit, self.now).await?;
        Ok(Flow::Keep)
    }
}
