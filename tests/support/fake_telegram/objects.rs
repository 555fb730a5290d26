//! Realistic Bot API objects (`User`, `Chat`, `Message`, `PhotoSize`, `File`) as JSON, shaped
//! like Telegram's answers so that teloxide deserialises them.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

pub fn first_name(user_id: i64) -> String {
    format!("User {user_id}")
}

/// A human user, as seen in a private chat.
pub fn user(user_id: i64) -> Value {
    json!({ "id": user_id, "is_bot": false, "first_name": first_name(user_id), "language_code": "id" })
}

/// The bot, as the `from` of its own messages.
pub fn bot_user(bot_id: i64) -> Value {
    json!({ "id": bot_id, "is_bot": true, "first_name": "SIGAP", "username": "sigap_test_bot" })
}

/// The bot, as `getMe` answers it (the spec marks these fields "Returned only in getMe").
pub fn me(bot_id: i64) -> Value {
    let mut me = bot_user(bot_id);
    for field in [
        "can_join_groups",
        "can_read_all_group_messages",
        "supports_inline_queries",
        "can_connect_to_business",
        "has_main_web_app",
        "has_topics_enabled",
        "allows_users_to_create_topics",
    ] {
        me[field] = json!(field == "can_join_groups");
    }
    me
}

/// A message in the private chat `chat_id`, without content.
pub fn message(message_id: i64, chat_id: i64, from: Value) -> Value {
    json!({
        "message_id": message_id,
        "from": from,
        "chat": { "id": chat_id, "type": "private", "first_name": first_name(chat_id) },
        "date": now(),
    })
}

/// Two sizes of one photo, the larger being `file_id`, as Telegram lists them (smallest first).
pub fn photo_sizes(file_id: &str, file_size: usize) -> Value {
    json!([
        { "file_id": format!("{file_id}-thumb"), "file_unique_id": unique(&format!("{file_id}-thumb")),
          "width": 90, "height": 68, "file_size": file_size.min(1500) },
        { "file_id": file_id, "file_unique_id": unique(file_id), "width": 1280, "height": 960, "file_size": file_size },
    ])
}

pub fn document(file_id: &str, file_name: Option<&str>, file_size: usize) -> Value {
    let mut document = json!({ "file_id": file_id, "file_unique_id": unique(file_id), "file_size": file_size });
    if let Some(name) = file_name {
        document["file_name"] = json!(name);
    }
    document
}

pub fn file(file_id: &str, file_path: &str, file_size: usize) -> Value {
    json!({ "file_id": file_id, "file_unique_id": unique(file_id), "file_size": file_size, "file_path": file_path })
}

/// A short stable id, like Telegram's `file_unique_id`.
fn unique(file_id: &str) -> String {
    let hash = file_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    format!("AQAD{hash:016x}")
}
