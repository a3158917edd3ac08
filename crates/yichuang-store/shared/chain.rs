// Appending events and linking them into the SM3 audit chain, shared by both stores through
// `include!` (each defines `Conn` and has `db`, `ms` and `crate::counters` in scope).

use yichuang_store::audit::{Origin, chain_key, chain_on, event_hash};

/// One event of a write, appended with the others of the same write by [`append_many`].
pub(crate) struct NewEvent<'a> {
    /// When it happened (the event's own time; a case write may carry several).
    pub at: chrono::DateTime<chrono::Utc>,
    /// Its kind.
    pub kind: &'a str,
    /// Its payload, sealed before it is hashed and stored.
    pub payload: serde_json::Value,
}

/// Appends one event in the caller's transaction, with its report counters.
pub(crate) async fn append(
    conn: &mut Conn,
    ctx: &Ctx,
    center_id: Option<i64>,
    subject: (&str, &str),
    kind: &str,
    payload: serde_json::Value,
) -> Result<()> {
    append_with(conn, ctx, center_id, subject, kind, payload, None).await
}

/// Appends one event; with `deferred`, its counters are added there instead of to the table.
pub(crate) async fn append_with(
    conn: &mut Conn,
    ctx: &Ctx,
    center_id: Option<i64>,
    subject: (&str, &str),
    kind: &str,
    payload: serde_json::Value,
    deferred: Option<&mut yichuang_store::report::Deltas>,
) -> Result<()> {
    let event = NewEvent {
        at: ctx.now,
        kind,
        payload,
    };
    append_many(conn, ctx, center_id, subject, &[event], deferred).await
}

/// Rows per multi-row event insert (14 parameters a row, under SQLite's 32 766).
pub(crate) const EVENT_CHUNK: usize = 1000;

/// The head of a multi-row event insert, before its values.
pub(crate) const EVENT_INSERT: &str = "insert into events (at, actor, center_id, subject_kind, \
     subject_id, kind, payload, created_at, updated_at, seq, prev_hash, hash, ip, user_agent) ";

/// One event of a write, sealed and given its place in the chain, ready to be inserted.
pub(crate) struct ChainedEvent<'a> {
    at: i64,
    kind: &'a str,
    payload: String,
    seq: Option<i64>,
    prev: Option<String>,
    hash: Option<String>,
}

/// Appends the events of one write about one subject, in order, in the caller's transaction:
/// all their places in the chain taken with one statement and one update of the head, then
/// their counters, then one multi-row insert. The head row stays locked from that statement to
/// commit (on PostgreSQL); touching it twice per write rather than twice per event keeps the
/// statements under that lock few.
pub(crate) async fn append_many(
    conn: &mut Conn,
    ctx: &Ctx,
    center_id: Option<i64>,
    subject: (&str, &str),
    events: &[NewEvent<'_>],
    deferred: Option<&mut yichuang_store::report::Deltas>,
) -> Result<()> {
    let rows = chain_events(conn, ctx, center_id, subject, events, deferred).await?;
    insert_events(conn, ctx, center_id, subject, &rows).await
}

/// Inserts chained events, [`EVENT_CHUNK`] rows a statement.
pub(crate) async fn insert_events(
    conn: &mut Conn,
    ctx: &Ctx,
    center_id: Option<i64>,
    subject: (&str, &str),
    rows: &[ChainedEvent<'_>],
) -> Result<()> {
    for chunk in rows.chunks(EVENT_CHUNK) {
        let mut qb = sqlx::QueryBuilder::new(EVENT_INSERT);
        push_event_values(&mut qb, ctx, center_id, subject, chunk);
        qb.build().execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}

/// The first half of [`append_many`]: seals the events, adds their report counters and takes
/// their places in the chain, leaving only the insert to the caller (which may fold it into a
/// statement of its own, [`EVENT_INSERT`] and [`push_event_values`], at most [`EVENT_CHUNK`]
/// rows a statement).
pub(crate) async fn chain_events<'a>(
    conn: &mut Conn,
    ctx: &Ctx,
    center_id: Option<i64>,
    subject: (&str, &str),
    events: &[NewEvent<'a>],
    deferred: Option<&mut yichuang_store::report::Deltas>,
) -> Result<Vec<ChainedEvent<'a>>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    // Sealed before hashing: the chain proves the stored bytes, which hold no plain identifier.
    let sealed = events
        .iter()
        .map(|e| ctx.sealer.seal_json_text(&e.payload))
        .collect::<Result<Vec<_>>>()?;
    // The report counters of the events, in the same transaction (or, for a bulk load, summed by
    // the caller and added once per batch).
    let mut own = yichuang_store::report::Deltas::new();
    let out = match deferred {
        Some(out) => out,
        None => &mut own,
    };
    for e in events {
        let facts = yichuang_store::report::EventFacts {
            center_id,
            at: e.at,
            actor: &ctx.actor,
            kind: e.kind,
            payload: &e.payload,
        };
        yichuang_store::report::add_deltas(&facts, out);
    }
    let mut rows: Vec<ChainedEvent<'a>> = events
        .iter()
        .zip(sealed)
        .map(|(e, payload)| ChainedEvent {
            at: e.at.timestamp_millis(),
            kind: e.kind,
            payload,
            seq: None,
            prev: None,
            hash: None,
        })
        .collect();
    if chain_on() {
        let key = chain_key(center_id);
        let n = i64::try_from(rows.len()).unwrap_or(i64::MAX);
        let (mut seq, mut prev) = reserve(conn, key, n).await?;
        for row in &mut rows {
            let hash = event_hash(
                &prev,
                seq,
                row.at,
                &ctx.actor,
                center_id,
                subject,
                row.kind,
                &row.payload,
                &ctx.origin,
            );
            row.seq = Some(seq);
            row.prev = Some(std::mem::replace(&mut prev, hash.clone()));
            row.hash = Some(hash);
            seq += 1;
        }
        set_head(conn, key, &prev).await?;
    }
    // After the head: every writer locks the head before any counter row, so a batch of group
    // commit (which holds the head and then reaches counter rows of its later operations) and a
    // single write of another connection (which would hold counter rows, then wait for the head)
    // cannot lock each other out.
    // In a group-commit batch the counters are summed and written once, before its commit.
    let now_ms = ctx.now.timestamp_millis();
    if !own.is_empty() && !yichuang_store::batch::defer_counters(&own, now_ms) {
        crate::counters::apply(conn, &own, now_ms).await?;
    }
    Ok(rows)
}

/// Pushes the `values (…), (…)` of `rows` onto an insert begun with [`EVENT_INSERT`].
pub(crate) fn push_event_values<'q>(
    qb: &mut sqlx::QueryBuilder<'q, Db>,
    ctx: &'q Ctx,
    center_id: Option<i64>,
    subject: (&'q str, &'q str),
    rows: &'q [ChainedEvent<'_>],
) {
    qb.push_values(rows, |mut b, e| {
        b.push_bind(e.at)
            .push_bind(&ctx.actor)
            .push_bind(center_id)
            .push_bind(subject.0)
            .push_bind(subject.1)
            .push_bind(e.kind)
            .push_bind(&e.payload)
            .push_bind(e.at)
            .push_bind(e.at)
            .push_bind(e.seq)
            .push_bind(e.prev.as_deref())
            .push_bind(e.hash.as_deref())
            .push_bind(&ctx.origin.ip)
            .push_bind(&ctx.origin.user_agent);
    });
}

/// Appends the events of a case write, then enters into the licence library the licence an
/// approval issues (with its own event, at the approval's time).
#[allow(
    dead_code,
    reason = "the PostgreSQL store folds a case write's events into its case statement"
)]
pub(crate) async fn append_case_events(
    conn: &mut Conn,
    w: &yichuang_store::CaseWrite,
    ctx: &Ctx,
    deferred: Option<&mut yichuang_store::report::Deltas>,
) -> Result<()> {
    let c = &w.case;
    let batch = case_events(w);
    let subject = ("case", c.case_no());
    append_many(conn, ctx, Some(c.received.center_id), subject, &batch, deferred).await?;
    enter_licenses(conn, w, ctx).await
}

/// The events of a case write, as appended.
pub(crate) fn case_events(w: &yichuang_store::CaseWrite) -> Vec<NewEvent<'_>> {
    w.events
        .iter()
        .map(|e| NewEvent {
            at: e.at,
            kind: e.event.kind(),
            payload: yichuang_store::event_payload(&e.event, w),
        })
        .collect()
}

/// Enters into the licence library the licences a case write issues, after its events.
pub(crate) async fn enter_licenses(
    conn: &mut Conn,
    w: &yichuang_store::CaseWrite,
    ctx: &Ctx,
) -> Result<()> {
    let c = &w.case;
    for e in &w.events {
        if let yichuang_domain::case::CaseEvent::LicenseIssued(l) = &e.event {
            let new = yichuang_store::NewLicense {
                center_id: c.received.center_id,
                license: (**l).clone(),
                case_no: Some(c.case_no().to_owned()),
                source: "case".into(),
            };
            let at_ctx = Ctx {
                now: e.at,
                ..ctx.clone()
            };
            crate::portal::insert_license(conn, &new, &at_ctx).await?;
        }
    }
    Ok(())
}

/// Takes the next `n` places of a chain: returns the first of them and the hash it links to.
/// The upsert locks the head row until commit (on PostgreSQL), so concurrent writers to one
/// center link strictly one after another.
async fn reserve(conn: &mut Conn, key: i64, n: i64) -> Result<(i64, String)> {
    // In a batch that already holds this head, the places come from memory.
    if let Some(taken) = yichuang_store::batch::take_places(key, n) {
        return Ok(taken);
    }
    let (last, prev): (i64, String) = sqlx::query_as(
        "insert into audit_heads (chain_key, seq, hash) values ($1, $2, '') \
         on conflict (chain_key) do update set seq = audit_heads.seq + $2 returning seq, hash",
    )
    .bind(key)
    .bind(n)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    yichuang_store::batch::know_head(key, last, &prev);
    Ok((last - n + 1, prev))
}

/// Writes what a group-commit batch left to write: the head of every chain it extended and its
/// summed counters (in the batch's transaction, just before its commit).
pub(crate) async fn flush_batch(conn: &mut Conn, pending: yichuang_store::batch::Pending) -> Result<()> {
    for (key, last, hash) in &pending.heads {
        sqlx::query("update audit_heads set seq = $2, hash = $3 where chain_key = $1")
            .bind(key)
            .bind(last)
            .bind(hash)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    for (center, day, last) in &pending.numbers {
        sqlx::query("update case_counters set last = $3 where center_id = $1 and day = $2")
            .bind(center)
            .bind(day)
            .bind(last)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    if !pending.deltas.is_empty() {
        crate::counters::apply(conn, &pending.deltas, pending.now_ms).await?;
    }
    Ok(())
}

/// Leaves a chain's head at the hash of its last event (in a batch, in memory until
/// [`flush_batch`]).
async fn set_head(conn: &mut Conn, key: i64, hash: &str) -> Result<()> {
    if yichuang_store::batch::leave_head(key, hash) {
        return Ok(());
    }
    sqlx::query("update audit_heads set hash = $2 where chain_key = $1")
        .bind(key)
        .bind(hash)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// Takes the next place in the event's chain and returns it with `(prev_hash, hash)`, leaving
/// the head at the new event (for events chained one by one after they were written).
#[allow(clippy::too_many_arguments, reason = "the hashed fields")]
async fn link(
    conn: &mut Conn,
    at: chrono::DateTime<chrono::Utc>,
    actor: &str,
    center_id: Option<i64>,
    subject: (&str, &str),
    kind: &str,
    payload: &str,
    origin: &Origin,
) -> Result<(i64, (String, String))> {
    let key = chain_key(center_id);
    let (seq, prev) = reserve(conn, key, 1).await?;
    let hash = event_hash(
        &prev,
        seq,
        at.timestamp_millis(),
        actor,
        center_id,
        subject,
        kind,
        payload,
        origin,
    );
    set_head(conn, key, &hash).await?;
    Ok((seq, (prev, hash)))
}

type LegacyRow = (
    i64,
    i64,
    String,
    Option<i64>,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// A batch of the events not yet in the chain, read through the partial index
/// `events_unhashed` (normally empty: without it every start read the whole log, 1.8 s over
/// 100 000 cases).
pub(crate) const UNHASHED_EVENTS: &str = "select id, at, actor, center_id, subject_kind, \
     subject_id, kind, payload, ip, user_agent from events where hash is null order by id \
     limit 2000";

/// Gives every event written before the audit chain existed its place in its chain, in id
/// order, in batches. Runs when the store is migrated; a no-op once every event is chained.
pub(crate) async fn chain_unhashed(conn: &mut Conn) -> Result<u64> {
    let mut done = 0;
    loop {
        let rows: Vec<LegacyRow> = sqlx::query_as(UNHASHED_EVENTS)
            .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        if rows.is_empty() {
            return Ok(done);
        }
        for r in rows {
            let origin = Origin {
                ip: r.8,
                user_agent: r.9,
            };
            let (seq, (prev, hash)) =
                link(conn, ms(r.1), &r.2, r.3, (&r.4, &r.5), &r.6, &r.7, &origin).await?;
            sqlx::query("update events set seq = $2, prev_hash = $3, hash = $4 where id = $1")
                .bind(r.0)
                .bind(seq)
                .bind(prev)
                .bind(hash)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            done += 1;
        }
    }
}
