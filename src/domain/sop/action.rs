//! The closed vocabulary of things a person can do to a ticket. An SOP file wires these
//! between its steps; what each one needs from the person (a reason, technicians, an ISP
//! estimate, photos) is fixed here, so every office's file gets the same checks.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::domain::ticket::UnknownWord;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Dispose the ticket to the next step's role ("disposisi").
    Forward,
    /// Pick the technician(s) who will handle it.
    Assign,
    /// Acknowledge and start working ("mulai cek").
    Start,
    /// Send back to an earlier step, with a reason.
    Return,
    /// Refuse the report, with a reason; the ticket ends.
    Reject,
    /// Ask the reporter a question; the ticket stays where it is.
    AskInfo,
    /// Set the handling priority; moves on only when the SOP gives a target.
    SetPriority,
    /// Triage outcome: can be fixed online or by phone.
    FixRemote,
    /// Triage or check outcome: someone has to go on site.
    FieldVisit,
    /// The fault is on the provider's side: contact the ISP, record its recovery estimate.
    ContactIsp,
    /// The ISP reports the link is back.
    IspRestored,
    /// Still down after the ISP's work: check again (the Kediri/Pekalongan loop).
    StillDown,
    /// A device must be replaced: "Berita Acara pengajuan penggantian perangkat".
    RequestReplacement,
    /// The work is done: note and, where the SOP asks, photos.
    Resolve,
    /// The reporter confirms the network is back to normal.
    Confirm,
    /// The reporter says it is still broken.
    Reopen,
    /// A reviewer accepts the report (Kasi → Kabid → Kadis in Tebing Tinggi).
    Approve,
    /// The reporter adds the information asked for. Allowed at any open step, not in SOP files.
    ProvideInfo,
    /// The reporter withdraws the report. Allowed while open, not in SOP files.
    Cancel,
    /// Gangguan massal: put this report under the incident the button names (`arg`: the
    /// parent ticket's id). Offered to the helpdesk, not in SOP files.
    Link,
    /// Gangguan massal: the report offered for linking stays a ticket of its own.
    KeepSeparate,
}

/// What an action needs from the person before it may be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Needs {
    pub note: bool,
    pub assignees: bool,
    pub eta: bool,
    pub priority: bool,
    pub device: bool,
}

impl ActionKind {
    pub const ALL: &'static [ActionKind] = &[
        ActionKind::Forward,
        ActionKind::Assign,
        ActionKind::Start,
        ActionKind::Return,
        ActionKind::Reject,
        ActionKind::AskInfo,
        ActionKind::SetPriority,
        ActionKind::FixRemote,
        ActionKind::FieldVisit,
        ActionKind::ContactIsp,
        ActionKind::IspRestored,
        ActionKind::StillDown,
        ActionKind::RequestReplacement,
        ActionKind::Resolve,
        ActionKind::Confirm,
        ActionKind::Reopen,
        ActionKind::Approve,
        ActionKind::ProvideInfo,
        ActionKind::Cancel,
        // New kinds go last: a button's data carries the kind's index here.
        ActionKind::Link,
        ActionKind::KeepSeparate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Forward => "forward",
            ActionKind::Assign => "assign",
            ActionKind::Start => "start",
            ActionKind::Return => "return",
            ActionKind::Reject => "reject",
            ActionKind::AskInfo => "ask_info",
            ActionKind::SetPriority => "set_priority",
            ActionKind::FixRemote => "fix_remote",
            ActionKind::FieldVisit => "field_visit",
            ActionKind::ContactIsp => "contact_isp",
            ActionKind::IspRestored => "isp_restored",
            ActionKind::StillDown => "still_down",
            ActionKind::RequestReplacement => "request_replacement",
            ActionKind::Resolve => "resolve",
            ActionKind::Confirm => "confirm",
            ActionKind::Reopen => "reopen",
            ActionKind::Approve => "approve",
            ActionKind::ProvideInfo => "provide_info",
            ActionKind::Cancel => "cancel",
            ActionKind::Link => "link",
            ActionKind::KeepSeparate => "keep_separate",
        }
    }

    pub fn needs(self) -> Needs {
        let none = Needs::default();
        match self {
            ActionKind::Return
            | ActionKind::Reject
            | ActionKind::AskInfo
            | ActionKind::Reopen
            | ActionKind::Resolve
            | ActionKind::ProvideInfo => Needs { note: true, ..none },
            ActionKind::Assign => Needs { assignees: true, ..none },
            ActionKind::ContactIsp => Needs { eta: true, ..none },
            ActionKind::SetPriority => Needs { priority: true, ..none },
            ActionKind::RequestReplacement => Needs { note: true, device: true, ..none },
            _ => none,
        }
    }

    /// Actions every ticket has without the SOP naming them.
    pub fn is_implicit(self) -> bool {
        matches!(self, ActionKind::ProvideInfo | ActionKind::Cancel)
    }

    /// Linking a report to an incident: decided by the helpdesk outside the SOP's steps,
    /// handled by the service's linking, never by the workflow engine.
    pub fn is_linking(self) -> bool {
        matches!(self, ActionKind::Link | ActionKind::KeepSeparate)
    }

    /// Only the reporter can say whether their network works again.
    pub fn is_reporters(self) -> bool {
        matches!(self, ActionKind::Confirm | ActionKind::Reopen | ActionKind::ProvideInfo | ActionKind::Cancel)
    }

    /// Whether the action moves the ticket. `SetPriority` may do either, as the SOP says.
    pub fn target_rule(self) -> TargetRule {
        match self {
            ActionKind::AskInfo | ActionKind::ProvideInfo => TargetRule::Forbidden,
            ActionKind::SetPriority => TargetRule::Optional,
            ActionKind::Cancel | ActionKind::Link | ActionKind::KeepSeparate => TargetRule::Forbidden,
            _ => TargetRule::Required,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetRule {
    Required,
    Optional,
    Forbidden,
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ActionKind {
    type Err = UnknownWord;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL.iter().copied().find(|k| k.as_str() == wanted).ok_or_else(|| UnknownWord {
            what: "action",
            word: s.to_owned(),
            expected: Self::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_its_name() {
        for kind in ActionKind::ALL {
            assert_eq!(kind.as_str().parse::<ActionKind>(), Ok(*kind));
        }
    }

    #[test]
    fn actions_that_explain_themselves_need_a_note() {
        for kind in [ActionKind::Return, ActionKind::Reject, ActionKind::Reopen, ActionKind::Resolve] {
            assert!(kind.needs().note, "{kind}");
        }
        assert!(ActionKind::ContactIsp.needs().eta);
        assert!(ActionKind::Assign.needs().assignees);
        assert!(!ActionKind::Forward.needs().note);
    }
}
