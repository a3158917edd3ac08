//! The light board (SQL shared with SQLite in `yichuang_store::board`).

use chrono::NaiveDate;
use sqlx::PgPool;
use yichuang_store::Result;
use yichuang_store::board::{
    DepartmentLights, LightQuery, LightRow, board_sql, list_sql, parse_day,
};

use crate::db;

pub(crate) async fn counts(
    pool: &PgPool,
    center_id: i64,
    day: NaiveDate,
) -> Result<Vec<DepartmentLights>> {
    let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(&board_sql())
        .bind(center_id)
        .bind(day.to_string())
        .bind(day.to_string())
        .fetch_all(pool)
        .await
        .map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|r| DepartmentLights {
            department: r.0,
            green: r.1,
            yellow: r.2,
            red: r.3,
            legal_overdue: r.4,
        })
        .collect())
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

pub(crate) async fn list(pool: &PgPool, q: &LightQuery) -> Result<Vec<LightRow>> {
    let rows: Vec<Row> = sqlx::query_as(&list_sql())
        .bind(q.center_id)
        .bind(q.day.to_string())
        .bind(q.later.to_string())
        .bind(&q.level)
        .bind(&q.department)
        .bind(i64::from(q.limit))
        .fetch_all(pool)
        .await
        .map_err(db)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(LightRow {
                case_no: r.0,
                matter_code: r.1,
                department: r.2,
                effective_day: parse_day(&r.3)?,
                due_promised: parse_day(&r.4)?,
                due_legal: r.5.as_deref().and_then(parse_day),
                yellow_from: r.6.as_deref().and_then(parse_day),
            })
        })
        .collect())
}
