//! The papers of a walked ticket as PDF: each opens, names the ticket, the people and the
//! step timings (read back with `pdftotext`), and `pdftoppm` renders its first page. Both
//! tools come with poppler-utils, which CI installs.

use std::process::Command;

use sigap::documents::{Kind, Letterhead};
use sigap::domain::sop::ActionKind;
use sigap::service::TicketRef;
use sigap::store::attachments::{self, NewAttachment};

use crate::helpers::{TestDesk, spawn};

const PHOTO: &[u8] = include_bytes!("../fixtures/foto.png");

async fn replaced_and_confirmed(t: &TestDesk) -> i64 {
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.kadis, id, ActionKind::Forward).ok().await;
    t.press(&p.kabid, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::Assign).assign(&[&p.tech_a]).ok().await;
    t.clock.advance(chrono::Duration::minutes(25));
    t.press(&p.tech_a, id, ActionKind::FieldVisit).ok().await;
    t.press(&p.tech_a, id, ActionKind::RequestReplacement)
        .device("Switch 24 port")
        .note("Mati total kena petir")
        .ok()
        .await;
    t.clock.advance(chrono::Duration::minutes(40));
    let mut resolve = t.press(&p.tech_a, id, ActionKind::Resolve).note("Switch baru dipasang, kabel dirapikan");
    resolve = resolve.attach(NewAttachment {
        bytes: PHOTO.to_vec(),
        mime: "image/png".into(),
        file_name: Some("switch.png".into()),
    });
    resolve.ok().await;
    t.press(&p.reporter, id, ActionKind::Confirm).ok().await;
    id
}

fn text_of(pdf: &[u8], dir: &std::path::Path, name: &str) -> String {
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    let png = dir.join(name);
    let render = Command::new("pdftoppm")
        .args(["-png", "-r", "40", "-f", "1", "-l", "1", path.to_str().unwrap(), png.to_str().unwrap()])
        .output()
        .expect("pdftoppm (poppler-utils)");
    assert!(render.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&render.stderr));
    assert!(String::from_utf8_lossy(&render.stderr).trim().is_empty(), "{}", String::from_utf8_lossy(&render.stderr));
    // Lines wrap where the page ends: compare words, not layout.
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn the_three_papers_of_a_replacement_name_the_ticket_people_and_timings() {
    let t = spawn("tebing-tinggi").await;
    let id = replaced_and_confirmed(&t).await;
    let number = t.ticket(id).await.number;
    let letterhead = Letterhead {
        office: t.desk.sop().sop.header.office.clone(),
        address: Some("Jl. Sutomo No. 14, Tebing Tinggi".into()),
        phone: Some("(0621) 21000".into()),
        logo: Some(PHOTO.to_vec()),
    };
    let dir = tempfile::tempdir().unwrap();
    let paper = |kind| t.desk.paper(TicketRef::Id(id), kind, &letterhead, "id");

    let completion = text_of(&paper(Kind::Completion).await.unwrap(), dir.path(), "completion");
    if let Ok(keep) = std::env::var("SIGAP_KEEP_PAPERS") {
        for kind in [Kind::Completion, Kind::Work, Kind::Replacement] {
            std::fs::write(format!("{keep}/{kind:?}.pdf"), paper(kind).await.unwrap()).unwrap();
        }
    }
    let work = text_of(&paper(Kind::Work).await.unwrap(), dir.path(), "work");
    let replacement = text_of(&paper(Kind::Replacement).await.unwrap(), dir.path(), "replacement");

    for text in [&completion, &work, &replacement] {
        assert!(text.contains("DINAS KOMUNIKASI DAN INFORMATIKA KOTA TEBING TINGGI"), "{text}");
        assert!(text.contains("Jl. Sutomo No. 14"), "{text}");
        assert!(text.contains(&number), "{text}");
        assert!(text.contains("Sari Pelapor"), "{text}");
    }
    assert!(completion.contains("LAPORAN PENYELESAIAN GANGGUAN JARINGAN"), "{completion}");
    assert!(completion.contains("Jl. Sutomo No. 14"), "{completion}");
    assert!(completion.contains("Senin, 23 November 2026 09:00 WIB"), "{completion}");
    assert!(completion.contains("Kepala Seksi menugaskan staf/tim data center: Kurnia Kasi"), "{completion}");
    assert!(
        completion.contains("menganalisa jenis dan lokasi gangguan: Agus Teknisi, mulai Senin, 23 November 2026 09:00 WIB, 25 menit kerja (tanpa batas) - tepat waktu"),
        "{completion}"
    );
    assert!(
        completion
            .contains("perangkat pengganti: Agus Teknisi, mulai Senin, 23 November 2026 09:25 WIB, 40 menit kerja"),
        "{completion}"
    );
    assert!(completion.contains("Switch baru dipasang"), "{completion}");
    assert!(completion.contains("Foto hasil pekerjaan"), "{completion}");
    assert!(work.contains("BERITA ACARA PEKERJAAN"), "{work}");
    assert!(work.contains("Switch baru dipasang, kabel dirapikan"), "{work}");
    assert!(
        work.contains("dinyatakan selesai oleh pelapor Sari Pelapor melalui SIGAP pada Senin, 23 November 2026"),
        "{work}"
    );
    assert!(work.contains("( Agus Teknisi )") && work.contains("NIP."), "{work}");
    assert!(replacement.contains("BERITA ACARA PENGAJUAN PENGGANTIAN PERANGKAT"), "{replacement}");
    assert!(replacement.contains("Switch 24 port") && replacement.contains("Mati total kena petir"), "{replacement}");
    assert!(replacement.contains("Agus Teknisi"), "{replacement}");
}

#[tokio::test]
async fn the_papers_sent_at_each_step_name_everyone_who_acted_before_it() {
    let t = spawn("tebing-tinggi").await;
    let id = replaced_and_confirmed(&t).await;
    let number = t.ticket(id).await.number;
    let dir = tempfile::tempdir().unwrap();
    // Rendered inside the steps' transactions and kept in the database: the replacement
    // request, the Berita Acara at confirmation, and the completion report for review.
    let papers: Vec<_> =
        attachments::for_ticket(&t.db, id).await.unwrap().into_iter().filter(|a| a.mime == "application/pdf").collect();
    assert_eq!(papers.len(), 3, "{papers:?}");
    let mut texts = Vec::new();
    for (i, paper) in papers.iter().enumerate() {
        let bytes = attachments::bytes(&t.db, &t.data_dir(), paper).await.unwrap();
        texts.push(text_of(&bytes, dir.path(), &format!("sent-{i}")));
    }
    for text in &texts {
        assert!(text.contains(&number) && text.contains("Sari Pelapor"), "{text}");
    }
    assert!(texts[0].contains("BERITA ACARA PENGAJUAN PENGGANTIAN PERANGKAT"), "{}", texts[0]);
    assert!(texts[1].contains("BERITA ACARA PEKERJAAN") && texts[1].contains("( Agus Teknisi )"), "{}", texts[1]);
    // The Kadis and the Kabid acted long before the report, and are named in it.
    assert!(texts[2].contains("LAPORAN PENYELESAIAN GANGGUAN JARINGAN"), "{}", texts[2]);
    assert!(texts[2].contains("Kepala Dinas memberikan disposisi: Dewi Kadis"), "{}", texts[2]);
    assert!(texts[2].contains("Bambang Kabid meneruskan"), "{}", texts[2]);
    assert!(texts[2].contains("Kepala Seksi menugaskan staf/tim data center: Kurnia Kasi"), "{}", texts[2]);
}

#[tokio::test]
async fn an_unknown_ticket_has_no_paper() {
    let t = spawn("kudus").await;
    let number = "GJ-2026-009999".parse().unwrap();
    let err =
        t.desk.paper(TicketRef::Number(number), Kind::Completion, &Letterhead::default(), "id").await.unwrap_err();
    assert_eq!(err.localized("id", t.tz()), "Tiket GJ-2026-009999 tidak ditemukan.");
}

#[tokio::test]
async fn the_reporters_photo_goes_with_the_officials_card_and_apart_in_the_completion_report() {
    let t = spawn("tebing-tinggi").await;
    let p = &t.people;
    let photo =
        |name: &str| NewAttachment { bytes: PHOTO.to_vec(), mime: "image/png".into(), file_name: Some(name.into()) };
    let id = t.report_with(vec![photo("ruang-server.png")]).await.ticket_id;
    let reported = attachments::for_ticket(&t.db, id).await.unwrap();
    assert_eq!(reported.len(), 1);
    // The first actor's card carries the reporter's photo; the reporter's acknowledgement not.
    let rows = t.outbox(id).await;
    let cards: Vec<_> = rows.iter().filter(|r| r.kind == "card").collect();
    assert!(!cards.is_empty(), "{rows:?}");
    for card in &cards {
        assert_eq!(card.message().unwrap().attachments, [reported[0].id], "{card:?}");
    }
    let ack = rows.iter().find(|r| r.kind == "received").unwrap();
    assert!(ack.message().unwrap().attachments.is_empty());
    // And the next official's card too, when the ticket reaches their step.
    t.press(&p.kadis, id, ActionKind::Forward).ok().await;
    let kabid_card = t.outbox(id).await.into_iter().rev().find(|r| r.kind == "card").unwrap();
    assert_eq!(kabid_card.message().unwrap().attachments, [reported[0].id]);

    t.press(&p.kabid, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::Assign).assign(&[&p.tech_a]).ok().await;
    t.press(&p.tech_a, id, ActionKind::FieldVisit).ok().await;
    // Another picture (the same bytes would be the same picture, printed once); bytes after
    // the picture's end would not do: they are cut off with its metadata before it is kept.
    let mut after = photo("hasil.png");
    let mut pixels = image::load_from_memory(PHOTO).unwrap().to_rgba8();
    pixels.put_pixel(0, 0, image::Rgba([1, 2, 3, 255]));
    after.bytes.clear();
    pixels.write_to(&mut std::io::Cursor::new(&mut after.bytes), image::ImageFormat::Png).unwrap();
    t.press(&p.tech_a, id, ActionKind::Resolve).note("Kabel diganti").attach(after).ok().await;
    let dir = tempfile::tempdir().unwrap();
    let letterhead = Letterhead { office: "Kominfo".into(), address: None, phone: None, logo: None };
    let pdf = t.desk.paper(TicketRef::Id(id), Kind::Completion, &letterhead, "id").await.unwrap();
    let completion = text_of(&pdf, dir.path(), "completion");
    let from_reporter = completion.find("Foto dari pelapor").expect(&completion);
    let of_work = completion.find("Foto hasil pekerjaan").expect(&completion);
    assert!(from_reporter < of_work, "{completion}");
}

#[tokio::test]
async fn the_replacement_request_reaches_the_reporter_who_signs_it_and_papers_come_before_the_buttons() {
    let t = spawn("tebing-tinggi").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.kadis, id, ActionKind::Forward).ok().await;
    t.press(&p.kabid, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::Assign).assign(&[&p.tech_a]).ok().await;
    t.press(&p.tech_a, id, ActionKind::FieldVisit).ok().await;
    t.press(&p.tech_a, id, ActionKind::RequestReplacement).device("Switch 24 port").note("Kena petir").ok().await;
    let rows = t.outbox(id).await;
    let papers: Vec<_> = rows.iter().filter(|r| r.kind == "paper").collect();
    let to: Vec<Option<i64>> = papers.iter().map(|r| r.person_id).collect();
    assert!(to.contains(&Some(p.tech_a.id)), "{papers:?}");
    assert!(to.contains(&Some(p.reporter.id)), "the reporter signs it too: {papers:?}");
    let line = papers.iter().find(|r| r.person_id == Some(p.reporter.id)).unwrap().message().unwrap().text;
    assert!(line.contains("Berita Acara Pengajuan Penggantian Perangkat"), "{line}");
    // In the technician's chat the paper comes before the card that asks to finish the work.
    let tech_paper = papers.iter().find(|r| r.person_id == Some(p.tech_a.id)).unwrap().id;
    let tech_card = rows.iter().filter(|r| r.person_id == Some(p.tech_a.id) && r.kind == "card").map(|r| r.id).max();
    assert!(tech_card.is_some_and(|card| card > tech_paper), "{rows:?}");
}
