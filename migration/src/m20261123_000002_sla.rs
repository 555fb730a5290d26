//! The SLA worker's memory: which reminders and escalations were already sent for which
//! visit of a step (`sla_notices`), which morning digests went out (`sla_digests`), and the
//! lease that lets only one worker run at a time among several processes (`worker_leases`).
//! Uniqueness lives in the database, so two passes racing cannot both send.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000002_sla"
    }
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SlaNotices {
    Table,
    Id,
    TicketId,
    /// The step id, or `*` for the ticket's overall target.
    Step,
    /// The visit's start: with `step`, identifies one stay of the ticket at a step.
    EnteredAt,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SlaDigests {
    Table,
    /// The office's local date, `YYYY-MM-DD`: one digest per day.
    Day,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WorkerLeases {
    Table,
    Name,
    Holder,
    Until,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SlaNotices::Table)
                    .col(big_pk_auto(SlaNotices::Id))
                    .col(big_integer(SlaNotices::TicketId))
                    .col(string(SlaNotices::Step))
                    .col(timestamp_with_time_zone(SlaNotices::EnteredAt))
                    .col(string(SlaNotices::Kind))
                    .col(timestamp_with_time_zone(SlaNotices::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SlaNotices::Table, SlaNotices::TicketId)
                            .to(Tickets::Table, Tickets::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .take(),
            )
            .await?;
        // Sent at most once per visit and kind, whichever pass or replica gets there first.
        manager
            .create_index(
                Index::create()
                    .name("uq_sla_notices_visit_kind")
                    .table(SlaNotices::Table)
                    .col(SlaNotices::TicketId)
                    .col(SlaNotices::Step)
                    .col(SlaNotices::EnteredAt)
                    .col(SlaNotices::Kind)
                    .unique()
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SlaDigests::Table)
                    .col(string(SlaDigests::Day).primary_key())
                    .col(timestamp_with_time_zone(SlaDigests::CreatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WorkerLeases::Table)
                    .col(string(WorkerLeases::Name).primary_key())
                    .col(string(WorkerLeases::Holder))
                    .col(timestamp_with_time_zone(WorkerLeases::Until))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [WorkerLeases::Table.into_iden(), SlaDigests::Table.into_iden(), SlaNotices::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
