//! Mass outages ("gangguan massal"): the office's network registry (nodes hanging on nodes,
//! the organisations each serves, the names monitoring tools know it by), and the link from a
//! monitoring alert's identity to the ticket it opened. The registry is replaced whole by
//! `sigap network import`; the links stay, keyed by the node's id in the file, not its row.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000007_incidents"
    }
}

#[derive(DeriveIden)]
enum NetworkNodes {
    Table,
    Id,
    Key,
    Name,
    ParentId,
    Isp,
    Circuit,
    Position,
}

#[derive(DeriveIden)]
enum NetworkNodeOrgs {
    Table,
    NodeId,
    OrgId,
}

#[derive(DeriveIden)]
enum NetworkNames {
    Table,
    Id,
    NodeId,
    Source,
    Name,
}

#[derive(DeriveIden)]
enum AlertIncidents {
    Table,
    Id,
    Source,
    Identity,
    TicketId,
    NodeKey,
    OpenedAt,
    RecoveredAt,
}

#[derive(DeriveIden)]
enum Organisations {
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
                    .table(NetworkNodes::Table)
                    .col(big_pk_auto(NetworkNodes::Id))
                    .col(string(NetworkNodes::Key).unique_key())
                    .col(string(NetworkNodes::Name))
                    .col(big_integer_null(NetworkNodes::ParentId))
                    .col(string_null(NetworkNodes::Isp))
                    .col(string_null(NetworkNodes::Circuit))
                    .col(integer(NetworkNodes::Position))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NetworkNodes::Table, NetworkNodes::ParentId)
                            .to(NetworkNodes::Table, NetworkNodes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NetworkNodeOrgs::Table)
                    .col(big_integer(NetworkNodeOrgs::NodeId))
                    .col(big_integer(NetworkNodeOrgs::OrgId))
                    .primary_key(Index::create().col(NetworkNodeOrgs::NodeId).col(NetworkNodeOrgs::OrgId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NetworkNodeOrgs::Table, NetworkNodeOrgs::NodeId)
                            .to(NetworkNodes::Table, NetworkNodes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(NetworkNodeOrgs::Table, NetworkNodeOrgs::OrgId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NetworkNames::Table)
                    .col(big_pk_auto(NetworkNames::Id))
                    .col(big_integer(NetworkNames::NodeId))
                    .col(string(NetworkNames::Source))
                    .col(string(NetworkNames::Name))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NetworkNames::Table, NetworkNames::NodeId)
                            .to(NetworkNodes::Table, NetworkNodes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // One node per name a tool uses: an alert must never be ambiguous.
        manager
            .create_index(
                Index::create()
                    .name("idx_network_names_source_name")
                    .table(NetworkNames::Table)
                    .col(NetworkNames::Source)
                    .col(NetworkNames::Name)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AlertIncidents::Table)
                    .col(big_pk_auto(AlertIncidents::Id))
                    .col(string(AlertIncidents::Source))
                    .col(string(AlertIncidents::Identity))
                    .col(big_integer(AlertIncidents::TicketId))
                    .col(string(AlertIncidents::NodeKey))
                    .col(timestamp_with_time_zone(AlertIncidents::OpenedAt))
                    .col(timestamp_with_time_zone_null(AlertIncidents::RecoveredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AlertIncidents::Table, AlertIncidents::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .take(),
            )
            .await?;
        // Not unique: a fingerprint that fires again after its ticket closed opens a new one.
        manager
            .create_index(
                Index::create()
                    .name("idx_alert_incidents_identity")
                    .table(AlertIncidents::Table)
                    .col(AlertIncidents::Source)
                    .col(AlertIncidents::Identity)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AlertIncidents::Table).take()).await?;
        manager.drop_table(Table::drop().table(NetworkNames::Table).take()).await?;
        manager.drop_table(Table::drop().table(NetworkNodeOrgs::Table).take()).await?;
        manager.drop_table(Table::drop().table(NetworkNodes::Table).take()).await
    }
}
