//! The console's dashboard, records, ticket files and SOP pages through the real HTTP
//! server: filters narrow the dashboard, its list goes a page at a time, the records page
//! and every download parse back (CSV, XLSX with calamine, PDF with pdftotext), a technician
//! is refused the records and another's photos, and the SOP page draws every preset's steps.

#[path = "support/app.rs"]
mod app;
#[path = "support/console_client.rs"]
mod client;

use std::io::Write;
use std::process::{Command, Stdio};

use app::App;
use calamine::Reader;
use client::Browser;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use sigap::domain::role::Role;
use sigap::domain::ticket::{Category, Channel};
use sigap::service::NewReport;
use sigap::store::attachments::NewAttachment;
use sigap::store::directory::{self, NewOrg, NewPerson, OrgKind};
use sigap::store::entity::ticket;
use sigap::store::tickets;

const REPORTER: i64 = 9301;
const KASI: i64 = 9302;
const AGUS: i64 = 9303;
const BAYU: i64 = 9304;

async fn start(sop: &str) -> App {
    app::start(&[("SIGAP_SOP", sop.to_owned())], |desk| async move {
        let db = desk.db();
        let orgs = [
            NewOrg { code: "DINKES".into(), name: "Dinas Kesehatan".into(), kind: OrgKind::Opd },
            NewOrg { code: "DISDIK".into(), name: "Dinas Pendidikan".into(), kind: OrgKind::Opd },
        ];
        directory::import_orgs(db, &orgs, app::monday()).await.unwrap();
        for (name, role, chat) in [
            ("Sari", Role::Reporter, REPORTER),
            ("Kurnia", Role::Kasi, KASI),
            ("Agus", Role::Technician, AGUS),
            ("Bayu", Role::Technician, BAYU),
        ] {
            let person = NewPerson {
                name: name.into(),
                org_code: Some("DINKES".into()),
                locale: "id".into(),
                roles: vec![role],
                identities: vec![(Channel::Telegram, chat.to_string())],
            };
            directory::add_person(db, &person, app::monday()).await.unwrap();
        }
    })
    .await
}

async fn person(app: &App, chat: i64) -> i64 {
    directory::person_by_identity(app.desk.db(), Channel::Telegram, &chat.to_string()).await.unwrap().unwrap().id
}

async fn org(app: &App, code: &str) -> i64 {
    directory::org_by_code(app.desk.db(), code).await.unwrap().unwrap().id
}

/// A report from Sari for `org`, with `priority` and `technician` set when given: its number.
async fn ticket(
    app: &App,
    org: &str,
    priority: Option<&str>,
    technician: Option<i64>,
    photo: Option<Vec<u8>>,
) -> String {
    let report = NewReport {
        reporter_id: person(app, REPORTER).await,
        channel: Channel::Telegram,
        org_id: Some(self::org(app, org).await),
        location: Some("Ruang server".into()),
        category: Category::InternetDown,
        description: format!("Internet mati di {org}"),
        srikandi_number: None,
        attachments: photo
            .map(|bytes| NewAttachment { bytes, mime: "image/png".into(), file_name: Some("foto.png".into()) })
            .into_iter()
            .collect(),
    };
    let created = app.desk.report(report).await.unwrap();
    let db = app.desk.db();
    if let Some(priority) = priority {
        let row = ticket::Entity::find_by_id(created.ticket_id).one(db).await.unwrap().unwrap();
        let mut row: ticket::ActiveModel = row.into();
        row.priority = Set(Some(priority.to_owned()));
        row.update(db).await.unwrap();
    }
    if let Some(chat) = technician {
        let id = person(app, chat).await;
        tickets::replace_assignees(db, created.ticket_id, &[id], app::monday()).await.unwrap();
    }
    created.number.to_string()
}

fn listed(html: &str, number: &str) -> bool {
    html.contains(&format!(">{number}</a>"))
}

#[tokio::test]
async fn each_filter_narrows_the_dashboard_to_its_tickets() {
    let app = start("kudus").await;
    let a = ticket(&app, "DINKES", Some("high"), Some(AGUS), None).await;
    let b = ticket(&app, "DISDIK", Some("low"), None, None).await;
    let c = ticket(&app, "DINKES", Some("low"), Some(BAYU), None).await;
    let mut kasi = Browser::sign_in(&app.desk, app.addr, person(&app, KASI).await).await;
    let (dinkes, disdik, agus) = (org(&app, "DINKES").await, org(&app, "DISDIK").await, person(&app, AGUS).await);

    let (status, all) = kasi.get("/dasbor").await;
    let (_, by_org) = kasi.get(&format!("/dasbor?opd={dinkes}")).await;
    let (_, by_priority) = kasi.get("/dasbor?prioritas=high").await;
    let (_, by_technician) = kasi.get(&format!("/dasbor?teknisi={agus}")).await;
    let (_, both) = kasi.get(&format!("/dasbor?prioritas=low&opd={disdik}")).await;
    let (_, by_step) = kasi.get("/dasbor?tahap=konfirmasi").await;
    let (bad_status, bad) = kasi.get("/dasbor?prioritas=urgent&opd=x&halaman=-3").await;

    assert_eq!(status, StatusCode::OK);
    let shown = |html: &str| [&a, &b, &c].iter().map(|n| listed(html, n)).collect::<Vec<_>>();
    assert_eq!(shown(&all), [true, true, true], "{all}");
    assert_eq!(shown(&by_org), [true, false, true], "{by_org}");
    assert_eq!(shown(&by_priority), [true, false, false], "{by_priority}");
    assert_eq!(shown(&by_technician), [true, false, false], "{by_technician}");
    assert_eq!(shown(&both), [false, true, false], "{both}");
    assert_eq!(shown(&by_step), [false, false, false], "{by_step}");
    // What cannot be read is no filter, not an error.
    assert_eq!(bad_status, StatusCode::OK);
    assert_eq!(shown(&bad), [true, true, true], "{bad}");
    // Each technician's load counts their open tickets.
    assert!(all.contains("Beban teknisi") && all.contains("<svg"), "{all}");
    app.stop().await;
}

#[tokio::test]
async fn the_dashboard_lists_fifty_tickets_a_page_with_a_link_to_the_next() {
    let app = start("kudus").await;
    let mut numbers = Vec::new();
    for _ in 0..55 {
        numbers.push(ticket(&app, "DINKES", None, None, None).await);
    }
    // As the SLA pass leaves them: the last 30 with their step's due time, the latest ticket
    // soonest; the first 25 not evaluated yet. None is due for the worker's pass, which would
    // set them all again.
    let db = app.desk.db();
    for (k, number) in numbers.iter().enumerate() {
        let row = tickets::by_number(db, number.parse().unwrap()).await.unwrap().unwrap();
        let mut row: ticket::ActiveModel = row.into();
        let due = (k >= 25).then(|| app::monday() + chrono::Duration::minutes(100 - k as i64));
        row.step_due_at = Set(due);
        row.next_sla_at = Set(None);
        row.update(db).await.unwrap();
    }
    let mut kasi = Browser::sign_in(&app.desk, app.addr, person(&app, KASI).await).await;

    let (_, first) = kasi.get("/dasbor").await;
    let (_, second) = kasi.get("/dasbor?halaman=2").await;

    let rows = |html: &str| html.matches(r#"<td><a href="/tiket/"#).count();
    assert_eq!(rows(&first), 50, "{first}");
    let at = |html: &str, n: &String| html.find(&format!(">{n}</a>"));
    // Soonest due first, then those without a due time in the order they came.
    assert!(at(&first, &numbers[54]) < at(&first, &numbers[25]), "{first}");
    assert!(at(&first, &numbers[25]) < at(&first, &numbers[0]), "{first}");
    assert!(at(&first, &numbers[0]) < at(&first, &numbers[19]), "{first}");
    assert!(numbers[20..25].iter().all(|n| at(&second, n).is_some()), "{second}");
    assert!(first.contains(r#"href="/dasbor?halaman=2""#), "{first}");
    assert_eq!(rows(&second), 5, "{second}");
    assert!(!second.contains("halaman=3"), "{second}");
    assert!(first.contains("<strong>55</strong>"), "55 open: {first}");
    app.stop().await;
}

fn pdf_text(pdf: &[u8]) -> String {
    let mut child = Command::new("pdftotext")
        .args(["-layout", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pdftotext (poppler-utils)");
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_records_page_and_every_download_read_back_and_a_technician_gets_none() {
    let app = start("kudus").await;
    let numbers =
        [ticket(&app, "DINKES", None, Some(AGUS), None).await, ticket(&app, "DISDIK", None, None, None).await];
    let mut kasi = Browser::sign_in(&app.desk, app.addr, person(&app, KASI).await).await;
    let mut agus = Browser::sign_in(&app.desk, app.addr, person(&app, AGUS).await).await;
    let period = "dari=2026-11-01&sampai=2026-11-30";

    let (status, page) = kasi.get(&format!("/laporan?{period}&kuartal=2026Q4")).await;
    let csv = kasi.get_raw(&format!("/laporan/unduh/log.csv?{period}")).await;
    let csv_type = csv.headers()["content-type"].to_str().unwrap().to_owned();
    let csv = csv.bytes().await.unwrap();
    let xlsx = kasi.get_raw(&format!("/laporan/unduh/log.xlsx?{period}")).await.bytes().await.unwrap();
    let pdf = kasi.get_raw(&format!("/laporan/unduh/log.pdf?{period}")).await.bytes().await.unwrap();
    let stats_csv = kasi.get_raw("/laporan/unduh/statistik.csv?kuartal=2026Q4").await.bytes().await.unwrap();
    let stats_xlsx = kasi.get_raw("/laporan/unduh/statistik.xlsx?kuartal=2026q4").await.bytes().await.unwrap();
    let stats_pdf = kasi.get_raw("/laporan/unduh/statistik.pdf?kuartal=2026Q4").await.bytes().await.unwrap();
    let chart = kasi.get_raw("/laporan/grafik/sla.svg?kuartal=2026Q4").await;
    let (refused_page, _) = agus.get("/laporan").await;
    let refused_file = agus.get_raw(&format!("/laporan/unduh/log.csv?{period}")).await.status();

    assert_eq!(status, StatusCode::OK);
    assert!(numbers.iter().all(|n| page.contains(n.as_str())), "{page}");
    assert!(page.contains("Log aduan") && page.contains("<svg"), "{page}");
    assert!(csv_type.starts_with("text/csv"), "{csv_type}");
    let mut reader = csv::Reader::from_reader(&csv[..]);
    let firsts: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(firsts, numbers);
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    let range = book.worksheet_range("Log Aduan").unwrap();
    assert_eq!(range.get((1, 0)), Some(&calamine::Data::String(numbers[0].clone())));
    assert_eq!(range.get((2, 0)), Some(&calamine::Data::String(numbers[1].clone())));
    let text = pdf_text(&pdf);
    assert!(numbers.iter().all(|n| text.contains(n.as_str())), "{text}");
    let stats_csv = String::from_utf8(stats_csv.to_vec()).unwrap();
    assert!(stats_csv.starts_with("Bagian,Nama,Jumlah") && stats_csv.contains("Semua tiket,,2,"), "{stats_csv}");
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(stats_xlsx.to_vec())).unwrap();
    let range = book.worksheet_range("Statistik").unwrap();
    assert_eq!(range.get((1, 2)), Some(&calamine::Data::Float(2.0)));
    assert!(pdf_text(&stats_pdf).contains("Semua tiket"));
    assert_eq!(chart.headers()["content-type"], "image/svg+xml");
    assert_eq!(refused_page, StatusCode::FORBIDDEN);
    assert_eq!(refused_file, StatusCode::FORBIDDEN);
    // The workbook's file under DATA_DIR/tmp is gone once it was sent.
    let left: Vec<_> = std::fs::read_dir(app.data_dir().join("tmp")).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_date_or_quarter_is_answered_in_the_persons_language() {
    let app = start("kudus").await;
    let mut kasi = Browser::sign_in(&app.desk, app.addr, person(&app, KASI).await).await;

    let (date, page) = kasi.get("/laporan?dari=kemarin").await;
    let (order, backwards) = kasi.get("/laporan?dari=2026-11-30&sampai=2026-11-01").await;
    let (quarter, en) = kasi.get("/laporan?kuartal=2026Q7&lang=en").await;
    let (file, _) = kasi.get("/laporan/unduh/log.docx").await;

    assert_eq!(date, StatusCode::BAD_REQUEST);
    assert!(page.contains("Tanggal `kemarin` tidak dikenal"), "{page}");
    assert_eq!(order, StatusCode::BAD_REQUEST);
    assert!(backwards.contains("lebih awal"), "{backwards}");
    assert_eq!(quarter, StatusCode::BAD_REQUEST);
    assert!(en.contains("Write a quarter as 2026Q4"), "{en}");
    assert_eq!(file, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn the_ticket_page_shows_the_reporters_photo_the_papers_and_time_against_each_limit() {
    let app = start("kudus").await;
    let photo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/foto.png")).unwrap();
    let number = ticket(&app, "DINKES", None, Some(AGUS), Some(photo.clone())).await;
    let mut agus = Browser::sign_in(&app.desk, app.addr, person(&app, AGUS).await).await;
    let mut bayu = Browser::sign_in(&app.desk, app.addr, person(&app, BAYU).await).await;

    let (status, page) = agus.get(&format!("/tiket/{number}")).await;
    let start = page.find(r#"<img src="/tiket/"#).expect("the photo on the page") + r#"<img src=""#.len();
    let href = page[start..].split('"').next().unwrap().to_owned();
    let image = agus.get_raw(&href).await;
    let image_type = image.headers()["content-type"].to_str().unwrap().to_owned();
    let image = image.bytes().await.unwrap();
    let (others, _) = bayu.get(&href).await;
    let paper = agus.get_raw(&format!("/tiket/{number}/surat/completion.pdf")).await.bytes().await.unwrap();
    let (missing, _) = agus.get(&format!("/tiket/{number}/lampiran/999999")).await;

    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Foto dari pelapor"), "{page}");
    // The intake step's limit is shown beside the time spent there.
    let limit = app.desk.sop().sop.start_step().limit;
    let limit_text = sigap::i18n::limit("id", limit);
    assert!(page.contains(&format!(" / {limit_text}")), "{limit_text} in {page}");
    assert_eq!(image_type, "image/png");
    assert_eq!(image.to_vec(), photo);
    assert_eq!(others, StatusCode::FORBIDDEN);
    assert!(pdf_text(&paper).contains(&number));
    assert_eq!(missing, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn the_sop_page_draws_every_presets_steps_from_its_file() {
    let presets = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/config/sop")).unwrap();
    let mut names: Vec<String> = presets
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    for name in names {
        let app = start(&name).await;
        let mut kasi = Browser::sign_in(&app.desk, app.addr, person(&app, KASI).await).await;

        let (status, page) = kasi.get("/sop").await;
        let (_, english) = kasi.get("/sop?lang=en").await;

        assert_eq!(status, StatusCode::OK, "{name}");
        let sop = &app.desk.sop().sop;
        for step in &sop.steps {
            assert!(page.contains(&format!(r#"data-step="{}""#, step.id)), "{name}: {} drawn", step.id);
            assert!(page.contains(&format!(r#"id="{}""#, step.id)), "{name}: {} listed", step.id);
            let en = step.display_name("en");
            let short = en.chars().take(20).collect::<String>();
            let short = short.replace('&', "&amp;").replace('\'', "&#39;").replace('"', "&quot;");
            assert!(english.contains(&short), "{name}: {en} in English");
        }
        assert!(page.contains(&sop.header.name), "{name}");
        app.stop().await;
    }
}
