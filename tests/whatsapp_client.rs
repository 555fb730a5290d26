//! The WhatsApp building blocks over real HTTP: the production `GraphClient` and
//! `WhatsAppSender` against a fake Graph API on 127.0.0.1 that checks every call against the
//! spec's limits, and the webhook parser against the fake's payloads.

#[path = "support/fake_graph.rs"]
mod fake_graph;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use fake_graph::{FakeGraph, webhook};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sigap::channels::whatsapp::api::{Choice, MessageRequest};
use sigap::channels::whatsapp::client::MAX_DOWNLOAD;
use sigap::channels::whatsapp::sender::Tap;
use sigap::channels::whatsapp::webhook::{self as parser, Inbound, MessageKind};
use sigap::channels::whatsapp::{GraphClient, GraphError, WhatsAppSender, WhatsAppSettings};
use sigap::delivery::{Delivery, FileContent, FileToSend, SendError, Sender, Unrecorded};
use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::Channel;
use sigap::outbound::{Button, ButtonAction, OutboundMessage};

const TOKEN: &str = "EAAG-test-token";
const PHONE_ID: &str = "106540352242922";
const APP_SECRET: &str = "app-secret";
const REPORTER: &str = "6281234567890";

fn settings(api_url: &str, token: &str) -> WhatsAppSettings {
    let vars: HashMap<&str, String> = [
        ("WHATSAPP_API_URL", api_url.to_owned()),
        ("WHATSAPP_PHONE_NUMBER_ID", PHONE_ID.to_owned()),
        ("WHATSAPP_ACCESS_TOKEN", token.to_owned()),
        ("WHATSAPP_APP_SECRET", APP_SECRET.to_owned()),
        ("WHATSAPP_VERIFY_TOKEN", "verify".to_owned()),
    ]
    .into_iter()
    .collect();
    WhatsAppSettings::from_lookup(|name| vars.get(name).cloned()).unwrap().unwrap()
}

async fn start() -> (FakeGraph, GraphClient, WhatsAppSender) {
    let fake = FakeGraph::start(TOKEN, PHONE_ID).await;
    let client = GraphClient::new(&settings(&fake.api_url(), TOKEN)).unwrap();
    let encode = Arc::new(|tap: Tap<'_>| match tap {
        Tap::Action(action) => format!("t{}.v{}.{}", action.ticket_id, action.version, action.arg.unwrap_or(0)),
        Tap::Choice(choice) => format!("c{}", choice.revision),
    });
    let sender = WhatsAppSender::new(client.clone(), encode);
    (fake, client, sender)
}

fn delivery(text: &str, buttons: Vec<Button>, files: Vec<FileToSend>) -> Delivery {
    Delivery {
        outbox_id: 1,
        channel: Channel::Whatsapp,
        address: format!("+{REPORTER}"),
        message: OutboundMessage { text: text.into(), buttons, ..Default::default() },
        files,
        kind: "update".into(),
        outside_window: false,
        parts_sent: 0,
    }
}

fn buttons(n: i64) -> Vec<Button> {
    (1..=n)
        .map(|i| Button {
            label: format!("Teknisi Jaringan Kecamatan {i}"),
            action: ButtonAction { ticket_id: 7, version: 3, kind: ActionKind::Assign, to: None, arg: Some(i) },
        })
        .collect()
}

fn assert_clean(fake: &FakeGraph) {
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn a_text_reaches_the_recipient_as_the_spec_shapes_it() {
    let (fake, _, sender) = start().await;

    sender.send(&delivery("Tiket GJ-2026-000123 diterima.", Vec::new(), Vec::new()), &Unrecorded).await.unwrap();

    let sent = fake.sent_to(REPORTER);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0],
        // The tag comes back on the message's statuses: outbox row 1, part 0.
        json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": REPORTER, "type": "text",
                "biz_opaque_callback_data": "sigap:1:0",
                "text": { "body": "Tiket GJ-2026-000123 diterima.", "preview_url": false } })
    );
    assert_eq!(sender.channel(), Channel::Whatsapp);
    assert_clean(&fake);
}

#[tokio::test]
async fn the_client_answers_the_wamid_the_api_gave() {
    let (fake, client, _) = start().await;

    let wamid = client.send(&MessageRequest::text(REPORTER, "halo")).await.unwrap();

    assert!(wamid.starts_with("wamid."), "{wamid}");
    assert_eq!(fake.requests().iter().filter(|r| r.status == 200).count(), 1);
    assert_clean(&fake);
}

#[tokio::test]
async fn a_long_text_arrives_in_pieces_within_the_limit() {
    let (fake, _, sender) = start().await;
    let text = vec!["Laporan gangguan jaringan: kronologi lengkap dari petugas lapangan."; 100].join("\n");

    sender.send(&delivery(&text, Vec::new(), Vec::new()), &Unrecorded).await.unwrap();

    let bodies: Vec<String> =
        fake.sent_to(REPORTER).iter().map(|m| m["text"]["body"].as_str().unwrap().to_owned()).collect();
    assert_eq!(bodies.len(), 2);
    assert!(bodies.iter().all(|b| b.chars().count() <= 4096));
    assert_eq!(bodies.join("\n"), text);
    assert_clean(&fake);
}

#[tokio::test]
async fn three_buttons_are_one_reply_button_message_with_encoded_ids() {
    let (fake, _, sender) = start().await;

    sender.send(&delivery("Pilih teknisi untuk GJ-2026-000123", buttons(3), Vec::new()), &Unrecorded).await.unwrap();

    let sent = fake.sent_to(REPORTER);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["interactive"]["type"], "button");
    let ids: Vec<&str> = sent[0]["interactive"]["action"]["buttons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["reply"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["t7.v3.1", "t7.v3.2", "t7.v3.3"]);
    assert_clean(&fake);
}

#[tokio::test]
async fn twelve_choices_arrive_as_two_lists_within_the_limits() {
    let (fake, _, sender) = start().await;

    sender.send(&delivery("Pilih teknisi untuk GJ-2026-000123", buttons(12), Vec::new()), &Unrecorded).await.unwrap();

    let sent = fake.sent_to(REPORTER);
    assert_eq!(sent.len(), 2);
    let rows: Vec<Value> = sent
        .iter()
        .flat_map(|m| m["interactive"]["action"]["sections"][0]["rows"].as_array().unwrap().clone())
        .collect();
    assert_eq!(rows.len(), 12);
    assert_eq!(rows[11]["id"], "t7.v3.12");
    assert_eq!(sent[0]["interactive"]["action"]["button"], "☰ 1/2");
    assert_eq!(sent[1]["interactive"]["action"]["button"], "☰ 2/2");
    assert_clean(&fake);
}

#[tokio::test]
async fn a_photo_is_uploaded_then_sent_by_id_with_the_text_as_caption() {
    let (fake, _, sender) = start().await;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("bukti.jpg");
    std::fs::write(&photo, b"\xFF\xD8\xFFjpeg bytes").unwrap();
    let files = vec![
        FileToSend { attachment_id: 1, content: FileContent::Path(photo), mime: "image/jpeg".into(), file_name: None },
        // A paper SIGAP rendered comes from the database, not from a file.
        FileToSend {
            attachment_id: 2,
            content: FileContent::Bytes(b"%PDF-1.7 report".to_vec()),
            mime: "application/pdf".into(),
            file_name: Some("Berita Acara.pdf".into()),
        },
    ];

    sender.send(&delivery("Perbaikan selesai.", Vec::new(), files), &Unrecorded).await.unwrap();

    let sent = fake.sent_to(REPORTER);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["type"], "image");
    assert_eq!(sent[0]["image"]["caption"], "Perbaikan selesai.");
    let photo = fake.media(sent[0]["image"]["id"].as_str().unwrap()).unwrap();
    assert_eq!((photo.bytes.as_slice(), photo.mime.as_str()), (&b"\xFF\xD8\xFFjpeg bytes"[..], "image/jpeg"));
    assert_eq!(photo.file_name.as_deref(), Some("bukti.jpg"));
    assert_eq!(sent[1]["type"], "document");
    assert_eq!(sent[1]["document"]["filename"], "Berita Acara.pdf");
    assert_eq!(fake.media(sent[1]["document"]["id"].as_str().unwrap()).unwrap().bytes, b"%PDF-1.7 report");
    assert_clean(&fake);
}

#[tokio::test]
async fn an_inbound_photo_is_looked_up_and_downloaded_with_the_token() {
    let (fake, client, _) = start().await;
    let bytes = b"\x89PNG photo of the broken switch".to_vec();
    let id = fake.add_media(bytes.clone(), "image/png");

    let info = client.media_info(&id).await.unwrap();
    let downloaded = client.download(&info.url).await.unwrap();

    assert_eq!(downloaded, bytes);
    assert_eq!((info.mime_type.as_str(), info.file_size), ("image/png", bytes.len() as u64));
    assert_eq!(info.sha256, hex::encode(Sha256::digest(&bytes)));
    assert_clean(&fake);
}

#[tokio::test]
async fn a_download_over_the_cap_is_refused() {
    let (fake, client, _) = start().await;
    let id = fake.add_media(vec![0; MAX_DOWNLOAD as usize + 1], "video/mp4");

    let info = client.media_info(&id).await.unwrap();
    let err = client.download(&info.url).await.unwrap_err();

    assert!(matches!(err, GraphError::Permanent { code: None, .. }), "{err}");
    assert_clean(&fake);
}

#[tokio::test]
async fn an_unknown_media_id_is_a_permanent_error() {
    let (fake, client, _) = start().await;

    let err = client.media_info("999").await.unwrap_err();

    assert!(matches!(err, GraphError::Permanent { code: Some(100), .. }), "{err}");
    assert_clean(&fake);
}

/// Injects `code` with `status` for the next send and answers what the sender made of it.
async fn send_failing(code: i64, status: u16) -> SendError {
    let (fake, _, sender) = start().await;
    fake.fail_next(REPORTER, code, status);
    let err = sender.send(&delivery("halo", Vec::new(), Vec::new()), &Unrecorded).await.unwrap_err();
    assert_eq!(fake.attempts_to(REPORTER).len(), 1);
    assert_clean(&fake);
    err
}

#[tokio::test]
async fn rate_limits_are_retried_and_the_pair_limit_waits_a_minute() {
    for (code, status) in [(130429, 400), (130429, 429), (4, 400), (80007, 400)] {
        let err = send_failing(code, status).await;
        assert!(matches!(err, SendError::Retry { after: None, .. }), "{code}/{status}: {err:?}");
    }
    let err = send_failing(131056, 400).await;
    assert!(matches!(err, SendError::Retry { after: Some(d), .. } if d == Duration::from_secs(60)), "{err:?}");
}

#[tokio::test]
async fn meta_trouble_is_retried() {
    for (code, status) in [(2, 500), (1, 500), (131000, 500), (133004, 503)] {
        let err = send_failing(code, status).await;
        assert!(matches!(err, SendError::Retry { after: None, .. }), "{code}/{status}: {err:?}");
    }
}

#[tokio::test]
async fn a_closed_24_hour_window_without_a_template_is_permanent_and_says_131047() {
    let SendError::Permanent { reason } = send_failing(131047, 400).await else { panic!("must be permanent") };
    assert!(reason.starts_with("131047"), "{reason}");
    assert!(reason.contains("no template is configured"), "{reason}");
}

#[tokio::test]
async fn refusals_are_permanent_with_code_and_message_for_the_admin() {
    for code in [131026, 100, 131051] {
        let SendError::Permanent { reason } = send_failing(code, 400).await else { panic!("{code} must be permanent") };
        assert!(reason.starts_with(&code.to_string()), "{reason}");
        assert!(reason.contains(&format!("(#{code})")), "{reason}");
    }
}

#[tokio::test]
async fn no_answer_at_all_is_retried() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = GraphClient::new(&settings(&url, TOKEN)).unwrap();
    let sender = WhatsAppSender::new(client, Arc::new(|_: Tap<'_>| String::new()));

    let err = sender.send(&delivery("halo", Vec::new(), Vec::new()), &Unrecorded).await.unwrap_err();

    assert!(matches!(err, SendError::Retry { after: None, .. }), "{err:?}");
}

#[tokio::test]
async fn a_wrong_token_is_refused_with_code_190() {
    let fake = FakeGraph::start(TOKEN, PHONE_ID).await;
    let client = GraphClient::new(&settings(&fake.api_url(), "EAAG-stale")).unwrap();

    let err = client.send(&MessageRequest::text(REPORTER, "halo")).await.unwrap_err();

    assert!(matches!(err, GraphError::Permanent { code: Some(190), .. }), "{err}");
    assert_eq!(fake.requests()[0].status, 401);
    assert_eq!(fake.violations().len(), 1, "{:?}", fake.violations());
}

#[tokio::test]
async fn the_fake_refuses_what_meta_refuses() {
    let fake = FakeGraph::start(TOKEN, PHONE_ID).await;
    let http = reqwest::Client::new();
    let url = format!("{}/v23.0/{PHONE_ID}/messages", fake.api_url());
    let too_long_title = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": REPORTER, "type": "interactive",
        "interactive": { "type": "button", "body": { "text": "b" }, "action": { "buttons": [
            { "type": "reply", "reply": { "id": "a", "title": "Judul tombol yang terlalu panjang" } }] } },
    });

    let answer = http.post(&url).bearer_auth(TOKEN).json(&too_long_title).send().await.unwrap();

    assert_eq!(answer.status().as_u16(), 400);
    let envelope: Value = answer.json().await.unwrap();
    assert_eq!(envelope["error"]["code"], 100);
    let violations = fake.violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("title"), "{violations:?}");
    assert!(fake.sent_to(REPORTER).is_empty());
}

#[test]
fn the_fakes_webhooks_are_signed_and_parse_into_their_kinds() {
    let payloads = [
        webhook::text(REPORTER, "Sari", "wamid.1", "Internet mati"),
        webhook::image(REPORTER, "Sari", "wamid.2", "55", "image/jpeg", Some("foto router")),
        webhook::document(REPORTER, "Sari", "wamid.3", "56", "application/pdf", "ba.pdf", None),
        webhook::location(REPORTER, "Sari", "wamid.4", -6.8, 110.84, "Kantor Desa", "Jl. Raya Kudus"),
        webhook::button_reply(REPORTER, "Sari", "wamid.5", "wamid.card", "t7.v3.1", "Terima"),
        webhook::list_reply(REPORTER, "Sari", "wamid.6", "wamid.card", "t7.v3.2", "Budi", "2 tiket"),
        webhook::button(REPORTER, "Sari", "wamid.7", "wamid.tpl", "LIHAT", "Lihat tiket"),
        webhook::reaction(REPORTER, "Sari", "wamid.8", "wamid.card", "👍"),
        webhook::unsupported(REPORTER, "Sari", "wamid.9"),
        webhook::system(REPORTER, "wamid.10", "User Sari changed number", "6289900000000"),
        webhook::status("wamid.out", "failed", REPORTER, &[(131047, "Re-engagement message")]),
    ];
    let mut kinds = Vec::new();
    for payload in payloads {
        let body = serde_json::to_vec(&payload).unwrap();
        let signature = webhook::sign(APP_SECRET, &body);
        assert!(parser::verify_signature(APP_SECRET, &body, Some(&signature)));
        assert!(!parser::verify_signature("another-secret", &body, Some(&signature)));
        let events = parser::parse(&body).unwrap();
        assert_eq!(events.len(), 1, "{payload}");
        kinds.push(events.into_iter().next().unwrap());
    }
    assert!(matches!(&kinds[0], Inbound::Message { kind: MessageKind::Text { body }, profile_name: Some(n), .. }
        if body == "Internet mati" && n == "Sari"));
    assert!(
        matches!(&kinds[1], Inbound::Message { kind: MessageKind::Image { media_id, .. }, .. } if media_id == "55")
    );
    assert!(
        matches!(&kinds[2], Inbound::Message { kind: MessageKind::Document { filename: Some(f), .. }, .. } if f == "ba.pdf")
    );
    assert!(matches!(&kinds[3], Inbound::Message { kind: MessageKind::Location { .. }, .. }));
    assert!(
        matches!(&kinds[4], Inbound::Message { kind: MessageKind::ButtonReply { id, .. }, context_id: Some(c), .. }
        if id == "t7.v3.1" && c == "wamid.card")
    );
    assert!(matches!(&kinds[5], Inbound::Message { kind: MessageKind::ListReply { id, .. }, .. } if id == "t7.v3.2"));
    assert!(
        matches!(&kinds[6], Inbound::Message { kind: MessageKind::Button { payload, .. }, .. } if payload == "LIHAT")
    );
    assert!(matches!(&kinds[7], Inbound::Message { kind: MessageKind::Reaction { .. }, .. }));
    assert!(
        matches!(&kinds[8], Inbound::Message { kind: MessageKind::Unsupported { errors }, .. } if errors[0].code == 131051)
    );
    assert!(matches!(&kinds[9], Inbound::Message { kind: MessageKind::System { .. }, profile_name: None, .. }));
    assert!(matches!(&kinds[10], Inbound::Status { errors, .. } if errors[0].code == 131047));
}

#[tokio::test]
async fn choices_rendered_by_hand_stay_within_the_fakes_limits() {
    let (fake, client, _) = start().await;
    let choices: Vec<Choice> = (1..=25)
        .map(|i| Choice {
            id: format!("row-{i}"),
            title: format!("Muhammad Rizky Pratama ({i})"),
            description: Some("Teknisi jaringan, bidang infrastruktur, menangani dua tiket terbuka saat ini".into()),
        })
        .collect();

    let requests = sigap::channels::whatsapp::sender::interactive(REPORTER, "Pilih teknisi", &choices, None).unwrap();
    for request in &requests {
        client.send(request).await.unwrap();
    }

    assert_eq!(fake.sent_to(REPORTER).len(), 3);
    assert_clean(&fake);
}
