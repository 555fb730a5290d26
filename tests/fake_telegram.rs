//! The fake Telegram Bot API server checked against teloxide itself: what teloxide sends is
//! parsed and recorded, what the fake answers deserialises, Telegram's limits are refused
//! like Telegram refuses them, and each injected failure reaches teloxide as the error the
//! production Sender has to map.

#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use fake_telegram::{Failure, FakeTelegram};
use serde_json::{Value, json};
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQueryId, FileId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, ParseMode, Seconds, UpdateKind,
};
use teloxide::{ApiError, RequestError};

const TOKEN: &str = "123456:TEST-token";
const CHAT: i64 = 424_242;

async fn start() -> (FakeTelegram, Bot) {
    let fake = FakeTelegram::start(TOKEN).await;
    let bot = Bot::new(TOKEN).set_api_url(reqwest::Url::parse(&fake.api_url()).unwrap());
    (fake, bot)
}

fn keyboard(data: &str) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback("Terima", data)]])
}

#[tokio::test]
async fn get_me_answers_the_bot_as_teloxide_expects_it() {
    let (fake, bot) = start().await;

    let me = bot.get_me().await.unwrap();

    assert_eq!(me.user.id, UserId(123_456));
    assert!(me.user.is_bot);
    assert_eq!(me.username(), "sigap_test_bot");
    assert_eq!(fake.calls("getMe").len(), 1);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn a_message_with_an_inline_keyboard_is_recorded_with_its_reply_markup() {
    let (fake, bot) = start().await;

    let sent = bot.send_message(ChatId(CHAT), "Laporan diterima").reply_markup(keyboard("t:1:accept")).await.unwrap();

    assert_eq!(sent.chat.id, ChatId(CHAT));
    assert_eq!(sent.text(), Some("Laporan diterima"));
    assert_eq!(sent.reply_markup(), Some(&keyboard("t:1:accept")));
    let recorded = fake.sent_to(CHAT);
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].method, "sendMessage");
    assert_eq!(recorded[0].body["text"], "Laporan diterima");
    assert_eq!(recorded[0].body["reply_markup"]["inline_keyboard"][0][0]["callback_data"], "t:1:accept");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn message_ids_increase_per_chat() {
    let (_fake, bot) = start().await;

    let first = bot.send_message(ChatId(CHAT), "satu").await.unwrap();
    let other = bot.send_message(ChatId(CHAT + 1), "lain").await.unwrap();
    let second = bot.send_message(ChatId(CHAT), "dua").await.unwrap();

    assert_eq!((first.id.0, second.id.0, other.id.0), (1, 2, 1));
}

#[tokio::test]
async fn a_text_of_5000_characters_is_refused_and_recorded_as_a_violation() {
    let (fake, bot) = start().await;

    let result = bot.send_message(ChatId(CHAT), "é".repeat(5000)).await;

    assert!(matches!(result, Err(RequestError::Api(ApiError::MessageIsTooLong))), "{result:?}");
    assert_eq!(fake.violations(), vec!["sendMessage: Bad Request: message is too long".to_owned()]);
    assert!(fake.sent_to(CHAT).is_empty());
    assert_eq!(fake.calls("sendMessage")[0].status, 400);
}

#[tokio::test]
async fn a_text_of_4096_characters_is_accepted() {
    let (fake, bot) = start().await;

    bot.send_message(ChatId(CHAT), "é".repeat(4096)).await.unwrap();

    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn callback_data_of_65_bytes_is_refused() {
    let (fake, bot) = start().await;

    let result = bot.send_message(ChatId(CHAT), "Pilih").reply_markup(keyboard(&"x".repeat(65))).await;

    assert!(matches!(result, Err(RequestError::Api(ApiError::ButtonDataInvalid))), "{result:?}");
    assert_eq!(fake.violations(), vec!["sendMessage: Bad Request: BUTTON_DATA_INVALID".to_owned()]);
}

#[tokio::test]
async fn markdown_v2_with_an_unescaped_reserved_character_is_refused() {
    let (fake, bot) = start().await;

    let result = bot.send_message(ChatId(CHAT), "Tiket GJ-2026-000001.").parse_mode(ParseMode::MarkdownV2).await;

    assert!(result.is_err(), "{result:?}");
    assert!(fake.violations()[0].contains("Character '-' is reserved"), "{:?}", fake.violations());
}

#[tokio::test]
async fn html_markup_does_not_count_toward_the_length() {
    let (fake, bot) = start().await;

    let text = format!("<b>{}</b>", "a".repeat(4096));
    bot.send_message(ChatId(CHAT), text).parse_mode(ParseMode::Html).await.unwrap();

    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn a_photo_upload_is_parsed_from_multipart_with_its_bytes_and_caption() {
    let (fake, bot) = start().await;
    let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];

    let sent = bot
        .send_photo(ChatId(CHAT), InputFile::memory(jpeg.clone()).file_name("a.jpg"))
        .caption("Foto perangkat")
        .reply_markup(keyboard("t:1:ok"))
        .await
        .unwrap();

    assert_eq!(sent.caption(), Some("Foto perangkat"));
    assert!(sent.photo().is_some_and(|sizes| !sizes.is_empty()));
    let call = &fake.calls("sendPhoto")[0];
    assert_eq!(call.body["chat_id"], json!(CHAT));
    assert_eq!(call.body["caption"], "Foto perangkat");
    assert_eq!(call.body["reply_markup"]["inline_keyboard"][0][0]["text"], "Terima");
    assert_eq!(call.files.len(), 1);
    assert_eq!(call.files[0].field, "photo");
    assert_eq!(call.files[0].file_name.as_deref(), Some("a.jpg"));
    assert_eq!(call.files[0].bytes, jpeg);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn a_caption_over_1024_characters_is_refused() {
    let (fake, bot) = start().await;

    let result =
        bot.send_photo(ChatId(CHAT), InputFile::memory(vec![1]).file_name("a.jpg")).caption("a".repeat(1025)).await;

    assert!(result.is_err(), "{result:?}");
    assert_eq!(fake.violations(), vec!["sendPhoto: Bad Request: message caption is too long".to_owned()]);
}

#[tokio::test]
async fn get_updates_returns_pushed_updates_and_forgets_those_below_the_offset() {
    let (fake, bot) = start().await;
    let first = fake.push_update(fake.message_from(7, "/start"));
    let second = fake.push_update(fake.photo_from(7, "photo-of-router", Some("Router mati")));
    let third = fake.push_update(fake.callback_from(7, 1, "t:1:accept"));
    let fourth = fake.push_update(fake.contact_from(7, "+6281234567890"));

    let all = bot.get_updates().await.unwrap();
    let rest = bot.get_updates().offset((second + 1) as i32).await.unwrap();
    let again = bot.get_updates().await.unwrap();

    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|u| !matches!(u.kind, UpdateKind::Error(_))), "{all:?}");
    assert!(matches!(&all[0].kind, UpdateKind::Message(m) if m.text() == Some("/start")));
    assert!(matches!(&all[1].kind, UpdateKind::Message(m) if m.caption() == Some("Router mati")));
    assert!(matches!(&all[2].kind, UpdateKind::CallbackQuery(q) if q.data.as_deref() == Some("t:1:accept")));
    assert!(matches!(&all[3].kind, UpdateKind::Message(m) if m.contact().is_some()));
    let ids = |updates: &[Update]| updates.iter().map(|u| i64::from(u.id.0)).collect::<Vec<_>>();
    assert_eq!(ids(&all), vec![first, second, third, fourth]);
    assert_eq!(ids(&rest), vec![third, fourth]);
    assert_eq!(ids(&again), vec![third, fourth], "updates below the offset stay forgotten");
    assert_eq!(fake.acknowledged_offset(), second + 1);
}

#[tokio::test]
async fn long_polling_returns_when_nothing_arrives() {
    let (_fake, bot) = start().await;

    let updates = bot.get_updates().timeout(30).await.unwrap();

    assert!(updates.is_empty());
}

#[tokio::test]
async fn long_polling_wakes_up_for_an_update_pushed_while_waiting() {
    let (fake, bot) = start().await;
    let pusher = fake.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        pusher.push_update(pusher.message_from(7, "halo"));
    });

    let updates = bot.get_updates().timeout(30).await.unwrap();

    assert_eq!(updates.len(), 1);
}

#[tokio::test]
async fn a_file_is_found_with_get_file_and_downloaded() {
    let (fake, bot) = start().await;
    fake.add_file("photo-of-router", b"JPEG bytes".to_vec());

    let file = bot.get_file(FileId("photo-of-router".into())).await.unwrap();
    let mut downloaded = Vec::new();
    bot.download_file(&file.path, &mut downloaded).await.unwrap();

    assert_eq!(downloaded, b"JPEG bytes");
    assert_eq!(file.size, 10);
}

#[tokio::test]
async fn an_uploaded_photo_can_be_downloaded_by_the_file_id_telegram_answered() {
    let (_fake, bot) = start().await;
    let sent = bot.send_photo(ChatId(CHAT), InputFile::memory(b"pixels".to_vec()).file_name("a.jpg")).await.unwrap();
    let largest = sent.photo().unwrap().last().unwrap().file.id.clone();

    let file = bot.get_file(largest).await.unwrap();
    let mut downloaded = Vec::new();
    bot.download_file(&file.path, &mut downloaded).await.unwrap();

    assert_eq!(downloaded, b"pixels");
}

#[tokio::test]
async fn editing_a_message_to_the_same_text_is_not_modified() {
    let (fake, bot) = start().await;
    let sent = bot.send_message(ChatId(CHAT), "Status: baru").reply_markup(keyboard("t:1:accept")).await.unwrap();

    let edited = bot.edit_message_text(ChatId(CHAT), sent.id, "Status: diproses").await.unwrap();
    let again = bot.edit_message_text(ChatId(CHAT), sent.id, "Status: diproses").await;

    assert_eq!(edited.text(), Some("Status: diproses"));
    assert_eq!(edited.reply_markup(), None, "an edit without reply_markup removes the keyboard");
    assert!(matches!(again, Err(RequestError::Api(ApiError::MessageNotModified))), "{again:?}");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn answering_a_callback_query_with_more_than_200_characters_is_refused() {
    let (fake, bot) = start().await;

    let ok = bot.answer_callback_query(CallbackQueryId("1".into())).text("Diterima").await;
    let long = bot.answer_callback_query(CallbackQueryId("2".into())).text("a".repeat(201)).await;

    assert!(ok.is_ok(), "{ok:?}");
    assert!(long.is_err(), "{long:?}");
    assert_eq!(fake.violations(), vec!["answerCallbackQuery: Bad Request: MESSAGE_TOO_LONG".to_owned()]);
}

#[tokio::test]
async fn too_many_requests_reaches_teloxide_as_retry_after() {
    let (fake, bot) = start().await;
    fake.fail_next("SendMessage", 1, Failure::TooManyRequests { retry_after: 7 });

    let first = bot.send_message(ChatId(CHAT), "a").await;
    let second = bot.send_message(ChatId(CHAT), "b").await;

    assert!(matches!(first, Err(RequestError::RetryAfter(s)) if s == Seconds::from_seconds(7)), "{first:?}");
    assert!(second.is_ok(), "only the next call fails: {second:?}");
    assert_eq!(fake.calls("sendMessage")[0].status, 429);
    assert_eq!(fake.sent_to(CHAT).len(), 1);
}

#[tokio::test]
async fn a_blocked_bot_reaches_teloxide_as_bot_blocked() {
    let (fake, bot) = start().await;
    fake.fail_next("sendMessage", 1, Failure::BotBlocked);

    let result = bot.send_message(ChatId(CHAT), "a").await;

    assert!(matches!(result, Err(RequestError::Api(ApiError::BotBlocked))), "{result:?}");
}

#[tokio::test]
async fn a_missing_chat_reaches_teloxide_as_chat_not_found() {
    let (fake, bot) = start().await;
    fake.fail_next("sendPhoto", 1, Failure::ChatNotFound);

    let result = bot.send_photo(ChatId(CHAT), InputFile::memory(vec![1]).file_name("a.jpg")).await;

    assert!(matches!(result, Err(RequestError::Api(ApiError::ChatNotFound))), "{result:?}");
}

#[tokio::test]
async fn a_dropped_connection_reaches_teloxide_as_a_network_error() {
    let (fake, bot) = start().await;
    fake.fail_next("sendMessage", 1, Failure::DropConnection);

    let result = bot.send_message(ChatId(CHAT), "a").await;
    let after = bot.send_message(ChatId(CHAT), "b").await;

    assert!(matches!(result, Err(RequestError::Network(_))), "{result:?}");
    assert!(after.is_ok(), "the next call gets a new connection: {after:?}");
    assert_eq!(fake.calls("sendMessage")[0].status, 0);
}

/// teloxide has no variant for a 5xx: it sleeps 10 s (`DELAY_ON_SERVER_ERROR` in
/// teloxide-core's `net/request.rs`), then parses the body, and the description "Internal
/// Server Error" matches no known error, so it arrives as
/// `RequestError::Api(ApiError::Unknown("Internal Server Error"))`. The Sender must map that
/// one (and any `Unknown` it cannot place) to a retry.
#[tokio::test]
async fn a_server_error_reaches_teloxide_as_an_unknown_api_error_after_ten_seconds() {
    let (fake, bot) = start().await;
    fake.fail_next("sendMessage", 1, Failure::ServerError);

    let result = bot.send_message(ChatId(CHAT), "a").await;

    assert!(
        matches!(&result, Err(RequestError::Api(ApiError::Unknown(d))) if d == "Internal Server Error"),
        "{result:?}"
    );
}

async fn raw(fake: &FakeTelegram, path: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new().post(format!("{}{path}", fake.api_url())).json(&body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_wrong_token_or_an_unknown_method_is_not_found_and_a_violation() {
    let fake = FakeTelegram::start(TOKEN).await;

    let wrong_token = raw(&fake, "bot999:nope/sendMessage", json!({ "chat_id": 1, "text": "a" })).await;
    let unknown = raw(&fake, &format!("bot{TOKEN}/sendTelepathy"), json!({})).await;

    let not_found = json!({ "ok": false, "error_code": 404, "description": "Not Found" });
    assert_eq!(wrong_token, (404, not_found.clone()));
    assert_eq!(unknown, (404, not_found));
    assert_eq!(fake.violations().len(), 2, "{:?}", fake.violations());
}

#[tokio::test]
async fn a_missing_required_field_is_refused_as_telegram_does() {
    let fake = FakeTelegram::start(TOKEN).await;

    let answer = raw(&fake, &format!("bot{TOKEN}/sendmessage"), json!({ "text": "a" })).await;

    assert_eq!(
        answer,
        (400, json!({ "ok": false, "error_code": 400, "description": "Bad Request: chat_id is empty" }))
    );
    assert_eq!(fake.violations(), vec!["sendMessage: Bad Request: chat_id is empty".to_owned()]);
}

#[tokio::test]
async fn form_and_query_parameters_are_parsed_by_their_spec_types() {
    let fake = FakeTelegram::start(TOKEN).await;
    let markup = json!({ "inline_keyboard": [[{ "text": "Ya", "callback_data": "y" }]] }).to_string();

    let response = reqwest::Client::new()
        .post(format!("{}bot{TOKEN}/sendMessage?disable_notification=true", fake.api_url()))
        .form(&[("chat_id", "42"), ("text", "123"), ("reply_markup", markup.as_str())])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body = &fake.calls("sendMessage")[0].body;
    assert_eq!(body["chat_id"], json!(42));
    assert_eq!(body["text"], json!("123"), "a String field stays a string");
    assert_eq!(body["disable_notification"], json!(true));
    assert_eq!(body["reply_markup"]["inline_keyboard"][0][0]["callback_data"], "y");
}

#[tokio::test]
async fn a_teloxide_dispatcher_polls_the_fake_and_its_reply_is_recorded() {
    let (fake, bot) = start().await;
    fake.push_update(fake.message_from(7, "ping"));
    let handler = Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
        bot.send_message(msg.chat.id, "pong").await?;
        respond(())
    });
    let mut dispatcher = Dispatcher::builder(bot, handler).build();
    let shutdown = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    let mut replies = Vec::new();
    for _ in 0..100 {
        replies = fake.sent_to(7);
        if !replies.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    shutdown.shutdown().unwrap().await;
    running.await.unwrap();

    assert_eq!(replies.len(), 1, "{:?}", fake.requests());
    assert_eq!(replies[0].body["text"], "pong");
    assert!(fake.acknowledged_offset() > 1, "the update was acknowledged");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}
