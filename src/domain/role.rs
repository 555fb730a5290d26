//! Roles a person can hold. A role decides which SOP steps the person may act on; the
//! SOP file names roles with these exact snake_case words.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Reporter,
    Helpdesk,
    Technician,
    Kasi,
    Kabid,
    Kadis,
    ComplaintOfficial,
    Admin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Reporter,
        Role::Helpdesk,
        Role::Technician,
        Role::Kasi,
        Role::Kabid,
        Role::Kadis,
        Role::ComplaintOfficial,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reporter => "reporter",
            Role::Helpdesk => "helpdesk",
            Role::Technician => "technician",
            Role::Kasi => "kasi",
            Role::Kabid => "kabid",
            Role::Kadis => "kadis",
            Role::ComplaintOfficial => "complaint_official",
            Role::Admin => "admin",
        }
    }

    /// The official one level up, used when a step is late (technician → Kasi → Kabid → Kadis).
    pub fn escalates_to(self) -> Option<Role> {
        match self {
            Role::Reporter | Role::Helpdesk | Role::Technician => Some(Role::Kasi),
            Role::Kasi => Some(Role::Kabid),
            Role::Kabid => Some(Role::Kadis),
            Role::Kadis | Role::ComplaintOfficial | Role::Admin => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "unknown role `{0}` (expected one of: reporter, helpdesk, technician, kasi, kabid, kadis, complaint_official, admin)"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Role::ALL.into_iter().find(|r| r.as_str() == wanted).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!("Complaint-Official".parse::<Role>(), Ok(Role::ComplaintOfficial));
    }

    #[test]
    fn an_unknown_role_is_refused_by_name() {
        let err = "lurah".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("lurah"));
    }

    #[test]
    fn escalation_climbs_the_chain_and_stops_at_kadis() {
        assert_eq!(Role::Technician.escalates_to(), Some(Role::Kasi));
        assert_eq!(Role::Kasi.escalates_to(), Some(Role::Kabid));
        assert_eq!(Role::Kabid.escalates_to(), Some(Role::Kadis));
        assert_eq!(Role::Kadis.escalates_to(), None);
    }
}
