//! A fake Telegram Bot API server for tests: it listens on 127.0.0.1, speaks the real wire
//! format (the same JSON, form and multipart bodies teloxide sends, the same `{"ok":..}`
//! answers and error descriptions Telegram gives), records every call, serves queued updates
//! to `getUpdates`, and refuses what Telegram would refuse, noting each breach in
//! [`FakeTelegram::violations`].
//!
//! Include it with `#[path = "support/fake_telegram.rs"] mod fake_telegram;` and point the bot
//! at [`FakeTelegram::api_url`]. Layout:
//! - `spec`: the implemented methods' fields (a fixture cut from the official spec) and the
//!   limits Telegram states in prose; turns form and multipart strings back into JSON.
//! - `entities`: the text as shown after `parse_mode`, and "can't parse entities" refusals.
//! - `server`: the axum app: routing, body parsing, failure injection.
//! - `connection`: sockets the server can drop without answering.
//! - `methods`: what each method answers.
//! - `objects`: realistic `Message`, `User` and `Update` JSON.
#![allow(dead_code)]

#[path = "fake_telegram/connection.rs"]
mod connection;
#[path = "fake_telegram/entities.rs"]
mod entities;
#[path = "fake_telegram/methods.rs"]
mod methods;
#[path = "fake_telegram/objects.rs"]
mod objects;
#[path = "fake_telegram/server.rs"]
mod server;
#[path = "fake_telegram/spec.rs"]
mod spec;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};

/// One call the bot made, as the server understood it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// Canonical camelCase name (`sendMessage`), or the name as sent when it is unknown.
    pub method: String,
    /// All parameters as one JSON object: query string, JSON body, form or multipart fields;
    /// form and multipart strings are turned back into numbers, booleans and objects using the
    /// field types of the spec (so `reply_markup` is an object, `chat_id` a number).
    pub body: Value,
    /// Files uploaded with multipart/form-data.
    pub files: Vec<RecordedFile>,
    /// The HTTP status the fake answered with (200, 400, 403, 429, 500; 0 for a dropped
    /// connection).
    pub status: u16,
    /// What a successful call returned (the sent `Message`, `true`, …); null otherwise.
    pub result: Value,
}

/// A file part of a multipart request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedFile {
    /// The parameter that refers to the file: `photo`, `document`, `media[1].media`; the part
    /// name when no parameter refers to it with `attach://`.
    pub field: String,
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// A failure to answer the next call(s) of a method with, exactly as Telegram does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 429 with `parameters.retry_after`.
    TooManyRequests { retry_after: u32 },
    /// 500 Internal Server Error.
    ServerError,
    /// 403 "Forbidden: bot was blocked by the user".
    BotBlocked,
    /// 400 "Bad Request: chat not found".
    ChatNotFound,
    /// The connection is closed without any response.
    DropConnection,
}

/// Failures drawn at random for the calls that deliver messages (`send*`, `edit*`), from a
/// seed so that a run can be repeated. Each share is a probability per call; a dropped
/// connection is dropped before the message is taken, as a request lost on the way would be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Faults {
    pub seed: u64,
    /// 500 Internal Server Error.
    pub server_errors: f64,
    /// 429 Too Many Requests with `retry_after`.
    pub too_many_requests: f64,
    pub retry_after: u32,
    pub dropped: f64,
}

/// A running fake Bot API server. Cheap to clone; the server lives as long as the runtime
/// of the test that started it.
#[derive(Clone)]
pub struct FakeTelegram {
    shared: Arc<Shared>,
}

struct Shared {
    token: String,
    addr: SocketAddr,
    state: Mutex<State>,
    new_update: tokio::sync::Notify,
}

#[derive(Default)]
struct State {
    requests: Vec<Recorded>,
    updates: VecDeque<Value>,
    last_update_id: i64,
    acknowledged: i64,
    /// Per chat: the last message id used (by the bot or by the user).
    last_message_id: HashMap<i64, i64>,
    /// Messages the bot sent, by (chat, message id), as last edited.
    sent: HashMap<(i64, i64), Value>,
    /// file_id → (file_path, bytes).
    files: HashMap<String, (String, Vec<u8>)>,
    last_file: u64,
    last_callback: u64,
    failures: HashMap<String, VecDeque<Failure>>,
    faults: Option<Faults>,
    /// xorshift64 state for [`Faults`].
    dice: u64,
    violations: Vec<String>,
}

impl State {
    fn next_message_id(&mut self, chat_id: i64) -> i64 {
        let id = self.last_message_id.entry(chat_id).or_insert(0);
        *id += 1;
        *id
    }

    /// A random failure for a call of `method`, when faults are injected.
    fn random_failure(&mut self, method: &str) -> Option<Failure> {
        let faults = self.faults?;
        if !(method.starts_with("send") || method.starts_with("edit")) {
            return None;
        }
        self.dice ^= self.dice << 13;
        self.dice ^= self.dice >> 7;
        self.dice ^= self.dice << 17;
        let roll = (self.dice >> 11) as f64 / (1u64 << 53) as f64;
        if roll < faults.server_errors {
            Some(Failure::ServerError)
        } else if roll < faults.server_errors + faults.too_many_requests {
            Some(Failure::TooManyRequests { retry_after: faults.retry_after })
        } else if roll < faults.server_errors + faults.too_many_requests + faults.dropped {
            Some(Failure::DropConnection)
        } else {
            None
        }
    }

    fn new_file_id(&mut self, kind: &str) -> String {
        self.last_file += 1;
        format!("{kind}-{}", self.last_file)
    }
}

impl FakeTelegram {
    /// Binds 127.0.0.1:0 and spawns the server on the current tokio runtime.
    pub async fn start(token: &str) -> FakeTelegram {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            token: token.to_owned(),
            addr,
            state: Mutex::new(State::default()),
            new_update: tokio::sync::Notify::new(),
        });
        let fake = FakeTelegram { shared };
        tokio::spawn(server::serve(listener, fake.clone()));
        fake
    }

    /// What `TELOXIDE_API_URL` / `Bot::set_api_url` takes.
    pub fn api_url(&self) -> String {
        format!("http://{}/", self.shared.addr)
    }

    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// The bot's own user id: the digits before `:` in the token, else 1.
    pub fn bot_id(&self) -> i64 {
        self.shared.token.split(':').next().and_then(|id| id.parse().ok()).unwrap_or(1)
    }

    /// Every call, in order, including refused ones.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// Every call of one method, by its canonical camelCase name (`sendMessage`).
    pub fn calls(&self, method: &str) -> Vec<Recorded> {
        self.state().requests.iter().filter(|r| r.method.eq_ignore_ascii_case(method)).cloned().collect()
    }

    /// The accepted (status 200) sends and edits addressed to `chat_id`, in order.
    pub fn sent_to(&self, chat_id: i64) -> Vec<Recorded> {
        const ADDRESSED: [&str; 6] =
            ["sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "editMessageText", "editMessageReplyMarkup"];
        self.state()
            .requests
            .iter()
            .filter(|r| r.status == 200 && ADDRESSED.contains(&r.method.as_str()))
            .filter(|r| spec::chat_id(&r.body) == Some(chat_id))
            .cloned()
            .collect()
    }

    /// Queues an update for `getUpdates`; fills `update_id` when absent and returns it.
    pub fn push_update(&self, mut update: Value) -> i64 {
        let id = {
            let mut state = self.state();
            let id = match update.get("update_id").and_then(Value::as_i64) {
                Some(id) => id,
                None => {
                    let id = state.last_update_id + 1;
                    update["update_id"] = json!(id);
                    id
                }
            };
            state.last_update_id = state.last_update_id.max(id);
            state.updates.push_back(update);
            id
        };
        self.shared.new_update.notify_waiters();
        id
    }

    /// A private text message from a user (with a `bot_command` entity when it starts with `/`).
    pub fn message_from(&self, user_id: i64, text: &str) -> Value {
        let mut message = self.user_message(user_id);
        message["text"] = json!(text);
        if let Some(command) = text.strip_prefix('/') {
            let length = 1 + command.split_whitespace().next().unwrap_or("").encode_utf16().count();
            message["entities"] = json!([{ "type": "bot_command", "offset": 0, "length": length }]);
        }
        json!({ "message": message })
    }

    /// A private photo message; `file_id` is the largest size, as clients pick it.
    pub fn photo_from(&self, user_id: i64, file_id: &str, caption: Option<&str>) -> Value {
        let mut message = self.user_message(user_id);
        message["photo"] = objects::photo_sizes(file_id, 0);
        if let Some(caption) = caption {
            message["caption"] = json!(caption);
        }
        json!({ "message": message })
    }

    /// A private document message (a scanned letter), `file_id` known by [`Self::add_file`].
    pub fn document_from(&self, user_id: i64, file_id: &str, file_name: &str, caption: Option<&str>) -> Value {
        let mut message = self.user_message(user_id);
        message["document"] = objects::document(file_id, Some(file_name), 1000);
        if let Some(caption) = caption {
            message["caption"] = json!(caption);
        }
        json!({ "message": message })
    }

    /// A private sticker message: something SIGAP does not read.
    pub fn sticker_from(&self, user_id: i64) -> Value {
        let mut message = self.user_message(user_id);
        message["sticker"] = json!({
            "file_id": "sticker-1", "file_unique_id": "u-sticker-1", "type": "regular",
            "width": 512, "height": 512, "is_animated": false, "is_video": false
        });
        json!({ "message": message })
    }

    /// A private voice note.
    pub fn voice_from(&self, user_id: i64) -> Value {
        let mut message = self.user_message(user_id);
        message["voice"] = json!({ "file_id": "voice-1", "file_unique_id": "u-voice-1", "duration": 4 });
        json!({ "message": message })
    }

    /// A press on an inline button of message `message_id` in the user's private chat.
    pub fn callback_from(&self, user_id: i64, message_id: i64, data: &str) -> Value {
        let mut state = self.state();
        state.last_callback += 1;
        let id = format!("{}", 4_000_000_000_000_000_000u64 + state.last_callback);
        let message = state.sent.get(&(user_id, message_id)).cloned().unwrap_or_else(|| {
            let mut message = objects::message(message_id, user_id, objects::bot_user(self.bot_id()));
            message["text"] = json!("");
            message
        });
        json!({
            "callback_query": {
                "id": id,
                "from": objects::user(user_id),
                "message": message,
                "chat_instance": format!("{}", -7_000_000_000_000i64 - user_id),
                "data": data,
            }
        })
    }

    /// A private message sharing the user's own contact (the "share my number" button).
    pub fn contact_from(&self, user_id: i64, phone: &str) -> Value {
        let mut message = self.user_message(user_id);
        message["contact"] =
            json!({ "phone_number": phone, "first_name": objects::first_name(user_id), "user_id": user_id });
        json!({ "message": message })
    }

    /// Makes `file_id` known to `getFile` and downloadable from `/file/bot<token>/<file_path>`.
    pub fn add_file(&self, file_id: &str, bytes: Vec<u8>) {
        let mut state = self.state();
        let path = format!("documents/file_{}.bin", state.files.len());
        state.files.insert(file_id.to_owned(), (path, bytes));
    }

    /// Answers the next `times` calls of `method` (any case) with `failure`.
    pub fn fail_next(&self, method: &str, times: usize, failure: Failure) {
        let method = spec::canonical(method).unwrap_or(method).to_owned();
        self.state().failures.entry(method).or_default().extend(std::iter::repeat_n(failure, times));
    }

    /// From now on, fail a share of the delivering calls at random; see [`Faults`].
    pub fn inject_faults(&self, faults: Faults) {
        let mut state = self.state();
        state.dice = faults.seed | 1;
        state.faults = Some(faults);
    }

    /// Calls recorded from position `from` on, and the position after the last of them: a
    /// driver reading a long run keeps its place instead of copying every call each time.
    pub fn requests_since(&self, from: usize) -> (Vec<Recorded>, usize) {
        let state = self.state();
        let from = from.min(state.requests.len());
        (state.requests[from..].to_vec(), state.requests.len())
    }

    /// The messages the bot sent to `chat_id` as the chat shows them now (edits applied),
    /// oldest first.
    pub fn shown_in(&self, chat_id: i64) -> Vec<Value> {
        let state = self.state();
        let mut shown: Vec<(i64, Value)> =
            state.sent.iter().filter(|((chat, _), _)| *chat == chat_id).map(|((_, id), m)| (*id, m.clone())).collect();
        shown.sort_by_key(|(id, _)| *id);
        shown.into_iter().map(|(_, m)| m).collect()
    }

    /// Every breach of the spec or of Telegram's limits seen so far.
    pub fn violations(&self) -> Vec<String> {
        self.state().violations.clone()
    }

    /// The highest `offset` `getUpdates` was called with (0 before any).
    pub fn acknowledged_offset(&self) -> i64 {
        self.state().acknowledged
    }

    fn user_message(&self, user_id: i64) -> Value {
        let id = self.state().next_message_id(user_id);
        objects::message(id, user_id, objects::user(user_id))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
