//! The store conformance suite on SQLite, plus SQLite-specific durability checks.

#![allow(clippy::unwrap_used, reason = "tests")]

use std::sync::Arc;

use yichuang_store::{AuditStore, Store};
use yichuang_store_sqlite::SqliteStore;

async fn fresh() -> Option<(tempfile::TempDir, Arc<dyn Store>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open_in_dir(dir.path(), 2)
        .await
        .expect("open sqlite");
    store.migrate().await.expect("migrate");
    Some((dir, Arc::new(store)))
}

yichuang_store::conformance_tests!(fresh);

#[tokio::test]
async fn events_are_append_only_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in_dir(dir.path(), 1).await.unwrap();
    store.migrate().await.unwrap();
    yichuang_store::conformance::center_keeps_its_calendar(&store).await;
    let url = format!("sqlite:{}", dir.path().join("yichuang.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let update = sqlx::query("update events set actor = 'x'")
        .execute(&pool)
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = sqlx::query("delete from events").execute(&pool).await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
}

#[tokio::test]
async fn the_database_runs_in_wal_with_full_sync() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in_dir(dir.path(), 1).await.unwrap();
    store.migrate().await.unwrap();
    let (mode, sync) = store.pragmas().await.unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(sync, 2, "synchronous must be FULL (2)");
}

/// An attacker with the database file drops the triggers and edits the log: the audit check
/// names the first event that no longer holds, for each kind of edit.
#[tokio::test]
async fn an_edited_log_breaks_the_audit_chain_where_it_was_edited() {
    let cases = [
        ("update events set payload = '{}' where {at} = 3", 3, "篡改"),
        ("update events set actor = 'root' where {at} = 5", 5, "篡改"),
        (
            "update events set prev_hash = '00' where {at} = 4",
            4,
            "前序",
        ),
        ("delete from events where {at} = 2", 2, "缺失"),
        ("delete from events where {at} = {last}", -1, "链尾"),
    ];
    for (sql, seq, reason) in cases {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_in_dir(dir.path(), 1).await.unwrap();
        store.migrate().await.unwrap();
        let (center, chain) = yichuang_store::conformance::chained_center(&store).await;
        yichuang_store::conformance::chain_breaks_at_none(&store).await;
        let last = chain.last().unwrap().seq;
        let url = format!("sqlite:{}", dir.path().join("yichuang.db").display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query("drop trigger events_no_update")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("drop trigger events_no_delete")
            .execute(&pool)
            .await
            .unwrap();
        let sql = sql
            .replace("{at}", &format!("center_id = {center} and seq"))
            .replace("{last}", &last.to_string());
        let changed = sqlx::query(&sql).execute(&pool).await.unwrap();
        assert_eq!(changed.rows_affected(), 1, "{sql}");
        pool.close().await;
        let seq = if seq < 0 { last } else { seq };
        yichuang_store::conformance::chain_breaks_at(&store, seq, reason).await;
    }
}

/// A database from before the audit chain: its events get their places when it is migrated,
/// and the chain then verifies.
#[tokio::test]
async fn events_from_before_the_chain_are_chained_at_migration() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in_dir(dir.path(), 1).await.unwrap();
    store.migrate().await.unwrap();
    yichuang_store::conformance::chained_center(&store).await;
    let url = format!("sqlite:{}", dir.path().join("yichuang.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    // Make the log look as it did before the migration: no chain columns filled.
    sqlx::query("drop trigger events_no_update")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("update events set seq = null, prev_hash = null, hash = null")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("delete from audit_heads")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "create trigger events_no_update before update on events \
         when old.hash is not null or new.hash is null or new.payload is not old.payload \
         begin select raise(abort, 'events are append-only'); end",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert!(store.unchained_events().await.unwrap() > 0);
    store.migrate().await.unwrap();
    assert_eq!(store.unchained_events().await.unwrap(), 0);
    yichuang_store::conformance::chain_breaks_at_none(&store).await;
}

/// The attack the chain alone cannot see: someone with the database file edits an event and
/// recomputes every later hash and the head. The chain check passes (as it did before anchors
/// existed); a head copied off the machine before the edit no longer holds, and names where.
#[tokio::test]
async fn a_log_rewritten_as_a_whole_fails_an_anchor_kept_elsewhere() {
    use yichuang_store::audit::{AuditHead, check_anchors, verify};
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in_dir(dir.path(), 1).await.unwrap();
    store.migrate().await.unwrap();
    let (center, chain) = yichuang_store::conformance::chained_center(&store).await;
    let heads = store.audit_heads().await.unwrap();
    let head = heads
        .iter()
        .find(|h| h.chain_key == center)
        .cloned()
        .unwrap();
    // What the 日报 printed and cron copied: the head, and an earlier place.
    let early = AuditHead {
        chain_key: center,
        seq: 2,
        hash: chain[1].hash.clone(),
    };
    let copied: AuditHead = head.to_string().parse().unwrap();
    assert_eq!(copied, head);

    let edited_seq = 3;
    let url = format!("sqlite:{}", dir.path().join("yichuang.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("drop trigger events_no_update")
        .execute(&pool)
        .await
        .unwrap();
    let mut prev = chain[usize::try_from(edited_seq - 2).unwrap()].hash.clone();
    for e in chain.iter().filter(|e| e.seq >= edited_seq) {
        let mut e = e.clone();
        if e.seq == edited_seq {
            e.payload = r#"{"note":"改写"}"#.into();
        }
        e.hash = e.expected_hash(&prev);
        sqlx::query("update events set payload = $2, prev_hash = $3, hash = $4 where id = $1")
            .bind(e.id)
            .bind(&e.payload)
            .bind(&prev)
            .bind(&e.hash)
            .execute(&pool)
            .await
            .unwrap();
        prev = e.hash;
    }
    sqlx::query("update audit_heads set hash = $2 where chain_key = $1")
        .bind(center)
        .bind(&prev)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let mut report = verify(&store, 1, None).await.unwrap();
    assert!(report.intact(), "the chain alone cannot see it: {report:?}");
    check_anchors(&store, &mut report, std::slice::from_ref(&early))
        .await
        .unwrap();
    assert!(report.intact(), "the place before the edit still holds");
    check_anchors(&store, &mut report, &[copied]).await.unwrap();
    assert!(!report.intact());
    let c = report
        .chains
        .iter()
        .find(|c| c.chain_key == center)
        .unwrap();
    let broken = c.broken.clone().unwrap();
    assert_eq!(broken.seq, head.seq, "{broken:?}");
    assert!(broken.reason.contains("锚点"), "{broken:?}");
    assert_eq!(c.anchors_held, 1);

    // An anchor beyond the head (the log cut short) does not hold either.
    let mut report = verify(&store, 1, None).await.unwrap();
    let beyond = AuditHead {
        seq: head.seq + 5,
        ..head.clone()
    };
    check_anchors(&store, &mut report, &[beyond]).await.unwrap();
    assert!(!report.intact());
    assert!("1:0:ab".parse::<AuditHead>().is_err());
    assert!("x".parse::<AuditHead>().is_err());
}
