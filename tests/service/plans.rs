//! The plans of the hot queries, pinned: each must reach its rows through an index, so that
//! its cost follows the work waiting and not the history. SQLite's `EXPLAIN QUERY PLAN`;
//! PostgreSQL's `EXPLAIN` with sequential scans priced out (its planner rightly prefers them
//! on the small tables of a test, not on a year of history).

use chrono::Duration;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};

use sigap::domain::ticket::Channel;
use sigap::store::{board, outbox, tickets};

use crate::helpers::{monday_nine, spawn};

async fn plan(db: &DatabaseConnection, statement: Statement) -> String {
    let backend = db.get_database_backend();
    let values = statement.values.map(|v| v.0).unwrap_or_default();
    match backend {
        DbBackend::Postgres => {
            let txn = db.begin().await.unwrap();
            txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
            let explain = Statement::from_sql_and_values(backend, format!("EXPLAIN {}", statement.sql), values);
            let rows = txn.query_all_raw(explain).await.unwrap();
            txn.rollback().await.unwrap();
            rows.iter().map(|r| r.try_get::<String>("", "QUERY PLAN").unwrap()).collect::<Vec<_>>().join("\n")
        }
        _ => {
            let explain =
                Statement::from_sql_and_values(backend, format!("EXPLAIN QUERY PLAN {}", statement.sql), values);
            let rows = db.query_all_raw(explain).await.unwrap();
            rows.iter().map(|r| r.try_get::<String>("", "detail").unwrap()).collect::<Vec<_>>().join("\n")
        }
    }
}

/// No table is read whole: SQLite's `SCAN <table>` (without an index) and PostgreSQL's
/// `Seq Scan` are what a year of history makes slow.
fn assert_no_full_scan(plan: &str) {
    for line in plan.lines() {
        let line = line.trim();
        let sqlite_scan = line.starts_with("SCAN ") && !line.contains("INDEX");
        assert!(!sqlite_scan && !line.contains("Seq Scan"), "a full scan in:\n{plan}");
    }
}

#[tokio::test]
async fn the_outbox_scan_and_its_per_chat_order_check_go_through_status_led_indexes() {
    let t = spawn("kudus").await;
    let statements =
        outbox::deliverable_statements(t.db.get_database_backend(), &[Channel::Telegram], monday_nine(), 8);
    assert_eq!(statements.len(), 2, "pending and due; sending with an expired lease");

    for statement in statements {
        let plan = plan(&t.db, statement).await;
        assert_no_full_scan(&plan);
        // Both are led by the status: their range for `pending` or `sending` holds only the
        // rows waiting, however many were sent before.
        let status_led = plan.matches("idx_outbox_pending").count() + plan.matches("idx_outbox_unsent_chat").count();
        assert!(status_led >= 2, "the rows and the order check through status-led indexes:\n{plan}");
        assert!(!plan.contains("idx_outbox_chat "), "the chat-led index walks a channel's history:\n{plan}");
        assert!(!plan.contains("outbox_pkey"), "never a walk of every row by id:\n{plan}");
    }
}

#[tokio::test]
async fn the_sla_pass_reads_the_due_tickets_through_their_next_check() {
    let t = spawn("kudus").await;
    let statement = tickets::sla_due_statement(t.db.get_database_backend(), monday_nine() + Duration::hours(1), 500);

    let plan = plan(&t.db, statement).await;

    assert_no_full_scan(&plan);
    assert!(plan.contains("idx_tickets_next_sla"), "{plan}");
}

#[tokio::test]
async fn the_dashboards_counts_page_and_periods_go_through_indexes() {
    let t = spawn("kudus").await;
    let backend = t.db.get_database_backend();
    let office = board::Scope::default();
    let narrowed = board::Scope {
        step: Some("terima".into()),
        priority: Some("high".into()),
        org: Some(1),
        technician: Some(2),
        own: Some(3),
    };

    for scope in [office, narrowed] {
        for (name, statement) in board::statements(backend, &scope, monday_nine()) {
            let plan = plan(&t.db, statement).await;
            assert_no_full_scan(&plan);
            let expected: &[&str] = match name {
                // Open tickets are reached by their status, never by walking every ticket.
                "groups" | "load" => &["idx_tickets_open_step", "idx_tickets_status", "idx_tickets_open_due"],
                "urgent" | "urgent without due" => {
                    &["idx_tickets_open_due", "idx_tickets_open_step", "idx_tickets_status"]
                }
                // A period by the time of receipt; a technician's own by their assignments.
                _ => &["idx_tickets_created", "idx_ticket_assignees_person"],
            };
            assert!(expected.iter().any(|index| plan.contains(index)), "{name} through {expected:?}:\n{plan}");
            // Read in the index's order: the walk stops at the page's end, nothing is sorted.
            // (PostgreSQL's planner sorts the one row it expects in an empty test table.)
            if name.starts_with("urgent") && backend == sea_orm::DbBackend::Sqlite {
                assert!(!plan.contains("FOR ORDER BY"), "{name}:\n{plan}");
            }
            if scope.own.is_some() {
                assert!(
                    plan.contains("idx_ticket_assignees_person")
                        || plan.contains("ticket_assignees_pkey")
                        || plan.contains("sqlite_autoindex_ticket_assignees"),
                    "{name}: a person's tickets by their index:\n{plan}"
                );
            }
        }
    }
}
