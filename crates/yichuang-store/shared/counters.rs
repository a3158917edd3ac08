// Report counters, shared by the SQLite and PostgreSQL stores: each includes this file with its
// own `Conn` and `Pool` types and a `lock_for_rebuild` function. Not a module of
// `yichuang-store` itself.

use chrono::NaiveDate;
use sqlx::QueryBuilder;
use yichuang_store::report::{Counter, Deltas, EventFacts, add_deltas};
use yichuang_store::{Progress, Result};

use crate::{db, ms};

/// Rows per multi-row insert (SQLite allows 32 766 bound parameters, PostgreSQL 65 535; 8 per
/// row).
const CHUNK: usize = 500;

/// Adds `deltas` to the counters in the caller's transaction.
pub(crate) async fn apply(conn: &mut Conn, deltas: &Deltas, now: i64) -> Result<()> {
    let rows: Vec<_> = deltas.iter().filter(|(_, v)| **v != 0).collect();
    for chunk in rows.chunks(CHUNK) {
        let mut qb = QueryBuilder::new(
            "insert into report_counters (center_id, day, dim, dim_key, metric, value, \
             created_at, updated_at) ",
        );
        qb.push_values(chunk, |mut b, (k, v)| {
            b.push_bind(k.center_id)
                .push_bind(k.day.to_string())
                .push_bind(k.dim)
                .push_bind(&k.key)
                .push_bind(&k.metric)
                .push_bind(**v)
                .push_bind(now)
                .push_bind(now);
        });
        qb.push(
            " on conflict (center_id, day, dim, dim_key, metric) do update set \
             value = report_counters.value + excluded.value, updated_at = excluded.updated_at",
        );
        qb.build().execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}

type CounterRow = (String, String, String, String, i64);

/// Counters of a center for days `from..=to`, optionally of one dimension.
pub(crate) async fn read(
    pool: &Pool,
    center_id: i64,
    from: NaiveDate,
    to: NaiveDate,
    dim: Option<&str>,
) -> Result<Vec<Counter>> {
    let mut qb = QueryBuilder::new(
        "select day, dim, dim_key, metric, value from report_counters where center_id = ",
    );
    qb.push_bind(center_id);
    qb.push(" and day >= ").push_bind(from.to_string());
    qb.push(" and day <= ").push_bind(to.to_string());
    if let Some(dim) = dim {
        qb.push(" and dim = ").push_bind(dim.to_owned());
    }
    qb.push(" order by day, dim, dim_key, metric");
    let rows: Vec<CounterRow> = qb.build_query_as().fetch_all(pool).await.map_err(db)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Counter {
                day: NaiveDate::parse_from_str(&r.0, "%Y-%m-%d").ok()?,
                dim: r.1,
                dim_key: r.2,
                metric: r.3,
                value: r.4,
            })
        })
        .collect())
}

type EventRow = (i64, i64, String, Option<i64>, String, String);

/// Replaces every counter by the replay of the whole event log, in one transaction (readers see
/// the old counters until it commits). Returns the number of events read.
pub(crate) async fn rebuild(
    conn: &mut Conn,
    now: i64,
    progress: Progress<'_>,
) -> Result<u64> {
    lock_for_rebuild(conn).await?;
    let mut all = Deltas::new();
    let mut last = 0i64;
    let mut read = 0u64;
    loop {
        let rows: Vec<EventRow> = sqlx::query_as(
            "select id, at, actor, center_id, kind, payload from events where id > $1 \
             order by id limit 10000",
        )
        .bind(last)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let Some(tail) = rows.last() else { break };
        last = tail.0;
        for r in &rows {
            let payload = serde_json::from_str(&r.5).unwrap_or(serde_json::Value::Null);
            add_deltas(
                &EventFacts {
                    center_id: r.3,
                    at: ms(r.1),
                    actor: &r.2,
                    kind: &r.4,
                    payload: &payload,
                },
                &mut all,
            );
        }
        read += rows.len() as u64;
        progress(read);
    }
    sqlx::query("delete from report_counters")
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    apply(conn, &all, now).await?;
    Ok(read)
}
