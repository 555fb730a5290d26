use serde_json::{Value, json};

use super::*;

fn choice(id: &str, title: &str) -> Choice {
    Choice { id: id.into(), title: title.into(), description: None }
}

fn json(request: &MessageRequest) -> Value {
    serde_json::to_value(request).unwrap()
}

#[test]
fn a_text_message_has_the_specs_shape_without_a_link_preview() {
    let request = MessageRequest::text("+6281234567890", "Tiket GJ-2026-000123 diterima.");
    assert_eq!(
        json(&request),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "6281234567890",
            "type": "text",
            "text": { "body": "Tiket GJ-2026-000123 diterima.", "preview_url": false },
        })
    );
}

#[test]
fn a_reply_quotes_the_earlier_message() {
    let request = MessageRequest::text("628123", "ok").replying_to("wamid.ABC");
    assert_eq!(json(&request)["context"], json!({ "message_id": "wamid.ABC" }));
}

#[test]
fn three_reply_buttons_match_the_specs_example() {
    let choices = [choice("a", "Terima"), choice("b", "Tolak"), choice("c", "Teruskan ke Kabid Infrastruktur")];
    let request = MessageRequest::reply_buttons("628123", "Tiket baru dari Dinkes", &choices).unwrap();
    let interactive = &json(&request)["interactive"];
    assert_eq!(json(&request)["type"], "interactive");
    assert_eq!(interactive["type"], "button");
    assert_eq!(interactive["body"], json!({ "text": "Tiket baru dari Dinkes" }));
    assert_eq!(
        interactive["action"]["buttons"][0],
        json!({ "type": "reply", "reply": { "id": "a", "title": "Terima" } })
    );
    let long = interactive["action"]["buttons"][2]["reply"]["title"].as_str().unwrap();
    assert_eq!(long.chars().count(), MAX_BUTTON_TITLE);
}

#[test]
fn reply_buttons_refuse_none_or_more_than_three() {
    let four: Vec<Choice> = (0..4).map(|i| choice(&i.to_string(), "x")).collect();
    assert!(matches!(MessageRequest::reply_buttons("1", "body", &four), Err(BuildError::Count { count: 4, .. })));
    assert!(matches!(MessageRequest::reply_buttons("1", "body", &[]), Err(BuildError::Count { count: 0, .. })));
}

#[test]
fn ids_that_are_too_long_padded_or_repeated_are_refused_not_cut() {
    let long = choice(&"x".repeat(MAX_BUTTON_ID + 1), "A");
    assert!(matches!(MessageRequest::reply_buttons("1", "b", &[long]), Err(BuildError::TooLong { .. })));
    assert!(matches!(MessageRequest::reply_buttons("1", "b", &[choice(" a", "A")]), Err(BuildError::Padded { .. })));
    let twice = [choice("a", "A"), choice("a", "B")];
    assert!(matches!(MessageRequest::reply_buttons("1", "b", &twice), Err(BuildError::Duplicate { .. })));
    let row = choice(&"r".repeat(MAX_ROW_ID + 1), "A");
    assert!(matches!(MessageRequest::list("1", None, "b", "Pilih", &[row]), Err(BuildError::TooLong { .. })));
}

#[test]
fn empty_bodies_and_titles_are_refused() {
    assert!(matches!(MessageRequest::reply_buttons("1", "  ", &[choice("a", "A")]), Err(BuildError::Empty { .. })));
    assert!(matches!(MessageRequest::reply_buttons("1", "b", &[choice("a", " ")]), Err(BuildError::Empty { .. })));
    assert!(matches!(MessageRequest::list("1", None, "b", "", &[choice("a", "A")]), Err(BuildError::Empty { .. })));
}

#[test]
fn a_button_body_is_cut_to_1024_characters() {
    let request = MessageRequest::reply_buttons("1", &"é".repeat(2000), &[choice("a", "A")]).unwrap();
    let body = json(&request)["interactive"]["body"]["text"].as_str().unwrap().to_owned();
    assert_eq!(body.chars().count(), MAX_BUTTON_BODY);
}

#[test]
fn a_list_cuts_every_text_to_its_limit() {
    let rows: Vec<Choice> = (0..10)
        .map(|i| Choice {
            id: format!("row-{i}"),
            title: format!("Teknisi Jaringan Nomor {i} (Bidang Infrastruktur)"),
            description: Some("Sedang menangani tiga tiket gangguan di kecamatan Kota, Jati dan Bae; siaga".into()),
        })
        .collect();
    let header = "Tiket GJ-2026-000123: pilih teknisi yang akan ditugaskan ke lokasi pelapor";
    let request = MessageRequest::list("1", Some(header), "Pilih teknisi", "Pilih teknisi jaringan", &rows).unwrap();
    let interactive = &json(&request)["interactive"];
    assert_eq!(interactive["type"], "list");
    assert_eq!(interactive["header"]["type"], "text");
    assert_eq!(interactive["header"]["text"].as_str().unwrap().chars().count(), MAX_HEADER);
    assert_eq!(interactive["action"]["button"].as_str().unwrap().chars().count(), MAX_LIST_LABEL);
    let rows = interactive["action"]["sections"][0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    for row in rows {
        assert!(row["title"].as_str().unwrap().chars().count() <= MAX_ROW_TITLE, "{row}");
        assert_eq!(row["description"].as_str().unwrap().chars().count(), MAX_ROW_DESCRIPTION);
    }
    assert!(interactive["action"]["sections"][0].get("title").is_none());
}

#[test]
fn a_list_refuses_more_than_ten_rows() {
    let rows: Vec<Choice> = (0..11).map(|i| choice(&i.to_string(), "x")).collect();
    assert!(matches!(MessageRequest::list("1", None, "b", "l", &rows), Err(BuildError::Count { count: 11, .. })));
}

#[test]
fn media_messages_refer_to_the_uploaded_id_and_only_documents_carry_a_file_name() {
    let image = MessageRequest::image("1", "1003383421387256", Some(&"x".repeat(1500)));
    let image = json(&image);
    assert_eq!(image["type"], "image");
    assert_eq!(image["image"]["id"], "1003383421387256");
    assert_eq!(image["image"]["caption"].as_str().unwrap().chars().count(), MAX_CAPTION);
    assert!(image["image"].get("filename").is_none());
    let document = json(&MessageRequest::document("1", "42", None, Some("berita-acara.pdf")));
    assert_eq!(document["document"], json!({ "id": "42", "filename": "berita-acara.pdf" }));
}

#[test]
fn a_template_without_parameters_has_no_components() {
    let request = MessageRequest::template("1", TemplateMessage::new("hello_world", "en_US", &[]));
    assert_eq!(
        json(&request)["template"],
        json!({ "name": "hello_world", "language": { "policy": "deterministic", "code": "en_US" } })
    );
}
