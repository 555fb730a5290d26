//! What SIGAP holds about one person (Pasal 32: access), for `/dataku`: their profile and
//! identities, their tickets, and counts of what else is kept (their actions and notes,
//! complaints, photos, messages sent to them). The file (`/dataku berkas`) adds every ticket
//! and every note they wrote; it names no one else.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_i18n::t;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::domain::ticket::TicketStatus;
use crate::i18n;
use crate::store::directory::{self, PersonRecord};
use crate::store::entity::{attachment, outbox, service_complaint, ticket, ticket_event};

/// Tickets the chat message lists; the file lists all.
const TICKETS_IN_MESSAGE: usize = 10;

#[derive(Debug, Clone)]
pub struct MyData {
    pub person: PersonRecord,
    pub org: Option<String>,
    pub phone: Option<String>,
    pub tickets: Vec<ticket::Model>,
    /// Their actions on tickets, with the notes they wrote.
    pub actions: Vec<(String, ticket_event::Model)>,
    pub complaints: Vec<service_complaint::Model>,
    pub photos: u64,
    pub messages: u64,
}

impl MyData {
    pub async fn read<C: ConnectionTrait>(db: &C, person: PersonRecord) -> Result<MyData, sea_orm::DbErr> {
        let row = crate::store::entity::person::Entity::find_by_id(person.id).one(db).await?;
        let org = match person.org_id {
            Some(id) => directory::org_by_id(db, id).await.ok().flatten().map(|o| o.name),
            None => None,
        };
        let tickets = ticket::Entity::find()
            .filter(ticket::Column::ReporterId.eq(person.id))
            .order_by_asc(ticket::Column::Id)
            .all(db)
            .await?;
        let events = ticket_event::Entity::find()
            .filter(ticket_event::Column::ActorId.eq(person.id))
            .order_by_asc(ticket_event::Column::Id)
            .all(db)
            .await?;
        let ids: Vec<i64> = events.iter().map(|e| e.ticket_id).collect();
        let numbers: std::collections::HashMap<i64, String> = ticket::Entity::find()
            .filter(ticket::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|t| (t.id, t.number))
            .collect();
        let actions = events.into_iter().map(|e| (numbers.get(&e.ticket_id).cloned().unwrap_or_default(), e)).collect();
        let complaints = service_complaint::Entity::find()
            .filter(service_complaint::Column::PersonId.eq(person.id))
            .order_by_asc(service_complaint::Column::Id)
            .all(db)
            .await?;
        let photos = attachment::Entity::find().filter(attachment::Column::UploadedBy.eq(person.id)).count(db).await?;
        let messages = outbox::Entity::find().filter(outbox::Column::PersonId.eq(person.id)).count(db).await?;
        Ok(MyData { org, phone: row.and_then(|r| r.phone), tickets, actions, complaints, photos, messages, person })
    }

    /// The chat answer: profile, identities, the latest tickets, the counts.
    pub fn message(&self, locale: &str, tz: Tz) -> String {
        let mut out = self.profile(locale);
        out.push_str("\n\n");
        out.push_str(&t!("privacy.my_tickets", locale = locale, count = self.tickets.len()));
        for ticket in self.tickets.iter().rev().take(TICKETS_IN_MESSAGE) {
            out.push('\n');
            out.push_str(&self.ticket_line(ticket, locale, tz));
        }
        out.push_str("\n\n");
        out.push_str(&t!(
            "privacy.my_counts",
            locale = locale,
            actions = self.actions.len(),
            complaints = self.complaints.len(),
            photos = self.photos,
            messages = self.messages
        ));
        out.push_str("\n\n");
        out.push_str(&t!("privacy.my_more", locale = locale));
        out
    }

    /// The file: everything of the message, every ticket, every note they wrote.
    pub fn file(&self, locale: &str, tz: Tz, now: DateTime<Utc>) -> String {
        let mut out = t!("privacy.file_title", locale = locale, at = i18n::datetime(locale, now, tz)).into_owned();
        out.push_str("\n\n");
        out.push_str(&self.profile(locale));
        out.push_str("\n\n");
        out.push_str(&t!("privacy.my_tickets", locale = locale, count = self.tickets.len()));
        for ticket in &self.tickets {
            out.push('\n');
            out.push_str(&self.ticket_line(ticket, locale, tz));
            out.push_str(&format!("\n    {}", ticket.description.replace('\n', "\n    ")));
        }
        out.push_str("\n\n");
        out.push_str(&t!("privacy.file_actions", locale = locale, count = self.actions.len()));
        for (number, event) in &self.actions {
            out.push_str(&format!(
                "\n• {} {} — {}",
                i18n::datetime(locale, event.at, tz),
                number,
                i18n::past(locale, &event.action)
            ));
            if let Some(note) = &event.note {
                out.push_str(&format!(": {note}"));
            }
        }
        out.push_str("\n\n");
        out.push_str(&t!("privacy.file_complaints", locale = locale, count = self.complaints.len()));
        for complaint in &self.complaints {
            out.push_str(&format!(
                "\n• K-{} {}: {}",
                complaint.id,
                i18n::datetime(locale, complaint.created_at, tz),
                complaint.text
            ));
        }
        out.push_str("\n\n");
        out.push_str(&t!(
            "privacy.my_counts",
            locale = locale,
            actions = self.actions.len(),
            complaints = self.complaints.len(),
            photos = self.photos,
            messages = self.messages
        ));
        out.push('\n');
        out
    }

    fn profile(&self, locale: &str) -> String {
        let dash = || "-".to_owned();
        let roles: Vec<String> = self.person.roles.iter().map(|r| i18n::role(locale, *r)).collect();
        let identities: Vec<String> =
            self.person.identities.iter().map(|(channel, address)| format!("{} {address}", channel.as_str())).collect();
        t!(
            "privacy.my_profile",
            locale = locale,
            name = self.person.name,
            org = self.org.clone().unwrap_or_else(dash),
            phone = self.phone.clone().unwrap_or_else(dash),
            roles = roles.join(", "),
            identities = identities.join(", "),
            language = self.person.locale
        )
        .into_owned()
    }

    fn ticket_line(&self, ticket: &ticket::Model, locale: &str, tz: Tz) -> String {
        let status = ticket.status.parse().unwrap_or(TicketStatus::Open);
        format!(
            "• {} — {} ({})",
            ticket.number,
            i18n::status(locale, status),
            i18n::datetime(locale, ticket.created_at, tz)
        )
    }
}
