//! Ticket rows, their numbering, assignees and the append-only event log. Callers compose
//! these inside one transaction (see [`crate::service`]).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic,
    Iterable, QueryFilter, QueryOrder, QuerySelect,
};

use super::entity::{ticket, ticket_assignee, ticket_counter, ticket_event};
use crate::domain::ticket::{TicketNumber, TicketRef, TicketStatus};
use crate::domain::workflow::TicketSnapshot;

pub use ticket::Model as TicketRow;
pub use ticket_event::Model as EventRow;

/// Take the next number of `year`: one upsert that creates the year's counter at 1 or adds
/// one to it, and returns it. Inside a transaction the counter row stays locked until
/// commit, so concurrent reports never share a number.
pub async fn next_number<C: ConnectionTrait>(txn: &C, year: i32) -> Result<TicketNumber, sea_orm::DbErr> {
    let counter = ticket_counter::Entity::insert(ticket_counter::ActiveModel { year: Set(year), last: Set(1) })
        .on_conflict(
            OnConflict::column(ticket_counter::Column::Year)
                .value(
                    ticket_counter::Column::Last,
                    Expr::col((ticket_counter::Entity, ticket_counter::Column::Last)).add(1),
                )
                .to_owned(),
        )
        .exec_with_returning(txn)
        .await?;
    let seq = u32::try_from(counter.last).map_err(|_| sea_orm::DbErr::Custom("ticket counter overflow".into()))?;
    Ok(TicketNumber { year, seq })
}

pub async fn insert<C: ConnectionTrait>(txn: &C, row: ticket::ActiveModel) -> Result<TicketRow, sea_orm::DbErr> {
    row.insert(txn).await
}

/// Insert many tickets at once (an import, a benchmark's history), returning their ids in
/// order. At most a thousand at a time keeps a statement under SQLite's limit on variables.
pub async fn insert_many<C: ConnectionTrait>(
    txn: &C,
    rows: Vec<ticket::ActiveModel>,
) -> Result<Vec<i64>, sea_orm::DbErr> {
    let mut ids = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<ticket::ActiveModel> = rows.by_ref().take(1_000).collect();
        ids.extend(ticket::Entity::insert_many(chunk).exec_with_returning_keys(txn).await?);
    }
    Ok(ids)
}

/// Append many events at once, a thousand at a time (see [`insert_many`]).
pub async fn append_events<C: ConnectionTrait>(
    txn: &C,
    events: Vec<ticket_event::ActiveModel>,
) -> Result<(), sea_orm::DbErr> {
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        let chunk: Vec<ticket_event::ActiveModel> = events.by_ref().take(1_000).collect();
        ticket_event::Entity::insert_many(chunk).exec_without_returning(txn).await?;
    }
    Ok(())
}

pub async fn by_number<C: ConnectionTrait>(db: &C, number: TicketNumber) -> Result<Option<TicketRow>, sea_orm::DbErr> {
    ticket::Entity::find().filter(ticket::Column::Number.eq(number.to_string())).one(db).await
}

pub async fn by_id<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<TicketRow>, sea_orm::DbErr> {
    ticket::Entity::find_by_id(id).one(db).await
}

/// A ticket and its assignees (ordered by person id) in one query: the ticket joined to its
/// assignee rows, one row per assignee. An action reads both first thing, and a round trip
/// is what a transaction pays most for.
pub async fn with_assignees<C: ConnectionTrait>(
    db: &C,
    which: TicketRef,
) -> Result<Option<(TicketRow, Vec<i64>)>, sea_orm::DbErr> {
    let mut query = Query::select();
    query.from(ticket::Entity);
    for column in ticket::Column::iter() {
        query.expr_as(Expr::col((ticket::Entity, column)), column.as_str());
    }
    query
        .expr_as(Expr::col((ticket_assignee::Entity, ticket_assignee::Column::PersonId)), "assignee_person_id")
        .left_join(
            ticket_assignee::Entity,
            Expr::col((ticket_assignee::Entity, ticket_assignee::Column::TicketId))
                .equals((ticket::Entity, ticket::Column::Id)),
        )
        .and_where(match which {
            TicketRef::Id(id) => ticket::Column::Id.eq(id),
            TicketRef::Number(number) => ticket::Column::Number.eq(number.to_string()),
        })
        .order_by((ticket_assignee::Entity, ticket_assignee::Column::PersonId), Order::Asc);
    let rows = db.query_all(&query).await?;
    let Some(first) = rows.first() else { return Ok(None) };
    let row = TicketRow::from_query_result(first, "")?;
    let mut assignees = Vec::with_capacity(rows.len());
    for r in &rows {
        if let Some(id) = r.try_get::<Option<i64>>("", "assignee_person_id")? {
            assignees.push(id);
        }
    }
    Ok(Some((row, assignees)))
}

/// What the engine sees of a ticket: the row and its assignees (see [`with_assignees`]).
pub fn snapshot(row: &TicketRow, assignees: Vec<i64>) -> TicketSnapshot {
    TicketSnapshot {
        reporter_id: row.reporter_id,
        step: row.step.clone(),
        status: row.status.parse().unwrap_or(TicketStatus::Open),
        priority: row.priority.as_deref().and_then(|p| p.parse().ok()),
        assignees,
        version: row.version,
    }
}

/// The changes of one transition, applied only if nobody changed the ticket since
/// `expected_version`. Returns false when someone else won.
pub struct Changes<'a> {
    pub step: &'a str,
    pub status: TicketStatus,
    pub priority: Option<&'a str>,
    pub isp_eta: Option<Option<DateTime<Utc>>>,
    pub ended_at: Option<DateTime<Utc>>,
}

pub async fn update_if_version<C: ConnectionTrait>(
    txn: &C,
    id: i64,
    expected_version: i32,
    changes: Changes<'_>,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    Ok(versioned_update(id, expected_version, changes, now).exec(txn).await?.rows_affected == 1)
}

/// [`update_if_version`] returning the updated row in the same statement (`RETURNING`),
/// so the caller need not read it back. `None` when someone else won.
pub async fn apply_if_version<C: ConnectionTrait>(
    txn: &C,
    id: i64,
    expected_version: i32,
    changes: Changes<'_>,
    now: DateTime<Utc>,
) -> Result<Option<TicketRow>, sea_orm::DbErr> {
    Ok(versioned_update(id, expected_version, changes, now).exec_with_returning(txn).await?.pop())
}

fn versioned_update(
    id: i64,
    expected_version: i32,
    changes: Changes<'_>,
    now: DateTime<Utc>,
) -> sea_orm::UpdateMany<ticket::Entity> {
    let mut update = ticket::Entity::update_many()
        .col_expr(ticket::Column::Step, Expr::value(changes.step))
        .col_expr(ticket::Column::Status, Expr::value(changes.status.as_str()))
        .col_expr(ticket::Column::Priority, Expr::value(changes.priority))
        .col_expr(ticket::Column::Version, Expr::col(ticket::Column::Version).add(1))
        .col_expr(ticket::Column::UpdatedAt, Expr::value(now));
    if let Some(eta) = changes.isp_eta {
        update = update.col_expr(ticket::Column::IspEta, Expr::value(eta));
    }
    if let Some(ended) = changes.ended_at {
        update = update.col_expr(ticket::Column::EndedAt, Expr::value(ended));
    }
    // Whatever moved may have moved a deadline: the SLA worker looks at an open ticket at its
    // next pass and sets the real time then; a closed one has nothing left to fall due.
    let next_sla = (changes.status == TicketStatus::Open).then_some(now);
    update = update.col_expr(ticket::Column::NextSlaAt, Expr::value(next_sla));
    // The step's due time is the pass's to say again: unknown is better than another step's.
    update = update.col_expr(ticket::Column::StepDueAt, Expr::value(Option::<DateTime<Utc>>::None));
    update.filter(ticket::Column::Id.eq(id)).filter(ticket::Column::Version.eq(expected_version))
}

pub async fn replace_assignees<C: ConnectionTrait>(
    txn: &C,
    ticket_id: i64,
    people: &[i64],
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    ticket_assignee::Entity::delete_many().filter(ticket_assignee::Column::TicketId.eq(ticket_id)).exec(txn).await?;
    if people.is_empty() {
        return Ok(());
    }
    let rows = people.iter().map(|&person_id| ticket_assignee::ActiveModel {
        ticket_id: Set(ticket_id),
        person_id: Set(person_id),
        assigned_at: Set(now),
    });
    ticket_assignee::Entity::insert_many(rows).exec_without_returning(txn).await?;
    Ok(())
}

pub async fn append_event<C: ConnectionTrait>(
    txn: &C,
    event: ticket_event::ActiveModel,
) -> Result<EventRow, sea_orm::DbErr> {
    event.insert(txn).await
}

pub async fn events<C: ConnectionTrait>(db: &C, ticket_id: i64) -> Result<Vec<EventRow>, sea_orm::DbErr> {
    ticket_event::Entity::find()
        .filter(ticket_event::Column::TicketId.eq(ticket_id))
        .order_by_asc(ticket_event::Column::Id)
        .all(db)
        .await
}

pub async fn last_event<C: ConnectionTrait>(db: &C, ticket_id: i64) -> Result<Option<EventRow>, sea_orm::DbErr> {
    ticket_event::Entity::find()
        .filter(ticket_event::Column::TicketId.eq(ticket_id))
        .order_by_desc(ticket_event::Column::Id)
        .limit(1)
        .one(db)
        .await
}

/// Tickets, newest first, optionally only those in `status`.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    status: Option<TicketStatus>,
    limit: u64,
) -> Result<Vec<TicketRow>, sea_orm::DbErr> {
    let mut query = ticket::Entity::find().order_by_desc(ticket::Column::Id).limit(limit);
    if let Some(status) = status {
        query = query.filter(ticket::Column::Status.eq(status.as_str()));
    }
    query.all(db).await
}

/// Tickets whose number, description or location contains every word of `text` (any case),
/// newest first.
pub async fn search<C: ConnectionTrait>(db: &C, text: &str, limit: u64) -> Result<Vec<TicketRow>, sea_orm::DbErr> {
    let mut query = ticket::Entity::find().order_by_desc(ticket::Column::Id).limit(limit);
    for word in text.split_whitespace().take(5) {
        // LIKE's own wildcards in what a person typed are matched literally.
        let escaped = word.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        let like = |column: ticket::Column| {
            Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(column)))
                .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
        };
        query = query.filter(
            sea_orm::Condition::any()
                .add(like(ticket::Column::Number))
                .add(like(ticket::Column::Description))
                .add(like(ticket::Column::Location)),
        );
    }
    query.all(db).await
}

/// Tickets received in `[from, to)` after ticket id `after`, by id, at most `limit`: a page
/// of a period's log. Read in id order (ids follow the time of receipt), so each page goes on
/// along the primary key from where the last one stopped.
pub async fn received_page<C: ConnectionTrait>(
    db: &C,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: i64,
    limit: u64,
) -> Result<Vec<TicketRow>, sea_orm::DbErr> {
    ticket::Entity::find()
        .filter(ticket::Column::Id.gt(after))
        .filter(ticket::Column::CreatedAt.gte(from))
        .filter(ticket::Column::CreatedAt.lt(to))
        .order_by_asc(ticket::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Tickets received in `[from, to)`, oldest first.
pub async fn received_between<C: ConnectionTrait>(
    db: &C,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<TicketRow>, sea_orm::DbErr> {
    ticket::Entity::find()
        .filter(ticket::Column::CreatedAt.gte(from))
        .filter(ticket::Column::CreatedAt.lt(to))
        .order_by_asc(ticket::Column::Id)
        .all(db)
        .await
}

/// Open tickets that walk the SOP after `after_id`, by id, at most `limit`: a page of what
/// the morning digest sums up and the queues list, so that memory does not grow with the
/// number of open tickets. A linked report follows its incident's ticket and waits on
/// nobody itself.
pub async fn open_page<C: ConnectionTrait>(
    db: &C,
    after_id: i64,
    limit: u64,
) -> Result<Vec<TicketRow>, sea_orm::DbErr> {
    ticket::Entity::find()
        .filter(ticket::Column::Status.eq(TicketStatus::Open.as_str()))
        .filter(ticket::Column::ParentId.is_null())
        .filter(ticket::Column::Id.gt(after_id))
        .order_by_asc(ticket::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Tickets the SLA worker must look at by `now`, earliest first, at most `limit`: through
/// `idx_tickets_next_sla`, so a pass reads what is due and not every open ticket.
pub async fn sla_due<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<TicketRow>, sea_orm::DbErr> {
    sla_due_select(now, limit).all(db).await
}

/// The statement [`sla_due`] runs, for checking its plan.
pub fn sla_due_statement(backend: sea_orm::DbBackend, now: DateTime<Utc>, limit: u64) -> sea_orm::Statement {
    use sea_orm::QueryTrait;
    sla_due_select(now, limit).build(backend)
}

fn sla_due_select(now: DateTime<Utc>, limit: u64) -> sea_orm::Select<ticket::Entity> {
    ticket::Entity::find()
        .filter(ticket::Column::NextSlaAt.lte(now))
        .order_by_asc(ticket::Column::NextSlaAt)
        .limit(limit)
}

/// Set when the SLA worker looks at ticket `id` next, and when its current step is due,
/// unless it changed since version `seen` (its change then set the time). Neither its
/// version nor `updated_at` moves: this is the worker's bookkeeping, not a change of the
/// ticket.
pub async fn set_next_sla<C: ConnectionTrait>(
    db: &C,
    id: i64,
    seen: i32,
    at: Option<DateTime<Utc>>,
    step_due: Option<DateTime<Utc>>,
) -> Result<(), sea_orm::DbErr> {
    ticket::Entity::update_many()
        .col_expr(ticket::Column::NextSlaAt, Expr::value(at))
        .col_expr(ticket::Column::StepDueAt, Expr::value(step_due))
        .filter(ticket::Column::Id.eq(id))
        .filter(ticket::Column::Version.eq(seen))
        .exec(db)
        .await?;
    Ok(())
}

/// The event logs of several tickets in one query, in order of id.
pub async fn events_of<C: ConnectionTrait>(db: &C, ticket_ids: &[i64]) -> Result<Vec<EventRow>, sea_orm::DbErr> {
    if ticket_ids.is_empty() {
        return Ok(Vec::new());
    }
    ticket_event::Entity::find()
        .filter(ticket_event::Column::TicketId.is_in(ticket_ids.iter().copied()))
        .order_by_asc(ticket_event::Column::Id)
        .all(db)
        .await
}

/// `(ticket, person)` assignee pairs of several tickets in one query.
pub async fn assignees_of<C: ConnectionTrait>(db: &C, ticket_ids: &[i64]) -> Result<Vec<(i64, i64)>, sea_orm::DbErr> {
    if ticket_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(ticket_assignee::Entity::find()
        .filter(ticket_assignee::Column::TicketId.is_in(ticket_ids.iter().copied()))
        .order_by_asc(ticket_assignee::Column::PersonId)
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.ticket_id, a.person_id))
        .collect())
}

/// Open tickets assigned to each of `people`: a technician's load, shown when assigning.
pub async fn open_load<C: ConnectionTrait>(
    db: &C,
    people: &[i64],
) -> Result<std::collections::HashMap<i64, u64>, sea_orm::DbErr> {
    use sea_orm::sea_query::Query;
    let open = Query::select()
        .column(ticket::Column::Id)
        .from(ticket::Entity)
        .and_where(ticket::Column::Status.eq(TicketStatus::Open.as_str()))
        .to_owned();
    let rows = ticket_assignee::Entity::find()
        .filter(ticket_assignee::Column::PersonId.is_in(people.iter().copied()))
        .filter(ticket_assignee::Column::TicketId.in_subquery(open))
        .all(db)
        .await?;
    let mut load: std::collections::HashMap<i64, u64> = people.iter().map(|p| (*p, 0)).collect();
    for row in rows {
        *load.entry(row.person_id).or_default() += 1;
    }
    Ok(load)
}

/// A reporter's tickets, newest first.
pub async fn of_reporter<C: ConnectionTrait>(
    db: &C,
    reporter: i64,
    limit: u64,
) -> Result<Vec<TicketRow>, sea_orm::DbErr> {
    ticket::Entity::find()
        .filter(ticket::Column::ReporterId.eq(reporter))
        .order_by_desc(ticket::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// The `limit` newest tickets, newest first, along the primary key (a bounded read whatever
/// the history).
pub async fn newest<C: ConnectionTrait>(db: &C, limit: u64) -> Result<Vec<TicketRow>, sea_orm::DbErr> {
    ticket::Entity::find().order_by_desc(ticket::Column::Id).limit(limit).all(db).await
}

/// The reports linked to `parent_id`, oldest first, in any state.
pub async fn children<C: ConnectionTrait>(db: &C, parent_id: i64) -> Result<Vec<TicketRow>, sea_orm::DbErr> {
    ticket::Entity::find().filter(ticket::Column::ParentId.eq(parent_id)).order_by_asc(ticket::Column::Id).all(db).await
}

/// The numbers of the reports linked to each of `parents`, oldest first.
pub async fn children_numbers<C: ConnectionTrait>(
    db: &C,
    parents: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<String>>, sea_orm::DbErr> {
    let mut out: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    if parents.is_empty() {
        return Ok(out);
    }
    let rows = ticket::Entity::find()
        .filter(ticket::Column::ParentId.is_in(parents.to_vec()))
        .order_by_asc(ticket::Column::Id)
        .all(db)
        .await?;
    for row in rows {
        if let Some(parent) = row.parent_id {
            out.entry(parent).or_default().push(row.number);
        }
    }
    Ok(out)
}

/// A change of a ticket's link, with the step and state it takes: linked to a parent (its step
/// mirrors the parent's), closed with it, or split off into a life of its own.
#[derive(Debug, Clone, Copy)]
pub struct Relink<'a> {
    pub parent_id: Option<i64>,
    pub step: &'a str,
    pub status: TicketStatus,
    /// `None` clears it (a split-off ticket is open again).
    pub ended_at: Option<DateTime<Utc>>,
}

/// Apply `change` if the ticket is still at `expected_version`; the row after, or `None` when
/// someone else changed it first.
pub async fn relink_if_version<C: ConnectionTrait>(
    db: &C,
    id: i64,
    expected_version: i32,
    change: Relink<'_>,
    now: DateTime<Utc>,
) -> Result<Option<TicketRow>, sea_orm::DbErr> {
    Ok(ticket::Entity::update_many()
        .col_expr(ticket::Column::ParentId, Expr::value(change.parent_id))
        .col_expr(ticket::Column::Step, Expr::value(change.step))
        .col_expr(ticket::Column::Status, Expr::value(change.status.as_str()))
        .col_expr(ticket::Column::EndedAt, Expr::value(change.ended_at))
        .col_expr(ticket::Column::Version, Expr::col(ticket::Column::Version).add(1))
        .col_expr(ticket::Column::UpdatedAt, Expr::value(now))
        .filter(ticket::Column::Id.eq(id))
        .filter(ticket::Column::Version.eq(expected_version))
        .exec_with_returning(db)
        .await?
        .pop())
}

/// The open children of `parent_id` follow it to `step` (no version change: they hold no
/// cards, and their reporters' buttons are not about the step).
pub async fn children_follow<C: ConnectionTrait>(
    db: &C,
    parent_id: i64,
    step: &str,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    ticket::Entity::update_many()
        .col_expr(ticket::Column::Step, Expr::value(step))
        .col_expr(ticket::Column::UpdatedAt, Expr::value(now))
        .filter(ticket::Column::ParentId.eq(parent_id))
        .filter(ticket::Column::Status.eq(TicketStatus::Open.as_str()))
        .exec(db)
        .await?;
    Ok(())
}
