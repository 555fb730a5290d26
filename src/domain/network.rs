//! The office's network registry as a file: nodes hanging on nodes (backbone → distribution →
//! OPD), the organisations each serves, its uplink, and the names monitoring tools know it by.
//! [`parse`] checks the whole file and reports every mistake with its line, so an import is
//! all or nothing; which organisation codes exist is the caller's to say (the database's).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;
use toml::Spanned;

use super::alert::{Source, normalise_name};

/// A validated registry, parents before their children, siblings in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Registry {
    pub nodes: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub key: String,
    pub name: String,
    pub parent: Option<String>,
    /// Organisation codes, upper-case.
    pub orgs: Vec<String>,
    pub isp: Option<String>,
    pub circuit: Option<String>,
    /// (tool, name as normalised by [`normalise_name`]).
    pub names: Vec<(Source, String)>,
}

impl Registry {
    /// `key` and every node under it, `key` first.
    pub fn subtree(&self, key: &str) -> Vec<&Node> {
        let mut out: Vec<&Node> = self.nodes.iter().filter(|n| n.key == key).collect();
        let mut i = 0;
        while i < out.len() {
            let parent = out[i].key.clone();
            out.extend(self.nodes.iter().filter(|n| n.parent.as_deref() == Some(parent.as_str())));
            i += 1;
        }
        out
    }

    pub fn node(&self, key: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.key == key)
    }

    /// The nodes that serve organisation `code`.
    pub fn nodes_of<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.nodes.iter().filter(move |n| n.orgs.iter().any(|o| o == code))
    }

    /// What organisation `code`'s connection shares with node `key`'s, the closest first: the
    /// same circuit, the node itself or one above it, the same upstream node, the same ISP.
    /// A report from there may be the same outage. Not symmetric on purpose: an outage above
    /// an organisation may reach it, one below it cannot.
    pub fn shared_with_node(&self, code: &str, key: &str) -> Option<Shared> {
        let other = self.node(key)?;
        let mut best: Option<Shared> = None;
        for mine in self.nodes_of(code) {
            if let Some(found) = self.relation(mine, other)
                && best.as_ref().is_none_or(|b| found.rank() < b.rank())
            {
                best = Some(found);
            }
        }
        best
    }

    /// [`Registry::shared_with_node`] for two organisations.
    pub fn shared_between(&self, code: &str, other: &str) -> Option<Shared> {
        let mut best: Option<Shared> = None;
        for theirs in self.nodes_of(other) {
            if let Some(found) = self.shared_with_node(code, &theirs.key)
                && best.as_ref().is_none_or(|b| found.rank() < b.rank())
            {
                best = Some(found);
            }
        }
        best
    }

    fn relation(&self, mine: &Node, other: &Node) -> Option<Shared> {
        let same = |a: &Option<String>, b: &Option<String>| match (a, b) {
            (Some(a), Some(b)) => !a.trim().is_empty() && a.trim().eq_ignore_ascii_case(b.trim()),
            _ => false,
        };
        if same(&mine.circuit, &other.circuit) {
            return mine.circuit.clone().map(Shared::Circuit);
        }
        if mine.key == other.key || self.ancestors(&mine.key).any(|a| a.key == other.key) {
            return Some(Shared::Upstream(other.name.clone()));
        }
        if let Some(parent) = mine.parent.as_deref().filter(|p| other.parent.as_deref() == Some(*p)) {
            return Some(Shared::Upstream(self.node(parent).map_or_else(|| parent.to_owned(), |n| n.name.clone())));
        }
        if same(&mine.isp, &other.isp) {
            return mine.isp.clone().map(Shared::Isp);
        }
        None
    }

    /// The nodes above `key`, nearest first.
    fn ancestors<'a>(&'a self, key: &str) -> impl Iterator<Item = &'a Node> + 'a {
        let mut next = self.node(key).and_then(|n| n.parent.clone());
        // A validated registry has no cycle; the bound keeps a hand-made one from looping.
        let mut left = self.nodes.len();
        std::iter::from_fn(move || {
            let node = self.node(next.as_deref()?)?;
            left = left.checked_sub(1)?;
            next = node.parent.clone();
            Some(node)
        })
    }
}

/// What two connections have in common (see [`Registry::shared_with_node`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shared {
    /// The same ISP circuit id.
    Circuit(String),
    /// Both hang on this node (or one is on it).
    Upstream(String),
    /// The same ISP, on different circuits.
    Isp(String),
}

impl Shared {
    fn rank(&self) -> u8 {
        match self {
            Shared::Circuit(_) => 0,
            Shared::Upstream(_) => 1,
            Shared::Isp(_) => 2,
        }
    }
}

/// One mistake in the file; `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkError {
    Syntax { line: usize, message: String },
    NoNodes,
    BadId { line: usize, id: String },
    DuplicateId { line: usize, id: String, first: usize },
    EmptyName { line: usize, id: String },
    UnknownParent { line: usize, id: String, parent: String },
    Cycle { line: usize, id: String },
    UnknownOrg { line: usize, code: String },
    UnknownSource { line: usize, source: String },
    EmptyMonitoringName { line: usize, source: String },
    DuplicateName { line: usize, source: Source, name: String, first: usize },
}

impl NetworkError {
    pub fn line(&self) -> usize {
        match self {
            NetworkError::NoNodes => 0,
            NetworkError::Syntax { line, .. }
            | NetworkError::BadId { line, .. }
            | NetworkError::DuplicateId { line, .. }
            | NetworkError::EmptyName { line, .. }
            | NetworkError::UnknownParent { line, .. }
            | NetworkError::Cycle { line, .. }
            | NetworkError::UnknownOrg { line, .. }
            | NetworkError::UnknownSource { line, .. }
            | NetworkError::EmptyMonitoringName { line, .. }
            | NetworkError::DuplicateName { line, .. } => *line,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(rename = "node", default)]
    nodes: Vec<NodeDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeDef {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    parent: Option<Spanned<String>>,
    #[serde(default)]
    orgs: Vec<Spanned<String>>,
    #[serde(default)]
    uplink: Option<Uplink>,
    #[serde(default)]
    monitoring: BTreeMap<Spanned<String>, Names>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Uplink {
    #[serde(default)]
    isp: Option<String>,
    #[serde(default)]
    circuit: Option<String>,
}

/// A tool's names for a node: one string (its line is the key's) or a list, each name with
/// its own line. Written by hand: serde's untagged enums buffer the value and lose its span.
enum Names {
    One(String),
    Many(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Names;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a name or a list of names")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Names, E> {
                Ok(Names::One(v.to_owned()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Names, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<Spanned<String>>()? {
                    names.push(name);
                }
                Ok(Names::Many(names))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Check the whole file; `org_exists` says whether an (upper-case) organisation code is
/// known. Every error is returned, in line order.
pub fn parse(text: &str, org_exists: impl Fn(&str) -> bool) -> Result<Registry, Vec<NetworkError>> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let file: File = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| line_of(s.start));
        vec![NetworkError::Syntax { line, message: e.message().trim().to_owned() }]
    })?;
    if file.nodes.is_empty() {
        return Err(vec![NetworkError::NoNodes]);
    }
    let mut errors = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut names_seen: HashMap<(Source, String), usize> = HashMap::new();
    let mut nodes = Vec::new();
    for def in &file.nodes {
        let line = line_of(def.id.span().start);
        let key = def.id.get_ref().trim().to_owned();
        let well_formed =
            !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !well_formed {
            errors.push(NetworkError::BadId { line, id: key.clone() });
        } else if let Some(first) = first_line.get(&key) {
            errors.push(NetworkError::DuplicateId { line, id: key.clone(), first: *first });
        } else {
            first_line.insert(key.clone(), line);
        }
        if def.name.trim().is_empty() {
            errors.push(NetworkError::EmptyName { line, id: key.clone() });
        }
        let mut orgs = Vec::new();
        for code in &def.orgs {
            let upper = code.get_ref().trim().to_uppercase();
            if !org_exists(&upper) {
                errors.push(NetworkError::UnknownOrg { line: line_of(code.span().start), code: upper.clone() });
            }
            if !orgs.contains(&upper) {
                orgs.push(upper);
            }
        }
        let mut names = Vec::new();
        for (tool, listed) in &def.monitoring {
            let tool_line = line_of(tool.span().start);
            let Ok(source) = tool.get_ref().parse::<Source>() else {
                errors.push(NetworkError::UnknownSource { line: tool_line, source: tool.get_ref().clone() });
                continue;
            };
            let listed: Vec<(usize, &str)> = match listed {
                Names::One(one) => vec![(tool_line, one.as_str())],
                Names::Many(many) => many.iter().map(|n| (line_of(n.span().start), n.get_ref().as_str())).collect(),
            };
            for (name_line, name) in listed {
                let normal = normalise_name(name);
                if normal.is_empty() {
                    errors.push(NetworkError::EmptyMonitoringName { line: name_line, source: source.to_string() });
                    continue;
                }
                match names_seen.get(&(source, normal.clone())) {
                    Some(first) => errors.push(NetworkError::DuplicateName {
                        line: name_line,
                        source,
                        name: name.trim().to_owned(),
                        first: *first,
                    }),
                    None => {
                        names_seen.insert((source, normal.clone()), name_line);
                        names.push((source, normal));
                    }
                }
            }
        }
        let text = |s: &Option<String>| s.as_ref().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        nodes.push(Node {
            key,
            name: def.name.trim().to_owned(),
            parent: def.parent.as_ref().map(|p| p.get_ref().trim().to_owned()),
            orgs,
            isp: def.uplink.as_ref().and_then(|u| text(&u.isp)),
            circuit: def.uplink.as_ref().and_then(|u| text(&u.circuit)),
            names,
        });
    }
    for (def, node) in file.nodes.iter().zip(&nodes) {
        if let (Some(parent), Some(spanned)) = (&node.parent, &def.parent)
            && !first_line.contains_key(parent)
        {
            let line = line_of(spanned.span().start);
            errors.push(NetworkError::UnknownParent { line, id: node.key.clone(), parent: parent.clone() });
        }
    }
    if errors.is_empty() {
        errors.extend(cycles(&nodes, &first_line));
    }
    if !errors.is_empty() {
        errors.sort_by_key(NetworkError::line);
        return Err(errors);
    }
    Ok(Registry { nodes: parents_first(nodes) })
}

/// A node whose chain of parents comes back to itself: one error per cycle, on the line of
/// its first node in the file.
fn cycles(nodes: &[Node], lines: &HashMap<String, usize>) -> Vec<NetworkError> {
    let parent: HashMap<&str, &str> =
        nodes.iter().filter_map(|n| n.parent.as_deref().map(|p| (n.key.as_str(), p))).collect();
    let mut reported: HashSet<&str> = HashSet::new();
    let mut out = Vec::new();
    for node in nodes {
        let mut seen = vec![node.key.as_str()];
        let mut at = node.key.as_str();
        while let Some(next) = parent.get(at).copied() {
            if next == node.key {
                if seen.iter().all(|k| !reported.contains(k)) {
                    reported.extend(seen.iter().copied());
                    let first = seen.iter().min_by_key(|k| lines.get(**k).copied().unwrap_or(0)).unwrap_or(&at);
                    out.push(NetworkError::Cycle {
                        line: lines.get(*first).copied().unwrap_or(0),
                        id: first.to_string(),
                    });
                }
                break;
            }
            if seen.contains(&next) {
                break;
            }
            seen.push(next);
            at = next;
        }
    }
    out
}

/// Roots first, then each level, keeping the file's order within a level.
fn parents_first(nodes: Vec<Node>) -> Vec<Node> {
    let mut placed: HashSet<String> = HashSet::new();
    let mut rest = nodes;
    let mut out = Vec::with_capacity(rest.len());
    while !rest.is_empty() {
        let (ready, waiting): (Vec<Node>, Vec<Node>) =
            rest.into_iter().partition(|n| n.parent.as_ref().is_none_or(|p| placed.contains(p)));
        if ready.is_empty() {
            // Unreachable after the cycle check; keep the rest rather than loop.
            out.extend(waiting);
            break;
        }
        placed.extend(ready.iter().map(|n| n.key.clone()));
        out.extend(ready);
        rest = waiting;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[[node]]
id = "backbone"
name = "Backbone Pemkot"
uplink = { isp = "Telkom", circuit = "4700001-123" }
monitoring = { zabbix = "RTR-Core-01", alertmanager = ["10.20.0.1"] }

[[node]]
id = "dinkes"
name = "Dinas Kesehatan"
parent = "dist"
orgs = ["dinkes"]

[[node]]
id = "dist"
name = "Distribusi Utara"
parent = "backbone"
"#;

    #[test]
    fn a_well_formed_file_puts_parents_first_and_normalises_names() {
        let registry = parse(FILE, |code| code == "DINKES").unwrap();
        let keys: Vec<&str> = registry.nodes.iter().map(|n| n.key.as_str()).collect();
        assert_eq!(keys, ["backbone", "dist", "dinkes"]);
        let backbone = registry.node("backbone").unwrap();
        assert_eq!(
            backbone.names,
            [(Source::Alertmanager, "10.20.0.1".into()), (Source::Zabbix, "rtr-core-01".into())]
        );
        assert_eq!(backbone.isp.as_deref(), Some("Telkom"));
        assert_eq!(registry.node("dinkes").unwrap().orgs, ["DINKES"]);
        let under: Vec<&str> = registry.subtree("backbone").iter().map(|n| n.key.as_str()).collect();
        assert_eq!(under, ["backbone", "dist", "dinkes"]);
    }

    #[test]
    fn connections_share_the_closest_thing_they_have_in_common() {
        let text = r#"
[[node]]
id = "core"
name = "Core"
uplink = { isp = "Telkom", circuit = "C-1" }

[[node]]
id = "north"
name = "Utara"
parent = "core"

[[node]]
id = "a"
name = "A"
parent = "north"
orgs = ["A"]

[[node]]
id = "b"
name = "B"
parent = "north"
orgs = ["B"]

[[node]]
id = "c"
name = "C"
parent = "core"
orgs = ["C"]
uplink = { isp = "telkom ", circuit = "C-9" }

[[node]]
id = "d"
name = "D"
orgs = ["D"]
uplink = { isp = "Icon+", circuit = "c-9" }

[[node]]
id = "e"
name = "E"
orgs = ["E"]
uplink = { isp = "Telkom" }
"#;
        let registry = parse(text, |_| true).unwrap();
        assert_eq!(registry.shared_between("A", "B"), Some(Shared::Upstream("Utara".into())));
        assert_eq!(registry.shared_with_node("A", "core"), Some(Shared::Upstream("Core".into())));
        assert_eq!(registry.shared_between("C", "D"), Some(Shared::Circuit("C-9".into())));
        assert_eq!(registry.shared_between("C", "E"), Some(Shared::Isp("telkom".into())));
        // A hangs on the core through Utara; C hangs on the core directly: not siblings.
        assert_eq!(registry.shared_between("A", "C"), None);
        assert_eq!(registry.shared_between("A", "UNKNOWN"), None);
        assert_eq!(registry.shared_between("D", "E"), None);
    }

    #[test]
    fn every_mistake_is_reported_with_its_line() {
        let text = "[[node]]\nid = \"a\"\nname = \"A\"\nparent = \"nowhere\"\norgs = [\"XX\"]\n\
                    monitoring = { nagios = \"h\", zabbix = \"h1\" }\n\
                    [[node]]\nid = \"a\"\nname = \"\"\nmonitoring = { zabbix = \" H1 \" }\n";
        let errors = parse(text, |_| false).unwrap_err();
        let found: Vec<(usize, &str)> = errors
            .iter()
            .map(|e| {
                let kind = match e {
                    NetworkError::UnknownParent { .. } => "parent",
                    NetworkError::UnknownOrg { .. } => "org",
                    NetworkError::UnknownSource { .. } => "source",
                    NetworkError::DuplicateId { first: 2, .. } => "duplicate id",
                    NetworkError::EmptyName { .. } => "name",
                    NetworkError::DuplicateName { first: 6, .. } => "duplicate name",
                    _ => "other",
                };
                (e.line(), kind)
            })
            .collect();
        assert_eq!(
            found,
            [(4, "parent"), (5, "org"), (6, "source"), (8, "duplicate id"), (8, "name"), (10, "duplicate name")]
        );
    }

    #[test]
    fn a_cycle_is_refused_once_naming_its_first_node() {
        let text =
            "[[node]]\nid = \"x\"\nname = \"X\"\nparent = \"y\"\n[[node]]\nid = \"y\"\nname = \"Y\"\nparent = \"x\"\n";
        assert_eq!(parse(text, |_| true).unwrap_err(), [NetworkError::Cycle { line: 2, id: "x".into() }]);
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let errors = parse("[[node]]\nid = \"x\"\nname = \n", |_| true).unwrap_err();
        assert!(matches!(errors[..], [NetworkError::Syntax { line: 3, .. }]), "{errors:?}");
    }
}
