//! A thin client for the Cloud API calls SIGAP makes: send a message, mark one read, upload
//! a medium, look a medium up, download it. Every call carries the bearer token; every refusal becomes a
//! [`GraphError`] the caller can act on.

use std::time::Duration;

use reqwest::header::CONTENT_LENGTH;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use super::api::{MediaInfo, MessageRequest, SendResponse, Uploaded};
use super::error::GraphError;
use super::settings::WhatsAppSettings;

/// Meta's own cap on downloadable media is larger; 20 MB is plenty for photos and reports and
/// keeps one download from filling memory.
pub const MAX_DOWNLOAD: u64 = 20 * 1024 * 1024;
/// A message send is small: a slow answer means trouble, better retried.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Uploads and downloads carry files over office connections.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    /// `{api_url}/{version}`.
    base: String,
    phone_number_id: String,
    token: SecretString,
}

impl GraphClient {
    pub fn new(settings: &WhatsAppSettings) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).timeout(CALL_TIMEOUT).build()?;
        Ok(GraphClient {
            http,
            base: format!("{}/{}", settings.api_url.trim_end_matches('/'), settings.version),
            phone_number_id: settings.phone_number_id.clone(),
            token: settings.access_token.clone(),
        })
    }

    /// Sends one message; answers its `wamid.…`.
    pub async fn send(&self, request: &MessageRequest) -> Result<String, GraphError> {
        let url = format!("{}/{}/messages", self.base, self.phone_number_id);
        let response = self.http.post(url).bearer_auth(self.token.expose_secret()).json(request).send().await;
        let sent: SendResponse = answer(response).await?;
        sent.messages
            .into_iter()
            .next()
            .map(|m| m.id)
            .ok_or_else(|| GraphError::Temporary { code: None, message: "the answer named no message id".into() })
    }

    /// Marks a message a person sent as read: the blue ticks tell them SIGAP has it.
    pub async fn mark_read(&self, message_id: &str) -> Result<(), GraphError> {
        #[derive(serde::Deserialize)]
        struct Success {
            #[allow(dead_code)]
            success: bool,
        }
        let url = format!("{}/{}/messages", self.base, self.phone_number_id);
        let body = serde_json::json!({ "messaging_product": "whatsapp", "status": "read", "message_id": message_id });
        let response = self.http.post(url).bearer_auth(self.token.expose_secret()).json(&body).send().await;
        answer::<Success>(response).await.map(drop)
    }

    /// Uploads a file for later sending; answers its media id.
    pub async fn upload_media(&self, bytes: Vec<u8>, mime: &str, file_name: &str) -> Result<String, GraphError> {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name.to_owned())
            .mime_str(mime)
            .map_err(|e| GraphError::Permanent { code: None, message: format!("MIME type `{mime}`: {e}") })?;
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", mime.to_owned())
            .part("file", part);
        let url = format!("{}/{}/media", self.base, self.phone_number_id);
        let response = self
            .http
            .post(url)
            .bearer_auth(self.token.expose_secret())
            .timeout(TRANSFER_TIMEOUT)
            .multipart(form)
            .send()
            .await;
        let uploaded: Uploaded = answer(response).await?;
        Ok(uploaded.id)
    }

    /// Where and what a medium is (an inbound photo, a document). Its URL works for minutes.
    pub async fn media_info(&self, media_id: &str) -> Result<MediaInfo, GraphError> {
        if media_id.is_empty() || !media_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            return Err(GraphError::Permanent { code: None, message: format!("`{media_id}` is not a media id") });
        }
        let url = format!("{}/{media_id}", self.base);
        let response = self.http.get(url).bearer_auth(self.token.expose_secret()).send().await;
        answer(response).await
    }

    /// The bytes at a [`MediaInfo::url`], refused beyond [`MAX_DOWNLOAD`]. Meta serves media
    /// only to the same bearer token, so only pass URLs the Graph API gave.
    pub async fn download(&self, url: &str) -> Result<Vec<u8>, GraphError> {
        let url = reqwest::Url::parse(url)
            .map_err(|e| GraphError::Permanent { code: None, message: format!("media URL `{url}`: {e}") })?;
        let response = self
            .http
            .get(url)
            .bearer_auth(self.token.expose_secret())
            .timeout(TRANSFER_TIMEOUT)
            .send()
            .await
            .map_err(|e| GraphError::from_transport(&e))?;
        let status = response.status().as_u16();
        if !response.status().is_success() {
            let body = response.bytes().await.unwrap_or_default();
            return Err(GraphError::from_answer(status, &body));
        }
        let declared =
            response.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if let Some(size) = declared.filter(|&size| size > MAX_DOWNLOAD) {
            return Err(too_large(size));
        }
        let mut response = response;
        let mut bytes = Vec::with_capacity(declared.unwrap_or(0) as usize);
        // Counted as it arrives: a server may send more than it declared, or declare nothing.
        while let Some(chunk) = response.chunk().await.map_err(|e| GraphError::from_transport(&e))? {
            if (bytes.len() + chunk.len()) as u64 > MAX_DOWNLOAD {
                return Err(too_large((bytes.len() + chunk.len()) as u64));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

fn too_large(size: u64) -> GraphError {
    GraphError::Permanent {
        code: None,
        message: format!("media of {size} bytes is over the {MAX_DOWNLOAD}-byte limit"),
    }
}

/// A success body read as `T`, anything else as a [`GraphError`].
async fn answer<T: DeserializeOwned>(response: Result<reqwest::Response, reqwest::Error>) -> Result<T, GraphError> {
    let response = response.map_err(|e| GraphError::from_transport(&e))?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| GraphError::from_transport(&e))?;
    if !(200..300).contains(&status) {
        return Err(GraphError::from_answer(status, &body));
    }
    // A success we cannot read may still have been acted on; the caller's retry limit bounds
    // the duplicates, which beats losing the message.
    serde_json::from_slice(&body)
        .map_err(|e| GraphError::Temporary { code: None, message: format!("unreadable answer (HTTP {status}): {e}") })
}
