//! Purging a year of the archive (`sigap data purge --year 2021`): when the office's archive
//! retention schedule says a year's complaint records may go, its ended tickets go with
//! their events, papers, photos, assignments, messages, reminders, survey answers and the
//! complaints about them. Open tickets stay, and so does an ended one that a ticket of
//! another year (or an open one) is linked to. A batch of tickets per transaction; the event
//! log lets their events go only while the transaction lists them in `event_purges`.

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use super::super::{Helpdesk, ServiceError};
use super::erase::unreferenced;
use crate::domain::ticket::TicketStatus;
use crate::store::entity::{
    alert_incident, attachment, attachment_content, event_purge, outbox, outbox_sent, pending_input, retired_card,
    service_complaint, sla_notice, survey_answer, ticket, ticket_assignee, ticket_event,
};
use crate::store::privacy::{self, NewAudit, action};

/// Tickets per transaction.
const BATCH: u64 = 100;

impl Helpdesk {
    /// The numbers of the tickets a purge of `year` would delete.
    pub async fn purgeable(&self, year: i32) -> Result<Vec<String>, ServiceError> {
        Ok(purgeable(&self.db, year, None).await?.into_iter().map(|(_, number)| number).collect())
    }

    /// Delete the year's ended tickets and all that hangs on them; returns their numbers.
    #[tracing::instrument(skip(self))]
    pub async fn purge_year(&self, year: i32) -> Result<Vec<String>, ServiceError> {
        let now = self.clock.now();
        let mut gone = Vec::new();
        loop {
            let batch = purgeable(&self.db, year, Some(BATCH)).await?;
            if batch.is_empty() {
                break;
            }
            let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
            let txn = self.db.begin().await?;
            let files = purge_tickets(&txn, &ids).await?;
            let files = unreferenced(&txn, files).await?;
            privacy::schedule_deletions(&txn, &files, now).await?;
            txn.commit().await?;
            gone.extend(batch.into_iter().map(|(_, number)| number));
        }
        let audit = NewAudit {
            actor_id: None,
            channel: "cli".into(),
            action: action::PURGE,
            subject_id: None,
            ticket_id: None,
            detail: Some(format!("year={year} tickets={}", gone.len())),
        };
        privacy::audit(&self.db, audit, now).await?;
        Ok(gone)
    }
}

/// Ended tickets of `year` no ticket outside the purge is linked to, oldest first.
async fn purgeable<C: ConnectionTrait>(
    db: &C,
    year: i32,
    limit: Option<u64>,
) -> Result<Vec<(i64, String)>, sea_orm::DbErr> {
    let kept_children = Query::select()
        .column(ticket::Column::ParentId)
        .from(ticket::Entity)
        .and_where(ticket::Column::ParentId.is_not_null())
        .cond_where(
            Condition::any()
                .add(ticket::Column::Year.ne(year))
                .add(ticket::Column::Status.eq(TicketStatus::Open.as_str())),
        )
        .to_owned();
    ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Id)
        .column(ticket::Column::Number)
        .filter(ticket::Column::Year.eq(year))
        .filter(ticket::Column::Status.ne(TicketStatus::Open.as_str()))
        .filter(ticket::Column::Id.not_in_subquery(kept_children))
        .order_by_asc(ticket::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// Delete tickets `ids` and every row that names them; returns the files their photos were.
async fn purge_tickets<C: ConnectionTrait>(txn: &C, ids: &[i64]) -> Result<Vec<String>, sea_orm::DbErr> {
    let ids = ids.to_vec();
    let files: Vec<String> = attachment::Entity::find()
        .select_only()
        .column(attachment::Column::StoredPath)
        .filter(attachment::Column::TicketId.is_in(ids.clone()))
        .filter(attachment::Column::StoredPath.ne(""))
        .into_tuple()
        .all(txn)
        .await?;
    let attachments = Query::select()
        .column(attachment::Column::Id)
        .from(attachment::Entity)
        .and_where(attachment::Column::TicketId.is_in(ids.clone()))
        .to_owned();
    attachment_content::Entity::delete_many()
        .filter(attachment_content::Column::AttachmentId.in_subquery(attachments))
        .exec(txn)
        .await?;
    attachment::Entity::delete_many().filter(attachment::Column::TicketId.is_in(ids.clone())).exec(txn).await?;
    let messages = Query::select()
        .column(outbox::Column::Id)
        .from(outbox::Entity)
        .and_where(outbox::Column::TicketId.is_in(ids.clone()))
        .to_owned();
    outbox_sent::Entity::delete_many().filter(outbox_sent::Column::OutboxId.in_subquery(messages)).exec(txn).await?;
    retired_card::Entity::delete_many().filter(retired_card::Column::TicketId.is_in(ids.clone())).exec(txn).await?;
    outbox::Entity::delete_many().filter(outbox::Column::TicketId.is_in(ids.clone())).exec(txn).await?;
    ticket_assignee::Entity::delete_many()
        .filter(ticket_assignee::Column::TicketId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    sla_notice::Entity::delete_many().filter(sla_notice::Column::TicketId.is_in(ids.clone())).exec(txn).await?;
    survey_answer::Entity::delete_many().filter(survey_answer::Column::TicketId.is_in(ids.clone())).exec(txn).await?;
    service_complaint::Entity::delete_many()
        .filter(service_complaint::Column::TicketId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    pending_input::Entity::delete_many().filter(pending_input::Column::TicketId.is_in(ids.clone())).exec(txn).await?;
    alert_incident::Entity::delete_many().filter(alert_incident::Column::TicketId.is_in(ids.clone())).exec(txn).await?;
    // The event log's trigger lets these tickets' events go while they are listed here.
    let listed = ids.iter().map(|id| event_purge::ActiveModel { ticket_id: sea_orm::ActiveValue::Set(*id) });
    event_purge::Entity::insert_many(listed).exec_without_returning(txn).await?;
    ticket_event::Entity::delete_many().filter(ticket_event::Column::TicketId.is_in(ids.clone())).exec(txn).await?;
    event_purge::Entity::delete_many().filter(event_purge::Column::TicketId.is_in(ids.clone())).exec(txn).await?;
    // A purged ticket's own link to a parent goes with it; links to it were checked above.
    ticket::Entity::update_many()
        .col_expr(ticket::Column::ParentId, Expr::value(Option::<i64>::None))
        .filter(ticket::Column::ParentId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    ticket::Entity::delete_many().filter(ticket::Column::Id.is_in(ids)).exec(txn).await?;
    Ok(files)
}
