//! `sigap staff add|list|disable|invite|login-link`: the admin registers officials and
//! technicians with the roles that decide which SOP steps they act on, and can hand one of
//! them a link into the web console.

use std::sync::Arc;

use clap::Subcommand;
use rust_i18n::t;

use super::output::inert;
use super::{CliError, connect};
use crate::clock::SystemClock;
use crate::domain::role::Role;
use crate::i18n;
use crate::service::{AdminError, AdminField, Helpdesk, StaffForm};
use crate::settings::Settings;
use crate::store::directory::{self, PersonRecord};

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
            // The service checks everything before touching the database.
            let form = StaffForm { name, roles, org, telegram_id, whatsapp, locale: person_locale };
            let person = desk(settings).await?.add_staff(&form).await.map_err(|e| refusal(locale, e))?;
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
            let person = desk(settings).await?.set_active(id, false).await.map_err(|e| refusal(locale, e))?;
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
    let invite = desk(settings).await?.invite(role, name, org, days).await.map_err(|e| refusal(locale, e))?;
    let role: Role = role.parse().map_err(|e| CliError::new(locale, e))?;
    let link = match &settings.telegram_bot_username {
        Some(bot) => format!("https://t.me/{bot}?start={}", invite.code),
        None => format!("/start {}", invite.code),
    };
    println!(
        "{}",
        t!(
            "cli.invite_made",
            locale = locale,
            name = inert(name.trim()),
            role = i18n::role(locale, role),
            link = link,
            expires = invite.expires_at.format("%Y-%m-%d %H:%M UTC")
        )
    );
    Ok(())
}

/// The service on the configured database and SOP, on the wall clock.
async fn desk(settings: &Settings) -> Result<Helpdesk, CliError> {
    let locale = settings.locale.as_str();
    let loaded = crate::config::load_sop(&settings.sop, &settings.config_dir).map_err(|e| CliError::new(locale, e))?;
    let db = connect(settings).await?;
    Ok(Helpdesk::new(db, Arc::new(loaded), Arc::new(SystemClock), settings.data_dir.clone()))
}

/// The service's refusal, naming the command line's flag.
fn refusal(locale: &str, err: AdminError) -> CliError {
    let AdminError::Field { field, value } = err else { return CliError::new(locale, err) };
    let text = match field {
        AdminField::Role => format!("--role `{value}`: unknown role"),
        AdminField::ReporterRole => format!("--role {value}: reporters register themselves with /start"),
        AdminField::NoRole => "--role: at least one role is needed".to_owned(),
        AdminField::Telegram => format!("--telegram-id `{value}`: expected digits"),
        AdminField::Whatsapp => format!("--whatsapp `{value}`: not a phone number"),
        AdminField::Locale => format!("--locale `{value}`: use id or en"),
        AdminField::Name => "--name is empty".to_owned(),
        AdminField::Days => format!("--days {value}: use 1 to 30"),
    };
    CliError::new(locale, text)
}

/// The link goes to the address SIGAP listens on: the admin hands it over on the office's
/// network, where that address is reachable.
async fn login_link(settings: &Settings, person: i64) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    let secret = desk(settings).await?.sign_in_link(person).await.map_err(|e| CliError::new(locale, e))?;
    let link = format!("http://{}/masuk/tautan/{secret}", settings.listen);
    println!("{}", t!("cli.login_link", locale = locale, id = person, link = link, hours = crate::service::LINK_HOURS));
    Ok(())
}
