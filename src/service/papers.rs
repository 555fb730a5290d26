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
use crate::domain::sop::Step;
use crate::outbound::{OutboundMessage, kind};
use crate::store::attachments::{self, NewAttachment};
use crate::store::outbox::NewOutbound;

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
        let recipients: Vec<&NewOutbound> =
            queued.iter().filter(|m| m.kind == kind::CARD && m.ticket_id == Some(ticket.id)).collect();
        if step.papers.is_empty() || recipients.is_empty() {
            return Ok(Vec::new());
        }
        let photos = attachments::photos_of(txn, &self.data_dir, ticket.id).await?;
        let mut titles = Vec::with_capacity(step.papers.len());
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
            titles.push(title);
        }
        let stored = attachments::record_papers(txn, ticket.id, event_id, files, now).await?;
        let mut out = Vec::new();
        for (title, row) in titles.iter().zip(&stored) {
            for recipient in &recipients {
                let text =
                    t!("document.sent", locale = PAPER_LOCALE, title = title, number = ticket.number).into_owned();
                out.push(NewOutbound {
                    person_id: recipient.person_id,
                    channel: recipient.channel,
                    address: recipient.address.clone(),
                    ticket_id: Some(ticket.id),
                    kind: kind::PAPER,
                    message: OutboundMessage { text, attachments: vec![row.id], ..Default::default() },
                });
            }
        }
        Ok(out)
    }
}
