//! The helpdesk service: what channels and the command line call. It owns the rule that
//! every state change, its immutable event and its queued messages are written in one
//! transaction; the decisions themselves come from the pure [`crate::domain::workflow`].

mod act;
mod admin;
mod cards;
mod console_act;
mod converse;
mod dashboard;
mod demo;
mod error;
mod exports;
mod incident;
mod link_offer;
mod linked;
mod linked_answer;
mod notify;
mod papers;
mod press;
mod privacy;
mod queries;
mod records;
mod report;
mod retention;
mod sign_in;
mod sla_worker;
mod statuses;
mod ticket_files;
mod view;

pub use crate::domain::ticket::TicketRef;
pub use act::{ActRequest, Acted, CardRef, Origin};
pub use admin::{AdminError, Field as AdminField, Invite, LIST as ADMIN_LIST, StaffForm, parse_orgs};
pub use console_act::{ConsoleAction, ConsoleRequest};
pub use converse::{Body, ChatCommand, Correction, Incoming, ORGS_PER_PAGE, Received};
pub use dashboard::{Board, BoardFilter, Load, OpenTicket, StepQueue, ViewError};
pub use demo::{DEMO_PEOPLE, DemoPerson, DemoSeeded};
pub use error::ServiceError;
pub use exports::{Chunks, Download, Format as DownloadFormat, PDF_ROWS, Records};
pub use incident::AlertOutcome;

pub use press::{Press, PressOutcome};
pub use privacy::{ErasePause, Erasure, Expired, ExpiredKind, MyData, PrivacyPolicy, Swept};
pub use queries::Query;
pub use records::{Group, LogRow, Outage, Stats, StepCompliance, StepRecord, stats_of};
pub use report::{Created, NewReport};
pub use retention::{Pruned, Retention};
pub use sign_in::{
    CODE_MINUTES, ConsoleUser, FAILURE_WINDOW_MINUTES, LINK_HOURS, MAX_CODES, MAX_FAILURES, NewSession, Reach,
    SESSION_HOURS, SignInError,
};
pub use sla_worker::{LEASE_NAME as SLA_LEASE_NAME, PassReport, SlaWorker};
pub use statuses::{OUTSIDE_WINDOW, StatusError};
pub use view::{EventView, LinkedReport, TicketDetails};

use std::path::PathBuf;
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::config::LoadedSop;
use crate::metrics::Metrics;

#[derive(Debug, Clone)]
pub struct Helpdesk {
    db: DatabaseConnection,
    sop: Arc<LoadedSop>,
    clock: Arc<dyn Clock>,
    data_dir: PathBuf,
    metrics: Arc<Metrics>,
    /// Group chats that get a copy of every new ticket.
    team_chats: Vec<(crate::domain::ticket::Channel, String)>,
    /// The letterhead of the papers sent in chat.
    letterhead: Arc<crate::documents::Letterhead>,
    /// Working days the complaint official has to answer a complaint about the service.
    complaint_days: u32,
    incidents: IncidentOptions,
    /// What is kept how long, and whom people ask about it (UU 27/2022).
    privacy: Arc<PrivacyPolicy>,
    /// The quarter's figures the console's charts were last drawn from (see `exports.rs`).
    charted: Arc<tokio::sync::Mutex<Option<exports::Charted>>>,
}

/// How gangguan massal meets the people it hits (settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentOptions {
    /// A new report whose connection shares an uplink or ISP with an open ticket reported in
    /// the last this many minutes (or with an open monitoring incident) is offered to the
    /// helpdesk for linking; 0 offers nothing.
    pub offer_minutes: u32,
    /// Tell the registered people of every affected organisation when monitoring opens an
    /// incident, so they need not report it.
    pub tell_organisations: bool,
}

impl Default for IncidentOptions {
    fn default() -> Self {
        IncidentOptions { offer_minutes: 120, tell_organisations: false }
    }
}

impl Helpdesk {
    pub fn new(db: DatabaseConnection, sop: Arc<LoadedSop>, clock: Arc<dyn Clock>, data_dir: PathBuf) -> Self {
        let letterhead =
            Arc::new(crate::documents::Letterhead { office: sop.sop.header.office.clone(), ..Default::default() });
        Helpdesk {
            db,
            sop,
            clock,
            data_dir,
            metrics: Arc::new(Metrics::new()),
            team_chats: Vec::new(),
            letterhead,
            complaint_days: 1,
            incidents: IncidentOptions::default(),
            privacy: Arc::new(PrivacyPolicy::default()),
            charted: Arc::default(),
        }
    }

    /// Count into the service's shared metrics instead of a private set.
    pub fn with_metrics(self, metrics: Arc<Metrics>) -> Self {
        Helpdesk { metrics, ..self }
    }

    /// Escalate complaints about the service left unanswered this many working days.
    pub fn with_complaint_days(self, days: u32) -> Self {
        Helpdesk { complaint_days: days.max(1), ..self }
    }

    pub fn with_incident_options(self, incidents: IncidentOptions) -> Self {
        Helpdesk { incidents, ..self }
    }

    pub fn with_privacy(self, privacy: PrivacyPolicy) -> Self {
        Helpdesk { privacy: Arc::new(privacy), ..self }
    }

    pub fn privacy(&self) -> &PrivacyPolicy {
        &self.privacy
    }

    pub fn complaint_days(&self) -> u32 {
        self.complaint_days
    }

    /// Print the papers with this letterhead.
    pub fn with_letterhead(self, letterhead: crate::documents::Letterhead) -> Self {
        Helpdesk { letterhead: Arc::new(letterhead), ..self }
    }

    /// Copy every new ticket to this group chat (the office's team group).
    pub fn with_team_chat(mut self, channel: crate::domain::ticket::Channel, chat: String) -> Self {
        self.team_chats.push((channel, chat));
        self
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn sop(&self) -> &LoadedSop {
        &self.sop
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }
}
