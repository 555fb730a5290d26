//! Personal data under UU 27/2022 (PDP): requests people make about their data (deletion),
//! files to delete once an erasure is committed, the audit of who exported personal data,
//! and the mark on an erased person. The event log stays append-only, with two ways through:
//! an erasure may replace a person's text in an event's note or data by "(dihapus)", and
//! change nothing else; the admin's purge of a year deletes the events of tickets listed in
//! `event_purges`, a table its transaction fills and empties again.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000010_personal_data"
    }
}

#[derive(DeriveIden)]
enum DataRequests {
    Table,
    Id,
    PersonId,
    Kind,
    Status,
    Channel,
    RequestedAt,
    DoneAt,
}

#[derive(DeriveIden)]
enum FileDeletions {
    Table,
    Id,
    Path,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    ActorId,
    Channel,
    Action,
    SubjectId,
    TicketId,
    Detail,
}

#[derive(DeriveIden)]
enum EventPurges {
    Table,
    TicketId,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
    ErasedAt,
}

/// What an erasure writes into a redacted note; the triggers let an update through only
/// when every changed text carries it.
const REDACTED: &str = "(dihapus)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DataRequests::Table)
                    .col(big_pk_auto(DataRequests::Id))
                    .col(big_integer(DataRequests::PersonId))
                    .col(string(DataRequests::Kind))
                    .col(string(DataRequests::Status))
                    .col(string(DataRequests::Channel))
                    .col(timestamp_with_time_zone(DataRequests::RequestedAt))
                    .col(timestamp_with_time_zone_null(DataRequests::DoneAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DataRequests::Table, DataRequests::PersonId)
                            .to(Persons::Table, Persons::Id),
                    )
                    .take(),
            )
            .await?;
        // The admin's list is of open requests: a handful, whatever the history.
        manager
            .create_index(
                Index::create()
                    .name("idx_data_requests_status")
                    .table(DataRequests::Table)
                    .col(DataRequests::Status)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FileDeletions::Table)
                    .col(big_pk_auto(FileDeletions::Id))
                    .col(string(FileDeletions::Path))
                    .col(timestamp_with_time_zone(FileDeletions::CreatedAt))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(big_pk_auto(AuditEvents::Id))
                    .col(timestamp_with_time_zone(AuditEvents::At))
                    .col(big_integer_null(AuditEvents::ActorId))
                    .col(string(AuditEvents::Channel))
                    .col(string(AuditEvents::Action))
                    .col(big_integer_null(AuditEvents::SubjectId))
                    .col(big_integer_null(AuditEvents::TicketId))
                    .col(text_null(AuditEvents::Detail))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_audit_events_at").table(AuditEvents::Table).col(AuditEvents::At).take(),
            )
            .await?;
        manager
            .create_table(
                Table::create().table(EventPurges::Table).col(big_integer(EventPurges::TicketId).primary_key()).take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Persons::Table)
                    .add_column(timestamp_with_time_zone_null(Persons::ErasedAt))
                    .take(),
            )
            .await?;
        redactable_events(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Persons::Table).drop_column(Persons::ErasedAt).take()).await?;
        manager.drop_table(Table::drop().table(EventPurges::Table).take()).await?;
        manager.drop_table(Table::drop().table(AuditEvents::Table).take()).await?;
        manager.drop_table(Table::drop().table(FileDeletions::Table).take()).await?;
        manager.drop_table(Table::drop().table(DataRequests::Table).take()).await
    }
}

/// Replace the event log's guards with ones that let a redaction through (every column but
/// `note` and `data` unchanged, and each of those either unchanged or carrying the mark), and
/// the deletion of a purged ticket's events.
async fn redactable_events(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let same = ["id", "ticket_id", "actor_id", "actor_role", "channel", "action", "from_step", "to_step", "at"];
    match manager.get_database_backend() {
        DbBackend::Sqlite => {
            let unchanged: Vec<String> = same.iter().map(|c| format!("NEW.{c} IS OLD.{c}")).collect();
            let redacted = |c: &str| format!("(NEW.{c} IS OLD.{c} OR instr(NEW.{c}, '{REDACTED}') > 0)");
            conn.execute_unprepared("DROP TRIGGER IF EXISTS ticket_events_no_update").await?;
            conn.execute_unprepared(&format!(
                "CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events \
                 WHEN NOT ({} AND {} AND {}) \
                 BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END",
                unchanged.join(" AND "),
                redacted("note"),
                redacted("data"),
            ))
            .await?;
            conn.execute_unprepared("DROP TRIGGER IF EXISTS ticket_events_no_delete").await?;
            conn.execute_unprepared(
                "CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events \
                 WHEN NOT EXISTS (SELECT 1 FROM event_purges WHERE ticket_id = OLD.ticket_id) \
                 BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END",
            )
            .await?;
        }
        DbBackend::Postgres => {
            let unchanged: Vec<String> = same.iter().map(|c| format!("NEW.{c} IS NOT DISTINCT FROM OLD.{c}")).collect();
            let redacted =
                |c: &str| format!("(NEW.{c} IS NOT DISTINCT FROM OLD.{c} OR strpos(NEW.{c}, '{REDACTED}') > 0)");
            conn.execute_unprepared(&format!(
                "CREATE OR REPLACE FUNCTION ticket_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN \
                 IF TG_OP = 'UPDATE' AND {} AND {} AND {} THEN RETURN NEW; END IF; \
                 IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM event_purges WHERE ticket_id = OLD.ticket_id) \
                 THEN RETURN OLD; END IF; \
                 RAISE EXCEPTION 'ticket_events is append-only'; \
                 END $$",
                unchanged.join(" AND "),
                redacted("note"),
                redacted("data"),
            ))
            .await?;
        }
        _ => {}
    }
    Ok(())
}
