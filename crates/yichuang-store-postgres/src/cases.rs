//! Cases: numbering, writes with optimistic concurrency, reads, and re-projection of deadlines
//! when the calendar changes.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool, QueryBuilder};
use yichuang_domain::calendar::Calendar;
use yichuang_domain::case::{Case, CaseStatus};
use yichuang_store::{
    CaseFilter, CaseIndex, CaseWrite, Ctx, LightChange, NewOrder, Notification, Result, StoreError,
    StoredCase, SupervisionOrder, case_index,
};

use crate::{db, events};

fn date(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

fn parse_date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

pub(crate) async fn next_case_no(
    conn: &mut PgConnection,
    center_id: i64,
    day: NaiveDate,
    prefix: &str,
    now: i64,
) -> Result<String> {
    let day_text = day.to_string();
    // In a group-commit batch that already used this sequence, the next number is in memory.
    if let Some(seq) = yichuang_store::batch::next_number(center_id, &day_text) {
        return Ok(format!("{prefix}{seq:04}"));
    }
    let seq: i64 = sqlx::query_scalar(
        "insert into case_counters (center_id, day, last, created_at, updated_at) \
         values ($1, $2, 1, $3, $3) on conflict (center_id, day) do update set \
         last = case_counters.last + 1, updated_at = excluded.updated_at returning last",
    )
    .bind(center_id)
    .bind(&day_text)
    .bind(now)
    .fetch_one(conn)
    .await
    .map_err(db)?;
    yichuang_store::batch::know_number(center_id, &day_text, seq);
    Ok(format!("{prefix}{seq:04}"))
}

pub(crate) async fn create(conn: &mut PgConnection, w: &CaseWrite, ctx: &Ctx) -> Result<()> {
    create_with(conn, w, ctx, None).await
}

/// [`create`], with the counters summed into `deferred` when given (bulk loads).
pub(crate) async fn create_with(
    conn: &mut PgConnection,
    w: &CaseWrite,
    ctx: &Ctx,
    deferred: Option<&mut yichuang_store::report::Deltas>,
) -> Result<()> {
    let c = &w.case;
    let now = ctx.now.timestamp_millis();
    let center = c.received.center_id;
    let subject = ("case", c.case_no());
    // The events' places in the chain first (in a group-commit batch, from memory), so that the
    // case row, its state and its events go in one statement: one round trip per intake.
    let events = events::case_events(w);
    let chained = events::chain_events(conn, ctx, Some(center), subject, &events, deferred).await?;
    let (first, rest) = chained.split_at(chained.len().min(events::EVENT_CHUNK));
    let applicant_index = ctx.sealer.index(&c.received.applicant.id_number);
    let state = ctx.sealer.case_state_text(c)?;
    let version = i64::try_from(c.version).unwrap_or(i64::MAX);
    let mut qb = QueryBuilder::new(
        "with c as (insert into cases (center_id, case_no, matter_code, matter_version, \
         department_code, window_code, status, applicant_name, received_at, accepted_on, \
         due_promised, due_legal, yellow_from, correction_due, frozen_on, version, created_at, \
         updated_at, owner_user_id, applicant_index) values (",
    );
    qb.separated(", ")
        .push_bind(center)
        .push_bind(c.case_no())
        .push_bind(&c.received.matter_code)
        .push_bind(c.received.matter_version)
        .push_bind(&c.received.department)
        .push_bind(&c.received.window)
        .push_bind(c.status.code())
        .push_bind(&c.received.applicant.name)
        .push_bind(c.received_at.timestamp_millis())
        .push_bind(date(w.index.accepted_on))
        .push_bind(date(w.index.due_promised))
        .push_bind(date(w.index.due_legal))
        .push_bind(date(w.index.yellow_from))
        .push_bind(w.index.correction_due.to_string())
        .push_bind(date(w.index.frozen_on))
        .push_bind(version)
        .push_bind(now)
        .push_bind(now)
        .push_bind(c.received.owner)
        .push_bind(&applicant_index);
    qb.push(
        ") returning id), s as (insert into case_states (case_id, state, created_at, updated_at) \
         select id, ",
    );
    qb.separated(", ")
        .push_bind(&state)
        .push_bind(now)
        .push_bind(now);
    qb.push(" from c) ");
    if first.is_empty() {
        qb.push("select 1");
    } else {
        qb.push(events::EVENT_INSERT);
        events::push_event_values(&mut qb, ctx, Some(center), subject, first);
    }
    qb.build().execute(&mut *conn).await.map_err(db)?;
    events::insert_events(conn, ctx, Some(center), subject, rest).await?;
    events::enter_licenses(conn, w, ctx).await
}

pub(crate) async fn update(
    conn: &mut PgConnection,
    w: &CaseWrite,
    expected_version: u64,
    ctx: &Ctx,
) -> Result<()> {
    let c = &w.case;
    let center = c.received.center_id;
    let subject = ("case", c.case_no());
    // As in `create`: the case row, its state and its events in one statement. When the version
    // does not match, nothing is updated and the statement returns no case id; the caller (the
    // group writer) then rolls this operation back to its savepoint, events and chain places
    // included.
    let events = events::case_events(w);
    let chained = events::chain_events(conn, ctx, Some(center), subject, &events, None).await?;
    let (first, rest) = chained.split_at(chained.len().min(events::EVENT_CHUNK));
    let state = ctx.sealer.case_state_text(c)?;
    let now = ctx.now.timestamp_millis();
    let mut qb = QueryBuilder::new("with u as (update cases set status = ");
    qb.push_bind(c.status.code());
    qb.push(", accepted_on = ")
        .push_bind(date(w.index.accepted_on));
    qb.push(", due_promised = ")
        .push_bind(date(w.index.due_promised));
    qb.push(", due_legal = ").push_bind(date(w.index.due_legal));
    qb.push(", yellow_from = ")
        .push_bind(date(w.index.yellow_from));
    qb.push(", correction_due = ")
        .push_bind(w.index.correction_due.to_string());
    qb.push(", frozen_on = ").push_bind(date(w.index.frozen_on));
    qb.push(", version = ")
        .push_bind(i64::try_from(c.version).unwrap_or(i64::MAX));
    qb.push(", updated_at = ").push_bind(now);
    qb.push(" where case_no = ").push_bind(c.case_no());
    qb.push(" and version = ")
        .push_bind(i64::try_from(expected_version).unwrap_or(i64::MAX));
    qb.push(" returning id), s as (update case_states set state = ")
        .push_bind(&state);
    qb.push(", updated_at = ").push_bind(now);
    qb.push(" where case_id in (select id from u)) ");
    if first.is_empty() {
        qb.push("select (select id from u)");
    } else {
        qb.push(events::EVENT_INSERT);
        events::push_event_values(&mut qb, ctx, Some(center), subject, first);
        qb.push(" returning (select id from u)");
    }
    let ids: Vec<Option<i64>> = qb
        .build_query_scalar()
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    if !ids.first().is_some_and(Option::is_some) {
        return Err(StoreError::Conflict(
            "办件已被其他人更新，请刷新后重试".into(),
        ));
    }
    events::insert_events(conn, ctx, Some(center), subject, rest).await?;
    events::enter_licenses(conn, w, ctx).await
}

pub(crate) type CaseRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

pub(crate) const COLUMNS: &str = "cases.id, case_states.state, accepted_on, due_promised, due_legal, \
     yellow_from, correction_due, frozen_on";

/// The case rows with their state (kept in its own table so that the narrow `cases` rows are
/// cheap to rewrite when deadlines are re-projected).
pub(crate) const FROM_CASES: &str = "from cases join case_states on case_states.case_id = cases.id";

pub(crate) fn to_stored(r: CaseRow, sealer: &yichuang_store::Sealer) -> Result<StoredCase> {
    let case = sealer.open_case_state(&r.1)?;
    Ok(StoredCase {
        id: r.0,
        case,
        index: CaseIndex {
            accepted_on: parse_date(r.2),
            due_promised: parse_date(r.3),
            due_legal: parse_date(r.4),
            yellow_from: parse_date(r.5),
            correction_due: parse_date(Some(r.6)).unwrap_or_default(),
            frozen_on: parse_date(r.7),
        },
    })
}

pub(crate) async fn by_no(
    pool: &PgPool,
    sealer: &yichuang_store::Sealer,
    case_no: &str,
) -> Result<Option<StoredCase>> {
    let row: Option<CaseRow> =
        sqlx::query_as(&format!("select {COLUMNS} {FROM_CASES} where case_no = $1"))
            .bind(case_no)
            .fetch_optional(pool)
            .await
            .map_err(db)?;
    row.map(|r| to_stored(r, sealer)).transpose()
}

/// Statuses of open cases, for SQL `in (…)` lists.
fn open_codes() -> Vec<&'static str> {
    CaseStatus::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(CaseStatus::code)
        .collect()
}

pub(crate) async fn list(
    pool: &PgPool,
    sealer: &yichuang_store::Sealer,
    f: &CaseFilter,
) -> Result<Vec<StoredCase>> {
    let mut qb = QueryBuilder::new(format!("select {COLUMNS} {FROM_CASES} where center_id = "));
    qb.push_bind(f.center_id);
    if let Some(s) = f.status {
        qb.push(" and status = ");
        qb.push_bind(s.code());
    }
    if f.open_only {
        qb.push(" and status in (");
        let mut sep = qb.separated(", ");
        for code in open_codes() {
            sep.push_bind(code);
        }
        sep.push_unseparated(")");
    }
    if !f.case_nos.is_empty() {
        qb.push(" and case_no in (");
        let mut sep = qb.separated(", ");
        for no in &f.case_nos {
            sep.push_bind(no.clone());
        }
        sep.push_unseparated(")");
    }
    if let Some(d) = &f.department {
        qb.push(" and department_code = ");
        qb.push_bind(d.clone());
    }
    if let Some(w) = &f.window {
        qb.push(" and window_code = ");
        qb.push_bind(w.clone());
    }
    match (f.owner, &f.applicant_id) {
        (Some(owner), Some(id)) => {
            qb.push(" and (owner_user_id = ");
            qb.push_bind(owner);
            qb.push(" or applicant_index = ");
            qb.push_bind(sealer.index(id));
            qb.push(")");
        }
        (Some(owner), None) => {
            qb.push(" and owner_user_id = ");
            qb.push_bind(owner);
        }
        (None, Some(id)) => {
            qb.push(" and applicant_index = ");
            qb.push_bind(sealer.index(id));
        }
        (None, None) => {}
    }
    if let Some(since) = f.received_since {
        qb.push(" and received_at >= ");
        qb.push_bind(since.timestamp_millis());
    }
    if let Some(before) = f.before_id {
        qb.push(" and cases.id < ");
        qb.push_bind(before);
    }
    // A list of numbers is read through the unique index on case_no, in its order: ordered by
    // id, SQLite walked the whole table backwards to avoid a sort of the few rows.
    qb.push(if f.case_nos.is_empty() {
        " order by cases.id desc limit "
    } else {
        " order by case_no limit "
    });
    qb.push_bind(i64::from(f.limit.max(1)));
    let rows: Vec<CaseRow> = qb.build_query_as().fetch_all(pool).await.map_err(db)?;
    rows.into_iter().map(|r| to_stored(r, sealer)).collect()
}

/// Writes new deadline columns, 250 rows per statement.
async fn update_indexes(conn: &mut PgConnection, rows: &[(i64, CaseIndex)]) -> Result<u64> {
    let mut n = 0;
    for chunk in rows.chunks(250) {
        let mut qb = QueryBuilder::<sqlx::Postgres>::new(
            "update cases set accepted_on = v.column2, due_promised = v.column3, \
             due_legal = v.column4, yellow_from = v.column5, correction_due = v.column6, \
             frozen_on = v.column7 from (",
        );
        qb.push_values(chunk, |mut b, (id, ix)| {
            b.push_bind(*id)
                .push_bind(date(ix.accepted_on))
                .push_bind(date(ix.due_promised))
                .push_bind(date(ix.due_legal))
                .push_bind(date(ix.yellow_from))
                .push_bind(ix.correction_due.to_string())
                .push_bind(date(ix.frozen_on));
        });
        qb.push(") as v where cases.id = v.column1");
        n += qb
            .build()
            .execute(&mut *conn)
            .await
            .map_err(db)?
            .rows_affected();
    }
    Ok(n)
}

/// Recomputes the deadline columns of every open case of a center on `cal`, in the caller's
/// transaction (the calendar change and the new deadlines commit together).
/// Recomputes the deadline columns of every open case of a center on `cal`, page by page in
/// the caller's transaction, writing only the rows whose columns change. Returns that number.
///
/// Only cases whose deadlines can move are read: a deadline is a count of working days from a
/// start, so a change on `from` moves it only if the counted interval reaches `from` — the
/// stored result is on or after it — and a running special procedure extends from today on.
pub(crate) async fn reproject_open(
    conn: &mut PgConnection,
    center_id: i64,
    cal: &Calendar,
    from: NaiveDate,
) -> Result<u64> {
    type Row = (
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        Option<String>,
    );
    let mut changed = 0;
    let mut after = 0i64;
    let mut pending: Vec<(i64, CaseIndex)> = Vec::new();
    loop {
        let mut qb = QueryBuilder::new(
            "select cases.id, case_states.state, accepted_on, due_promised, due_legal, \
             yellow_from, correction_due, frozen_on from cases \
             join case_states on case_states.case_id = cases.id where cases.center_id = ",
        );
        qb.push_bind(center_id);
        qb.push(" and cases.id > ").push_bind(after);
        qb.push(" and status in (");
        let mut sep = qb.separated(", ");
        for code in open_codes() {
            sep.push_bind(code);
        }
        sep.push_unseparated(")");
        qb.push(" and (status = 'suspended' or correction_due >= ")
            .push_bind(from.to_string());
        qb.push(" or due_promised >= ").push_bind(from.to_string());
        qb.push(" or due_legal >= ").push_bind(from.to_string());
        qb.push(" or yellow_from >= ").push_bind(from.to_string());
        qb.push(") order by cases.id limit 5000");
        let rows: Vec<Row> = qb
            .build_query_as()
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        for r in rows {
            let case: Case = serde_json::from_str(&r.1).map_err(|e| {
                StoreError::Other(anyhow::anyhow!("stored case state is corrupt: {e}"))
            })?;
            let ix = case_index(&case, cal);
            let stored = CaseIndex {
                accepted_on: parse_date(r.2),
                due_promised: parse_date(r.3),
                due_legal: parse_date(r.4),
                yellow_from: parse_date(r.5),
                correction_due: parse_date(Some(r.6)).unwrap_or(ix.correction_due),
                frozen_on: parse_date(r.7),
            };
            if stored != ix {
                pending.push((r.0, ix));
            }
        }
        if pending.len() >= 2_000 {
            changed += update_indexes(conn, &pending).await?;
            pending.clear();
        }
    }
    changed += update_indexes(conn, &pending).await?;
    Ok(changed)
}

pub(crate) async fn record_light(
    conn: &mut PgConnection,
    c: &LightChange,
    ctx: &Ctx,
) -> Result<bool> {
    let now = ctx.now.timestamp_millis();
    let key = c.key();
    let previous: Option<(String, bool)> =
        sqlx::query_as("select light, legal_overdue from case_lights where case_no = $1")
            .bind(&key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
    // The conditional upsert is the exactly-once guard: of two sweeps seeing the same change,
    // only one updates the row; the other finds it already changed.
    let changed = sqlx::query(
        "insert into case_lights (case_no, center_id, light, legal_overdue, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $5) on conflict (case_no) do update set light = excluded.light, \
         legal_overdue = excluded.legal_overdue, updated_at = excluded.updated_at \
         where case_lights.light <> excluded.light or case_lights.legal_overdue <> excluded.legal_overdue",
    )
    .bind(&key)
    .bind(c.center_id)
    .bind(&c.light)
    .bind(c.legal_overdue)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?
    .rows_affected()
        > 0;
    if !changed {
        return Ok(false);
    }
    let payload = serde_json::json!({
        "from": previous.as_ref().map(|p| p.0.clone()),
        "to": c.light,
        "legal_overdue": c.legal_overdue,
        "department": c.department,
        "step": c.step,
    });
    events::append(
        conn,
        ctx,
        Some(c.center_id),
        ("case", &c.case_no),
        c.kind(),
        payload,
    )
    .await?;
    sqlx::query(
        "insert into notifications (center_id, department_code, case_no, kind, message, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(c.center_id)
    .bind(&c.department)
    .bind(&c.case_no)
    .bind(c.kind())
    .bind(&c.message)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(true)
}

pub(crate) async fn notifications(
    pool: &PgPool,
    center_id: i64,
    department: &str,
    limit: u32,
) -> Result<Vec<Notification>> {
    let rows: Vec<(i64, Option<String>, String, String, i64)> = sqlx::query_as(
        "select id, case_no, kind, message, created_at from notifications \
         where center_id = $1 and department_code = $2 order by id desc limit $3",
    )
    .bind(center_id)
    .bind(department)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|r| Notification {
            id: r.0,
            case_no: r.1,
            kind: r.2,
            message: r.3,
            created_at: crate::ms(r.4),
        })
        .collect())
}

type OrderRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

const ORDER_COLUMNS: &str = "id, number, case_no, department_code, matter_kind, warning, content, due_on, \
    issued_by, issued_at, reply, replied_at, escalated_at";

fn to_order(r: OrderRow) -> SupervisionOrder {
    SupervisionOrder {
        id: r.0,
        number: r.1,
        case_no: r.2,
        department: r.3,
        matter_kind: r.4,
        warning: r.5,
        content: r.6,
        due_on: parse_date(Some(r.7)).unwrap_or_default(),
        issued_by: r.8,
        issued_at: crate::ms(r.9),
        reply: r.10,
        replied_at: r.11.map(crate::ms),
        escalated_at: r.12.map(crate::ms),
    }
}

async fn order_by_id(conn: &mut PgConnection, id: i64) -> Result<Option<SupervisionOrder>> {
    let row: Option<OrderRow> = sqlx::query_as(&format!(
        "select {ORDER_COLUMNS} from supervision_orders where id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
    .map_err(db)?;
    Ok(row.map(to_order))
}

pub(crate) async fn issue_order(
    conn: &mut PgConnection,
    o: &NewOrder,
    ctx: &Ctx,
) -> Result<SupervisionOrder> {
    let now = ctx.now.timestamp_millis();
    let provisional = format!("DB-{}-{}", o.center_id, now);
    let id: i64 = sqlx::query_scalar(
        "insert into supervision_orders (center_id, number, case_no, department_code, matter_kind, warning, \
         content, reply_days, due_on, issued_by, issued_at, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11) returning id",
    )
    .bind(o.center_id)
    .bind(&provisional)
    .bind(&o.case_no)
    .bind(&o.department)
    .bind(&o.matter_kind)
    .bind(&o.warning)
    .bind(&o.content)
    .bind(i64::from(o.reply_days))
    .bind(o.due_on.to_string())
    .bind(&ctx.actor)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    let number = format!("DB-{}-{id:05}", o.center_id);
    sqlx::query("update supervision_orders set number = $2 where id = $1")
        .bind(id)
        .bind(&number)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    let payload = serde_json::json!({"order_id": id, "number": number, "content": o.content, "due_on": o.due_on.to_string(),
        "department": o.department, "warning": o.warning});
    events::append(
        conn,
        ctx,
        Some(o.center_id),
        ("case", &o.case_no),
        "supervision_order_issued",
        payload,
    )
    .await?;
    order_by_id(conn, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("督办单不存在".into()))
}

pub(crate) async fn reply_order(
    conn: &mut PgConnection,
    id: i64,
    reply: &str,
    ctx: &Ctx,
) -> Result<SupervisionOrder> {
    let o = order_by_id(conn, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("督办单不存在".into()))?;
    let done = sqlx::query(
        "update supervision_orders set reply = $2, replied_by = $3, replied_at = $4, updated_at = $4 \
         where id = $1 and replied_at is null",
    )
    .bind(id)
    .bind(reply)
    .bind(&ctx.actor)
    .bind(ctx.now.timestamp_millis())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict("该督办单已经回复".into()));
    }
    let payload = serde_json::json!({"order_id": id, "number": o.number, "reply": reply, "late": o.escalated_at.is_some()});
    let center =
        sqlx::query_scalar::<_, i64>("select center_id from supervision_orders where id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?;
    events::append(
        conn,
        ctx,
        Some(center),
        ("case", &o.case_no),
        "supervision_order_replied",
        payload,
    )
    .await?;
    order_by_id(conn, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("督办单不存在".into()))
}

pub(crate) async fn escalate_orders(
    conn: &mut PgConnection,
    today: NaiveDate,
    ctx: &Ctx,
) -> Result<Vec<SupervisionOrder>> {
    let now = ctx.now.timestamp_millis();
    let ids: Vec<(i64, i64)> = sqlx::query_as(
        "select id, center_id from supervision_orders where replied_at is null and escalated_at is null and due_on < $1",
    )
    .bind(today.to_string())
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let mut out = Vec::new();
    for (id, center) in ids {
        let done = sqlx::query(
            "update supervision_orders set escalated_at = $2, updated_at = $2 where id = $1 and escalated_at is null and replied_at is null",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            continue;
        }
        let Some(o) = order_by_id(conn, id).await? else {
            continue;
        };
        let payload = serde_json::json!({"order_id": id, "number": o.number, "due_on": o.due_on.to_string(),
                "department": o.department});
        events::append(
            conn,
            ctx,
            Some(center),
            ("case", &o.case_no),
            "supervision_order_escalated",
            payload,
        )
        .await?;
        sqlx::query(
            "insert into notifications (center_id, department_code, case_no, kind, message, created_at, updated_at) \
             values ($1, $2, $3, 'order_escalated', $4, $5, $5)",
        )
        .bind(center)
        .bind(&o.department)
        .bind(&o.case_no)
        .bind(format!("督办单 {} 逾期未回复（应于 {} 前回复），已升级督办", o.number, o.due_on))
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        out.push(o);
    }
    Ok(out)
}

pub(crate) async fn order(pool: &PgPool, id: i64) -> Result<Option<SupervisionOrder>> {
    let mut conn = pool.acquire().await.map_err(db)?;
    order_by_id(&mut conn, id).await
}

pub(crate) async fn orders_for_case(pool: &PgPool, case_no: &str) -> Result<Vec<SupervisionOrder>> {
    let rows: Vec<OrderRow> = sqlx::query_as(&format!(
        "select {ORDER_COLUMNS} from supervision_orders where case_no = $1 order by id"
    ))
    .bind(case_no)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    Ok(rows.into_iter().map(to_order).collect())
}
