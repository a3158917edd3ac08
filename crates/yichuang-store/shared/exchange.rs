// Data exchange (the case-event feed, the export's case order, the push queue), shared by both
// backends through `include!`: each defines `Backend`, `Conn`, `Pool`, `read_pool` and
// `write_pool` and has `db`, `ms` and its `cases` module (`COLUMNS`, `FROM_CASES`, `CaseRow`,
// `to_stored`) in scope. Not a module of `yichuang-store` itself.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use yichuang_store::exchange::{
    AUDIT_ONLY_KINDS, CaseRange, EVALUATION_KIND, ExchangeStore, FeedQuery, PUSH_CHANNEL,
    PushMessage, PushOutcome, PushReport, push_body,
};
use yichuang_store::{Ctx, Event, Result, StoredCase};

/// An event row: id, at, actor, center, subject kind and id, kind, sealed payload.
type FeedRow = (
    i64,
    i64,
    String,
    Option<i64>,
    String,
    String,
    String,
    String,
);

/// The feed page of `q`, read on `conn` (a pool connection, or the transaction that queues).
async fn feed(
    conn: &mut Conn,
    sealer: &yichuang_store::Sealer,
    q: &FeedQuery,
) -> Result<Vec<Event>> {
    let mut qb = sqlx::QueryBuilder::new(
        "select e.id, e.at, e.actor, e.center_id, e.subject_kind, e.subject_id, e.kind, \
         e.payload from events e where e.center_id = ",
    );
    qb.push_bind(q.center_id);
    qb.push(" and e.id > ");
    qb.push_bind(q.after);
    qb.push(" and ((e.subject_kind = 'case' and e.kind not in (");
    let mut sep = qb.separated(", ");
    for k in AUDIT_ONLY_KINDS {
        sep.push_bind(*k);
    }
    sep.push_unseparated("))");
    if q.evaluations && q.department.is_none() {
        qb.push(" or (e.subject_kind = 'evaluation' and e.kind = ");
        qb.push_bind(EVALUATION_KIND);
        qb.push(")");
    }
    qb.push(")");
    if let Some(d) = &q.department {
        // The case's department as stored on the case, not as an event payload says.
        qb.push(
            " and exists (select 1 from cases c where c.case_no = e.subject_id \
             and c.center_id = e.center_id and c.department_code = ",
        );
        qb.push_bind(d.clone());
        qb.push(")");
    }
    qb.push(" order by e.id limit ");
    qb.push_bind(i64::from(q.limit.max(1)));
    let rows: Vec<FeedRow> = qb
        .build_query_as()
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    rows.into_iter()
        .map(|r| {
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
        })
        .collect()
}

/// The idempotency key of a queued body: `<center code>-<event id>`.
fn idempotency_key(body: &str, event_id: i64) -> String {
    let center = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["center"].as_str().map(str::to_owned))
        .unwrap_or_default();
    format!("{center}-{event_id}")
}

/// The row the push claims: id, center, event, subject kind and id, body, attempts.
type PushRow = (i64, i64, i64, String, String, String, i64);

#[async_trait]
impl ExchangeStore for Backend {
    async fn case_feed(&self, q: &FeedQuery) -> Result<Vec<Event>> {
        let mut conn = read_pool(self).acquire().await.map_err(db)?;
        feed(&mut conn, &self.sealer, q).await
    }

    async fn cases_in_order(&self, q: &CaseRange) -> Result<Vec<StoredCase>> {
        let mut qb = sqlx::QueryBuilder::new(format!(
            "select {} {} where cases.center_id = ",
            crate::cases::COLUMNS,
            crate::cases::FROM_CASES
        ));
        qb.push_bind(q.center_id);
        qb.push(" and cases.id > ");
        qb.push_bind(q.after_id);
        if let Some(from) = q.received_from {
            qb.push(" and received_at >= ");
            qb.push_bind(from.timestamp_millis());
        }
        if let Some(before) = q.received_before {
            qb.push(" and received_at < ");
            qb.push_bind(before.timestamp_millis());
        }
        qb.push(" order by cases.id limit ");
        qb.push_bind(i64::from(q.limit.max(1)));
        let rows: Vec<crate::cases::CaseRow> = qb
            .build_query_as()
            .fetch_all(read_pool(self))
            .await
            .map_err(db)?;
        rows.into_iter()
            .map(|r| crate::cases::to_stored(r, &self.sealer))
            .collect()
    }

    async fn enqueue_push(
        &self,
        center_id: i64,
        center_code: &str,
        limit: u32,
        ctx: &Ctx,
    ) -> Result<u64> {
        let mut tx = self.begin().await?;
        let last: Option<i64> = sqlx::query_scalar(
            "select max(event_id) from outbox where channel = $1 and center_id = $2",
        )
        .bind(PUSH_CHANNEL)
        .bind(center_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let q = FeedQuery {
            center_id,
            department: None,
            after: last.unwrap_or(0),
            limit,
            evaluations: true,
        };
        let events = feed(&mut tx, &self.sealer, &q).await?;
        let now = ctx.now.timestamp_millis();
        // The recipient is a fixed word (the endpoint is configuration, and may change).
        let recipient = ctx.sealer.seal("省级政务服务平台")?;
        let mut queued = 0;
        for e in &events {
            let body = push_body(center_code, e).to_string();
            // Another instance queueing the same events at the same time makes this a no-op.
            let done = sqlx::query(
                "insert into outbox (center_id, channel, recipient, subject_kind, subject_id, \
                 message, status, created_at, updated_at, event_id, attempts, next_attempt_at) \
                 values ($1, $2, $3, $4, $5, $6, 'queued', $7, $7, $8, 0, $7) \
                 on conflict (channel, event_id) do nothing",
            )
            .bind(center_id)
            .bind(PUSH_CHANNEL)
            .bind(&recipient)
            .bind(&e.subject_kind)
            .bind(&e.subject_id)
            .bind(&body)
            .bind(now)
            .bind(e.id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            queued += done.rows_affected();
        }
        tx.commit().await.map_err(db)?;
        Ok(queued)
    }

    async fn claim_push(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<Option<PushMessage>> {
        let now_ms = now.timestamp_millis();
        // One conditional update of the head row: of several instances claiming at once, the
        // database lets exactly one see it still due (PostgreSQL re-checks the `where` against
        // the row a concurrent claimant committed; SQLite has one writer).
        let row: Option<PushRow> = sqlx::query_as(
            "update outbox set status = 'sending', holder = $1, lease_until = $2, updated_at = $3 \
             where id = (select id from outbox where channel = $4 \
                         and status in ('queued', 'retry', 'sending') order by event_id limit 1) \
             and ((status in ('queued', 'retry') and next_attempt_at <= $3) \
                  or (status = 'sending' and lease_until <= $3)) \
             returning id, center_id, event_id, subject_kind, subject_id, message, \
             cast(attempts as bigint)",
        )
        .bind(holder)
        .bind((now + lease).timestamp_millis())
        .bind(now_ms)
        .bind(PUSH_CHANNEL)
        .fetch_optional(write_pool(self))
        .await
        .map_err(db)?;
        Ok(row.map(|r| PushMessage {
            id: r.0,
            center_id: r.1,
            event_id: r.2,
            idempotency_key: idempotency_key(&r.5, r.2),
            subject_kind: r.3,
            subject_id: r.4,
            body: r.5,
            attempts: u32::try_from(r.6).unwrap_or(u32::MAX),
        }))
    }

    async fn push_report(&self, center_id: i64, limit: u32) -> Result<PushReport> {
        let counts: Vec<(String, i64)> = sqlx::query_as(
            "select status, count(*) from outbox where channel = $1 and center_id = $2 \
             group by status order by status",
        )
        .bind(PUSH_CHANNEL)
        .bind(center_id)
        .fetch_all(read_pool(self))
        .await
        .map_err(db)?;
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            String,
            i64,
            i64,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "select id, recipient, subject_kind, subject_id, message, status, created_at, \
             cast(attempts as bigint), last_error from outbox where channel = $1 \
             and center_id = $2 and status in ('retry', 'sending', 'dead') \
             order by event_id desc limit $3",
        )
        .bind(PUSH_CHANNEL)
        .bind(center_id)
        .bind(i64::from(limit))
        .fetch_all(read_pool(self))
        .await
        .map_err(db)?;
        let attention = rows
            .into_iter()
            .map(|r| {
                Ok(yichuang_store::OutboxRecord {
                    id: r.0,
                    channel: PUSH_CHANNEL.to_owned(),
                    recipient: self.sealer.open(&r.1)?,
                    subject_kind: r.2,
                    subject_id: r.3,
                    message: r.4,
                    status: r.5,
                    attempts: u32::try_from(r.7).unwrap_or(u32::MAX),
                    last_error: r.8,
                    created_at: ms(r.6),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PushReport {
            counts: counts
                .into_iter()
                .map(|(s, n)| (s, u64::try_from(n).unwrap_or(0)))
                .collect(),
            attention,
        })
    }

    async fn finish_push(
        &self,
        id: i64,
        holder: &str,
        outcome: &PushOutcome,
        ctx: &Ctx,
    ) -> Result<bool> {
        let (status, error, next_at) = match outcome {
            PushOutcome::Sent => ("sent", None, None),
            PushOutcome::Retry { error, next_at } => (
                "retry",
                Some(error.as_str()),
                Some(next_at.timestamp_millis()),
            ),
            PushOutcome::Dead { error } => ("dead", Some(error.as_str()), None),
        };
        let done = sqlx::query(
            "update outbox set status = $1, attempts = attempts + 1, last_error = $2, \
             next_attempt_at = $3, holder = null, lease_until = null, updated_at = $4 \
             where id = $5 and holder = $6 and status = 'sending'",
        )
        .bind(status)
        .bind(error)
        .bind(next_at)
        .bind(ctx.now.timestamp_millis())
        .bind(id)
        .bind(holder)
        .execute(write_pool(self))
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }
}
