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
    // Sealed before hashing: the chain proves the stored bytes, which hold no plain identifier.
    let payload_text = ctx.sealer.seal_json_text(&payload)?;
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

type Conn = sqlx::PgConnection;

include!("../../yichuang-store/shared/chain.rs");

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

fn to_event(r: EventRow, sealer: &yichuang_store::Sealer) -> Result<Event> {
    Ok(Event {
        id: r.0,
        at: ms(r.1),
        actor: r.2,
        center_id: r.3,
        subject_kind: r.4,
        subject_id: r.5,
        kind: r.6,
        payload: sealer.open_json_text(&r.7)?,
    })
}

const COLUMNS: &str = "id, at, actor, center_id, subject_kind, subject_id, kind, payload";

pub(crate) async fn for_subject(
    pool: &PgPool,
    sealer: &yichuang_store::Sealer,
    kind: &str,
    id: &str,
) -> Result<Vec<Event>> {
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "select {COLUMNS} from events where subject_kind = $1 and subject_id = $2 order by id"
    ))
    .bind(kind)
    .bind(id)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    rows.into_iter().map(|r| to_event(r, sealer)).collect()
}

pub(crate) async fn recent(
    pool: &PgPool,
    sealer: &yichuang_store::Sealer,
    center_id: i64,
    limit: u32,
) -> Result<Vec<Event>> {
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "select {COLUMNS} from events where center_id = $1 order by id desc limit $2"
    ))
    .bind(center_id)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(db)?;
    rows.into_iter().map(|r| to_event(r, sealer)).collect()
}
