//! `sigap network import` and `sigap network show` as the admin runs them: the real binary on
//! a real database (SQLite file, or PostgreSQL with `TEST_DATABASE_URL`).

#[path = "common/db.rs"]
mod db;

use std::path::PathBuf;
use std::process::{Command, Output};

use tempfile::TempDir;

struct Admin {
    dir: TempDir,
    url: String,
    _db: Option<TempDir>,
}

impl Admin {
    /// A fresh database with the organisations the example registry serves.
    async fn with_orgs() -> Self {
        let (url, db) = db::fresh_database().await;
        let admin = Admin { dir: tempfile::tempdir().unwrap(), url, _db: db };
        let csv = admin.write(
            "opd.csv",
            "code,name,kind\nKOMINFO,Diskominfo,opd\nDINKES,Dinas Kesehatan,opd\nKEC-NGAGLIK,Kecamatan Ngaglik,opd\n",
        );
        let out = admin.run(&["opd", "import", csv.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        admin
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_sigap"))
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.url)
            .env("DATA_DIR", self.dir.path().join("data"))
            .env("SIGAP_CONFIG_DIR", repo().join("config"))
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn example() -> String {
    repo().join("config/network.example.toml").display().to_string()
}

#[tokio::test]
async fn the_example_registry_imports_and_shows_as_a_tree() {
    let admin = Admin::with_orgs().await;

    let imported = admin.run(&["network", "import", &example()]);
    let shown = admin.run(&["network", "show"]);

    assert!(imported.status.success(), "{}", stderr(&imported));
    assert!(
        stdout(&imported).contains("Registri jaringan diganti: 4 node, 8 nama monitoring."),
        "{}",
        stdout(&imported)
    );
    let tree = stdout(&shown);
    let lines: Vec<&str> = tree.lines().collect();
    assert!(
        lines[0].starts_with("[noc] NOC Diskominfo (backbone)  uplink: Telkom Astinet · sirkuit 4700001-0001"),
        "{tree}"
    );
    assert!(lines[0].contains("melayani: KOMINFO") && lines[0].contains("zabbix:rtr-diskominfo-01"), "{tree}");
    assert!(lines[1].starts_with("└─ [dist-utara] Distribusi Utara (FO ring)"), "{tree}");
    assert!(lines[2].starts_with("   ├─ [dinkes] Dinas Kesehatan, Jl. Pemuda 4"), "{tree}");
    assert!(lines[2].contains("uptimekuma:simpus dinkes"), "{tree}");
    assert!(lines[3].starts_with("   └─ [kec-ngaglik] Kantor Camat Ngaglik  uplink: Icon+"), "{tree}");
    assert_eq!(lines.len(), 4, "{tree}");
}

#[tokio::test]
async fn a_registry_file_with_mistakes_changes_nothing_and_names_every_bad_line() {
    let admin = Admin::with_orgs().await;
    assert!(admin.run(&["network", "import", &example()]).status.success());
    let broken = admin.write(
        "jaringan.toml",
        r#"[[node]]
id = "inti"
name = "Inti"
parent = "cabang"
monitoring = { zabbix = ["rtr-1"] }

[[node]]
id = "cabang"
name = "Cabang"
parent = "inti"
orgs = ["DINSOS"]

[[node]]
id = "lain"
name = "Lain"
parent = "entah"
monitoring = { zabbix = ["RTR-1"] }
"#,
    );

    let refused = admin.run(&["network", "import", broken.to_str().unwrap()]);
    let shown = admin.run(&["network", "show"]);

    assert!(!refused.status.success());
    let err = stderr(&refused);
    for expected in [
        "tidak diimpor (3 kesalahan); registri lama tetap berlaku",
        "baris 11: kode organisasi `DINSOS` belum terdaftar",
        "baris 16: node `lain` bergantung pada `entah`, yang tidak ada di berkas",
        "baris 17: nama zabbix `RTR-1` sudah dipakai di baris 5",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
    // The cycle is found once the names and parents are right; it is reported on its own.
    let cycle = admin.write(
        "lingkar.toml",
        "[[node]]\nid = \"a\"\nname = \"A\"\nparent = \"b\"\n[[node]]\nid = \"b\"\nname = \"B\"\nparent = \"a\"\n",
    );
    let err = stderr(&admin.run(&["network", "import", cycle.to_str().unwrap()]));
    assert!(err.contains("baris 2: node `a` akhirnya bergantung pada dirinya sendiri"), "{err}");
    assert!(stdout(&shown).starts_with("[noc] NOC Diskominfo (backbone)"), "{}", stdout(&shown));
}

#[tokio::test]
async fn registry_errors_speak_english_when_asked() {
    let admin = Admin::with_orgs().await;
    let broken = admin.write("net.toml", "[[node]]\nid = \"x\"\nname = \"X\"\nmonitoring = { nagios = \"h\" }\n");

    let out = Command::new(env!("CARGO_BIN_EXE_sigap"))
        .args(["network", "import", broken.to_str().unwrap()])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &admin.url)
        .env("DATA_DIR", admin.dir.path().join("data"))
        .env("SIGAP_LOCALE", "en")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();

    assert!(!out.status.success());
    assert!(stderr(&out).contains("line 4: unknown monitoring source `nagios`"), "{}", stderr(&out));
}
