//! The light board (SQL shared with PostgreSQL in `yichuang_store::board`). SQLite takes `?N`
//! placeholders, which bind by number even when repeated or out of order, and is told which
//! index to use: without statistics it prefers `cases_by_department` and then reads every row.

use chrono::NaiveDate;
use sqlx::SqlitePool;
use yichuang_store::board::{
    BOARD_SQL, DepartmentLights, LightQuery, LightRow, LightRowText, board_sql_of_department,
    fold_counts, light_rows, list_sql,
};
use yichuang_store::{Result, StoreError};

use crate::db;

fn sqlite(sql: &str) -> String {
    sql.replace('$', "?")
        .replace(
            "from cases where center_id = ?1 and status in ('accepted', 'in_process', 'suspended')",
            "from cases indexed by cases_light_board where center_id = ?1 \
             and status in ('accepted', 'in_process', 'suspended')",
        )
        .replace(
            "from cases where center_id = ?1 and status in ('accepted', 'in_process')",
            "from cases indexed by cases_running_due where center_id = ?1 \
             and status in ('accepted', 'in_process')",
        )
        .replace(
            "from cases where center_id = ?1 and status = 'suspended'",
            "from cases indexed by cases_light_board where center_id = ?1 and status = 'suspended'",
        )
}

type CountRow = (String, String, i64, i64, i64, i64);

pub(crate) async fn counts(
    pool: &SqlitePool,
    center_id: i64,
    day: NaiveDate,
    department: Option<&str>,
) -> Result<Vec<DepartmentLights>> {
    // One department's desk reads only its own rows of the kept counts.
    let sql = match department {
        Some(_) => board_sql_of_department(),
        None => BOARD_SQL.to_owned(),
    };
    let sql = sqlite(&sql);
    let mut q = sqlx::query_as::<_, CountRow>(&sql)
        .bind(center_id)
        .bind(day.to_string());
    if let Some(d) = department {
        q = q.bind(d.to_owned());
    }
    let rows = q.fetch_all(pool).await.map_err(db)?;
    Ok(fold_counts(rows))
}

pub(crate) async fn list(pool: &SqlitePool, q: &LightQuery) -> Result<Vec<LightRow>> {
    let sql = list_sql(&q.level)
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("unknown light level {:?}", q.level)))?;
    let rows: Vec<LightRowText> = sqlx::query_as(&sqlite(&sql))
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
