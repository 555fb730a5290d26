use serde_json::{Value, json};

use super::*;

const EXAMPLES: &str = include_str!("../../../../tests/fixtures/whatsapp/webhooks.json");

/// One of the spec's webhook examples, by its name there.
fn example(name: &str) -> Vec<u8> {
    let fixture: Value = serde_json::from_str(EXAMPLES).unwrap();
    let payload = fixture["examples"].get(name).unwrap_or_else(|| panic!("no example `{name}`"));
    serde_json::to_vec(payload).unwrap()
}

/// The only event of a spec example, which must be a message.
fn message(name: &str) -> (String, Option<String>, Option<String>, MessageKind) {
    let events = parse(&example(name)).unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    match events.into_iter().next().unwrap() {
        Inbound::Message { from, profile_name, context_id, kind, .. } => (from, profile_name, context_id, kind),
        other => panic!("expected a message, got {other:?}"),
    }
}

#[test]
fn the_handshake_echoes_the_challenge_only_for_subscribe_with_the_right_token() {
    let ok = verify_handshake(Some("subscribe"), Some("s3cret"), Some("1158201444"), "s3cret");
    assert_eq!(ok.as_deref(), Some("1158201444"));
    assert_eq!(verify_handshake(Some("subscribe"), Some("wrong"), Some("1"), "s3cret"), None);
    assert_eq!(verify_handshake(Some("subscribe"), Some("s3cre"), Some("1"), "s3cret"), None);
    assert_eq!(verify_handshake(Some("unsubscribe"), Some("s3cret"), Some("1"), "s3cret"), None);
    assert_eq!(verify_handshake(None, Some("s3cret"), Some("1"), "s3cret"), None);
    assert_eq!(verify_handshake(Some("subscribe"), None, Some("1"), "s3cret"), None);
    assert_eq!(verify_handshake(Some("subscribe"), Some("s3cret"), None, "s3cret"), None);
}

#[test]
fn the_signature_of_metas_test_vector_verifies() {
    let header = "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221";
    assert!(verify_signature("TEST_APP_SECRET", b"test", Some(header)));
    assert!(verify_signature("TEST_APP_SECRET", b"test", Some(&header.to_uppercase().replace("SHA256=", "sha256="))));
}

#[test]
fn a_wrong_missing_or_garbled_signature_is_refused() {
    let header = "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221";
    assert!(!verify_signature("TEST_APP_SECRET", b"test ", Some(header)), "other body");
    assert!(!verify_signature("OTHER_SECRET", b"test", Some(header)), "other secret");
    assert!(!verify_signature("TEST_APP_SECRET", b"test", None), "missing");
    assert!(!verify_signature("TEST_APP_SECRET", b"test", Some("sha256=zz")), "not hex");
    assert!(!verify_signature("TEST_APP_SECRET", b"test", Some(&header[..40])), "truncated");
    assert!(!verify_signature("TEST_APP_SECRET", b"test", Some(&header[7..])), "no prefix");
    assert!(!verify_signature("TEST_APP_SECRET", b"test", Some("sha1=0c61947b")), "other algorithm");
}

#[test]
fn a_text_message_carries_sender_name_and_time() {
    let events = parse(&example("Text Message")).unwrap();
    assert_eq!(
        events,
        vec![Inbound::Message {
            id: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=".into(),
            from: "16505551234".into(),
            timestamp: 1_749_416_383,
            profile_name: Some("Sheena Nelson".into()),
            context_id: None,
            kind: MessageKind::Text { body: "Does it come in another color?".into() },
        }]
    );
}

#[test]
fn text_with_a_context_or_an_ad_referral_is_still_text() {
    let (_, _, context, kind) = message("Text Message with Context (Product Inquiry)");
    assert_eq!(context.as_deref(), Some("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGA9wcm9kdWN0X2lucXVpcnkA"));
    assert_eq!(kind, MessageKind::Text { body: "Is this still available?".into() });
    let (_, _, _, kind) = message("Text Message from Click to WhatsApp Ad");
    assert_eq!(kind, MessageKind::Text { body: "Hello! Can I get more info on this?".into() });
}

#[test]
fn media_location_contacts_and_reactions_read_as_their_kinds() {
    assert_eq!(
        message("Image Message").3,
        MessageKind::Image {
            media_id: "1003383421387256".into(),
            mime: "image/jpeg".into(),
            caption: Some("Taj Mahal".into())
        }
    );
    assert_eq!(
        message("Location Message").3,
        MessageKind::Location {
            latitude: 37.44221496582,
            longitude: -122.16165924072,
            name: Some("Philz Coffee".into()),
            address: Some("101 Forest Ave, Palo Alto, CA 94301".into()),
        }
    );
    assert_eq!(
        message("Contact Sharing Message").3,
        MessageKind::Contacts {
            contacts: vec![SharedContact {
                name: Some("Lucía Gómez".into()),
                phones: vec![SharedPhone {
                    phone: Some("+1 (983) 555-2319".into()),
                    wa_id: Some("19835552319".into())
                }],
            }]
        }
    );
    assert_eq!(
        message("Reaction Message").3,
        MessageKind::Reaction {
            message_id: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0RTJEOTc2ODVERUY5RDlGNkYA".into(),
            emoji: Some("👍".into()),
        }
    );
}

#[test]
fn presses_and_choices_carry_their_ids_and_the_pressed_message() {
    let (_, _, context, kind) = message("Interactive Button Reply Message");
    assert_eq!(kind, MessageKind::ButtonReply { id: "cancel-button".into(), title: "Cancel".into() });
    assert_eq!(context.as_deref(), Some("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA"));
    assert_eq!(
        message("Interactive List Reply Message").3,
        MessageKind::ListReply {
            id: "priority_express".into(),
            title: "Priority Mail Express".into(),
            description: Some("Next Day to 2 Days".into()),
        }
    );
    assert_eq!(
        message("Button Message").3,
        MessageKind::Button { payload: "Unsubscribe".into(), text: "Unsubscribe".into() }
    );
}

#[test]
fn orders_system_notices_and_unsupported_messages_are_kept_apart() {
    assert_eq!(message("Order Message").3, MessageKind::Order { catalog_id: "194836987003835".into() });
    let (from, name, _, kind) = message("System Message");
    assert_eq!(from, "16505551234");
    assert_eq!(name, None, "system messages come without contacts");
    assert_eq!(
        kind,
        MessageKind::System {
            body: "User Sheena Nelson changed from 16505551234 to 12195555358".into(),
            new_wa_id: Some("12195555358".into()),
        }
    );
    assert_eq!(
        message("Unsupported Message").3,
        MessageKind::Unsupported {
            errors: vec![WebhookError {
                code: 131051,
                title: "Message type unknown".into(),
                message: Some("Message type unknown".into()),
                details: Some("Message type is currently not supported.".into()),
            }]
        }
    );
}

#[test]
fn group_events_carry_no_messages() {
    for name in ["Group Create Message", "Group Settings Update", "Group Remove Participants"] {
        assert_eq!(parse(&example(name)).unwrap(), vec![], "{name}");
    }
}

fn with_message(message: Value) -> Vec<u8> {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "6281100000000", "phone_number_id": "106540352242922" },
            "contacts": [{ "profile": { "name": "Sari" }, "wa_id": "6281234567890" }],
            "messages": [message],
        }}]}],
    })
    .to_string()
    .into_bytes()
}

#[test]
fn voice_notes_documents_and_unknown_types_parse_without_error() {
    let base = json!({ "from": "6281234567890", "id": "wamid.X", "timestamp": "1750000000" });
    let with = |kind: &str, object: Value| {
        let mut m = base.clone();
        m["type"] = json!(kind);
        if !object.is_null() {
            m[kind] = object;
        }
        let events = parse(&with_message(m)).unwrap();
        match &events[0] {
            Inbound::Message { kind, .. } => kind.clone(),
            other => panic!("{other:?}"),
        }
    };
    let voice =
        with("audio", json!({ "id": "77", "mime_type": "audio/ogg; codecs=opus", "sha256": "h", "voice": true }));
    assert_eq!(voice, MessageKind::Voice { media_id: "77".into(), mime: "audio/ogg; codecs=opus".into() });
    let document = with(
        "document",
        json!({ "id": "78", "mime_type": "application/pdf", "sha256": "h", "filename": "laporan.pdf", "caption": "BA" }),
    );
    assert_eq!(
        document,
        MessageKind::Document {
            media_id: "78".into(),
            mime: "application/pdf".into(),
            filename: Some("laporan.pdf".into()),
            caption: Some("BA".into()),
        }
    );
    assert_eq!(with("poll", json!({ "question": "?" })), MessageKind::Unknown { kind: "poll".into() });
    assert_eq!(
        with("interactive", json!({ "type": "nfm_reply", "nfm_reply": {} })),
        MessageKind::Unknown { kind: "interactive/nfm_reply".into() }
    );
}

#[test]
fn a_failed_status_keeps_its_errors() {
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "6281100000000", "phone_number_id": "106540352242922" },
            "statuses": [
                { "id": "wamid.A", "status": "delivered", "timestamp": "1750000001", "recipient_id": "6281234567890",
                  "conversation": { "id": "c" }, "pricing": { "billable": true, "pricing_model": "PMP" } },
                { "id": "wamid.B", "status": "failed", "timestamp": "1750000002", "recipient_id": "6281234567890",
                  "errors": [{ "code": 131047, "title": "Re-engagement message",
                               "message": "Re-engagement message",
                               "error_data": { "details": "More than 24 hours have passed" } }] },
                { "id": "wamid.C", "status": "played", "timestamp": "1750000003", "recipient_id": "6281234567890" },
            ],
        }}]}],
    });
    let events = parse(body.to_string().as_bytes()).unwrap();
    assert_eq!(events.len(), 3);
    assert!(
        matches!(&events[0], Inbound::Status { status: DeliveryStatus::Delivered, errors, .. } if errors.is_empty())
    );
    let Inbound::Status { id, status, recipient_id, timestamp, errors, .. } = &events[1] else { panic!("{events:?}") };
    assert_eq!(
        (id.as_str(), status, recipient_id.as_str(), *timestamp),
        ("wamid.B", &DeliveryStatus::Failed, "6281234567890", 1_750_000_002)
    );
    assert_eq!(errors[0].code, 131047);
    assert_eq!(errors[0].details.as_deref(), Some("More than 24 hours have passed"));
    assert!(matches!(&events[2], Inbound::Status { status: DeliveryStatus::Other(s), .. } if s == "played"));
}

#[test]
fn bodies_that_are_not_whatsapp_webhooks_are_errors() {
    assert!(matches!(parse(b"{not json"), Err(ParseError::Json(_))));
    assert!(matches!(parse(br#"{"object":"page","entry":[]}"#), Err(ParseError::NotWhatsApp(o)) if o == "page"));
    assert!(matches!(parse(br#"{"object":"whatsapp_business_account"}"#), Err(ParseError::Shape { .. })));
    assert!(matches!(parse(br#"[1,2]"#), Err(ParseError::Shape { .. })));
    let no_text = with_message(json!({ "from": "1", "id": "wamid.X", "timestamp": "1", "type": "text" }));
    assert!(matches!(parse(&no_text), Err(ParseError::Shape { .. })));
    let bad_time = with_message(
        json!({ "from": "1", "id": "wamid.X", "timestamp": "soon", "type": "text", "text": { "body": "x" } }),
    );
    assert!(matches!(parse(&bad_time), Err(ParseError::Shape { .. })));
}

#[test]
fn only_e164_digits_are_a_plausible_sender() {
    for good in ["6281234567890", "14155550123", "31612345678"] {
        assert!(plausible_wa_id(good), "{good}");
    }
    let thousand = "6".repeat(1000);
    for bad in
        ["abc", "+", "", "+6281234567890", "081234567890", "1234567", "6281234567890123", &thousand, "62812 3456"]
    {
        assert!(!plausible_wa_id(bad), "{bad}");
    }
}
