//! The light board (SQL shared with SQLite in `yichuang_store::board`).

use chrono::NaiveDate;
use sqlx::PgPool;
use yichuang_store::board::{
    BOARD_SQL, DepartmentLights, LightQuery, LightRow, LightRowText, fold_counts, light_rows,
    list_sql,
};
use yichuang_store::{Result, StoreError};

use crate::db;

type CountRow = (String, String, i64, i64, i64, i64);

pub(crate) async fn counts(
    pool: &PgPool,
    center_id: i64,
    day: NaiveDate,
) -> Result<Vec<DepartmentLights>> {
    let rows: Vec<CountRow> = sqlx::query_as(BOARD_SQL)
        .bind(center_id)
        .bind(day.to_string())
        .fetch_all(pool)
        .await
        .map_err(db)?;
    Ok(fold_counts(rows))
}

pub(crate) async fn list(pool: &PgPool, q: &LightQuery) -> Result<Vec<LightRow>> {
    let sql = list_sql(&q.level)
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("unknown light level {:?}", q.level)))?;
    let rows: Vec<LightRowText> = sqlx::query_as(&sql)
        .bind(q.center_id)
        .bind(q.day.to_string())
        .bind(q.later.to_string())
        .bind(&q.department)
        .bind(i64::from(q.limit))
        .fetch_all(pool)
        .await
        .map_err(db)?;
    Ok(light_rows(rows))
}
