//! The complaint log and the evaluation's figures from walked tickets: each step's actor and
//! business minutes against its limit, the XLSX read back cell by cell, the CSV, and the
//! satisfaction index with skipped elements.

use calamine::{Data, Reader, Xlsx};
use chrono::{Duration, NaiveDate};

use sigap::domain::sop::ActionKind;
use sigap::domain::ticket::TicketStatus;
use sigap::export;
use sigap::service::stats_of;
use sigap::store::survey;

use crate::helpers::{TestDesk, spawn};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A Kudus ticket through the field branch with a reopen, each step taking `minutes`.
async fn walked(t: &TestDesk, minutes: i64) -> i64 {
    let p = &t.people;
    let id = t.report().await.ticket_id;
    let steps = [
        t.press(&p.helpdesk, id, ActionKind::Forward),
        t.press(&p.kasi, id, ActionKind::FieldVisit),
        t.press(&p.tech_a, id, ActionKind::Resolve).note("Kabel diganti").photo(b"jpeg: kabel"),
        t.press(&p.reporter, id, ActionKind::Reopen).note("Masih putus"),
        t.press(&p.tech_a, id, ActionKind::Resolve).note("Konektor diganti").photo(b"jpeg: konektor"),
        t.press(&p.reporter, id, ActionKind::Confirm),
        t.press(&p.kabid, id, ActionKind::Approve),
    ];
    for press in steps {
        t.clock.advance(Duration::minutes(minutes));
        press.ok().await;
    }
    id
}

#[tokio::test]
async fn the_log_names_each_steps_actor_and_business_minutes_against_its_limit() {
    let t = spawn("kudus").await;
    let id = walked(&t, 10).await;
    let open = t.report().await.ticket_id;

    let log = t.desk.complaint_log(day(2026, 11, 23), day(2026, 11, 23)).await.unwrap();

    assert_eq!(log.len(), 2);
    let row = &log[0];
    assert_eq!(row.number, t.ticket(id).await.number);
    assert_eq!((row.status, row.reopened, row.breached), (TicketStatus::Closed, true, false));
    assert_eq!(row.working_minutes, 70);
    assert_eq!(row.technicians, ["Agus Teknisi"]);
    let step = |id: &str| row.steps.iter().find(|s| s.step == id).unwrap();
    assert_eq!((step("terima").actors.clone(), step("terima").minutes), (vec!["Hadi Helpdesk".to_owned()], Some(10)));
    // The field step was visited twice: 10 minutes each time.
    assert_eq!(step("perbaikan_lapangan").minutes, Some(20));
    assert_eq!(step("perbaikan_online").minutes, None, "never visited");
    assert_eq!(log[1].status, TicketStatus::Open);
    assert_eq!(t.ticket(open).await.number, log[1].number);
}

#[tokio::test]
async fn the_workbook_reads_back_with_the_same_cells_and_the_csv_too() {
    let t = spawn("kudus").await;
    walked(&t, 10).await;
    let log = t.desk.complaint_log(day(2026, 11, 1), day(2026, 11, 30)).await.unwrap();
    let steps: Vec<String> = t.desk.sop().sop.steps.iter().map(|s| s.name.clone()).collect();
    let table = export::log_table(&log, &steps, "id", t.tz());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.xlsx");

    export::write_xlsx(&table, "Log Aduan", &path).unwrap();
    let mut workbook: Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let range = workbook.worksheet_range("Log Aduan").unwrap();
    let cell = |r: usize, c: usize| range.get((r, c)).cloned().unwrap_or(Data::Empty);

    assert_eq!(cell(0, 0), Data::String("Nomor tiket".into()));
    assert_eq!(cell(1, 0), Data::String(log[0].number.clone()));
    assert_eq!(cell(1, 1), Data::String("2026-11-23 09:00".into()));
    assert_eq!(cell(1, 2), Data::String("Dinas Kesehatan".into()));
    assert_eq!(cell(1, 9), Data::Float(70.0));
    assert_eq!(cell(1, 11), Data::String("Ya".into()));
    assert_eq!(cell(0, 14), Data::String("Menerima aduan: petugas".into()));
    assert_eq!(cell(1, 14), Data::String("Hadi Helpdesk".into()));
    assert_eq!(cell(1, 15), Data::Float(10.0));
    assert_eq!(range.height(), 2);

    let mut csv = Vec::new();
    export::write_csv(&table, &mut csv).unwrap();
    let text = String::from_utf8(csv).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("Nomor tiket,Diterima,Instansi,Pelapor"));
    let first = lines.next().unwrap();
    assert!(first.starts_with(&format!("{},2026-11-23 09:00,Dinas Kesehatan,", log[0].number)), "{first}");
    assert!(first.contains(",70,Tidak,Ya,Agus Teknisi,"), "{first}");
}

#[tokio::test]
async fn statistics_count_per_technician_and_organisation_with_the_satisfaction_index() {
    let t = spawn("kudus").await;
    let first = walked(&t, 10).await;
    let second = walked(&t, 30).await;
    let now = t.desk.clock().now();
    // The first reporter rated everything 4 but skipped cost; the second rated 3 everywhere.
    for element in 0..9 {
        let score = (element != 3).then_some(4);
        survey::answer(&t.db, first, element, score, t.people.reporter.id, now).await.unwrap();
        survey::answer(&t.db, second, element, Some(3), t.people.reporter.id, now).await.unwrap();
    }

    let stats = t.desk.stats(day(2026, 10, 1), day(2026, 12, 31)).await.unwrap();

    assert_eq!(stats.tickets, 2);
    assert_eq!(stats.by_status.get("closed"), Some(&2));
    // 70 minutes, and 210 less the half hour of Kudus's lunch break (12:00-12:30) = 180.
    assert_eq!(stats.overall.median_minutes, Some(125.0));
    assert_eq!(stats.overall.p90_minutes, Some(180));
    assert_eq!(stats.technicians.len(), 1);
    assert_eq!((stats.technicians[0].name.as_str(), stats.technicians[0].resolved), ("Agus Teknisi", 2));
    assert_eq!(stats.organisations[0].name, "Dinas Kesehatan");
    assert_eq!(stats.reopen_rate, Some(1.0));
    // Elements: eight at (4+3)/2 = 3.5 and cost at 3.0 → mean 3.444 → 86.11, grade B.
    let ikm = stats.ikm.unwrap();
    assert!((ikm.index - 86.111).abs() < 0.01, "{}", ikm.index);
    assert_eq!((ikm.grade.letter(), ikm.respondents), ('B', 2));
    let terima = stats.steps.iter().find(|s| s.name == "Menerima aduan").unwrap();
    // Kudus gives the helpdesk 10 business minutes: the second ticket waited 30.
    assert_eq!((terima.visits, terima.on_time), (2, 1));
    assert_eq!(stats_of(&[]).tickets, 0);
}

#[tokio::test]
async fn a_period_that_ends_before_it_starts_is_refused() {
    let t = spawn("kudus").await;
    let err = t.desk.complaint_log(day(2026, 11, 30), day(2026, 11, 1)).await.unwrap_err();
    assert!(err.to_string().contains("ends (2026-11-01) before it starts (2026-11-30)"), "{err}");
    assert!(t.desk.complaint_log(day(2026, 1, 1), day(2026, 1, 31)).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unanswered_survey_is_reminded_once_after_a_day() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    t.press(&p.kasi, id, ActionKind::FixRemote).ok().await;
    t.press(&p.tech_a, id, ActionKind::Resolve).note("Router di-restart").ok().await;
    t.press(&p.reporter, id, ActionKind::Confirm).ok().await;
    let worker = sigap::service::SlaWorker::new(t.desk.clone());
    let now = t.desk.clock().now();

    let soon = worker.run_pass(now + Duration::hours(2)).await.unwrap();
    let after_a_day = worker.run_pass(now + Duration::hours(25)).await.unwrap();
    let later = worker.run_pass(now + Duration::hours(60)).await.unwrap();

    assert_eq!((soon.survey_reminders, after_a_day.survey_reminders, later.survey_reminders), (0, 1, 0));
    let questions: Vec<_> = t
        .outbox(id)
        .await
        .into_iter()
        .filter(|r| r.kind == "conversation" && r.address == "tg-reporter")
        .map(|r| r.message().unwrap())
        .collect();
    assert_eq!(questions.len(), 2, "the first question and its one reminder");
    assert!(questions[1].text.starts_with("Pengingat: survei kepuasan"), "{}", questions[1].text);
    // The reminder's buttons are the first question's: still valid.
    assert_eq!(questions[0].choices, questions[1].choices);
}

#[tokio::test]
async fn a_long_log_comes_a_page_at_a_time_in_order_and_the_statistics_count_every_ticket() {
    let t = spawn("kudus").await;
    crate::helpers::at_the_field_visit(&t, 1_100, crate::helpers::wib("2026-10-01 09:00")).await;
    let (from, to) = (day(2026, 10, 1), day(2026, 12, 31));

    let mut pages = t.desk.complaint_log_pages(from, to).unwrap();
    let mut sizes = Vec::new();
    let mut numbers = Vec::new();
    while let Some(page) = pages.next().await.unwrap() {
        sizes.push(page.len());
        numbers.extend(page.into_iter().map(|row| row.number));
    }

    assert_eq!(sizes, [500, 500, 100]);
    let whole: Vec<String> = t.desk.complaint_log(from, to).await.unwrap().into_iter().map(|r| r.number).collect();
    assert_eq!(numbers, whole);
    let expected: Vec<String> =
        (1..=1_100).map(|seq| sigap::domain::ticket::TicketNumber { year: 2025, seq }.to_string()).collect();
    assert_eq!(numbers, expected, "every ticket once, in the order received");
    let stats = t.desk.stats(from, to).await.unwrap();
    assert_eq!((stats.tickets, stats.by_status.get("open").copied()), (1_100, Some(1_100)));
    let none = t.desk.stats(day(2026, 9, 1), day(2026, 9, 30)).await.unwrap();
    assert_eq!(none.tickets, 0);
}
