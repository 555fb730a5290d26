//! `sigap staff import FILE.csv`: an office onboarding its OPDs' reporters and officials adds
//! hundreds of people at once. The whole file is checked first, against itself and against
//! the database (organisations known, contacts not split between people); one bad line means
//! nothing is written, and the message names the line in the admin's language. Everyone new
//! is then written in one transaction. A line whose contact is already registered is skipped
//! and reported, so running the same file again adds no one twice.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use chrono::Utc;
use rust_i18n::t;

use super::output::inert;
use super::{CliError, connect};
use crate::domain::phone::PhoneNumber;
use crate::domain::role::Role;
use crate::domain::ticket::Channel;
use crate::i18n;
use crate::settings::Settings;
use crate::store::directory::{self, NewPerson};

/// One person to add, and the line of the file they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub line: u64,
    pub person: NewPerson,
}

/// What is wrong with a line (line 1: the header), named in the admin's language by
/// [`LineError::localized`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Unreadable(String),
    Header(String),
    NoRows,
    EmptyName,
    NoRole,
    UnknownRole(String),
    BadTelegram(String),
    BadWhatsapp(String),
    BadLocale(String),
    NoContact,
    Repeated {
        what: String,
        first: u64,
    },
    UnknownOrg(String),
    /// One contact of the line belongs to this person, another to someone else.
    Split {
        what: String,
        id: i64,
        name: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub problem: Problem,
}

impl LineError {
    fn new(line: u64, problem: Problem) -> Self {
        LineError { line, problem }
    }

    pub fn localized(&self, locale: &str, file: &str) -> String {
        let problem = match &self.problem {
            Problem::Unreadable(error) => t!("cli.staff_import_unreadable", locale = locale, error = error),
            Problem::Header(found) => t!("cli.staff_import_header", locale = locale, found = found),
            Problem::NoRows => t!("cli.staff_import_no_rows", locale = locale),
            Problem::EmptyName => t!("cli.staff_import_empty_name", locale = locale),
            Problem::NoRole => t!("cli.staff_import_no_role", locale = locale),
            Problem::UnknownRole(value) => t!("cli.staff_import_role", locale = locale, value = value),
            Problem::BadTelegram(value) => t!("cli.staff_import_telegram", locale = locale, value = value),
            Problem::BadWhatsapp(value) => t!("cli.staff_import_whatsapp", locale = locale, value = value),
            Problem::BadLocale(value) => t!("cli.staff_import_locale", locale = locale, value = value),
            Problem::NoContact => t!("cli.staff_import_no_contact", locale = locale),
            Problem::Repeated { what, first } => {
                t!("cli.staff_import_repeated", locale = locale, what = what, first = first)
            }
            Problem::UnknownOrg(value) => t!("cli.staff_import_org", locale = locale, value = value),
            Problem::Split { what, id, name } => {
                t!("cli.staff_import_split", locale = locale, what = what, id = id, name = name)
            }
        };
        t!("cli.staff_import_at", locale = locale, file = file, line = self.line, problem = problem).into_owned()
    }
}

/// The columns, by their header (any case, in any order); the first name of each is the one
/// the README shows.
const COLUMNS: [(&str, &[&str]); 6] = [
    ("name", &["name", "nama"]),
    ("roles", &["roles", "role", "peran"]),
    ("org", &["org", "opd", "organisation", "organization", "instansi"]),
    ("telegram_id", &["telegram_id", "telegram"]),
    ("whatsapp", &["whatsapp", "wa", "phone"]),
    ("locale", &["locale", "bahasa", "language"]),
];

/// Read and check the file on its own: every field well-formed, every line reachable, no
/// contact on two lines.
pub fn parse(text: &str) -> Result<Vec<Line>, LineError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let unreadable = |e: csv::Error| {
        let line = e.position().map_or(1, csv::Position::line);
        LineError::new(line, Problem::Unreadable(e.to_string()))
    };
    let headers = reader.headers().map_err(unreadable)?.clone();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (i, header) in headers.iter().enumerate() {
        let header = header.trim_start_matches('\u{feff}').to_lowercase();
        let known = COLUMNS.iter().find(|(_, names)| names.contains(&header.as_str()));
        match known {
            Some((column, _)) if !at.contains_key(column) => {
                at.insert(column, i);
            }
            _ => return Err(LineError::new(1, Problem::Header(headers.iter().collect::<Vec<_>>().join(",")))),
        }
    }
    if !at.contains_key("name") || !at.contains_key("roles") {
        return Err(LineError::new(1, Problem::Header(headers.iter().collect::<Vec<_>>().join(","))));
    }
    let mut lines = Vec::new();
    let mut seen: HashMap<(Channel, String), u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(unreadable)?;
        let line = record.position().map_or(0, csv::Position::line);
        let field = |column: &str| at.get(column).and_then(|i| record.get(*i)).unwrap_or("").trim();
        let fail = |problem| Err(LineError::new(line, problem));
        let name = field("name");
        if name.is_empty() {
            return fail(Problem::EmptyName);
        }
        let mut roles = Vec::new();
        for word in field("roles").split([';', '|', ',', ' ']).filter(|w| !w.is_empty()) {
            match word.parse::<Role>() {
                Ok(role) if !roles.contains(&role) => roles.push(role),
                Ok(_) => {}
                Err(_) => return fail(Problem::UnknownRole(word.to_owned())),
            }
        }
        if roles.is_empty() {
            return fail(Problem::NoRole);
        }
        let mut identities = Vec::new();
        let telegram = field("telegram_id");
        if !telegram.is_empty() {
            if !telegram.chars().all(|c| c.is_ascii_digit()) {
                return fail(Problem::BadTelegram(telegram.to_owned()));
            }
            identities.push((Channel::Telegram, telegram.to_owned()));
        }
        let whatsapp = field("whatsapp");
        if !whatsapp.is_empty() {
            let Ok(phone) = whatsapp.parse::<PhoneNumber>() else {
                return fail(Problem::BadWhatsapp(whatsapp.to_owned()));
            };
            identities.push((Channel::Whatsapp, phone.to_string()));
        }
        if identities.is_empty() {
            return fail(Problem::NoContact);
        }
        for identity in &identities {
            if let Some(first) = seen.insert(identity.clone(), line) {
                return fail(Problem::Repeated { what: contact(identity), first });
            }
        }
        let locale = match field("locale").to_lowercase() {
            empty if empty.is_empty() => "id".to_owned(),
            known if i18n::LOCALES.contains(&known.as_str()) => known,
            _ => return fail(Problem::BadLocale(field("locale").to_owned())),
        };
        let org = field("org");
        let org_code = (!org.is_empty()).then(|| org.to_uppercase());
        lines.push(Line { line, person: NewPerson { name: name.to_owned(), org_code, locale, roles, identities } });
    }
    if lines.is_empty() {
        return Err(LineError::new(1, Problem::NoRows));
    }
    Ok(lines)
}

fn contact((channel, address): &(Channel, String)) -> String {
    format!("{channel}:{address}")
}

/// A line left out because its person is registered already.
struct Skipped {
    line: u64,
    name: String,
    id: i64,
    existing: String,
}

pub async fn import(file: &Path, settings: &Settings) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| CliError::new(locale, format!("{shown}: {e}")))?;
    let lines = parse(&text).map_err(|e| CliError::new(locale, e.localized(locale, &shown)))?;
    let db = connect(settings).await?;
    let refuse =
        |line: u64, problem: Problem| CliError::new(locale, LineError::new(line, problem).localized(locale, &shown));
    let mut known_orgs = BTreeSet::new();
    let mut new = Vec::new();
    let mut skipped = Vec::new();
    for Line { line, person } in lines {
        if let Some(code) = &person.org_code
            && !known_orgs.contains(code)
        {
            if directory::org_by_code(&db, code).await.map_err(|e| CliError::new(locale, e))?.is_none() {
                return Err(refuse(line, Problem::UnknownOrg(code.clone())));
            }
            known_orgs.insert(code.clone());
        }
        let mut owner: Option<(String, directory::PersonRecord)> = None;
        for identity in &person.identities {
            let found = directory::person_by_identity(&db, identity.0, &identity.1)
                .await
                .map_err(|e| CliError::new(locale, e))?;
            match (found, &owner) {
                (None, _) => {}
                (Some(found), None) => owner = Some((contact(identity), found)),
                (Some(found), Some((_, first))) if found.id == first.id => {}
                (Some(_), Some((what, first))) => {
                    let (id, name) = (first.id, inert(&first.name).into_owned());
                    return Err(refuse(line, Problem::Split { what: what.clone(), id, name }));
                }
            }
        }
        match owner {
            Some((_, existing)) => {
                skipped.push(Skipped { line, name: person.name, id: existing.id, existing: existing.name });
            }
            None => new.push(person),
        }
    }
    let added = directory::add_people(&db, &new, Utc::now()).await.map_err(|e| CliError::new(locale, e))?;
    println!("{}", t!("cli.staff_imported", locale = locale, added = added.len(), skipped = skipped.len()));
    for s in skipped {
        println!(
            "{}",
            t!(
                "cli.staff_import_skipped",
                locale = locale,
                line = s.line,
                name = inert(&s.name),
                id = s.id,
                existing = inert(&s.existing)
            )
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "name,roles,org,telegram_id,whatsapp,locale\n";

    #[test]
    fn a_well_formed_file_gives_people_with_their_roles_and_contacts() {
        let text = format!(
            "{HEADER}Budi,kasi,kominfo,1001,081234567890,\nAni,\"technician;helpdesk\",,,+62 812 0000 0001,en\n"
        );
        let lines = parse(&text).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].line, 2);
        assert_eq!(lines[0].person.org_code.as_deref(), Some("KOMINFO"));
        assert_eq!(lines[0].person.locale, "id");
        assert_eq!(
            lines[0].person.identities,
            vec![(Channel::Telegram, "1001".into()), (Channel::Whatsapp, "+6281234567890".into())]
        );
        assert_eq!(lines[1].person.roles, vec![Role::Technician, Role::Helpdesk]);
        assert_eq!(lines[1].person.locale, "en");
    }

    #[test]
    fn columns_may_come_in_any_order_and_only_name_and_roles_are_required() {
        let lines = parse("WhatsApp,Nama,Peran\n0812-1111-2222,Sari,reporter\n").unwrap();
        assert_eq!(lines[0].person.name, "Sari");
        assert_eq!(lines[0].person.roles, vec![Role::Reporter]);
    }

    #[test]
    fn each_problem_names_its_line() {
        let cases: [(String, u64, Problem); 9] = [
            ("name,org\nBudi,X\n".into(), 1, Problem::Header("name,org".into())),
            (format!("{HEADER}Budi,kasi,,1,,\n,kasi,,2,,\n"), 3, Problem::EmptyName),
            (format!("{HEADER}Budi,lurah,,1,,\n"), 2, Problem::UnknownRole("lurah".into())),
            (format!("{HEADER}Budi,,,1,,\n"), 2, Problem::NoRole),
            (format!("{HEADER}Budi,kasi,,12a,,\n"), 2, Problem::BadTelegram("12a".into())),
            (format!("{HEADER}Budi,kasi,,,12ab,\n"), 2, Problem::BadWhatsapp("12ab".into())),
            (format!("{HEADER}Budi,kasi,,1,,jv\n"), 2, Problem::BadLocale("jv".into())),
            (format!("{HEADER}Budi,kasi,,,,\n"), 2, Problem::NoContact),
            (
                format!("{HEADER}Budi,kasi,,,0812-3456-7890,\nAni,kasi,,,+6281234567890,\n"),
                3,
                Problem::Repeated { what: "whatsapp:+6281234567890".into(), first: 2 },
            ),
        ];
        for (text, line, problem) in cases {
            assert_eq!(parse(&text), Err(LineError { line, problem }), "{text}");
        }
        assert_eq!(parse(HEADER), Err(LineError { line: 1, problem: Problem::NoRows }));
    }

    #[test]
    fn errors_are_told_in_the_admins_language() {
        let error = LineError { line: 4, problem: Problem::EmptyName };
        assert_eq!(error.localized("id", "staf.csv"), "staf.csv baris 4: nama kosong");
        assert_eq!(error.localized("en", "staff.csv"), "staff.csv line 4: the name is empty");
    }
}
