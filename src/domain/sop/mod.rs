//! An office's SOP as data: ordered steps, who acts at each, what they may do, how long
//! they have. One TOML file per office (`config/sop/*.toml`); the engine in
//! [`crate::domain::workflow`] runs any of them. Parsing only builds the shape; [`Sop::parse`]
//! then validates the whole graph so a broken file is refused before any ticket uses it.

mod action;
mod validate;

pub use action::{ActionKind, Needs, TargetRule};
pub use validate::SopError;

use serde::{Deserialize, Serialize};

use crate::domain::calendar::{CalendarConfig, Limit};
use crate::domain::role::Role;

/// Where an action sends the ticket: another step, or one of the two ends.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Target {
    Step(String),
    Closed,
    Rejected,
}

impl From<String> for Target {
    fn from(value: String) -> Self {
        match value.as_str() {
            "closed" => Target::Closed,
            "rejected" => Target::Rejected,
            _ => Target::Step(value),
        }
    }
}

impl From<Target> for String {
    fn from(value: Target) -> Self {
        match value {
            Target::Step(id) => id,
            Target::Closed => "closed".into(),
            Target::Rejected => "rejected".into(),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from(self.clone()))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SopHeader {
    /// Short name, e.g. `kudus`; stored on every ticket so a later SOP change is visible.
    pub id: String,
    pub name: String,
    pub office: String,
    /// The SOP's own document number, e.g. `555/966/18.03/2021`.
    #[serde(default)]
    pub number: Option<String>,
    /// Overall completion target of a ticket, e.g. `5 business days`.
    #[serde(default)]
    pub target: Option<Limit>,
    /// The step a new report lands on; the first step when absent.
    #[serde(default)]
    pub start: Option<String>,
    /// The step a ticket opened by a monitoring alert lands on: usually past the intake
    /// steps, at the technician's check. `start` when absent.
    #[serde(default)]
    pub monitoring_start: Option<String>,
    #[serde(default = "yes")]
    pub reporter_can_cancel: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionDef {
    pub kind: ActionKind,
    #[serde(default)]
    pub to: Option<Target>,
    /// Photos the person must attach (e.g. a completion photo on `resolve`).
    #[serde(default)]
    pub min_photos: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    pub role: Role,
    /// The step's Mutu Baku time limit; absent where the SOP only sets an overall target.
    #[serde(default)]
    pub limit: Option<Limit>,
    /// The document the step produces, as the SOP names it.
    #[serde(default)]
    pub output: Option<String>,
    /// Time spent here does not count toward the overall target (e.g. waiting on the ISP).
    #[serde(default)]
    pub pause_target_clock: bool,
    /// Papers (PDF) sent as documents to whoever acts here when a ticket arrives: the
    /// reporter acknowledging the Berita Acara, the officials reviewing the report.
    #[serde(default)]
    pub papers: Vec<Paper>,
    /// Who else reads or signs the step's papers besides whoever acts here: `reporter` (a
    /// Berita Acara the reporter fills in), or another role whose holders get them.
    #[serde(default)]
    pub papers_to: Vec<Role>,
    #[serde(default)]
    pub actions: Vec<ActionDef>,
}

/// The papers SIGAP can produce from a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    /// Laporan Penyelesaian Gangguan Jaringan.
    Completion,
    /// Berita Acara Pekerjaan.
    Work,
    /// Berita Acara Pengajuan Penggantian Perangkat.
    Replacement,
}

impl Step {
    pub fn display_name(&self, locale: &str) -> &str {
        match (locale, &self.name_en) {
            ("en", Some(en)) => en,
            _ => &self.name,
        }
    }

    /// The action a person asked for, identified by kind and, where a step offers the same
    /// kind twice, by target.
    pub fn find_action(&self, kind: ActionKind, to: Option<&Target>) -> Option<&ActionDef> {
        let mut matching = self.actions.iter().filter(|a| a.kind == kind);
        match to {
            Some(to) => matching.find(|a| a.to.as_ref() == Some(to)),
            None => {
                let first = matching.next()?;
                // Two actions of one kind without a target to tell them apart is ambiguous.
                matching.next().is_none().then_some(first)
            }
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SopFile {
    sop: SopHeader,
    #[serde(default)]
    calendar: Option<CalendarConfig>,
    #[serde(rename = "step", default)]
    steps: Vec<Step>,
}

/// A validated SOP: every target exists, every step is reachable and can reach the end.
#[derive(Debug, Clone)]
pub struct Sop {
    pub header: SopHeader,
    pub calendar: CalendarConfig,
    pub steps: Vec<Step>,
}

impl Sop {
    pub fn parse(text: &str) -> Result<Self, SopError> {
        let file: SopFile = toml::from_str(text).map_err(|e| SopError::Syntax(e.to_string()))?;
        let sop = Sop { header: file.sop, calendar: file.calendar.unwrap_or_default(), steps: file.steps };
        validate::validate(&sop)?;
        Ok(sop)
    }

    pub fn id(&self) -> &str {
        &self.header.id
    }

    pub fn start_step(&self) -> &Step {
        // validate() guarantees a start step exists.
        let id = self.header.start.as_deref();
        id.and_then(|id| self.step(id)).unwrap_or(&self.steps[0])
    }

    /// Where a ticket opened by a monitoring alert enters the SOP.
    pub fn monitoring_start_step(&self) -> &Step {
        let id = self.header.monitoring_start.as_deref();
        id.and_then(|id| self.step(id)).unwrap_or_else(|| self.start_step())
    }

    /// Where a linked report that splits off from its incident starts its own life: the
    /// technician's check, as an alert's ticket does (`monitoring_start` when a technician
    /// acts there, else the first technician step, else the start).
    pub fn technician_step(&self) -> &Step {
        let monitoring = self.monitoring_start_step();
        if monitoring.role == Role::Technician {
            return monitoring;
        }
        self.steps.iter().find(|s| s.role == Role::Technician).unwrap_or_else(|| self.start_step())
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
}

#[cfg(test)]
mod tests;
