//! `yichuang backup` under write load and `yichuang restore`: every case acknowledged before
//! the backup began is in the restored database. (Copying the `.db` file alone lost 6–28.)

#![allow(clippy::unwrap_used, reason = "tests")]

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::json;
use yichuang_core::store::Store;
use yichuang_store_sqlite::SqliteStore;
use yichuang_testkit::TestApp;

const BIN: &str = env!("CARGO_BIN_EXE_yichuang");
const MATTER: &str = "340101001000-341800000000-000-11341800030413869K-1-00";

fn yichuang(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("YICHUANG_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run yichuang")
}

#[tokio::test]
async fn a_backup_under_load_restores_every_acknowledged_case() {
    let data = tempfile::tempdir().unwrap();
    let app = Arc::new(TestApp::sqlite_in(data.path(), None, true).await);
    std::fs::create_dir_all(data.path().join("files/ab")).unwrap();
    std::fs::write(data.path().join("files/ab/abcdef"), b"scan").unwrap();
    let token = app.token("clerk1").await;
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let warmed = Arc::new(tokio::sync::Notify::new());
    let load = {
        let (app, acked, stop, warmed) = (app.clone(), acked.clone(), stop.clone(), warmed.clone());
        tokio::spawn(async move {
            let materials: Vec<_> = (0..6)
                .map(|i| json!({"index": i, "mode": if i == 1 { "copy" } else { "original" }}))
                .collect();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let body = json!({"matter_code": MATTER, "decision": "accept", "materials": materials,
                    "applicant": {"type": "person", "name": "张三", "id_number": "11010519491231002X", "phone": "13912345678"}});
                let (s, v) = app
                    .send_json(Method::POST, "/api/v1/cases", Some(&token), &body)
                    .await;
                assert_eq!(s, 201, "{v}");
                let n = {
                    let mut list = acked.lock().unwrap();
                    list.push(v["case_no"].as_str().unwrap().to_owned());
                    list.len()
                };
                if n == 20 {
                    warmed.notify_one();
                }
            }
        })
    };
    warmed.notified().await;
    // Everything acknowledged up to here must be in the backup; writes continue meanwhile.
    let before: Vec<String> = acked.lock().unwrap().clone();
    let target = tempfile::tempdir().unwrap();
    let to = target.path().join("b1");
    let (d, t) = (data.path().to_path_buf(), to.clone());
    let out =
        tokio::task::spawn_blocking(move || yichuang(&d, &["backup", "--to", t.to_str().unwrap()]))
            .await
            .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    load.await.unwrap();
    let during = acked.lock().unwrap().len();
    assert!(during > before.len(), "writes went on during the backup");
    assert!(to.join("backup.json").exists() && to.join("files/ab/abcdef").exists());

    // Restore into a fresh data directory and find every case.
    let fresh = tempfile::tempdir().unwrap();
    let out = yichuang(fresh.path(), &["restore", "--from", to.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(fresh.path().join("files/ab/abcdef")).unwrap(),
        b"scan"
    );
    // The key directory came back with the backup: the sealed cases open.
    let store = SqliteStore::open_in_dir(fresh.path(), 1)
        .await
        .unwrap()
        .with_keys(yichuang_testkit::key_ring(fresh.path()));
    for no in &before {
        assert!(
            store.case_by_no(no).await.unwrap().is_some(),
            "acknowledged case {no} missing from the restored database"
        );
    }
    store.close().await;
    // The restored audit trail verifies from its first event, by the operator's command.
    let out = yichuang(fresh.path(), &["audit", "verify"]);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{printed}");
    assert!(printed.contains("链完整"), "{printed}");
    // Restoring over an existing database needs --force; a backup directory is not reused.
    let out = yichuang(fresh.path(), &["restore", "--from", to.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    let out = yichuang(data.path(), &["backup", "--to", to.to_str().unwrap()]);
    assert!(!out.status.success());
}

#[tokio::test]
async fn a_postgres_backup_restores_into_an_empty_database() {
    use yichuang_store_postgres::PgStore;
    use yichuang_store_postgres::testing::{PgTestDb, test_server_url};
    let Some((source, store)) = PgTestDb::store("postgres backup").await else {
        return;
    };
    let core = yichuang_core::Core::new(
        Arc::new(store),
        Arc::new(yichuang_domain::clock::SystemClock),
        yichuang_core::AuthSettings::default(),
    );
    core.load_demo().await.unwrap();
    let center = core.default_center().await.unwrap();
    let events = core
        .store()
        .recent_events(center.id, 1_000_000)
        .await
        .unwrap()
        .len();
    assert!(events > 0);
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("pg");
    let data = dir.path().join("data");
    let url = source.url.clone();
    let out = yichuang(
        &data,
        &[
            "--database-url",
            &url,
            "backup",
            "--to",
            to.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let target = PgTestDb::create(&test_server_url("postgres backup").unwrap())
        .await
        .unwrap();
    let out = yichuang(
        &data,
        &[
            "--database-url",
            &target.url,
            "restore",
            "--from",
            to.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = PgStore::connect(&target.url, 2).await.unwrap();
    let centers = restored.centers().await.unwrap();
    assert_eq!(centers[0].code, center.code);
    let restored_events = restored
        .recent_events(centers[0].id, 1_000_000)
        .await
        .unwrap();
    assert_eq!(
        restored_events.len(),
        events,
        "every event of the log is restored"
    );
}

/// `yichuang keys rotate` makes a new key current and re-seals every stored file with it, files
/// stored in the clear before encryption included; each still opens to its original bytes.
#[test]
fn key_rotation_reseals_every_stored_file() {
    let data = tempfile::tempdir().unwrap();
    let ring = yichuang_crypto::KeyRing::open_or_create(&data.path().join("keys")).unwrap();
    let files = data.path().join("files/ab");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("sealed"), ring.seal(b"scan one").unwrap()).unwrap();
    std::fs::write(files.join("plain"), b"%PDF scan two").unwrap();

    let out = yichuang(data.path(), &["keys", "rotate"]);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        printed.contains("k2") && printed.contains("2 个文件"),
        "{printed}"
    );
    let ring = ring.reload().unwrap();
    assert_eq!(ring.current_kid(), "k2");
    for (name, plain) in [
        ("sealed", &b"scan one"[..]),
        ("plain", &b"%PDF scan two"[..]),
    ] {
        let raw = std::fs::read(files.join(name)).unwrap();
        assert_eq!(
            yichuang_crypto::KeyRing::blob_kid(&raw),
            Some("k2"),
            "{name}"
        );
        assert_eq!(ring.open_blob(&raw).unwrap(), plain);
    }
    let out = yichuang(data.path(), &["keys", "status"]);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("当前密钥：k2") && printed.contains("k2\t2 个文件"),
        "{printed}"
    );
}

/// `yichuang keys rotate` also re-seals the personal fields of the database: afterwards every
/// case state holds only envelopes of the new key, and the case still opens to the same ID.
#[tokio::test]
async fn key_rotation_reseals_the_personal_data_in_the_database() {
    let data = tempfile::tempdir().unwrap();
    let case_no = {
        let app = TestApp::sqlite_in(data.path(), None, true).await;
        let token = app.token("clerk1").await;
        let materials: Vec<_> = (0..6)
            .map(|i| json!({"index": i, "mode": "original"}))
            .collect();
        let body = json!({"matter_code": MATTER, "decision": "accept", "materials": materials,
            "applicant": {"type": "person", "name": "张三", "id_number": "11010519491231002X",
            "phone": "13912345678"}});
        let (s, v) = app
            .send_json(Method::POST, "/api/v1/cases", Some(&token), &body)
            .await;
        assert_eq!(s, 201, "{v}");
        v["case_no"].as_str().unwrap().to_owned()
    };
    let state_of = |db: &Path| {
        let db = db.to_path_buf();
        async move {
            let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
                "sqlite:{}",
                db.display()
            ))
            .await
            .unwrap();
            let states: Vec<String> = sqlx::query_scalar("select state from case_states")
                .fetch_all(&mut conn)
                .await
                .unwrap();
            states.concat()
        }
    };
    let db = data.path().join("yichuang.db");
    let before = state_of(&db).await;
    assert!(before.contains("$sm4$k1$") && !before.contains("$sm4$k2$"));

    let out = tokio::task::spawn_blocking({
        let d = data.path().to_path_buf();
        move || yichuang(&d, &["keys", "rotate"])
    })
    .await
    .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        printed.contains("行个人信息已用新密钥重新加密"),
        "{printed}"
    );
    let after = state_of(&db).await;
    assert!(after.contains("$sm4$k2$"), "not re-sealed");
    assert!(!after.contains("$sm4$k1$"), "an old envelope is left");
    let store = SqliteStore::open_in_dir(data.path(), 1)
        .await
        .unwrap()
        .with_keys(yichuang_testkit::key_ring(data.path()));
    let case = store.case_by_no(&case_no).await.unwrap().unwrap();
    assert_eq!(case.case.received.applicant.id_number, "11010519491231002X");
    store.close().await;
}
