//! Links from a monitoring alert's identity to the ticket it opened (`alert_incidents`).
//! An identity has at most one open incident: the latest link, while its ticket is open.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::entity::{alert_incident, ticket};
use crate::domain::alert::Source;
use crate::domain::ticket::TicketStatus;

pub use alert_incident::Model as IncidentLink;

/// The incident `identity` of `source` has open, with its ticket.
pub async fn open_for<C: ConnectionTrait>(
    db: &C,
    source: Source,
    identity: &str,
) -> Result<Option<(IncidentLink, ticket::Model)>, sea_orm::DbErr> {
    let latest = alert_incident::Entity::find()
        .filter(alert_incident::Column::Source.eq(source.as_str()))
        .filter(alert_incident::Column::Identity.eq(identity))
        .order_by_desc(alert_incident::Column::Id)
        .one(db)
        .await?;
    let Some(link) = latest else { return Ok(None) };
    let ticket = ticket::Entity::find_by_id(link.ticket_id).one(db).await?;
    Ok(ticket.filter(|t| t.status == TicketStatus::Open.as_str()).map(|t| (link, t)))
}

pub async fn insert<C: ConnectionTrait>(
    db: &C,
    source: Source,
    identity: &str,
    ticket_id: i64,
    node_key: &str,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    alert_incident::Entity::insert(alert_incident::ActiveModel {
        id: NotSet,
        source: Set(source.as_str().to_owned()),
        identity: Set(identity.to_owned()),
        ticket_id: Set(ticket_id),
        node_key: Set(node_key.to_owned()),
        opened_at: Set(now),
        recovered_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Note that the tool said `link` recovered; false when it was already noted (a repeat).
pub async fn mark_recovered<C: ConnectionTrait>(db: &C, link: i64, now: DateTime<Utc>) -> Result<bool, sea_orm::DbErr> {
    let updated = alert_incident::Entity::update_many()
        .col_expr(alert_incident::Column::RecoveredAt, Expr::value(now))
        .filter(alert_incident::Column::Id.eq(link))
        .filter(alert_incident::Column::RecoveredAt.is_null())
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// When monitoring first saw each of `ticket_ids` recover (those it never did are left out).
pub async fn recovered_of<C: ConnectionTrait>(
    db: &C,
    ticket_ids: &[i64],
) -> Result<std::collections::HashMap<i64, DateTime<Utc>>, sea_orm::DbErr> {
    let mut out = std::collections::HashMap::new();
    if ticket_ids.is_empty() {
        return Ok(out);
    }
    let links = alert_incident::Entity::find()
        .filter(alert_incident::Column::TicketId.is_in(ticket_ids.iter().copied()))
        .filter(alert_incident::Column::RecoveredAt.is_not_null())
        .all(db)
        .await?;
    for link in links {
        if let Some(at) = link.recovered_at {
            let first = out.entry(link.ticket_id).or_insert(at);
            *first = (*first).min(at);
        }
    }
    Ok(out)
}

/// The incidents a ticket was opened by (for tests and the admin's view).
pub async fn of_ticket<C: ConnectionTrait>(db: &C, ticket_id: i64) -> Result<Vec<IncidentLink>, sea_orm::DbErr> {
    alert_incident::Entity::find()
        .filter(alert_incident::Column::TicketId.eq(ticket_id))
        .order_by_asc(alert_incident::Column::Id)
        .all(db)
        .await
}

/// Every open incident that can take linked reports: its registry node and its ticket (open,
/// not itself linked), oldest first.
pub async fn open_incidents<C: ConnectionTrait>(db: &C) -> Result<Vec<(String, ticket::Model)>, sea_orm::DbErr> {
    let opened_by_alerts =
        Query::select().column(alert_incident::Column::TicketId).from(alert_incident::Entity).to_owned();
    let tickets = ticket::Entity::find()
        .filter(ticket::Column::Status.eq(TicketStatus::Open.as_str()))
        .filter(ticket::Column::ParentId.is_null())
        .filter(ticket::Column::Id.in_subquery(opened_by_alerts))
        .order_by_asc(ticket::Column::Id)
        .all(db)
        .await?;
    if tickets.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = tickets.iter().map(|t| t.id).collect();
    let links = alert_incident::Entity::find().filter(alert_incident::Column::TicketId.is_in(ids)).all(db).await?;
    Ok(tickets
        .into_iter()
        .filter_map(|t| links.iter().find(|l| l.ticket_id == t.id).map(|l| (l.node_key.clone(), t)))
        .collect())
}
