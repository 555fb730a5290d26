//! Personal data under UU 27/2022, through the real application (fake Telegram and fake
//! Graph API on 127.0.0.1) and the `sigap` binary: the notice on first contact and
//! `/privasi`, `/dataku` on both channels, an erasure that leaves no name, number or chat id
//! of the person in any table or file while the tickets still export, a retention run that
//! deletes what its dry run listed, a year's archive purged, photos stored without their GPS
//! EXIF, an erasure killed before or after its commit, and an event log that takes only a
//! redaction. The office they run against is in `support/office.rs`.

#[path = "support/app.rs"]
mod app;
#[path = "support/fake_graph.rs"]
mod fake_graph;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;
#[path = "support/office.rs"]
mod office;

use app::eventually;
use office::*;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;
use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::{Category, Channel};
use sigap::service::NewReport;
use sigap::store::directory;
use sigap::store::{attachments, privacy, tickets};

#[tokio::test]
async fn a_newcomer_is_told_what_is_kept_and_privasi_repeats_it_on_both_channels() {
    let o = start().await;

    o.fake.push_update(o.fake.message_from(NEWCOMER, "Internet di ruang server mati sejak pagi"));
    let first = o.told(NEWCOMER, "Pilih bahasa").await;
    assert_eq!(o.fake.sent_to(NEWCOMER).len(), 1, "the notice is in the first message itself");
    for part in ["🔒 Privasi", "UU 27/2022", "30 hari", "5 tahun", "/dataku", "/hapus-data", DPO] {
        assert!(text(&first).contains(part), "{part} in {}", text(&first));
    }

    o.fake.push_update(o.fake.message_from(REPORTER, "/privasi"));
    let again = o.told(REPORTER, "🔒 Privasi").await;
    assert!(text(&again).contains(DPO) && text(&again).contains("/dataku berkas"), "{}", text(&again));
    o.wa_say(REPORTER_WA, "privasi").await;
    let on_whatsapp = o.wa_told(REPORTER_WA, "🔒 Privasi").await;
    assert!(on_whatsapp.contains(DPO), "{on_whatsapp}");
    o.stop().await;
}

#[tokio::test]
async fn dataku_shows_a_person_their_data_on_both_channels_and_its_file_is_audited() {
    let o = start().await;
    let sari = o.person(Channel::Telegram, &REPORTER.to_string()).await;
    let report = NewReport {
        reporter_id: sari.id,
        channel: Channel::Telegram,
        org_id: sari.org_id,
        location: Some("ruang server".into()),
        category: Category::InternetDown,
        description: "Internet di ruang server mati sejak pagi".into(),
        srikandi_number: None,
        attachments: Vec::new(),
    };
    let number = o.desk.report(report).await.unwrap().number.to_string();

    o.fake.push_update(o.fake.message_from(REPORTER, "/dataku"));
    let mine = o.told(REPORTER, "Data Anda di SIGAP").await;
    for part in ["Sari Wulandari", "Dinas Kesehatan", "telegram 7202", "whatsapp +6281200000009", number.as_str()] {
        assert!(text(&mine).contains(part), "{part} in {}", text(&mine));
    }
    o.wa_say(REPORTER_WA, "dataku").await;
    let on_whatsapp = o.wa_told(REPORTER_WA, "Data Anda di SIGAP").await;
    assert!(on_whatsapp.contains("Sari Wulandari") && on_whatsapp.contains(&number), "{on_whatsapp}");

    o.fake.push_update(o.fake.message_from(REPORTER, "/dataku berkas"));
    eventually("the data file", || async { !o.fake.calls("sendDocument").is_empty() }).await;
    let document = o.fake.calls("sendDocument").remove(0);
    let file = String::from_utf8(document.files[0].bytes.clone()).unwrap();
    for part in ["Sari Wulandari", number.as_str(), "Internet di ruang server mati sejak pagi"] {
        assert!(file.contains(part), "{part} in {file}");
    }
    let audited = privacy::audit_of(o.desk.db(), sari.id).await.unwrap();
    assert_eq!(audited.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(), ["my_data"]);

    o.fake.push_update(o.fake.message_from(REPORTER, "/nama Sari Wulandari Putri"));
    o.told(REPORTER, "Nama Anda sudah diperbaiki menjadi Sari Wulandari Putri").await;
    o.fake.push_update(o.fake.message_from(REPORTER, "/instansi pendidikan"));
    o.told(REPORTER, "Instansi Anda sudah diperbaiki menjadi Dinas Pendidikan").await;
    let corrected = o.person(Channel::Telegram, &REPORTER.to_string()).await;
    assert_eq!(corrected.name, "Sari Wulandari Putri");
    assert_eq!(corrected.org_code.as_deref(), Some("DISDIK"));
    o.fake.push_update(o.fake.message_from(REPORTER, "/nama 7"));
    o.told(REPORTER, "nama").await;
    assert_eq!(o.person(Channel::Telegram, &REPORTER.to_string()).await.name, "Sari Wulandari Putri");

    let listed = o.sigap().run(&["audit"]);
    assert!(listed.contains("menerima berkas datanya sendiri"), "{listed}");
    o.stop().await;
}

#[tokio::test]
async fn a_photo_is_stored_without_its_gps_exif_and_a_heic_is_refused() {
    let o = start().await;
    let sent = photo_with_gps(40);
    assert!(contains(&sent, "SN-GPS-4711"), "the photo as sent carries a serial");
    o.fake.add_file("foto-gps", sent.clone());
    o.fake.push_update(o.fake.photo_from(REPORTER, "foto-gps", Some("Internet di ruang server mati sejak pagi")));
    o.told(REPORTER, "Nomor tiket").await;

    let ticket = tickets::list(o.desk.db(), None, 1).await.unwrap().remove(0);
    let stored = attachments::for_ticket(o.desk.db(), ticket.id).await.unwrap().remove(0);
    let bytes = std::fs::read(o.app.data_dir().join(&stored.stored_path)).unwrap();
    let markers: Vec<u8> = segments(&bytes).iter().map(|(m, _)| *m).collect();
    assert!(!markers.contains(&0xE1), "no APP1 (EXIF/XMP) left: {markers:x?}");
    assert!(!contains(&bytes, "SN-GPS-4711") && !contains(&bytes, "Exif"));
    assert!(segments(&sent).iter().any(|(m, body)| *m == 0xE1 && body.starts_with(b"Exif")));
    // The picture itself is the same, pixel for pixel: nothing was encoded again.
    assert_eq!(decoded(&bytes), decoded(&sent));
    assert_eq!(stored.size as usize, bytes.len());

    let mut heic = vec![0, 0, 0, 24];
    heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    o.fake.add_file("foto-heic", heic);
    o.fake.push_update(o.fake.document_from(REPORTER, "foto-heic", "IMG_0001.HEIC", None));
    o.told(REPORTER, "Foto berformat HEIC tidak dapat kami simpan").await;
    assert_eq!(attachments::for_ticket(o.desk.db(), ticket.id).await.unwrap().len(), 1, "nothing of the HEIC kept");
    o.stop().await;
}

#[tokio::test]
async fn an_erasure_leaves_no_name_number_or_id_of_the_person_and_the_tickets_still_export() {
    let o = start().await;
    let (ticket, number) = a_reporter_with_history(&o).await;
    let draft_photo = {
        let row = sigap::store::conversations::get(o.desk.db(), Channel::Telegram, &NEWCOMER.to_string())
            .await
            .unwrap()
            .unwrap();
        let data: Value = serde_json::from_str(&row.data).unwrap();
        o.app.data_dir().join(data["files"][0]["stored_path"].as_str().unwrap())
    };
    assert!(draft_photo.exists());
    // Before: the person is there to be found, in the tables and in the paper.
    let before = found_in_tables(o.desk.db()).await;
    for needle in NEEDLES {
        assert!(before.iter().any(|f| f.ends_with(needle)), "{needle} not even there before: {before:?}");
    }
    assert!(papers(o.desk.db()).await.iter().any(|pdf| pdf_words(pdf).contains(NAME)));

    let sigap = o.sigap();
    let requests = sigap.run(&["data", "requests"]);
    assert!(requests.contains("#1") && requests.contains(NAME), "{requests}");
    let erased = sigap.run(&["data", "erase", "1"]);
    assert!(erased.contains("sudah dihapus"), "{erased}");
    // The command line queued the notice at today's time; the service's clock catches up.
    o.app.clock.set(chrono::Utc::now() + chrono::Duration::minutes(1));
    o.told(NEWCOMER, "Data pribadi Anda di SIGAP sudah dihapus").await;
    assert!(sigap.run(&["data", "requests"]).contains("Tidak ada permintaan"));

    let db = o.desk.db().clone();
    let Office { app, fake, .. } = o;
    let dirs = app.stop_keeping_files().await;
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    // The notice that told them is swept once sent, and the files are compacted.
    sigap.run(&["data", "sweep"]);

    assert_eq!(found_in_tables(&db).await, Vec::<String>::new());
    let mut files = files_under(dirs.0.path());
    if let Some(db_dir) = &dirs.1 {
        files.extend(files_under(db_dir.path()));
    }
    assert!(!files.is_empty());
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for needle in NEEDLES {
            assert!(!contains(&bytes, needle), "{needle} found in {}", file.display());
        }
    }
    assert!(!draft_photo.exists(), "the photo of their open draft is deleted");
    for pdf in papers(&db).await {
        let words = pdf_words(&pdf);
        assert!(!words.contains(NAME) && words.contains("(dihapus)"), "{words}");
    }
    // The archive stays: the ticket, its events and its photo, the person shown as erased.
    let details = sigap::store::tickets::events(&db, ticket).await.unwrap();
    assert!(details.len() >= 4);
    assert_eq!(
        attachments::for_ticket(&db, ticket).await.unwrap().iter().filter(|a| !a.stored_path.is_empty()).count(),
        1
    );
    let log = sigap.run(&["report", "log", "--from", "2026-11-01", "--to", "2026-11-30"]);
    assert!(log.contains(&number) && log.contains("(dihapus)"), "{log}");
    let audit = sigap.run(&["audit"]);
    assert!(audit.contains("menghapus data pribadi"), "{audit}");
    assert!(
        audit.contains("menerima atau mengunduh berita acara") && audit.contains("work (chat)"),
        "the paper sent in chat: {audit}"
    );
}

#[tokio::test]
async fn purging_a_year_deletes_its_ended_tickets_with_their_history_and_keeps_open_ones() {
    let o = start().await;
    let (closed, photo_file) = closed_ticket_with_photo(&o).await;
    assert_eq!(closed.status, "closed");
    let sari = o.person(Channel::Telegram, &REPORTER.to_string()).await;
    let report = NewReport {
        reporter_id: sari.id,
        channel: Channel::Telegram,
        org_id: sari.org_id,
        location: Some("aula".into()),
        category: Category::InternetDown,
        description: "Wifi aula mati".into(),
        srikandi_number: None,
        attachments: Vec::new(),
    };
    let open = o.desk.report(report).await.unwrap().number.to_string();
    let sigap = o.sigap();
    assert!(!papers(o.desk.db()).await.is_empty());

    let dry = sigap.run(&["data", "purge", "--year", "2026", "--dry-run"]);
    assert_eq!(dry.lines().skip(1).collect::<Vec<_>>(), [closed.number.as_str()], "{dry}");
    assert!(photo_file.exists(), "a dry run deletes nothing");
    assert_eq!(sigap.run(&["data", "purge", "--year", "2025", "--dry-run"]).lines().count(), 1);

    let run = sigap.run(&["data", "purge", "--year", "2026"]);
    assert_eq!(run.lines().skip(1).collect::<Vec<_>>(), [closed.number.as_str()], "{run}");
    assert!(tickets::by_id(o.desk.db(), closed.id).await.unwrap().is_none());
    assert!(tickets::events(o.desk.db(), closed.id).await.unwrap().is_empty());
    assert!(papers(o.desk.db()).await.is_empty(), "the closed ticket's papers went with it");
    assert!(!photo_file.exists());
    let log = sigap.run(&["report", "log", "--from", "2026-11-01", "--to", "2026-11-30"]);
    assert!(log.contains(&open) && !log.contains(&closed.number), "{log}");
    assert!(sigap.run(&["audit"]).contains("menghapus arsip satu tahun"));
    // Outside a purge, the event log still refuses a deletion.
    let db = o.desk.db();
    let delete = Statement::from_string(db.get_database_backend(), "DELETE FROM ticket_events");
    assert!(db.execute_raw(delete).await.is_err());
    o.stop().await;
}

#[tokio::test]
async fn retention_deletes_exactly_what_its_dry_run_listed() {
    let o = start().await;
    // An abandoned registration (a draft) and a ticket walked to closed with a photo.
    o.fake.push_update(o.fake.message_from(NEWCOMER, "Internet di ruang server mati sejak pagi"));
    o.told(NEWCOMER, "Pilih bahasa").await;
    let (ticket, photo_file) = closed_ticket_with_photo(&o).await;
    o.fake.push_update(o.fake.message_from(REPORTER, "/dataku berkas"));
    o.told(REPORTER, "Data Anda di SIGAP, sebagai berkas").await;

    // The service ran on 23 November; the command line's clock is today's. Periods that
    // make all of it old enough, as an office would not set them.
    let sigap = o
        .sigap()
        .with("SIGAP_KEEP_DRAFT_DAYS", "1")
        .with("SIGAP_KEEP_EXPORT_DAYS", "0")
        .with("SIGAP_KEEP_PHOTO_YEARS", "0")
        .with("SIGAP_INACTIVE_PHONE_YEARS", "0");
    let lines = |out: &str| {
        let mut lines: Vec<String> = out.lines().skip(1).map(str::to_owned).collect();
        lines.sort();
        lines
    };
    let dry = sigap.run(&["data", "retention", "--dry-run"]);
    assert!(dry.starts_with("Akan dihapus"), "{dry}");
    let listed = lines(&dry);
    for kind in ["draft telegram 73914628", "export exports/dataku-", "photo #", "phone #"] {
        assert!(listed.iter().any(|l| l.starts_with(kind)), "{kind} in {listed:?}");
    }
    assert!(photo_file.exists(), "a dry run deletes nothing");

    let run = sigap.run(&["data", "retention"]);
    assert_eq!(lines(&run), listed);
    assert!(!photo_file.exists(), "the closed ticket's photo file is gone");
    assert_eq!(lines(&sigap.run(&["data", "retention", "--dry-run"])), Vec::<String>::new());
    assert!(sigap.run(&["audit"]).contains("retensi"));
    // The archive stays: the ticket and its paper.
    assert!(tickets::by_id(o.desk.db(), ticket.id).await.unwrap().is_some());
    assert!(!papers(o.desk.db()).await.is_empty());
    o.stop().await;
}

#[tokio::test]
async fn an_erasure_killed_before_its_commit_did_nothing_and_after_it_is_finished_by_the_sweep() {
    let o = start().await;
    a_reporter_with_history(&o).await;
    let person = o.person(Channel::Telegram, &NEWCOMER.to_string()).await;
    let row =
        sigap::store::conversations::get(o.desk.db(), Channel::Telegram, &NEWCOMER.to_string()).await.unwrap().unwrap();
    let data: Value = serde_json::from_str(&row.data).unwrap();
    let draft_photo = o.app.data_dir().join(data["files"][0]["stored_path"].as_str().unwrap());
    let sigap = o.sigap();
    let db = o.desk.db().clone();
    let Office { app, .. } = o;
    let _dirs = app.stop_keeping_files().await;

    sigap.kill_at("commit", &["data", "erase", "1"]);
    let untouched = directory::person_record(&db, person.id).await.unwrap().unwrap();
    assert_eq!(untouched.name, NAME);
    assert_eq!(untouched.identities, person.identities);
    assert_eq!(privacy::open_requests(&db).await.unwrap().len(), 1);
    assert!(privacy::pending_deletions(&db, 10).await.unwrap().is_empty());
    let has_erasure = |audit: Vec<privacy::AuditRow>| audit.iter().any(|a| a.action == "erase");
    assert!(!has_erasure(privacy::audit_of(&db, person.id).await.unwrap()));
    assert!(draft_photo.exists());

    sigap.kill_at("sweep", &["data", "erase", "1"]);
    let erased = directory::person_record(&db, person.id).await.unwrap().unwrap();
    assert_eq!(erased.name, "(dihapus)");
    assert!(erased.identities.is_empty());
    assert!(privacy::open_requests(&db).await.unwrap().is_empty());
    assert!(has_erasure(privacy::audit_of(&db, person.id).await.unwrap()));
    assert!(!privacy::pending_deletions(&db, 10).await.unwrap().is_empty(), "its files wait for the sweep");
    assert!(draft_photo.exists());

    let swept = sigap.run(&["data", "sweep"]);
    assert!(swept.contains("berkas dihapus"), "{swept}");
    assert!(!draft_photo.exists());
    assert!(privacy::pending_deletions(&db, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_event_log_takes_a_redaction_and_nothing_else() {
    let o = start().await;
    let sari = o.person(Channel::Telegram, &REPORTER.to_string()).await;
    let report = NewReport {
        reporter_id: sari.id,
        channel: Channel::Telegram,
        org_id: sari.org_id,
        location: Some("ruang server".into()),
        category: Category::InternetDown,
        description: "Internet mati".into(),
        srikandi_number: None,
        attachments: Vec::new(),
    };
    let ticket = o.desk.report(report).await.unwrap().ticket_id;
    o.act(HELPDESK, ticket, ActionKind::Forward, None).await;
    let db = o.desk.db();
    let backend = db.get_database_backend();
    let update = |set: &str| {
        Statement::from_string(backend, format!("UPDATE ticket_events SET {set} WHERE ticket_id = {ticket}"))
    };
    for forged in
        ["note = 'diubah'", "action = 'reject', note = '(dihapus)'", "at = at, actor_id = NULL, note = '(dihapus)'"]
    {
        assert!(db.execute_raw(update(forged)).await.is_err(), "{forged} was let through");
    }
    assert!(db.execute_raw(Statement::from_string(backend, "DELETE FROM ticket_events")).await.is_err());
    db.execute_raw(update("note = '(dihapus)'")).await.unwrap();
    let events = tickets::events(db, ticket).await.unwrap();
    assert!(events.iter().all(|e| e.note.as_deref() == Some("(dihapus)")));
    assert_eq!(events[1].action, "forward");
    o.stop().await;
}
