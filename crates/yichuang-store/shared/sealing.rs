// Re-sealing the stored personal data, shared by the SQLite and PostgreSQL stores through
// `include!` (each defines `Pool`, `LIFT_LOG_TRIGGER` and `log_relock` and has `db` in scope). Not a module of `yichuang-store`.

use yichuang_store::{Ctx, ResealReport, Result, Sealer};

/// Rows per transaction: small enough that a running server's writes wait little.
const BATCH: i64 = 500;

/// The marker row: the key the last complete pass sealed with.
const PASS: &str = "personal_data";

/// Seals every personal value that is plain or sealed with an older key; see
/// `Store::reseal_personal_data`. A pass already done with the current key is skipped after
/// one indexed read, so every start pays nothing once the data is sealed.
pub(crate) async fn reseal(
    pool: &Pool,
    sealer: &Sealer,
    ctx: &Ctx,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<ResealReport> {
    let (Some(prefix), Some(keys)) = (sealer.current_prefix(), sealer.ring()) else {
        return Ok(ResealReport::default());
    };
    let kid = keys.current_kid().to_owned();
    let done = pass_marker(pool, PASS).await?;
    let mut report = ResealReport::default();
    rekey_legacy_id_digests(pool, sealer, ctx, &mut report).await?;
    // A full pass (first start with keys, or a new key) recomputes every index: a store
    // written without keys holds the normalized plain value there.
    index_case_applicants(pool, sealer, done.as_deref() != Some(kid.as_str())).await?;
    if done.as_deref() == Some(kid.as_str()) {
        return Ok(report);
    }
    let seen = std::sync::atomic::AtomicU64::new(0);
    let tick = |n: usize| {
        let total = seen.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed) + n as u64;
        progress(total);
    };
    applicants(pool, sealer, &prefix, &mut report, &tick).await?;
    for (table, column, index) in [
        ("licenses", "holder_id", Some("holder_index")),
        ("projects", "credit_code", Some("credit_index")),
        ("projects", "contact", None),
        ("appointments", "phone", None),
        ("tickets", "holder_id", None),
        ("outbox", "recipient", None),
    ] {
        column_pass(pool, sealer, &prefix, (table, column, index), &mut report, &tick).await?;
    }
    let renames = renamed_applicants(pool, sealer).await?;
    states(pool, sealer, &renames, &mut report, &tick).await?;
    let now = ctx.now.timestamp_millis();
    sqlx::query(
        "insert into sealing_passes (name, kid, rows_sealed, updated_at) values ($1, $2, $3, $4) \
         on conflict (name) do update set kid = excluded.kid, rows_sealed = excluded.rows_sealed, \
         updated_at = excluded.updated_at",
    )
    .bind(PASS)
    .bind(&kid)
    .bind(i64::try_from(report.rows).unwrap_or(i64::MAX))
    .bind(now)
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(report)
}

/// The key (or version) the last complete pass `name` ran with.
async fn pass_marker(pool: &Pool, name: &str) -> Result<Option<String>> {
    sqlx::query_scalar("select kid from sealing_passes where name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await
        .map_err(db)
}

/// The marker of the one-time pass that re-keys the ID digests of tickets and appointments.
const DIGESTS: &str = "id_digests";

/// Tickets and appointments of earlier versions kept the unkeyed SHA-256 of the holder's ID;
/// once, at the first start with keys, every digest still stored (waiting tickets, booked
/// appointments: the migration dropped the others) is run through the keyed index, so it
/// still matches its holder and is no use to a thief. Values already keyed carry a prefix and
/// are left alone, so the pass is harmless if it ever runs again.
async fn rekey_legacy_id_digests(
    pool: &Pool,
    sealer: &Sealer,
    ctx: &Ctx,
    report: &mut ResealReport,
) -> Result<()> {
    let done = pass_marker(pool, DIGESTS).await?;
    if done.is_some() {
        return Ok(());
    }
    let mut tx = pool.begin().await.map_err(db)?;
    let mut rows = 0_u64;
    for (table, select) in [
        ("tickets", "select id, id_hash from tickets where id_hash is not null"),
        (
            "appointments",
            "select id, id_hash from appointments where id_hash <> '-'",
        ),
    ] {
        let found: Vec<(i64, String)> = sqlx::query_as(select)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        let update = format!("update {table} set id_hash = $2 where id = $1");
        for (id, digest) in found {
            if !Sealer::is_legacy_digest(&digest) {
                continue;
            }
            sqlx::query(&update)
                .bind(id)
                .bind(sealer.rekeyed_legacy_digest(&digest))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            rows += 1;
        }
    }
    sqlx::query(
        "insert into sealing_passes (name, kid, rows_sealed, updated_at) values ($1, 'v1', $2, $3)",
    )
    .bind(DIGESTS)
    .bind(i64::try_from(rows).unwrap_or(i64::MAX))
    .bind(ctx.now.timestamp_millis())
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    // Counted as plain: on SQLite this makes the pass rewrite the file, dropping old pages.
    report.rows += rows;
    report.were_plain += rows;
    Ok(())
}

/// Cases written before `cases.applicant_index` existed get it once, from their folded state,
/// so that window cases filed earlier also appear in the applicant's 我的办件. Rows written
/// since carry it already; once none is missing this is one indexed read per start. `all`
/// recomputes every row (a store written without keys kept the plain value as its index).
/// A page of every case with its state, for a full pass.
const ALL_CASES: &str = "select cases.id, case_states.state from cases \
     join case_states on case_states.case_id = cases.id \
     where cases.id > $1 order by cases.id limit $2";

/// A page of the cases whose applicant has no index yet (read through `cases_unindexed`).
pub(crate) const UNINDEXED_CASES: &str = "select cases.id, case_states.state from cases \
     join case_states on case_states.case_id = cases.id \
     where cases.applicant_index is null and cases.id > $1 order by cases.id limit $2";

async fn index_case_applicants(pool: &Pool, sealer: &Sealer, all: bool) -> Result<()> {
    // Two statements rather than `(applicant_index is null or $3)`: only the literal condition
    // lets the planner use the partial index `cases_unindexed`, so that the check every start
    // makes reads no case that already has its index.
    let sql = if all { ALL_CASES } else { UNINDEXED_CASES };
    let mut after = i64::MIN;
    loop {
        let rows: Vec<(i64, String)> = sqlx::query_as(sql)
            .bind(after)
            .bind(BATCH)
            .fetch_all(pool)
        .await
        .map_err(db)?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        let mut tx = pool.begin().await.map_err(db)?;
        for (id, state) in rows {
            let case = sealer.open_case_state(&state)?;
            sqlx::query("update cases set applicant_index = $2 where id = $1")
                .bind(id)
                .bind(sealer.index(&case.received.applicant.id_number))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
    }
    Ok(())
}

/// Whether a stored value needs sealing with the current key.
fn stale(value: &str, prefix: &str) -> bool {
    !value.is_empty() && !value.starts_with(prefix)
}

fn count(report: &mut ResealReport, value: &str) {
    report.rows += 1;
    if !yichuang_crypto::KeyRing::is_sealed_text(value) {
        report.were_plain += 1;
    }
}

/// user id, ID number, phone and their indexes, as stored.
type ApplicantRow = (i64, String, String, Option<String>, Option<String>);

/// The real-name profiles: both identifiers sealed and indexed, and the login name of accounts
/// made before sealing (their phone number) replaced by the phone's index.
async fn applicants(
    pool: &Pool,
    sealer: &Sealer,
    prefix: &str,
    report: &mut ResealReport,
    tick: &(dyn Fn(usize) + Send + Sync),
) -> Result<()> {
    let mut after = i64::MIN;
    loop {
        let rows: Vec<ApplicantRow> = sqlx::query_as(
            "select user_id, id_number, phone, id_index, phone_index from applicants \
             where user_id > $1 order by user_id limit $2",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(pool)
        .await
        .map_err(db)?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        tick(rows.len());
        let mut tx = pool.begin().await.map_err(db)?;
        for (user_id, id_number, phone, id_index, phone_index) in rows {
            if !stale(&id_number, prefix)
                && !stale(&phone, prefix)
                && id_index.is_some()
                && phone_index.is_some()
            {
                continue;
            }
            count(report, &id_number);
            let (id_plain, phone_plain) = (sealer.open(&id_number)?, sealer.open(&phone)?);
            sqlx::query(
                "update applicants set id_number = $2, phone = $3, id_index = $4, \
                 phone_index = $5 where user_id = $1",
            )
            .bind(user_id)
            .bind(sealer.seal(&id_plain)?)
            .bind(sealer.seal(&phone_plain)?)
            .bind(sealer.index(&id_plain))
            .bind(sealer.index(&phone_plain))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            let new_name = yichuang_store::sealing::applicant_username(sealer, &phone_plain);
            let renamed = sqlx::query("update users set username = $2 where id = $1 and username = $3")
                .bind(user_id)
                .bind(&new_name)
                .bind(&phone_plain)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            report.usernames += renamed.rows_affected();
            if renamed.rows_affected() > 0 {
                // The report counters are keyed by actor: the old name goes there too.
                sqlx::query(
                    "update report_counters set dim_key = $2 where dim = 'clerk' and dim_key = $1",
                )
                .bind(&phone_plain)
                .bind(&new_name)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
        }
        tx.commit().await.map_err(db)?;
    }
    Ok(())
}

/// One sealed column of a table keyed by `id`, with its blind index when it has one.
async fn column_pass(
    pool: &Pool,
    sealer: &Sealer,
    prefix: &str,
    (table, column, index): (&str, &str, Option<&str>),
    report: &mut ResealReport,
    tick: &(dyn Fn(usize) + Send + Sync),
) -> Result<()> {
    let index_select = index.map_or_else(|| "''".to_owned(), |i| format!("coalesce({i}, '')"));
    let select = format!(
        "select id, {column}, {index_select} from {table} \
         where id > $1 and {column} is not null order by id limit $2"
    );
    let update = match index {
        Some(i) => format!("update {table} set {column} = $2, {i} = $3 where id = $1"),
        None => format!("update {table} set {column} = $2 where id = $1"),
    };
    let mut after = i64::MIN;
    loop {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(&select)
            .bind(after)
            .bind(BATCH)
            .fetch_all(pool)
            .await
            .map_err(db)?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        tick(rows.len());
        let mut tx = pool.begin().await.map_err(db)?;
        for (id, value, stored_index) in rows {
            let needs_index = index.is_some() && stored_index.is_empty();
            if !stale(&value, prefix) && !needs_index {
                continue;
            }
            count(report, &value);
            let plain = sealer.open(&value)?;
            let mut q = sqlx::query(&update).bind(id).bind(sealer.seal(&plain)?);
            if index.is_some() {
                q = q.bind(sealer.index(&plain));
            }
            q.execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
    }
    Ok(())
}

/// Old login name (the phone) → new one, for every applicant: case states written before
/// sealing name their actor (`received_by`, …) by it.
async fn renamed_applicants(
    pool: &Pool,
    sealer: &Sealer,
) -> Result<std::collections::HashMap<String, String>> {
    let phones: Vec<String> = sqlx::query_scalar("select phone from applicants")
        .fetch_all(pool)
        .await
        .map_err(db)?;
    let mut out = std::collections::HashMap::with_capacity(phones.len());
    for stored in phones {
        let phone = sealer.open(&stored)?;
        let name = yichuang_store::sealing::applicant_username(sealer, &phone);
        if name != phone {
            out.insert(phone, name);
        }
    }
    Ok(out)
}

/// Whether a string of `value` is an old login name.
fn names_an_old_actor(
    value: &serde_json::Value,
    renames: &std::collections::HashMap<String, String>,
) -> bool {
    match value {
        serde_json::Value::String(s) => renames.contains_key(s.as_str()),
        serde_json::Value::Object(map) => map.values().any(|v| names_an_old_actor(v, renames)),
        serde_json::Value::Array(items) => items.iter().any(|v| names_an_old_actor(v, renames)),
        _ => false,
    }
}

/// Replaces every string equal to an old login name.
fn rename_actors(
    value: &mut serde_json::Value,
    renames: &std::collections::HashMap<String, String>,
) {
    match value {
        serde_json::Value::String(s) => {
            if let Some(new) = renames.get(s.as_str()) {
                s.clone_from(new);
            }
        }
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| rename_actors(v, renames)),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| rename_actors(v, renames)),
        _ => {}
    }
}

/// The folded case states (JSON): every personal field inside sealed with the current key.
async fn states(
    pool: &Pool,
    sealer: &Sealer,
    renames: &std::collections::HashMap<String, String>,
    report: &mut ResealReport,
    tick: &(dyn Fn(usize) + Send + Sync),
) -> Result<()> {
    let mut after = i64::MIN;
    loop {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "select case_id, state from case_states where case_id > $1 order by case_id limit $2",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(pool)
        .await
        .map_err(db)?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        tick(rows.len());
        let mut tx = pool.begin().await.map_err(db)?;
        for (case_id, state) in rows {
            let stored: serde_json::Value = serde_json::from_str(&state)
                .map_err(|e| yichuang_store::StoreError::Other(anyhow::anyhow!("case state: {e}")))?;
            // Decided on the stored value, so that a state already done costs one parse.
            if !sealer.needs_reseal(&stored) && !names_an_old_actor(&stored, renames) {
                continue;
            }
            let mut value = stored;
            sealer.open_json(&mut value)?;
            // Sealing first, so that a phone in a personal field is sealed, not renamed.
            sealer.seal_json(&mut value)?;
            rename_actors(&mut value, renames);
            report.rows += 1;
            if !state.contains("$sm4$") {
                report.were_plain += 1;
            }
            let sealed = value.to_string();
            sqlx::query("update case_states set state = $2 where case_id = $1")
                .bind(case_id)
                .bind(&sealed)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
    }
    Ok(())
}

/// Events read per statement while a chain is rewritten.
const LOG_BATCH: i64 = 2000;

/// See `AuditStore::reseal_event_log`: every chain in its own transaction, which lifts the
/// append-only trigger (`LIFT_LOG_TRIGGER`), checks each link as it walks, rewrites from
/// the first event that changes, moves the head and appends the event that records it.
pub(crate) async fn reseal_log(
    pool: &Pool,
    sealer: &Sealer,
    ctx: &Ctx,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<Vec<yichuang_store::audit::ChainRewrite>> {
    use yichuang_store::audit::{AuditHead, ChainRewrite};
    if !sealer.is_on() {
        return Ok(Vec::new());
    }
    let renames = renamed_applicants(pool, sealer).await?;
    let keys: Vec<i64> = sqlx::query_scalar("select chain_key from audit_heads order by chain_key")
        .fetch_all(pool)
        .await
        .map_err(db)?;
    let broken = |key: i64, seq: i64, why: &str| {
        yichuang_store::StoreError::Conflict(format!(
            "链 {key} 第 {seq} 号事件{why}：断链的日志不能重写，请先用 yichuang audit verify 查明原因"
        ))
    };
    let mut seen = 0u64;
    let mut out = Vec::new();
    for key in keys {
        let relock = log_relock(pool).await?;
        let mut tx = pool.begin().await.map_err(db)?;
        sqlx::query(LIFT_LOG_TRIGGER)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let (head_seq, head_hash): (i64, String) =
            sqlx::query_as("select seq, hash from audit_heads where chain_key = $1")
                .bind(key)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        let (mut last, mut prev, mut new_prev) = (0_i64, String::new(), String::new());
        let (mut from_seq, mut rewritten, mut relinked) = (None, 0_u64, 0_u64);
        loop {
            let rows: Vec<crate::audit::Row> = sqlx::query_as(&format!(
                "select {} from events where coalesce(center_id, 0) = $1 and seq > $2 \
                 order by seq limit $3",
                crate::audit::COLUMNS
            ))
            .bind(key)
            .bind(last)
            .bind(LOG_BATCH)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            if rows.is_empty() {
                break;
            }
            seen += rows.len() as u64;
            progress(seen);
            for mut e in rows.into_iter().map(crate::audit::to_chained) {
                // The stored chain must hold before anything is relinked on top of it.
                if e.seq != last + 1 {
                    return Err(broken(key, e.seq, &format!("之前缺少第 {} 号", last + 1)));
                }
                if e.prev_hash != prev || e.hash != e.expected_hash(&prev) {
                    return Err(broken(key, e.seq, "的内容或链接与哈希不符"));
                }
                last = e.seq;
                prev.clone_from(&e.hash);
                let value: serde_json::Value = serde_json::from_str(&e.payload).map_err(|err| {
                    yichuang_store::StoreError::Other(anyhow::anyhow!("event payload: {err}"))
                })?;
                let renamed = renames.get(&e.actor).cloned();
                // Accounts are the subject of their own events (created, logged in).
                let renamed_subject = renames.get(&e.subject_id).cloned();
                let changes = sealer.needs_reseal(&value)
                    || names_an_old_actor(&value, &renames)
                    || renamed.is_some()
                    || renamed_subject.is_some();
                if !changes && from_seq.is_none() {
                    new_prev.clone_from(&prev);
                    continue;
                }
                from_seq.get_or_insert(e.seq);
                if changes {
                    rewritten += 1;
                    let mut value = value;
                    sealer.open_json(&mut value)?;
                    // Sealing first, so that a phone in a personal field is sealed, not renamed.
                    sealer.seal_json(&mut value)?;
                    rename_actors(&mut value, &renames);
                    e.payload = value.to_string();
                    e.actor = renamed.unwrap_or(e.actor);
                    e.subject_id = renamed_subject.unwrap_or(e.subject_id);
                }
                let hash = e.expected_hash(&new_prev);
                sqlx::query(
                    "update events set actor = $2, subject_id = $3, payload = $4, prev_hash = $5, \
                     hash = $6 where id = $1",
                )
                .bind(e.id)
                .bind(&e.actor)
                .bind(&e.subject_id)
                .bind(&e.payload)
                .bind(&new_prev)
                .bind(&hash)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                relinked += 1;
                new_prev = hash;
            }
        }
        if (last, prev.as_str()) != (head_seq, head_hash.as_str()) {
            return Err(broken(key, head_seq, "（链头）与最后一条事件不符"));
        }
        let Some(from_seq) = from_seq else {
            // Nothing to change: the transaction is dropped and the trigger stays as it was.
            continue;
        };
        sqlx::query("update audit_heads set hash = $2 where chain_key = $1")
            .bind(key)
            .bind(&new_prev)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(&relock).execute(&mut *tx).await.map_err(db)?;
        let old_head = AuditHead {
            chain_key: key,
            seq: head_seq,
            hash: head_hash,
        };
        let payload = serde_json::json!({
            "from_seq": from_seq,
            "rewritten": rewritten,
            "relinked": relinked,
            "old_head": old_head.to_string(),
            "reason": "封存个人信息（在加密之前或以旧密钥记录的事件）",
        });
        let center = (key != 0).then_some(key);
        crate::events::append(&mut tx, ctx, center, ("audit", "log"), "audit_log_resealed", payload)
            .await?;
        let (seq, hash): (i64, String) =
            sqlx::query_as("select seq, hash from audit_heads where chain_key = $1")
                .bind(key)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        tx.commit().await.map_err(db)?;
        out.push(ChainRewrite {
            chain_key: key,
            from_seq,
            rewritten,
            relinked,
            old_head,
            new_head: AuditHead {
                chain_key: key,
                seq,
                hash,
            },
        });
    }
    Ok(out)
}
