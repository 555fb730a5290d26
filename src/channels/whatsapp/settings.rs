//! What the WhatsApp adapter needs to know, read once from the environment by `main` through
//! [`WhatsAppSettings::from_lookup`]: where the Graph API is, which business number sends,
//! the secrets (wrapped so they never print), and the approved templates used outside the
//! 24-hour customer-service window.

use secrecy::SecretString;

use super::api::{MessageRequest, TemplateMessage};

#[derive(Debug, Clone)]
pub struct WhatsAppSettings {
    /// `WHATSAPP_API_URL`: Meta's Graph API, or the tests' fake.
    pub api_url: String,
    /// `WHATSAPP_API_VERSION`, e.g. `v23.0`.
    pub version: String,
    pub phone_number_id: String,
    /// The system user's token, sent as a bearer token on every call.
    pub access_token: SecretString,
    /// Keys the `X-Hub-Signature-256` HMAC of every webhook delivery.
    pub app_secret: SecretString,
    /// What Meta echoes in the webhook verification handshake.
    pub verify_token: SecretString,
    pub templates: Templates,
}

/// Approved message templates. Meta refuses free-form messages more than 24 hours after the
/// recipient last wrote (error 131047); only a template may reach them then. A template is
/// optional: without it such messages fail permanently and the admin sees why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Templates {
    /// `WHATSAPP_TEMPLATE_UPDATE`: a ticket's status changed.
    pub update: Option<Template>,
    /// `WHATSAPP_TEMPLATE_REMINDER`: a step's time limit is running out.
    pub reminder: Option<Template>,
}

/// A template as approved in WhatsApp Manager: its name, its language, and a body whose
/// `{{1}}`, `{{2}}`, … the caller fills in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub name: String,
    /// `WHATSAPP_TEMPLATE_LANGUAGE`, `id` by default (Meta's code for Bahasa Indonesia).
    pub language: String,
}

impl Template {
    pub fn request(&self, to: &str, body_parameters: &[String]) -> MessageRequest {
        MessageRequest::template(to, TemplateMessage::new(&self.name, &self.language, body_parameters))
    }
}

const REQUIRED: [&str; 4] =
    ["WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"];

impl WhatsAppSettings {
    pub const DEFAULT_API_URL: &'static str = "https://graph.facebook.com";
    pub const DEFAULT_VERSION: &'static str = "v23.0";
    pub const DEFAULT_TEMPLATE_LANGUAGE: &'static str = "id";

    /// `Ok(None)` when none of the required variables is set: WhatsApp is off. Setting only
    /// some of them is a mistake worth stopping for, so it is an error naming the missing ones.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        let get = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let [phone_number_id, access_token, app_secret, verify_token] = REQUIRED.map(&get);
        let present = [&phone_number_id, &access_token, &app_secret, &verify_token].map(Option::is_some);
        if !present.contains(&true) {
            return Ok(None);
        }
        let missing: Vec<&str> = REQUIRED.iter().zip(present).filter(|(_, set)| !set).map(|(name, _)| *name).collect();
        let (Some(phone_number_id), Some(access_token), Some(app_secret), Some(verify_token)) =
            (phone_number_id, access_token, app_secret, verify_token)
        else {
            return Err(format!("WhatsApp is half configured: set {} as well (or none of them)", missing.join(", ")));
        };
        if !phone_number_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "WHATSAPP_PHONE_NUMBER_ID `{phone_number_id}`: the id is digits only (not the phone number)"
            ));
        }
        let api_url = get("WHATSAPP_API_URL").unwrap_or_else(|| Self::DEFAULT_API_URL.into());
        let parsed = reqwest::Url::parse(&api_url).map_err(|e| format!("WHATSAPP_API_URL `{api_url}`: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("WHATSAPP_API_URL `{api_url}`: use an http(s) URL"));
        }
        let version = get("WHATSAPP_API_VERSION").unwrap_or_else(|| Self::DEFAULT_VERSION.into());
        if !is_version(&version) {
            return Err(format!("WHATSAPP_API_VERSION `{version}`: expected e.g. {}", Self::DEFAULT_VERSION));
        }
        let language = get("WHATSAPP_TEMPLATE_LANGUAGE").unwrap_or_else(|| Self::DEFAULT_TEMPLATE_LANGUAGE.into());
        let template = |name: &str| get(name).map(|name| Template { name, language: language.clone() });
        Ok(Some(WhatsAppSettings {
            api_url: api_url.trim_end_matches('/').to_owned(),
            version,
            phone_number_id,
            access_token: SecretString::from(access_token),
            app_secret: SecretString::from(app_secret),
            verify_token: SecretString::from(verify_token),
            templates: Templates {
                update: template("WHATSAPP_TEMPLATE_UPDATE"),
                reminder: template("WHATSAPP_TEMPLATE_REMINDER"),
            },
        }))
    }
}

/// `v23.0`: a `v`, digits, a dot, digits.
fn is_version(version: &str) -> bool {
    let Some((major, minor)) = version.strip_prefix('v').and_then(|rest| rest.split_once('.')) else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(major) && digits(minor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    const ALL: [(&str, &str); 4] = [
        ("WHATSAPP_PHONE_NUMBER_ID", "106540352242922"),
        ("WHATSAPP_ACCESS_TOKEN", "EAAG-secret-token"),
        ("WHATSAPP_APP_SECRET", "app-secret-value"),
        ("WHATSAPP_VERIFY_TOKEN", "verify-me"),
    ];

    fn settings(vars: &[(&str, &str)]) -> Result<Option<WhatsAppSettings>, String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        WhatsAppSettings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn without_any_whatsapp_variable_whatsapp_is_off() {
        assert!(settings(&[]).unwrap().is_none());
        assert!(settings(&[("WHATSAPP_API_VERSION", "v22.0"), ("WHATSAPP_ACCESS_TOKEN", " ")]).unwrap().is_none());
    }

    #[test]
    fn a_full_configuration_takes_meta_defaults_and_hides_its_secrets() {
        let s = settings(&ALL).unwrap().unwrap();
        assert_eq!(s.api_url, "https://graph.facebook.com");
        assert_eq!(s.version, "v23.0");
        assert_eq!(s.phone_number_id, "106540352242922");
        assert_eq!(s.access_token.expose_secret(), "EAAG-secret-token");
        assert_eq!(s.templates, Templates { update: None, reminder: None });
        let printed = format!("{s:?}");
        for secret in ["EAAG-secret-token", "app-secret-value", "verify-me"] {
            assert!(!printed.contains(secret), "{printed}");
        }
    }

    #[test]
    fn only_some_required_variables_is_an_error_naming_the_missing_ones() {
        let err = settings(&ALL[..2]).unwrap_err();
        assert!(err.contains("WHATSAPP_APP_SECRET") && err.contains("WHATSAPP_VERIFY_TOKEN"), "{err}");
        assert!(!err.contains("WHATSAPP_ACCESS_TOKEN"), "{err}");
    }

    #[test]
    fn templates_share_one_language_indonesian_by_default() {
        let mut vars = ALL.to_vec();
        vars.push(("WHATSAPP_TEMPLATE_UPDATE", "sigap_status_update"));
        vars.push(("WHATSAPP_TEMPLATE_REMINDER", "sigap_reminder"));
        let s = settings(&vars).unwrap().unwrap();
        assert_eq!(s.templates.update, Some(Template { name: "sigap_status_update".into(), language: "id".into() }));
        vars.push(("WHATSAPP_TEMPLATE_LANGUAGE", "en_US"));
        let s = settings(&vars).unwrap().unwrap();
        assert_eq!(s.templates.reminder.unwrap().language, "en_US");
    }

    #[test]
    fn a_template_request_carries_the_callers_body_parameters_in_order() {
        let template = Template { name: "sigap_status_update".into(), language: "id".into() };
        let request = template.request("6281234567890", &["GJ-2026-000123".into(), "Selesai".into()]);
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["type"], "template");
        assert_eq!(json["template"]["name"], "sigap_status_update");
        assert_eq!(json["template"]["language"]["code"], "id");
        let parameters = &json["template"]["components"][0]["parameters"];
        assert_eq!(parameters[0], serde_json::json!({ "type": "text", "text": "GJ-2026-000123" }));
        assert_eq!(parameters[1]["text"], "Selesai");
    }

    #[test]
    fn a_bad_url_version_or_phone_number_id_names_the_variable() {
        for (name, value) in [
            ("WHATSAPP_API_URL", "graph.facebook.com"),
            ("WHATSAPP_API_VERSION", "23"),
            ("WHATSAPP_PHONE_NUMBER_ID", "+62 812"),
        ] {
            let mut vars: Vec<_> = ALL.iter().filter(|(k, _)| *k != name).copied().collect();
            vars.push((name, value));
            let err = settings(&vars).unwrap_err();
            assert!(err.contains(name), "{err}");
        }
    }

    #[test]
    fn a_trailing_slash_on_the_api_url_is_dropped() {
        let mut vars = ALL.to_vec();
        vars.push(("WHATSAPP_API_URL", "http://127.0.0.1:9/"));
        assert_eq!(settings(&vars).unwrap().unwrap().api_url, "http://127.0.0.1:9");
    }
}
