//! A newcomer's registration (language, organisation picked or searched, name, phone) and
//! an official's invite code.

use super::*;

impl Turn<'_> {
    pub(super) async fn ask_org(&mut self) -> Result<(), ServiceError> {
        let locale = self.locale();
        let query = self.draft.org_query.clone().filter(|q| !q.trim().is_empty());
        let mut orgs = directory::search_orgs(self.txn, query.as_deref().unwrap_or("")).await?;
        let mut text = String::new();
        let mut show_all = false;
        if let Some(query) = &query {
            if orgs.is_empty() {
                text = t!("onboard.org_none_found", locale = locale, query = query).into_owned();
                text.push_str("\n\n");
                orgs = directory::search_orgs(self.txn, "").await?;
                self.draft.org_query = None;
            } else {
                show_all = true;
            }
        }
        let pages = orgs.len().div_ceil(ORGS_PER_PAGE).max(1);
        let page = (self.draft.page as usize).min(pages - 1);
        self.draft.page = page as u32;
        match &self.draft.org_query {
            Some(query) => text.push_str(&t!("onboard.org_found", locale = locale, query = query, count = orgs.len())),
            None => text.push_str(&t!("onboard.ask_org", locale = locale, page = page + 1, pages = pages)),
        }
        let mut choices: Vec<ChoiceButton> = orgs
            .iter()
            .skip(page * ORGS_PER_PAGE)
            .take(ORGS_PER_PAGE)
            .map(|o| self.choice(o.name.clone(), Pick::Org(o.id)))
            .collect();
        if page > 0 {
            choices
                .push(self.choice(t!("onboard.page_prev", locale = locale).into_owned(), Pick::Page(page as u32 - 1)));
        }
        if page + 1 < pages {
            choices
                .push(self.choice(t!("onboard.page_next", locale = locale).into_owned(), Pick::Page(page as u32 + 1)));
        }
        if show_all {
            choices.push(self.choice(t!("onboard.org_show_all", locale = locale).into_owned(), Pick::Skip));
        }
        self.send(OutboundMessage { text, choices, ..Default::default() });
        Ok(())
    }

    pub(super) async fn redeem(&mut self, code: &str) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        let invite = conversations::invite(self.txn, code).await?;
        let problem = match &invite {
            None => Some("invite.invalid"),
            Some(found) if found.used_at.is_some() => Some("invite.invalid"),
            Some(found) if found.expires_at <= self.now => Some("invite.expired"),
            Some(_) => None,
        };
        let (Some(invite), None) = (invite, problem) else {
            tracing::warn!(sender = %self.incoming.sender, "refused an invite code");
            self.say(t!(problem.unwrap_or("invite.invalid"), locale = locale).into_owned());
            return Ok(Flow::Keep);
        };
        let role: Role =
            invite.role.parse().map_err(|e: crate::domain::role::UnknownRole| ServiceError::Invalid(e.to_string()))?;
        let person = match self.person.clone() {
            Some(person) => {
                directory::add_role(self.txn, person.id, role).await?;
                person
            }
            None => {
                let phone = (self.incoming.channel == Channel::Whatsapp).then(|| self.incoming.sender.clone());
                let new = NewPerson {
                    name: invite.name.clone(),
                    org_code: None,
                    locale: locale.to_owned(),
                    roles: vec![role],
                    identities: vec![(self.incoming.channel, self.incoming.sender.clone())],
                };
                directory::insert_person(self.txn, &new, invite.org_id, phone, self.now).await?
            }
        };
        if !conversations::mark_used(self.txn, code, person.id, self.now).await? {
            self.say(t!("invite.invalid", locale = locale).into_owned());
            return Ok(Flow::Keep);
        }
        tracing::info!(person = person.id, role = %role, "invite redeemed");
        self.say(
            t!("invite.welcome", locale = locale, name = person.name, role = i18n::role(locale, role)).into_owned(),
        );
        Ok(Flow::End)
    }

    pub(super) async fn register_phone(&mut self, raw: &str, own: bool) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        let Ok(phone) = raw.parse::<PhoneNumber>() else {
            self.say(t!("onboard.phone_invalid", locale = locale).into_owned());
            return Ok(Flow::Ask(Stage::Phone));
        };
        self.register(Some(phone), own).await
    }

    /// The newcomer's answers are complete: make them a reporter, or, when their shared
    /// number is already a person's WhatsApp, let that person use Telegram too.
    pub(super) async fn register(&mut self, phone: Option<PhoneNumber>, own: bool) -> Result<Flow, ServiceError> {
        let locale = self.locale();
        let channel = self.incoming.channel;
        let sender = self.incoming.sender.clone();
        let whatsapp = match channel {
            Channel::Whatsapp => Some(sender.clone()),
            _ => phone.as_ref().map(|p| p.as_str().to_owned()),
        };
        let existing = match &whatsapp {
            Some(number) if channel == Channel::Telegram => {
                directory::person_by_identity(self.txn, Channel::Whatsapp, number).await?
            }
            _ => None,
        };
        let person = match existing {
            // Only a number Telegram vouches for joins an existing person.
            Some(person) if own => {
                directory::add_identity(self.txn, person.id, channel, &sender, self.now).await?;
                directory::person_record(self.txn, person.id).await?.ok_or(ServiceError::UnknownPerson)?
            }
            Some(_) => {
                self.say(t!("onboard.phone_taken", locale = locale).into_owned());
                return Ok(Flow::Ask(Stage::Phone));
            }
            None => {
                let mut identities = vec![(channel, sender.clone())];
                if channel == Channel::Telegram && own {
                    identities.extend(whatsapp.clone().map(|n| (Channel::Whatsapp, n)));
                }
                let new = NewPerson {
                    name: self.draft.name.clone().unwrap_or_default(),
                    org_code: None,
                    locale: locale.to_owned(),
                    roles: vec![Role::Reporter],
                    identities,
                };
                directory::insert_person(self.txn, &new, self.draft.org_id, whatsapp, self.now).await?
            }
        };
        tracing::info!(person = person.id, %channel, "reporter registered");
        let org = match person.org_id {
            Some(id) => directory::org_by_id(self.txn, id).await?.map(|o| o.name).unwrap_or_default(),
            None => "-".to_owned(),
        };
        self.person = Some(person.clone());
        let mut message =
            OutboundMessage::text(t!("onboard.registered", locale = locale, name = person.name, org = org));
        message.contact_done = channel == Channel::Telegram;
        if self.draft.description.is_none() {
            message.text.push_str("\n\n");
            message.text.push_str(&t!("onboard.how_to_report", locale = locale));
            self.send(message);
            return Ok(Flow::End);
        }
        self.send(message);
        Ok(Flow::Next)
    }
}
