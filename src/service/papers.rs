//! The SOP's papers sent in chat: when a ticket arrives at a step whose SOP entry names
//! papers, each is rendered from the events so far, kept in the database as the ticket's
//! attachment (`store::attachments::record_papers`), and queued as a document to everyone
//! who got the step's card, in the same transaction as the move. Papers are official
//! documents: always in Bahasa Indonesia.

use rust_i18n::t;
use sea_orm::DatabaseTransaction;

use super::view::TicketDetails;
use super::{Helpdesk, ServiceError};
use crate::documents;
use crate::domain::role::Role;
use crate::domain::sop::Step;
use crate::domain::ticket::Channel;
use crate::outbound::{OutboundMessage, kind};
use crate::store::attachments::{self, NewAttachment};
use crate::store::outbox::NewOutbound;
use crate::store::people::{self, Orgs};
use crate::store::privacy::{self, NewAudit, action};

/// The language of the papers.
const PAPER_LOCALE: &str = "id";

impl Helpdesk {
    /// The documents for `step`'s papers, to the recipients of its cards among `queued`.
    pub(super) async fn papers_for(
        &self,
        txn: &DatabaseTransaction,
        details: &TicketDetails,
        step: &Step,
        event_id: i64,
        queued: &[NewOutbound],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<NewOutbound>, ServiceError> {
        let ticket = &details.ticket;
        // Whoever got the step's card, then whoever else the SOP names, once each.
        let mut recipients: Vec<(Option<i64>, Channel, String)> = queued
            .iter()
            .filter(|m| m.kind == kind::CARD && m.ticket_id == Some(ticket.id))
            .map(|m| (m.person_id, m.channel, m.address.clone()))
            .collect();
        for role in &step.papers_to {
            let people = match role {
                Role::Reporter => details.reporter.clone().into_iter().collect(),
                role => people::holders_of_any(txn, &[*role], &mut Orgs::default()).await?,
            };
            for person in people.iter().filter(|p| p.active) {
                if let Some((channel, address)) = person.contact() {
                    recipients.push((Some(person.id), channel, address.to_owned()));
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        recipients.retain(|(_, channel, address)| seen.insert((*channel, address.clone())));
        if step.papers.is_empty() || recipients.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = recipients.iter().filter_map(|(id, _, _)| *id).collect();
        let locales: std::collections::HashMap<i64, &'static str> = people::records(txn, &ids, &mut Orgs::default())
            .await?
            .into_iter()
            .map(|p| (p.id, crate::i18n::locale(&p.locale)))
            .collect();
        let photos = attachments::photos_of(txn, &self.data_dir, ticket.id).await?;
        let linked = self.linked_reports(txn, ticket.id).await?;
        let with_linked;
        let details = if linked.is_empty() {
            details
        } else {
            with_linked = TicketDetails { linked, ..details.clone() };
            &with_linked
        };
        let mut files = Vec::with_capacity(step.papers.len());
        for paper in &step.papers {
            let pdf = documents::render(*paper, details, &photos, &self.letterhead, &self.sop, PAPER_LOCALE);
            let title =
                t!(format!("document.title_{}", documents::kind_key(*paper)), locale = PAPER_LOCALE).into_owned();
            files.push(NewAttachment {
                bytes: pdf,
                mime: "application/pdf".into(),
                file_name: Some(format!("{} {}.pdf", title, ticket.number)),
            });
        }
        let stored = attachments::record_papers(txn, ticket.id, event_id, files, now).await?;
        let mut out = Vec::new();
        for (paper, row) in step.papers.iter().zip(&stored) {
            for (person_id, channel, address) in &recipients {
                // The paper is official and Indonesian; the line that brings it is the reader's.
                let locale = person_id.and_then(|id| locales.get(&id).copied()).unwrap_or(PAPER_LOCALE);
                let title = t!(format!("document.title_{}", documents::kind_key(*paper)), locale = locale);
                let text = t!("document.sent", locale = locale, title = title, number = ticket.number).into_owned();
                out.push(NewOutbound {
                    person_id: *person_id,
                    channel: *channel,
                    address: address.clone(),
                    ticket_id: Some(ticket.id),
                    kind: kind::PAPER,
                    message: OutboundMessage { text, attachments: vec![row.id], ..Default::default() },
                });
                // A paper names the reporter and the officials: who was sent one is recorded.
                let audit = NewAudit {
                    actor_id: *person_id,
                    channel: channel.as_str().to_owned(),
                    action: action::PAPER,
                    subject_id: Some(ticket.reporter_id),
                    ticket_id: Some(ticket.id),
                    detail: Some(format!("{} (chat)", documents::kind_key(*paper))),
                };
                privacy::audit(txn, audit, now).await?;
            }
        }
        Ok(out)
    }
}
