//! `sigap staff add|list|disable|invite|login-link`: the admin registers officials and
//! technicians with the roles that decide which SOP steps they act on, and can hand one of
//! them a link into the web console.

use std::sync::Arc;

use chrono::Utc;
use clap::Subcommand;
use rust_i18n::t;

use super::output::inert;
use super::{CliError, connect};
use crate::clock::SystemClock;
use crate::domain::phone::PhoneNumber;
use crate::domain::role::Role;
use crate::domain::ticket::Channel;
use crate::i18n;
use crate::service::Helpdesk;
use crate::settings::Settings;
use crate::store::conversations::{self, NewInvite};
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
    /// Make a single-use link by which an official registers themselves in Telegram
    Invite {
        /// The role the invite gives, e.g. kasi
        #[arg(long)]
        role: String,
        /// The official's name as it will appear on tickets
        #[arg(long)]
        name: String,
        /// Organisation code, e.g. KOMINFO
        #[arg(long)]
        org: Option<String>,
        /// Days until the invite expires
        #[arg(long, default_value_t = 3)]
        days: u32,
    },
    /// Add many people from a CSV with a header row: name,roles,org,telegram_id,whatsapp,locale
    /// (name, roles and one contact required; roles separated by `;`). All or nothing; people
    /// already registered by one of their contacts are skipped
    Import { file: std::path::PathBuf },
    /// List staff with roles and identities
    List,
    /// Stop a person from acting or receiving tasks (history is kept)
    Disable { id: i64 },
    /// Print a link that signs this staff member in to the web console once
    LoginLink {
        /// The person's id (see `staff list`)
        person: i64,
    },
}

pub async fn run(cmd: StaffCommand, settings: &Settings) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    match cmd {
        StaffCommand::Invite { role, name, org, days } => {
            invite(settings, &role, &name, org.as_deref(), days).await?;
        }
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
                    name = inert(&person.name),
                    roles = roles_text(locale, &person)
                )
            );
        }
        StaffCommand::Import { file } => super::staff_import::import(&file, settings).await?,
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
        StaffCommand::LoginLink { person } => login_link(settings, person).await?,
        StaffCommand::Disable { id } => {
            let db = connect(settings).await?;
            let person = directory::set_active(&db, id, false).await.map_err(|e| CliError::new(locale, e))?;
            println!("{}", t!("cli.staff_disabled", locale = locale, id = person.id, name = inert(&person.name)));
        }
    }
    Ok(())
}

fn roles_text(locale: &str, person: &PersonRecord) -> String {
    person.roles.iter().map(|r| i18n::role(locale, *r)).collect::<Vec<_>>().join(", ")
}

fn row(locale: &str, person: &PersonRecord) -> String {
    let identities = person
        .identities
        .iter()
        .map(|(channel, address)| format!("{channel}:{}", inert(address)))
        .collect::<Vec<_>>()
        .join(" ");
    let state =
        if person.active { t!("cli.staff_active", locale = locale) } else { t!("cli.staff_inactive", locale = locale) };
    t!(
        "cli.staff_row",
        locale = locale,
        id = person.id,
        name = inert(&person.name),
        roles = roles_text(locale, person),
        org = inert(person.org_code.as_deref().unwrap_or("-")),
        identities = identities,
        state = state
    )
    .into_owned()
}

async fn invite(settings: &Settings, role: &str, name: &str, org: Option<&str>, days: u32) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    let role: Role = role.parse().map_err(|e| CliError::new(locale, e))?;
    if role == Role::Reporter {
        return Err(CliError::new(locale, "--role reporter: reporters register themselves with /start"));
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(CliError::new(locale, "--name is empty"));
    }
    if !(1..=30).contains(&days) {
        return Err(CliError::new(locale, format!("--days {days}: use 1 to 30")));
    }
    let db = connect(settings).await?;
    let org_id = match org {
        Some(code) => Some(
            directory::org_by_code(&db, code)
                .await
                .map_err(|e| CliError::new(locale, e))?
                .ok_or_else(|| CliError::new(locale, format!("--org `{code}`: unknown organisation")))?
                .id,
        ),
        None => None,
    };
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| CliError::new(locale, e))?;
    let code = hex::encode(bytes);
    let now = Utc::now();
    let expires_at = now + chrono::Duration::days(i64::from(days));
    let new = NewInvite { role: role.as_str().to_owned(), name: name.to_owned(), org_id, expires_at };
    conversations::create_invite(&db, &code, new, now).await.map_err(|e| CliError::new(locale, e))?;
    let link = match &settings.telegram_bot_username {
        Some(bot) => format!("https://t.me/{bot}?start={code}"),
        None => format!("/start {code}"),
    };
    println!(
        "{}",
        t!(
            "cli.invite_made",
            locale = locale,
            name = inert(name),
            role = i18n::role(locale, role),
            link = link,
            expires = expires_at.format("%Y-%m-%d %H:%M UTC")
        )
    );
    Ok(())
}

/// The link goes to the address SIGAP listens on: the admin hands it over on the office's
/// network, where that address is reachable.
async fn login_link(settings: &Settings, person: i64) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    let loaded = crate::config::load_sop(&settings.sop, &settings.config_dir).map_err(|e| CliError::new(locale, e))?;
    let db = connect(settings).await?;
    let desk = Helpdesk::new(db, Arc::new(loaded), Arc::new(SystemClock), settings.data_dir.clone());
    let secret = desk.sign_in_link(person).await.map_err(|e| CliError::new(locale, e))?;
    let link = format!("http://{}/masuk/tautan/{secret}", settings.listen);
    println!("{}", t!("cli.login_link", locale = locale, id = person, link = link, hours = crate::service::LINK_HOURS));
    Ok(())
}
