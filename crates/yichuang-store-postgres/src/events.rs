//! The append-only event log. `append` is called inside the transaction of every write and adds
//! the event's report counters in it.

use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use yichuang_store::audit::{Origin, chain_key, chain_on, event_hash};
use yichuang_store::{Ctx, Event, Result};

use crate::{db, ms};

/// Appends one event in the caller's transaction, with its report counters.
pub(crate) async fn append(
    conn: &mut PgConnection,
    ctx: &Ctx,
    center_id: Option<i64>,
    subject: (&str, &str),
    kind: &str,
    payload: Value,
) -> Result<()> {
    append_with(conn, ctx, center_id, subject, kind, payload, None).await
}

/// Appends one event; with `deferred`, its counters are added there instead of to the table.
pub(crate) async fn append_with(
    conn: &mut PgConnection,
    ctx: &Ctx,
    center_id: Option<i64>,
    subject: (&str, &str),
    kind: &str,
    payload: Value,
    deferred: Option<&mut yichuang_store::report::Deltas>,
) -> Result<()> {
    let now = ctx.now.timestamp_millis();
    let payload_text = payload.to_string();
    let (seq, hash) = if chain_on() {
        let (seq, (prev, hash)) = link(
            conn,
            ctx.now,
            &ctx.actor,
            center_id,
            subject,
            kind,
            &payload_text,
            &ctx.origin,
        )
        .await?;
        (Some(seq), (Some(prev), Some(hash)))
    } else {
        (None, (None, None))
    };
    sqlx::query(
        "insert into events (at, actor, center_id, subject_kind, subject_id, kind, payload, \
         created_at, updated_at, seq, prev_hash, hash, ip, user_agent) \
         values ($1, $2, $3, $4, $5, $6, $7, $1, $1, $8, $9, $10, $11, $12)",
    )
    .bind(now)
    .bind(&ctx.actor)
    .bind(center_id)
    .bind(subject.0)
    .bind(subject.1)
    .bind(kind)
    .bind(&payload_text)
    .bind(seq)
    .bind(&hash.0)
    .bind(&hash.1)
    .bind(&ctx.origin.ip)
    .bind(&ctx.origin.user_agent)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    // The report counters of the event, in the same transaction (or, for a bulk load, summed by
    // the caller and added once per batch).
    let facts = yichuang_store::report::EventFacts {
        center_id,
        at: ctx.now,
        actor: &ctx.actor,
        kind,
        payload: &payload,
    };
    match deferred {
        Some(out) => yichuang_store::report::add_deltas(&facts, out),
        None => {
            let deltas = yichuang_store::report::deltas(&facts);
            if !deltas.is_empty() {
                crate::counters::apply(conn, &deltas, now).await?;
            }
        }
    }
    Ok(())
}

/// Takes the next place in the event's chain and returns it with `(prev_hash, hash)`, leaving
/// the head at the new event. The upsert locks the head row until commit (on PostgreSQL), so
/// concurrent writers to one center link strictly one after another.
#[allow(clippy::too_many_arguments, reason = "the hashed fields")]
async fn link(
    conn: &mut PgConnection,
    at: chrono::DateTime<chrono::Utc>,
    actor: &str,
    center_id: Option<i64>,
    subject: (&str, &str),
    kind: &str,
    payload: &str,
    origin: &Origin,
) -> Result<(i64, (String, String))> {
    let key = chain_key(center_id);
    let (seq, prev): (i64, String) = sqlx::query_as(
        "insert into audit_heads (chain_key, seq, hash) values ($1, 1, '') \
         on conflict (chain_key) do update set seq = audit_heads.seq + 1 returning seq, hash",
    )
    .bind(key)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
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
    sqlx::query("update audit_heads set hash = $2 where chain_key = $1")
        .bind(key)
        .bind(&hash)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
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

/// Gives every event written before the audit chain existed its place in its chain, in id
/// order, in batches. Runs when the store is migrated; a no-op once every event is chained.
pub(crate) async fn chain_unhashed(conn: &mut PgConnection) -> Result<u64> {
    let mut done = 0;
    loop {
        let rows: Vec<LegacyRow> = sqlx::query_as(
            "select id, at, actor, center_id, subject_kind, subject_id, kind, payload, ip, \
             user_agent from events where hash is null order by id limit 2000",
        )
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

type EventRow = (
    i64,
    i64,
    String,
    Option<i64>,
    String,
    String,
    String,
    String,
);

fn to_event(r: EventRow) -> Event {
    Event {
        id: r.0,
        at: ms(r.1),
        actor: r.2,
        center_id: r.3,
        subject_kind: r.4,
        subject_id: r.5,
        kind: r.6,
        payload: serde_json::from_str(&r.7).unwrap_or(Value::Null),
    }
}

const COLUMNS: &str = "id, at, actor, center_id, subject_kind, subject_id, kind, payload";

pub(crate) async fn for_subject(pool: &PgPool, kind: &str, id: &str) -> Result<Vec<Event>> {
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "select {COLUMNS} from events where subject_kind = $1 and subject_id = $2 order by id"
    ))
    .bind(kind)
    .bind(id)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    Ok(rows.into_iter().map(to_event).collect())
}

pub(crate) async fn recent(pool: &PgPool, center_id: i64, limit: u32) -> Result<Vec<Event>> {
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "select {COLUMNS} from events where center_id = $1 order by id desc limit $2"
    ))
    .bind(center_id)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(db)?;
    Ok(rows.into_iter().map(to_event).collect())
}
