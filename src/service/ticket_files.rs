//! A ticket's files as the console shows them: the photos and documents people sent, the
//! papers SIGAP filed, and a paper rendered now. Each is read only after the same check as
//! the ticket page ([`Helpdesk::console_ticket`]): a technician gets only their own tickets'.

use super::dashboard::ViewError;
use super::sign_in::ConsoleUser;
use super::{Helpdesk, TicketDetails, TicketRef};
use crate::store::attachments::{self, AttachmentRow};

impl Helpdesk {
    /// The attachments of a ticket `viewer` may see, oldest first.
    pub async fn ticket_attachments(&self, details: &TicketDetails) -> Result<Vec<AttachmentRow>, ViewError> {
        Ok(attachments::for_ticket(&self.db, details.ticket.id).await?)
    }

    /// One attachment of ticket `number` and its bytes, for `viewer`.
    #[tracing::instrument(skip_all, fields(viewer = viewer.person.id, ticket = number, attachment = id))]
    pub async fn console_attachment(
        &self,
        viewer: &ConsoleUser,
        number: &str,
        id: i64,
    ) -> Result<(AttachmentRow, Vec<u8>), ViewError> {
        let details = self.console_ticket(viewer, number).await?;
        let row = attachments::by_id(&self.db, id)
            .await?
            .filter(|row| row.ticket_id == details.ticket.id)
            .ok_or(ViewError::NotFound)?;
        let bytes = attachments::bytes(&self.db, &self.data_dir, &row).await.map_err(super::ServiceError::from)?;
        Ok((row, bytes))
    }

    /// Paper `kind` of ticket `number` rendered now, with the office's letterhead, for `viewer`.
    #[tracing::instrument(skip_all, fields(viewer = viewer.person.id, ticket = number, ?kind))]
    pub async fn console_paper(
        &self,
        viewer: &ConsoleUser,
        number: &str,
        kind: crate::documents::Kind,
        locale: &str,
    ) -> Result<Vec<u8>, ViewError> {
        let details = self.console_ticket(viewer, number).await?;
        let letterhead = self.letterhead.clone();
        Ok(self.paper(TicketRef::Id(details.ticket.id), kind, &letterhead, crate::i18n::locale(locale)).await?)
    }
}
