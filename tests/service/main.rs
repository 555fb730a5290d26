//! The helpdesk service end to end on a real database: SQLite by default, PostgreSQL when
//! `TEST_DATABASE_URL` is set. Every test spawns its own desk on a fresh database.

mod calendar;
mod cards;
mod complaints;
mod concurrency;
#[path = "../common/db.rs"]
mod db;
mod delivery;
mod directory;
mod documents;
mod helpers;
mod inbox;
mod metrics;
mod notifications;
mod plans;
mod press;
mod press_checks;
mod records;
mod refusals;
mod retention;
mod sla;
mod sla_due;
mod storage;
mod walks;
