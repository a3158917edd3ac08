//! Staff users, login failures with temporary lockout, and sessions.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{SqliteConnection, SqlitePool};
use yichuang_domain::account::{StaffUser, roles_from_str, roles_to_string};
use yichuang_store::{
    Ctx, NewSession, NewUser, Result, Session, SessionKind, StaffUserRecord, StoreError,
};

use crate::{db, events, ms};

type UserRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
);

/// id, username, display_name, roles, department, window, center_id, expires_at, kind,
/// last seen.
type SessionRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
    String,
    i64,
);

const USER_COLUMNS: &str = "u.id, u.center_id, u.username, u.display_name, u.password_hash, \
    u.roles, u.department_code, u.window_code, u.failed_logins, u.locked_until";

fn to_record(r: UserRow) -> StaffUserRecord {
    StaffUserRecord {
        user: StaffUser {
            id: r.0,
            center_id: r.1,
            username: r.2,
            display_name: r.3,
            roles: roles_from_str(&r.5),
            department: r.6,
            window: r.7,
        },
        password_hash: r.4,
        failed_logins: u32::try_from(r.8).unwrap_or(u32::MAX),
        locked_until: r.9.map(ms),
    }
}

pub(crate) async fn create(
    conn: &mut SqliteConnection,
    u: &NewUser,
    ctx: &Ctx,
) -> Result<StaffUserRecord> {
    let now = ctx.now.timestamp_millis();
    let id: i64 = sqlx::query_scalar(
        "insert into users (center_id, username, display_name, password_hash, roles, \
         department_code, window_code, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning id",
    )
    .bind(u.center_id)
    .bind(&u.username)
    .bind(&u.display_name)
    .bind(&u.password_hash)
    .bind(roles_to_string(&u.roles))
    .bind(&u.department)
    .bind(&u.window)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| match db(e) {
        StoreError::Conflict(_) => StoreError::Conflict(format!("用户名 {} 已存在", u.username)),
        other => other,
    })?;
    let payload = json!({"roles": roles_to_string(&u.roles), "department": u.department,
        "window": u.window, "display_name": u.display_name});
    events::append(
        conn,
        ctx,
        Some(u.center_id),
        ("user", &u.username),
        "user_created",
        payload,
    )
    .await?;
    Ok(StaffUserRecord {
        user: StaffUser {
            id,
            center_id: u.center_id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            roles: u.roles.clone(),
            department: u.department.clone(),
            window: u.window.clone(),
        },
        password_hash: u.password_hash.clone(),
        failed_logins: 0,
        locked_until: None,
    })
}

pub(crate) async fn by_username(
    pool: &SqlitePool,
    username: &str,
) -> Result<Option<StaffUserRecord>> {
    let row: Option<UserRow> = sqlx::query_as(&format!(
        "select {USER_COLUMNS} from users u where u.username = $1"
    ))
    .bind(username)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    Ok(row.map(to_record))
}

pub(crate) async fn list(pool: &SqlitePool, center_id: i64) -> Result<Vec<StaffUserRecord>> {
    let rows: Vec<UserRow> = sqlx::query_as(&format!(
        "select {USER_COLUMNS} from users u where u.center_id = $1 order by u.username"
    ))
    .bind(center_id)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    Ok(rows.into_iter().map(to_record).collect())
}

pub(crate) async fn login_failed(
    conn: &mut SqliteConnection,
    user_id: i64,
    max_failures: u32,
    lock_until: DateTime<Utc>,
    ctx: &Ctx,
) -> Result<bool> {
    let now = ctx.now.timestamp_millis();
    let (failures, username, center_id): (i64, String, i64) = sqlx::query_as(
        "update users set failed_logins = failed_logins + 1, updated_at = $2 where id = $1 \
         returning failed_logins, username, center_id",
    )
    .bind(user_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    let locked = failures >= i64::from(max_failures);
    let subject = ("user", username.as_str());
    events::append(
        conn,
        ctx,
        Some(center_id),
        subject,
        "login_failed",
        json!({"failures": failures}),
    )
    .await?;
    if locked {
        sqlx::query(
            "update users set failed_logins = 0, locked_until = $2, updated_at = $3 where id = $1",
        )
        .bind(user_id)
        .bind(lock_until.timestamp_millis())
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        let payload = json!({"until": lock_until.to_rfc3339()});
        events::append(
            conn,
            ctx,
            Some(center_id),
            subject,
            "account_locked",
            payload,
        )
        .await?;
    }
    Ok(locked)
}

pub(crate) async fn start_session(
    conn: &mut SqliteConnection,
    s: &NewSession,
    ctx: &Ctx,
) -> Result<()> {
    let now = ctx.now.timestamp_millis();
    let (username, center_id): (String, i64) = sqlx::query_as(
        "update users set failed_logins = 0, locked_until = null, updated_at = $2 where id = $1 \
         returning username, center_id",
    )
    .bind(s.user_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    // Housekeeping: the user's expired sessions are dead rows; drop them while we hold the lock.
    sqlx::query("delete from sessions where user_id = $1 and expires_at <= $2")
        .bind(s.user_id)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    sqlx::query(
        "insert into sessions (token_hash, user_id, kind, expires_at, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&s.token_hash)
    .bind(s.user_id)
    .bind(s.kind.code())
    .bind(s.expires_at.timestamp_millis())
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    let payload = json!({"kind": s.kind.code(), "expires_at": s.expires_at.to_rfc3339()});
    events::append(
        conn,
        ctx,
        Some(center_id),
        ("user", &username),
        "login",
        payload,
    )
    .await
}

pub(crate) async fn session(
    pool: &SqlitePool,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Session>> {
    let row: Option<SessionRow> = sqlx::query_as(
        "select u.id, u.username, u.display_name, u.roles, \
             u.department_code, u.window_code, u.center_id, s.expires_at, s.kind, s.updated_at \
             from sessions s join users u on u.id = s.user_id \
             where s.token_hash = $1 and s.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now.timestamp_millis())
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    Ok(row.map(|r| Session {
        user: StaffUser {
            id: r.0,
            center_id: r.6,
            username: r.1,
            display_name: r.2,
            roles: roles_from_str(&r.3),
            department: r.4,
            window: r.5,
        },
        kind: if r.8 == "api" {
            SessionKind::Api
        } else {
            SessionKind::Cookie
        },
        expires_at: ms(r.7),
        last_seen_at: ms(r.9),
    }))
}

pub(crate) async fn touch_session(
    pool: &SqlitePool,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("update sessions set updated_at = $2 where token_hash = $1 and updated_at < $2")
        .bind(token_hash)
        .bind(now.timestamp_millis())
        .execute(pool)
        .await
        .map_err(db)?;
    Ok(())
}

pub(crate) async fn end_session(
    conn: &mut SqliteConnection,
    token_hash: &str,
    ctx: &Ctx,
) -> Result<()> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "select u.username, u.center_id from sessions s join users u on u.id = s.user_id \
         where s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    let Some((username, center_id)) = row else {
        return Ok(());
    };
    sqlx::query("delete from sessions where token_hash = $1")
        .bind(token_hash)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    events::append(
        conn,
        ctx,
        Some(center_id),
        ("user", &username),
        "logout",
        json!({}),
    )
    .await
}
