//! The admin's pages through the real HTTP server: refused to a technician and to an
//! official without the admin role, staff added and disabled (a disabled person's session
//! ends and they get no code or link), roles changed, bad input answered and nothing
//! written, organisations imported from a CSV all or nothing, every form refused without its
//! CSRF token, and a webhook delivery kept aside tried again with the button: it is applied
//! and its sender answered in the (fake) Telegram chat.

#[path = "support/app.rs"]
mod app;
#[path = "support/console_client.rs"]
mod client;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use app::{App, eventually};
use client::{Browser, csrf_of};
use fake_telegram::FakeTelegram;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use sigap::domain::role::Role;
use sigap::domain::ticket::Channel;
use sigap::store::directory;
use sigap::store::entity::webhook_inbox;
use sigap::store::{inbox, outbox};

const TOKEN: &str = "783:ADMIN-TEST";
const ADMIN: i64 = 9401;
const KASI: i64 = 9402;
const AGUS: i64 = 9403;
const STRANGER: i64 = 9404;

async fn start() -> (App, FakeTelegram) {
    let fake = FakeTelegram::start(TOKEN).await;
    let vars = [
        ("TELOXIDE_TOKEN", TOKEN.to_owned()),
        ("TELOXIDE_API_URL", fake.api_url()),
        ("SIGAP_TELEGRAM_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_TELEGRAM_PER_SECOND", "1000000".to_owned()),
    ];
    (start_with(&vars).await, fake)
}

/// With `vars` on top of the test's own; with none, no channel is on and nothing is sent.
async fn start_with(vars: &[(&str, String)]) -> App {
    app::start(vars, |desk| async move {
        let people = [
            ("Rina", Role::Admin, ADMIN.to_string()),
            ("Kurnia", Role::Kasi, KASI.to_string()),
            ("Agus", Role::Technician, AGUS.to_string()),
        ];
        app::seed_dinkes(&desk, Channel::Telegram, &people).await;
    })
    .await
}

async fn person(app: &App, chat: i64) -> Option<directory::PersonRecord> {
    directory::person_by_identity(app.desk.db(), Channel::Telegram, &chat.to_string()).await.unwrap()
}

async fn browser(app: &App, chat: i64) -> Browser {
    Browser::sign_in(&app.desk, app.addr, person(app, chat).await.unwrap().id).await
}

#[tokio::test]
async fn the_admin_pages_are_refused_to_a_technician_and_to_an_official_without_the_admin_role() {
    let (app, _fake) = start().await;
    for chat in [AGUS, KASI] {
        let mut someone = browser(&app, chat).await;
        let csrf = someone.csrf().await;
        for page in ["/admin/staf", "/admin/opd", "/admin/pesan"] {
            let (status, html) = someone.get(page).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{chat} {page}");
            assert!(html.contains("hanya untuk admin"), "{html}");
        }
        let (status, _) = someone
            .post("/admin/staf", &[("csrf", &csrf), ("name", "Penyusup"), ("roles", "admin"), ("telegram_id", "1")])
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(person(&app, 1).await.is_none(), "nobody was added");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_admin_adds_a_person_who_signs_in_and_once_disabled_cannot() {
    let (app, _fake) = start().await;
    let mut admin = browser(&app, ADMIN).await;
    let (_, page) = admin.get("/admin/staf").await;
    let csrf = csrf_of(&page);

    let stranger = STRANGER.to_string();
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "Dewi"),
        ("roles", "helpdesk"),
        ("roles", "kasi"),
        ("org", "DINKES"),
        ("telegram_id", stranger.as_str()),
        ("locale", "en"),
    ];
    let (added, listing) = admin.post("/admin/staf", &form).await;
    let dewi = person(&app, STRANGER).await.expect("Dewi added");
    let mut dewi_browser = browser(&app, STRANGER).await;
    let (before, _) = dewi_browser.get("/dasbor").await;
    let (disabled, _) = admin.post(&format!("/admin/staf/{}/nonaktif", dewi.id), &[("csrf", &csrf)]).await;
    let (after, _) = dewi_browser.get("/dasbor").await;
    let link = app.desk.sign_in_link(dewi.id).await;
    app.desk.request_sign_in_code(&stranger).await.unwrap();

    assert_eq!(added, StatusCode::OK, "{listing}");
    assert!(listing.contains("Dewi ditambahkan"), "{listing}");
    assert_eq!(dewi.roles, [Role::Helpdesk, Role::Kasi]);
    assert_eq!(dewi.locale, "en");
    assert_eq!(before, StatusCode::OK);
    assert_eq!(disabled, StatusCode::OK);
    assert!(!person(&app, STRANGER).await.unwrap().active);
    assert_eq!(after, StatusCode::SEE_OTHER, "the session of a disabled person is over");
    assert!(link.is_err(), "no link for a disabled person");
    let queued = outbox::pending(app.desk.db()).await.unwrap();
    assert!(queued.iter().all(|m| m.person_id != Some(dewi.id)), "no code for a disabled person");
    app.stop().await;
}

#[tokio::test]
async fn roles_are_changed_and_a_sign_in_link_is_given_from_the_staff_page() {
    let (app, _fake) = start().await;
    let mut admin = browser(&app, ADMIN).await;
    let csrf = admin.csrf().await;
    let agus = person(&app, AGUS).await.unwrap();

    let (status, _) = admin
        .post(
            &format!("/admin/staf/{}/peran", agus.id),
            &[("csrf", &csrf), ("roles", "technician"), ("roles", "helpdesk")],
        )
        .await;
    let (none, refusal) = admin.post(&format!("/admin/staf/{}/peran", agus.id), &[("csrf", &csrf)]).await;
    let (_, page) = admin.post(&format!("/admin/staf/{}/tautan", agus.id), &[("csrf", &csrf)]).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(none, StatusCode::BAD_REQUEST);
    assert!(refusal.contains("Pilih paling sedikit satu peran"), "{refusal}");
    assert_eq!(person(&app, AGUS).await.unwrap().roles, [Role::Helpdesk, Role::Technician]);
    let start = page.find(r#"<a href="/masuk/tautan/"#).expect("a link") + r#"<a href=""#.len();
    let link = page[start..].split('"').next().unwrap().to_owned();
    let mut fresh = Browser::new(app.addr);
    let (_, form) = fresh.get(&link).await;
    let (signed, _) = fresh.post(&link, &[("csrf", &csrf_of(&form))]).await;
    assert_eq!(signed, StatusCode::SEE_OTHER);
    let (_, board) = fresh.get("/dasbor").await;
    assert!(board.contains("Agus"), "{board}");
    app.stop().await;
}

#[tokio::test]
async fn bad_staff_input_is_answered_and_nothing_is_written() {
    let (app, _fake) = start().await;
    let mut admin = browser(&app, ADMIN).await;
    let csrf = admin.csrf().await;

    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("name", "Citra"), ("roles", "lurah"), ("telegram_id", "77")], "Peran `lurah` tidak dikenal"),
        (&[("name", "Citra"), ("roles", "kasi"), ("telegram_id", "abc")], "ID Telegram `abc` harus berupa angka"),
        (&[("name", "Citra"), ("roles", "kasi"), ("whatsapp", "12ab")], "Nomor WhatsApp `12ab` tidak dikenal"),
        (
            &[("name", "Citra"), ("roles", "kasi"), ("telegram_id", "77"), ("org", "NOPE")],
            "Organisasi `NOPE` belum ada",
        ),
        (&[("name", " "), ("roles", "kasi"), ("telegram_id", "77")], "Nama wajib diisi"),
    ];
    for (fields, expected) in cases {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let (status, page) = admin.post("/admin/staf", &form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{fields:?}");
        assert!(page.contains(expected), "{expected} in {page}");
    }
    let (forged, _) = admin.post("/admin/staf", &[("name", "Citra"), ("roles", "kasi"), ("telegram_id", "77")]).await;

    assert_eq!(forged, StatusCode::FORBIDDEN);
    let staff = app.desk.staff().await.unwrap();
    assert!(staff.iter().all(|p| p.name != "Citra"), "{staff:?}");
    assert!(person(&app, 77).await.is_none());
    app.stop().await;
}

#[tokio::test]
async fn organisations_are_imported_from_a_csv_all_or_nothing() {
    let (app, _fake) = start().await;
    let mut admin = browser(&app, ADMIN).await;
    let csrf = admin.csrf().await;

    let (bad, refusal) = admin
        .post("/admin/opd", &[("csrf", &csrf), ("csv", "code,name,kind\nDS01,Desa Jati,desa\nDS02,,desa\n")])
        .await;
    let after_bad = app.desk.organisations().await.unwrap().len();
    let (good, page) = admin
        .post(
            "/admin/opd",
            &[("csrf", &csrf), ("csv", "code,name,kind\nds01,Desa Jati,desa\nDISDIK,Dinas Pendidikan,opd\n")],
        )
        .await;
    let (forged, _) = admin.post("/admin/opd", &[("csv", "code,name,kind\nX1,Palsu,opd\n")]).await;

    assert_eq!(bad, StatusCode::BAD_REQUEST);
    assert!(refusal.contains("tidak ada yang diubah") && refusal.contains("line 3"), "{refusal}");
    assert_eq!(after_bad, 1, "only DINKES from the seed");
    assert_eq!(good, StatusCode::OK, "{page}");
    assert!(page.contains("DS01") && page.contains("Dinas Pendidikan"), "{page}");
    assert_eq!(forged, StatusCode::FORBIDDEN);
    let codes: Vec<String> = app.desk.organisations().await.unwrap().into_iter().map(|o| o.code).collect();
    assert_eq!(codes, ["DINKES", "DISDIK", "DS01"]);
    app.stop().await;
}

#[tokio::test]
async fn a_parked_delivery_is_tried_again_by_the_button_and_its_sender_answered() {
    let (app, fake) = start().await;
    let inbox_db = inbox::open(&app.database_url, app.desk.db()).await.unwrap();
    let mut update = fake.message_from(STRANGER, "/bantuan");
    update["update_id"] = serde_json::json!(424_242);
    let parked = webhook_inbox::ActiveModel {
        channel: Set("telegram".to_owned()),
        sender: Set(STRANGER.to_string()),
        body: Set(update.to_string()),
        received_at: Set(app::monday()),
        attempts: Set(5),
        not_before: Set(app::monday()),
        last_error: Set(Some("database is locked".to_owned())),
        parked: Set(true),
        ..Default::default()
    }
    .insert(&inbox_db)
    .await
    .unwrap();
    let mut admin = browser(&app, ADMIN).await;

    let (_, page) = admin.get("/admin/pesan").await;
    let (forged, _) = admin.post(&format!("/admin/kotak-masuk/{}/ulang", parked.id), &[]).await;
    let still_parked = inbox::parked(&inbox_db, 10).await.unwrap().len();
    let csrf = csrf_of(&page);
    let (retried, _) = admin.post(&format!("/admin/kotak-masuk/{}/ulang", parked.id), &[("csrf", &csrf)]).await;
    let (again, _) = admin.post(&format!("/admin/kotak-masuk/{}/ulang", parked.id), &[("csrf", &csrf)]).await;

    assert!(page.contains("database is locked") && page.contains("Coba lagi"), "{page}");
    assert_eq!(forged, StatusCode::FORBIDDEN);
    assert_eq!(still_parked, 1);
    assert_eq!(retried, StatusCode::SEE_OTHER);
    assert_eq!(again, StatusCode::CONFLICT, "no longer kept aside");
    eventually("the sender answered", || std::future::ready(!fake.sent_to(STRANGER).is_empty())).await;
    assert!(inbox::parked(&inbox_db, 10).await.unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn failed_and_repeated_messages_are_listed_with_their_reason() {
    // No channel: the message stays queued until it is marked failed, as a sender would.
    let app = start_with(&[]).await;
    let db = app.desk.db();
    let message = outbox::NewOutbound {
        person_id: None,
        channel: Channel::Telegram,
        address: "555".to_owned(),
        ticket_id: None,
        kind: "notice",
        message: sigap::outbound::OutboundMessage::text("halo"),
    };
    outbox::enqueue(db, vec![message], app::monday()).await.unwrap();
    let row = outbox::pending(db).await.unwrap().into_iter().find(|m| m.address == "555").unwrap();
    // As a sender does: claim the message, then give up on it with the platform's reason.
    let lease = app::monday() + chrono::Duration::minutes(1);
    let claimed = outbox::claim(db, row.id, app::monday(), lease).await.unwrap().unwrap();
    outbox::fail(db, row.id, claimed.attempts, "Forbidden: bot was blocked by the user").await.unwrap();
    let mut admin = browser(&app, ADMIN).await;

    let (status, page) = admin.get("/admin/pesan").await;
    let (_, english) = admin.get("/admin/pesan?lang=en").await;

    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("bot was blocked by the user") && page.contains("555"), "{page}");
    assert!(page.contains("Pesan yang dikirim ulang setelah gangguan"), "{page}");
    assert!(english.contains("Messages that could not be delivered"), "{english}");
    assert!(page.contains("tidak ada kotak masuk webhook"), "no channel, no inbox: {page}");
    app.stop().await;
}
