//! Centers and their working-day calendars.

use chrono::{Datelike, NaiveDate};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use yichuang_domain::calendar::{Calendar, CalendarOverride, DayKind};
use yichuang_store::{Center, Ctx, NewCenter, Result, StoreError};

use crate::{db, events};

pub(crate) async fn create_center(
    conn: &mut PgConnection,
    new: &NewCenter,
    cal: &Calendar,
    ctx: &Ctx,
) -> Result<Center> {
    let now = ctx.now.timestamp_millis();
    let id: i64 = sqlx::query_scalar(
        "insert into centers (code, name, parent_id, kind, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $5) returning id",
    )
    .bind(&new.code)
    .bind(&new.name)
    .bind(new.parent_id)
    .bind(kind_of(new))
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    for o in cal.overrides() {
        sqlx::query(
            "insert into calendar_days (center_id, day, kind, note, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $5)",
        )
        .bind(id)
        .bind(o.day.to_string())
        .bind(o.kind.code())
        .bind(&o.note)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    let years: Vec<i32> = cal.loaded_years().collect();
    for year in &years {
        sqlx::query(
            "insert into calendar_years (center_id, year, created_at, updated_at) \
             values ($1, $2, $3, $3)",
        )
        .bind(id)
        .bind(i64::from(*year))
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    let payload = json!({"code": new.code, "name": new.name, "calendar_years": years,
        "calendar_overrides": cal.overrides().count()});
    events::append(
        conn,
        ctx,
        Some(id),
        ("center", &new.code),
        "center_created",
        payload,
    )
    .await?;
    Ok(Center {
        id,
        code: new.code.clone(),
        name: new.name.clone(),
        parent_id: new.parent_id,
        kind: kind_of(new).to_owned(),
    })
}

fn kind_of(new: &NewCenter) -> &str {
    if new.kind.is_empty() {
        "city"
    } else {
        &new.kind
    }
}

pub(crate) async fn centers(pool: &PgPool, code: Option<&str>) -> Result<Vec<Center>> {
    let rows: Vec<(i64, String, String, Option<i64>, String)> = sqlx::query_as(
        "select id, code, name, parent_id, kind from centers where $1 is null or code = $1 \
         order by id",
    )
    .bind(code)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|(id, code, name, parent_id, kind)| Center {
            id,
            code,
            name,
            parent_id,
            kind,
        })
        .collect())
}

pub(crate) async fn load(pool: &PgPool, center_id: i64) -> Result<Calendar> {
    let mut conn = pool.acquire().await.map_err(db)?;
    load_conn(&mut conn, center_id).await
}

/// Loads the calendar on a given connection (inside a transaction it sees its own changes).
pub(crate) async fn load_conn(conn: &mut PgConnection, center_id: i64) -> Result<Calendar> {
    let days: Vec<(String, String, String)> =
        sqlx::query_as("select day, kind, note from calendar_days where center_id = $1")
            .bind(center_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
    let years: Vec<i64> =
        sqlx::query_scalar("select year from calendar_years where center_id = $1")
            .bind(center_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
    let mut overrides = Vec::with_capacity(days.len());
    for (day, kind, note) in days {
        let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|e| StoreError::Other(anyhow::anyhow!("bad calendar day {day}: {e}")))?;
        let kind = DayKind::parse(&kind)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("bad calendar kind {kind}")))?;
        overrides.push(CalendarOverride { day, kind, note });
    }
    let years = years.into_iter().filter_map(|y| i32::try_from(y).ok());
    Ok(Calendar::from_parts(overrides, years))
}

pub(crate) async fn set_day(
    conn: &mut PgConnection,
    center_id: i64,
    day: NaiveDate,
    kind: Option<DayKind>,
    note: &str,
    ctx: &Ctx,
) -> Result<()> {
    let now = ctx.now.timestamp_millis();
    let key = day.to_string();
    let previous: Option<(String, String)> =
        sqlx::query_as("select kind, note from calendar_days where center_id = $1 and day = $2")
            .bind(center_id)
            .bind(&key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
    match kind {
        Some(kind) => {
            sqlx::query(
                "insert into calendar_days (center_id, day, kind, note, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $5) on conflict (center_id, day) do update set \
                 kind = excluded.kind, note = excluded.note, updated_at = excluded.updated_at",
            )
            .bind(center_id)
            .bind(&key)
            .bind(kind.code())
            .bind(note)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        }
        None => {
            sqlx::query("delete from calendar_days where center_id = $1 and day = $2")
                .bind(center_id)
                .bind(&key)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
        }
    }
    // Every open case's deadlines follow the new calendar in the same transaction.
    let cal = load_conn(conn, center_id).await?;
    let reprojected = crate::cases::reproject_open(conn, center_id, &cal, day).await?;
    let payload = json!({
        "reprojected_cases": reprojected,
        "day": key,
        "kind": kind.map_or("default", DayKind::code),
        "note": note,
        "previous": previous.map(|(k, n)| json!({"kind": k, "note": n})),
        "year": day.year(),
    });
    events::append(
        conn,
        ctx,
        Some(center_id),
        ("calendar", &key),
        "calendar_day_set",
        payload,
    )
    .await
}

pub(crate) async fn set_year(
    conn: &mut PgConnection,
    center_id: i64,
    year: i32,
    loaded: bool,
    ctx: &Ctx,
) -> Result<()> {
    let now = ctx.now.timestamp_millis();
    if loaded {
        sqlx::query(
            "insert into calendar_years (center_id, year, created_at, updated_at) \
             values ($1, $2, $3, $3) on conflict (center_id, year) do nothing",
        )
        .bind(center_id)
        .bind(i64::from(year))
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    } else {
        sqlx::query("delete from calendar_years where center_id = $1 and year = $2")
            .bind(center_id)
            .bind(i64::from(year))
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    let cal = load_conn(conn, center_id).await?;
    // Loading or unloading a year touches its days only.
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let reprojected = crate::cases::reproject_open(conn, center_id, &cal, first).await?;
    let subject = year.to_string();
    let payload = json!({"year": year, "loaded": loaded, "reprojected_cases": reprojected});
    events::append(
        conn,
        ctx,
        Some(center_id),
        ("calendar", &subject),
        "calendar_year_set",
        payload,
    )
    .await
}
