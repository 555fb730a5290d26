//! The dashboard's reads, each bounded whatever the history: counts of open tickets grouped
//! in SQL (by step, priority and organisation, late ones among them by `step_due_at`), each
//! technician's load by a grouped join, one page of the most urgent tickets, and counts of
//! tickets received in a period through the index on their time of receipt.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, FromQueryResult, Iterable, Statement};

use super::entity::{ticket, ticket_assignee};
use super::tickets::TicketRow;
use crate::domain::ticket::TicketStatus;

/// Which open tickets: every filter that is set narrows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub step: Option<String>,
    pub priority: Option<String>,
    pub org: Option<i64>,
    /// Assigned to this technician (the filter).
    pub technician: Option<i64>,
    /// Assigned to this person (a technician's own view).
    pub own: Option<i64>,
}

/// Open tickets of one step, priority and organisation.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct OpenGroup {
    pub step: String,
    pub priority: Option<String>,
    pub org_id: Option<i64>,
    pub open: i64,
    /// With a known step due time (the others: a step without a limit, or just changed).
    pub with_due: i64,
    /// Past their step's due time.
    pub late: i64,
    /// The soonest due time among them.
    pub first_due: Option<DateTime<Utc>>,
}

fn assigned_to(person: i64) -> SelectStatement {
    Query::select()
        .column(ticket_assignee::Column::TicketId)
        .from(ticket_assignee::Entity)
        .and_where(ticket_assignee::Column::PersonId.eq(person))
        .to_owned()
}

/// Open tickets that walk the SOP themselves (a linked report follows its incident), narrowed.
fn open(scope: &Scope) -> Condition {
    let col = |c: ticket::Column| Expr::col((ticket::Entity, c));
    let mut cond = Condition::all()
        .add(col(ticket::Column::Status).eq(TicketStatus::Open.as_str()))
        .add(col(ticket::Column::ParentId).is_null());
    if let Some(step) = &scope.step {
        cond = cond.add(col(ticket::Column::Step).eq(step.as_str()));
    }
    if let Some(priority) = &scope.priority {
        cond = cond.add(col(ticket::Column::Priority).eq(priority.as_str()));
    }
    if let Some(org) = scope.org {
        cond = cond.add(col(ticket::Column::OrgId).eq(org));
    }
    for person in [scope.technician, scope.own].into_iter().flatten() {
        cond = cond.add(col(ticket::Column::Id).in_subquery(assigned_to(person)));
    }
    cond
}

fn groups_select(scope: &Scope, now: DateTime<Utc>) -> SelectStatement {
    let late = Expr::case(Expr::col(ticket::Column::StepDueAt).lt(now), 1).finally(0);
    Query::select()
        .columns([ticket::Column::Step, ticket::Column::Priority, ticket::Column::OrgId])
        .expr_as(Func::count(Expr::col(ticket::Column::Id)), Alias::new("open"))
        .expr_as(Func::count(Expr::col(ticket::Column::StepDueAt)), Alias::new("with_due"))
        .expr_as(Func::sum(late), Alias::new("late"))
        .expr_as(Func::min(Expr::col(ticket::Column::StepDueAt)), Alias::new("first_due"))
        .from(ticket::Entity)
        .cond_where(open(scope))
        .group_by_columns([ticket::Column::Step, ticket::Column::Priority, ticket::Column::OrgId])
        .to_owned()
}

/// Open tickets in `scope` counted per step, priority and organisation: one row per group
/// (as many as the SOP's steps times the priorities and organisations, never per ticket).
pub async fn open_groups<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    now: DateTime<Utc>,
) -> Result<Vec<OpenGroup>, sea_orm::DbErr> {
    let rows = db.query_all(&groups_select(scope, now)).await?;
    rows.iter().map(|r| OpenGroup::from_query_result(r, "")).collect()
}

fn load_select(scope: &Scope) -> SelectStatement {
    Query::select()
        .column((ticket_assignee::Entity, ticket_assignee::Column::PersonId))
        .expr_as(Func::count(Expr::col((ticket::Entity, ticket::Column::Id))), Alias::new("open"))
        .from(ticket::Entity)
        .inner_join(
            ticket_assignee::Entity,
            Expr::col((ticket_assignee::Entity, ticket_assignee::Column::TicketId))
                .equals((ticket::Entity, ticket::Column::Id)),
        )
        .cond_where(open(scope))
        .group_by_col((ticket_assignee::Entity, ticket_assignee::Column::PersonId))
        .to_owned()
}

/// `(person, open tickets assigned to them)` in `scope`.
pub async fn open_load<C: ConnectionTrait>(db: &C, scope: &Scope) -> Result<Vec<(i64, i64)>, sea_orm::DbErr> {
    let rows = db.query_all(&load_select(scope)).await?;
    rows.iter().map(|r| Ok((r.try_get::<i64>("", "person_id")?, r.try_get::<i64>("", "open")?))).collect()
}

/// Which part of the list: the tickets with a due time, soonest first, or those without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Due,
    NoDue,
}

fn urgent_select(scope: &Scope, part: Part, offset: u64, limit: u64) -> SelectStatement {
    let mut query = Query::select();
    for column in ticket::Column::iter() {
        query.column((ticket::Entity, column));
    }
    query.from(ticket::Entity).cond_where(open(scope));
    // Each part in an order an index gives, so a page is read along it and the walk stops
    // at the page's end, however many tickets are open.
    match part {
        Part::Due => query
            .and_where(Expr::col(ticket::Column::StepDueAt).is_not_null())
            .order_by(ticket::Column::StepDueAt, Order::Asc)
            .order_by(ticket::Column::Id, Order::Asc),
        Part::NoDue => {
            query.and_where(Expr::col(ticket::Column::StepDueAt).is_null()).order_by(ticket::Column::Id, Order::Asc)
        }
    };
    query.offset(offset).limit(limit).to_owned()
}

/// A page of the open tickets in `scope` of one part of the list.
pub async fn urgent_page<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    part: Part,
    offset: u64,
    limit: u64,
) -> Result<Vec<TicketRow>, sea_orm::DbErr> {
    let rows = db.query_all(&urgent_select(scope, part, offset, limit)).await?;
    rows.iter().map(|r| TicketRow::from_query_result(r, "")).collect()
}

fn received_select(periods: &[(DateTime<Utc>, DateTime<Utc>)], own: Option<i64>) -> SelectStatement {
    let from = periods.iter().map(|p| p.0).min().unwrap_or_default();
    let to = periods.iter().map(|p| p.1).max().unwrap_or_default();
    let mut cond = Condition::all()
        .add(Expr::col(ticket::Column::CreatedAt).gte(from))
        .add(Expr::col(ticket::Column::CreatedAt).lt(to));
    if let Some(person) = own {
        cond = cond.add(Expr::col(ticket::Column::Id).in_subquery(assigned_to(person)));
    }
    let mut query = Query::select();
    for (i, (from, to)) in periods.iter().enumerate() {
        let within = Expr::col(ticket::Column::CreatedAt).gte(*from).and(Expr::col(ticket::Column::CreatedAt).lt(*to));
        query.expr_as(Func::sum(Expr::case(within, 1).finally(0)), Alias::new(format!("p{i}")));
    }
    query.from(ticket::Entity).cond_where(cond).to_owned()
}

/// Tickets received in each of `periods` (`[from, to)`; assigned to `own` when given), in
/// one read of the time-of-receipt index over the span of them all.
pub async fn received<C: ConnectionTrait>(
    db: &C,
    periods: &[(DateTime<Utc>, DateTime<Utc>)],
    own: Option<i64>,
) -> Result<Vec<u64>, sea_orm::DbErr> {
    if periods.is_empty() {
        return Ok(Vec::new());
    }
    let row = db.query_one(&received_select(periods, own)).await?;
    (0..periods.len())
        .map(|i| {
            // SUM over no rows is NULL.
            let count = match &row {
                Some(r) => r.try_get::<Option<i64>>("", &format!("p{i}"))?.unwrap_or(0),
                None => 0,
            };
            Ok(u64::try_from(count).unwrap_or(0))
        })
        .collect()
}

/// The statements the dashboard runs, for checking their plans.
pub fn statements(backend: DbBackend, scope: &Scope, now: DateTime<Utc>) -> Vec<(&'static str, Statement)> {
    vec![
        ("groups", backend.build(&groups_select(scope, now))),
        ("load", backend.build(&load_select(scope))),
        ("urgent", backend.build(&urgent_select(scope, Part::Due, 0, 50))),
        ("urgent without due", backend.build(&urgent_select(scope, Part::NoDue, 0, 50))),
        ("received", backend.build(&received_select(&[(now - chrono::Duration::days(30), now)], scope.own))),
    ]
}
