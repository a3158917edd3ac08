//! The hall queue: numbering, fair calling under concurrency (row locks and `SKIP LOCKED`),
//! ticket transitions.

use chrono::NaiveDate;
use serde_json::json;
use sqlx::{PgConnection, PgPool, QueryBuilder};
use yichuang_domain::queue::{CallClass, TicketKind, TicketStatus, next_class, ticket_number};
use yichuang_store::{
    Appointment, CallRequest, Ctx, NewAppointment, NewTicket, Result, StoreError, Ticket,
};

use crate::{db, events, ms};
use yichuang_store::Sealer;

/// The answer to a second waiting ticket of one holder in one group.
const ONE_WAITING: &str = "该证件号码在此类业务已有等候中的号，请勿重复取号";
/// The answer to a second booking of one holder in one group on one day.
const ONE_BOOKING: &str = "您当天已预约了此类业务";

const COLUMNS: &str = "id, center_id, day, group_code, number, kind, status, issued_at, \
    callable_at, queue_at, target_window, window_code, called_at, started_at, finished_at, \
    no_show_at, recalls, case_no, clerk";

fn to_ticket(r: sqlx::postgres::PgRow) -> Result<Ticket> {
    use sqlx::Row;
    let get = |e: sqlx::Error| db(e);
    let kind: String = r.try_get("kind").map_err(get)?;
    let status: String = r.try_get("status").map_err(get)?;
    let day: String = r.try_get("day").map_err(get)?;
    let opt = |name: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        Ok(r.try_get::<Option<i64>, _>(name).map_err(db)?.map(ms))
    };
    Ok(Ticket {
        id: r.try_get("id").map_err(get)?,
        center_id: r.try_get("center_id").map_err(get)?,
        day: NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|e| StoreError::Other(anyhow::anyhow!("bad ticket day {day}: {e}")))?,
        group: r.try_get("group_code").map_err(get)?,
        number: r.try_get("number").map_err(get)?,
        kind: TicketKind::parse(&kind)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("bad kind {kind}")))?,
        status: TicketStatus::parse(&status)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("bad status {status}")))?,
        issued_at: ms(r.try_get("issued_at").map_err(get)?),
        callable_at: ms(r.try_get("callable_at").map_err(get)?),
        queue_at: ms(r.try_get("queue_at").map_err(get)?),
        target_window: r.try_get("target_window").map_err(get)?,
        window: r.try_get("window_code").map_err(get)?,
        clerk: r.try_get("clerk").map_err(get)?,
        called_at: opt("called_at")?,
        started_at: opt("started_at")?,
        finished_at: opt("finished_at")?,
        no_show_at: opt("no_show_at")?,
        recalls: u32::try_from(r.try_get::<i64, _>("recalls").map_err(get)?).unwrap_or(0),
        case_no: r.try_get("case_no").map_err(get)?,
    })
}

async fn by_id(conn: &mut PgConnection, id: i64) -> Result<Ticket> {
    let row = sqlx::query(&format!("select {COLUMNS} from tickets where id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await
        .map_err(db)?;
    to_ticket(row)
}

pub(crate) async fn issue(conn: &mut PgConnection, t: &NewTicket, ctx: &Ctx) -> Result<Ticket> {
    let now = ctx.now.timestamp_millis();
    let day = t.day.to_string();
    let seq: i64 = sqlx::query_scalar(
        "insert into ticket_counters (center_id, day, group_code, last, created_at, updated_at) \
         values ($1, $2, $3, 1, $4, $4) on conflict (center_id, day, group_code) do update set \
         last = ticket_counters.last + 1, updated_at = excluded.updated_at returning last",
    )
    .bind(t.center_id)
    .bind(&day)
    .bind(&t.group)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    let number = ticket_number(t.kind, &t.group, seq);
    if let Some(old) = &t.also_held_as {
        let held: i64 = sqlx::query_scalar(
            "select count(*) from tickets where center_id = $1 and group_code = $2 \
             and id_hash = $3 and status in ('waiting', 'called')",
        )
        .bind(t.center_id)
        .bind(&t.group)
        .bind(old)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        if held > 0 {
            return Err(StoreError::Conflict(ONE_WAITING.into()));
        }
    }
    let id: i64 = sqlx::query_scalar(
        "insert into tickets (center_id, day, group_code, number, kind, status, id_hash, \
         issued_at, callable_at, queue_at, created_at, updated_at, holder_id) \
         values ($1, $2, $3, $4, $5, 'waiting', $6, $7, $8, $7, $7, $7, $9) returning id",
    )
    .bind(t.center_id)
    .bind(&day)
    .bind(&t.group)
    .bind(&number)
    .bind(t.kind.code())
    .bind(&t.id_hash)
    .bind(now)
    .bind(t.callable_at.timestamp_millis())
    .bind(
        t.holder_id
            .as_deref()
            .map(|id| ctx.sealer.seal(id))
            .transpose()?,
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| match db(e) {
        StoreError::Conflict(_) => StoreError::Conflict(ONE_WAITING.into()),
        other => other,
    })?;
    let payload = json!({"number": number, "group": t.group, "kind": t.kind.code()});
    events::append(
        conn,
        ctx,
        Some(t.center_id),
        ("ticket", &id.to_string()),
        "ticket_issued",
        payload,
    )
    .await?;
    by_id(conn, id).await
}

/// Appends the "callable now for this window" conditions.
fn push_callable(qb: &mut QueryBuilder<'_, sqlx::Postgres>, req: &CallRequest, now: i64) {
    qb.push(" from tickets where center_id = ");
    qb.push_bind(req.center_id);
    qb.push(" and status = 'waiting' and callable_at <= ");
    qb.push_bind(now);
    qb.push(" and (target_window is null or target_window = ");
    qb.push_bind(req.window.clone());
    qb.push(") and group_code in (");
    let mut sep = qb.separated(", ");
    for g in &req.groups {
        sep.push_bind(g.clone());
    }
    sep.push_unseparated(")");
}

async fn has_kind(
    conn: &mut PgConnection,
    req: &CallRequest,
    now: i64,
    kind: TicketKind,
) -> Result<bool> {
    // Existence, not a count: the waiting line can be thousands long.
    let mut qb = QueryBuilder::new("select id");
    push_callable(&mut qb, req, now);
    qb.push(" and kind = ");
    qb.push_bind(kind.code());
    qb.push(" limit 1");
    let found: Option<i64> = qb
        .build_query_scalar()
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    Ok(found.is_some())
}

pub(crate) async fn call_next(
    conn: &mut PgConnection,
    req: &CallRequest,
    ctx: &Ctx,
) -> Result<Option<Ticket>> {
    if req.groups.is_empty() {
        return Ok(None);
    }
    let now = ctx.now.timestamp_millis();
    sqlx::query(
        "insert into window_states (center_id, window_code, paused, cycle, created_at, updated_at) \
         values ($1, $2, false, 0, $3, $3) on conflict (center_id, window_code) do nothing",
    )
    .bind(req.center_id)
    .bind(&req.window)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    let (paused, cycle): (bool, i64) = sqlx::query_as(
        // The window's row lock serialises calls of the same window; tickets are claimed with
        // SKIP LOCKED so that different windows never wait for or take the same ticket.
        "select paused, cycle from window_states where center_id = $1 and window_code = $2 \
         for update",
    )
    .bind(req.center_id)
    .bind(&req.window)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    if paused {
        return Ok(None);
    }
    let appointment = has_kind(conn, req, now, TicketKind::Appointment).await?;
    let priority = has_kind(conn, req, now, TicketKind::Priority).await?;
    let normal = has_kind(conn, req, now, TicketKind::Normal).await?;
    let cycle = u32::try_from(cycle).unwrap_or(0);
    let Some((class, next_cycle)) = next_class(cycle, req.ratio, appointment, priority, normal)
    else {
        return Ok(None);
    };
    let kind = match class {
        CallClass::Appointment => TicketKind::Appointment,
        CallClass::Priority => TicketKind::Priority,
        CallClass::Normal => TicketKind::Normal,
    };
    let mut qb = QueryBuilder::new("select id");
    push_callable(&mut qb, req, now);
    qb.push(" and kind = ");
    qb.push_bind(kind.code());
    qb.push(" order by callable_at, queue_at, id limit 1 for update skip locked");
    let Some(id): Option<i64> = qb
        .build_query_scalar()
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
    else {
        return Ok(None);
    };
    sqlx::query(
        "update tickets set status = 'called', window_code = $2, called_at = $3, updated_at = $3, \
         clerk = $4 \
         where id = $1 and status = 'waiting'",
    )
    .bind(id)
    .bind(&req.window)
    .bind(now)
    .bind(&ctx.actor)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    sqlx::query("update window_states set cycle = $3, updated_at = $4 where center_id = $1 and window_code = $2")
        .bind(req.center_id)
        .bind(&req.window)
        .bind(i64::from(next_cycle))
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    let ticket = by_id(conn, id).await?;
    let payload = json!({"number": ticket.number, "window": req.window, "group": ticket.group});
    events::append(
        conn,
        ctx,
        Some(req.center_id),
        ("ticket", &id.to_string()),
        "ticket_called",
        payload,
    )
    .await?;
    Ok(Some(ticket))
}

pub(crate) async fn update(
    conn: &mut PgConnection,
    t: &Ticket,
    expected: TicketStatus,
    kind: &str,
    payload: serde_json::Value,
    ctx: &Ctx,
) -> Result<()> {
    let opt = |v: Option<chrono::DateTime<chrono::Utc>>| v.map(|t| t.timestamp_millis());
    let done = sqlx::query(
        "update tickets set status = $3, group_code = $4, queue_at = $5, target_window = $6, \
         window_code = $7, called_at = $8, started_at = $9, finished_at = $10, no_show_at = $11, \
         recalls = $12, case_no = $13, updated_at = $14, clerk = $15, \
         holder_id = case when $3 in ('finished', 'no_show') then null else holder_id end \
         where id = $1 and status = $2",
    )
    .bind(t.id)
    .bind(expected.code())
    .bind(t.status.code())
    .bind(&t.group)
    .bind(t.queue_at.timestamp_millis())
    .bind(&t.target_window)
    .bind(&t.window)
    .bind(opt(t.called_at))
    .bind(opt(t.started_at))
    .bind(opt(t.finished_at))
    .bind(opt(t.no_show_at))
    .bind(i64::from(t.recalls))
    .bind(&t.case_no)
    .bind(ctx.now.timestamp_millis())
    .bind(&t.clerk)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict(
            "该号的状态已变化，请刷新后重试".into(),
        ));
    }
    events::append(
        conn,
        ctx,
        Some(t.center_id),
        ("ticket", &t.id.to_string()),
        kind,
        payload,
    )
    .await
}

/// The holder's ID number typed at the kiosk, opened.
pub(crate) async fn holder(pool: &PgPool, sealer: &Sealer, id: i64) -> Result<Option<String>> {
    let stored: Option<Option<String>> =
        sqlx::query_scalar("select holder_id from tickets where id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(db)?;
    stored.flatten().map(|s| sealer.open(&s)).transpose()
}

pub(crate) async fn get(pool: &PgPool, id: i64) -> Result<Option<Ticket>> {
    let row = sqlx::query(&format!("select {COLUMNS} from tickets where id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    row.map(to_ticket).transpose()
}

pub(crate) async fn list(
    pool: &PgPool,
    center_id: i64,
    day: NaiveDate,
    statuses: &[TicketStatus],
) -> Result<Vec<Ticket>> {
    let mut qb = QueryBuilder::new(format!("select {COLUMNS} from tickets where center_id = "));
    qb.push_bind(center_id);
    qb.push(" and day = ");
    qb.push_bind(day.to_string());
    if !statuses.is_empty() {
        qb.push(" and status in (");
        let mut sep = qb.separated(", ");
        for s in statuses {
            sep.push_bind(s.code());
        }
        sep.push_unseparated(")");
    }
    qb.push(" order by queue_at, id");
    let rows = qb.build().fetch_all(pool).await.map_err(db)?;
    rows.into_iter().map(to_ticket).collect()
}

/// The latest ticket called or being served at `window` on `day`.
pub(crate) async fn at_window(
    pool: &PgPool,
    center_id: i64,
    day: NaiveDate,
    window: &str,
) -> Result<Option<Ticket>> {
    let row = sqlx::query(&format!(
        "select {COLUMNS} from tickets where center_id = $1 and day = $2 and window_code = $3 \
         and status in ('called', 'serving') order by called_at desc, id desc limit 1"
    ))
    .bind(center_id)
    .bind(day.to_string())
    .bind(window)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    row.map(to_ticket).transpose()
}

pub(crate) async fn set_paused(
    conn: &mut PgConnection,
    center_id: i64,
    window: &str,
    paused: bool,
    ctx: &Ctx,
) -> Result<()> {
    let now = ctx.now.timestamp_millis();
    sqlx::query(
        "insert into window_states (center_id, window_code, paused, cycle, created_at, updated_at) \
         values ($1, $2, $3, 0, $4, $4) on conflict (center_id, window_code) do update set \
         paused = excluded.paused, updated_at = excluded.updated_at",
    )
    .bind(center_id)
    .bind(window)
    .bind(paused)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    let kind = if paused {
        "window_paused"
    } else {
        "window_resumed"
    };
    events::append(
        conn,
        ctx,
        Some(center_id),
        ("window", window),
        kind,
        json!({}),
    )
    .await
}

pub(crate) async fn paused(pool: &PgPool, center_id: i64, window: &str) -> Result<bool> {
    let v: Option<bool> = sqlx::query_scalar(
        "select paused from window_states where center_id = $1 and window_code = $2",
    )
    .bind(center_id)
    .bind(window)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    Ok(v.unwrap_or(false))
}

type AppointmentRow = (
    i64,
    i64,
    String,
    String,
    i64,
    i64,
    String,
    String,
    Option<i64>,
);

const APPOINTMENT_COLUMNS: &str =
    "id, center_id, group_code, day, slot_start, slot_end, id_hash, status, ticket_id";

fn to_appointment(r: AppointmentRow) -> Result<Appointment> {
    Ok(Appointment {
        id: r.0,
        center_id: r.1,
        group: r.2,
        day: NaiveDate::parse_from_str(&r.3, "%Y-%m-%d")
            .map_err(|e| StoreError::Other(anyhow::anyhow!("bad appointment day: {e}")))?,
        slot_start: ms(r.4),
        slot_end: ms(r.5),
        id_hash: r.6,
        status: r.7,
        ticket_id: r.8,
    })
}

async fn appointment_by_id(conn: &mut PgConnection, id: i64) -> Result<Option<Appointment>> {
    let row: Option<AppointmentRow> = sqlx::query_as(&format!(
        "select {APPOINTMENT_COLUMNS} from appointments where id = $1 for update"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
    .map_err(db)?;
    row.map(to_appointment).transpose()
}

pub(crate) async fn book(
    conn: &mut PgConnection,
    a: &NewAppointment,
    ctx: &Ctx,
) -> Result<Appointment> {
    let now = ctx.now.timestamp_millis();
    // Serialise bookings of one slot: count and insert in the same transaction.
    let booked: i64 = sqlx::query_scalar(
        "select count(*) from appointments where center_id = $1 and group_code = $2 \
         and slot_start = $3 and status <> 'cancelled'",
    )
    .bind(a.center_id)
    .bind(&a.group)
    .bind(a.slot_start.timestamp_millis())
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    if booked >= i64::from(a.capacity) {
        return Err(StoreError::Conflict("该时段已约满，请选择其他时段".into()));
    }
    if let Some(old) = &a.also_held_as {
        let held: i64 = sqlx::query_scalar(
            "select count(*) from appointments where center_id = $1 and group_code = $2 \
             and day = $3 and id_hash = $4 and status = 'booked'",
        )
        .bind(a.center_id)
        .bind(&a.group)
        .bind(a.day.to_string())
        .bind(old)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        if held > 0 {
            return Err(StoreError::Conflict(ONE_BOOKING.into()));
        }
    }
    let id: i64 = sqlx::query_scalar(
        "insert into appointments (center_id, group_code, day, slot_start, slot_end, id_hash, name, \
         phone, status, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, 'booked', $9, $9) \
         returning id",
    )
    .bind(a.center_id)
    .bind(&a.group)
    .bind(a.day.to_string())
    .bind(a.slot_start.timestamp_millis())
    .bind(a.slot_end.timestamp_millis())
    .bind(&a.id_hash)
    .bind(&a.name)
    .bind(ctx.sealer.seal(&a.phone)?)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| match db(e) {
        StoreError::Conflict(_) => StoreError::Conflict(ONE_BOOKING.into()),
        other => other,
    })?;
    let payload = json!({"group": a.group, "day": a.day.to_string(), "slot_start": a.slot_start.to_rfc3339()});
    events::append(
        conn,
        ctx,
        Some(a.center_id),
        ("appointment", &id.to_string()),
        "appointment_booked",
        payload,
    )
    .await?;
    appointment_by_id(conn, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("预约不存在".into()))
}

pub(crate) async fn appointment(pool: &PgPool, id: i64) -> Result<Option<Appointment>> {
    let row: Option<AppointmentRow> = sqlx::query_as(&format!(
        "select {APPOINTMENT_COLUMNS} from appointments where id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    row.map(to_appointment).transpose()
}

pub(crate) async fn booked(
    pool: &PgPool,
    center_id: i64,
    group: &str,
    day: NaiveDate,
) -> Result<Vec<Appointment>> {
    let rows: Vec<AppointmentRow> = sqlx::query_as(&format!(
        "select {APPOINTMENT_COLUMNS} from appointments where center_id = $1 and group_code = $2 \
         and day = $3 and status <> 'cancelled' order by slot_start, id"
    ))
    .bind(center_id)
    .bind(group)
    .bind(day.to_string())
    .fetch_all(pool)
    .await
    .map_err(db)?;
    rows.into_iter().map(to_appointment).collect()
}

pub(crate) async fn cancel(conn: &mut PgConnection, id: i64, ctx: &Ctx) -> Result<()> {
    let a = appointment_by_id(conn, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("预约不存在".into()))?;
    let done = sqlx::query(
        "update appointments set status = 'cancelled', id_hash = '-', updated_at = $2 \
         where id = $1 and status = 'booked'",
    )
    .bind(id)
    .bind(ctx.now.timestamp_millis())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict(
            "该预约已取消或已取号，不能再取消".into(),
        ));
    }
    events::append(
        conn,
        ctx,
        Some(a.center_id),
        ("appointment", &id.to_string()),
        "appointment_cancelled",
        json!({}),
    )
    .await
}

pub(crate) async fn check_in(
    conn: &mut PgConnection,
    id: i64,
    t: &NewTicket,
    ctx: &Ctx,
) -> Result<Ticket> {
    let ticket = issue(conn, t, ctx).await?;
    let done = sqlx::query(
        "update appointments set status = 'checked_in', ticket_id = $2, id_hash = '-', \
         updated_at = $3 \
         where id = $1 and status = 'booked'",
    )
    .bind(id)
    .bind(ticket.id)
    .bind(ctx.now.timestamp_millis())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict("该预约已取消或已取号".into()));
    }
    Ok(ticket)
}

pub(crate) async fn waiting_ahead(pool: &PgPool, t: &Ticket) -> Result<u64> {
    let n: i64 = sqlx::query_scalar(
        "select count(*) from tickets where center_id = $1 and day = $2 and group_code = $3 \
         and status = 'waiting' and (queue_at < $4 or (queue_at = $4 and id < $5))",
    )
    .bind(t.center_id)
    .bind(t.day.to_string())
    .bind(&t.group)
    .bind(t.queue_at.timestamp_millis())
    .bind(t.id)
    .fetch_one(pool)
    .await
    .map_err(db)?;
    Ok(n.unsigned_abs())
}

pub(crate) async fn waiting_counts(
    pool: &PgPool,
    center_id: i64,
    day: NaiveDate,
) -> Result<Vec<(String, u64)>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "select group_code, count(*) from tickets where center_id = $1 and day = $2 \
         and status = 'waiting' group by group_code",
    )
    .bind(center_id)
    .bind(day.to_string())
    .fetch_all(pool)
    .await
    .map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|(g, n)| (g, n.unsigned_abs()))
        .collect())
}
