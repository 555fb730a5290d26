//! `sigap demo`: seed the demo office of "Coba SIGAP" (what a start with the demo on does
//! by itself), and say where the simulator is and whether the next start serves it.

use std::sync::Arc;

use rust_i18n::t;

use super::{CliError, connect};
use crate::clock::SystemClock;
use crate::service::Helpdesk;
use crate::settings::Settings;

pub async fn seed(settings: &Settings) -> Result<(), CliError> {
    let locale = settings.locale.as_str();
    let loaded = crate::config::load_sop(&settings.sop, &settings.config_dir).map_err(|e| CliError::new(locale, e))?;
    let db = connect(settings).await?;
    let desk = Helpdesk::new(db, Arc::new(loaded), Arc::new(SystemClock), settings.data_dir.clone());
    let seeded = desk.seed_demo().await.map_err(|e| CliError::new(locale, e))?;
    println!("{}", t!("cli.demo_seeded", locale = locale, orgs = seeded.orgs, people = seeded.people));
    let url = format!("http://{}/coba", settings.listen);
    if settings.demo() {
        println!("{}", t!("cli.demo_on", locale = locale, url = url));
    } else {
        println!("{}", t!("cli.demo_off", locale = locale, url = url));
    }
    Ok(())
}
