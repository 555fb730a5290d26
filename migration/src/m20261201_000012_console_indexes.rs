//! The console's dashboard reads counts and one page of the most urgent open tickets, not
//! every open ticket: `tickets.step_due_at` keeps when the current step is due (set by the
//! SLA pass, which evaluates every changed ticket anyway; cleared by a change until then), so
//! the page can be ordered and the late ones counted in SQL. Indexes for that order (a page is
//! read along it and stops), covering the per-step counts (read from the index alone), for
//! the counts of a period by time of receipt, and for a technician's tickets.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000012_console_indexes"
    }
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Status,
    Step,
    Priority,
    OrgId,
    ParentId,
    StepDueAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TicketAssignees {
    Table,
    PersonId,
    TicketId,
}

const INDEXES: [&str; 4] =
    ["idx_tickets_open_due", "idx_tickets_open_step", "idx_tickets_created", "idx_ticket_assignees_person"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(ColumnDef::new(Tickets::StepDueAt).timestamp_with_time_zone().null())
                    .take(),
            )
            .await?;
        let indexes = [
            Index::create().name(INDEXES[0]).table(Tickets::Table).col(Tickets::Status).col(Tickets::StepDueAt).take(),
            // Every column the grouped counts read: they never touch the table's rows.
            Index::create()
                .name(INDEXES[1])
                .table(Tickets::Table)
                .col(Tickets::Status)
                .col(Tickets::Step)
                .col(Tickets::Priority)
                .col(Tickets::OrgId)
                .col(Tickets::ParentId)
                .col(Tickets::StepDueAt)
                .take(),
            Index::create().name(INDEXES[2]).table(Tickets::Table).col(Tickets::CreatedAt).take(),
            Index::create()
                .name(INDEXES[3])
                .table(TicketAssignees::Table)
                .col(TicketAssignees::PersonId)
                .col(TicketAssignees::TicketId)
                .take(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (i, name) in INDEXES.iter().enumerate() {
            let table = if i == 3 { TicketAssignees::Table.into_iden() } else { Tickets::Table.into_iden() };
            manager.drop_index(Index::drop().name(*name).table(table).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(Tickets::Table).drop_column(Tickets::StepDueAt).take()).await
    }
}
