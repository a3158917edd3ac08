//! The light board (SQL shared with SQLite in `yichuang_store::board`).

use chrono::NaiveDate;
use sqlx::PgPool;
use yichuang_store::board::{
    BOARD_SQL, DepartmentLights, LightQuery, LightRow, LightRowText, board_sql_of_department,
    fold_counts, light_rows, list_sql,
};
use yichuang_store::{Result, StoreError};

use crate::db;

type CountRow = (String, String, i64, i64, i64, i64);

pub(crate) async fn counts(
    pool: &PgPool,
    center_id: i64,
    day: NaiveDate,
    department: Option<&str>,
) -> Result<Vec<DepartmentLights>> {
    // One department's desk reads only its own range of the covering index.
    let sql = match department {
        Some(_) => board_sql_of_department(),
        None => BOARD_SQL.to_owned(),
    };
    let mut q = sqlx::query_as::<_, CountRow>(&sql)
        .bind(center_id)
        .bind(day.to_string());
    if let Some(d) = department {
        q = q.bind(d.to_owned());
    }
    let rows = q.fetch_all(pool).await.map_err(db)?;
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
