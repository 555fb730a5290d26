//! The counters behind `/metrics` move with what the service does, and the outbox gauges
//! are read from the database.

use sigap::clock::Clock;
use sigap::domain::sop::ActionKind;
use sigap::store::outbox;

use crate::helpers::spawn;

#[tokio::test]
async fn reports_actions_refusals_and_the_outbox_backlog_show_in_the_metrics() {
    let t = spawn("kudus").await;
    let p = &t.people;
    let id = t.report().await.ticket_id;
    t.press(&p.helpdesk, id, ActionKind::Forward).ok().await;
    t.press(&p.kabid, id, ActionKind::SetPriority).send().await.unwrap_err();
    t.clock.advance(chrono::Duration::seconds(90));

    let text = t.desk.metrics().render(&t.db, t.clock.now()).await.unwrap();

    let waiting = outbox::pending(&t.db).await.unwrap().len();
    for line in [
        "sigap_tickets_created_total 1".to_owned(),
        "sigap_transitions_total{action=\"forward\"} 1".to_owned(),
        "sigap_refusals_total{reason=\"wrong_role\"} 1".to_owned(),
        format!("sigap_outbox_depth {waiting}"),
        "sigap_outbox_oldest_age_seconds 90".to_owned(),
    ] {
        assert!(text.contains(&line), "missing `{line}` in:\n{text}");
    }
}
