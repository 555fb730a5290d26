//! Each adapter against its tool's samples (`tests/fixtures/alerts/`): the identity stays the
//! same from problem to recovery, firing and recovery are told apart, the host names are the
//! ones a registry would list, and what is not an outage yields nothing.

use super::{Options, ParseError, parse};
use crate::domain::alert::{Alert, Source};

macro_rules! sample {
    ($name:literal) => {
        include_str!(concat!("../../../tests/fixtures/alerts/", $name))
    };
}

fn one(source: Source, body: &str) -> Alert {
    let mut alerts = parse(source, body, &Options::default()).unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    alerts.remove(0)
}

fn pair(source: Source, problem: &str, recovery: &str) -> (Alert, Alert) {
    let (a, b) = (one(source, problem), one(source, recovery));
    assert!(a.firing && !b.firing, "{a:?} / {b:?}");
    assert_eq!(a.identity, b.identity);
    (a, b)
}

#[test]
fn alertmanager_opens_one_alert_per_fingerprint_and_resolves_by_each_alerts_status() {
    let alerts =
        parse(Source::Alertmanager, sample!("alertmanager_firing_two-alerts.zulip.json"), &Options::default()).unwrap();
    let resolved = one(Source::Alertmanager, sample!("alertmanager_resolved.zulip.json"));

    assert_eq!(
        alerts.iter().map(|a| a.identity.as_str()).collect::<Vec<_>>(),
        ["a1bc48475b20e73d", "c2ea85182f28cbd9"]
    );
    assert!(alerts.iter().all(|a| a.firing && a.hosts == ["andromeda"]));
    assert_eq!(alerts[0].severity.as_deref(), Some("critical"));
    assert_eq!(alerts[0].summary, "High CPU core temperature");
    assert!(alerts[0].at.is_some());
    assert!(!resolved.firing);
    assert_eq!(resolved.identity, "a1bc48475b20e73d");
}

#[test]
fn an_alert_without_fingerprint_is_known_by_its_labels_and_an_instance_by_its_host() {
    let body = r#"{"alerts":[{"status":"firing","labels":{"instance":"10.20.0.1:9100","job":"node"}}]}"#;
    let again = r#"{"alerts":[{"status":"resolved","labels":{"job":"node","instance":"10.20.0.1:9100"}}]}"#;

    let (a, _) = pair(Source::Alertmanager, body, again);

    assert!(a.identity.starts_with("labels:"), "{}", a.identity);
    assert_eq!(a.hosts, ["10.20.0.1:9100", "10.20.0.1"]);
}

#[test]
fn grafana_pairs_by_fingerprint_reads_the_configured_labels_and_skips_its_own_datasource_alerts() {
    let options = Options { host_labels: vec!["alertname".into()] };
    let firing = parse(Source::Grafana, sample!("grafana_firing.zulip.json"), &options).unwrap();
    let resolved = parse(Source::Grafana, sample!("grafana_resolved.zulip.json"), &options).unwrap();
    let nodata = r#"{"alerts":[{"status":"firing","labels":{"alertname":"DatasourceNoData"},"fingerprint":"1"}]}"#;

    assert_eq!((firing[0].firing, resolved[0].firing), (true, false));
    assert_eq!(firing[0].identity, "d8a21484c9c25a60");
    assert_eq!(resolved[0].identity, "d8a21484c9c25a60");
    assert_eq!(firing[0].hosts, ["Test alert"]);
    assert!(parse(Source::Grafana, nodata, &options).unwrap().is_empty());
}

#[test]
fn zabbix_pairs_problem_and_recovery_by_event_id_and_ignores_updates() {
    let (problem, _) =
        pair(Source::Zabbix, sample!("zabbix_problem.DERIVED.json"), sample!("zabbix_recovery.DERIVED.json"));
    let update = sample!("zabbix_problem.DERIVED.json")
        .replace(r#""event_update_status": "0""#, r#""event_update_status": "1""#);

    assert_eq!(problem.identity, "event:1843207");
    assert_eq!(problem.hosts, ["rtr-diskominfo-01", "Router Diskominfo Lt.2", "10.20.1.1"]);
    assert_eq!(problem.severity.as_deref(), Some("High"));
    assert!(parse(Source::Zabbix, &update, &Options::default()).unwrap().is_empty());
}

#[test]
fn zabbix_in_zulips_script_pairs_by_the_trigger_on_the_host() {
    let (problem, _) =
        pair(Source::Zabbix, sample!("zabbix_problem.zulip.json"), sample!("zabbix_recovery.zulip.json"));

    assert_eq!(problem.identity, "trigger:14032:www.example.com");
    assert_eq!(problem.hosts, ["www.example.com"]);
}

#[test]
fn librenms_pairs_by_alert_id_in_both_bodies_and_ignores_acknowledgements() {
    let (alert, _) =
        pair(Source::Librenms, sample!("librenms_alert.DERIVED.json"), sample!("librenms_recovery.DERIVED.json"));
    let keep = one(Source::Librenms, sample!("librenms_recovery.keep.json"));
    let acknowledged = sample!("librenms_alert.DERIVED.json").replace(r#""state": "1""#, r#""state": "2""#);

    assert_eq!(alert.identity, "alert:31");
    assert_eq!(alert.hosts, ["10.20.1.2", "sw-core-diskominfo"]);
    assert_eq!((keep.identity.as_str(), keep.firing), ("alert:26", false));
    assert!(parse(Source::Librenms, &acknowledged, &Options::default()).unwrap().is_empty());
}

#[test]
fn uptime_kuma_pairs_by_monitor_and_its_test_button_asks_nothing() {
    let (down, _) =
        pair(Source::Uptimekuma, sample!("uptimekuma_down.DERIVED.json"), sample!("uptimekuma_up.DERIVED.json"));

    assert_eq!(down.identity, "monitor:12");
    assert_eq!(down.hosts, ["SIMPEG BKPSDM", "simpeg.diskominfo.example"]);
    assert_eq!(down.at.map(|t| t.to_rfc3339()), Some("2026-03-02T02:15:42.318+00:00".into()));
    let test = r#"{"heartbeat":null,"monitor":null,"msg":"Sending test"}"#;
    assert!(parse(Source::Uptimekuma, test, &Options::default()).unwrap().is_empty());
}

#[test]
fn prtg_pairs_by_sensor_decodes_the_form_and_leaves_warnings_alone() {
    let (down, _) = pair(Source::Prtg, sample!("prtg_down.DERIVED.txt"), sample!("prtg_up.DERIVED.txt"));
    let warning = sample!("prtg_down.DERIVED.txt").replace("status=Down", "status=Warning");

    assert_eq!(down.identity, "sensor:2087");
    assert_eq!(down.hosts, ["Core Switch Diskominfo", "10.20.1.2"]);
    assert!(down.summary.contains("Request timed out (ping error code: 11010)"), "{}", down.summary);
    assert!(parse(Source::Prtg, &warning, &Options::default()).unwrap().is_empty());
    let undecoded = "sensorid=1&status=Down+(Partial)&device=50%+loss";
    assert_eq!(one(Source::Prtg, undecoded).hosts, ["50%+loss".replace('+', " ")]);
}

#[test]
fn mikrotik_pairs_by_router_and_host() {
    let (down, _) = pair(
        Source::Mikrotik,
        sample!("mikrotik_netwatch_down.DERIVED.json"),
        sample!("mikrotik_netwatch_up.DERIVED.json"),
    );

    assert_eq!(down.identity, "RB-Diskominfo-Core/10.20.5.1");
    assert_eq!(down.hosts, ["10.20.5.1", "Link FO Kantor Camat Ngaglik"]);
}

#[test]
fn malformed_bodies_say_what_is_wrong() {
    let cases = [
        (Source::Alertmanager, "{", "not JSON"),
        (Source::Alertmanager, r#"{"alerts":[{"status":"maybe"}]}"#, "alerts[].status"),
        (Source::Alertmanager, r#"{"receiver":"x"}"#, "alerts"),
        (Source::Zabbix, r#"{"foo":"bar"}"#, "event_id"),
        (Source::Zabbix, r#"{"event_id":"1","event_value":"7"}"#, "event_value"),
        (Source::Librenms, r#"{"state":"1"}"#, "alert_id"),
        (Source::Uptimekuma, r#"{"heartbeat":{"status":0},"monitor":{}}"#, "monitor.id"),
        (Source::Prtg, "status=Down", "sensorid"),
        (Source::Mikrotik, r#"{"router":"r","host":"h","status":"sideways"}"#, "status"),
        (Source::Mikrotik, r#"{"router":"r","host":"h","comment":"a "quoted" name","status":"down"}"#, "not JSON"),
        (Source::Grafana, "[]", "not an object"),
    ];
    for (source, body, expected) in cases {
        let err = parse(source, body, &Options::default()).unwrap_err();
        assert!(err.to_string().contains(expected), "{source} {body}: {err}");
    }
    assert!(matches!(parse(Source::Zabbix, "[]", &Options::default()), Err(ParseError::Shape(_))));
}
