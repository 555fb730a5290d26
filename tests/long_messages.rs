//! Messages too long for one API call, sent by the real binary through flaky platforms: a
//! long Telegram text goes out in pieces, a long WhatsApp text with buttons as texts and then
//! the buttons. Under about 30 % injected 500s and 429s every piece arrives exactly once and
//! in order, as a retry resumes after the pieces the platform accepted; and the pieces are cut
//! where each platform counts (Telegram in UTF-16 code units, so an emoji takes two).

#[path = "support/crowd.rs"]
mod crowd;
#[path = "common/db.rs"]
mod db;
#[path = "support/fake_graph.rs"]
mod fake_graph;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use std::path::Path;
use std::time::{Duration, Instant};

use fake_graph::FakeGraph;
use fake_telegram::FakeTelegram;
use sea_orm::DatabaseConnection;
use serde_json::Value;
use sigap::domain::role::Role;
use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::Channel;
use sigap::outbound::{Button, ButtonAction, Choice, ChoiceButton, OutboundMessage, Pick, kind};
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind};
use sigap::store::outbox::{self, NewOutbound};
use sigap::store::{self, inbound};

const TOKEN: &str = "717:LONG-MESSAGES";
const WA_TOKEN: &str = "EAAG-LONG";
const PHONE_ID: &str = "106540352242923";
const CHAT: i64 = 7_001;
const PHONE: &str = "+6281255500001";
/// Long messages queued per chat.
const MESSAGES: usize = 6;

/// A person with a Telegram chat and one with a WhatsApp number whose window is open.
async fn seed(db: &DatabaseConnection) -> (i64, i64) {
    let now = chrono::Utc::now();
    let org = NewOrg { code: "DINKES".into(), name: "Dinas Kesehatan".into(), kind: OrgKind::Opd };
    directory::import_orgs(db, &[org], now).await.unwrap();
    let person = |name: &str, identity: (Channel, String)| NewPerson {
        name: name.into(),
        org_code: Some("DINKES".into()),
        locale: "id".into(),
        roles: vec![Role::Kasi],
        identities: vec![identity],
    };
    let tg = directory::add_person(db, &person("Sari", (Channel::Telegram, CHAT.to_string())), now).await.unwrap();
    let wa = directory::add_person(db, &person("Wati", (Channel::Whatsapp, PHONE.into())), now).await.unwrap();
    inbound::touch_window(db, Channel::Whatsapp, PHONE, now).await.unwrap();
    (tg.id, wa.id)
}

/// Message `n`: numbered lines (`[n.0001]`, …) long enough to need `pieces` API calls.
fn numbered_text(n: usize, chars: usize) -> String {
    let mut lines = Vec::new();
    let mut length = 0;
    let mut i = 0;
    while length < chars {
        i += 1;
        let line = format!("[{n}.{i:04}] Gangguan jaringan di ruang server lantai {}, switch inti dicek ulang", i % 7);
        length += line.chars().count() + 1;
        lines.push(line);
    }
    lines.join("\n")
}

/// Every `[n.iiii]` mark in `text`, in order.
fn marks(text: &str) -> Vec<String> {
    text.match_indices('[')
        .filter_map(|(at, _)| text[at..].find(']').map(|end| text[at..at + end + 1].to_owned()))
        .filter(|m| m.contains('.'))
        .collect()
}

fn card_buttons() -> Vec<Button> {
    let action = |kind| ButtonAction { ticket_id: 1, version: 1, kind, to: None, arg: None };
    vec![
        Button { label: "Mulai cek".into(), action: action(ActionKind::Start) },
        Button { label: "Tolak".into(), action: action(ActionKind::Reject) },
    ]
}

fn choices(count: u32) -> Vec<ChoiceButton> {
    (0..count)
        .map(|page| ChoiceButton {
            label: format!("Halaman {}", page + 1),
            choice: Choice { revision: 1, pick: Pick::Page(page) },
        })
        .collect()
}

fn queued(person: i64, channel: Channel, address: &str, message: OutboundMessage) -> NewOutbound {
    NewOutbound {
        person_id: Some(person),
        channel,
        address: address.into(),
        ticket_id: None,
        kind: kind::UPDATE,
        message,
    }
}

fn graph_text(body: &Value) -> String {
    [&body["text"]["body"], &body["interactive"]["body"]["text"]]
        .iter()
        .find_map(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

/// `sigap serve` on both fakes with retries starting at 50 ms, until the outbox is empty.
async fn deliver(db: &DatabaseConnection, url: &str, data: &Path, telegram: &FakeTelegram, graph: &FakeGraph) {
    let settings = [
        ("WHATSAPP_API_URL", graph.api_url()),
        ("WHATSAPP_PHONE_NUMBER_ID", PHONE_ID.to_owned()),
        ("WHATSAPP_ACCESS_TOKEN", WA_TOKEN.to_owned()),
        ("WHATSAPP_APP_SECRET", "long-app-secret".to_owned()),
        ("WHATSAPP_VERIFY_TOKEN", "long-verify".to_owned()),
        ("SIGAP_WHATSAPP_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_WHATSAPP_PER_SECOND", "100000".to_owned()),
        ("SIGAP_OUTBOX_RETRY_BASE_MS", "50".to_owned()),
    ];
    let bin = Path::new(env!("CARGO_BIN_EXE_sigap"));
    let log = data.join("serve.log");
    let child = crowd::serve(bin, url, data, telegram, &log, &settings);
    let deadline = Instant::now() + Duration::from_secs(240);
    while outbox::backlog(db).await.unwrap().0 > 0 {
        if Instant::now() > deadline {
            crowd::stop(child);
            let stuck: Vec<_> = outbox::pending(db).await.unwrap().into_iter().take(3).collect();
            panic!("still waiting: {stuck:#?}\n{}", std::fs::read_to_string(&log).unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    crowd::stop(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_thirty_percent_faults_every_part_of_a_long_message_arrives_once_and_in_order() {
    let (url, _db_dir) = db::fresh_database().await;
    let data = tempfile::tempdir().unwrap();
    let db = store::connect(&url).await.unwrap();
    store::migrate(&db).await.unwrap();
    let (tg, wa) = seed(&db).await;
    // Telegram: ~14,000 characters each (4 pieces), the last with a card's buttons.
    // WhatsApp: ~9,000 each (3 texts, then the buttons under the last 1,024), some as lists.
    let mut rows = Vec::new();
    let mut expected_tg = Vec::new();
    let mut expected_wa = Vec::new();
    for n in 0..MESSAGES {
        let text = numbered_text(n, 14_000);
        expected_tg.extend(marks(&text));
        let buttons = if n == MESSAGES - 1 { card_buttons() } else { Vec::new() };
        rows.push(queued(
            tg,
            Channel::Telegram,
            &CHAT.to_string(),
            OutboundMessage { buttons, ..OutboundMessage::text(text) },
        ));
        let text = numbered_text(100 + n, 9_000);
        expected_wa.extend(marks(&text));
        let choices = choices(if n % 2 == 0 { 3 } else { 12 });
        rows.push(queued(wa, Channel::Whatsapp, PHONE, OutboundMessage { choices, ..OutboundMessage::text(text) }));
    }
    outbox::enqueue(&db, rows, chrono::Utc::now()).await.unwrap();

    let telegram = FakeTelegram::start(TOKEN).await;
    telegram.inject_faults(fake_telegram::Faults {
        seed: 0x10C6_7E57,
        server_errors: 0.20,
        too_many_requests: 0.10,
        retry_after: 1,
        dropped: 0.0,
    });
    let graph = FakeGraph::start(WA_TOKEN, PHONE_ID).await;
    graph.inject_faults(fake_graph::Faults { seed: 0x0DD5_10C6, server_errors: 0.20, throttled: 0.10 });
    deliver(&db, &url, data.path(), &telegram, &graph).await;

    let tg_calls = telegram.calls("sendMessage");
    let tg_failed = |status: u16| tg_calls.iter().filter(|r| r.status == status).count();
    assert!(tg_failed(500) > 5 && tg_failed(429) > 0, "Telegram faults were injected");
    let tg_accepted: Vec<_> = tg_calls.iter().filter(|r| r.status == 200).collect();
    let tg_arrived: Vec<String> =
        tg_accepted.iter().flat_map(|r| marks(r.body["text"].as_str().unwrap_or_default())).collect();
    assert_eq!(tg_arrived, expected_tg, "Telegram: a line lost, repeated or out of order");
    assert!(telegram.violations().is_empty(), "{:?}", telegram.violations());

    let graph_calls: Vec<_> = graph.requests().into_iter().filter(|r| r.to.is_some()).collect();
    let wa_failed = |status: u16| graph_calls.iter().filter(|r| r.status == status).count();
    assert!(wa_failed(500) > 5 && wa_failed(400) > 0, "Graph faults were injected");
    let wa_accepted: Vec<_> = graph_calls.iter().filter(|r| r.status == 200).collect();
    // A second list ("☰ 2/2") repeats only the first line of the first one's body, as a title.
    let repeats = |body: &Value| {
        body["interactive"]["action"]["button"]
            .as_str()
            .is_some_and(|label| label.contains('/') && !label.contains(" 1/"))
    };
    let wa_unique: Vec<String> =
        wa_accepted.iter().filter(|r| !repeats(&r.body)).flat_map(|r| marks(&graph_text(&r.body))).collect();
    let first_difference = wa_unique.iter().zip(&expected_wa).position(|(a, b)| a != b);
    assert_eq!(
        wa_unique,
        expected_wa,
        "WhatsApp: a line lost or out of order, first at {first_difference:?} of {}",
        expected_wa.len()
    );
    assert!(graph.violations().is_empty(), "{:?}", graph.violations());
    assert!(outbox::failed(&db, 10).await.unwrap().is_empty(), "nothing given up on");

    // What the platforms accepted is recorded against its row: each WhatsApp part (for
    // statuses), and the Telegram message carrying the card's buttons (to retire it later).
    for r in &wa_accepted {
        let wamid = r.answer["messages"][0]["id"].as_str().unwrap();
        let row = outbox::by_external_id(&db, Channel::Whatsapp, wamid).await.unwrap();
        assert!(row.is_some_and(|row| row.channel == "whatsapp"), "{wamid} recorded");
    }
    let card = tg_accepted.last().unwrap();
    assert!(card.body["reply_markup"].is_object(), "the buttons ride on the last part");
    let message_id = card.result["message_id"].as_i64().unwrap().to_string();
    let id = sigap::store::cards::telegram_id(&CHAT.to_string(), &message_id);
    let row = outbox::by_external_id(&db, Channel::Telegram, &id).await.unwrap().expect("the card is recorded");
    assert_eq!(row.parts_sent, 4, "the card's four parts");
    println!(
        "Telegram: {} parts in {} sendMessage calls ({} × 500, {} × 429); WhatsApp: {} parts in {} calls \
         ({} × 500, {} × 130429); every part once, in order",
        tg_accepted.len(),
        tg_calls.len(),
        tg_failed(500),
        tg_failed(429),
        wa_accepted.len(),
        graph_calls.len(),
        wa_failed(500),
        wa_failed(400)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_near_the_limit_with_emoji_is_cut_where_each_platform_counts() {
    let (url, _db_dir) = db::fresh_database().await;
    let data = tempfile::tempdir().unwrap();
    let db = store::connect(&url).await.unwrap();
    store::migrate(&db).await.unwrap();
    let (tg, wa) = seed(&db).await;
    // 2,000 emoji and 96 letters: 2,096 characters, but 4,096 UTF-16 units, Telegram's limit.
    let at_limit = format!("{}{}", "🙂".repeat(2000), "a".repeat(96));
    // 4,095 units, then two characters beyond the BMP: the cut falls between characters,
    // never between the two halves (surrogates) of one.
    let over_limit = format!("{}a𠀀𠀀", "🙂".repeat(2047));
    // WhatsApp counts characters: 4,096 emoji are one message there.
    let wa_at_limit = "🙂".repeat(4096);
    let rows = vec![
        queued(tg, Channel::Telegram, &CHAT.to_string(), OutboundMessage::text(at_limit.clone())),
        queued(tg, Channel::Telegram, &CHAT.to_string(), OutboundMessage::text(over_limit.clone())),
        queued(wa, Channel::Whatsapp, PHONE, OutboundMessage::text(wa_at_limit.clone())),
    ];
    outbox::enqueue(&db, rows, chrono::Utc::now()).await.unwrap();
    let telegram = FakeTelegram::start(TOKEN).await;
    let graph = FakeGraph::start(WA_TOKEN, PHONE_ID).await;
    deliver(&db, &url, data.path(), &telegram, &graph).await;

    let sent: Vec<String> =
        telegram.calls("sendMessage").iter().map(|r| r.body["text"].as_str().unwrap_or_default().to_owned()).collect();
    assert!(telegram.violations().is_empty(), "{:?}", telegram.violations());
    assert_eq!(
        sent.len(),
        3,
        "one message at the limit, two over it: {:?}",
        sent.iter().map(String::len).collect::<Vec<_>>()
    );
    assert_eq!(sent[0], at_limit);
    assert!(sent[1..].iter().all(|s| s.encode_utf16().count() <= 4096));
    assert_eq!(sent[1..].concat(), over_limit, "cut between characters, nothing lost");
    assert_eq!(sent[1].encode_utf16().count(), 4095);
    let whatsapp: Vec<_> = graph.requests().into_iter().filter(|r| r.to.is_some() && r.status == 200).collect();
    assert_eq!(whatsapp.len(), 1, "4,096 characters are one WhatsApp text");
    assert_eq!(graph_text(&whatsapp[0].body), wa_at_limit);
    assert!(graph.violations().is_empty(), "{:?}", graph.violations());
}
