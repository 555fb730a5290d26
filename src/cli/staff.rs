//! `sigap staff add|list|disable`: the admin registers officials and technicians with the
//! roles that decide which SOP steps they act on.

use chrono::Utc;
use clap::Subcommand;
use rust_i18n::t;

use super::{CliError, connect};
use crate::domain::phone::PhoneNumber;
use crate::domain::role::Role;
use crate::domain::ticket::Channel;
use crate::i18n;
use crate::settings::Settings;
use crate::store::directory::{self, NewPerson, PersonRecord};

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Register a person with one or more roles
    Add {
        #[arg(long)]
        name: String,
        /// helpdesk, technician, kasi, kabid, kadis, complaint_official, admin (repeat or comma-separate)
        #[arg(long = "role", required = true, value_delimiter = ',')]
        roles: Vec<String>,
        /// Organisation code, e.g. KOMINFO
        #[arg(long)]
        org: Option<String>,
        /// Telegram numeric user id
        #[arg(long)]
        telegram_id: Option<String>,
        /// WhatsApp number, e.g. 081234567890 or +6281234567890
        #[arg(long)]
        whatsapp: Option<String>,
        /// id or en
        #[arg(long, default_value = "id")]
        locale: String,
    },
    /// List staff with roles and identities
    List,
    /// Stop a person from acting or receiving tasks (history is kept)
    Disable { id: i64 },
}

pub async fn run(cmd: StaffCommand, settings: &Settings) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    match cmd {
        StaffCommand::Add { name, roles, org, telegram_id, whatsapp, locale: person_locale } => {
            // Validate everything before touching the database.
            let roles = roles
                .iter()
                .map(|r| r.parse::<Role>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| CliError::new(locale, e))?;
            let mut identities = Vec::new();
            if let Some(id) = telegram_id {
                let id = id.trim();
                if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
                    return Err(CliError::new(locale, format!("--telegram-id `{id}`: expected digits")));
                }
                identities.push((Channel::Telegram, id.to_owned()));
            }
            if let Some(number) = whatsapp {
                let phone: PhoneNumber =
                    number.parse().map_err(|e| CliError::new(locale, format!("--whatsapp: {e}")))?;
                identities.push((Channel::Whatsapp, phone.to_string()));
            }
            if !i18n::LOCALES.contains(&person_locale.as_str()) {
                return Err(CliError::new(locale, format!("--locale `{person_locale}`: use id or en")));
            }
            let db = connect(settings).await?;
            let new = NewPerson { name, org_code: org, locale: person_locale, roles, identities };
            let person = directory::add_person(&db, &new, Utc::now()).await.map_err(|e| CliError::new(locale, e))?;
            println!(
                "{}",
                t!(
                    "cli.staff_added",
                    locale = locale,
                    id = person.id,
                    name = person.name,
                    roles = roles_text(locale, &person)
                )
            );
        }
        StaffCommand::List => {
            let db = connect(settings).await?;
            let staff = directory::staff(&db).await.map_err(|e| CliError::new(locale, e))?;
            if staff.is_empty() {
                println!("{}", t!("cli.staff_none", locale = locale));
            }
            for person in staff {
                println!("{}", row(locale, &person));
            }
        }
        StaffCommand::Disable { id } => {
            let db = connect(settings).await?;
            let person = directory::set_active(&db, id, false).await.map_err(|e| CliError::new(locale, e))?;
            println!("{}", t!("cli.staff_disabled", locale = locale, id = person.id, name = person.name));
        }
    }
    Ok(())
}

fn roles_text(locale: &str, person: &PersonRecord) -> String {
    person.roles.iter().map(|r| i18n::role(locale, *r)).collect::<Vec<_>>().join(", ")
}

fn row(locale: &str, person: &PersonRecord) -> String {
    let identities =
        person.identities.iter().map(|(channel, address)| format!("{channel}:{address}")).collect::<Vec<_>>().join(" ");
    let state =
        if person.active { t!("cli.staff_active", locale = locale) } else { t!("cli.staff_inactive", locale = locale) };
    t!(
        "cli.staff_row",
        locale = locale,
        id = person.id,
        name = person.name,
        roles = roles_text(locale, person),
        org = person.org_code.as_deref().unwrap_or("-"),
        identities = identities,
        state = state
    )
    .into_owned()
}
