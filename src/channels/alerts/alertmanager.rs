//! Prometheus Alertmanager (webhook payload `version: "4"`) and Grafana's webhook contact
//! point, which sends the same shape: one request may carry several alerts, each with its own
//! `status`; the top-level `status` says only whether any still fires and decides nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{Options, ParseError, bare_host, hosts, json_object};
use crate::domain::alert::{Alert, Source};

#[derive(Deserialize)]
struct Payload {
    alerts: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    status: String,
    #[serde(default)]
    labels: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    annotations: BTreeMap<String, serde_json::Value>,
    #[serde(default, rename = "startsAt")]
    starts_at: Option<String>,
    #[serde(default)]
    fingerprint: Option<String>,
}

/// Grafana's alerts about its own data sources: a monitoring failure, not an outage.
const GRAFANA_OWN: [&str; 2] = ["DatasourceNoData", "DatasourceError"];

pub(super) fn parse(source: Source, body: &str, options: &Options) -> Result<Vec<Alert>, ParseError> {
    let map = json_object(body)?;
    let payload = Payload::deserialize(serde_json::Value::Object(map)).map_err(|e| ParseError::Shape(e.to_string()))?;
    let mut out = Vec::new();
    for item in payload.alerts {
        let labels: BTreeMap<String, String> = item.labels.into_iter().map(|(k, v)| (k, plain(&v))).collect();
        let annotations: BTreeMap<String, String> = item.annotations.into_iter().map(|(k, v)| (k, plain(&v))).collect();
        let firing = match item.status.as_str() {
            "firing" => true,
            "resolved" => false,
            other => return Err(ParseError::Value { field: "alerts[].status", value: other.to_owned() }),
        };
        let alertname = labels.get("alertname").cloned().unwrap_or_default();
        if source == Source::Grafana && GRAFANA_OWN.contains(&alertname.as_str()) {
            continue;
        }
        // Old senders leave the fingerprint out: the label set is what it hashes.
        let identity = item.fingerprint.filter(|f| !f.trim().is_empty()).unwrap_or_else(|| label_hash(&labels));
        let mut candidates = Vec::new();
        for name in &options.host_labels {
            if let Some(value) = labels.get(name) {
                candidates.push(Some(value.clone()));
                candidates.push(bare_host(value));
            }
        }
        let summary = ["summary", "description"]
            .iter()
            .find_map(|k| annotations.get(*k).filter(|s| !s.trim().is_empty()).cloned())
            .unwrap_or_else(|| alertname.clone());
        let at = item
            .starts_at
            .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
            .map(|d| d.to_utc())
            // `0001-01-01T00:00:00Z` is Go's "unset".
            .filter(|d| d.year() > 1);
        out.push(Alert {
            source,
            identity,
            firing,
            hosts: hosts(candidates),
            summary,
            severity: labels.get("severity").cloned(),
            at,
        });
    }
    Ok(out)
}

fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn label_hash(labels: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (k, v) in labels {
        hasher.update(k.as_bytes());
        hasher.update([0]);
        hasher.update(v.as_bytes());
        hasher.update([0]);
    }
    format!("labels:{}", &hex::encode(hasher.finalize())[..16])
}
