//! WhatsApp end to end: the real application receives signed webhooks shaped like Meta's and
//! sends through a fake Graph API on 127.0.0.1 that checks every request against the spec's
//! limits. A newcomer registers and reports; the Kudus flow and the Kediri ISP loop are
//! walked by user actions alone; bad signatures, malformed bodies, unknown types, duplicate
//! deliveries, 131047 and 130429 each leave no half-written state.

#[path = "support/app.rs"]
mod app;
#[path = "support/fake_graph.rs"]
mod fake_graph;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use app::{App, eventually};
use fake_graph::{FakeGraph, webhook};
use serde_json::Value;
use sigap::clock::{Clock, ManualClock};
use sigap::domain::role::Role;
use sigap::domain::ticket::Channel;
use sigap::service::{Helpdesk, TicketRef};
use sigap::store::directory::{self, NewPerson};
use sigap::store::{attachments, outbox, tickets};

const TOKEN: &str = "EAAG-test-token";
const PHONE_ID: &str = "106540352242922";
const APP_SECRET: &str = "app-secret-for-tests";
const VERIFY: &str = "verify-me-please";
const REPORTER: &str = "6281200000001";
const HELPDESK: &str = "6281200000002";
const KASI: &str = "6281200000003";
const TECH: &str = "6281200000004";
const KABID: &str = "6281200000005";
const KADIS: &str = "6281200000006";

struct Wa {
    desk: Helpdesk,
    fake: FakeGraph,
    clock: ManualClock,
    url: String,
    http: reqwest::Client,
    next_id: AtomicUsize,
    seen: Mutex<HashMap<String, usize>>,
    inbox: sea_orm::DatabaseConnection,
    app: App,
}

async fn start(sop: &str, templates: bool) -> Wa {
    let fake = FakeGraph::start(TOKEN, PHONE_ID).await;
    let mut vars = vec![
        ("SIGAP_SOP", sop.to_owned()),
        ("WHATSAPP_API_URL", fake.api_url()),
        ("WHATSAPP_PHONE_NUMBER_ID", PHONE_ID.to_owned()),
        ("WHATSAPP_ACCESS_TOKEN", TOKEN.to_owned()),
        ("WHATSAPP_APP_SECRET", APP_SECRET.to_owned()),
        ("WHATSAPP_VERIFY_TOKEN", VERIFY.to_owned()),
        // Pacing runs on the service's clock, which stands still here: lift both limits.
        ("SIGAP_WHATSAPP_CHAT_INTERVAL_MS", "0".to_owned()),
        ("SIGAP_WHATSAPP_PER_SECOND", "1000000".to_owned()),
    ];
    if templates {
        vars.push(("WHATSAPP_TEMPLATE_UPDATE", "sigap_pembaruan".to_owned()));
        vars.push(("WHATSAPP_TEMPLATE_REMINDER", "sigap_pengingat".to_owned()));
    }
    let app = app::start(&vars, |desk| async move {
        let people = [
            ("Hadi", Role::Helpdesk, format!("+{HELPDESK}")),
            ("Kurnia", Role::Kasi, format!("+{KASI}")),
            ("Agus", Role::Technician, format!("+{TECH}")),
            ("Bambang", Role::Kabid, format!("+{KABID}")),
            ("Dewi", Role::Kadis, format!("+{KADIS}")),
        ];
        app::seed_dinkes(&desk, Channel::Whatsapp, &people).await;
    })
    .await;
    let inbox = sigap::store::inbox::open(&app.database_url, app.desk.db()).await.unwrap();
    Wa {
        inbox,
        desk: app.desk.clone(),
        fake,
        clock: app.clock.clone(),
        url: format!("http://{}/webhook/whatsapp", app.addr),
        http: reqwest::Client::new(),
        next_id: AtomicUsize::new(1),
        seen: Mutex::new(HashMap::new()),
        app,
    }
}

impl Wa {
    fn message_id(&self) -> String {
        format!("wamid.IN{:06}", self.next_id.fetch_add(1, Ordering::SeqCst))
    }

    async fn post_raw(&self, body: Vec<u8>, signature: Option<String>) -> reqwest::StatusCode {
        let mut request = self.http.post(&self.url).header("content-type", "application/json").body(body);
        if let Some(signature) = signature {
            request = request.header("X-Hub-Signature-256", signature);
        }
        request.send().await.unwrap().status()
    }

    /// POST a webhook delivery signed as Meta does; once it is answered 200, wait until the
    /// inbox has applied it, so that the test's next step comes after its effect.
    async fn post(&self, payload: &Value) -> reqwest::StatusCode {
        let body = serde_json::to_vec(payload).unwrap();
        let signature = webhook::sign(APP_SECRET, &body);
        let status = self.post_raw(body, Some(signature)).await;
        if status == 200 {
            eventually("the delivery applied", || async {
                sigap::store::inbox::depth(&self.inbox).await.unwrap() == 0
            })
            .await;
        }
        status
    }

    async fn say(&self, from: &str, text: &str) {
        let status = self.post(&webhook::text(from, "Pengguna", &self.message_id(), text)).await;
        assert_eq!(status, 200);
    }

    /// Wait for a message to `to`, newer than any used before, offering `title` as a button
    /// or list row; choose it.
    async fn tap(&self, to: &str, title: &str) -> Value {
        let from = *self.seen.lock().unwrap().get(to).unwrap_or(&0);
        let mut found = None;
        eventually(&format!("`{title}` offered to {to}"), || {
            let sent = self.fake.delivered_to(to);
            found = sent
                .iter()
                .enumerate()
                .skip(from)
                .find_map(|(i, (wamid, body))| choice(body, title).map(|c| (i, wamid.clone(), body.clone(), c)));
            std::future::ready(found.is_some())
        })
        .await;
        let (index, wamid, body, (kind, id)) = found.unwrap();
        self.seen.lock().unwrap().insert(to.to_owned(), index + 1);
        let event = match kind {
            "button" => webhook::button_reply(to, "Pengguna", &self.message_id(), &wamid, &id, title),
            _ => webhook::list_reply(to, "Pengguna", &self.message_id(), &wamid, &id, title, ""),
        };
        assert_eq!(self.post(&event).await, 200);
        body
    }

    /// Wait for a message to `to` whose text contains `part`.
    async fn told(&self, to: &str, part: &str) -> String {
        let mut found = None;
        eventually(&format!("`{part}` to {to}"), || {
            found = self.fake.sent_to(to).iter().map(text_of).find(|t| t.contains(part));
            std::future::ready(found.is_some())
        })
        .await;
        found.unwrap()
    }

    async fn ticket(&self) -> tickets::TicketRow {
        eventually("a ticket", || async { !tickets::list(self.desk.db(), None, 1).await.unwrap().is_empty() }).await;
        tickets::list(self.desk.db(), None, 1).await.unwrap().remove(0)
    }

    async fn at_step(&self, ticket: i64, step: &str) {
        eventually(&format!("ticket at {step}"), || async {
            tickets::by_id(self.desk.db(), ticket).await.unwrap().unwrap().step == step
        })
        .await;
    }

    async fn actions(&self, ticket: i64) -> Vec<String> {
        let details = self.desk.details(TicketRef::Id(ticket)).await.unwrap();
        details.events.iter().map(|e| e.event.action.clone()).collect()
    }

    /// Officials open their 24-hour window the way they would: by writing to the number.
    async fn staff_say_hello(&self, who: &[&str]) {
        for number in who {
            self.say(number, "bantuan").await;
            self.told(number, "Perintah yang tersedia").await;
        }
    }

    async fn stop(self) {
        self.app.stop().await;
        assert!(self.fake.violations().is_empty(), "{:?}", self.fake.violations());
    }
}

/// The reply id of the button or row titled `title` in an interactive message.
fn choice(body: &Value, title: &str) -> Option<(&'static str, String)> {
    let action = &body["interactive"]["action"];
    if let Some(buttons) = action["buttons"].as_array() {
        let hit = buttons.iter().find(|b| b["reply"]["title"] == title)?;
        return Some(("button", hit["reply"]["id"].as_str()?.to_owned()));
    }
    let rows = action["sections"].as_array()?.iter().flat_map(|s| s["rows"].as_array().cloned().unwrap_or_default());
    let hit = rows.into_iter().find(|r| r["title"] == title)?;
    Some(("list", hit["id"].as_str()?.to_owned()))
}

fn text_of(body: &Value) -> String {
    let candidates = [
        &body["text"]["body"],
        &body["interactive"]["body"]["text"],
        &body["image"]["caption"],
        &body["document"]["caption"],
    ];
    candidates.iter().find_map(|v| v.as_str()).unwrap_or_default().to_owned()
}

fn titles(body: &Value) -> Vec<String> {
    let action = &body["interactive"]["action"];
    match action["buttons"].as_array() {
        Some(buttons) => buttons.iter().map(|b| b["reply"]["title"].as_str().unwrap().to_owned()).collect(),
        None => action["sections"]
            .as_array()
            .map(|sections| {
                sections
                    .iter()
                    .flat_map(|s| s["rows"].as_array().cloned().unwrap_or_default())
                    .map(|r| r["title"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[tokio::test]
async fn the_webhook_handshake_answers_the_challenge_only_with_the_right_token() {
    let wa = start("kudus", false).await;
    let url = |token: &str| format!("{}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444", wa.url);
    let right = wa.http.get(url(VERIFY)).send().await.unwrap();
    assert_eq!(right.status(), 200);
    assert_eq!(right.text().await.unwrap(), "1158201444");
    assert_eq!(wa.http.get(url("wrong")).send().await.unwrap().status(), 403);
    assert_eq!(wa.http.get(&wa.url).send().await.unwrap().status(), 403);
    wa.stop().await;
}

#[tokio::test]
async fn kudus_by_whatsapp_from_a_newcomers_message_to_closed() {
    let wa = start("kudus", false).await;
    wa.staff_say_hello(&[HELPDESK, KASI, TECH, KABID]).await;

    wa.say(REPORTER, "Internet di ruang server mati sejak pagi").await;
    let language = wa.tap(REPORTER, "Bahasa Indonesia").await;
    assert_eq!(titles(&language), ["Bahasa Indonesia", "English"]);
    wa.tap(REPORTER, "Dinas Kesehatan").await;
    wa.told(REPORTER, "Ketik nama lengkap Anda.").await;
    wa.say(REPORTER, "Sari Wulandari").await;
    wa.told(REPORTER, "Sari Wulandari. Anda terdaftar sebagai pelapor dari Dinas Kesehatan").await;
    wa.tap(REPORTER, "Lewati").await;
    let summary = wa.tap(REPORTER, "Kirim").await;
    assert_eq!(titles(&summary), ["Kirim", "Ubah", "Batal"]);
    let received = wa.told(REPORTER, "Nomor tiket:").await;
    let ticket = wa.ticket().await;
    assert!(received.contains(&ticket.number), "{received}");
    assert!(received.contains("Perkiraan selesai: "), "{received}");

    let card = wa.tap(HELPDESK, "Teruskan ke Kasi").await;
    assert_eq!(titles(&card), ["Teruskan ke Kasi", "Minta info", "Tolak"]);
    wa.told(HELPDESK, "berhasil meneruskan").await;
    let kasi = wa.tap(KASI, "Kunjungan lapangan").await;
    // Four actions are more than WhatsApp's three reply buttons: a list.
    assert_eq!(titles(&kasi), ["Atur prioritas", "Perbaiki online", "Kunjungan lapangan", "Kembalikan"]);
    assert_eq!(kasi["interactive"]["type"], "list");
    wa.tap(TECH, "Selesai").await;
    wa.told(TECH, "Kirim foto hasil pekerjaan").await;
    let photo = wa.fake.add_media(b"\xff\xd8 kabel baru".to_vec(), "image/jpeg");
    let event = webhook::image(TECH, "Agus", &wa.message_id(), &photo, "image/jpeg", Some("Kabel LAN diganti"));
    assert_eq!(wa.post(&event).await, 200);
    let confirm = wa.tap(REPORTER, "Sudah normal").await;
    assert!(text_of(&confirm).contains("Kabel LAN diganti"), "{confirm}");
    // The optional survey comes as a list (six choices); the reporter stops it.
    let survey = wa.tap(REPORTER, "Berhenti").await;
    assert_eq!(survey["interactive"]["type"], "list");
    wa.told(REPORTER, "Survei dihentikan").await;
    wa.tap(KABID, "Setujui laporan").await;
    wa.told(REPORTER, &format!("Tiket {} selesai dan ditutup", ticket.number)).await;

    assert_eq!(wa.actions(ticket.id).await, ["report", "forward", "field_visit", "resolve", "confirm", "approve"]);
    let files = attachments::for_ticket(wa.desk.db(), ticket.id).await.unwrap();
    assert_eq!(files.iter().filter(|a| a.mime == "image/jpeg").count(), 1);
    let reporter_images = wa.fake.sent_to(REPORTER).into_iter().filter(|b| b["type"] == "image").count();
    assert_eq!(reporter_images, 1, "the completion photo went to the reporter");
    // The Berita Acara Pekerjaan reached the reporter as an uploaded PDF document.
    let documents: Vec<Value> = wa.fake.sent_to(REPORTER).into_iter().filter(|b| b["type"] == "document").collect();
    assert_eq!(documents.len(), 1);
    let media = wa.fake.media(documents[0]["document"]["id"].as_str().unwrap()).unwrap();
    assert!(media.bytes.starts_with(b"%PDF"));
    let person =
        directory::person_by_identity(wa.desk.db(), Channel::Whatsapp, &format!("+{REPORTER}")).await.unwrap().unwrap();
    assert_eq!((person.name.as_str(), person.roles.as_slice()), ("Sari Wulandari", &[Role::Reporter][..]));
    wa.stop().await;
}

#[tokio::test]
async fn kediri_isp_loop_by_whatsapp_twice_round() {
    let wa = start("kediri", false).await;
    wa.staff_say_hello(&[KADIS, KABID, TECH]).await;
    let reporter = NewPerson {
        name: "Sari".into(),
        org_code: Some("DINKES".into()),
        locale: "id".into(),
        roles: vec![Role::Reporter],
        identities: vec![(Channel::Whatsapp, format!("+{REPORTER}"))],
    };
    directory::add_person(wa.desk.db(), &reporter, wa.clock.now()).await.unwrap();

    wa.say(REPORTER, "Internet di aula utama lambat sekali").await;
    let ticket = wa.ticket().await;
    wa.tap(KADIS, "Teruskan ke Kabid").await;
    wa.tap(KABID, "Tugaskan teknisi").await;
    wa.tap(KABID, "Agus (0)").await;
    for round in 1..=2 {
        wa.tap(TECH, "Hubungi ISP").await;
        wa.told(TECH, "perkiraan waktu pulih").await;
        wa.say(TECH, "14:30").await;
        wa.at_step(ticket.id, "koordinasi_isp").await;
        wa.told(REPORTER, "Perkiraan pulih: Senin, 23 November 2026 14:30 WIB").await;
        if round == 1 {
            wa.tap(TECH, "Belum pulih").await;
            wa.at_step(ticket.id, "pengecekan").await;
        }
    }
    wa.tap(TECH, "ISP sudah pulih").await;
    wa.tap(TECH, "Selesai").await;
    wa.say(TECH, "Jaringan ISP normal kembali, sudah dicek").await;
    wa.tap(REPORTER, "Sudah normal").await;
    eventually("closed", || async {
        tickets::by_id(wa.desk.db(), ticket.id).await.unwrap().unwrap().status == "closed"
    })
    .await;

    assert_eq!(
        wa.actions(ticket.id).await,
        [
            "report",
            "forward",
            "assign",
            "contact_isp",
            "still_down",
            "contact_isp",
            "isp_restored",
            "resolve",
            "confirm"
        ]
    );
    wa.stop().await;
}

#[tokio::test]
async fn bad_signatures_and_malformed_bodies_are_refused_and_store_nothing() {
    let wa = start("kudus", false).await;
    let payload = webhook::text(REPORTER, "Sari", "wamid.BAD1", "Internet mati");
    let body = serde_json::to_vec(&payload).unwrap();

    assert_eq!(wa.post_raw(body.clone(), None).await, 401);
    assert_eq!(wa.post_raw(body.clone(), Some("sha256=00".into())).await, 401);
    assert_eq!(wa.post_raw(body.clone(), Some(webhook::sign("another-secret", &body))).await, 401);
    let garbage = b"{not json".to_vec();
    assert_eq!(wa.post_raw(garbage.clone(), Some(webhook::sign(APP_SECRET, &garbage))).await, 400);
    let other = br#"{"object":"page","entry":[]}"#.to_vec();
    assert_eq!(wa.post_raw(other.clone(), Some(webhook::sign(APP_SECRET, &other))).await, 400);

    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(wa.fake.sent_to(REPORTER).is_empty());
    assert!(
        sigap::store::conversations::get(wa.desk.db(), Channel::Whatsapp, &format!("+{REPORTER}"))
            .await
            .unwrap()
            .is_none()
    );
    // Nothing queued for the sender (the officials' morning digest may be on its way).
    let queued = outbox::pending(wa.desk.db()).await.unwrap();
    assert!(queued.iter().all(|row| row.address.trim_start_matches('+') != REPORTER), "{queued:?}");
    // Nor stored to be applied later.
    assert_eq!(sigap::store::inbox::depth(&wa.inbox).await.unwrap(), 0);
    assert!(sigap::store::inbox::parked(&wa.inbox, 10).await.unwrap().is_empty());
    wa.stop().await;
}

#[tokio::test]
async fn unknown_types_get_a_polite_answer_reactions_none_and_duplicates_count_once() {
    let wa = start("kudus", false).await;
    let location = webhook::location(REPORTER, "Sari", "wamid.LOC1", -6.8, 110.8, "Kantor", "Jl. Mayor");
    assert_eq!(wa.post(&location).await, 200);
    assert_eq!(wa.post(&webhook::unsupported(REPORTER, "Sari", "wamid.UNS1")).await, 200);
    assert_eq!(wa.post(&webhook::reaction(REPORTER, "Sari", "wamid.REA1", "wamid.X", "👍")).await, 200);
    let report = webhook::text(REPORTER, "Sari", "wamid.DUP1", "Internet di ruang server mati");
    assert_eq!(wa.post(&report).await, 200);
    // Meta retries for days and may deliver twice.
    assert_eq!(wa.post(&report).await, 200);
    eventually("three answers", || async { wa.fake.sent_to(REPORTER).len() >= 3 }).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let texts: Vec<String> = wa.fake.sent_to(REPORTER).iter().map(text_of).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert!(texts[0].starts_with("Maaf, SIGAP belum bisa membaca jenis pesan ini"), "{texts:?}");
    assert_eq!(texts[0], texts[1]);
    assert!(texts[2].contains("Pilih bahasa"), "{texts:?}");
    wa.stop().await;
}

#[tokio::test]
async fn outside_the_window_a_template_goes_and_a_131047_failure_is_resent_as_one() {
    let wa = start("kudus", true).await;
    // The helpdesk never wrote: its card can only go as the update template.
    wa.say(REPORTER, "/lapor").await;
    let reporter_id = directory::add_person(
        wa.desk.db(),
        &NewPerson {
            name: "Sari".into(),
            org_code: Some("DINKES".into()),
            locale: "id".into(),
            roles: vec![Role::Reporter],
            identities: vec![(Channel::Whatsapp, format!("+{REPORTER}"))],
        },
        wa.clock.now(),
    )
    .await
    .unwrap()
    .id;
    let report = sigap::service::NewReport {
        reporter_id,
        channel: Channel::Whatsapp,
        org_id: None,
        location: Some("Aula".into()),
        category: sigap::domain::ticket::Category::InternetDown,
        description: "Internet di aula mati".into(),
        srikandi_number: None,
        attachments: Vec::new(),
    };
    let created = wa.desk.report(report).await.unwrap();
    eventually("the helpdesk's template", || async { !wa.fake.sent_to(HELPDESK).is_empty() }).await;
    let template = &wa.fake.sent_to(HELPDESK)[0];
    assert_eq!(template["type"], "template");
    assert_eq!(template["template"]["name"], "sigap_pembaruan");
    let parameter = template["template"]["components"][0]["parameters"][0]["text"].as_str().unwrap();
    assert!(parameter.contains(&created.number.to_string()) && !parameter.contains('\n'), "{parameter}");
    // The row is marked once the fake's answer is back.
    let helpdesk_row = || async {
        outbox::for_ticket(wa.desk.db(), created.ticket_id)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.address == format!("+{HELPDESK}"))
            .unwrap()
    };
    eventually("the helpdesk's row marked", || async { helpdesk_row().await.status == "sent" }).await;
    let row = helpdesk_row().await;
    assert_eq!(row.last_error.as_deref(), Some("sent as template: outside the 24-hour window"));

    // The reporter wrote a moment ago, so its acknowledgement went as free text; Meta later
    // reports it failed with 131047 (its record of the window differs): sent again as template.
    eventually("the reporter's acknowledgement", || async {
        wa.fake.delivered_to(REPORTER).iter().any(|(_, b)| text_of(b).contains("Nomor tiket"))
    })
    .await;
    let (wamid, _) =
        wa.fake.delivered_to(REPORTER).into_iter().find(|(_, b)| text_of(b).contains("Nomor tiket")).unwrap();
    let failed = webhook::status(&wamid, "failed", REPORTER, &[(131047, "Re-engagement message")]);
    assert_eq!(wa.post(&failed).await, 200);
    assert_eq!(wa.post(&failed).await, 200, "a repeated status changes nothing");
    eventually("the template to the reporter", || async {
        wa.fake.sent_to(REPORTER).iter().any(|b| b["type"] == "template")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let templates = wa.fake.sent_to(REPORTER).into_iter().filter(|b| b["type"] == "template").count();
    assert_eq!(templates, 1);
    let original = outbox::by_external_id(wa.desk.db(), Channel::Whatsapp, &wamid).await.unwrap().unwrap();
    assert!(original.last_error.unwrap().contains("131047"));
    wa.stop().await;
}

#[tokio::test]
async fn a_131047_refusal_on_send_falls_back_to_the_template_and_without_one_is_recorded() {
    let wa = start("kudus", false).await;
    wa.say(REPORTER, "Internet di ruang server mati").await;
    eventually("the language question", || async { !wa.fake.sent_to(REPORTER).is_empty() }).await;
    wa.fake.fail_next(REPORTER, 131047, 400);
    wa.say(REPORTER, "bantuan").await;
    eventually("the failure recorded", || async { !outbox::failed(wa.desk.db(), 10).await.unwrap().is_empty() }).await;
    let failed = outbox::failed(wa.desk.db(), 10).await.unwrap().remove(0);
    assert!(failed.last_error.as_deref().unwrap().contains("no template is configured"), "{failed:?}");
    wa.stop().await;
}

#[tokio::test]
async fn a_130429_throttle_is_retried_later_and_then_delivered() {
    let wa = start("kudus", false).await;
    wa.fake.fail_next(REPORTER, 130429, 400);
    wa.say(REPORTER, "Internet di ruang server mati").await;
    eventually("a rescheduled row", || async {
        outbox::pending(wa.desk.db()).await.unwrap().iter().any(|r| r.attempts == 1)
    })
    .await;
    assert!(wa.fake.sent_to(REPORTER).is_empty());
    // The retry waits on the service's clock.
    wa.clock.advance(chrono::Duration::minutes(5));
    eventually("delivered after the wait", || async { !wa.fake.sent_to(REPORTER).is_empty() }).await;
    // (The officials' morning digest fails here: they never wrote and no template is set.)
    let failed = outbox::failed(wa.desk.db(), 10).await.unwrap();
    assert!(failed.iter().all(|r| r.address != format!("+{REPORTER}")), "{failed:?}");
    wa.stop().await;
}

#[tokio::test]
async fn a_person_on_both_channels_is_answered_where_they_last_wrote() {
    let wa = start("kudus", false).await;
    let both = NewPerson {
        name: "Sari".into(),
        org_code: Some("DINKES".into()),
        locale: "id".into(),
        roles: vec![Role::Reporter],
        identities: vec![(Channel::Telegram, "9001".into()), (Channel::Whatsapp, format!("+{REPORTER}"))],
    };
    directory::add_person(wa.desk.db(), &both, wa.clock.now()).await.unwrap();

    wa.say(REPORTER, "Internet di ruang server mati").await;
    let received = wa.told(REPORTER, "Nomor tiket").await;

    let ticket = wa.ticket().await;
    assert!(received.contains(&ticket.number));
    let rows = outbox::for_ticket(wa.desk.db(), ticket.id).await.unwrap();
    let to_reporter: Vec<&str> = rows.iter().filter(|r| r.kind == "received").map(|r| r.channel.as_str()).collect();
    assert_eq!(to_reporter, ["whatsapp"]);
    wa.stop().await;
}

#[tokio::test]
async fn a_131047_failure_reported_before_the_send_is_recorded_is_applied_once_it_is() {
    let wa = start("kudus", true).await;
    // Meta promises no order between a send's answer and its statuses: the failure of the
    // next message the number will send arrives before SIGAP has sent it. (The fake numbers
    // its wamids in order; what went out at start, if anything, has settled by now.)
    tokio::time::sleep(Duration::from_millis(500)).await;
    let assigned = wa.fake.requests().iter().filter(|r| r.answer["messages"][0]["id"].is_string()).count();
    let first_wamid = format!("wamid.HBgN{REPORTER}FQIAERgS{:020X}AA==", assigned + 1);
    let failed = webhook::status(&first_wamid, "failed", REPORTER, &[(131047, "Re-engagement message")]);
    let body = serde_json::to_vec(&failed).unwrap();
    let signature = webhook::sign(APP_SECRET, &body);
    assert_eq!(wa.post_raw(body, Some(signature)).await, 200);
    // The reporter writes; the answer goes as free text and is recorded with that wamid.
    let hello = serde_json::to_vec(&webhook::text(REPORTER, "Sari", &wa.message_id(), "halo")).unwrap();
    let signature = webhook::sign(APP_SECRET, &hello);
    assert_eq!(wa.post_raw(hello, Some(signature)).await, 200);
    eventually("the answer sent", || async { !wa.fake.delivered_to(REPORTER).is_empty() }).await;
    assert_eq!(wa.fake.delivered_to(REPORTER)[0].0, first_wamid);
    eventually("the answer recorded as sent", || async {
        outbox::by_external_id(wa.desk.db(), Channel::Whatsapp, &first_wamid).await.unwrap().is_some()
    })
    .await;
    // The status waits for its retry on the service's clock; then it finds the send.
    wa.clock.advance(chrono::Duration::minutes(1));
    eventually("the template sent after the early failure", || async {
        wa.fake.sent_to(REPORTER).iter().any(|b| b["type"] == "template")
    })
    .await;
    let original = outbox::by_external_id(wa.desk.db(), Channel::Whatsapp, &first_wamid).await.unwrap().unwrap();
    assert!(original.last_error.unwrap_or_default().contains("131047"));
    eventually("nothing left in the inbox", || async { sigap::store::inbox::depth(&wa.inbox).await.unwrap() == 0 })
        .await;
    assert_eq!(sigap::store::inbox::parked_count(&wa.inbox).await.unwrap(), 0);
    wa.stop().await;
}

#[tokio::test]
async fn what_a_person_sends_is_marked_read() {
    let wa = start("kudus", false).await;
    let id = wa.message_id();
    assert_eq!(wa.post(&webhook::text(REPORTER, "Sari", &id, "halo")).await, 200);
    eventually("the blue ticks", || async { wa.fake.read_receipts().contains(&id) }).await;
    assert!(wa.fake.violations().is_empty(), "{:?}", wa.fake.violations());
    wa.stop().await;
}

#[tokio::test]
async fn a_report_that_says_where_and_what_is_filed_from_one_whatsapp_message() {
    let wa = start("kudus", false).await;
    wa.staff_say_hello(&[HELPDESK]).await;
    let reporter = NewPerson {
        name: "Sari".into(),
        org_code: Some("DINKES".into()),
        locale: "id".into(),
        roles: vec![Role::Reporter],
        identities: vec![(Channel::Whatsapp, format!("+{REPORTER}"))],
    };
    directory::add_person(wa.desk.db(), &reporter, wa.clock.now()).await.unwrap();

    wa.say(REPORTER, "Internet di ruang server mati sejak pagi").await;
    let received = wa.told(REPORTER, "Nomor tiket:").await;
    let ticket = wa.ticket().await;
    assert!(received.contains(&ticket.number), "{received}");
    let filed = wa.told(REPORTER, "Ada foto kondisi perangkat").await;
    assert!(filed.contains(&ticket.number), "{filed}");
    let offered = wa.fake.sent_to(REPORTER).into_iter().find(|b| text_of(b).starts_with("Ada foto")).unwrap();
    let mut titles = titles(&offered);
    titles.sort();
    assert_eq!(titles, ["Ubah", "✖️ Batalkan laporan", "📷 Tambah foto/surat"]);

    // The photo taken right after goes with the ticket, and to the helpdesk.
    let media = wa.fake.add_media(b"\xff\xd8 router".to_vec(), "image/jpeg");
    let photo = webhook::image(REPORTER, "Sari", &wa.message_id(), &media, "image/jpeg", None);
    assert_eq!(wa.post(&photo).await, 200);
    wa.told(REPORTER, "1 lampiran ditambahkan ke tiket").await;
    wa.told(HELPDESK, "pelapor menambahkan 1 lampiran").await;
    assert_eq!(attachments::for_ticket(wa.desk.db(), ticket.id).await.unwrap().len(), 1);

    wa.tap(REPORTER, "✖️ Batalkan laporan").await;
    eventually("cancelled", || async {
        tickets::by_id(wa.desk.db(), ticket.id).await.unwrap().unwrap().status == "cancelled"
    })
    .await;
    assert_eq!(wa.actions(ticket.id).await, ["report", "attach", "cancel"]);
    wa.stop().await;
}

/// A row a killed process was sending when it stopped: claimed, its lease running, nothing
/// recorded. (What a SIGKILL between Meta's answer and the commit leaves behind.)
async fn interrupted_send(wa: &Wa, text: &str) -> i64 {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    use sigap::store::entity::outbox as row;
    let now = wa.clock.now();
    let message = sigap::outbound::OutboundMessage::text(text.to_owned());
    let inserted = row::ActiveModel {
        person_id: Set(None),
        channel: Set("whatsapp".into()),
        address: Set(format!("+{REPORTER}")),
        ticket_id: Set(None),
        kind: Set("conversation".into()),
        payload: Set(serde_json::to_string(&message).unwrap()),
        status: Set("sending".into()),
        attempts: Set(1),
        available_at: Set(now),
        created_at: Set(now),
        sent_at: Set(None),
        last_error: Set(None),
        claimed_until: Set(Some(now + chrono::Duration::minutes(2))),
        parts_sent: Set(0),
        ..Default::default()
    }
    .insert(wa.desk.db())
    .await
    .unwrap();
    inserted.id
}

async fn row_status(wa: &Wa, id: i64) -> String {
    use sea_orm::EntityTrait;
    sigap::store::entity::outbox::Entity::find_by_id(id).one(wa.desk.db()).await.unwrap().unwrap().status
}

#[tokio::test]
async fn a_send_meta_reported_before_a_crash_is_not_sent_again_by_the_process_taking_over() {
    let wa = start("kudus", false).await;
    // The reporter's window is open.
    wa.say(REPORTER, "halo").await;
    eventually("the answer", || async { !wa.fake.delivered_to(REPORTER).is_empty() }).await;
    let before = wa.fake.delivered_to(REPORTER).len();

    let reported = interrupted_send(&wa, "Pesan yang sampai sebelum proses mati").await;
    let unreported = interrupted_send(&wa, "Pesan yang belum jelas nasibnya").await;
    // Meta's status of the first came back, tagged with its row and part, as SIGAP sent it.
    let mut status = webhook::status("wamid.SENT-BEFORE-KILL", "delivered", REPORTER, &[]);
    status["entry"][0]["changes"][0]["value"]["statuses"][0]["biz_opaque_callback_data"] =
        serde_json::json!(format!("sigap:{reported}:0"));
    assert_eq!(wa.post(&status).await, 200);

    // The lease runs out; the live process takes both rows over.
    wa.clock.advance(chrono::Duration::minutes(5));
    eventually("both rows settled", || async {
        row_status(&wa, reported).await == "sent" && row_status(&wa, unreported).await == "sent"
    })
    .await;
    let texts: Vec<String> = wa.fake.delivered_to(REPORTER)[before..].iter().map(|(_, b)| text_of(b)).collect();
    assert_eq!(texts, ["Pesan yang belum jelas nasibnya"], "only the one Meta never reported goes again");
    let row = outbox::by_external_id(wa.desk.db(), Channel::Whatsapp, "wamid.SENT-BEFORE-KILL").await.unwrap();
    assert_eq!(row.map(|r| r.id), Some(reported));
    // What SIGAP sends carries the tag that comes back on its statuses.
    let tagged = wa.fake.requests().into_iter().filter(|r| r.body["biz_opaque_callback_data"].is_string()).count();
    assert!(tagged > 0);
    wa.stop().await;
}
