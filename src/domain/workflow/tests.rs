//! The engine on real office SOPs (Kudus, and Kediri for the ISP and assignment steps), with
//! tickets built by hand: what each action does, every reason it can be refused, and who
//! hears about it.

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::domain::sop::Sop;

const REPORTER: PersonId = 1;
const HELPDESK: PersonId = 2;
const KASI: PersonId = 3;
const TECH_A: PersonId = 4;
const TECH_B: PersonId = 5;
const KABID: PersonId = 6;
const VERSION: i32 = 3;

fn kudus() -> Sop {
    Sop::parse(include_str!("../../../config/sop/kudus.toml")).unwrap()
}

fn kediri() -> Sop {
    Sop::parse(include_str!("../../../config/sop/kediri.toml")).unwrap()
}

/// Monday 23 November 2026, 09:00 WIB.
fn now() -> DateTime<Utc> {
    "2026-11-23T02:00:00Z".parse().unwrap()
}

fn open_at(step: &str) -> TicketSnapshot {
    TicketSnapshot {
        reporter_id: REPORTER,
        step: step.to_owned(),
        status: TicketStatus::Open,
        priority: None,
        assignees: Vec::new(),
        version: VERSION,
    }
}

fn assigned_at(step: &str, assignees: &[PersonId]) -> TicketSnapshot {
    TicketSnapshot { assignees: assignees.to_vec(), ..open_at(step) }
}

fn actor(id: PersonId, role: Role) -> Actor {
    Actor { id, roles: vec![role] }
}

fn reporter() -> Actor {
    actor(REPORTER, Role::Reporter)
}

fn command(kind: ActionKind) -> Command {
    Command::new(kind, VERSION)
}

fn technician(id: PersonId) -> Candidate {
    Candidate { id, roles: vec![Role::Technician], active: true }
}

fn decide_kudus(ticket: &TicketSnapshot, who: &Actor, cmd: &Command) -> Result<Transition, Refusal> {
    decide(&kudus(), ticket, who, cmd, now())
}

// --- moving on ----------------------------------------------------------------------------

#[test]
fn the_helpdesk_forwards_a_new_report_to_the_kasi() {
    let ticket = open_at("terima");

    let t = decide_kudus(&ticket, &actor(HELPDESK, Role::Helpdesk), &command(ActionKind::Forward)).unwrap();

    assert_eq!((t.from_step.as_str(), t.to_step.as_str()), ("terima", "prioritas"));
    assert_eq!(t.as_role, Role::Helpdesk);
    assert_eq!(t.status, TicketStatus::Open);
    assert_eq!(t.assignees, None);
    assert!(t.moved());
}

#[test]
fn the_kabid_approving_the_report_closes_the_ticket() {
    let ticket = open_at("laporan_kabid");

    let t = decide_kudus(&ticket, &actor(KABID, Role::Kabid), &command(ActionKind::Approve)).unwrap();

    assert_eq!(t.status, TicketStatus::Closed);
    assert_eq!(t.to_step, "laporan_kabid");
}

#[test]
fn a_person_holding_several_roles_acts_in_the_role_the_step_needs() {
    let ticket = open_at("prioritas");
    let both = Actor { id: KASI, roles: vec![Role::Helpdesk, Role::Kasi] };

    let t = decide_kudus(&ticket, &both, &command(ActionKind::FixRemote)).unwrap();

    assert_eq!(t.as_role, Role::Kasi);
    assert_eq!(t.to_step, "perbaikan_online");
}

#[test]
fn set_priority_without_a_target_records_the_priority_and_keeps_the_step() {
    let ticket = open_at("prioritas");
    let cmd = Command { priority: Some(Priority::High), ..command(ActionKind::SetPriority) };

    let t = decide_kudus(&ticket, &actor(KASI, Role::Kasi), &cmd).unwrap();

    assert_eq!(t.to_step, "prioritas");
    assert_eq!(t.priority, Some(Priority::High));
    assert!(!t.moved());
}

#[test]
fn set_priority_without_choosing_one_is_refused() {
    let ticket = open_at("prioritas");

    let refusal = decide_kudus(&ticket, &actor(KASI, Role::Kasi), &command(ActionKind::SetPriority)).unwrap_err();

    assert_eq!(refusal, Refusal::Missing("priority"));
}

#[test]
fn a_field_visit_resolve_with_a_photo_goes_to_the_reporter() {
    let ticket = assigned_at("perbaikan_lapangan", &[TECH_A]);
    let cmd = Command { photos: 1, ..command(ActionKind::Resolve).note("Kabel LAN diganti") };

    let t = decide_kudus(&ticket, &actor(TECH_A, Role::Technician), &cmd).unwrap();

    assert_eq!(t.to_step, "konfirmasi");
    assert_eq!(t.note.as_deref(), Some("Kabel LAN diganti"));
}

#[test]
fn a_note_is_trimmed_before_it_is_kept() {
    let ticket = assigned_at("perbaikan_online", &[TECH_A]);
    let cmd = command(ActionKind::Resolve).note("  Router di-restart \n");

    let t = decide_kudus(&ticket, &actor(TECH_A, Role::Technician), &cmd).unwrap();

    assert_eq!(t.note.as_deref(), Some("Router di-restart"));
}

// --- refusals -----------------------------------------------------------------------------

#[test]
fn a_kasi_cannot_act_on_the_helpdesk_step() {
    let ticket = open_at("terima");

    let refusal = decide_kudus(&ticket, &actor(KASI, Role::Kasi), &command(ActionKind::Forward)).unwrap_err();

    assert_eq!(refusal, Refusal::WrongRole { step: "terima".into(), needed: Role::Helpdesk });
}

#[test]
fn the_reporter_cannot_act_on_a_staff_step() {
    let ticket = open_at("terima");

    let refusal = decide_kudus(&ticket, &reporter(), &command(ActionKind::Forward)).unwrap_err();

    assert_eq!(refusal, Refusal::WrongRole { step: "terima".into(), needed: Role::Helpdesk });
}

#[test]
fn an_action_the_step_does_not_offer_is_refused() {
    let ticket = open_at("terima");

    let refusal = decide_kudus(&ticket, &actor(HELPDESK, Role::Helpdesk), &command(ActionKind::Approve)).unwrap_err();

    assert_eq!(refusal, Refusal::NotAllowedHere { kind: ActionKind::Approve, step: "terima".into() });
}

#[test]
fn a_stale_version_is_refused() {
    let ticket = open_at("terima");
    let cmd = Command::new(ActionKind::Forward, VERSION - 1);

    let refusal = decide_kudus(&ticket, &actor(HELPDESK, Role::Helpdesk), &cmd).unwrap_err();

    assert_eq!(refusal, Refusal::Stale { current: VERSION });
}

#[test]
fn a_closed_ticket_is_refused() {
    let ticket = TicketSnapshot { status: TicketStatus::Closed, ..open_at("laporan_kabid") };

    let refusal = decide_kudus(&ticket, &actor(KABID, Role::Kabid), &command(ActionKind::Approve)).unwrap_err();

    assert_eq!(refusal, Refusal::NotOpen(TicketStatus::Closed));
}

#[test]
fn an_old_button_on_a_closed_ticket_is_stale_rather_than_closed() {
    let ticket = TicketSnapshot { status: TicketStatus::Closed, ..open_at("laporan_kabid") };
    let cmd = Command::new(ActionKind::Approve, VERSION - 1);

    let refusal = decide_kudus(&ticket, &actor(KABID, Role::Kabid), &cmd).unwrap_err();

    assert_eq!(refusal, Refusal::Stale { current: VERSION });
}

#[test]
fn a_cancelled_ticket_cannot_be_cancelled_again() {
    let ticket = TicketSnapshot { status: TicketStatus::Cancelled, ..open_at("terima") };

    let refusal = decide_kudus(&ticket, &reporter(), &command(ActionKind::Cancel)).unwrap_err();

    assert_eq!(refusal, Refusal::NotOpen(TicketStatus::Cancelled));
}

#[test]
fn resolving_without_a_note_is_refused() {
    let ticket = assigned_at("perbaikan_online", &[TECH_A]);

    let refusal = decide_kudus(&ticket, &actor(TECH_A, Role::Technician), &command(ActionKind::Resolve)).unwrap_err();

    assert_eq!(refusal, Refusal::Missing("note"));
}

#[test]
fn a_note_of_only_spaces_counts_as_missing() {
    let ticket = assigned_at("perbaikan_online", &[TECH_A]);
    let cmd = command(ActionKind::Resolve).note("   \n ");

    let refusal = decide_kudus(&ticket, &actor(TECH_A, Role::Technician), &cmd).unwrap_err();

    assert_eq!(refusal, Refusal::Missing("note"));
}

#[test]
fn a_field_visit_resolve_without_a_photo_is_refused() {
    let ticket = assigned_at("perbaikan_lapangan", &[TECH_A]);
    let cmd = command(ActionKind::Resolve).note("Sudah diperbaiki");

    let refusal = decide_kudus(&ticket, &actor(TECH_A, Role::Technician), &cmd).unwrap_err();

    assert_eq!(refusal, Refusal::TooFewPhotos { need: 1, got: 0 });
}

#[test]
fn a_note_longer_than_the_maximum_is_refused() {
    let ticket = open_at("prioritas");
    let cmd = command(ActionKind::Return).note("x".repeat(MAX_NOTE_CHARS + 1));

    let refusal = decide_kudus(&ticket, &actor(KASI, Role::Kasi), &cmd).unwrap_err();

    assert_eq!(refusal, Refusal::NoteTooLong);
}

#[test]
fn a_note_of_exactly_the_maximum_in_multibyte_characters_is_accepted() {
    let ticket = open_at("prioritas");
    let cmd = command(ActionKind::Return).note("é".repeat(MAX_NOTE_CHARS));

    let t = decide_kudus(&ticket, &actor(KASI, Role::Kasi), &cmd).unwrap();

    assert_eq!(t.to_step, "terima");
}

// --- the ISP estimate (Kediri) ------------------------------------------------------------

#[test]
fn contacting_the_isp_without_an_estimate_is_refused() {
    let ticket = assigned_at("pengecekan", &[TECH_A]);

    let refusal = decide(&kediri(), &ticket, &actor(TECH_A, Role::Technician), &command(ActionKind::ContactIsp), now())
        .unwrap_err();

    assert_eq!(refusal, Refusal::Missing("eta"));
}

#[test]
fn contacting_the_isp_with_an_estimate_in_the_past_is_refused() {
    let ticket = assigned_at("pengecekan", &[TECH_A]);
    let cmd = Command { eta: Some(now() - Duration::minutes(1)), ..command(ActionKind::ContactIsp) };

    let refusal = decide(&kediri(), &ticket, &actor(TECH_A, Role::Technician), &cmd, now()).unwrap_err();

    assert_eq!(refusal, Refusal::EtaInPast);
}

#[test]
fn contacting_the_isp_keeps_the_estimate_and_waits_for_the_isp() {
    let ticket = assigned_at("pengecekan", &[TECH_A]);
    let eta = now() + Duration::hours(4);
    let cmd = Command { eta: Some(eta), ..command(ActionKind::ContactIsp) };

    let t = decide(&kediri(), &ticket, &actor(TECH_A, Role::Technician), &cmd, now()).unwrap();

    assert_eq!(t.to_step, "koordinasi_isp");
    assert_eq!(t.eta, Some(eta));
}

// --- assigning and claiming ---------------------------------------------------------------

#[test]
fn assigning_someone_who_is_not_a_technician_is_refused() {
    let ticket = open_at("penugasan");
    let cmd = Command {
        assignees: vec![technician(TECH_A), Candidate { id: KASI, roles: vec![Role::Kasi], active: true }],
        ..command(ActionKind::Assign)
    };

    let refusal = decide(&kediri(), &ticket, &actor(KABID, Role::Kabid), &cmd, now()).unwrap_err();

    assert_eq!(refusal, Refusal::NotTechnician(KASI));
}

#[test]
fn assigning_an_inactive_technician_is_refused() {
    let ticket = open_at("penugasan");
    let cmd =
        Command { assignees: vec![Candidate { active: false, ..technician(TECH_B) }], ..command(ActionKind::Assign) };

    let refusal = decide(&kediri(), &ticket, &actor(KABID, Role::Kabid), &cmd, now()).unwrap_err();

    assert_eq!(refusal, Refusal::NotTechnician(TECH_B));
}

#[test]
fn assigning_nobody_is_refused() {
    let ticket = open_at("penugasan");

    let refusal =
        decide(&kediri(), &ticket, &actor(KABID, Role::Kabid), &command(ActionKind::Assign), now()).unwrap_err();

    assert_eq!(refusal, Refusal::Missing("assignees"));
}

#[test]
fn assigning_the_same_technician_twice_keeps_them_once_in_order() {
    let ticket = open_at("penugasan");
    let cmd = Command {
        assignees: vec![technician(TECH_B), technician(TECH_A), technician(TECH_B)],
        ..command(ActionKind::Assign)
    };

    let t = decide(&kediri(), &ticket, &actor(KABID, Role::Kabid), &cmd, now()).unwrap();

    assert_eq!(t.assignees, Some(vec![TECH_B, TECH_A]));
    assert_eq!(t.to_step, "pengecekan");
}

#[test]
fn the_first_technician_to_act_on_an_unassigned_step_claims_it() {
    let ticket = open_at("perbaikan_online");
    let cmd = command(ActionKind::Resolve).note("Sudah normal");

    let t = decide_kudus(&ticket, &actor(TECH_B, Role::Technician), &cmd).unwrap();

    assert_eq!(t.assignees, Some(vec![TECH_B]));
}

#[test]
fn an_assigned_technician_acting_does_not_change_the_assignees() {
    let ticket = assigned_at("perbaikan_online", &[TECH_A, TECH_B]);
    let cmd = command(ActionKind::Resolve).note("Sudah normal");

    let t = decide_kudus(&ticket, &actor(TECH_B, Role::Technician), &cmd).unwrap();

    assert_eq!(t.assignees, None);
}

#[test]
fn a_technician_not_among_the_assignees_is_refused() {
    let ticket = assigned_at("perbaikan_online", &[TECH_A]);
    let cmd = command(ActionKind::Resolve).note("Sudah normal");

    let refusal = decide_kudus(&ticket, &actor(TECH_B, Role::Technician), &cmd).unwrap_err();

    assert_eq!(refusal, Refusal::NotAssigned);
}

// --- the reporter's own actions -----------------------------------------------------------

#[test]
fn only_the_reporter_confirms() {
    let ticket = open_at("konfirmasi");

    let refusal = decide_kudus(&ticket, &actor(KASI, Role::Kasi), &command(ActionKind::Confirm)).unwrap_err();

    assert_eq!(refusal, Refusal::NotReporter);
}

#[test]
fn another_reporter_cannot_confirm_someone_elses_ticket() {
    let ticket = open_at("konfirmasi");
    let stranger = actor(99, Role::Reporter);

    let refusal = decide_kudus(&ticket, &stranger, &command(ActionKind::Confirm)).unwrap_err();

    assert_eq!(refusal, Refusal::NotReporter);
}

#[test]
fn the_reporter_confirming_sends_the_ticket_to_the_kabid() {
    let ticket = open_at("konfirmasi");

    let t = decide_kudus(&ticket, &reporter(), &command(ActionKind::Confirm)).unwrap();

    assert_eq!(t.to_step, "laporan_kabid");
    assert_eq!(t.as_role, Role::Reporter);
}

#[test]
fn only_the_reporter_reopens() {
    let ticket = open_at("konfirmasi");
    let cmd = command(ActionKind::Reopen).note("Masih mati");

    let refusal = decide_kudus(&ticket, &actor(TECH_A, Role::Technician), &cmd).unwrap_err();

    assert_eq!(refusal, Refusal::NotReporter);
}

#[test]
fn the_reporter_reopening_sends_the_ticket_back_to_the_field_visit() {
    let ticket = open_at("konfirmasi");
    let cmd = command(ActionKind::Reopen).note("Masih mati");

    let t = decide_kudus(&ticket, &reporter(), &cmd).unwrap();

    assert_eq!(t.to_step, "perbaikan_lapangan");
}

#[test]
fn only_the_reporter_cancels() {
    let ticket = open_at("prioritas");

    let refusal = decide_kudus(&ticket, &actor(KASI, Role::Kasi), &command(ActionKind::Cancel)).unwrap_err();

    assert_eq!(refusal, Refusal::NotReporter);
}

#[test]
fn the_reporter_cancelling_ends_the_ticket_at_any_step() {
    let ticket = open_at("perbaikan_lapangan");

    let t = decide_kudus(&ticket, &reporter(), &command(ActionKind::Cancel)).unwrap();

    assert_eq!(t.status, TicketStatus::Cancelled);
}

#[test]
fn an_sop_that_forbids_cancelling_refuses_the_reporters_cancel() {
    let text = include_str!("../../../config/sop/kudus.toml").replacen(
        "target = \"2 business days\"",
        "target = \"2 business days\"\nreporter_can_cancel = false",
        1,
    );
    let sop = Sop::parse(&text).unwrap();

    let refusal = decide(&sop, &open_at("terima"), &reporter(), &command(ActionKind::Cancel), now()).unwrap_err();

    assert_eq!(refusal, Refusal::NotAllowedHere { kind: ActionKind::Cancel, step: "terima".into() });
}

#[test]
fn only_the_reporter_provides_information() {
    let ticket = open_at("terima");
    let cmd = command(ActionKind::ProvideInfo).note("Gedung B lantai 2");

    let refusal = decide_kudus(&ticket, &actor(HELPDESK, Role::Helpdesk), &cmd).unwrap_err();

    assert_eq!(refusal, Refusal::NotReporter);
}

#[test]
fn the_reporter_providing_information_keeps_the_ticket_where_it_is() {
    let ticket = open_at("terima");
    let cmd = command(ActionKind::ProvideInfo).note("Gedung B lantai 2");

    let t = decide_kudus(&ticket, &reporter(), &cmd).unwrap();

    assert_eq!(t.to_step, "terima");
    assert!(!t.moved());
}

#[test]
fn providing_information_without_any_text_is_refused() {
    let ticket = open_at("terima");

    let refusal = decide_kudus(&ticket, &reporter(), &command(ActionKind::ProvideInfo)).unwrap_err();

    assert_eq!(refusal, Refusal::Missing("note"));
}

// --- notices ------------------------------------------------------------------------------

fn notices_after(ticket: &TicketSnapshot, who: &Actor, cmd: &Command) -> Vec<Notice> {
    let sop = kudus();
    let t = decide(&sop, ticket, who, cmd, now()).unwrap();
    notices_for(&sop, ticket, &t)
}

fn notice(audience: Audience, kind: NoticeKind) -> Notice {
    Notice { audience, kind }
}

#[test]
fn a_new_report_tells_the_reporter_and_gives_the_start_step_a_card() {
    let notices = notices_for_new(&kudus());

    assert_eq!(
        notices,
        vec![
            notice(Audience::Reporter, NoticeKind::Received),
            notice(Audience::StepActors("terima".into()), NoticeKind::TaskCard),
        ]
    );
}

#[test]
fn a_forward_updates_the_reporter_and_gives_the_next_step_a_card() {
    let notices = notices_after(&open_at("terima"), &actor(HELPDESK, Role::Helpdesk), &command(ActionKind::Forward));

    assert_eq!(
        notices,
        vec![
            notice(Audience::Reporter, NoticeKind::ReporterUpdate),
            notice(Audience::StepActors("prioritas".into()), NoticeKind::TaskCard),
        ]
    );
}

#[test]
fn moving_to_the_reporters_step_gives_only_the_reporter_a_card() {
    let ticket = assigned_at("perbaikan_online", &[TECH_A]);
    let cmd = command(ActionKind::Resolve).note("Sudah normal");

    let notices = notices_after(&ticket, &actor(TECH_A, Role::Technician), &cmd);

    assert_eq!(notices, vec![notice(Audience::Reporter, NoticeKind::TaskCard)]);
}

#[test]
fn the_reporter_confirming_gives_only_the_next_step_a_card() {
    let notices = notices_after(&open_at("konfirmasi"), &reporter(), &command(ActionKind::Confirm));

    assert_eq!(notices, vec![notice(Audience::StepActors("laporan_kabid".into()), NoticeKind::TaskCard)]);
}

#[test]
fn closing_tells_the_reporter_and_sends_no_card() {
    let notices = notices_after(&open_at("laporan_kabid"), &actor(KABID, Role::Kabid), &command(ActionKind::Approve));

    assert_eq!(notices, vec![notice(Audience::Reporter, NoticeKind::ReporterUpdate)]);
}

#[test]
fn providing_information_notifies_the_current_steps_actors_with_a_fresh_card() {
    let cmd = command(ActionKind::ProvideInfo).note("Gedung B lantai 2");

    let notices = notices_after(&open_at("prioritas"), &reporter(), &cmd);

    assert_eq!(
        notices,
        vec![
            notice(Audience::StepActors("prioritas".into()), NoticeKind::ReporterAnswered),
            notice(Audience::StepActors("prioritas".into()), NoticeKind::TaskCard),
        ]
    );
}

#[test]
fn asking_for_information_tells_the_reporter_and_keeps_a_live_card_with_the_step() {
    let cmd = command(ActionKind::AskInfo).note("Di gedung mana?");

    let notices = notices_after(&open_at("terima"), &actor(HELPDESK, Role::Helpdesk), &cmd);

    assert_eq!(
        notices,
        vec![
            notice(Audience::Reporter, NoticeKind::ReporterUpdate),
            notice(Audience::StepActors("terima".into()), NoticeKind::TaskCard),
        ]
    );
}

#[test]
fn cancelling_tells_the_current_steps_actors_and_the_reporter() {
    let notices = notices_after(&open_at("prioritas"), &reporter(), &command(ActionKind::Cancel));

    assert_eq!(
        notices,
        vec![
            notice(Audience::StepActors("prioritas".into()), NoticeKind::Withdrawn),
            notice(Audience::Reporter, NoticeKind::ReporterUpdate),
        ]
    );
}

#[test]
fn setting_the_priority_tells_the_reporter_and_gives_the_step_a_fresh_card() {
    let cmd = Command { priority: Some(Priority::Low), ..command(ActionKind::SetPriority) };

    let notices = notices_after(&open_at("prioritas"), &actor(KASI, Role::Kasi), &cmd);

    assert_eq!(
        notices,
        vec![
            notice(Audience::Reporter, NoticeKind::ReporterUpdate),
            notice(Audience::StepActors("prioritas".into()), NoticeKind::TaskCard),
        ]
    );
}

#[test]
fn the_reporters_confirmation_that_closes_the_ticket_tells_them_so() {
    let sop = Sop::parse(include_str!("../../../config/sop/kediri.toml")).unwrap();
    let ticket = open_at("konfirmasi");
    let t = decide(&sop, &ticket, &reporter(), &command(ActionKind::Confirm), now()).unwrap();

    assert_eq!(notices_for(&sop, &ticket, &t), vec![notice(Audience::Reporter, NoticeKind::ReporterUpdate)]);
}

#[test]
fn a_technician_choosing_a_field_visit_updates_the_reporter_and_cards_the_field_step() {
    let ticket = open_at("perbaikan_online");
    let cmd = command(ActionKind::FieldVisit);

    let notices = notices_after(&ticket, &actor(TECH_A, Role::Technician), &cmd);

    assert_eq!(
        notices,
        vec![
            notice(Audience::Reporter, NoticeKind::ReporterUpdate),
            notice(Audience::StepActors("perbaikan_lapangan".into()), NoticeKind::TaskCard),
        ]
    );
}

#[test]
fn a_move_onto_the_reporters_step_passes_it_as_the_steps_confirm_says() {
    let sop = kudus();
    let mut cmd = command(ActionKind::Resolve).note("Router diganti");
    cmd.photos = 1;
    let resolved = decide(&sop, &open_at("perbaikan_lapangan"), &actor(7, Role::Technician), &cmd, now()).unwrap();

    let confirm = pass_reporter_step(&sop, &resolved).unwrap();

    assert_eq!((confirm.kind, confirm.as_role), (ActionKind::Confirm, Role::Reporter));
    assert_eq!((confirm.from_step.as_str(), confirm.to_step.as_str()), ("konfirmasi", "laporan_kabid"));
    assert_eq!(confirm.status, TicketStatus::Open);
}

#[test]
fn a_move_elsewhere_or_a_stay_on_the_reporters_step_passes_nothing() {
    let sop = kudus();
    let forward = decide(&sop, &open_at("terima"), &actor(2, Role::Helpdesk), &command(ActionKind::Forward), now());
    assert_eq!(pass_reporter_step(&sop, &forward.unwrap()), None);
    let approve = decide(&sop, &open_at("laporan_kabid"), &actor(3, Role::Kabid), &command(ActionKind::Approve), now());
    assert_eq!(pass_reporter_step(&sop, &approve.unwrap()), None);
}
