//! One [`Settings`], built once in `main` from `.env` and the environment. Nothing below
//! `main` reads the environment; tests build their own `Settings`.

use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite://…` or `postgres://…`; `None` means a SQLite file under `data_dir`.
    pub database_url: Option<SecretString>,
    pub data_dir: PathBuf,
    /// Where `config/sop` and `config/calendar` are looked for before the built-in copies.
    pub config_dir: PathBuf,
    /// A preset name (`kudus`) or a path to an SOP file.
    pub sop: String,
    pub listen: SocketAddr,
    /// Language of the command line's own messages (`id` or `en`).
    pub locale: String,
    /// `TELOXIDE_TOKEN`; Telegram is off without it.
    pub telegram_token: Option<SecretString>,
    /// `TELOXIDE_API_URL`: another Bot API server (tests, a self-hosted one).
    pub telegram_api_url: Option<String>,
    /// Telegram's pacing: at most one message per chat per this many milliseconds, and this
    /// many messages a second overall (Telegram's documented limits by default).
    pub telegram_chat_interval_ms: u64,
    pub telegram_per_second: usize,
    /// WhatsApp's pacing: per chat, and per second for the business number (Cloud API
    /// throughput is 80 messages a second by default).
    pub whatsapp_chat_interval_ms: u64,
    pub whatsapp_per_second: usize,
    /// `SIGAP_OUTBOX_RETRY_BASE_MS`: the first wait after a temporary delivery failure; each
    /// further failure doubles it (with jitter, up to 15 minutes).
    pub outbox_retry_base_ms: u64,
    /// `SIGAP_OUTBOX_LEASE_SECS`: how long a claimed message stays with the process sending
    /// it. A process killed mid-send leaves its message to be taken over after this; it must
    /// stay longer than one send may take (a WhatsApp media upload may take up to 120 s).
    pub outbox_lease_secs: u64,
    /// `SIGAP_DELIVERY_LANES`: how many chats a process sends to at once (one message at a
    /// time per chat, always in order).
    pub delivery_lanes: usize,
    /// `TELEGRAM_BOT_USERNAME` (without @): invite links are `https://t.me/<name>?start=<code>`.
    pub telegram_bot_username: Option<String>,
    /// `TELEGRAM_WEBHOOK_URL`: receive updates by webhook at this public HTTPS address
    /// (its path is served by SIGAP's own HTTP server) instead of long polling. Required
    /// with several replicas: only one process may poll.
    pub telegram_webhook_url: Option<String>,
    /// `TELEGRAM_WEBHOOK_SECRET`: what Telegram sends back in `X-Telegram-Bot-Api-Secret-Token`;
    /// derived from the token when not set.
    pub telegram_webhook_secret: Option<SecretString>,
    /// `TELEGRAM_TEAM_CHAT`: a group chat id that gets a copy of every new ticket.
    pub telegram_team_chat: Option<i64>,
    /// The letterhead of the office's papers: `SIGAP_OFFICE_ADDRESS`, `SIGAP_OFFICE_PHONE`,
    /// `SIGAP_OFFICE_LOGO` (a PNG or JPEG file); the office's name comes from the SOP.
    pub office_address: Option<String>,
    pub office_phone: Option<String>,
    pub office_logo: Option<PathBuf>,
    /// `SIGAP_COMPLAINT_ANSWER_DAYS`: working days to answer a complaint about the service
    /// before it goes to the head of office.
    pub complaint_answer_days: u32,
    /// `SIGAP_KEEP_SENT_DAYS`: days sent messages and processed update ids are kept (for
    /// de-duplication and the admin's recent views) before they are deleted. WhatsApp retries
    /// a delivery for up to 7 days.
    pub keep_sent_days: u32,
    /// `SIGAP_PIN_CPU`: keep the process on one CPU (see [`crate::affinity`]).
    pub pin_cpu: crate::affinity::PinCpu,
    /// `WHATSAPP_*`: the Cloud API; off when none is set.
    pub whatsapp: Option<crate::channels::whatsapp::WhatsAppSettings>,
    /// `SIGAP_ALERT_TOKEN_<SOURCE>` (e.g. `SIGAP_ALERT_TOKEN_ZABBIX`): each monitoring tool's
    /// own secret; a tool without one has no route.
    pub alert_tokens: Vec<(crate::domain::alert::Source, SecretString)>,
    /// `SIGAP_ALERT_HOST_LABELS`: the Alertmanager/Grafana labels that name the device.
    pub alert_host_labels: Vec<String>,
    /// Gangguan massal: how an incident meets reports and the people it hits.
    pub incidents: crate::service::IncidentOptions,
    /// Personal data (UU 27/2022): `SIGAP_DPO_CONTACT` and the retention periods
    /// `SIGAP_KEEP_DRAFT_DAYS`, `SIGAP_KEEP_UNFILED_DAYS`, `SIGAP_KEEP_EXPORT_DAYS`,
    /// `SIGAP_KEEP_PHOTO_YEARS`, `SIGAP_INACTIVE_PHONE_YEARS`.
    pub privacy: crate::service::PrivacyPolicy,
    /// `SIGAP_DEMO`: the demo office and the chat simulator ("Coba SIGAP"), when set; see
    /// [`Settings::demo`] for the default.
    pub demo: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

impl Settings {
    pub const DEFAULT_SOP: &'static str = "kudus";

    /// Reads the process environment (after `.env` was loaded by `main`).
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let listen = get("SIGAP_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen.parse().map_err(|e: std::net::AddrParseError| SettingsError::Invalid {
            name: "SIGAP_LISTEN",
            reason: format!("`{listen}`: {e}"),
        })?;
        let locale = get("SIGAP_LOCALE").unwrap_or_else(|| "id".into());
        if !matches!(locale.as_str(), "id" | "en") {
            return Err(SettingsError::Invalid { name: "SIGAP_LOCALE", reason: format!("`{locale}`: use id or en") });
        }
        Ok(Settings {
            database_url: get("DATABASE_URL").map(SecretString::from),
            data_dir: get("DATA_DIR").unwrap_or_else(|| "./data".into()).into(),
            config_dir: get("SIGAP_CONFIG_DIR").unwrap_or_else(|| "./config".into()).into(),
            sop: get("SIGAP_SOP").unwrap_or_else(|| Self::DEFAULT_SOP.into()),
            listen,
            locale,
            telegram_token: get("TELOXIDE_TOKEN").map(SecretString::from),
            telegram_api_url: get("TELOXIDE_API_URL"),
            telegram_chat_interval_ms: number(&get, "SIGAP_TELEGRAM_CHAT_INTERVAL_MS", 1000)?,
            telegram_per_second: number(&get, "SIGAP_TELEGRAM_PER_SECOND", 30)?,
            whatsapp_chat_interval_ms: number(&get, "SIGAP_WHATSAPP_CHAT_INTERVAL_MS", 200)?,
            whatsapp_per_second: number(&get, "SIGAP_WHATSAPP_PER_SECOND", 80)?,
            outbox_retry_base_ms: number(&get, "SIGAP_OUTBOX_RETRY_BASE_MS", 2000)?,
            delivery_lanes: number(&get, "SIGAP_DELIVERY_LANES", 4)?,
            outbox_lease_secs: match number(&get, "SIGAP_OUTBOX_LEASE_SECS", 60)? {
                0 => {
                    return Err(SettingsError::Invalid {
                        name: "SIGAP_OUTBOX_LEASE_SECS",
                        reason: "`0`: a lease must last at least one second".into(),
                    });
                }
                secs => secs,
            },
            telegram_bot_username: get("TELEGRAM_BOT_USERNAME").map(|n| n.trim().trim_start_matches('@').to_owned()),
            telegram_webhook_url: match get("TELEGRAM_WEBHOOK_URL") {
                Some(url) if url.starts_with("https://") || url.starts_with("http://") => Some(url),
                Some(url) => {
                    return Err(SettingsError::Invalid {
                        name: "TELEGRAM_WEBHOOK_URL",
                        reason: format!("`{url}`: expected an https:// address"),
                    });
                }
                None => None,
            },
            telegram_webhook_secret: get("TELEGRAM_WEBHOOK_SECRET").map(SecretString::from),
            telegram_team_chat: match get("TELEGRAM_TEAM_CHAT") {
                Some(id) => Some(id.trim().parse().map_err(|_| SettingsError::Invalid {
                    name: "TELEGRAM_TEAM_CHAT",
                    reason: format!("`{id}`: expected a chat id such as -1001234567890"),
                })?),
                None => None,
            },
            office_address: get("SIGAP_OFFICE_ADDRESS"),
            office_phone: get("SIGAP_OFFICE_PHONE"),
            office_logo: get("SIGAP_OFFICE_LOGO").map(PathBuf::from),
            complaint_answer_days: number(&get, "SIGAP_COMPLAINT_ANSWER_DAYS", 1)?,
            keep_sent_days: match number(&get, "SIGAP_KEEP_SENT_DAYS", 14)? {
                days if days >= 8 => days,
                days => {
                    return Err(SettingsError::Invalid {
                        name: "SIGAP_KEEP_SENT_DAYS",
                        reason: format!("`{days}`: at least 8 (WhatsApp retries a delivery for up to 7 days)"),
                    });
                }
            },
            pin_cpu: match get("SIGAP_PIN_CPU") {
                Some(raw) => raw.parse().map_err(|reason| SettingsError::Invalid { name: "SIGAP_PIN_CPU", reason })?,
                None => crate::affinity::PinCpu::Auto,
            },
            whatsapp: crate::channels::whatsapp::WhatsAppSettings::from_lookup(&get)
                .map_err(|reason| SettingsError::Invalid { name: "WHATSAPP_*", reason })?,
            alert_tokens: crate::domain::alert::Source::ALL
                .into_iter()
                .filter_map(|source| {
                    let name = format!("SIGAP_ALERT_TOKEN_{}", source.as_str().to_uppercase());
                    get(&name).map(|token| (source, SecretString::from(token.trim().to_owned())))
                })
                .collect(),
            alert_host_labels: match get("SIGAP_ALERT_HOST_LABELS") {
                Some(raw) => raw.split(',').map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect(),
                None => crate::channels::alerts::Options::default().host_labels,
            },
            incidents: crate::service::IncidentOptions {
                offer_minutes: number(&get, "SIGAP_LINK_OFFER_MINUTES", 120)?,
                tell_organisations: flag(&get, "SIGAP_INCIDENT_TELL_ORGS", false)?,
            },
            privacy: privacy(&get)?,
            demo: match get("SIGAP_DEMO") {
                Some(_) => Some(flag(&get, "SIGAP_DEMO", false)?),
                None => None,
            },
        })
    }

    /// A chat channel or the monitoring intake is configured: the office is in earnest.
    pub fn channels_configured(&self) -> bool {
        self.telegram_token.is_some() || self.whatsapp.is_some() || !self.alert_tokens.is_empty()
    }

    /// The demo office and its chat simulator are on: as `SIGAP_DEMO` says, else exactly when
    /// nothing is configured, so a newcomer's first start has something to try and an
    /// office's real channels never sit beside a demo the admin did not ask for.
    pub fn demo(&self) -> bool {
        self.demo.unwrap_or_else(|| !self.channels_configured())
    }

    /// The pacing the delivery worker keeps per channel.
    pub fn pacing(&self) -> std::collections::HashMap<crate::domain::ticket::Channel, crate::delivery::Limits> {
        let telegram = crate::delivery::Limits {
            per_chat_interval: std::time::Duration::from_millis(self.telegram_chat_interval_ms),
            per_second: self.telegram_per_second,
        };
        let whatsapp = crate::delivery::Limits {
            per_chat_interval: std::time::Duration::from_millis(self.whatsapp_chat_interval_ms),
            per_second: self.whatsapp_per_second,
        };
        [(crate::domain::ticket::Channel::Telegram, telegram), (crate::domain::ticket::Channel::Whatsapp, whatsapp)]
            .into_iter()
            .collect()
    }

    /// How the delivery worker retries and how long it holds a claimed message.
    pub fn retry_policy(&self) -> crate::delivery::RetryPolicy {
        crate::delivery::RetryPolicy {
            base: std::time::Duration::from_millis(self.outbox_retry_base_ms),
            lease: std::time::Duration::from_secs(self.outbox_lease_secs),
            ..crate::delivery::RetryPolicy::default()
        }
    }

    /// The database to use: the configured URL, or the default SQLite file.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose_secret().to_owned(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("sigap.db").display()),
        }
    }
}

fn privacy(get: &impl Fn(&str) -> Option<String>) -> Result<crate::service::PrivacyPolicy, SettingsError> {
    let defaults = crate::service::PrivacyPolicy::default();
    Ok(crate::service::PrivacyPolicy {
        dpo_contact: get("SIGAP_DPO_CONTACT").map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()),
        keep_draft_days: number(get, "SIGAP_KEEP_DRAFT_DAYS", defaults.keep_draft_days)?,
        keep_unfiled_days: number(get, "SIGAP_KEEP_UNFILED_DAYS", defaults.keep_unfiled_days)?,
        keep_export_days: number(get, "SIGAP_KEEP_EXPORT_DAYS", defaults.keep_export_days)?,
        keep_photo_years: number(get, "SIGAP_KEEP_PHOTO_YEARS", defaults.keep_photo_years)?,
        inactive_phone_years: number(get, "SIGAP_INACTIVE_PHONE_YEARS", defaults.inactive_phone_years)?,
        // Tests only: lets a crash test stop an erasure before its commit, or after it.
        erase_pause: match get("SIGAP_TEST_ERASE_PAUSE").as_deref().map(str::trim) {
            Some("commit") => Some(crate::service::ErasePause::Commit),
            Some("sweep") => Some(crate::service::ErasePause::Sweep),
            _ => None,
        },
    })
}

/// A yes/no setting: `1`/`true`/`ya`/`yes`/`on` or `0`/`false`/`tidak`/`no`/`off`.
fn flag(get: &impl Fn(&str) -> Option<String>, name: &'static str, default: bool) -> Result<bool, SettingsError> {
    let Some(raw) = get(name) else { return Ok(default) };
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "ya" | "yes" | "on" => Ok(true),
        "0" | "false" | "tidak" | "no" | "off" | "" => Ok(false),
        _ => Err(SettingsError::Invalid { name, reason: format!("`{raw}`: write 1 (on) or 0 (off)") }),
    }
}

fn number<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, SettingsError> {
    match get(name) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|_| SettingsError::Invalid { name, reason: format!("`{raw}` is not a whole number") }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn without_a_database_url_sigap_uses_a_sqlite_file_in_the_data_dir() {
        let s = settings(&[("DATA_DIR", "/srv/sigap")]).unwrap();
        assert_eq!(s.database_url(), "sqlite:///srv/sigap/sigap.db?mode=rwc");
        assert_eq!(s.sop, "kudus");
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn the_demo_is_on_by_default_only_with_nothing_configured_and_on_beside_channels_only_when_asked() {
        assert!(settings(&[]).unwrap().demo());
        assert!(!settings(&[("TELOXIDE_TOKEN", "1:A")]).unwrap().demo());
        assert!(!settings(&[("SIGAP_ALERT_TOKEN_ZABBIX", "z")]).unwrap().demo());
        assert!(settings(&[("TELOXIDE_TOKEN", "1:A"), ("SIGAP_DEMO", "1")]).unwrap().demo());
        assert!(!settings(&[("SIGAP_DEMO", "0")]).unwrap().demo());
        let err = settings(&[("SIGAP_DEMO", "maybe")]).unwrap_err().to_string();
        assert!(err.contains("SIGAP_DEMO"), "{err}");
    }

    #[test]
    fn a_database_url_never_shows_in_debug_output() {
        let s = settings(&[("DATABASE_URL", "postgres://u:hunter2@db/sigap")]).unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.database_url(), "postgres://u:hunter2@db/sigap");
    }

    #[test]
    fn the_telegram_token_is_optional_and_never_printed() {
        assert!(settings(&[]).unwrap().telegram_token.is_none());
        let s = settings(&[("TELOXIDE_TOKEN", "123:SECRET"), ("TELOXIDE_API_URL", "http://127.0.0.1:9/")]).unwrap();
        assert!(!format!("{s:?}").contains("SECRET"));
        assert_eq!(s.telegram_api_url.as_deref(), Some("http://127.0.0.1:9/"));
    }

    #[test]
    fn telegram_pacing_defaults_to_telegrams_limits_and_can_be_changed() {
        let default = settings(&[]).unwrap();
        assert_eq!((default.telegram_chat_interval_ms, default.telegram_per_second), (1000, 30));
        let custom =
            settings(&[("SIGAP_TELEGRAM_CHAT_INTERVAL_MS", "0"), ("SIGAP_TELEGRAM_PER_SECOND", "100")]).unwrap();
        assert_eq!((custom.telegram_chat_interval_ms, custom.telegram_per_second), (0, 100));
        let err = settings(&[("SIGAP_TELEGRAM_PER_SECOND", "many")]).unwrap_err().to_string();
        assert!(err.contains("SIGAP_TELEGRAM_PER_SECOND"), "{err}");
    }

    #[test]
    fn the_outbox_retry_and_lease_default_and_can_be_changed() {
        let default = settings(&[]).unwrap().retry_policy();
        assert_eq!(default, crate::delivery::RetryPolicy::default());
        let custom =
            settings(&[("SIGAP_OUTBOX_RETRY_BASE_MS", "50"), ("SIGAP_OUTBOX_LEASE_SECS", "3")]).unwrap().retry_policy();
        assert_eq!(custom.base, std::time::Duration::from_millis(50));
        assert_eq!(custom.lease, std::time::Duration::from_secs(3));
        let err = settings(&[("SIGAP_OUTBOX_LEASE_SECS", "0")]).unwrap_err().to_string();
        assert!(err.contains("SIGAP_OUTBOX_LEASE_SECS"), "{err}");
    }

    #[test]
    fn each_monitoring_tool_has_its_own_secret_and_none_is_printed() {
        let s = settings(&[("SIGAP_ALERT_TOKEN_ZABBIX", "zbx-rahasia"), ("SIGAP_ALERT_TOKEN_PRTG", " prtg-rahasia ")])
            .unwrap();
        let sources: Vec<_> = s.alert_tokens.iter().map(|(source, _)| source.as_str()).collect();
        assert_eq!(sources, ["zabbix", "prtg"]);
        assert_eq!(s.alert_tokens[1].1.expose_secret(), "prtg-rahasia");
        assert!(!format!("{s:?}").contains("rahasia"));
        assert_eq!(s.alert_host_labels, ["instance", "host", "hostname"]);
        let custom = settings(&[("SIGAP_ALERT_HOST_LABELS", "device, ,node")]).unwrap();
        assert_eq!(custom.alert_host_labels, ["device", "node"]);
    }

    #[test]
    fn a_bad_listen_address_names_the_variable() {
        let err = settings(&[("SIGAP_LISTEN", "localhost")]).unwrap_err().to_string();
        assert!(err.contains("SIGAP_LISTEN"), "{err}");
    }

    #[test]
    fn cpu_pinning_defaults_to_auto_and_a_bad_value_names_the_variable() {
        use crate::affinity::PinCpu;
        assert_eq!(settings(&[]).unwrap().pin_cpu, PinCpu::Auto);
        assert_eq!(settings(&[("SIGAP_PIN_CPU", "off")]).unwrap().pin_cpu, PinCpu::Off);
        let err = settings(&[("SIGAP_PIN_CPU", "semua")]).unwrap_err().to_string();
        assert!(err.contains("SIGAP_PIN_CPU") && err.contains("semua"), "{err}");
    }
}
