//! `sigap staff import FILE.csv` as the office admin uses it, through the binary: many people
//! added at once, the whole file checked before anything is written, errors naming the line
//! in the admin's language, and the same file run again adding no one twice.

#[path = "common/db.rs"]
mod db;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

struct Admin {
    dir: TempDir,
    url: String,
    _db: Option<TempDir>,
}

impl Admin {
    async fn new() -> Self {
        let (url, db) = db::fresh_database().await;
        let admin = Admin { dir: tempfile::tempdir().unwrap(), url, _db: db };
        let orgs = admin.write("opd.csv", "code,name,kind\nKOMINFO,Dinas Kominfo,opd\nDS01,Desa Jati,desa\n");
        assert!(admin.run(&["opd", "import", path(&orgs)]).status.success());
        admin
    }

    fn run_in(&self, locale: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_sigap"))
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.url)
            .env("DATA_DIR", self.dir.path().join("data"))
            .env("SIGAP_CONFIG_DIR", PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config"))
            .env("SIGAP_LOCALE", locale)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_in("id", args)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn staff(&self) -> String {
        stdout(&self.run(&["staff", "list"]))
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn staff_import_adds_everyone_in_the_file_and_a_second_run_adds_no_one() {
    let admin = Admin::new().await;
    let mut csv = String::from("name,roles,org,telegram_id,whatsapp,locale\n");
    csv.push_str("Budi Santoso,kasi,KOMINFO,1001,081234567890,\n");
    csv.push_str("Ani,technician;helpdesk,kominfo,1002,,en\n");
    for i in 0..150 {
        csv.push_str(&format!("Pelapor Desa {i},reporter,DS01,,+62 813 {:08},\n", 10_000_000 + i));
    }
    let file = admin.write("staf.csv", &csv);

    let first = admin.run(&["staff", "import", path(&file)]);
    let again = admin.run(&["staff", "import", path(&file)]);

    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("152 petugas ditambahkan, 0 dilewati"), "{}", stdout(&first));
    let list = admin.staff();
    assert!(
        list.contains("Budi Santoso  [Kepala Seksi]  KOMINFO  telegram:1001 whatsapp:+6281234567890  aktif"),
        "{list}"
    );
    assert!(list.contains("Ani  [") && list.contains("Teknisi") && list.contains("telegram:1002"), "{list}");
    assert!(again.status.success(), "{}", stderr(&again));
    let text = stdout(&again);
    assert!(text.contains("0 petugas ditambahkan, 152 dilewati"), "{text}");
    assert!(text.contains("baris 2: Budi Santoso sudah terdaftar sebagai #1 Budi Santoso; dilewati."), "{text}");
    assert_eq!(admin.staff(), list, "the second run changed nothing");
}

#[tokio::test]
async fn a_bad_line_anywhere_in_the_file_writes_no_one_and_is_named_in_the_admins_language() {
    let admin = Admin::new().await;
    let header = "name,roles,org,telegram_id,whatsapp,locale\n";
    let good = "Budi,kasi,KOMINFO,1001,,\nAni,technician,KOMINFO,1002,,\n";
    let cases = [
        (
            format!("{header}{good}Citra,lurah,,1003,,\n"),
            "staf.csv baris 4: peran `lurah` tidak dikenal",
            "line 4: unknown role `lurah`",
        ),
        (
            format!("{header}{good}Citra,kasi,NOPE,1003,,\n"),
            "baris 4: organisasi `NOPE` tidak dikenal",
            "line 4: unknown organisation `NOPE`",
        ),
        (
            format!("{header}{good}Citra,kasi,,1001,,\n"),
            "baris 4: telegram:1001 sudah ada di baris 2",
            "line 4: telegram:1001 is already on line 2",
        ),
        (
            format!("{header}{good}Citra,kasi,,,12ab,\n"),
            "baris 4: nomor WhatsApp `12ab` tidak valid",
            "line 4: WhatsApp number `12ab` is not valid",
        ),
        (format!("{header}{good},kasi,,1003,,\n"), "baris 4: nama kosong", "line 4: the name is empty"),
        (
            format!("name,jabatan\n{good}"),
            "baris 1: judul kolom harus memuat name dan roles",
            "line 1: the header must have",
        ),
    ];
    for (text, indonesian, english) in cases {
        let file = admin.write("staf.csv", &text);
        let id = admin.run(&["staff", "import", path(&file)]);
        let en = admin.run_in("en", &["staff", "import", path(&file)]);
        assert!(!id.status.success() && !en.status.success(), "{text}");
        assert!(stderr(&id).contains(indonesian), "{text}\n{}", stderr(&id));
        assert!(stderr(&en).contains(english), "{text}\n{}", stderr(&en));
    }
    assert_eq!(admin.staff().trim(), "Belum ada petugas.", "nothing was written");
}

#[tokio::test]
async fn a_line_whose_contacts_belong_to_two_people_is_refused() {
    let admin = Admin::new().await;
    assert!(admin.run(&["staff", "add", "--name", "Budi", "--role", "kasi", "--telegram-id", "1001"]).status.success());
    let added = admin.run(&["staff", "add", "--name", "Ani", "--role", "kasi", "--whatsapp", "081234567890"]);
    assert!(added.status.success());
    let file =
        admin.write("staf.csv", "name,roles,telegram_id,whatsapp\nDewi,kasi,2001,\nBudi Ani,kasi,1001,081234567890\n");

    let out = admin.run(&["staff", "import", path(&file)]);

    assert!(!out.status.success());
    assert!(stderr(&out).contains("baris 3: telegram:1001 milik #1 Budi"), "{}", stderr(&out));
    assert!(!admin.staff().contains("Dewi"), "nothing was written");
}
