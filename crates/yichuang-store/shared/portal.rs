// 一网通办 and 电子证照库 SQL shared by the SQLite and PostgreSQL stores: each includes this file
// with its own `Conn` and `Pool` types. Not a module of `yichuang-store` itself.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::{QueryBuilder, Row};
use yichuang_domain::case::{ApplicantKind, IssuedLicense};
use yichuang_domain::mask::{mask_id, mask_phone};
use yichuang_store::{
    ApplicantProfile, Ctx, License, LicenseFilter, NewApplicant, NewLicense, Result, Sealer,
    StaffUserRecord, StoreError, StoredFile,
};

use crate::{db, events, ms};

fn kind_code(k: ApplicantKind) -> &'static str {
    match k {
        ApplicantKind::Person => "person",
        ApplicantKind::Org => "org",
    }
}

pub(crate) async fn create_applicant(
    conn: &mut Conn,
    a: &NewApplicant,
    ctx: &Ctx,
) -> Result<StaffUserRecord> {
    let record = crate::accounts::create(conn, &a.user, ctx)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::Conflict("该手机号已注册，请直接登录".into()),
            other => other,
        })?;
    let now = ctx.now.timestamp_millis();
    sqlx::query(
        "insert into applicants (user_id, kind, name, id_number, phone, id_index, phone_index, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(record.user.id)
    .bind(kind_code(a.kind))
    .bind(&a.name)
    .bind(ctx.sealer.seal(&a.id_number)?)
    .bind(ctx.sealer.seal(&a.phone)?)
    .bind(ctx.sealer.index(&a.id_number))
    .bind(ctx.sealer.index(&a.phone))
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(|e| match db(e) {
        StoreError::Conflict(_) => StoreError::Conflict(
            "该证件号码已注册过账号，请用原手机号登录或到窗口办理账号找回".into(),
        ),
        other => other,
    })?;
    events::append(
        conn,
        ctx,
        Some(a.user.center_id),
        ("applicant", &record.user.id.to_string()),
        "applicant_registered",
        json!({"kind": kind_code(a.kind), "id_number": mask_id(&a.id_number),
            "phone": mask_phone(&a.phone)}),
    )
    .await?;
    Ok(record)
}

pub(crate) async fn applicant_profile(
    pool: &Pool,
    sealer: &Sealer,
    user_id: i64,
) -> Result<Option<ApplicantProfile>> {
    profile_where(pool, sealer, "user_id = $1", user_id.to_string()).await
}

/// The profile registered with `id_number`, found through its blind index.
pub(crate) async fn applicant_by_id_number(
    pool: &Pool,
    sealer: &Sealer,
    id_number: &str,
) -> Result<Option<ApplicantProfile>> {
    profile_where(pool, sealer, "id_index = $1", sealer.index(id_number)).await
}

async fn profile_where(
    pool: &Pool,
    sealer: &Sealer,
    cond: &str,
    value: String,
) -> Result<Option<ApplicantProfile>> {
    // user_id is compared as text so that one query shape serves both lookups.
    let sql = format!(
        "select user_id, kind, name, id_number, phone from applicants where {}",
        cond.replace("user_id = $1", "cast(user_id as text) = $1")
    );
    let row: Option<(i64, String, String, String, String)> = sqlx::query_as(&sql)
        .bind(value)
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    let Some((user_id, kind, name, id_number, phone)) = row else {
        return Ok(None);
    };
    Ok(Some(ApplicantProfile {
        user_id,
        kind: if kind == "org" {
            ApplicantKind::Org
        } else {
            ApplicantKind::Person
        },
        name,
        id_number: sealer.open(&id_number)?,
        phone: sealer.open(&phone)?,
    }))
}

pub(crate) async fn save_code(
    conn: &mut Conn,
    phone: &str,
    code_hash: &str,
    expires_at: DateTime<Utc>,
    ctx: &Ctx,
) -> Result<()> {
    let now = ctx.now.timestamp_millis();
    sqlx::query(
        "insert into verification_codes (phone, code_hash, expires_at, attempts, created_at, \
         updated_at) values ($1, $2, $3, 0, $4, $4) on conflict (phone) do update set \
         code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0, \
         updated_at = excluded.updated_at",
    )
    // Keyed by the phone's blind index: the table never holds the number.
    .bind(ctx.sealer.index(phone))
    .bind(code_hash)
    .bind(expires_at.timestamp_millis())
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

pub(crate) async fn consume_code(
    conn: &mut Conn,
    phone: &str,
    code_hash: &str,
    max_attempts: u32,
    ctx: &Ctx,
) -> Result<bool> {
    let now = ctx.now.timestamp_millis();
    let phone = &ctx.sealer.index(phone);
    let row: Option<(String, i64, i64)> = sqlx::query_as(
        "select code_hash, expires_at, attempts from verification_codes where phone = $1",
    )
    .bind(phone)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    let Some((stored, expires_at, attempts)) = row else {
        return Ok(false);
    };
    if expires_at < now || attempts >= i64::from(max_attempts) {
        return Ok(false);
    }
    if stored == code_hash {
        sqlx::query("delete from verification_codes where phone = $1")
            .bind(phone)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        return Ok(true);
    }
    sqlx::query(
        "update verification_codes set attempts = attempts + 1, updated_at = $2 where phone = $1",
    )
    .bind(phone)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(false)
}

pub(crate) async fn create_file(conn: &mut Conn, f: &StoredFile, ctx: &Ctx) -> Result<()> {
    let now = ctx.now.timestamp_millis();
    sqlx::query(
        "insert into files (id, owner_user_id, sha256, size, content_type, name, created_at, \
         updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&f.id)
    .bind(f.owner)
    .bind(&f.sha256)
    .bind(i64::try_from(f.size).unwrap_or(i64::MAX))
    .bind(&f.content_type)
    .bind(&f.name)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

pub(crate) async fn file(pool: &Pool, id: &str) -> Result<Option<StoredFile>> {
    let row: Option<(String, i64, String, i64, String, String, i64)> = sqlx::query_as(
        "select id, owner_user_id, sha256, size, content_type, name, created_at from files \
         where id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    Ok(row.map(|r| StoredFile {
        id: r.0,
        owner: r.1,
        sha256: r.2,
        size: u64::try_from(r.3).unwrap_or(0),
        content_type: r.4,
        name: r.5,
        created_at: ms(r.6),
    }))
}

pub(crate) async fn insert_license(conn: &mut Conn, n: &NewLicense, ctx: &Ctx) -> Result<()> {
    let now = ctx.now.timestamp_millis();
    let l = &n.license;
    sqlx::query(
        "insert into licenses (center_id, number, type_code, type_name, holder_name, holder_id, \
         issuer, issued_on, expires_on, case_no, trust_level, source, status, created_at, \
         updated_at, holder_index) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         'valid', $13, $13, $14)",
    )
    .bind(n.center_id)
    .bind(&l.number)
    .bind(&l.type_code)
    .bind(&l.type_name)
    .bind(&l.holder_name)
    .bind(ctx.sealer.seal(&l.holder_id)?)
    .bind(&l.issuer)
    .bind(l.issued_on.to_string())
    .bind(l.expires_on.map(|d| d.to_string()))
    .bind(&n.case_no)
    .bind(&l.trust_level)
    .bind(&n.source)
    .bind(now)
    .bind(ctx.sealer.index(&l.holder_id))
    .execute(&mut *conn)
    .await
    .map_err(|e| match db(e) {
        StoreError::Conflict(_) => {
            StoreError::Conflict(format!("证照编号 {} 已在证照库中", l.number))
        }
        other => other,
    })?;
    if n.source != "case" {
        // Issued licences are already on their case's timeline; imports get their own event.
        events::append(
            conn,
            ctx,
            Some(n.center_id),
            ("license", &l.number),
            "license_imported",
            json!({"type": l.type_code, "holder_id": mask_id(&l.holder_id), "source": n.source}),
        )
        .await?;
    }
    Ok(())
}

const LICENSE_COLUMNS: &str = "id, center_id, number, type_code, type_name, holder_name, \
    holder_id, issuer, issued_on, expires_on, case_no, trust_level, source, status";

fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn to_license(r: &DbRow, sealer: &Sealer) -> Result<License> {
    let s = |c: &str| r.try_get::<String, _>(c).map_err(db);
    let issued = s("issued_on")?;
    Ok(License {
        id: r.try_get("id").map_err(db)?,
        center_id: r.try_get("center_id").map_err(db)?,
        license: IssuedLicense {
            number: s("number")?,
            type_code: s("type_code")?,
            type_name: s("type_name")?,
            holder_name: s("holder_name")?,
            holder_id: sealer.open(&s("holder_id")?)?,
            issuer: s("issuer")?,
            issued_on: parse_day(&issued).unwrap_or_default(),
            expires_on: r
                .try_get::<Option<String>, _>("expires_on")
                .map_err(db)?
                .and_then(|d| parse_day(&d)),
            trust_level: s("trust_level")?,
        },
        case_no: r.try_get("case_no").map_err(db)?,
        source: s("source")?,
        status: s("status")?,
    })
}

pub(crate) async fn licenses(
    pool: &Pool,
    sealer: &Sealer,
    f: &LicenseFilter,
) -> Result<Vec<License>> {
    let mut qb = QueryBuilder::new(format!(
        "select {LICENSE_COLUMNS} from licenses where center_id = "
    ));
    qb.push_bind(f.center_id);
    if let Some(h) = &f.holder_id {
        qb.push(" and holder_index = ");
        qb.push_bind(sealer.index(h));
    }
    if let Some(t) = &f.type_code {
        qb.push(" and type_code = ");
        qb.push_bind(t.clone());
    }
    qb.push(" order by id desc limit ");
    qb.push_bind(i64::from(f.limit.clamp(1, 1000)));
    let rows = qb.build().fetch_all(pool).await.map_err(db)?;
    rows.iter().map(|r| to_license(r, sealer)).collect()
}

pub(crate) async fn license(pool: &Pool, sealer: &Sealer, number: &str) -> Result<Option<License>> {
    let row = sqlx::query(&format!(
        "select {LICENSE_COLUMNS} from licenses where number = $1"
    ))
    .bind(number)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    row.as_ref().map(|r| to_license(r, sealer)).transpose()
}

pub(crate) async fn expiring(
    pool: &Pool,
    sealer: &Sealer,
    until: NaiveDate,
    limit: u32,
) -> Result<Vec<License>> {
    let rows = sqlx::query(&format!(
        "select {LICENSE_COLUMNS} from licenses where expiry_notified_at is null \
         and expires_on is not null and expires_on <= $1 and status = 'valid' \
         order by expires_on, id limit $2"
    ))
    .bind(until.to_string())
    .bind(i64::from(limit.max(1)))
    .fetch_all(pool)
    .await
    .map_err(db)?;
    rows.iter().map(|r| to_license(r, sealer)).collect()
}

pub(crate) async fn mark_notified(conn: &mut Conn, id: i64, ctx: &Ctx) -> Result<bool> {
    let now = ctx.now.timestamp_millis();
    let done = sqlx::query(
        "update licenses set expiry_notified_at = $2, updated_at = $2 where id = $1 \
         and expiry_notified_at is null",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}
