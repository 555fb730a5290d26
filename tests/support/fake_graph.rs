//! A fake WhatsApp Cloud API (Graph API) for tests: it listens on 127.0.0.1, speaks the real
//! wire format (JSON message bodies, multipart media uploads, the Graph error envelope), checks
//! the bearer token on every call, records every call, checks each message against the spec's
//! limits (noting each breach in [`FakeGraph::violations`] and refusing it as Meta does), and
//! answers failures injected with [`FakeGraph::fail_next`] exactly as Meta sends them.
//!
//! Include it with `#[path = "support/fake_graph.rs"] mod fake_graph;` and point the client at
//! [`FakeGraph::api_url`]. Layout:
//! - `server`: the axum app: routing, authentication, uploads, media lookups and downloads.
//! - `validate`: what Meta accepts in a message body (schema `Message` and its limits).
//! - `errors`: Meta's error envelopes, code by code.
//! - `webhook`: webhook payloads shaped like the spec's examples, and their signature.
#![allow(dead_code)]

#[path = "fake_graph/errors.rs"]
mod errors;
#[path = "fake_graph/server.rs"]
mod server;
#[path = "fake_graph/validate.rs"]
mod validate;
#[path = "fake_graph/webhook.rs"]
pub mod webhook;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

/// One call the client made, as the server understood it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The message's recipient, for message sends.
    pub to: Option<String>,
    /// The JSON body, or the multipart fields other than the file.
    pub body: Value,
    pub status: u16,
    /// What the fake answered (a send's `messages[0].id` is the wamid).
    pub answer: Value,
}

/// A medium the fake holds: uploaded by the client, or added by a test as if a user sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMedia {
    pub bytes: Vec<u8>,
    pub mime: String,
    pub file_name: Option<String>,
}

/// Failures drawn at random for message sends, from a seed so that a run can be repeated:
/// a share answered HTTP 500 with Graph's transient code 131000 ("Something went wrong"),
/// a share throttled with 130429 ("Rate limit hit", HTTP 400, as Meta answers it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Faults {
    pub seed: u64,
    pub server_errors: f64,
    pub throttled: f64,
}

/// A running fake Graph API. Cheap to clone; the server lives as long as the runtime of the
/// test that started it.
#[derive(Clone)]
pub struct FakeGraph {
    shared: Arc<Shared>,
}

struct Shared {
    token: String,
    phone_number_id: String,
    addr: SocketAddr,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    requests: Vec<Recorded>,
    media: HashMap<String, StoredMedia>,
    last_media: u64,
    last_message: u64,
    last_trace: u64,
    /// Per recipient: (Graph error code, HTTP status) to answer the next sends with.
    failures: HashMap<String, VecDeque<(i64, u16)>>,
    faults: Option<Faults>,
    /// xorshift64 state for [`Faults`].
    dice: u64,
    violations: Vec<String>,
    /// Message ids marked read, in order.
    read: Vec<String>,
    /// Where Meta posts statuses (the app's webhook URL and secret), once set.
    status_webhook: Option<(String, String)>,
}

impl State {
    fn new_media_id(&mut self) -> String {
        self.last_media += 1;
        // Meta's media ids are 15-16 digits.
        format!("{}", 1_000_000_000_000_000 + self.last_media)
    }

    /// A random (Graph error code, HTTP status) for a send, when faults are injected.
    fn random_failure(&mut self) -> Option<(i64, u16)> {
        let faults = self.faults?;
        self.dice ^= self.dice << 13;
        self.dice ^= self.dice >> 7;
        self.dice ^= self.dice << 17;
        let roll = (self.dice >> 11) as f64 / (1u64 << 53) as f64;
        if roll < faults.server_errors {
            Some((131000, 500))
        } else if roll < faults.server_errors + faults.throttled {
            Some((130429, 400))
        } else {
            None
        }
    }

    fn new_wamid(&mut self, to: &str) -> String {
        self.last_message += 1;
        format!("wamid.HBgN{to}FQIAERgS{:020X}AA==", self.last_message)
    }

    fn new_trace(&mut self) -> String {
        self.last_trace += 1;
        format!("AXsgnV2Cm3ZMGF3dF_{:05}", self.last_trace)
    }
}

impl FakeGraph {
    /// Binds 127.0.0.1:0 and spawns the server on the current tokio runtime.
    pub async fn start(token: &str, phone_number_id: &str) -> FakeGraph {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            token: token.to_owned(),
            phone_number_id: phone_number_id.to_owned(),
            addr,
            state: Mutex::new(State::default()),
        });
        let fake = FakeGraph { shared };
        tokio::spawn(server::serve(listener, fake.clone()));
        fake
    }

    /// Post a `sent` status of every accepted message to `url`, signed with `app_secret`,
    /// carrying the message's `biz_opaque_callback_data` as Meta does, a moment after the
    /// send's answer (Meta promises no order between the two).
    pub fn post_statuses_to(&self, url: &str, app_secret: &str) {
        self.state().status_webhook = Some((url.to_owned(), app_secret.to_owned()));
    }

    /// What `WHATSAPP_API_URL` takes.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    pub fn token(&self) -> &str {
        &self.shared.token
    }

    pub fn phone_number_id(&self) -> &str {
        &self.shared.phone_number_id
    }

    /// Every call, in order, including refused ones.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// The bodies of the messages accepted for `to`, in order.
    pub fn sent_to(&self, to: &str) -> Vec<Value> {
        self.state()
            .requests
            .iter()
            .filter(|r| r.status == 200 && r.to.as_deref() == Some(to))
            .map(|r| r.body.clone())
            .collect()
    }

    /// The accepted messages to `to` with the wamid each got, in order.
    pub fn delivered_to(&self, to: &str) -> Vec<(String, Value)> {
        self.state()
            .requests
            .iter()
            .filter(|r| r.status == 200 && r.to.as_deref() == Some(to))
            .map(|r| (r.answer["messages"][0]["id"].as_str().unwrap_or_default().to_owned(), r.body.clone()))
            .collect()
    }

    /// Every message send to `to`, accepted or not.
    pub fn attempts_to(&self, to: &str) -> Vec<Recorded> {
        self.state().requests.iter().filter(|r| r.to.as_deref() == Some(to)).cloned().collect()
    }

    /// Makes a medium known, as if a user had sent it; answers its id.
    pub fn add_media(&self, bytes: Vec<u8>, mime: &str) -> String {
        let mut state = self.state();
        let id = state.new_media_id();
        state.media.insert(id.clone(), StoredMedia { bytes, mime: mime.to_owned(), file_name: None });
        id
    }

    /// A medium the client uploaded (or a test added).
    pub fn media(&self, id: &str) -> Option<StoredMedia> {
        self.state().media.get(id).cloned()
    }

    /// Answers the next send to `to` with Graph error `code` and `http_status`, as Meta does.
    pub fn fail_next(&self, to: &str, code: i64, http_status: u16) {
        self.state().failures.entry(to.to_owned()).or_default().push_back((code, http_status));
    }

    /// From now on, fail a share of the message sends at random; see [`Faults`].
    pub fn inject_faults(&self, faults: Faults) {
        let mut state = self.state();
        state.dice = faults.seed | 1;
        state.faults = Some(faults);
    }

    /// Every breach of the spec or of Meta's limits seen so far.
    /// The incoming messages the business marked read, in order.
    pub fn read_receipts(&self) -> Vec<String> {
        self.state().read.clone()
    }

    pub fn violations(&self) -> Vec<String> {
        self.state().violations.clone()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
