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
    // One department's desk reads only its own rows of the kept counts.
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use crate::testing::{PgTestDb, test_server_url};

    type Pool = sqlx::PgPool;

    async fn exec(pool: &Pool, sql: &str) {
        sqlx::query(sql).execute(pool).await.unwrap();
    }

    async fn rows(pool: &Pool, sql: &str) -> Vec<LightCountRow> {
        sqlx::query_as(sql).fetch_all(pool).await.unwrap()
    }

    include!("../../yichuang-store/shared/light_counts_test.rs");

    #[tokio::test]
    async fn postgres_light_counts_follow_every_write_of_cases() {
        let Some(admin) = test_server_url("postgres light counts") else {
            return;
        };
        let db = PgTestDb::create(&admin).await.unwrap();
        let store = crate::PgStore::connect(&db.url, 2).await.unwrap();
        store.migrate().await.unwrap();
        light_counts_follow_every_write(&store.pool).await;
        store.close().await;
    }
}
