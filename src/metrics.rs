//! Prometheus metrics for `/metrics`. Counters are per process (Prometheus sums replicas);
//! the outbox's depth and the age of its oldest row are read from the database at scrape
//! time, so every replica reports the same, true figure.

use chrono::{DateTime, Utc};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use sea_orm::DatabaseConnection;

type Labels = [(&'static str, String); 1];
type Labels2 = [(&'static str, String); 2];

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub updates_received: Family<Labels, Counter>,
    pub tickets_created: Counter,
    pub transitions: Family<Labels, Counter>,
    pub refusals: Family<Labels, Counter>,
    pub deliveries: Family<Labels2, Counter>,
    pub delivery_failures: Family<Labels2, Counter>,
    /// What platforms reported later about sent messages (WhatsApp statuses).
    pub delivery_statuses: Family<Labels2, Counter>,
    /// Messages taken over from a sender that stopped mid-send (possibly delivered twice).
    pub delivery_takeovers: Family<Labels, Counter>,
    pub sla_reminders: Counter,
    pub sla_breaches: Counter,
    /// Webhook deliveries stored and not yet applied, by channel, as its worker last saw them.
    pub inbox_waiting: Family<Labels, Gauge>,
    /// Stored deliveries that failed and wait for another try, by channel.
    pub inbox_retries: Family<Labels, Counter>,
    /// Stored deliveries given up on, by channel (kept in the inbox for the admin).
    pub inbox_parked: Family<Labels, Counter>,
    outbox_depth: Gauge,
    outbox_oldest_age: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("sigap");
        let m = Metrics {
            updates_received: Family::default(),
            tickets_created: Counter::default(),
            transitions: Family::default(),
            refusals: Family::default(),
            deliveries: Family::default(),
            delivery_failures: Family::default(),
            delivery_statuses: Family::default(),
            delivery_takeovers: Family::default(),
            sla_reminders: Counter::default(),
            sla_breaches: Counter::default(),
            inbox_waiting: Family::default(),
            inbox_retries: Family::default(),
            inbox_parked: Family::default(),
            outbox_depth: Gauge::default(),
            outbox_oldest_age: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register("updates_received", "Updates received from chat platforms", m.updates_received.clone());
        registry.register("tickets_created", "Tickets created", m.tickets_created.clone());
        registry.register("transitions", "SOP actions applied, by action", m.transitions.clone());
        registry.register("refusals", "Actions refused, by reason", m.refusals.clone());
        registry.register("deliveries", "Messages delivered, by channel and outcome", m.deliveries.clone());
        registry.register(
            "delivery_failures",
            "Messages given up on, by channel and reason",
            m.delivery_failures.clone(),
        );
        registry.register(
            "delivery_statuses",
            "Statuses platforms reported for sent messages, by channel and status",
            m.delivery_statuses.clone(),
        );
        registry.register(
            "delivery_takeovers",
            "Messages taken over from a sender that stopped mid-send, by channel (possibly delivered twice)",
            m.delivery_takeovers.clone(),
        );
        registry.register("sla_reminders", "SLA reminders queued", m.sla_reminders.clone());
        registry.register("sla_breaches", "SLA breaches escalated", m.sla_breaches.clone());
        registry.register(
            "inbox_waiting",
            "Webhook deliveries stored, not yet applied, by channel",
            m.inbox_waiting.clone(),
        );
        registry.register(
            "inbox_retries",
            "Stored webhook deliveries that failed and wait for a retry, by channel",
            m.inbox_retries.clone(),
        );
        registry.register("inbox_parked", "Stored webhook deliveries given up on, by channel", m.inbox_parked.clone());
        registry.register("outbox_depth", "Messages waiting to be sent", m.outbox_depth.clone());
        registry.register(
            "outbox_oldest_age_seconds",
            "Age of the oldest message waiting to be sent",
            m.outbox_oldest_age.clone(),
        );
        Metrics { registry, ..m }
    }

    pub fn label(name: &'static str, value: impl Into<String>) -> Labels {
        [(name, value.into())]
    }

    pub fn labels(a: (&'static str, &str), b: (&'static str, &str)) -> Labels2 {
        [(a.0, a.1.to_owned()), (b.0, b.1.to_owned())]
    }

    /// The text exposition, with the outbox gauges read now.
    pub async fn render(&self, db: &DatabaseConnection, now: DateTime<Utc>) -> Result<String, sea_orm::DbErr> {
        let (depth, oldest) = crate::store::outbox::backlog(db).await?;
        self.outbox_depth.set(i64::try_from(depth).unwrap_or(i64::MAX));
        self.outbox_oldest_age.set(oldest.map_or(0, |at| (now - at).num_seconds().max(0)));
        let mut out = String::new();
        encode(&mut out, &self.registry).map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
        Ok(out)
    }
}
