//! Complaints about the service, from filing to answer or escalation.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::entity::service_complaint;

pub use service_complaint::Model as ComplaintRow;

pub async fn file<C: ConnectionTrait>(
    txn: &C,
    person_id: i64,
    ticket_id: Option<i64>,
    text: &str,
    now: DateTime<Utc>,
) -> Result<ComplaintRow, sea_orm::DbErr> {
    service_complaint::ActiveModel {
        person_id: Set(person_id),
        ticket_id: Set(ticket_id),
        text: Set(text.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
}

pub async fn by_id<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<ComplaintRow>, sea_orm::DbErr> {
    service_complaint::Entity::find_by_id(id).one(db).await
}

/// Record the answer, if nobody answered first: true when this call did.
pub async fn answer<C: ConnectionTrait>(
    txn: &C,
    id: i64,
    by: i64,
    text: &str,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let done = service_complaint::Entity::update_many()
        .col_expr(service_complaint::Column::AnsweredAt, Expr::value(now))
        .col_expr(service_complaint::Column::AnsweredBy, Expr::value(by))
        .col_expr(service_complaint::Column::Answer, Expr::value(text.to_owned()))
        .filter(service_complaint::Column::Id.eq(id))
        .filter(service_complaint::Column::AnsweredAt.is_null())
        .exec(txn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Unanswered complaints not escalated yet, oldest first.
pub async fn waiting<C: ConnectionTrait>(db: &C) -> Result<Vec<ComplaintRow>, sea_orm::DbErr> {
    service_complaint::Entity::find()
        .filter(service_complaint::Column::AnsweredAt.is_null())
        .filter(service_complaint::Column::EscalatedAt.is_null())
        .order_by_asc(service_complaint::Column::Id)
        .all(db)
        .await
}

pub async fn mark_escalated<C: ConnectionTrait>(txn: &C, id: i64, now: DateTime<Utc>) -> Result<bool, sea_orm::DbErr> {
    let done = service_complaint::Entity::update_many()
        .col_expr(service_complaint::Column::EscalatedAt, Expr::value(now))
        .filter(service_complaint::Column::Id.eq(id))
        .filter(service_complaint::Column::EscalatedAt.is_null())
        .filter(service_complaint::Column::AnsweredAt.is_null())
        .exec(txn)
        .await?;
    Ok(done.rows_affected == 1)
}
