use serde_json::Value;

use super::*;
use crate::channels::whatsapp::api::{MAX_LIST_LABEL, MAX_ROW_TITLE};

fn choices(n: usize) -> Vec<Choice> {
    (1..=n)
        .map(|i| Choice { id: format!("c{i}"), title: format!("Teknisi Lapangan Nomor {i:02}"), description: None })
        .collect()
}

fn json(requests: &[MessageRequest]) -> Vec<Value> {
    requests.iter().map(|r| serde_json::to_value(r).unwrap()).collect()
}

#[test]
fn three_choices_are_reply_buttons() {
    let sent = json(&interactive("628123", "Setujui?", &choices(3), None).unwrap());
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["interactive"]["type"], "button");
    assert_eq!(sent[0]["interactive"]["action"]["buttons"].as_array().unwrap().len(), 3);
}

#[test]
fn four_choices_are_one_list_opened_by_the_label_the_message_names() {
    let sent = json(&interactive("628123", "Pilih", &choices(4), Some("Pilih tindakan")).unwrap());
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["interactive"]["type"], "list");
    assert_eq!(sent[0]["interactive"]["action"]["button"], "Pilih tindakan");
    let neutral = json(&interactive("628123", "Pilih", &choices(4), None).unwrap());
    assert_eq!(neutral[0]["interactive"]["action"]["button"], LIST_LABEL);
}

#[test]
fn a_long_row_title_is_cut_and_written_out_in_full_below_it() {
    let mut long = choices(4);
    long[0].title = "Dinas Kependudukan dan Pencatatan Sipil".into();
    long[1].title = "Dinas Kesehatan".into();
    let sent = json(&interactive("628123", "Pilih instansi", &long, None).unwrap());
    let row = &sent[0]["interactive"]["action"]["sections"][0]["rows"][0];
    assert!(row["title"].as_str().unwrap().chars().count() <= MAX_ROW_TITLE);
    assert_eq!(row["description"], "Dinas Kependudukan dan Pencatatan Sipil");
    assert!(sent[0]["interactive"]["action"]["sections"][0]["rows"][1].get("description").is_none());
}

#[test]
fn twelve_choices_are_two_numbered_lists_within_the_limits() {
    let body = "Tiket GJ-2026-000123: pilih teknisi.\nAngka = tiket terbuka.";
    let sent = json(&interactive("628123", body, &choices(12), None).unwrap());
    assert_eq!(sent.len(), 2);
    let labels: Vec<&str> = sent.iter().map(|s| s["interactive"]["action"]["button"].as_str().unwrap()).collect();
    assert_eq!(labels, ["☰ 1/2", "☰ 2/2"]);
    assert!(labels.iter().all(|l| l.chars().count() <= MAX_LIST_LABEL));
    let rows: Vec<&Value> =
        sent.iter().flat_map(|s| s["interactive"]["action"]["sections"][0]["rows"].as_array().unwrap()).collect();
    assert_eq!(rows.len(), 12);
    assert_eq!(rows[11]["id"], "c12");
    assert!(rows.iter().all(|r| r["title"].as_str().unwrap().chars().count() <= MAX_ROW_TITLE));
    assert_eq!(sent[0]["interactive"]["body"]["text"], body);
    assert_eq!(sent[1]["interactive"]["body"]["text"], "Tiket GJ-2026-000123: pilih teknisi.");
}

#[test]
fn a_long_text_is_split_and_its_last_part_goes_with_the_buttons() {
    let line = "Kronologi gangguan jaringan di kantor kecamatan, lantai dua, ruang server utama, sejak pagi.";
    let text = vec![line; 60].join("\n");
    let sent = json(&requests("628123", &text, &choices(2), &[], None).unwrap());
    let (texts, last) = sent.split_at(sent.len() - 1);
    assert!(texts.len() >= 2, "{}", texts.len());
    assert!(texts.iter().all(|t| t["type"] == "text"));
    assert!(texts.iter().all(|t| t["text"]["body"].as_str().unwrap().chars().count() <= MAX_TEXT));
    let body = last[0]["interactive"]["body"]["text"].as_str().unwrap();
    assert!(body.chars().count() <= MAX_BUTTON_BODY);
    let mut rebuilt: Vec<&str> = texts.iter().map(|t| t["text"]["body"].as_str().unwrap()).collect();
    rebuilt.push(body);
    assert_eq!(rebuilt.join("\n"), text);
}

#[test]
fn a_short_text_becomes_the_caption_of_the_first_file() {
    let files = [
        Uploaded { media_id: "11".into(), inline: true, file_name: Some("foto.jpg".into()) },
        Uploaded { media_id: "12".into(), inline: false, file_name: Some("berita-acara.pdf".into()) },
    ];
    let sent = json(&requests("628123", "Perbaikan selesai.", &[], &files, None).unwrap());
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["type"], "image");
    assert_eq!(sent[0]["image"]["caption"], "Perbaikan selesai.");
    assert_eq!(sent[1]["type"], "document");
    assert_eq!(sent[1]["document"]["filename"], "berita-acara.pdf");
    assert!(sent[1]["document"].get("caption").is_none());
}

#[test]
fn a_text_too_long_for_a_caption_follows_the_file() {
    let files = [Uploaded { media_id: "11".into(), inline: true, file_name: None }];
    let text = "x".repeat(MAX_CAPTION + 1);
    let sent = json(&requests("628123", &text, &[], &files, None).unwrap());
    assert_eq!(sent.len(), 2);
    assert!(sent[0]["image"].get("caption").is_none());
    assert_eq!(sent[1]["text"]["body"], text);
}

#[test]
fn with_buttons_the_text_stays_with_the_buttons_not_the_file() {
    let files = [Uploaded { media_id: "11".into(), inline: true, file_name: None }];
    let sent = json(&requests("628123", "Konfirmasi perbaikan?", &choices(2), &files, None).unwrap());
    assert_eq!(sent.len(), 2);
    assert!(sent[0]["image"].get("caption").is_none());
    assert_eq!(sent[1]["interactive"]["body"]["text"], "Konfirmasi perbaikan?");
}

#[test]
fn throttling_and_trouble_are_retried_and_the_pair_limit_waits_a_minute() {
    let pair = classify(GraphError::Throttled { code: Some(131056), message: "pair".into() });
    assert!(matches!(pair, SendError::Retry { after: Some(d), .. } if d == Duration::from_secs(60)));
    let number = classify(GraphError::Throttled { code: Some(130429), message: "rate".into() });
    assert!(matches!(number, SendError::Retry { after: None, .. }));
    let down = classify(GraphError::Temporary { code: Some(2), message: "down".into() });
    assert!(matches!(down, SendError::Retry { after: None, .. }));
}

#[test]
fn a_closed_window_and_refusals_are_permanent_with_the_code_first() {
    let SendError::Permanent { reason } = classify(GraphError::ReEngagement { message: "24 hours".into() }) else {
        panic!("re-engagement must be permanent");
    };
    assert!(reason.starts_with("131047"), "{reason}");
    let SendError::Permanent { reason } =
        classify(GraphError::Permanent { code: Some(131026), message: "undeliverable".into() })
    else {
        panic!("131026 must be permanent");
    };
    assert!(reason.starts_with("131026") && reason.contains("undeliverable"), "{reason}");
}
