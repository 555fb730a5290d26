//! The four office presets parse, and every mistake an office can make in its file is refused
//! with the error that names it. Each broken file is a tiny inline SOP that differs from a
//! valid one in exactly one place.

use super::*;
use crate::domain::calendar::Limit;

const KUDUS: &str = include_str!("../../../config/sop/kudus.toml");
const KEDIRI: &str = include_str!("../../../config/sop/kediri.toml");
const PEKALONGAN: &str = include_str!("../../../config/sop/pekalongan.toml");
const TEBING_TINGGI: &str = include_str!("../../../config/sop/tebing-tinggi.toml");

const HEADER: &str = r#"
[sop]
id = "mini"
name = "Mini"
office = "Kantor Uji"
"#;

/// Helpdesk → technician → reporter → closed: the smallest SOP that passes every check.
const VALID_STEPS: &str = r#"
[[step]]
id = "terima"
name = "Terima"
role = "helpdesk"
actions = [{ kind = "forward", to = "perbaikan" }]

[[step]]
id = "perbaikan"
name = "Perbaikan"
role = "technician"
actions = [{ kind = "resolve", to = "konfirmasi" }]

[[step]]
id = "konfirmasi"
name = "Konfirmasi"
role = "reporter"
actions = [{ kind = "confirm", to = "closed" }, { kind = "reopen", to = "perbaikan" }]
"#;

fn parse_steps(steps: &str) -> Result<Sop, SopError> {
    Sop::parse(&format!("{HEADER}{steps}"))
}

/// The valid mini SOP with the `terima` step's actions replaced.
fn with_terima_actions(actions: &str) -> Result<Sop, SopError> {
    let steps = VALID_STEPS.replacen(r#"actions = [{ kind = "forward", to = "perbaikan" }]"#, actions, 1);
    parse_steps(&steps)
}

fn syntax_message(result: Result<Sop, SopError>) -> String {
    match result {
        Err(SopError::Syntax(message)) => message,
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

// --- the presets ---------------------------------------------------------------------------

#[test]
fn the_kudus_preset_starts_at_the_helpdesk_and_targets_two_business_days() {
    let sop = Sop::parse(KUDUS).unwrap();

    assert_eq!(sop.id(), "kudus");
    assert_eq!(sop.start_step().id, "terima");
    assert_eq!(sop.start_step().role, Role::Helpdesk);
    assert_eq!(sop.header.target, Some(Limit::BusinessDays(2)));
}

#[test]
fn the_kediri_preset_starts_at_the_kadis_disposition_and_targets_five_business_days() {
    let sop = Sop::parse(KEDIRI).unwrap();

    assert_eq!(sop.id(), "kediri");
    assert_eq!(sop.start_step().id, "disposisi");
    assert_eq!(sop.start_step().role, Role::Kadis);
    assert_eq!(sop.header.target, Some(Limit::BusinessDays(5)));
}

#[test]
fn the_pekalongan_preset_starts_at_the_kadis_disposition_and_targets_five_business_days() {
    let sop = Sop::parse(PEKALONGAN).unwrap();

    assert_eq!(sop.id(), "pekalongan");
    assert_eq!(sop.start_step().id, "disposisi_kadis");
    assert_eq!(sop.header.target, Some(Limit::BusinessDays(5)));
}

#[test]
fn the_tebing_tinggi_preset_starts_at_the_kadis_and_targets_twenty_four_wall_clock_hours() {
    let sop = Sop::parse(TEBING_TINGGI).unwrap();

    assert_eq!(sop.id(), "tebing-tinggi");
    assert_eq!(sop.start_step().id, "disposisi_kadis");
    assert_eq!(sop.header.target, Some(Limit::Calendar(24 * 60)));
}

#[test]
fn the_kudus_field_visit_resolve_asks_for_one_photo() {
    let sop = Sop::parse(KUDUS).unwrap();

    let resolve = sop.step("perbaikan_lapangan").unwrap().find_action(ActionKind::Resolve, None).unwrap();

    assert_eq!(resolve.min_photos, 1);
    assert_eq!(resolve.to, Some(Target::Step("konfirmasi".into())));
}

#[test]
fn the_mini_sop_used_below_is_valid_and_starts_at_its_first_step() {
    let sop = parse_steps(VALID_STEPS).unwrap();

    assert_eq!(sop.start_step().id, "terima");
    assert_eq!(sop.header.target, None);
    assert!(sop.header.reporter_can_cancel);
}

#[test]
fn sop_start_picks_a_step_other_than_the_first() {
    let steps = VALID_STEPS.replacen(
        r#"actions = [{ kind = "resolve", to = "konfirmasi" }]"#,
        r#"actions = [{ kind = "resolve", to = "konfirmasi" }, { kind = "return", to = "terima" }]"#,
        1,
    );
    let text = format!("{HEADER}start = \"perbaikan\"\n{steps}");

    let sop = Sop::parse(&text).unwrap();

    assert_eq!(sop.start_step().id, "perbaikan");
}

#[test]
fn a_start_that_nothing_leads_back_from_leaves_the_first_step_unreachable() {
    let text = format!("{HEADER}start = \"perbaikan\"\n{VALID_STEPS}");

    let err = Sop::parse(&text).unwrap_err();

    assert_eq!(err, SopError::Unreachable("terima".into()));
}

#[test]
fn a_step_offering_one_kind_twice_needs_the_target_to_tell_them_apart() {
    let sop = with_terima_actions(
        r#"actions = [{ kind = "forward", to = "perbaikan" }, { kind = "forward", to = "konfirmasi" }]"#,
    )
    .unwrap();
    let terima = sop.step("terima").unwrap();

    assert!(terima.find_action(ActionKind::Forward, None).is_none());
    let chosen = terima.find_action(ActionKind::Forward, Some(&Target::Step("konfirmasi".into())));
    assert_eq!(chosen.and_then(|a| a.to.clone()), Some(Target::Step("konfirmasi".into())));
}

// --- errors the TOML reader reports -------------------------------------------------------

#[test]
fn a_toml_syntax_error_names_the_line() {
    // Line 5 of the text below lacks its closing quote.
    let text = "[sop]\nid = \"mini\"\nname = \"Mini\"\noffice = \"Kantor Uji\"\nstart = \"terima\n";

    let message = syntax_message(Sop::parse(text));

    assert!(message.contains("line 5"), "{message}");
}

#[test]
fn an_unknown_role_is_a_syntax_error_naming_it() {
    let steps = VALID_STEPS.replacen(r#"role = "helpdesk""#, r#"role = "lurah""#, 1);

    let message = syntax_message(parse_steps(&steps));

    assert!(message.contains("lurah"), "{message}");
}

#[test]
fn an_unknown_action_kind_is_a_syntax_error_naming_it() {
    let message = syntax_message(with_terima_actions(r#"actions = [{ kind = "teleport", to = "perbaikan" }]"#));

    assert!(message.contains("teleport"), "{message}");
}

#[test]
fn a_limit_that_is_not_a_duration_is_a_syntax_error_quoting_it() {
    let steps = VALID_STEPS.replacen("role = \"helpdesk\"\n", "role = \"helpdesk\"\nlimit = \"secepatnya\"\n", 1);

    let message = syntax_message(parse_steps(&steps));

    assert!(message.contains("secepatnya"), "{message}");
}

#[test]
fn an_unknown_field_in_a_step_is_refused() {
    let steps = VALID_STEPS.replacen("role = \"helpdesk\"\n", "role = \"helpdesk\"\ncolour = \"red\"\n", 1);

    let message = syntax_message(parse_steps(&steps));

    assert!(message.contains("colour"), "{message}");
}

#[test]
fn an_unknown_field_in_an_action_is_refused() {
    let message = syntax_message(with_terima_actions(r#"actions = [{ kind = "forward", too = "perbaikan" }]"#));

    assert!(message.contains("too"), "{message}");
}

#[test]
fn an_unknown_field_in_the_header_is_refused() {
    let text = format!("{HEADER}director = \"Pak Budi\"\n{VALID_STEPS}");

    let message = syntax_message(Sop::parse(&text));

    assert!(message.contains("director"), "{message}");
}

// --- errors of the SOP's own rules --------------------------------------------------------

#[test]
fn a_file_without_steps_is_refused() {
    assert_eq!(Sop::parse(HEADER).unwrap_err(), SopError::NoSteps);
}

#[test]
fn an_sop_id_with_spaces_is_refused() {
    let text = format!("{}{VALID_STEPS}", HEADER.replace("id = \"mini\"", "id = \"kota mini\""));

    assert_eq!(Sop::parse(&text).unwrap_err(), SopError::BadId("kota mini".into()));
}

#[test]
fn a_step_defined_twice_is_refused() {
    let steps = format!(
        "{VALID_STEPS}\n[[step]]\nid = \"terima\"\nname = \"Lagi\"\nrole = \"kasi\"\nactions = [{{ kind = \"approve\", to = \"closed\" }}]\n"
    );

    assert_eq!(parse_steps(&steps).unwrap_err(), SopError::DuplicateStep("terima".into()));
}

#[test]
fn a_step_named_closed_is_refused() {
    let steps = VALID_STEPS.replacen(r#"id = "terima""#, r#"id = "closed""#, 1);

    assert_eq!(parse_steps(&steps).unwrap_err(), SopError::BadStepId("closed".into()));
}

#[test]
fn a_start_naming_no_step_is_refused() {
    let text = format!("{HEADER}start = \"awal\"\n{VALID_STEPS}");

    assert_eq!(Sop::parse(&text).unwrap_err(), SopError::UnknownStart("awal".into()));
}

#[test]
fn a_step_without_actions_is_refused() {
    let steps = VALID_STEPS.replacen(r#"actions = [{ kind = "forward", to = "perbaikan" }]"#, "actions = []", 1);

    assert_eq!(parse_steps(&steps).unwrap_err(), SopError::NoActions("terima".into()));
}

#[test]
fn a_step_for_the_admin_role_is_refused() {
    let steps = VALID_STEPS.replacen(r#"role = "helpdesk""#, r#"role = "admin""#, 1);

    assert_eq!(parse_steps(&steps).unwrap_err(), SopError::BadRole("terima".into(), Role::Admin));
}

#[test]
fn an_action_going_to_an_unknown_step_is_refused() {
    let err = with_terima_actions(r#"actions = [{ kind = "forward", to = "perbaikn" }]"#).unwrap_err();

    assert_eq!(
        err,
        SopError::UnknownTarget { step: "terima".into(), kind: ActionKind::Forward, to: "perbaikn".into() }
    );
}

#[test]
fn a_moving_action_without_a_target_is_refused() {
    let err = with_terima_actions(r#"actions = [{ kind = "forward" }]"#).unwrap_err();

    assert_eq!(err, SopError::MissingTarget { step: "terima".into(), kind: ActionKind::Forward });
}

#[test]
fn ask_info_with_a_target_is_refused() {
    let err = with_terima_actions(
        r#"actions = [{ kind = "forward", to = "perbaikan" }, { kind = "ask_info", to = "perbaikan" }]"#,
    )
    .unwrap_err();

    assert_eq!(err, SopError::UnexpectedTarget { step: "terima".into(), kind: ActionKind::AskInfo });
}

#[test]
fn listing_cancel_is_refused_because_it_is_always_available() {
    let err =
        with_terima_actions(r#"actions = [{ kind = "forward", to = "perbaikan" }, { kind = "cancel" }]"#).unwrap_err();

    assert_eq!(err, SopError::ImplicitAction { step: "terima".into(), kind: ActionKind::Cancel });
}

#[test]
fn a_reporter_action_on_a_staff_step_is_refused() {
    let err = with_terima_actions(
        r#"actions = [{ kind = "forward", to = "perbaikan" }, { kind = "confirm", to = "closed" }]"#,
    )
    .unwrap_err();

    assert_eq!(
        err,
        SopError::ReporterActionOnStaffStep { step: "terima".into(), kind: ActionKind::Confirm, role: Role::Helpdesk }
    );
}

#[test]
fn a_staff_action_on_a_reporter_step_is_refused() {
    let steps =
        VALID_STEPS.replacen(r#"{ kind = "reopen", to = "perbaikan" }"#, r#"{ kind = "approve", to = "closed" }"#, 1);

    let err = parse_steps(&steps).unwrap_err();

    assert_eq!(err, SopError::StaffActionOnReporterStep { step: "konfirmasi".into(), kind: ActionKind::Approve });
}

#[test]
fn the_same_action_listed_twice_with_the_same_target_is_refused() {
    let err = with_terima_actions(
        r#"actions = [{ kind = "forward", to = "perbaikan" }, { kind = "forward", to = "perbaikan" }]"#,
    )
    .unwrap_err();

    assert_eq!(err, SopError::DuplicateAction { step: "terima".into(), kind: ActionKind::Forward });
}

#[test]
fn assigning_to_a_step_that_is_not_for_technicians_is_refused() {
    let err = with_terima_actions(
        r#"actions = [{ kind = "forward", to = "perbaikan" }, { kind = "assign", to = "konfirmasi" }]"#,
    )
    .unwrap_err();

    assert_eq!(
        err,
        SopError::AssignToNonTechnician { step: "terima".into(), to: "konfirmasi".into(), role: Role::Reporter }
    );
}

#[test]
fn a_step_nothing_leads_to_is_refused_as_unreachable() {
    let steps = format!(
        "{VALID_STEPS}\n[[step]]\nid = \"arsip\"\nname = \"Arsip\"\nrole = \"kabid\"\nactions = [{{ kind = \"approve\", to = \"closed\" }}]\n"
    );

    assert_eq!(parse_steps(&steps).unwrap_err(), SopError::Unreachable("arsip".into()));
}

#[test]
fn a_step_from_which_closed_cannot_be_reached_is_refused_as_a_dead_end() {
    // `tinjau` is reachable, but it can only reject: no ticket there could ever be closed.
    let steps = format!(
        "{}\n[[step]]\nid = \"tinjau\"\nname = \"Tinjau\"\nrole = \"kasi\"\nactions = [{{ kind = \"reject\", to = \"rejected\" }}]\n",
        VALID_STEPS.replacen(
            r#"actions = [{ kind = "forward", to = "perbaikan" }]"#,
            r#"actions = [{ kind = "forward", to = "perbaikan" }, { kind = "forward", to = "tinjau" }]"#,
            1
        )
    );

    assert_eq!(parse_steps(&steps).unwrap_err(), SopError::DeadEnd("tinjau".into()));
}

// --- where monitoring alerts enter ------------------------------------------------------------

#[test]
fn each_preset_lets_a_monitoring_alert_enter_at_the_technicians_check() {
    for (text, step) in
        [(KUDUS, "perbaikan_online"), (KEDIRI, "pengecekan"), (PEKALONGAN, "cek_fisik"), (TEBING_TINGGI, "analisa")]
    {
        let sop = Sop::parse(text).unwrap();
        assert_eq!(sop.monitoring_start_step().id, step, "{}", sop.id());
        assert_eq!(sop.monitoring_start_step().role, Role::Technician, "{}", sop.id());
    }
}

#[test]
fn without_monitoring_start_an_alert_enters_where_a_report_does() {
    let sop = parse_steps(VALID_STEPS).unwrap();

    assert_eq!(sop.monitoring_start_step().id, "terima");
}

#[test]
fn a_monitoring_start_naming_no_step_or_a_reporters_step_is_refused() {
    let unknown = format!("{HEADER}monitoring_start = \"cek\"\n{VALID_STEPS}");
    let reporters = format!("{HEADER}monitoring_start = \"konfirmasi\"\n{VALID_STEPS}");

    assert_eq!(Sop::parse(&unknown).unwrap_err(), SopError::UnknownMonitoringStart("cek".into()));
    assert_eq!(Sop::parse(&reporters).unwrap_err(), SopError::MonitoringStartOnReporterStep("konfirmasi".into()));
}
