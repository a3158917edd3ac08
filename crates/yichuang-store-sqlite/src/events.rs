//! The append-only event log. `append` is called inside the transaction of every write and adds
//! the event's report counters in it.

use sqlx::SqlitePool;
use yichuang_store::{Ctx, Event, Result};

use crate::{db, ms};

type Conn = sqlx::SqliteConnection;
type Db = sqlx::Sqlite;

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
    pool: &SqlitePool,
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
    pool: &SqlitePool,
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
