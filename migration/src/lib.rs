//! SIGAP's schema, one migration per change, written with sea-query's neutral DDL so the same
//! migration serves SQLite and PostgreSQL. The only backend-specific SQL in the project lives
//! here (the triggers that keep the event log append-only).

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_initial;
mod m20261123_000002_sla;
mod m20261123_000003_inbound;
mod m20261123_000004_conversations;
mod m20261123_000005_whatsapp;
mod m20261123_000006_survey;
mod m20261123_000007_complaints;
mod m20261124_000001_inbox;
mod m20261124_000002_papers;
mod m20261130_000004_cards;
mod m20261130_000005_outbox_parts;
mod m20261130_000006_flat_cost;
mod m20261130_000007_incidents;
mod m20261130_000008_console;
mod m20261130_000009_linked;
mod m20261201_000010_personal_data;
mod m20261201_000011_web_chat;
mod m20261201_000012_console_indexes;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_initial::Migration),
            Box::new(m20261123_000002_sla::Migration),
            Box::new(m20261123_000003_inbound::Migration),
            Box::new(m20261123_000004_conversations::Migration),
            Box::new(m20261123_000005_whatsapp::Migration),
            Box::new(m20261123_000006_survey::Migration),
            Box::new(m20261123_000007_complaints::Migration),
            Box::new(m20261124_000002_papers::Migration),
            Box::new(m20261130_000004_cards::Migration),
            Box::new(m20261130_000005_outbox_parts::Migration),
            Box::new(m20261130_000006_flat_cost::Migration),
            Box::new(m20261130_000007_incidents::Migration),
            Box::new(m20261130_000008_console::Migration),
            Box::new(m20261130_000009_linked::Migration),
            Box::new(m20261201_000010_personal_data::Migration),
            Box::new(m20261201_000011_web_chat::Migration),
            Box::new(m20261201_000012_console_indexes::Migration),
        ]
    }
}

/// The webhook inbox's schema, kept apart from [`Migrator`]'s: the inbox lives in the main
/// database on PostgreSQL but in a file of its own on SQLite, and each place records what
/// was applied to it in its own migrations table.
pub struct InboxMigrator;

#[async_trait::async_trait]
impl MigratorTrait for InboxMigrator {
    fn migration_table_name() -> DynIden {
        Alias::new("seaql_migrations_inbox").into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m20261124_000001_inbox::Migration)]
    }
}
