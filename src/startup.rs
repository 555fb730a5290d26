//! Building and running the service. [`Application::build`] is what `main` runs and what
//! the integration tests start on port 0 with their own database: one HTTP server (health,
//! readiness, metrics, the web console; channel webhooks mount here too) over one [`Helpdesk`], and the
//! background workers, all stopped together on shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use crate::channels::alerts::{self, AlertReceiver};
use crate::channels::telegram::{CallbackCodec, LongPoll, TelegramPoller, webhook};
use crate::channels::whatsapp::sender::Tap;
use crate::channels::whatsapp::{WhatsAppReceiver, WhatsAppSender};
use crate::clock::{Clock, SystemClock};
use crate::config;
use crate::delivery::{DeliveryWorker, Pacer, Sender};
use crate::inbox::{Inbox, InboxWorker};
use crate::metrics::Metrics;
use crate::service::{Helpdesk, Retention, SlaWorker};
use crate::settings::Settings;
use crate::store;

pub struct Application {
    listener: TcpListener,
    router: Router,
    desk: Helpdesk,
    delivery: Option<DeliveryWorker>,
    telegram: Option<TelegramMode>,
    whatsapp_inbox: Option<InboxWorker<WhatsAppReceiver>>,
    alerts_inbox: Option<InboxWorker<AlertReceiver>>,
    keep_sent_days: u32,
    /// The webhook inbox (its own file on SQLite), for the privacy retention and sweep.
    inbox_db: Option<sea_orm::DatabaseConnection>,
}

/// How Telegram updates arrive: SIGAP asks for them, or Telegram posts them to a route.
enum TelegramMode {
    Polling { poll: LongPoll, inbox: InboxWorker<TelegramPoller> },
    Webhook { updates: Arc<TelegramPoller>, url: String, secret: Arc<str>, inbox: InboxWorker<TelegramPoller> },
}

impl Application {
    /// Load the SOP, open and migrate the database, bind the listener.
    pub async fn build(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        Self::build_with_senders(settings, clock, Vec::new()).await
    }

    /// As [`Application::build`], with `extra` senders (test fakes) beside the configured
    /// channels'; an extra sender replaces a configured one of the same channel.
    pub async fn build_with_senders(
        settings: &Settings,
        clock: Arc<dyn Clock>,
        extra: Vec<Arc<dyn Sender>>,
    ) -> anyhow::Result<Self> {
        let loaded = config::load_sop(&settings.sop, &settings.config_dir).context("loading the SOP")?;
        let db = store::connect(&settings.database_url()).await.context("opening the database")?;
        store::migrate(&db).await.context("applying migrations")?;
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating DATA_DIR {}", settings.data_dir.display()))?;
        let mut senders = configured_senders(settings, &loaded)?;
        // The simulator's chats are a channel of their own, delivered by the same outbox.
        let demo = settings.demo();
        if demo {
            senders.push(Arc::new(crate::channels::web::WebSender::new(db.clone(), clock.clone())));
        }
        senders.extend(extra);
        let metrics = Arc::new(Metrics::new());
        let desk = Helpdesk::new(db.clone(), Arc::new(loaded), clock.clone(), settings.data_dir.clone())
            .with_metrics(metrics.clone());
        let logo = crate::documents::load_logo(settings.office_logo.as_deref()).context("reading SIGAP_OFFICE_LOGO")?;
        let letterhead = crate::documents::Letterhead {
            office: desk.sop().sop.header.office.clone(),
            address: settings.office_address.clone(),
            phone: settings.office_phone.clone(),
            logo,
        };
        let desk = desk
            .with_letterhead(letterhead)
            .with_complaint_days(settings.complaint_answer_days)
            .with_incident_options(settings.incidents)
            .with_privacy(settings.privacy.clone());
        let desk = match settings.telegram_team_chat {
            Some(chat) if settings.telegram_token.is_some() => {
                desk.with_team_chat(crate::domain::ticket::Channel::Telegram, chat.to_string())
            }
            _ => desk,
        };
        let delivery = (!senders.is_empty()).then(|| {
            senders.into_iter().fold(
                DeliveryWorker::new(db.clone(), clock.clone(), settings.data_dir.clone(), settings.retry_policy())
                    .with_metrics(metrics.clone())
                    .with_pacer(Pacer::with_limits(settings.pacing()))
                    .with_lanes(settings.delivery_lanes),
                DeliveryWorker::with_sender,
            )
        });
        // What a channel receives is stored before it is applied: webhook deliveries, polled
        // Telegram updates and monitoring alerts alike.
        let channels =
            settings.whatsapp.is_some() || settings.telegram_token.is_some() || !settings.alert_tokens.is_empty();
        let inbox_dbs = if channels {
            let inbox = store::inbox::open(&settings.database_url(), &db).await.context("opening the webhook inbox")?;
            let reader = store::inbox::open_reader(&settings.database_url(), &inbox)
                .await
                .context("opening the webhook inbox")?;
            Some((inbox, reader))
        } else {
            None
        };
        // Each channel gets its own handle: a delivery wakes its own channel's worker.
        let new_inbox = |(inbox, reader): &(sea_orm::DatabaseConnection, sea_orm::DatabaseConnection)| {
            Inbox::new(inbox.clone(), clock.clone()).with_reader(reader.clone())
        };
        let whatsapp = match (&settings.whatsapp, &inbox_dbs) {
            (Some(wa), Some(dbs)) => {
                let client = crate::channels::whatsapp::GraphClient::new(wa).context("the WhatsApp HTTP client")?;
                let inbox = new_inbox(dbs);
                let receiver = WhatsAppReceiver::new(
                    desk.clone(),
                    inbox.clone(),
                    client,
                    whatsapp_codec(wa),
                    Arc::new(desk.sop().sop.clone()),
                    wa.app_secret.clone(),
                    wa.verify_token.clone(),
                );
                Some((Arc::new(receiver), inbox))
            }
            _ => None,
        };
        if settings.telegram_token.is_none() && settings.whatsapp.is_none() {
            tracing::warn!("no chat channel is configured: chat messages are queued in the outbox, not sent");
        }
        if demo {
            let seeded = desk.seed_demo().await.context("seeding the demo office")?;
            tracing::info!(?seeded, "Coba SIGAP is on: the chat simulator at /coba");
        }
        let demo = demo.then_some(crate::web::demo::Demo { open_board: !settings.channels_configured() });
        let listener =
            TcpListener::bind(settings.listen).await.with_context(|| format!("binding {}", settings.listen))?;
        let mut router =
            routes(Ready { desk: desk.clone(), inbox: inbox_dbs.as_ref().map(|(inbox, _)| inbox.clone()) }).merge(
                crate::web::routes(crate::web::Console {
                    desk: desk.clone(),
                    channels: channels_on(settings),
                    demo,
                    inbox: inbox_dbs.as_ref().map(|(inbox, _)| inbox.clone()),
                    bot_username: settings.telegram_bot_username.clone(),
                }),
            );
        let mut whatsapp_inbox = None;
        if let Some((receiver, inbox)) = whatsapp {
            router = router.merge(receiver.clone().routes());
            tracing::info!(route = crate::channels::whatsapp::receiver::ROUTE, "WhatsApp webhook mounted");
            let worker = InboxWorker::new(inbox, clock.clone(), db.clone(), receiver, settings.retry_policy())
                .with_metrics(metrics.clone());
            whatsapp_inbox = Some(worker);
        }
        let mut alerts_inbox = None;
        if let Some(dbs) = inbox_dbs.as_ref().filter(|_| !settings.alert_tokens.is_empty()) {
            let inbox = new_inbox(dbs);
            let options = alerts::Options { host_labels: settings.alert_host_labels.clone() };
            let receiver = Arc::new(AlertReceiver::new(
                desk.clone(),
                inbox.clone(),
                settings.alert_tokens.clone(),
                options,
                &settings.locale,
            ));
            router = router.merge(receiver.clone().routes());
            let sources: Vec<&str> = settings.alert_tokens.iter().map(|(s, _)| s.as_str()).collect();
            tracing::info!(route = alerts::receiver::ROUTE, ?sources, "monitoring alerts mounted");
            alerts_inbox = Some(
                InboxWorker::new(inbox, clock.clone(), db.clone(), receiver, settings.retry_policy())
                    .with_metrics(metrics.clone()),
            );
        }
        let telegram = match &settings.telegram_token {
            Some(token) => {
                let token = token.expose_secret();
                let bot = crate::channels::telegram::bot(token, settings.telegram_api_url.as_deref())
                    .map_err(anyhow::Error::msg)?;
                let sop = Arc::new(desk.sop().sop.clone());
                let updates = TelegramPoller::new(bot, desk.clone(), CallbackCodec::new(token), sop);
                let dbs = inbox_dbs.as_ref().context("the inbox is opened whenever Telegram is on")?;
                Some(match &settings.telegram_webhook_url {
                    Some(url) => {
                        let path = webhook::route_path(url).map_err(anyhow::Error::msg)?;
                        let configured = settings.telegram_webhook_secret.as_ref().map(|s| s.expose_secret());
                        let secret: Arc<str> = webhook::secret(configured, token).into();
                        let updates = Arc::new(updates);
                        let inbox = new_inbox(dbs);
                        let state = webhook::WebhookState {
                            updates: updates.clone(),
                            secret: secret.clone(),
                            inbox: inbox.clone(),
                        };
                        router = router.merge(Router::new().route(&path, post(webhook::receive)).with_state(state));
                        tracing::info!(%path, "Telegram updates by webhook");
                        let inbox = InboxWorker::new(
                            inbox,
                            clock.clone(),
                            db.clone(),
                            updates.clone(),
                            settings.retry_policy(),
                        )
                        .with_metrics(metrics.clone());
                        TelegramMode::Webhook { updates, url: url.clone(), secret, inbox }
                    }
                    None => {
                        let updates = Arc::new(updates);
                        let inbox = new_inbox(dbs);
                        let worker = InboxWorker::new(
                            inbox.clone(),
                            clock.clone(),
                            db.clone(),
                            updates.clone(),
                            settings.retry_policy(),
                        )
                        .with_metrics(metrics.clone());
                        TelegramMode::Polling { poll: LongPoll::new(updates, inbox), inbox: worker }
                    }
                })
            }
            None => None,
        };
        let keep_sent_days = settings.keep_sent_days;
        let inbox_db = inbox_dbs.map(|(inbox, _)| inbox);
        Ok(Application {
            listener,
            router,
            desk,
            delivery,
            telegram,
            whatsapp_inbox,
            alerts_inbox,
            keep_sent_days,
            inbox_db,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn helpdesk(&self) -> &Helpdesk {
        &self.desk
    }

    /// Serve until `shutdown` completes; then finish in-flight requests and let each worker
    /// finish the unit it is doing (a claimed message is sent or released, never half-done).
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut workers = Vec::new();
        if let Some(delivery) = self.delivery {
            workers.push(tokio::spawn(delivery.run_until(stopped.clone())));
        }
        match self.telegram {
            Some(TelegramMode::Polling { poll, inbox }) => {
                workers.push(tokio::spawn(poll.run_until(stopped.clone())));
                workers.push(tokio::spawn(inbox.run_until(stopped.clone())));
            }
            Some(TelegramMode::Webhook { updates, url, secret, inbox }) => {
                // In the background: the server must already answer when Telegram first calls.
                tokio::spawn(async move { webhook::register(&updates, &url, &secret).await });
                workers.push(tokio::spawn(inbox.run_until(stopped.clone())));
            }
            None => {}
        }
        if let Some(inbox) = self.whatsapp_inbox {
            workers.push(tokio::spawn(inbox.run_until(stopped.clone())));
        }
        if let Some(inbox) = self.alerts_inbox {
            workers.push(tokio::spawn(inbox.run_until(stopped.clone())));
        }
        // Every replica runs one; the lease lets only one of them work at a time.
        workers.push(tokio::spawn(SlaWorker::new(self.desk.clone()).run_until(stopped.clone())));
        workers.push(tokio::spawn(
            Retention::new(self.desk.clone(), self.keep_sent_days)
                .with_inbox(self.inbox_db.clone())
                .run_until(stopped.clone()),
        ));
        let served = axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown).await;
        let _ = stop.send(true);
        for worker in workers {
            if let Err(err) = worker.await {
                tracing::error!(%err, "a worker ended abnormally");
            }
        }
        served
    }
}

/// The senders of the channels whose tokens are set; a channel without its token is off.
fn configured_senders(settings: &Settings, loaded: &config::LoadedSop) -> anyhow::Result<Vec<Arc<dyn Sender>>> {
    let mut senders: Vec<Arc<dyn Sender>> = Vec::new();
    match &settings.telegram_token {
        Some(token) => {
            let sop = Arc::new(loaded.sop.clone());
            let sender =
                crate::channels::telegram::sender(token.expose_secret(), settings.telegram_api_url.as_deref(), sop)
                    .map_err(anyhow::Error::msg)?;
            senders.push(Arc::new(sender));
            tracing::info!("Telegram is on");
        }
        None => tracing::warn!("TELOXIDE_TOKEN is not set: Telegram is off"),
    }
    match &settings.whatsapp {
        Some(wa) => {
            let client = crate::channels::whatsapp::GraphClient::new(wa).context("the WhatsApp HTTP client")?;
            let codec = whatsapp_codec(wa);
            let sop = Arc::new(loaded.sop.clone());
            let encode: crate::channels::whatsapp::sender::ButtonEncoder = Arc::new(move |tap| {
                let encoded = match tap {
                    Tap::Action(action) => codec.encode(action, &sop),
                    Tap::Choice(choice) => codec.encode_choice(choice),
                };
                // Within 64 bytes by construction; an empty id is refused by the renderer.
                encoded.unwrap_or_default()
            });
            let sender = WhatsAppSender::new(client, encode).with_templates(wa.templates.clone());
            senders.push(Arc::new(sender));
            tracing::info!("WhatsApp is on");
        }
        None => tracing::warn!("WHATSAPP_* are not set: WhatsApp is off"),
    }
    Ok(senders)
}

/// What the landing page says is on: the chat channels and the monitoring intake, as the
/// channels' names in the event log (the page words them in the reader's language).
fn channels_on(settings: &Settings) -> Vec<(crate::domain::ticket::Channel, Vec<String>)> {
    use crate::domain::ticket::Channel;
    let mut on = Vec::new();
    if settings.telegram_token.is_some() {
        on.push((Channel::Telegram, Vec::new()));
    }
    if settings.whatsapp.is_some() {
        on.push((Channel::Whatsapp, Vec::new()));
    }
    if !settings.alert_tokens.is_empty() {
        on.push((Channel::Monitoring, settings.alert_tokens.iter().map(|(s, _)| s.as_str().to_owned()).collect()));
    }
    on
}

/// Reply ids are signed with a key derived from the app secret, so only SIGAP makes them.
fn whatsapp_codec(settings: &crate::channels::whatsapp::WhatsAppSettings) -> CallbackCodec {
    CallbackCodec::new(&format!("whatsapp:{}", settings.app_secret.expose_secret()))
}

/// What readiness looks at: the main database and, when WhatsApp is on, the inbox.
#[derive(Clone)]
struct Ready {
    desk: Helpdesk,
    inbox: Option<sea_orm::DatabaseConnection>,
}

fn routes(ready: Ready) -> Router {
    Router::new()
        .route("/readyz", get(readyz))
        .with_state(ready.clone())
        .merge(Router::new().route("/healthz", get(healthz)).route("/metrics", get(metrics)).with_state(ready.desk))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The databases answer and every migration is applied.
async fn readyz(State(Ready { desk, inbox }): State<Ready>) -> (StatusCode, &'static str) {
    let inbox_ready = match &inbox {
        Some(db) => store::ping(db).await.is_ok() && store::inbox::is_migrated(db).await.unwrap_or(false),
        None => true,
    };
    let ready =
        inbox_ready && store::ping(desk.db()).await.is_ok() && store::is_migrated(desk.db()).await.unwrap_or(false);
    if ready { (StatusCode::OK, "ready") } else { (StatusCode::SERVICE_UNAVAILABLE, "not ready") }
}

/// Prometheus text format.
async fn metrics(State(desk): State<Helpdesk>) -> (StatusCode, [(axum::http::HeaderName, &'static str); 1], String) {
    let content_type = [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")];
    match desk.metrics().render(desk.db(), desk.clock().now()).await {
        Ok(text) => (StatusCode::OK, content_type, text),
        Err(err) => {
            tracing::error!(%err, "metrics");
            (StatusCode::SERVICE_UNAVAILABLE, content_type, String::new())
        }
    }
}

/// `sigap serve`: run with the system clock until SIGINT or SIGTERM.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(&settings, Arc::new(SystemClock)).await?;
    let addr = app.local_addr()?;
    let locale = settings.locale.as_str();
    tracing::info!(%addr, sop = app.helpdesk().sop().sop.id(), "listening");
    println!(
        "{}",
        rust_i18n::t!("cli.serve_started", locale = locale, addr = addr, sop = app.helpdesk().sop().sop.id())
    );
    app.run_until(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
