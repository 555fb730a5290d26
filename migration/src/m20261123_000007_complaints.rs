//! Complaints about the service itself (the seeds' "Pengaduan Layanan"), tracked until the
//! complaint official answers, and escalated once to the head of office when they do not.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000007_complaints"
    }
}

#[derive(DeriveIden)]
enum ServiceComplaints {
    Table,
    Id,
    PersonId,
    TicketId,
    Text,
    CreatedAt,
    AnsweredAt,
    AnsweredBy,
    Answer,
    EscalatedAt,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServiceComplaints::Table)
                    .col(big_pk_auto(ServiceComplaints::Id))
                    .col(big_integer(ServiceComplaints::PersonId))
                    .col(big_integer_null(ServiceComplaints::TicketId))
                    .col(text(ServiceComplaints::Text))
                    .col(timestamp_with_time_zone(ServiceComplaints::CreatedAt))
                    .col(timestamp_with_time_zone_null(ServiceComplaints::AnsweredAt))
                    .col(big_integer_null(ServiceComplaints::AnsweredBy))
                    .col(text_null(ServiceComplaints::Answer))
                    .col(timestamp_with_time_zone_null(ServiceComplaints::EscalatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceComplaints::Table, ServiceComplaints::PersonId)
                            .to(Persons::Table, Persons::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceComplaints::Table, ServiceComplaints::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ServiceComplaints::Table).take()).await
    }
}
