//! Keeping the whole process on one CPU when the database is SQLite.
//!
//! sqlx runs each SQLite connection on a thread of its own: every statement is handed to
//! that thread and its answer handed back. When the async task and the SQLite thread sit on
//! different CPUs, each hand-off wakes a sleeping CPU; on a small virtual machine that costs
//! far more than the statement (`examples/query_cost`: 148 µs per `SELECT 1` across CPUs,
//! 18 µs on one). SQLite has one writer anyway, so a second CPU buys SIGAP little there.
//! PostgreSQL runs in its own processes and gains nothing from this (measured), so `auto`
//! leaves it alone. Figures: BENCHMARKS.md.
//!
//! Must run before the async runtime starts: threads inherit the affinity of the thread
//! that creates them, and only threads created afterwards are affected.

use std::fmt;

/// `SIGAP_PIN_CPU`: `auto` (one CPU on SQLite, none on PostgreSQL), `off`, or a CPU number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PinCpu {
    #[default]
    Auto,
    Off,
    Cpu(usize),
}

impl std::str::FromStr for PinCpu {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.trim() {
            "auto" => Ok(Self::Auto),
            "off" => Ok(Self::Off),
            n => n.parse().map(Self::Cpu).map_err(|_| format!("`{raw}`: use auto, off or a CPU number such as 0")),
        }
    }
}

/// What [`pin`] did, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pinned {
    /// Not asked to, or not on SQLite.
    No,
    /// The process runs on this CPU only.
    To(usize),
    /// The system refused (a CPU the process may not use, or an unsupported system).
    Refused(String),
}

impl fmt::Display for Pinned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::No => f.write_str("all CPUs"),
            Self::To(cpu) => write!(f, "CPU {cpu} only"),
            Self::Refused(why) => write!(f, "all CPUs ({why})"),
        }
    }
}

impl Pinned {
    /// How many worker threads the runtime should have: one when everything shares a CPU.
    fn worker_threads(&self) -> Option<usize> {
        matches!(self, Self::To(_)).then_some(1)
    }

    /// The async runtime for a process pinned (or not) this way.
    pub fn runtime(&self) -> std::io::Result<tokio::runtime::Runtime> {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if let Some(workers) = self.worker_threads() {
            builder.worker_threads(workers);
        }
        builder.enable_all().build()
    }
}

/// Pins the calling thread, and so every thread it creates from now on, to one CPU when
/// `choice` says so for this database. `auto` picks the CPU the thread is running on, so
/// that several processes on one machine (tests, replicas) spread over the CPUs.
pub fn pin(choice: PinCpu, database_url: &str) -> Pinned {
    let cpu = match choice {
        PinCpu::Off => return Pinned::No,
        PinCpu::Auto if !database_url.starts_with("sqlite:") => return Pinned::No,
        PinCpu::Auto => match imp::current_cpu() {
            Some(cpu) => cpu,
            None => return Pinned::Refused("the current CPU is unknown".into()),
        },
        PinCpu::Cpu(cpu) => cpu,
    };
    match imp::pin_to(cpu) {
        Ok(()) => Pinned::To(cpu),
        Err(why) => Pinned::Refused(why),
    }
}

#[cfg(target_os = "linux")]
mod imp {
    pub fn current_cpu() -> Option<usize> {
        // SAFETY: sched_getcpu takes no arguments and only reads the calling thread's state.
        let cpu = unsafe { libc::sched_getcpu() };
        usize::try_from(cpu).ok()
    }

    pub fn pin_to(cpu: usize) -> Result<(), String> {
        // SAFETY: the set is a plain bit array zeroed and filled by libc's own helpers, and
        // sched_setaffinity reads exactly size_of::<cpu_set_t>() bytes of it.
        let result = unsafe {
            if cpu >= 8 * std::mem::size_of::<libc::cpu_set_t>() {
                return Err(format!("CPU {cpu} does not exist"));
            }
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_ZERO(&mut set);
            libc::CPU_SET(cpu, &mut set);
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
        };
        if result == 0 { Ok(()) } else { Err(format!("CPU {cpu}: {}", std::io::Error::last_os_error())) }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    pub fn current_cpu() -> Option<usize> {
        None
    }

    pub fn pin_to(_cpu: usize) -> Result<(), String> {
        Err("not supported on this system".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_reads_auto_off_or_a_cpu_number() {
        assert_eq!("auto".parse::<PinCpu>(), Ok(PinCpu::Auto));
        assert_eq!(" off ".parse::<PinCpu>(), Ok(PinCpu::Off));
        assert_eq!("1".parse::<PinCpu>(), Ok(PinCpu::Cpu(1)));
        assert!("satu".parse::<PinCpu>().unwrap_err().contains("auto, off or a CPU number"));
    }

    #[test]
    fn auto_leaves_postgresql_and_off_leaves_everything_alone() {
        assert_eq!(pin(PinCpu::Auto, "postgres://localhost/sigap"), Pinned::No);
        assert_eq!(pin(PinCpu::Off, "sqlite://x.db"), Pinned::No);
        assert_eq!(Pinned::No.worker_threads(), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_pinned_on_sqlite_stays_on_its_cpu_and_so_do_its_children() {
        // On a thread of its own: the test harness's threads must keep every CPU.
        std::thread::spawn(|| {
            let pinned = pin(PinCpu::Auto, "sqlite://x.db?mode=rwc");
            let Pinned::To(cpu) = pinned else { panic!("not pinned: {pinned:?}") };
            assert_eq!(pinned.worker_threads(), Some(1));
            let child = std::thread::spawn(|| (0..1000).map(|_| imp::current_cpu()).collect::<Vec<_>>());
            assert!(child.join().unwrap().iter().all(|c| *c == Some(cpu)));
        })
        .join()
        .unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_cpu_that_does_not_exist_is_refused_with_its_number() {
        std::thread::spawn(|| match pin(PinCpu::Cpu(100_000), "sqlite://x.db") {
            Pinned::Refused(why) => assert!(why.contains("100000"), "{why}"),
            other => panic!("{other:?}"),
        })
        .join()
        .unwrap();
    }
}
