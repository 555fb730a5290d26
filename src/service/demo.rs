//! The demo office of "Coba SIGAP": organisations and one person for every role of the
//! SOP, each reachable only through the chat simulator (a `web` identity). Seeded through
//! the same directory functions as `sigap opd import` and `sigap staff import`, and only
//! what is missing, so seeding again (every start with the demo on) adds nothing twice and
//! never renames an office's own organisations.

use super::sign_in::{ConsoleUser, Reach};
use super::{Board, BoardFilter, Helpdesk, ServiceError};
use crate::domain::role::Role;
use crate::domain::ticket::Channel;
use crate::store::directory::{self, NewOrg, NewPerson, OrgKind, PersonRecord};

/// One person of the demo office.
#[derive(Debug, Clone, Copy)]
pub struct DemoPerson {
    /// The person's identity on the web channel: their simulated chat.
    pub address: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub org: &'static str,
}

const ORGS: [(&str, &str, OrgKind); 3] = [
    ("KOMINFO", "Dinas Komunikasi dan Informatika", OrgKind::Opd),
    ("DINKES", "Dinas Kesehatan", OrgKind::Opd),
    ("DS-JATI", "Desa Jati Wetan", OrgKind::Desa),
];

/// In the order a report meets them in the SOP, so the simulator lists them that way.
pub const DEMO_PEOPLE: [DemoPerson; 8] = [
    DemoPerson { address: "demo-pelapor", name: "Sari (Dinkes)", role: Role::Reporter, org: "DINKES" },
    DemoPerson { address: "demo-pelapor-desa", name: "Joko (Desa Jati Wetan)", role: Role::Reporter, org: "DS-JATI" },
    DemoPerson { address: "demo-helpdesk", name: "Hadi", role: Role::Helpdesk, org: "KOMINFO" },
    DemoPerson { address: "demo-kasi", name: "Kurnia", role: Role::Kasi, org: "KOMINFO" },
    DemoPerson { address: "demo-teknisi-1", name: "Agus", role: Role::Technician, org: "KOMINFO" },
    DemoPerson { address: "demo-teknisi-2", name: "Bayu", role: Role::Technician, org: "KOMINFO" },
    DemoPerson { address: "demo-kabid", name: "Bambang", role: Role::Kabid, org: "KOMINFO" },
    DemoPerson { address: "demo-kadis", name: "Dewi", role: Role::Kadis, org: "KOMINFO" },
];

/// What a seeding added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSeeded {
    pub orgs: usize,
    pub people: usize,
}

impl Helpdesk {
    /// Add whatever of the demo office is missing.
    #[tracing::instrument(skip_all)]
    pub async fn seed_demo(&self) -> Result<DemoSeeded, ServiceError> {
        let now = self.clock.now();
        let mut orgs = Vec::new();
        for (code, name, kind) in ORGS {
            if directory::org_by_code(&self.db, code).await?.is_none() {
                orgs.push(NewOrg { code: code.to_owned(), name: name.to_owned(), kind });
            }
        }
        if !orgs.is_empty() {
            directory::import_orgs(&self.db, &orgs, now).await?;
        }
        let mut people = Vec::new();
        for demo in DEMO_PEOPLE {
            if directory::person_by_identity(&self.db, Channel::Web, demo.address).await?.is_none() {
                people.push(NewPerson {
                    name: demo.name.to_owned(),
                    org_code: Some(demo.org.to_owned()),
                    locale: "id".to_owned(),
                    roles: vec![demo.role],
                    identities: vec![(Channel::Web, demo.address.to_owned())],
                });
            }
        }
        if !people.is_empty() {
            directory::add_people(&self.db, &people, now).await?;
        }
        let seeded = DemoSeeded { orgs: orgs.len(), people: people.len() };
        if seeded != DemoSeeded::default() {
            tracing::info!(?seeded, "demo office seeded");
        }
        Ok(seeded)
    }

    /// The demo office's people still there and active, in the SOP's order, with their
    /// simulated chat's address.
    pub async fn demo_people(&self) -> Result<Vec<(PersonRecord, &'static str)>, ServiceError> {
        let mut found = Vec::new();
        for demo in DEMO_PEOPLE {
            if let Some(person) = directory::person_by_identity(&self.db, Channel::Web, demo.address).await?
                && person.active
            {
                found.push((person, demo.address));
            }
        }
        Ok(found)
    }

    /// Person `id` and their simulated chat's address, if they are a simulated person: the
    /// simulator opens no one else's chat.
    pub async fn demo_person(&self, id: i64) -> Result<Option<(PersonRecord, String)>, ServiceError> {
        let Some(person) = directory::person_record(&self.db, id).await?.filter(|p| p.active) else { return Ok(None) };
        let address = person.identities.iter().find(|(c, _)| *c == Channel::Web).map(|(_, a)| a.clone());
        Ok(address.map(|address| (person, address)))
    }

    /// The dashboard as the demo office's head sees it, for the simulator's side panel.
    /// None when the demo office has no head (removed by the admin).
    pub async fn demo_board(&self, locale: &str) -> Result<Option<Board>, ServiceError> {
        let head = self.demo_people().await?.into_iter().map(|(p, _)| p).find(|p| p.roles.contains(&Role::Kadis));
        let Some(person) = head else { return Ok(None) };
        let viewer = ConsoleUser { person, reach: Reach::Office, csrf: String::new(), expires_at: self.clock.now() };
        Ok(Some(self.board(&viewer, &BoardFilter::default(), locale).await?))
    }
}
