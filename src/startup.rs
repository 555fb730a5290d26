//! Building and running the service. [`Application::build`] is what `main` runs and what
//! the integration tests start on port 0 with their own database: one HTTP server (health
//! now; channel webhooks and metrics mount here too) over one [`Helpdesk`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::clock::{Clock, SystemClock};
use crate::config;
use crate::service::Helpdesk;
use crate::settings::Settings;
use crate::store;

pub struct Application {
    listener: TcpListener,
    router: Router,
    desk: Helpdesk,
}

impl Application {
    /// Load the SOP, open and migrate the database, bind the listener.
    pub async fn build(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let loaded = config::load_sop(&settings.sop, &settings.config_dir).context("loading the SOP")?;
        let db = store::connect(&settings.database_url()).await.context("opening the database")?;
        store::migrate(&db).await.context("applying migrations")?;
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating DATA_DIR {}", settings.data_dir.display()))?;
        let desk = Helpdesk::new(db, Arc::new(loaded), clock, settings.data_dir.clone());
        let listener =
            TcpListener::bind(settings.listen).await.with_context(|| format!("binding {}", settings.listen))?;
        let router = routes(desk.clone());
        Ok(Application { listener, router, desk })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn helpdesk(&self) -> &Helpdesk {
        &self.desk
    }

    /// Serve until `shutdown` completes, then finish in-flight requests.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown).await
    }
}

fn routes(desk: Helpdesk) -> Router {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).with_state(desk)
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and every migration is applied.
async fn readyz(State(desk): State<Helpdesk>) -> (StatusCode, &'static str) {
    let ready = store::ping(desk.db()).await.is_ok() && store::is_migrated(desk.db()).await.unwrap_or(false);
    if ready { (StatusCode::OK, "ready") } else { (StatusCode::SERVICE_UNAVAILABLE, "not ready") }
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
