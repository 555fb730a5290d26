//! The satisfaction survey (Survei Kepuasan Masyarakat, PermenPANRB 14/2017): a reporter's
//! rating of each of the nine elements after confirming a ticket resolved, one row per
//! element; a skipped element is a row without a score, so "asked and skipped" is told
//! apart from "never asked".

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000006_survey"
    }
}

#[derive(DeriveIden)]
enum SurveyAnswers {
    Table,
    TicketId,
    Element,
    Score,
    PersonId,
    AnsweredAt,
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
                    .table(SurveyAnswers::Table)
                    .col(big_integer(SurveyAnswers::TicketId))
                    .col(small_integer(SurveyAnswers::Element))
                    .col(small_integer_null(SurveyAnswers::Score))
                    .col(big_integer(SurveyAnswers::PersonId))
                    .col(timestamp_with_time_zone(SurveyAnswers::AnsweredAt))
                    .primary_key(Index::create().col(SurveyAnswers::TicketId).col(SurveyAnswers::Element))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SurveyAnswers::Table, SurveyAnswers::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SurveyAnswers::Table).take()).await
    }
}
