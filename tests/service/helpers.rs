//! A fresh helpdesk per test: its own database (a SQLite file in a temporary directory, or a
//! new PostgreSQL database when `TEST_DATABASE_URL` is set), migrated, with an SOP preset, a
//! settable clock at Monday 23 November 2026 09:00 WIB, one organisation and its staff.
//!
//! PostgreSQL databases are named `sigap_t_<unix seconds>_<pid>_<counter>` and are left
//! behind when a test ends (a test cannot drop its database while its pool is still open);
//! the first test of each run drops those older than an hour, with `WITH (FORCE)`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::ActiveValue::Set;
use sea_orm::{DatabaseConnection, TransactionTrait};
use tempfile::TempDir;

use sigap::clock::{Clock, ManualClock};
use sigap::config;
use sigap::domain::role::Role;
use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::{Category, Channel, Priority, TicketNumber};
use sigap::domain::workflow::Command;
use sigap::outbound::OutboundMessage;
use sigap::service::{ActRequest, Acted, Created, Helpdesk, NewReport, ServiceError, TicketDetails, TicketRef};
use sigap::store::attachments::NewAttachment;
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind, PersonRecord};
use sigap::store::entity::{ticket, ticket_event};
use sigap::store::outbox::OutboxRow;
use sigap::store::tickets::{self, EventRow, TicketRow};
use sigap::store::{self, outbox};

pub const ORG_CODE: &str = "DINKES";

/// Monday 23 November 2026, 09:00 WIB.
pub fn monday_nine() -> DateTime<Utc> {
    wib("2026-11-23 09:00")
}

/// A local time in Jakarta (`YYYY-MM-DD HH:MM`), as a UTC instant.
pub fn wib(local: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    naive.and_utc() - chrono::Duration::hours(7)
}

/// The office's people. Everyone has a Telegram identity, so every notice queues a row.
pub struct People {
    pub reporter: PersonRecord,
    pub helpdesk: PersonRecord,
    pub kasi: PersonRecord,
    pub kasi_2: PersonRecord,
    pub kabid: PersonRecord,
    pub kadis: PersonRecord,
    pub kadis_2: PersonRecord,
    pub tech_a: PersonRecord,
    pub tech_b: PersonRecord,
}

pub struct TestDesk {
    pub desk: Helpdesk,
    pub db: DatabaseConnection,
    pub clock: ManualClock,
    pub people: People,
    pub org_id: i64,
    data_dir: TempDir,
    /// Holds the SQLite file; `None` on PostgreSQL.
    _db_dir: Option<TempDir>,
}

pub async fn spawn(preset: &str) -> TestDesk {
    let (url, db_dir) = crate::db::fresh_database().await;
    let db = store::connect(&url).await.unwrap();
    store::migrate(&db).await.unwrap();

    let loaded = config::load_sop(preset, Path::new("config")).unwrap();
    let clock = ManualClock::new(monday_nine());
    let data_dir = tempfile::tempdir().unwrap();
    let desk = Helpdesk::new(db.clone(), Arc::new(loaded), Arc::new(clock.clone()), data_dir.path().to_path_buf());

    let now = clock.now();
    let org = NewOrg { code: ORG_CODE.into(), name: "Dinas Kesehatan".into(), kind: OrgKind::Opd };
    directory::import_orgs(&db, &[org], now).await.unwrap();
    let org_id = directory::org_by_code(&db, ORG_CODE).await.unwrap().unwrap().id;
    let people = People {
        reporter: person(&db, "Sari Pelapor", &[Role::Reporter], "tg-reporter", None).await,
        helpdesk: person(&db, "Hadi Helpdesk", &[Role::Helpdesk], "tg-helpdesk", None).await,
        kasi: person(&db, "Kurnia Kasi", &[Role::Kasi], "tg-kasi", None).await,
        kasi_2: person(&db, "Krisna Kasi", &[Role::Kasi], "tg-kasi-2", None).await,
        kabid: person(&db, "Bambang Kabid", &[Role::Kabid], "tg-kabid", None).await,
        kadis: person(&db, "Dewi Kadis", &[Role::Kadis], "tg-kadis", None).await,
        kadis_2: person(&db, "Dimas Kadis", &[Role::Kadis], "tg-kadis-2", None).await,
        tech_a: person(&db, "Agus Teknisi", &[Role::Technician], "tg-tech-a", Some("6281200000001")).await,
        tech_b: person(&db, "Budi Teknisi", &[Role::Technician], "tg-tech-b", Some("6281200000002")).await,
    };
    TestDesk { desk, db, clock, people, org_id, data_dir, _db_dir: db_dir }
}

async fn person(
    db: &DatabaseConnection,
    name: &str,
    roles: &[Role],
    telegram: &str,
    whatsapp: Option<&str>,
) -> PersonRecord {
    let mut identities = vec![(Channel::Telegram, telegram.to_owned())];
    identities.extend(whatsapp.map(|wa| (Channel::Whatsapp, wa.to_owned())));
    let new = NewPerson {
        name: name.into(),
        org_code: Some(ORG_CODE.into()),
        locale: "id".into(),
        roles: roles.to_vec(),
        identities,
    };
    directory::add_person(db, &new, monday_nine()).await.unwrap()
}

// --- acting on tickets --------------------------------------------------------------------

impl TestDesk {
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.path().to_path_buf()
    }

    pub fn tz(&self) -> Tz {
        self.desk.sop().calendar.timezone()
    }

    /// The reporter files an internet outage over Telegram.
    pub async fn report(&self) -> Created {
        self.report_with(Vec::new()).await
    }

    pub async fn report_with(&self, attachments: Vec<NewAttachment>) -> Created {
        self.desk.report(new_report(self.people.reporter.id, attachments)).await.unwrap()
    }

    /// Start building a press of `kind` on `ticket` by `who`, at the ticket's current version
    /// unless [`Press::version`] says otherwise.
    pub fn press<'a>(&'a self, who: &PersonRecord, ticket: i64, kind: ActionKind) -> Press<'a> {
        Press {
            desk: self,
            ticket: TicketRef::Id(ticket),
            actor_id: who.id,
            command: Command::new(kind, 0),
            version: None,
            assignee_ids: Vec::new(),
            attachments: Vec::new(),
            channel: Channel::Telegram,
        }
    }

    pub async fn ticket(&self, id: i64) -> TicketRow {
        tickets::by_id(&self.db, id).await.unwrap().unwrap()
    }

    pub async fn events(&self, id: i64) -> Vec<EventRow> {
        tickets::events(&self.db, id).await.unwrap()
    }

    pub async fn outbox(&self, id: i64) -> Vec<OutboxRow> {
        outbox::for_ticket(&self.db, id).await.unwrap()
    }

    pub async fn details(&self, id: i64) -> TicketDetails {
        self.desk.details(TicketRef::Id(id)).await.unwrap()
    }

    /// Ticket row, event log and outbox of a ticket, to show that a refusal changed nothing.
    pub async fn footprint(&self, id: i64) -> Footprint {
        let ticket = self.ticket(id).await;
        Footprint {
            version: ticket.version,
            step: ticket.step,
            status: ticket.status,
            events: self.events(id).await.len(),
            outbox: self.outbox(id).await.len(),
        }
    }
}

pub fn new_report(reporter_id: i64, attachments: Vec<NewAttachment>) -> NewReport {
    NewReport {
        reporter_id,
        channel: Channel::Telegram,
        org_id: None,
        location: Some("Gedung B lantai 2".into()),
        category: Category::InternetDown,
        description: "Internet di ruang rapat mati sejak pagi".into(),
        srikandi_number: None,
        attachments,
    }
}

pub fn photo(bytes: &[u8]) -> NewAttachment {
    NewAttachment { bytes: bytes.to_vec(), mime: "image/jpeg".into(), file_name: Some("bukti.jpg".into()) }
}

pub fn number(seq: u32) -> TicketNumber {
    TicketNumber { year: 2026, seq }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footprint {
    pub version: i32,
    pub step: String,
    pub status: String,
    pub events: usize,
    pub outbox: usize,
}

pub struct Press<'a> {
    desk: &'a TestDesk,
    ticket: TicketRef,
    actor_id: i64,
    command: Command,
    version: Option<i32>,
    assignee_ids: Vec<i64>,
    attachments: Vec<NewAttachment>,
    channel: Channel,
}

impl Press<'_> {
    pub fn note(mut self, note: &str) -> Self {
        self.command.note = Some(note.into());
        self
    }

    pub fn version(mut self, version: i32) -> Self {
        self.version = Some(version);
        self
    }

    pub fn eta(mut self, eta: DateTime<Utc>) -> Self {
        self.command.eta = Some(eta);
        self
    }

    pub fn priority(mut self, priority: Priority) -> Self {
        self.command.priority = Some(priority);
        self
    }

    pub fn device(mut self, device: &str) -> Self {
        self.command.device = Some(device.into());
        self
    }

    pub fn assign(mut self, people: &[&PersonRecord]) -> Self {
        self.assignee_ids = people.iter().map(|p| p.id).collect();
        self
    }

    pub fn attach(mut self, file: NewAttachment) -> Self {
        self.attachments.push(file);
        self
    }

    pub fn photo(mut self, bytes: &[u8]) -> Self {
        self.attachments.push(photo(bytes));
        self
    }

    pub fn channel(mut self, channel: Channel) -> Self {
        self.channel = channel;
        self
    }

    pub fn on_ticket(mut self, ticket: TicketRef) -> Self {
        self.ticket = ticket;
        self
    }

    /// The request as a channel would send it.
    pub async fn request(self) -> ActRequest {
        let mut command = self.command;
        command.expected_version = match (self.version, self.ticket) {
            (Some(v), _) => v,
            (None, TicketRef::Id(id)) => tickets::by_id(&self.desk.db, id).await.unwrap().map_or(1, |t| t.version),
            (None, TicketRef::Number(n)) => {
                tickets::by_number(&self.desk.db, n).await.unwrap().map_or(1, |t| t.version)
            }
        };
        ActRequest {
            ticket: self.ticket,
            actor_id: self.actor_id,
            channel: self.channel,
            command,
            assignee_ids: self.assignee_ids,
            attachments: self.attachments,
        }
    }

    pub async fn send(self) -> Result<Acted, ServiceError> {
        let desk = self.desk.desk.clone();
        desk.act(self.request().await).await
    }

    /// Send and expect success.
    pub async fn ok(self) -> Acted {
        let kind = self.command.kind;
        self.send().await.unwrap_or_else(|e| panic!("{kind} refused: {e}"))
    }
}

/// The message of an outbox row.
pub fn message(row: &OutboxRow) -> OutboundMessage {
    row.message().unwrap()
}

/// Rows of `kind` addressed to `person`.
pub fn rows_for<'r>(rows: &'r [OutboxRow], person: &PersonRecord, kind: &str) -> Vec<&'r OutboxRow> {
    rows.iter().filter(|r| r.person_id == Some(person.id) && r.kind == kind).collect()
}

// --- history in bulk ----------------------------------------------------------------------

/// `count` open tickets of last year's numbering, each at the 24-hour field visit since `at`
/// and due for a look (as the migration leaves the open tickets of an existing database);
/// received a second apart from `at` on. Written in bulk through the store.
pub async fn at_the_field_visit(t: &TestDesk, count: u32, at: DateTime<Utc>) {
    let txn = t.db.begin().await.unwrap();
    let rows = (1..=count)
        .map(|seq| {
            let number = TicketNumber { year: 2025, seq };
            ticket::ActiveModel {
                number: Set(number.to_string()),
                year: Set(number.year),
                seq: Set(i32::try_from(seq).unwrap()),
                sop_id: Set("kudus".into()),
                reporter_id: Set(t.people.reporter.id),
                org_id: Set(Some(t.org_id)),
                location: Set(Some("Gedung A".into())),
                category: Set("internet_down".into()),
                description: Set("Internet mati".into()),
                priority: Set(Some("normal".into())),
                srikandi_number: Set(None),
                step: Set("perbaikan_lapangan".into()),
                status: Set("open".into()),
                isp_eta: Set(None),
                version: Set(3),
                created_at: Set(at + chrono::Duration::seconds(i64::from(seq))),
                updated_at: Set(at),
                ended_at: Set(None),
                next_sla_at: Set(Some(at)),
                ..Default::default()
            }
        })
        .collect();
    let ids = tickets::insert_many(&txn, rows).await.unwrap();
    let event = |ticket_id: i64, action: &str, from: Option<&str>, to: &str| ticket_event::ActiveModel {
        ticket_id: Set(ticket_id),
        actor_id: Set(None),
        actor_role: Set(None),
        channel: Set("telegram".into()),
        action: Set(action.into()),
        from_step: Set(from.map(str::to_owned)),
        to_step: Set(Some(to.into())),
        note: Set(None),
        data: Set(None),
        at: Set(at),
        ..Default::default()
    };
    let events = ids
        .iter()
        .flat_map(|&id| {
            [event(id, "report", None, "terima"), event(id, "field_visit", Some("terima"), "perbaikan_lapangan")]
        })
        .collect();
    tickets::append_events(&txn, events).await.unwrap();
    txn.commit().await.unwrap();
}
