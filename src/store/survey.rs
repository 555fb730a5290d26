//! Survey answers, one row per ticket and element.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::entity::survey_answer;
use crate::domain::records::SurveyAnswers;

/// Record (or correct) the answer to `element` of `ticket`'s survey.
pub async fn answer<C: ConnectionTrait>(
    txn: &C,
    ticket_id: i64,
    element: usize,
    score: Option<u8>,
    person_id: i64,
    at: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    survey_answer::Entity::insert(survey_answer::ActiveModel {
        ticket_id: Set(ticket_id),
        element: Set(i16::try_from(element).unwrap_or(i16::MAX)),
        score: Set(score.map(i16::from)),
        person_id: Set(person_id),
        answered_at: Set(at),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([survey_answer::Column::TicketId, survey_answer::Column::Element])
            .update_columns([survey_answer::Column::Score, survey_answer::Column::AnsweredAt])
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// The answers of these tickets' surveys, by ticket (tickets without a survey are absent).
pub async fn of_tickets<C: ConnectionTrait>(
    db: &C,
    ticket_ids: &[i64],
) -> Result<HashMap<i64, SurveyAnswers>, sea_orm::DbErr> {
    let mut out: HashMap<i64, SurveyAnswers> = HashMap::new();
    if ticket_ids.is_empty() {
        return Ok(out);
    }
    let rows = survey_answer::Entity::find()
        .filter(survey_answer::Column::TicketId.is_in(ticket_ids.iter().copied()))
        .all(db)
        .await?;
    for row in rows {
        let Ok(element) = usize::try_from(row.element) else { continue };
        if let Some(slot) = out.entry(row.ticket_id).or_insert([None; 9]).get_mut(element) {
            *slot = row.score.and_then(|s| u8::try_from(s).ok());
        }
    }
    Ok(out)
}
