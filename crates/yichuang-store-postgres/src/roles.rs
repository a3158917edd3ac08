//! The separate application role: the server runs as a login role that owns nothing, so that
//! the append-only triggers of the event log cannot be dropped from the application's
//! connection.

use yichuang_store::{Result, StoreError};

use crate::{PgStore, db};

impl PgStore {
    /// Lets the login role `role` run the server without owning anything: it may read and
    /// write the tables, but only insert into (and read) the event log, never change the
    /// migrations, and — not being the owner — never drop or disable the log's triggers. Run
    /// after every `migrate`, as the owner (`yichuang migrate --grant-to ROLE`).
    pub async fn grant_app_role(&self, role: &str) -> Result<()> {
        let valid = role.len() <= 63
            && role.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && role
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(StoreError::Other(anyhow::anyhow!(
                "角色名 \"{role}\" 无效：只能用小写字母、数字和下划线"
            )));
        }
        let mut tx = self.pool.begin().await.map_err(db)?;
        for sql in [
            format!("grant usage on schema public to {role}"),
            format!(
                "grant select, insert, update, delete on all tables in schema public to {role}"
            ),
            format!("grant usage, select on all sequences in schema public to {role}"),
            format!("revoke update, delete, truncate, references, trigger on events from {role}"),
            format!("revoke insert, update, delete, truncate on _sqlx_migrations from {role}"),
        ] {
            sqlx::query(&sql).execute(&mut *tx).await.map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }
}
