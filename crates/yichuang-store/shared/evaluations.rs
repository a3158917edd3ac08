// 好差评 SQL shared by the SQLite and PostgreSQL stores: each includes this file with its own
// `Conn`, `Pool` and `DbRow` types (the SQL text is the same on both; keeping one copy is the
// point). Not a module of `yichuang-store` itself.

use chrono::NaiveDate;
use serde_json::json;
use sqlx::{QueryBuilder, Row};
use yichuang_store::{
    Ctx, EvaluationOutcome, EvaluationRecord, NewEvaluation, Rectification, RectificationFilter,
    RectificationStatus, Result, StoreError,
};

use crate::{db, events, ms};

fn parse_day(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

pub(crate) async fn record(
    conn: &mut Conn,
    e: &NewEvaluation,
    ctx: &Ctx,
) -> Result<EvaluationOutcome> {
    let now = ctx.now.timestamp_millis();
    let indicators: serde_json::Map<String, serde_json::Value> = e
        .indicators
        .iter()
        .map(|(k, l)| (k.clone(), json!(l.code())))
        .collect();
    let id: i64 = sqlx::query_scalar(
        "insert into evaluations (center_id, ticket_id, case_no, window_code, clerk, level, \
         indicators, channel, comment, department_code, matter_code, stage, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) returning id",
    )
    .bind(e.center_id)
    .bind(e.ticket_id)
    .bind(&e.case_no)
    .bind(&e.window)
    .bind(&e.clerk)
    .bind(e.level.code())
    .bind(serde_json::Value::Object(indicators.clone()).to_string())
    .bind(e.channel.code())
    .bind(&e.comment)
    .bind(&e.department)
    .bind(&e.matter)
    .bind(&e.stage)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|err| match db(err) {
        StoreError::Conflict(_) if e.ticket_id.is_some() => {
            StoreError::Conflict("该号已经评价过了".into())
        }
        StoreError::Conflict(_) => {
            StoreError::Conflict("该办件在此阶段已经评价过了".into())
        }
        other => other,
    })?;
    let payload = json!({"level": e.level.code(), "channel": e.channel.code(), "ticket_id": e.ticket_id,
        "case_no": e.case_no, "window": e.window, "clerk": e.clerk, "department": e.department,
        "matter": e.matter, "stage": e.stage, "indicators": indicators});
    events::append(
        conn,
        ctx,
        Some(e.center_id),
        ("evaluation", &id.to_string()),
        "evaluation_recorded",
        payload,
    )
    .await?;
    let Some(due) = e.rectification_due else {
        return Ok(EvaluationOutcome {
            id,
            rectification: None,
        });
    };
    let department = e.department.clone().unwrap_or_default();
    let rid: i64 = sqlx::query_scalar(
        "insert into rectifications (center_id, evaluation_id, case_no, department_code, level, \
         comment, opened_on, due_on, status, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $9) returning id",
    )
    .bind(e.center_id)
    .bind(id)
    .bind(&e.case_no)
    .bind(&department)
    .bind(e.level.code())
    .bind(&e.comment)
    .bind(yichuang_domain::clock::shanghai_date(ctx.now).to_string())
    .bind(due.to_string())
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    let payload = json!({"evaluation_id": id, "case_no": e.case_no, "department": department,
        "due_on": due.to_string(), "level": e.level.code()});
    events::append(
        conn,
        ctx,
        Some(e.center_id),
        ("rectification", &rid.to_string()),
        "rectification_opened",
        payload,
    )
    .await?;
    Ok(EvaluationOutcome {
        id,
        rectification: by_id(conn, rid).await?,
    })
}

const EVALUATION_COLUMNS: &str = "id, ticket_id, case_no, window_code, clerk, level, indicators, \
     channel, comment, stage, created_at";

fn to_evaluation(r: &DbRow) -> Result<EvaluationRecord> {
    let indicators: String = r.try_get("indicators").map_err(db)?;
    Ok(EvaluationRecord {
        id: r.try_get("id").map_err(db)?,
        ticket_id: r.try_get("ticket_id").map_err(db)?,
        case_no: r.try_get("case_no").map_err(db)?,
        window: r.try_get("window_code").map_err(db)?,
        clerk: r.try_get("clerk").map_err(db)?,
        level: r.try_get("level").map_err(db)?,
        indicators: serde_json::from_str(&indicators).unwrap_or_default(),
        channel: r.try_get("channel").map_err(db)?,
        comment: r.try_get("comment").map_err(db)?,
        stage: r.try_get("stage").map_err(db)?,
        created_at: ms(r.try_get("created_at").map_err(db)?),
    })
}

pub(crate) async fn list(
    pool: &Pool,
    center_id: i64,
    limit: u32,
) -> Result<Vec<EvaluationRecord>> {
    let rows = sqlx::query(&format!(
        "select {EVALUATION_COLUMNS} from evaluations where center_id = $1 order by id desc limit $2"
    ))
    .bind(center_id)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(db)?;
    rows.iter().map(to_evaluation).collect()
}

pub(crate) async fn for_case(pool: &Pool, case_no: &str) -> Result<Vec<EvaluationRecord>> {
    let rows = sqlx::query(&format!(
        "select {EVALUATION_COLUMNS} from evaluations where case_no = $1 and ticket_id is null \
         order by id"
    ))
    .bind(case_no)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    rows.iter().map(to_evaluation).collect()
}

pub(crate) async fn create_invite(
    conn: &mut Conn,
    center_id: i64,
    case_no: &str,
    token_hash: &str,
    ctx: &Ctx,
) -> Result<()> {
    sqlx::query(
        "insert into evaluation_invites (token_hash, center_id, case_no, created_at, updated_at) \
         values ($1, $2, $3, $4, $4) on conflict (token_hash) do nothing",
    )
    .bind(token_hash)
    .bind(center_id)
    .bind(case_no)
    .bind(ctx.now.timestamp_millis())
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

pub(crate) async fn invite(pool: &Pool, token_hash: &str) -> Result<Option<String>> {
    sqlx::query_scalar("select case_no from evaluation_invites where token_hash = $1")
        .bind(token_hash)
        .fetch_optional(pool)
        .await
        .map_err(db)
}

const RECT_COLUMNS: &str = "id, center_id, evaluation_id, case_no, department_code, level, \
     comment, opened_on, due_on, status, callback_at, callback_reached, callback_response, \
     completed_at, completed_on, completion_note, appeal_reason, appealed_at, appeal_decision, \
     appeal_decided_by, created_at";

fn to_rect(r: &DbRow) -> Result<Rectification> {
    let get_ms = |name: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        Ok(r.try_get::<Option<i64>, _>(name).map_err(db)?.map(ms))
    };
    let status: String = r.try_get("status").map_err(db)?;
    let bad = |what: &str| StoreError::Other(anyhow::anyhow!("bad rectification {what}"));
    Ok(Rectification {
        id: r.try_get("id").map_err(db)?,
        center_id: r.try_get("center_id").map_err(db)?,
        evaluation_id: r.try_get("evaluation_id").map_err(db)?,
        case_no: r.try_get("case_no").map_err(db)?,
        department: r.try_get("department_code").map_err(db)?,
        level: r.try_get("level").map_err(db)?,
        comment: r.try_get("comment").map_err(db)?,
        opened_on: parse_day(r.try_get("opened_on").map_err(db)?).ok_or_else(|| bad("date"))?,
        due_on: parse_day(r.try_get("due_on").map_err(db)?).ok_or_else(|| bad("date"))?,
        status: RectificationStatus::parse(&status).ok_or_else(|| bad("status"))?,
        callback_at: get_ms("callback_at")?,
        callback_reached: r.try_get("callback_reached").map_err(db)?,
        callback_response: r.try_get("callback_response").map_err(db)?,
        completed_at: get_ms("completed_at")?,
        completed_on: parse_day(r.try_get("completed_on").map_err(db)?),
        completion_note: r.try_get("completion_note").map_err(db)?,
        appeal_reason: r.try_get("appeal_reason").map_err(db)?,
        appealed_at: get_ms("appealed_at")?,
        appeal_decision: r.try_get("appeal_decision").map_err(db)?,
        appeal_decided_by: r.try_get("appeal_decided_by").map_err(db)?,
        created_at: ms(r.try_get("created_at").map_err(db)?),
    })
}

async fn by_id(conn: &mut Conn, id: i64) -> Result<Option<Rectification>> {
    let row = sqlx::query(&format!(
        "select {RECT_COLUMNS} from rectifications where id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
    .map_err(db)?;
    row.as_ref().map(to_rect).transpose()
}

pub(crate) async fn get(pool: &Pool, id: i64) -> Result<Option<Rectification>> {
    let mut conn = pool.acquire().await.map_err(db)?;
    by_id(&mut conn, id).await
}

pub(crate) async fn rect_list(
    pool: &Pool,
    f: &RectificationFilter,
) -> Result<Vec<Rectification>> {
    let mut qb = QueryBuilder::new(format!(
        "select {RECT_COLUMNS} from rectifications where center_id = "
    ));
    qb.push_bind(f.center_id);
    if let Some(d) = &f.department {
        qb.push(" and department_code = ").push_bind(d.clone());
    }
    if let Some(s) = f.status {
        qb.push(" and status = ").push_bind(s.code());
    }
    if let Some(c) = &f.case_no {
        qb.push(" and case_no = ").push_bind(c.clone());
    }
    if let Some(d) = f.opened_from {
        qb.push(" and opened_on >= ").push_bind(d.to_string());
    }
    if let Some(d) = f.opened_to {
        qb.push(" and opened_on <= ").push_bind(d.to_string());
    }
    qb.push(" order by id desc limit ")
        .push_bind(i64::from(f.limit.clamp(1, 10_000)));
    let rows = qb.build().fetch_all(pool).await.map_err(db)?;
    rows.iter().map(to_rect).collect()
}

pub(crate) async fn update(
    conn: &mut Conn,
    r: &Rectification,
    expected: RectificationStatus,
    kind: &str,
    mut payload: serde_json::Value,
    ctx: &Ctx,
) -> Result<()> {
    let opt = |v: Option<chrono::DateTime<chrono::Utc>>| v.map(|t| t.timestamp_millis());
    let done = sqlx::query(
        "update rectifications set status = $3, callback_at = $4, callback_reached = $5, \
         callback_response = $6, completed_at = $7, completed_on = $8, completion_note = $9, \
         appeal_reason = $10, appealed_at = $11, appeal_decision = $12, appeal_decided_by = $13, \
         updated_at = $14 where id = $1 and status = $2",
    )
    .bind(r.id)
    .bind(expected.code())
    .bind(r.status.code())
    .bind(opt(r.callback_at))
    .bind(r.callback_reached)
    .bind(&r.callback_response)
    .bind(opt(r.completed_at))
    .bind(r.completed_on.map(|d| d.to_string()))
    .bind(&r.completion_note)
    .bind(&r.appeal_reason)
    .bind(opt(r.appealed_at))
    .bind(&r.appeal_decision)
    .bind(&r.appeal_decided_by)
    .bind(ctx.now.timestamp_millis())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict(
            "整改单的状态已变化，请刷新后重试".into(),
        ));
    }
    if let Some(m) = payload.as_object_mut() {
        m.insert("department".into(), json!(r.department));
        m.insert("case_no".into(), json!(r.case_no));
    }
    events::append(
        conn,
        ctx,
        Some(r.center_id),
        ("rectification", &r.id.to_string()),
        kind,
        payload,
    )
    .await
}

pub(crate) async fn push_outbox(
    conn: &mut Conn,
    m: &yichuang_store::OutboxMessage,
    ctx: &Ctx,
) -> Result<i64> {
    sqlx::query_scalar(
        "insert into outbox (center_id, channel, recipient, subject_kind, subject_id, message, \
         status, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, 'queued', $7, $7) \
         returning id",
    )
    .bind(m.center_id)
    .bind(&m.channel)
    .bind(ctx.sealer.seal(&m.recipient)?)
    .bind(&m.subject_kind)
    .bind(&m.subject_id)
    .bind(&m.message)
    .bind(ctx.now.timestamp_millis())
    .fetch_one(conn)
    .await
    .map_err(db)
}

type OutboxRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<String>,
);

pub(crate) async fn outbox(
    pool: &Pool,
    sealer: &yichuang_store::Sealer,
    center_id: i64,
    limit: u32,
) -> Result<Vec<yichuang_store::OutboxRecord>> {
    let rows: Vec<OutboxRow> = sqlx::query_as(
        "select id, channel, recipient, subject_kind, subject_id, message, status, created_at, \
         cast(attempts as bigint), last_error from outbox where center_id = $1 \
         and channel <> 'exchange' order by id desc limit $2",
    )
    .bind(center_id)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(db)?;
    rows.into_iter()
        .map(|r| {
            Ok(yichuang_store::OutboxRecord {
            id: r.0,
            channel: r.1,
            recipient: sealer.open(&r.2)?,
            subject_kind: r.3,
            subject_id: r.4,
            message: r.5,
            status: r.6,
            attempts: u32::try_from(r.8).unwrap_or(u32::MAX),
            last_error: r.9,
            created_at: ms(r.7),
        })
        })
        .collect()
}
