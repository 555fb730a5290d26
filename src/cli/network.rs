//! `sigap network import FILE` and `sigap network show`: the office's network registry, kept
//! as a readable TOML file (see README, "Network registry"). An import checks the whole file
//! against the organisations in the database and replaces the registry in one transaction,
//! or changes nothing and names every bad line.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use rust_i18n::t;

use super::{CliError, connect};
use crate::domain::network::{self, NetworkError, Node, Registry};
use crate::settings::Settings;
use crate::store;

#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Check a registry file (TOML, see config/network.example.toml) and replace the registry with it
    Import { file: PathBuf },
    /// Print the registry as a tree
    Show,
}

pub async fn run(cmd: NetworkCommand, settings: &Settings) -> Result<(), CliError> {
    match cmd {
        NetworkCommand::Import { file } => import(&file, settings).await,
        NetworkCommand::Show => show(settings).await,
    }
}

async fn import(file: &Path, settings: &Settings) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    let text = std::fs::read_to_string(file).map_err(|e| CliError::new(locale, format!("{}: {e}", file.display())))?;
    let db = connect(settings).await?;
    let codes = store::network::org_codes(&db).await.map_err(|e| CliError::new(locale, e))?;
    let registry = network::parse(&text, |code| codes.contains_key(code)).map_err(|errors| {
        let lines: Vec<String> =
            errors.iter().map(|e| format!("{}: {}", file.display(), describe_error(e, locale))).collect();
        CliError(
            t!("cli.network_invalid", locale = locale, count = errors.len(), errors = lines.join("\n")).into_owned(),
        )
    })?;
    store::network::replace(&db, &registry).await.map_err(|e| CliError::new(locale, e))?;
    let names: usize = registry.nodes.iter().map(|n| n.names.len()).sum();
    println!("{}", t!("cli.network_imported", locale = locale, nodes = registry.nodes.len(), names = names));
    Ok(())
}

async fn show(settings: &Settings) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    let db = connect(settings).await?;
    let registry = store::network::load(&db).await.map_err(|e| CliError::new(locale, e))?;
    if registry.nodes.is_empty() {
        println!("{}", t!("cli.network_empty", locale = locale));
        return Ok(());
    }
    print!("{}", tree(&registry, locale));
    Ok(())
}

/// The registry drawn as a tree, one node a line with its uplink, organisations and names.
pub fn tree(registry: &Registry, locale: &str) -> String {
    let mut out = String::new();
    for root in registry.nodes.iter().filter(|n| n.parent.is_none()) {
        draw(registry, root, "", "", locale, &mut out);
    }
    out
}

fn draw(registry: &Registry, node: &Node, lead: &str, rest: &str, locale: &str, out: &mut String) {
    out.push_str(lead);
    out.push_str(&line(node, locale));
    out.push('\n');
    let children: Vec<&Node> = registry.nodes.iter().filter(|n| n.parent.as_deref() == Some(&node.key)).collect();
    for (i, child) in children.iter().enumerate() {
        let last = i + 1 == children.len();
        let (branch, under) = if last { ("└─ ", "   ") } else { ("├─ ", "│  ") };
        draw(registry, child, &format!("{rest}{branch}"), &format!("{rest}{under}"), locale, out);
    }
}

fn line(node: &Node, locale: &str) -> String {
    let mut text = format!("[{}] {}", node.key, node.name);
    if node.isp.is_some() || node.circuit.is_some() {
        text.push_str(&format!(
            "  {}",
            t!(
                "cli.network_uplink",
                locale = locale,
                isp = node.isp.as_deref().unwrap_or("-"),
                circuit = node.circuit.as_deref().unwrap_or("-")
            )
        ));
    }
    if !node.orgs.is_empty() {
        text.push_str(&format!("  {}", t!("cli.network_orgs", locale = locale, orgs = node.orgs.join(", "))));
    }
    if !node.names.is_empty() {
        let names: Vec<String> = node.names.iter().map(|(source, name)| format!("{source}:{name}")).collect();
        text.push_str(&format!("  {}", t!("cli.network_names", locale = locale, names = names.join(", "))));
    }
    text
}

fn describe_error(error: &NetworkError, locale: &str) -> String {
    let text = match error {
        NetworkError::Syntax { line, message } => {
            t!("cli.network_error.syntax", locale = locale, line = line, message = message)
        }
        NetworkError::NoNodes => t!("cli.network_error.no_nodes", locale = locale),
        NetworkError::BadId { line, id } => t!("cli.network_error.bad_id", locale = locale, line = line, id = id),
        NetworkError::DuplicateId { line, id, first } => {
            t!("cli.network_error.duplicate_id", locale = locale, line = line, id = id, first = first)
        }
        NetworkError::EmptyName { line, id } => {
            t!("cli.network_error.empty_name", locale = locale, line = line, id = id)
        }
        NetworkError::UnknownParent { line, id, parent } => {
            t!("cli.network_error.unknown_parent", locale = locale, line = line, id = id, parent = parent)
        }
        NetworkError::Cycle { line, id } => t!("cli.network_error.cycle", locale = locale, line = line, id = id),
        NetworkError::UnknownOrg { line, code } => {
            t!("cli.network_error.unknown_org", locale = locale, line = line, code = code)
        }
        NetworkError::UnknownSource { line, source } => {
            t!("cli.network_error.unknown_source", locale = locale, line = line, source = source)
        }
        NetworkError::EmptyMonitoringName { line, source } => {
            t!("cli.network_error.empty_monitoring_name", locale = locale, line = line, source = source)
        }
        NetworkError::DuplicateName { line, source, name, first } => t!(
            "cli.network_error.duplicate_name",
            locale = locale,
            line = line,
            source = source.as_str(),
            name = name,
            first = first
        ),
    };
    text.into_owned()
}
