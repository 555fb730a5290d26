//! The SOP engine: given the active SOP, a ticket as it is now, who is acting and what
//! they ask for, decide the transition or refuse with a reason. Pure: no clock, no
//! database; the persistence layer applies the [`Transition`] in one transaction and turns
//! the [`Notice`]s into queued messages.

mod notices;

pub use notices::{Audience, Notice, NoticeKind, notices_for, notices_for_new, notices_for_new_at};

use chrono::{DateTime, Utc};

use crate::domain::role::Role;
use crate::domain::sop::{ActionDef, ActionKind, Sop, Step, Target};
use crate::domain::ticket::{Priority, TicketStatus};

pub type PersonId = i64;

/// The longest note a person may attach; a chat message is 4096 characters.
pub const MAX_NOTE_CHARS: usize = 4000;

/// A ticket as the engine needs to see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketSnapshot {
    pub reporter_id: PersonId,
    pub step: String,
    pub status: TicketStatus,
    pub priority: Option<Priority>,
    pub assignees: Vec<PersonId>,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: PersonId,
    pub roles: Vec<Role>,
}

/// A proposed assignee, with the roles the directory knows for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: PersonId,
    pub roles: Vec<Role>,
    pub active: bool,
}

/// What a person asks the engine to do. Channels build this from a button or a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub kind: ActionKind,
    /// Tells apart two actions of the same kind at one step.
    pub to: Option<Target>,
    /// The version the person saw; anything else means someone acted in between.
    pub expected_version: i32,
    pub note: Option<String>,
    pub assignees: Vec<Candidate>,
    pub eta: Option<DateTime<Utc>>,
    pub priority: Option<Priority>,
    pub device: Option<String>,
    pub photos: u32,
}

impl Command {
    pub fn new(kind: ActionKind, expected_version: i32) -> Self {
        Command {
            kind,
            to: None,
            expected_version,
            note: None,
            assignees: Vec::new(),
            eta: None,
            priority: None,
            device: None,
            photos: 0,
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    pub fn to(mut self, to: Target) -> Self {
        self.to = Some(to);
        self
    }
}

/// Why an action was refused. Nothing changes when the engine says no.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the ticket is already {0}")]
    NotOpen(TicketStatus),
    #[error("the ticket has moved on since (version {current})")]
    Stale { current: i32 },
    #[error("`{kind}` is not possible at step `{step}`")]
    NotAllowedHere { kind: ActionKind, step: String },
    #[error("step `{step}` is for `{needed}`")]
    WrongRole { step: String, needed: Role },
    #[error("the ticket is assigned to other technicians")]
    NotAssigned,
    #[error("only the reporter can do this")]
    NotReporter,
    #[error("`{0}` is missing")]
    Missing(&'static str),
    #[error("person {0} cannot be assigned: not an active technician")]
    NotTechnician(PersonId),
    #[error("at least {need} photo(s) needed, got {got}")]
    TooFewPhotos { need: u8, got: u32 },
    #[error("the recovery estimate is in the past")]
    EtaInPast,
    #[error("the note is longer than {MAX_NOTE_CHARS} characters")]
    NoteTooLong,
}

impl Refusal {
    /// A short, stable name for metrics and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotOpen(_) => "not_open",
            Refusal::Stale { .. } => "stale",
            Refusal::NotAllowedHere { .. } => "not_allowed_here",
            Refusal::WrongRole { .. } => "wrong_role",
            Refusal::NotAssigned => "not_assigned",
            Refusal::NotReporter => "not_reporter",
            Refusal::Missing(_) => "missing_input",
            Refusal::NotTechnician(_) => "not_technician",
            Refusal::TooFewPhotos { .. } => "too_few_photos",
            Refusal::EtaInPast => "eta_in_past",
            Refusal::NoteTooLong => "note_too_long",
        }
    }
}

/// The decided change, for the persistence layer to apply atomically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub kind: ActionKind,
    /// The capacity in which the actor acted (the step's role, or reporter).
    pub as_role: Role,
    pub from_step: String,
    pub to_step: String,
    pub status: TicketStatus,
    pub priority: Option<Priority>,
    /// `Some` replaces the ticket's assignees.
    pub assignees: Option<Vec<PersonId>>,
    pub note: Option<String>,
    pub eta: Option<DateTime<Utc>>,
    pub device: Option<String>,
}

impl Transition {
    pub fn moved(&self) -> bool {
        self.from_step != self.to_step || self.status != TicketStatus::Open
    }
}

/// Whether `actor` may take `kind` (towards `to`) on `ticket` at `expected_version`: the
/// checks every request passes before anything else (fresh, open, allowed at the step, the
/// right person). A button that opens a picker or asks a question is checked with this at
/// the press, so nobody is asked for what they could not do.
pub fn may_act(
    sop: &Sop,
    ticket: &TicketSnapshot,
    actor: &Actor,
    kind: ActionKind,
    to: Option<&Target>,
    expected_version: i32,
) -> Result<(), Refusal> {
    fresh_and_open(ticket, expected_version)?;
    if kind.is_implicit() {
        return implicit_permitted(sop, ticket, actor, kind);
    }
    permit(sop, ticket, actor, kind, to).map(drop)
}

fn fresh_and_open(ticket: &TicketSnapshot, expected_version: i32) -> Result<(), Refusal> {
    // Staleness first: a person pressing an old button learns who acted, even when that
    // action closed the ticket, the same on every database.
    if expected_version != ticket.version {
        return Err(Refusal::Stale { current: ticket.version });
    }
    if ticket.status != TicketStatus::Open {
        return Err(Refusal::NotOpen(ticket.status));
    }
    Ok(())
}

/// The step, its action definition, and the technician claiming an unassigned ticket.
fn permit<'s>(
    sop: &'s Sop,
    ticket: &TicketSnapshot,
    actor: &Actor,
    kind: ActionKind,
    to: Option<&Target>,
) -> Result<(&'s Step, &'s ActionDef, Option<Vec<PersonId>>), Refusal> {
    let step = sop.step(&ticket.step).ok_or_else(|| Refusal::NotAllowedHere { kind, step: ticket.step.clone() })?;
    let action = step.find_action(kind, to).ok_or_else(|| Refusal::NotAllowedHere { kind, step: step.id.clone() })?;
    let mut claim = None;
    match step.role {
        Role::Reporter if actor.id != ticket.reporter_id => return Err(Refusal::NotReporter),
        Role::Reporter => {}
        role if !actor.roles.contains(&role) => {
            return Err(Refusal::WrongRole { step: step.id.clone(), needed: role });
        }
        Role::Technician if ticket.assignees.is_empty() => claim = Some(vec![actor.id]),
        Role::Technician if !ticket.assignees.contains(&actor.id) => return Err(Refusal::NotAssigned),
        _ => {}
    }
    Ok((step, action, claim))
}

/// Decide what `command` by `actor` does to `ticket` under `sop`, at `now`.
pub fn decide(
    sop: &Sop,
    ticket: &TicketSnapshot,
    actor: &Actor,
    command: &Command,
    now: DateTime<Utc>,
) -> Result<Transition, Refusal> {
    fresh_and_open(ticket, command.expected_version)?;
    let note = clean_note(command.note.as_deref())?;
    let base = Transition {
        kind: command.kind,
        as_role: Role::Reporter,
        from_step: ticket.step.clone(),
        to_step: ticket.step.clone(),
        status: TicketStatus::Open,
        priority: ticket.priority,
        assignees: None,
        note,
        eta: None,
        device: None,
    };

    if command.kind.is_implicit() {
        return decide_implicit(sop, ticket, actor, command, base);
    }

    let (step, action, claim) = permit(sop, ticket, actor, command.kind, command.to.as_ref())?;

    let needs = command.kind.needs();
    if needs.note && base.note.is_none() {
        return Err(Refusal::Missing("note"));
    }
    if command.photos < u32::from(action.min_photos) {
        return Err(Refusal::TooFewPhotos { need: action.min_photos, got: command.photos });
    }
    let mut transition = Transition { as_role: step.role, assignees: claim, ..base };
    if needs.priority {
        transition.priority = Some(command.priority.ok_or(Refusal::Missing("priority"))?);
    }
    if needs.eta {
        let eta = command.eta.ok_or(Refusal::Missing("eta"))?;
        if eta < now {
            return Err(Refusal::EtaInPast);
        }
        transition.eta = Some(eta);
    }
    if needs.device {
        let device = command.device.as_deref().map(str::trim).filter(|d| !d.is_empty());
        transition.device = Some(device.ok_or(Refusal::Missing("device"))?.to_owned());
    }
    if needs.assignees {
        if command.assignees.is_empty() {
            return Err(Refusal::Missing("assignees"));
        }
        let mut ids = Vec::new();
        for candidate in &command.assignees {
            if !candidate.active || !candidate.roles.contains(&Role::Technician) {
                return Err(Refusal::NotTechnician(candidate.id));
            }
            if !ids.contains(&candidate.id) {
                ids.push(candidate.id);
            }
        }
        transition.assignees = Some(ids);
    }
    match &action.to {
        None => {}
        Some(Target::Step(next)) => transition.to_step = next.clone(),
        Some(Target::Closed) => transition.status = TicketStatus::Closed,
        Some(Target::Rejected) => transition.status = TicketStatus::Rejected,
    }
    Ok(transition)
}

/// A ticket whose reporter has no chat (the "Monitoring" system person) cannot confirm at
/// a reporter step, so the move there goes on at once as that step's `confirm` says: the
/// confirming transition from the step `t` lands on, or `None` when it lands elsewhere.
/// The reporters of the linked reports confirm for themselves when the ticket closes.
pub fn pass_reporter_step(sop: &Sop, t: &Transition) -> Option<Transition> {
    if t.status != TicketStatus::Open || t.to_step == t.from_step {
        return None;
    }
    let step = sop.step(&t.to_step).filter(|s| s.role == Role::Reporter)?;
    let action = step.actions.iter().find(|a| a.kind == ActionKind::Confirm)?;
    let mut confirm = Transition {
        kind: ActionKind::Confirm,
        as_role: Role::Reporter,
        from_step: step.id.clone(),
        to_step: step.id.clone(),
        status: TicketStatus::Open,
        priority: t.priority,
        assignees: None,
        note: None,
        eta: None,
        device: None,
    };
    match &action.to {
        None => return None,
        Some(Target::Step(next)) => confirm.to_step = next.clone(),
        Some(Target::Closed) => confirm.status = TicketStatus::Closed,
        Some(Target::Rejected) => confirm.status = TicketStatus::Rejected,
    }
    Some(confirm)
}

fn implicit_permitted(sop: &Sop, ticket: &TicketSnapshot, actor: &Actor, kind: ActionKind) -> Result<(), Refusal> {
    if actor.id != ticket.reporter_id {
        return Err(Refusal::NotReporter);
    }
    if kind == ActionKind::Cancel && !sop.header.reporter_can_cancel {
        return Err(Refusal::NotAllowedHere { kind, step: ticket.step.clone() });
    }
    Ok(())
}

fn decide_implicit(
    sop: &Sop,
    ticket: &TicketSnapshot,
    actor: &Actor,
    command: &Command,
    base: Transition,
) -> Result<Transition, Refusal> {
    implicit_permitted(sop, ticket, actor, command.kind)?;
    match command.kind {
        ActionKind::Cancel => Ok(Transition { status: TicketStatus::Cancelled, ..base }),
        _ if base.note.is_none() => Err(Refusal::Missing("note")),
        _ => Ok(base),
    }
}

fn clean_note(note: Option<&str>) -> Result<Option<String>, Refusal> {
    let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(Refusal::NoteTooLong);
    }
    Ok(Some(note.to_owned()))
}

#[cfg(test)]
mod tests;
