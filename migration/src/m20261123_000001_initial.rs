//! The initial schema: organisations, people and their channel identities, tickets with
//! their counters, assignees, events and attachments, and the outbox of messages to send.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000001_initial"
    }
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Code,
    Name,
    Kind,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
    Name,
    OrgId,
    Locale,
    Active,
    PreferredChannel,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PersonRoles {
    Table,
    PersonId,
    Role,
}

#[derive(DeriveIden)]
enum Identities {
    Table,
    Id,
    PersonId,
    Channel,
    Address,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
    Number,
    Year,
    Seq,
    SopId,
    ReporterId,
    OrgId,
    Location,
    Category,
    Description,
    Priority,
    SrikandiNumber,
    Step,
    Status,
    IspEta,
    Version,
    CreatedAt,
    UpdatedAt,
    EndedAt,
}

#[derive(DeriveIden)]
enum TicketCounters {
    Table,
    Year,
    Last,
}

#[derive(DeriveIden)]
enum TicketAssignees {
    Table,
    TicketId,
    PersonId,
    AssignedAt,
}

#[derive(DeriveIden)]
enum TicketEvents {
    Table,
    Id,
    TicketId,
    ActorId,
    ActorRole,
    Channel,
    Action,
    FromStep,
    ToStep,
    Note,
    Data,
    At,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    TicketId,
    EventId,
    Sha256,
    Size,
    Mime,
    FileName,
    StoredPath,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    PersonId,
    Channel,
    Address,
    TicketId,
    Kind,
    Payload,
    Status,
    Attempts,
    AvailableAt,
    CreatedAt,
    SentAt,
    LastError,
    ClaimedUntil,
}

fn fk(from: (impl IntoIden, impl IntoIden), to: (impl IntoIden, impl IntoIden)) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Restrict).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .col(big_pk_auto(Organisations::Id))
                    .col(string_uniq(Organisations::Code))
                    .col(string(Organisations::Name))
                    .col(string(Organisations::Kind))
                    .col(boolean(Organisations::Active).default(true))
                    .col(timestamp_with_time_zone(Organisations::CreatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Persons::Table)
                    .col(big_pk_auto(Persons::Id))
                    .col(string(Persons::Name))
                    .col(big_integer_null(Persons::OrgId))
                    .col(string(Persons::Locale).default("id"))
                    .col(boolean(Persons::Active).default(true))
                    .col(string_null(Persons::PreferredChannel))
                    .col(timestamp_with_time_zone(Persons::CreatedAt))
                    .foreign_key(&mut fk((Persons::Table, Persons::OrgId), (Organisations::Table, Organisations::Id)))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersonRoles::Table)
                    .col(big_integer(PersonRoles::PersonId))
                    .col(string(PersonRoles::Role))
                    .primary_key(Index::create().col(PersonRoles::PersonId).col(PersonRoles::Role))
                    .foreign_key(&mut fk((PersonRoles::Table, PersonRoles::PersonId), (Persons::Table, Persons::Id)))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_person_roles_role").table(PersonRoles::Table).col(PersonRoles::Role).take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Identities::Table)
                    .col(big_pk_auto(Identities::Id))
                    .col(big_integer(Identities::PersonId))
                    .col(string(Identities::Channel))
                    .col(string(Identities::Address))
                    .col(timestamp_with_time_zone(Identities::CreatedAt))
                    .foreign_key(&mut fk((Identities::Table, Identities::PersonId), (Persons::Table, Persons::Id)))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_identities_channel_address")
                    .table(Identities::Table)
                    .col(Identities::Channel)
                    .col(Identities::Address)
                    .unique()
                    .take(),
            )
            .await?;
        // Person records are read in batches by person id (`store::people`).
        manager
            .create_index(
                Index::create().name("idx_identities_person").table(Identities::Table).col(Identities::PersonId).take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TicketCounters::Table)
                    .col(integer(TicketCounters::Year).primary_key())
                    .col(integer(TicketCounters::Last))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tickets::Table)
                    .col(big_pk_auto(Tickets::Id))
                    .col(string_uniq(Tickets::Number))
                    .col(integer(Tickets::Year))
                    .col(integer(Tickets::Seq))
                    .col(string(Tickets::SopId))
                    .col(big_integer(Tickets::ReporterId))
                    .col(big_integer_null(Tickets::OrgId))
                    .col(text_null(Tickets::Location))
                    .col(string(Tickets::Category))
                    .col(text(Tickets::Description))
                    .col(string_null(Tickets::Priority))
                    .col(string_null(Tickets::SrikandiNumber))
                    .col(string(Tickets::Step))
                    .col(string(Tickets::Status))
                    .col(timestamp_with_time_zone_null(Tickets::IspEta))
                    .col(integer(Tickets::Version))
                    .col(timestamp_with_time_zone(Tickets::CreatedAt))
                    .col(timestamp_with_time_zone(Tickets::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Tickets::EndedAt))
                    .foreign_key(&mut fk((Tickets::Table, Tickets::ReporterId), (Persons::Table, Persons::Id)))
                    .foreign_key(&mut fk((Tickets::Table, Tickets::OrgId), (Organisations::Table, Organisations::Id)))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_tickets_year_seq")
                    .table(Tickets::Table)
                    .col(Tickets::Year)
                    .col(Tickets::Seq)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_tickets_status").table(Tickets::Table).col(Tickets::Status).take())
            .await?;
        manager
            .create_index(
                Index::create().name("idx_tickets_reporter").table(Tickets::Table).col(Tickets::ReporterId).take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TicketAssignees::Table)
                    .col(big_integer(TicketAssignees::TicketId))
                    .col(big_integer(TicketAssignees::PersonId))
                    .col(timestamp_with_time_zone(TicketAssignees::AssignedAt))
                    .primary_key(Index::create().col(TicketAssignees::TicketId).col(TicketAssignees::PersonId))
                    .foreign_key(&mut fk(
                        (TicketAssignees::Table, TicketAssignees::TicketId),
                        (Tickets::Table, Tickets::Id),
                    ))
                    .foreign_key(&mut fk(
                        (TicketAssignees::Table, TicketAssignees::PersonId),
                        (Persons::Table, Persons::Id),
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TicketEvents::Table)
                    .col(big_pk_auto(TicketEvents::Id))
                    .col(big_integer(TicketEvents::TicketId))
                    .col(big_integer_null(TicketEvents::ActorId))
                    .col(string_null(TicketEvents::ActorRole))
                    .col(string(TicketEvents::Channel))
                    .col(string(TicketEvents::Action))
                    .col(string_null(TicketEvents::FromStep))
                    .col(string_null(TicketEvents::ToStep))
                    .col(text_null(TicketEvents::Note))
                    .col(text_null(TicketEvents::Data))
                    .col(timestamp_with_time_zone(TicketEvents::At))
                    .foreign_key(&mut fk((TicketEvents::Table, TicketEvents::TicketId), (Tickets::Table, Tickets::Id)))
                    .foreign_key(&mut fk((TicketEvents::Table, TicketEvents::ActorId), (Persons::Table, Persons::Id)))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ticket_events_ticket")
                    .table(TicketEvents::Table)
                    .col(TicketEvents::TicketId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Attachments::Table)
                    .col(big_pk_auto(Attachments::Id))
                    .col(big_integer(Attachments::TicketId))
                    .col(big_integer_null(Attachments::EventId))
                    .col(string_len(Attachments::Sha256, 64))
                    .col(big_integer(Attachments::Size))
                    .col(string(Attachments::Mime))
                    .col(string_null(Attachments::FileName))
                    .col(string(Attachments::StoredPath))
                    .col(big_integer_null(Attachments::UploadedBy))
                    .col(timestamp_with_time_zone(Attachments::CreatedAt))
                    .foreign_key(&mut fk((Attachments::Table, Attachments::TicketId), (Tickets::Table, Tickets::Id)))
                    .foreign_key(&mut fk(
                        (Attachments::Table, Attachments::EventId),
                        (TicketEvents::Table, TicketEvents::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_attachments_ticket")
                    .table(Attachments::Table)
                    .col(Attachments::TicketId)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_attachments_event_sha256")
                    .table(Attachments::Table)
                    .col(Attachments::EventId)
                    .col(Attachments::Sha256)
                    .unique()
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(big_integer_null(Outbox::PersonId))
                    .col(string(Outbox::Channel))
                    .col(string(Outbox::Address))
                    .col(big_integer_null(Outbox::TicketId))
                    .col(string(Outbox::Kind))
                    .col(text(Outbox::Payload))
                    .col(string(Outbox::Status))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::AvailableAt))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .col(text_null(Outbox::LastError))
                    .col(timestamp_with_time_zone_null(Outbox::ClaimedUntil))
                    .foreign_key(&mut fk((Outbox::Table, Outbox::PersonId), (Persons::Table, Persons::Id)))
                    .foreign_key(&mut fk((Outbox::Table, Outbox::TicketId), (Tickets::Table, Tickets::Id)))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_pending")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::AvailableAt)
                    .take(),
            )
            .await?;
        // Per-chat order: the delivery worker asks for the oldest unsent row of each chat.
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_chat")
                    .table(Outbox::Table)
                    .col(Outbox::Channel)
                    .col(Outbox::Address)
                    .col(Outbox::Status)
                    .take(),
            )
            .await?;

        append_only_events(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            conn.execute_unprepared("DROP FUNCTION IF EXISTS ticket_events_append_only() CASCADE").await?;
        }
        for table in [
            Outbox::Table.into_iden(),
            Attachments::Table.into_iden(),
            TicketEvents::Table.into_iden(),
            TicketAssignees::Table.into_iden(),
            Tickets::Table.into_iden(),
            TicketCounters::Table.into_iden(),
            Identities::Table.into_iden(),
            PersonRoles::Table.into_iden(),
            Persons::Table.into_iden(),
            Organisations::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}

/// The event log is the record the SOP demands: refuse any UPDATE or DELETE of it at the
/// database itself, whatever code or tool connects.
async fn append_only_events(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Sqlite => {
            for op in ["UPDATE", "DELETE"] {
                conn.execute_unprepared(&format!(
                    "CREATE TRIGGER ticket_events_no_{lower} BEFORE {op} ON ticket_events \
                     BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END",
                    lower = op.to_lowercase()
                ))
                .await?;
            }
        }
        DbBackend::Postgres => {
            conn.execute_unprepared(
                "CREATE FUNCTION ticket_events_append_only() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'ticket_events is append-only'; END $$",
            )
            .await?;
            conn.execute_unprepared(
                "CREATE TRIGGER ticket_events_append_only BEFORE UPDATE OR DELETE ON ticket_events \
                 FOR EACH ROW EXECUTE FUNCTION ticket_events_append_only()",
            )
            .await?;
            // TRUNCATE bypasses row triggers; it needs its own.
            conn.execute_unprepared(
                "CREATE TRIGGER ticket_events_no_truncate BEFORE TRUNCATE ON ticket_events \
                 FOR EACH STATEMENT EXECUTE FUNCTION ticket_events_append_only()",
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}
