//! The `yichuang` binary end to end: catalog import (all or nothing, idempotent, versioned, next
//! to a running server), first start without demo data, and graceful shutdown on SIGTERM.

#![allow(clippy::unwrap_used, reason = "tests")]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;
use yichuang_core::store::{MatterFilter, Store};
use yichuang_store_sqlite::SqliteStore;
use yichuang_testkit::TestApp;

const BIN: &str = env!("CARGO_BIN_EXE_yichuang");
const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/xuancheng.json");

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

/// Everything an import could change: events, matters with versions, departments.
async fn snapshot(dir: &Path) -> (usize, Vec<(String, i64)>, usize) {
    let store = SqliteStore::open_in_dir(dir, 1).await.unwrap();
    let center = store.centers().await.unwrap()[0].id;
    let events = store.recent_events(center, 1_000_000).await.unwrap().len();
    let filter = MatterFilter {
        limit: 10_000,
        ..Default::default()
    };
    let (matters, _) = store.list_matters(center, &filter).await.unwrap();
    let depts = store.departments(center).await.unwrap().len();
    store.close().await;
    (
        events,
        matters.into_iter().map(|m| (m.code, m.version)).collect(),
        depts,
    )
}

#[tokio::test]
async fn a_broken_catalog_is_rejected_with_every_problem_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = yichuang(dir.path(), &["import", "catalog", DEMO]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("新增事项 255"));
    let before = snapshot(dir.path()).await;
    assert_eq!(before.1.len(), 255);

    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(DEMO).unwrap()).unwrap();
    v["matters"][17]["department"] = Value::from("xyz");
    v["matters"][20]["legal_limit_days"] = Value::from(-5);
    v["matters"][21]["promised_limit_days"] = Value::from(999);
    v["matters"][22].as_object_mut().unwrap().remove("steps");
    v["matters"][23]["window_group"] = Value::from("nowhere");
    v["matters"][24]["materials"][0]["license_type"] = Value::from("nolicense");
    v["matters"][25]["code"] = v["matters"][0]["code"].clone();
    v["matters"][26]["fee"] = Value::from("changed, but must not be stored");
    let immediate = v["matters"]
        .as_array()
        .unwrap()
        .iter()
        .position(|m| m["handling"] == "immediate")
        .unwrap();
    v["matters"][immediate]["promised_limit_days"] = Value::from(2);
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, v.to_string()).unwrap();
    let out = yichuang(dir.path(), &["import", "catalog", broken.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "matters[17].department: 未知部门 \"xyz\"".to_owned(),
        "matters[20].legal_limit_days: 不能为负数".to_owned(),
        "matters[21].promised_limit_days: 承诺时限（999个工作日）超过法定时限".to_owned(),
        "matters[22].steps: 缺少字段".to_owned(),
        "matters[23].window_group: 未知窗口类别 \"nowhere\"".to_owned(),
        "matters[24].materials[0].license_type: 未知证照类型 \"nolicense\"".to_owned(),
        "matters[25].code: 编码".to_owned(),
        format!("matters[{immediate}].promised_limit_days: 即办件的时限应为 0"),
    ] {
        assert!(
            stderr.contains(&expected),
            "missing «{expected}» in:\n{stderr}"
        );
    }
    assert!(stderr.contains("未导入任何内容"));
    assert_eq!(
        snapshot(dir.path()).await,
        before,
        "a rejected file must change nothing"
    );

    std::fs::write(&broken, "{\"region\": [").unwrap();
    let out = yichuang(dir.path(), &["import", "catalog", broken.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("不是合法的 JSON"));
    assert_eq!(snapshot(dir.path()).await, before);
}

#[tokio::test]
async fn reimporting_is_idempotent_and_a_changed_matter_gets_a_new_version() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        yichuang(dir.path(), &["import", "catalog", DEMO])
            .status
            .success()
    );
    let first = snapshot(dir.path()).await;
    let out = yichuang(dir.path(), &["import", "catalog", DEMO]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("未变化 255"));
    assert_eq!(
        snapshot(dir.path()).await,
        first,
        "an unchanged file changes nothing"
    );

    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(DEMO).unwrap()).unwrap();
    v["matters"][5]["promised_limit_days"] = Value::from(1);
    let code = v["matters"][5]["code"].as_str().unwrap().to_owned();
    let changed = dir.path().join("changed.json");
    std::fs::write(&changed, v.to_string()).unwrap();
    let out = yichuang(
        dir.path(),
        &["import", "catalog", changed.to_str().unwrap()],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("新版本 1"));
    let store = SqliteStore::open_in_dir(dir.path(), 1).await.unwrap();
    let center = store.centers().await.unwrap()[0].id;
    assert_eq!(
        store.matter(center, &code).await.unwrap().unwrap().version,
        2
    );
    let old = store
        .matter_version(center, &code, 1)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(old.matter.promised_limit_days, 1);
}

#[tokio::test]
async fn import_works_while_a_server_runs_on_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::sqlite_in(dir.path(), None, true).await;
    let (_, before) = app.get_json("/api/v1/matters?limit=1").await;
    let code = before["items"][0]["code"].as_str().unwrap().to_owned();
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(DEMO).unwrap()).unwrap();
    v["matters"][0]["fee"] = Value::from("按规定收费");
    let changed = dir.path().join("changed.json");
    std::fs::write(&changed, v.to_string()).unwrap();
    let path = changed.to_str().unwrap().to_owned();
    let data = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || yichuang(&data, &["import", "catalog", &path]))
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, guide) = app.get_json(&format!("/api/v1/matters/{code}")).await;
    assert_eq!(guide["version"], 2);
    assert_eq!(guide["fee"], "按规定收费");
}

#[test]
fn config_example_prints_every_section() {
    let out = Command::new(BIN)
        .args(["config", "example"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for section in [
        "[server]",
        "[database]",
        "[log]",
        "[auth]",
        "bind = \"127.0.0.1:8080\"",
    ] {
        assert!(text.contains(section), "{section}");
    }
}

#[test]
fn a_bad_environment_value_is_reported() {
    let out = Command::new(BIN)
        .args(["config", "check"])
        .env("YICHUANG_SERVER__REQUEST_TIMEOUT_SECS", "soon")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("配置有误"));
}

#[tokio::test]
async fn serve_without_demo_creates_an_admin_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--no-demo",
            "--admin-password",
            "s3cret-pass",
            "--bind",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(dir.path())
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    // Read stderr to the end on a thread (the server keeps logging), handing over the address.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(i) = line.find("http://127.0.0.1:") {
                let _ = tx.send(line[i..].trim_end_matches('/').to_owned());
            }
        }
    });
    let base =
        tokio::task::spawn_blocking(move || rx.recv().expect("server announces its address"))
            .await
            .unwrap();
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({"username": "admin", "password": "s3cret-pass"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = client
        .get(format!("{base}/api/v1/matters"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["total"], 0, "no demo catalog with --no-demo");
    let r = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({"username": "clerk1", "password": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

/// `audit anchor` prints heads that `audit verify --anchor` (or `--anchors-file`) checks later;
/// a head that does not match the log fails the check with exit status 1.
#[test]
fn audit_anchors_are_printed_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let out = yichuang(dir.path(), &["import", "catalog", DEMO]);
    assert!(out.status.success());
    let out = yichuang(dir.path(), &["audit", "anchor"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let anchors = String::from_utf8(out.stdout).unwrap();
    let first = anchors
        .lines()
        .next()
        .expect("one chain at least")
        .to_owned();
    assert_eq!(first.split(':').count(), 3, "{first}");

    let file = dir.path().join("anchors.txt");
    std::fs::write(&file, format!("# copied by cron\n{anchors}")).unwrap();
    let out = yichuang(
        dir.path(),
        &["audit", "verify", "--anchors-file", file.to_str().unwrap()],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("外部锚点相符"), "{text}");

    let (head, hash) = first.rsplit_once(':').unwrap();
    let forged = format!("{head}:{}", "0".repeat(hash.len()));
    let out = yichuang(dir.path(), &["audit", "verify", "--anchor", &forged]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("锚点不符"), "{text}");

    let out = yichuang(dir.path(), &["audit", "verify", "--anchor", "1:abc"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("格式不对"));

    // Rewriting the log asks for confirmation; with nothing recorded in the clear it changes
    // nothing, and the anchors kept still hold.
    let out = yichuang(dir.path(), &["audit", "reseal"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    let out = yichuang(dir.path(), &["audit", "reseal", "--yes"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("未作改动"), "{text}");
    let out = yichuang(
        dir.path(),
        &["audit", "verify", "--anchors-file", file.to_str().unwrap()],
    );
    assert!(out.status.success());
}

/// `export cases`: GB/T 39046 as JSON (masked, the day's cases only) or as three CSV files;
/// bad arguments are refused in Chinese before the database is read.
#[tokio::test]
async fn export_cases_writes_the_national_data_sets_as_json_or_csv() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::sqlite_in(dir.path(), None, true).await;
    let token = app.token("clerk1").await;
    let matter = "340101001000-341800000000-000-11341800030413869K-1-00";
    let materials: Vec<Value> = (0..6)
        .map(|i| serde_json::json!({"index": i, "mode": "original"}))
        .collect();
    let body = serde_json::json!({"matter_code": matter, "materials": materials, "decision": "accept",
        "applicant": {"type": "person", "name": "张三", "id_number": "11010519491231002X", "phone": "13912345678"}});
    let (s, case) = app
        .send_json(reqwest::Method::POST, "/api/v1/cases", Some(&token), &body)
        .await;
    assert_eq!(s, 201, "{case}");
    let no = case["case_no"].as_str().unwrap().to_owned();
    drop(app);

    let json_file = dir.path().join("cases.json");
    let out = yichuang(
        dir.path(),
        &[
            "export",
            "cases",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-02",
            "--format",
            "gbt39046",
            "--out",
            json_file.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("已导出 1 件"));
    let text = std::fs::read_to_string(&json_file).unwrap();
    assert!(!text.contains("11010519491231002X") && !text.contains("13912345678"));
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["standard"], "GB/T 39046-2020");
    let rec = &doc["records"][0];
    assert_eq!(rec["办件基本信息"]["办件编号"], no.as_str());
    assert_eq!(rec["办件基本信息"]["申请者证件号码"], "1101**********002X");
    assert_eq!(rec["办件结果信息"], Value::Null, "not concluded yet");
    let pending = rec["办件过程信息"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (
            pending["环节名称"].as_str(),
            pending["环节办理状态"].as_str()
        ),
        (Some("审查"), Some("1"))
    );

    let csv_dir = dir.path().join("csv");
    let out = yichuang(
        dir.path(),
        &[
            "export",
            "cases",
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-02",
            "--csv",
            "--out",
            csv_dir.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let basic = std::fs::read_to_string(csv_dir.join("办件基本信息.csv")).unwrap();
    let mut lines = basic.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("\u{feff}办件编号,基本编码,实施编码,事项名称,")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with(&format!("{no},,{matter},"))
    );
    let materials = std::fs::read_to_string(csv_dir.join("办件材料信息.csv")).unwrap();
    let mut lines = materials.lines();
    assert_eq!(
        lines.next().unwrap(),
        "\u{feff}办件编号,材料名称,是否收取,收取方式,收取数量,收取时间"
    );
    assert_eq!(lines.count(), 6, "one row per checklist item");
    let process = std::fs::read_to_string(csv_dir.join("办件过程信息.csv")).unwrap();
    assert_eq!(
        process.lines().count(),
        4,
        "header, 收件, 受理, 审查 (待办): {process}"
    );
    let result = std::fs::read_to_string(csv_dir.join("办件结果信息.csv")).unwrap();
    assert_eq!(result.lines().count(), 1, "only the header: {result}");

    let out = yichuang(
        dir.path(),
        &[
            "export",
            "cases",
            "--from",
            "2026-11-03",
            "--to",
            "2026-11-03",
        ],
    );
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["records"],
        serde_json::json!([]),
        "another day's cases stay out"
    );

    for (args, message) in [
        (
            vec!["--from", "2026-13-01", "--to", "2026-11-02"],
            "--from 应为 YYYY-MM-DD",
        ),
        (
            vec!["--from", "2026-11-03", "--to", "2026-11-02"],
            "--to 不能早于 --from",
        ),
        (
            vec![
                "--from",
                "2026-11-02",
                "--to",
                "2026-11-02",
                "--format",
                "xml",
            ],
            "不支持的导出格式 xml",
        ),
        (
            vec!["--from", "2026-11-02", "--to", "2026-11-02", "--csv"],
            "--csv 需要用 --out",
        ),
    ] {
        let out = yichuang(dir.path(), &[&["export", "cases"][..], &args].concat());
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{args:?}: {err}");
    }
}
