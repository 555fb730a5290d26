//! Whole-file checks of an SOP, so that a mistake in an office's file is found by
//! `sigap sop check` and at start-up, never by a stuck ticket.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::{ActionKind, Sop, Target, TargetRule};
use crate::domain::role::Role;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SopError {
    #[error("not a valid SOP file: {0}")]
    Syntax(String),
    #[error("the SOP has no steps")]
    NoSteps,
    #[error("`sop.id` must be a short name of letters, digits and '-', got `{0}`")]
    BadId(String),
    #[error("step `{0}` is defined twice")]
    DuplicateStep(String),
    #[error("step id `{0}` is reserved or malformed (use letters, digits, '_' and '-'; not `closed` or `rejected`)")]
    BadStepId(String),
    #[error("`sop.start` names step `{0}`, which does not exist")]
    UnknownStart(String),
    #[error("`sop.monitoring_start` names step `{0}`, which does not exist")]
    UnknownMonitoringStart(String),
    #[error(
        "`sop.monitoring_start` names step `{0}`, a reporter's step: a monitoring alert has no reporter to act there"
    )]
    MonitoringStartOnReporterStep(String),
    #[error("step `{0}` has no actions, so a ticket there could never move")]
    NoActions(String),
    #[error("step `{step}`: action `{kind}` goes to step `{to}`, which does not exist")]
    UnknownTarget { step: String, kind: ActionKind, to: String },
    #[error("step `{step}`: action `{kind}` needs a `to` (a step id, `closed` or `rejected`)")]
    MissingTarget { step: String, kind: ActionKind },
    #[error("step `{step}`: action `{kind}` keeps the ticket where it is and takes no `to`")]
    UnexpectedTarget { step: String, kind: ActionKind },
    #[error("step `{step}`: action `{kind}` is always available and must not be listed")]
    ImplicitAction { step: String, kind: ActionKind },
    #[error("step `{step}`: action `{kind}` is the reporter's, but the step's role is `{role}`")]
    ReporterActionOnStaffStep { step: String, kind: ActionKind, role: Role },
    #[error("step `{step}`: the reporter can only `confirm` or `reopen`, not `{kind}`")]
    StaffActionOnReporterStep { step: String, kind: ActionKind },
    #[error("step `{step}`: action `{kind}` is listed twice with the same target")]
    DuplicateAction { step: String, kind: ActionKind },
    #[error("step `{step}`: `assign` must lead to a technician step, but `{to}` is for `{role}`")]
    AssignToNonTechnician { step: String, to: String, role: Role },
    #[error("step `{0}` can never be reached from the start step")]
    Unreachable(String),
    #[error("from step `{0}` no sequence of actions reaches `closed`")]
    DeadEnd(String),
    #[error("step `{0}` may not be acted on by `{1}`")]
    BadRole(String, Role),
}

pub(super) fn validate(sop: &Sop) -> Result<(), SopError> {
    let header_id = &sop.header.id;
    if header_id.is_empty() || !header_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(SopError::BadId(header_id.clone()));
    }
    if sop.steps.is_empty() {
        return Err(SopError::NoSteps);
    }
    let mut ids = HashMap::new();
    for step in &sop.steps {
        let well_formed = !step.id.is_empty()
            && step.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && step.id != "closed"
            && step.id != "rejected";
        if !well_formed {
            return Err(SopError::BadStepId(step.id.clone()));
        }
        if ids.insert(step.id.as_str(), step).is_some() {
            return Err(SopError::DuplicateStep(step.id.clone()));
        }
        if matches!(step.role, Role::Admin | Role::ComplaintOfficial) {
            return Err(SopError::BadRole(step.id.clone(), step.role));
        }
    }
    if let Some(start) = &sop.header.start
        && !ids.contains_key(start.as_str())
    {
        return Err(SopError::UnknownStart(start.clone()));
    }
    if let Some(start) = &sop.header.monitoring_start {
        match ids.get(start.as_str()) {
            None => return Err(SopError::UnknownMonitoringStart(start.clone())),
            Some(step) if step.role == Role::Reporter => {
                return Err(SopError::MonitoringStartOnReporterStep(start.clone()));
            }
            Some(_) => {}
        }
    }

    for step in &sop.steps {
        if step.actions.is_empty() {
            return Err(SopError::NoActions(step.id.clone()));
        }
        let mut seen = HashSet::new();
        for action in &step.actions {
            let (sid, kind) = (step.id.clone(), action.kind);
            if kind.is_implicit() || kind.is_linking() {
                return Err(SopError::ImplicitAction { step: sid, kind });
            }
            if !seen.insert((kind, action.to.clone())) {
                return Err(SopError::DuplicateAction { step: sid, kind });
            }
            let reporter_step = step.role == Role::Reporter;
            if kind.is_reporters() && !reporter_step {
                return Err(SopError::ReporterActionOnStaffStep { step: sid, kind, role: step.role });
            }
            if reporter_step && !kind.is_reporters() {
                return Err(SopError::StaffActionOnReporterStep { step: sid, kind });
            }
            match (kind.target_rule(), &action.to) {
                (TargetRule::Required, None) => return Err(SopError::MissingTarget { step: sid, kind }),
                (TargetRule::Forbidden, Some(_)) => {
                    return Err(SopError::UnexpectedTarget { step: sid, kind });
                }
                _ => {}
            }
            if let Some(Target::Step(to)) = &action.to {
                let Some(target) = ids.get(to.as_str()) else {
                    return Err(SopError::UnknownTarget { step: sid, kind, to: to.clone() });
                };
                if kind == ActionKind::Assign && target.role != Role::Technician {
                    return Err(SopError::AssignToNonTechnician { step: sid, to: to.clone(), role: target.role });
                }
            }
        }
    }

    check_graph(sop)
}

/// Every step reachable from the start, and `closed` reachable from every step.
fn check_graph(sop: &Sop) -> Result<(), SopError> {
    let edges = |id: &str| -> Vec<Target> {
        sop.step(id).map(|s| s.actions.iter().filter_map(|a| a.to.clone()).collect()).unwrap_or_default()
    };

    let mut reached = BTreeSet::new();
    let mut queue = vec![sop.start_step().id.clone()];
    while let Some(id) = queue.pop() {
        if reached.insert(id.clone()) {
            for target in edges(&id) {
                if let Target::Step(next) = target {
                    queue.push(next);
                }
            }
        }
    }
    if let Some(lost) = sop.steps.iter().find(|s| !reached.contains(&s.id)) {
        return Err(SopError::Unreachable(lost.id.clone()));
    }

    // Walk backwards from `closed`: a step is alive if one of its actions leads to a live place.
    let mut alive: HashSet<&str> = HashSet::new();
    loop {
        let before = alive.len();
        for step in &sop.steps {
            let leads_out = step.actions.iter().any(|a| match &a.to {
                Some(Target::Closed) => true,
                Some(Target::Step(next)) => alive.contains(next.as_str()),
                _ => false,
            });
            if leads_out {
                alive.insert(step.id.as_str());
            }
        }
        if alive.len() == before {
            break;
        }
    }
    match sop.steps.iter().find(|s| !alive.contains(s.id.as_str())) {
        Some(dead) => Err(SopError::DeadEnd(dead.id.clone())),
        None => Ok(()),
    }
}
