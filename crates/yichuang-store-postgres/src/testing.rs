//! Per-test PostgreSQL databases: `CREATE DATABASE test_<uuid>` on the server named by
//! `YICHUANG_TEST_POSTGRES_URL`, dropped again when the guard goes out of scope. Used by this
//! crate's conformance tests and by `yichuang-testkit`.

use sqlx::Connection;

use crate::PgStore;

/// The environment variable naming the PostgreSQL server for tests.
pub const TEST_URL_VAR: &str = "YICHUANG_TEST_POSTGRES_URL";

/// A database that exists for the lifetime of the guard.
#[derive(Debug)]
pub struct PgTestDb {
    admin_url: String,
    name: String,
    /// URL of the fresh database.
    pub url: String,
}

/// The test server URL, or `None` after printing a loud SKIPPED line. Under `CI=true` a missing
/// URL is a failure, not a skip.
pub fn test_server_url(test: &str) -> Option<String> {
    match std::env::var(TEST_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{TEST_URL_VAR} is not set but CI=true: the PostgreSQL tests must run in CI"
            );
            eprintln!("SKIPPED {test}: PostgreSQL tests need {TEST_URL_VAR}");
            None
        }
    }
}

fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    match query {
        Some(q) => format!("{prefix}/{db}?{q}"),
        None => format!("{prefix}/{db}"),
    }
}

impl PgTestDb {
    /// Creates a fresh, empty database on the server at `admin_url`.
    pub async fn create(admin_url: &str) -> anyhow::Result<Self> {
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(admin_url).await?;
        sqlx::query(&format!("create database {name}"))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        Ok(Self {
            admin_url: admin_url.to_owned(),
            url: with_database(admin_url, &name),
            name,
        })
    }

    /// A fresh database with migrations applied, opened as a store.
    pub async fn store(test: &str) -> Option<(Self, PgStore)> {
        let url = test_server_url(test)?;
        let db = Self::create(&url).await.expect("create test database");
        let store = PgStore::connect(&db.url, 5)
            .await
            .expect("connect test database");
        store.migrate().await.expect("migrate test database");
        Some((db, store))
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        let admin = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot be blocked on; a short-lived thread
        // with its own runtime drops the database.
        let joined = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let sql = format!("drop database if exists {name} with (force)");
                    if let Err(e) = sqlx::query(&sql).execute(&mut conn).await {
                        eprintln!("could not drop test database {name}: {e}");
                    }
                }
            });
        })
        .join();
        if joined.is_err() {
            eprintln!("dropping test database {} panicked", self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_swapped_in_the_url() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://h/db?sslmode=disable", "y"),
            "postgres://h/y?sslmode=disable"
        );
    }
}
