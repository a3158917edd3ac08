// Reading the audit trail, shared by both backends through `include!` (each defines `Backend`,
// `read_pool`, `write_pool`, `after_log_rewrite` and `db` before including it): chain heads, events in chain order, and the
// filtered log the audit page shows. Writing it is `events::append_with`.

use async_trait::async_trait;
use yichuang_store::Result;
use yichuang_store::audit::{AuditFilter, AuditHead, AuditStore, ChainRewrite, ChainedEvent};

/// An event row as `COLUMNS` selects it.
pub(crate) type Row = (
    i64,
    i64,
    i64,
    String,
    Option<i64>,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
);

/// The columns of a chained event, in `Row` order.
pub(crate) const COLUMNS: &str = "id, coalesce(seq, 0), at, actor, center_id, subject_kind, subject_id, \
                       kind, payload, ip, user_agent, coalesce(prev_hash, ''), coalesce(hash, '')";

/// A row as the chain checks see it.
pub(crate) fn to_chained(r: Row) -> ChainedEvent {
    ChainedEvent {
        id: r.0,
        seq: r.1,
        at_ms: r.2,
        actor: r.3,
        center_id: r.4,
        subject_kind: r.5,
        subject_id: r.6,
        kind: r.7,
        payload: r.8,
        ip: r.9,
        user_agent: r.10,
        prev_hash: r.11,
        hash: r.12,
    }
}

/// `like` pattern matching texts that start with `prefix` literally.
fn prefix_pattern(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 1);
    for ch in prefix.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

#[async_trait]
impl AuditStore for Backend {
    async fn audit_heads(&self) -> Result<Vec<AuditHead>> {
        let rows: Vec<(i64, i64, String)> =
            sqlx::query_as("select chain_key, seq, hash from audit_heads order by chain_key")
                .fetch_all(read_pool(self))
                .await
                .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|(chain_key, seq, hash)| AuditHead {
                chain_key,
                seq,
                hash,
            })
            .collect())
    }

    async fn chained_events(
        &self,
        chain_key: i64,
        from_seq: i64,
        limit: u32,
    ) -> Result<Vec<ChainedEvent>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "select {COLUMNS} from events where coalesce(center_id, 0) = $1 and seq >= $2 \
             order by seq limit $3"
        ))
        .bind(chain_key)
        .bind(from_seq)
        .bind(i64::from(limit))
        .fetch_all(read_pool(self))
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(to_chained).collect())
    }

    async fn unchained_events(&self) -> Result<i64> {
        // Read through the partial index `events_unhashed`, which has the same condition.
        sqlx::query_scalar(UNCHAINED_COUNT)
            .fetch_one(read_pool(self))
            .await
            .map_err(db)
    }

    async fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<ChainedEvent>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "select {COLUMNS} from events \
             where ($1 is null or coalesce(center_id, 0) = $1) \
               and ($2 is null or actor = $2) \
               and ($3 is null or kind like $3 escape '\\') \
               and ($4 is null or subject_id = $4) \
               and ($5 is null or at >= $5) \
               and ($6 is null or at < $6) \
             order by id desc limit $7"
        ))
        .bind(filter.chain_key)
        .bind(filter.actor.as_deref())
        .bind(filter.kind_prefix.as_deref().map(prefix_pattern))
        .bind(filter.subject_id.as_deref())
        .bind(filter.from.map(|t| t.timestamp_millis()))
        .bind(filter.until.map(|t| t.timestamp_millis()))
        .bind(i64::from(filter.limit.max(1)))
        .fetch_all(read_pool(self))
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(to_chained).collect())
    }

    async fn reseal_event_log(
        &self,
        ctx: &yichuang_store::Ctx,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<Vec<ChainRewrite>> {
        let out = crate::sealing::reseal_log(write_pool(self), &self.sealer, ctx, progress).await?;
        if !out.is_empty() {
            after_log_rewrite(self).await?;
        }
        Ok(out)
    }
}

/// The count of events outside the audit chain.
pub(crate) const UNCHAINED_COUNT: &str =
    "select count(*) from events where hash is null or seq is null";

