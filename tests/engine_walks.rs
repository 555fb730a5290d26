//! The pure engine run over every action of every office preset: whatever an office writes in
//! its SOP, the rules "only the step's role acts", "the next actor always gets a card" and
//! "the reporter hears once about each move" hold, and a ticket can always be walked to
//! `closed`. No database: the presets are loaded and `decide` is called directly.

use std::collections::{HashMap, VecDeque};
use std::path::Path;

use chrono::{DateTime, Duration, Utc};

use sigap::config::{self, LoadedSop};
use sigap::domain::role::Role;
use sigap::domain::sop::{ActionDef, ActionKind, Sop, Step, Target};
use sigap::domain::ticket::{Priority, TicketStatus};
use sigap::domain::workflow::{
    Actor, Audience, Candidate, Command, NoticeKind, Refusal, TicketSnapshot, decide, notices_for, notices_for_new,
};

const REPORTER: i64 = 1;
const STAFF: i64 = 2;
const TECHNICIAN: i64 = 3;

fn presets() -> Vec<LoadedSop> {
    config::preset_names().map(|name| config::load_sop(name, Path::new("config")).unwrap()).collect()
}

/// Monday 23 November 2026, 09:00 WIB.
fn now() -> DateTime<Utc> {
    "2026-11-23T02:00:00Z".parse().unwrap()
}

fn at(step: &Step, version: i32) -> TicketSnapshot {
    let assignees = if step.role == Role::Technician { vec![TECHNICIAN] } else { Vec::new() };
    TicketSnapshot {
        reporter_id: REPORTER,
        step: step.id.clone(),
        status: TicketStatus::Open,
        priority: None,
        assignees,
        version,
    }
}

/// Whoever the step is for.
fn rightful(step: &Step) -> Actor {
    match step.role {
        Role::Reporter => Actor { id: REPORTER, roles: vec![Role::Reporter] },
        Role::Technician => Actor { id: TECHNICIAN, roles: vec![Role::Technician] },
        role => Actor { id: STAFF, roles: vec![role] },
    }
}

/// A press of `action` with everything it could need filled in.
fn complete(action: &ActionDef, version: i32) -> Command {
    let needs = action.kind.needs();
    Command {
        to: action.to.clone(),
        note: Some("Catatan petugas".into()),
        assignees: if needs.assignees {
            vec![Candidate { id: TECHNICIAN, roles: vec![Role::Technician], active: true }]
        } else {
            Vec::new()
        },
        eta: Some(now() + Duration::hours(2)),
        priority: Some(Priority::Normal),
        device: Some("Router".into()),
        photos: u32::from(action.min_photos),
        ..Command::new(action.kind, version)
    }
}

fn every_action(sop: &Sop) -> impl Iterator<Item = (&Step, &ActionDef)> {
    sop.steps.iter().flat_map(|step| step.actions.iter().map(move |action| (step, action)))
}

#[test]
fn every_action_of_every_preset_goes_where_the_sop_says() {
    for loaded in presets() {
        let sop = &loaded.sop;
        for (step, action) in every_action(sop) {
            let t = decide(sop, &at(step, 4), &rightful(step), &complete(action, 4), now())
                .unwrap_or_else(|r| panic!("{} {}/{}: {r}", sop.id(), step.id, action.kind));

            let expected = match &action.to {
                None => (step.id.as_str(), TicketStatus::Open),
                Some(Target::Step(next)) => (next.as_str(), TicketStatus::Open),
                Some(Target::Closed) => (step.id.as_str(), TicketStatus::Closed),
                Some(Target::Rejected) => (step.id.as_str(), TicketStatus::Rejected),
            };
            assert_eq!((t.to_step.as_str(), t.status), expected, "{} {}/{}", sop.id(), step.id, action.kind);
            assert_eq!(t.as_role, step.role, "{} {}/{}", sop.id(), step.id, action.kind);
        }
    }
}

#[test]
fn every_action_of_every_preset_that_leaves_the_ticket_open_gives_its_step_exactly_one_card() {
    for loaded in presets() {
        let sop = &loaded.sop;
        for (step, action) in every_action(sop) {
            let before = at(step, 4);
            let t = decide(sop, &before, &rightful(step), &complete(action, 4), now()).unwrap();

            let notices = notices_for(sop, &before, &t);

            let cards: Vec<_> = notices.iter().filter(|n| n.kind == NoticeKind::TaskCard).collect();
            let context = format!("{} {}/{}: {notices:?}", sop.id(), step.id, action.kind);
            // Every action bumps the version, so every card before it is stale: the step the
            // ticket is at now gets a fresh one, whether it moved or stayed.
            if t.status != TicketStatus::Open {
                assert!(cards.is_empty(), "{context}");
                continue;
            }
            let next_role = sop.step(&t.to_step).unwrap().role;
            let audience = match next_role {
                Role::Reporter => Audience::Reporter,
                _ => Audience::StepActors(t.to_step.clone()),
            };
            assert_eq!(cards.len(), 1, "{context}");
            assert_eq!(cards[0].audience, audience, "{context}");
        }
    }
}

#[test]
fn the_reporter_hears_once_about_every_staff_move_every_ending_and_the_priority() {
    for loaded in presets() {
        let sop = &loaded.sop;
        for (step, action) in every_action(sop).filter(|(s, _)| s.role != Role::Reporter) {
            let before = at(step, 4);
            let t = decide(sop, &before, &rightful(step), &complete(action, 4), now()).unwrap();

            let notices = notices_for(sop, &before, &t);

            let to_reporter = notices.iter().filter(|n| n.audience == Audience::Reporter).count();
            let news = t.moved()
                || t.assignees.is_some()
                || matches!(action.kind, ActionKind::AskInfo | ActionKind::SetPriority);
            assert_eq!(to_reporter, usize::from(news), "{} {}/{}: {notices:?}", sop.id(), step.id, action.kind);
        }
    }
}

#[test]
fn every_preset_greets_the_reporter_and_cards_a_staff_start_step() {
    for loaded in presets() {
        let sop = &loaded.sop;

        let notices = notices_for_new(sop);

        assert_eq!(notices[0].audience, Audience::Reporter, "{}", sop.id());
        assert_eq!(notices[0].kind, NoticeKind::Received, "{}", sop.id());
        assert_eq!(notices[1].audience, Audience::StepActors(sop.start_step().id.clone()), "{}", sop.id());
        assert_ne!(sop.start_step().role, Role::Reporter, "{}", sop.id());
    }
}

#[test]
fn on_every_staff_step_of_every_preset_only_the_steps_role_may_act() {
    for loaded in presets() {
        let sop = &loaded.sop;
        for (step, action) in every_action(sop).filter(|(s, _)| s.role != Role::Reporter) {
            for role in Role::ALL.into_iter().filter(|r| *r != step.role) {
                let outsider = Actor { id: STAFF + 10, roles: vec![role] };

                let refusal = decide(sop, &at(step, 4), &outsider, &complete(action, 4), now()).unwrap_err();

                let expected = Refusal::WrongRole { step: step.id.clone(), needed: step.role };
                assert_eq!(refusal, expected, "{} {}/{} by {role}", sop.id(), step.id, action.kind);
            }
        }
    }
}

#[test]
fn on_every_reporter_step_of_every_preset_nobody_else_may_answer() {
    for loaded in presets() {
        let sop = &loaded.sop;
        for (step, action) in every_action(sop).filter(|(s, _)| s.role == Role::Reporter) {
            let official = Actor { id: STAFF, roles: Role::ALL.to_vec() };

            let refusal = decide(sop, &at(step, 4), &official, &complete(action, 4), now()).unwrap_err();

            assert_eq!(refusal, Refusal::NotReporter, "{} {}/{}", sop.id(), step.id, action.kind);
        }
    }
}

/// The fewest presses from the start step to `closed`, found on the SOP's graph.
fn shortest_way_to_closed(sop: &Sop) -> Vec<(String, ActionDef)> {
    let mut came_from: HashMap<String, (String, ActionDef)> = HashMap::new();
    let mut queue = VecDeque::from([sop.start_step().id.clone()]);
    let mut seen = vec![sop.start_step().id.clone()];
    while let Some(id) = queue.pop_front() {
        for action in &sop.step(&id).unwrap().actions {
            match &action.to {
                Some(Target::Closed) => {
                    let mut path = vec![(id.clone(), action.clone())];
                    let mut cursor = id.clone();
                    while let Some((prev, how)) = came_from.get(&cursor) {
                        path.push((prev.clone(), how.clone()));
                        cursor = prev.clone();
                    }
                    path.reverse();
                    return path;
                }
                Some(Target::Step(next)) if !seen.contains(next) => {
                    seen.push(next.clone());
                    came_from.insert(next.clone(), (id.clone(), action.clone()));
                    queue.push_back(next.clone());
                }
                _ => {}
            }
        }
    }
    panic!("{}: no way to closed", sop.id());
}

#[test]
fn every_preset_walks_from_its_start_to_closed_one_version_at_a_time() {
    for loaded in presets() {
        let sop = &loaded.sop;
        let mut ticket = at(sop.start_step(), 1);

        for (step_id, action) in shortest_way_to_closed(sop) {
            let step = sop.step(&step_id).unwrap();
            assert_eq!(ticket.step, step_id, "{}", sop.id());
            let t = decide(sop, &ticket, &rightful(step), &complete(action_for(step, &action), ticket.version), now())
                .unwrap_or_else(|r| panic!("{} {step_id}/{}: {r}", sop.id(), action.kind));
            let next = sop.step(&t.to_step).unwrap();
            ticket = TicketSnapshot { status: t.status, version: ticket.version + 1, ..at(next, 0) };
        }

        assert_eq!(ticket.status, TicketStatus::Closed, "{}", sop.id());
    }
}

fn action_for<'a>(step: &'a Step, action: &ActionDef) -> &'a ActionDef {
    step.find_action(action.kind, action.to.as_ref()).unwrap()
}
