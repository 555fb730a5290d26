//! Several people at once: two officials pressing the same button, and a burst of reports.
//! The outcome must not depend on who the scheduler happens to run first.

use std::collections::BTreeSet;

use sigap::domain::sop::ActionKind;
use sigap::service::ServiceError;

use crate::helpers::{new_report, number, spawn};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_kasi_pressing_the_same_button_at_once_leaves_one_winner() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    let first = t.press(&p.kasi, id, ActionKind::FieldVisit).version(2).request().await;
    let second = t.press(&p.kasi_2, id, ActionKind::FieldVisit).version(2).request().await;
    let (desk_1, desk_2) = (t.desk.clone(), t.desk.clone());

    let (a, b) = tokio::join!(
        tokio::spawn(async move { desk_1.act(first).await }),
        tokio::spawn(async move { desk_2.act(second).await }),
    );

    let (a, b) = (a.unwrap(), b.unwrap());
    let (winner, loser) = match (&a, &b) {
        (Ok(_), Err(e)) => (&p.kasi, e),
        (Err(e), Ok(_)) => (&p.kasi_2, e),
        _ => panic!("expected exactly one winner, got {a:?} and {b:?}"),
    };
    match loser {
        ServiceError::AlreadyActed { actor, action, .. } => {
            assert_eq!(actor, &winner.name);
            assert_eq!(action, "field_visit");
        }
        other => panic!("the loser should be told who acted first, got {other:?}"),
    }
    let events = t.events(id).await;
    assert_eq!(events.iter().filter(|e| e.action == "field_visit").count(), 1);
    assert_eq!(events.last().unwrap().actor_id, Some(winner.id));
    assert_eq!(t.ticket(id).await.version, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_kadis_disposing_at_once_queue_the_kabid_card_only_once() {
    let t = spawn("pekalongan").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    let first = t.press(&p.kadis, id, ActionKind::Forward).version(1).request().await;
    let second = t.press(&p.kadis_2, id, ActionKind::Forward).version(1).request().await;
    let (desk_1, desk_2) = (t.desk.clone(), t.desk.clone());

    let (a, b) = tokio::join!(
        tokio::spawn(async move { desk_1.act(first).await }),
        tokio::spawn(async move { desk_2.act(second).await }),
    );

    let results = [a.unwrap(), b.unwrap()];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.iter().any(|r| matches!(r, Err(ServiceError::AlreadyActed { .. }))), "{results:?}");
    let kabid_cards = t.outbox(id).await.into_iter().filter(|r| r.person_id == Some(p.kabid.id)).count();
    assert_eq!(kabid_cards, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_reports_at_once_get_fifty_consecutive_numbers() {
    let t = spawn("kudus").await;
    let reporter = t.people.reporter.id;

    let handles: Vec<_> = (0..50)
        .map(|_| {
            let desk = t.desk.clone();
            tokio::spawn(async move { desk.report(new_report(reporter, Vec::new())).await })
        })
        .collect();
    let mut numbers = Vec::new();
    for handle in handles {
        numbers.push(handle.await.unwrap().unwrap().number);
    }

    let distinct: BTreeSet<_> = numbers.iter().copied().collect();
    let expected: BTreeSet<_> = (1..=50).map(number).collect();
    assert_eq!(distinct, expected);
    assert_eq!(numbers.len(), 50);
    assert_eq!(expected.first().unwrap().to_string(), "GJ-2026-000001");
    assert_eq!(expected.last().unwrap().to_string(), "GJ-2026-000050");
}
