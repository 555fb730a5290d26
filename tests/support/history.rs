//! A year of history built through the service's own store functions and entities, for the
//! benchmarks (`examples/history_bench.rs`, `examples/console_bench.rs`): `size` tickets, 10 %
//! of them open somewhere on the Kudus path, each with its events and 15 sent messages.

#![allow(dead_code)]

use chrono::{DateTime, Datelike, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{DatabaseConnection, EntityTrait, TransactionTrait};
use sigap::domain::role::Role;
use sigap::domain::ticket::Channel;
use sigap::store::directory::{self, NewPerson};
use sigap::store::entity::{outbox, ticket, ticket_event};
use sigap::store::{self, tickets};

/// Tickets written per transaction while building the history.
const CHUNK: u32 = 5_000;
const OUTBOX_PER_TICKET: u32 = 15;

/// `size` tickets received evenly over the year before `now`, numbered by the store's own
/// counter; 90 % walked to `closed` (report, forward, field visit, resolve, confirm,
/// approve), 10 % still open somewhere on that path; each with 15 sent messages.
pub async fn build(db: &DatabaseConnection, size: u32, now: DateTime<Utc>, helpdesk_chat: i64) -> anyhow::Result<()> {
    if size == 0 {
        return Ok(());
    }
    let staff = |name: &str, role: Role, tg: i64| NewPerson {
        name: name.into(),
        org_code: Some("DINKES".into()),
        locale: "id".into(),
        roles: vec![role],
        identities: vec![(Channel::Telegram, tg.to_string())],
    };
    let kasi = directory::add_person(db, &staff("Kasi", Role::Kasi, 9_001), now).await?.id;
    let tech = directory::add_person(db, &staff("Teknisi", Role::Technician, 9_002), now).await?.id;
    let kabid = directory::add_person(db, &staff("Kabid", Role::Kabid, 9_003), now).await?.id;
    let reporter = directory::add_person(db, &staff("Pelapor lama", Role::Reporter, 9_004), now).await?.id;
    let helpdesk = directory::person_by_identity(db, Channel::Telegram, &helpdesk_chat.to_string())
        .await?
        .map_or(reporter, |p| p.id);
    let org = directory::org_by_code(db, "DINKES").await?.map(|o| o.id);
    let path: [Walked; 6] = [
        ("report", "reporter", None, "terima", reporter, "Internet di ruang rapat mati sejak pagi"),
        ("forward", "helpdesk", Some("terima"), "prioritas", helpdesk, ""),
        ("field_visit", "kasi", Some("prioritas"), "perbaikan_lapangan", kasi, ""),
        ("resolve", "technician", Some("perbaikan_lapangan"), "konfirmasi", tech, "Kabel diganti"),
        ("confirm", "reporter", Some("konfirmasi"), "laporan_kabid", reporter, ""),
        ("approve", "kabid", Some("laporan_kabid"), "closed", kabid, ""),
    ];
    let span = chrono::Duration::days(365).num_seconds() / i64::from(size);
    for first in (0..size).step_by(CHUNK as usize) {
        let txn = db.begin().await?;
        let mut rows = Vec::new();
        let mut plans = Vec::new();
        for i in first..(first + CHUNK).min(size) {
            let received = now - chrono::Duration::days(365) + chrono::Duration::seconds(span * i64::from(i));
            let year = received.with_timezone(&chrono_tz::Asia::Jakarta).year();
            let number = tickets::next_number(&txn, year).await?;
            // Every tenth ticket is open, stopped at one of the first five steps.
            let open = i % 10 == 0;
            let steps = if open { 1 + (i / 10 % 5) as usize } else { path.len() };
            let at = |k: usize| received + chrono::Duration::hours(2 * k as i64);
            let step = if open { path[steps - 1].3 } else { "closed" };
            rows.push(ticket::ActiveModel {
                number: Set(number.to_string()),
                year: Set(number.year),
                seq: Set(i32::try_from(number.seq)?),
                sop_id: Set("kudus".into()),
                reporter_id: Set(reporter),
                org_id: Set(org),
                location: Set(Some(format!("Ruang {}", i % 40))),
                category: Set("internet_down".into()),
                description: Set(path[0].5.into()),
                priority: Set(Some("normal".into())),
                srikandi_number: Set(None),
                step: Set(step.into()),
                status: Set(if open { "open" } else { "closed" }.into()),
                isp_eta: Set(None),
                version: Set(i32::try_from(steps)?),
                created_at: Set(received),
                updated_at: Set(at(steps - 1)),
                ended_at: Set((!open).then(|| at(steps - 1))),
                next_sla_at: Set(open.then_some(now)),
                ..Default::default()
            });
            plans.push((steps, received));
        }
        let ids = tickets::insert_many(&txn, rows).await?;
        let mut events = Vec::new();
        let mut messages = Vec::new();
        for (&id, &(steps, received)) in ids.iter().zip(&plans) {
            for (k, (action, role, from, to, actor, note)) in path.iter().take(steps).enumerate() {
                events.push(ticket_event::ActiveModel {
                    ticket_id: Set(id),
                    actor_id: Set(Some(*actor)),
                    actor_role: Set(Some((*role).into())),
                    channel: Set("telegram".into()),
                    action: Set((*action).into()),
                    from_step: Set(from.map(str::to_owned)),
                    to_step: Set(Some((*to).into())),
                    note: Set((!note.is_empty()).then(|| (*note).to_owned())),
                    data: Set(None),
                    at: Set(received + chrono::Duration::hours(2 * k as i64)),
                    ..Default::default()
                });
            }
            for m in 0..OUTBOX_PER_TICKET {
                let at = received + chrono::Duration::minutes(i64::from(m) * 20);
                let text = format!("Tiket #{id}: pesan {m}");
                messages.push(outbox::ActiveModel {
                    person_id: Set(Some(helpdesk)),
                    channel: Set("telegram".into()),
                    address: Set(helpdesk_chat.to_string()),
                    ticket_id: Set(Some(id)),
                    kind: Set("notice".into()),
                    payload: Set(serde_json::to_string(&sigap::outbound::OutboundMessage::text(text))?),
                    status: Set(store::outbox::SENT.into()),
                    attempts: Set(1),
                    available_at: Set(at),
                    created_at: Set(at),
                    sent_at: Set(Some(at)),
                    last_error: Set(None),
                    claimed_until: Set(None),
                    ..Default::default()
                });
            }
        }
        tickets::append_events(&txn, events).await?;
        for chunk in messages.chunks(1_000) {
            outbox::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

/// One step of a walked ticket: action, actor's role, from step, to step, actor, note.
type Walked<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, i64, &'a str);
