//! Who must hear about a change. Kept apart from [`super::decide`] so the rule "the
//! reporter always knows, the next actor always gets a card" is stated once for every SOP.

use super::{TicketSnapshot, Transition};
use crate::domain::role::Role;
use crate::domain::sop::{ActionKind, Sop};
use crate::domain::ticket::TicketStatus;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    Reporter,
    /// Whoever may act at this step: its assignees on a technician step that has them,
    /// otherwise every active holder of the step's role.
    StepActors(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// A new report was taken: its number and expected completion.
    Received,
    /// What happened to the reporter's ticket and where it is now.
    ReporterUpdate,
    /// A card with the step's buttons, for the people who act there next.
    TaskCard,
    /// The reporter answered a question.
    ReporterAnswered,
    /// The reporter withdrew the report.
    Withdrawn,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub audience: Audience,
    pub kind: NoticeKind,
}

impl Notice {
    fn new(audience: Audience, kind: NoticeKind) -> Self {
        Notice { audience, kind }
    }
}

/// Notices for a ticket that was just created at the SOP's start step.
pub fn notices_for_new(sop: &Sop) -> Vec<Notice> {
    notices_for_new_at(sop, &sop.start_step().id)
}

/// Notices for a ticket that was just created at `step` (a monitoring alert enters the SOP
/// where the SOP file says, not at its start).
pub fn notices_for_new_at(sop: &Sop, step: &str) -> Vec<Notice> {
    vec![Notice::new(Audience::Reporter, NoticeKind::Received), card_for(sop, step)]
}

/// Notices for an applied transition. Every action bumps the ticket's version, so every
/// card sent before it is stale: whoever acts at the step the ticket is at now gets a fresh
/// card, whether the ticket moved or stayed (a priority set, a question asked or answered).
pub fn notices_for(sop: &Sop, before: &TicketSnapshot, t: &Transition) -> Vec<Notice> {
    let mut out = Vec::new();
    let open = t.status == TicketStatus::Open;
    match t.kind {
        ActionKind::ProvideInfo => {
            out.push(Notice::new(Audience::StepActors(before.step.clone()), NoticeKind::ReporterAnswered));
            if open {
                out.push(card_for(sop, &t.to_step));
            }
            return out;
        }
        ActionKind::Cancel => {
            out.push(Notice::new(Audience::StepActors(before.step.clone()), NoticeKind::Withdrawn));
            out.push(Notice::new(Audience::Reporter, NoticeKind::ReporterUpdate));
            return out;
        }
        ActionKind::AskInfo => {
            out.push(Notice::new(Audience::Reporter, NoticeKind::ReporterUpdate));
            out.push(card_for(sop, &t.to_step));
            return out;
        }
        _ => {}
    }
    let moved = t.moved() || t.assignees.is_some();
    let next_is_reporters = open && sop.step(&t.to_step).is_some_and(|s| s.role == Role::Reporter);
    // The reporter's own presses are answered in the chat where they pressed; and when the
    // next step is theirs, the card itself carries the news. That their confirmation closed
    // the ticket is news, though, and so is the priority their report was given.
    let told = (moved && !t.kind.is_reporters() && !next_is_reporters)
        || (t.status == TicketStatus::Closed && t.kind.is_reporters())
        || (!moved && t.kind == ActionKind::SetPriority);
    if told {
        out.push(Notice::new(Audience::Reporter, NoticeKind::ReporterUpdate));
    }
    if open {
        out.push(card_for(sop, &t.to_step));
    }
    out
}

fn card_for(sop: &Sop, step: &str) -> Notice {
    let audience = match sop.step(step) {
        Some(s) if s.role == Role::Reporter => Audience::Reporter,
        _ => Audience::StepActors(step.to_owned()),
    };
    Notice::new(audience, NoticeKind::TaskCard)
}
