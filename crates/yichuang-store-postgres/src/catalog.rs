//! Catalog import with matter versioning, and catalog reads.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool, QueryBuilder};
use yichuang_domain::catalog::{
    Catalog, Department, Handling, LicenseType, Matter, Referral, Region, Window, WindowGroup,
};
use yichuang_store::{
    Ctx, ImportReport, MatterFilter, MatterSummary, MatterVersion, Progress, Result, StoreError,
};

use crate::{db, events, ms};

/// A value bound into an upsert.
enum Val<'a> {
    S(&'a str),
    I(i64),
    B(bool),
}

/// Runs one upsert that changes the row only when its content differs, and reports whether it
/// did (an unchanged re-import must change nothing). Binds `center`, then `vals`, then `now`.
async fn upsert(
    conn: &mut PgConnection,
    sql: &str,
    center: i64,
    vals: &[Val<'_>],
    now: i64,
) -> Result<u64> {
    let mut q = sqlx::query(sql).bind(center);
    for v in vals {
        q = match v {
            Val::S(s) => q.bind(*s),
            Val::I(i) => q.bind(*i),
            Val::B(b) => q.bind(*b),
        };
    }
    Ok(q.bind(now).execute(conn).await.map_err(db)?.rows_affected())
}

pub(crate) async fn import(
    conn: &mut PgConnection,
    center_id: i64,
    catalog: &Catalog,
    ctx: &Ctx,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    let now = ctx.now.timestamp_millis();
    let mut report = ImportReport::default();
    report.reference_rows_changed += sqlx::query(
        "update centers set region_code = $2, region_name = $3, updated_at = $4 where id = $1 \
         and (region_code is null or region_code <> $2 or region_name <> $3)",
    )
    .bind(center_id)
    .bind(&catalog.region.code)
    .bind(&catalog.region.name)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?
    .rows_affected();
    let referrals = serde_json::to_string(&catalog.elsewhere)
        .map_err(|e| StoreError::Other(anyhow::anyhow!("referrals: {e}")))?;
    report.reference_rows_changed += sqlx::query(
        "update centers set referrals = $2, updated_at = $3 where id = $1 and referrals <> $2",
    )
    .bind(center_id)
    .bind(&referrals)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?
    .rows_affected();
    for (i, g) in catalog.window_groups.iter().enumerate() {
        let pos = i64::try_from(i).unwrap_or(i64::MAX);
        report.reference_rows_changed += upsert(
            conn,
            "insert into window_groups (center_id, code, name, position, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $5) on conflict (center_id, code) do update set \
             name = excluded.name, position = excluded.position, updated_at = excluded.updated_at \
             where window_groups.name <> excluded.name \
             or window_groups.position <> excluded.position",
            center_id,
            &[Val::S(&g.code), Val::S(&g.name), Val::I(pos)],
            now,
        )
        .await?;
    }
    for (i, d) in catalog.departments.iter().enumerate() {
        let pos = i64::try_from(i).unwrap_or(i64::MAX);
        report.reference_rows_changed += upsert(
            conn,
            "insert into departments (center_id, code, name, short_name, in_center, window_group, \
             position, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             on conflict (center_id, code) do update set name = excluded.name, \
             short_name = excluded.short_name, in_center = excluded.in_center, \
             window_group = excluded.window_group, position = excluded.position, \
             updated_at = excluded.updated_at \
             where departments.name <> excluded.name or departments.position <> excluded.position \
             or departments.short_name <> excluded.short_name \
             or departments.in_center <> excluded.in_center \
             or departments.window_group <> excluded.window_group",
            center_id,
            &[
                Val::S(&d.code),
                Val::S(&d.name),
                Val::S(&d.short_name),
                Val::B(d.in_center),
                Val::S(&d.window_group),
                Val::I(pos),
            ],
            now,
        )
        .await?;
    }
    for w in &catalog.windows {
        report.reference_rows_changed += upsert(
            conn,
            "insert into windows (center_id, code, name, group_code, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $5) on conflict (center_id, code) do update set \
             name = excluded.name, group_code = excluded.group_code, \
             updated_at = excluded.updated_at \
             where windows.name <> excluded.name or windows.group_code <> excluded.group_code",
            center_id,
            &[Val::S(&w.code), Val::S(&w.name), Val::S(&w.group)],
            now,
        )
        .await?;
    }
    for l in &catalog.license_types {
        report.reference_rows_changed += upsert(
            conn,
            "insert into license_types (center_id, code, name, issuer, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $5) on conflict (center_id, code) do update set \
             name = excluded.name, issuer = excluded.issuer, updated_at = excluded.updated_at \
             where license_types.name <> excluded.name or license_types.issuer <> excluded.issuer",
            center_id,
            &[Val::S(&l.code), Val::S(&l.name), Val::S(&l.issuer)],
            now,
        )
        .await?;
    }

    let existing: Vec<(String, i64, String, i64)> = sqlx::query_as(
        "select code, version, content_hash, position from matters where center_id = $1",
    )
    .bind(center_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let existing: HashMap<String, (i64, String, i64)> = existing
        .into_iter()
        .map(|(c, v, h, p)| (c, (v, h, p)))
        .collect();

    for (i, m) in catalog.matters.iter().enumerate() {
        let position = i64::try_from(i).unwrap_or(i64::MAX);
        let hash = m.content_hash();
        match existing.get(&m.code) {
            Some((_, h, p)) if *h == hash => {
                report.matters_unchanged += 1;
                if *p != position {
                    sqlx::query(
                        "update matters set position = $3 where center_id = $1 and code = $2",
                    )
                    .bind(center_id)
                    .bind(&m.code)
                    .bind(position)
                    .execute(&mut *conn)
                    .await
                    .map_err(db)?;
                }
            }
            previous => {
                let version = previous.map_or(1, |(v, _, _)| v + 1);
                write_version(conn, center_id, m, version, &hash, position, now).await?;
                if version == 1 {
                    report.matters_created += 1;
                } else {
                    report.matters_versioned += 1;
                }
                let payload = json!({"version": version, "content_hash": hash, "name": m.name});
                events::append(
                    conn,
                    ctx,
                    Some(center_id),
                    ("matter", &m.code),
                    "matter_version_created",
                    payload,
                )
                .await?;
            }
        }
        progress(position.unsigned_abs() + 1);
    }
    if report.changed() {
        let payload = serde_json::to_value(&report).unwrap_or_default();
        let subject = ("catalog", catalog.region.code.as_str());
        events::append(
            conn,
            ctx,
            Some(center_id),
            subject,
            "catalog_imported",
            payload,
        )
        .await?;
    }
    Ok(report)
}

async fn write_version(
    conn: &mut PgConnection,
    center_id: i64,
    m: &Matter,
    version: i64,
    hash: &str,
    position: i64,
    now: i64,
) -> Result<()> {
    let guide = serde_json::to_string(m).map_err(|e| StoreError::Other(e.into()))?;
    sqlx::query(
        "insert into matter_versions (center_id, matter_code, version, effective_from, \
         content_hash, guide, created_at) values ($1, $2, $3, $4, $5, $6, $4)",
    )
    .bind(center_id)
    .bind(&m.code)
    .bind(version)
    .bind(now)
    .bind(hash)
    .bind(guide)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    sqlx::query(
        "insert into matters (center_id, code, name, department_code, kind, window_group, \
         handling, promised_limit_days, legal_limit_days, online_depth, version, content_hash, \
         position, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) \
         on conflict (center_id, code) do update set name = excluded.name, \
         department_code = excluded.department_code, kind = excluded.kind, \
         window_group = excluded.window_group, handling = excluded.handling, \
         promised_limit_days = excluded.promised_limit_days, \
         legal_limit_days = excluded.legal_limit_days, online_depth = excluded.online_depth, \
         version = excluded.version, content_hash = excluded.content_hash, \
         position = excluded.position, updated_at = excluded.updated_at",
    )
    .bind(center_id)
    .bind(&m.code)
    .bind(&m.name)
    .bind(&m.department)
    .bind(&m.kind)
    .bind(&m.window_group)
    .bind(m.handling.code())
    .bind(i64::from(m.promised_limit_days))
    .bind(i64::from(m.legal_limit_days))
    .bind(i64::from(m.online_depth))
    .bind(version)
    .bind(hash)
    .bind(position)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

type SummaryRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
);

/// Escapes LIKE wildcards so that a user's `%` or `_` matches literally.
fn like_pattern(q: &str) -> String {
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Appends the filter's conditions; only the filters given become SQL, so the planner can use
/// the `(center_id, department_code, position)` and `(center_id, window_group, position)` indexes.
fn push_filter(qb: &mut QueryBuilder<'_, sqlx::Postgres>, center_id: i64, f: &MatterFilter) {
    qb.push(
        " from matters m join departments d \
         on d.center_id = m.center_id and d.code = m.department_code where m.center_id = ",
    );
    qb.push_bind(center_id);
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = like_pattern(q);
        qb.push(" and (m.name like ");
        qb.push_bind(pattern.clone());
        qb.push(" escape '\\' or m.code like ");
        qb.push_bind(pattern);
        qb.push(" escape '\\')");
    }
    if let Some(d) = &f.department {
        qb.push(" and m.department_code = ");
        qb.push_bind(d.clone());
    }
    if let Some(g) = &f.window_group {
        qb.push(" and m.window_group = ");
        qb.push_bind(g.clone());
    }
}

pub(crate) async fn list(
    pool: &PgPool,
    center_id: i64,
    f: &MatterFilter,
) -> Result<(Vec<MatterSummary>, u64)> {
    // One query returns the page and, through a window function, the number of matches.
    let mut qb = QueryBuilder::new(
        "select m.code, m.name, m.department_code, d.name, m.kind, m.window_group, m.handling, \
         m.promised_limit_days, m.legal_limit_days, m.online_depth, m.version, count(*) over ()",
    );
    push_filter(&mut qb, center_id, f);
    qb.push(" order by m.position limit ");
    qb.push_bind(i64::from(f.limit));
    qb.push(" offset ");
    qb.push_bind(i64::from(f.offset));
    let rows: Vec<SummaryRow> = qb.build_query_as().fetch_all(pool).await.map_err(db)?;
    let total = match rows.first() {
        Some(r) => r.11.unsigned_abs(),
        None if f.offset == 0 => 0,
        None => {
            // A page past the end: count separately so the caller still learns the total.
            let mut qb = QueryBuilder::new("select count(*)");
            push_filter(&mut qb, center_id, f);
            let n: i64 = qb.build_query_scalar().fetch_one(pool).await.map_err(db)?;
            n.unsigned_abs()
        }
    };
    let items = rows
        .into_iter()
        .map(|r| MatterSummary {
            code: r.0,
            name: r.1,
            department_code: r.2,
            department_name: r.3,
            kind: r.4,
            window_group: r.5,
            handling: if r.6 == "immediate" {
                Handling::Immediate
            } else {
                Handling::Promised
            },
            promised_limit_days: u32::try_from(r.7).unwrap_or(0),
            legal_limit_days: u32::try_from(r.8).unwrap_or(0),
            online_depth: u8::try_from(r.9).unwrap_or(0),
            version: r.10,
        })
        .collect();
    Ok((items, total))
}

pub(crate) async fn version(
    pool: &PgPool,
    center_id: i64,
    code: &str,
    version: Option<i64>,
) -> Result<Option<MatterVersion>> {
    let row: Option<(i64, i64, String, String)> = sqlx::query_as(
        "select v.version, v.effective_from, v.content_hash, v.guide from matter_versions v \
         where v.center_id = $1 and v.matter_code = $2 and v.version = coalesce($3, \
         (select m.version from matters m where m.center_id = $1 and m.code = $2))",
    )
    .bind(center_id)
    .bind(code)
    .bind(version)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    let Some((version, effective_from, content_hash, guide)) = row else {
        return Ok(None);
    };
    let matter: Matter = serde_json::from_str(&guide).map_err(|e| {
        StoreError::Other(anyhow::anyhow!("stored guide of {code} is corrupt: {e}"))
    })?;
    Ok(Some(MatterVersion {
        matter,
        version,
        effective_from: ms(effective_from),
        content_hash,
    }))
}

pub(crate) async fn history(
    pool: &PgPool,
    center_id: i64,
    code: &str,
) -> Result<Vec<(i64, DateTime<Utc>)>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "select version, effective_from from matter_versions \
         where center_id = $1 and matter_code = $2 order by version",
    )
    .bind(center_id)
    .bind(code)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    Ok(rows.into_iter().map(|(v, at)| (v, ms(at))).collect())
}

pub(crate) async fn region(pool: &PgPool, center_id: i64) -> Result<Option<Region>> {
    let row: Option<(Option<String>, Option<String>)> =
        sqlx::query_as("select region_code, region_name from centers where id = $1")
            .bind(center_id)
            .fetch_optional(pool)
            .await
            .map_err(db)?;
    Ok(row.and_then(|(c, n)| Some(Region { code: c?, name: n? })))
}

pub(crate) async fn referrals(pool: &PgPool, center_id: i64) -> Result<Vec<Referral>> {
    let row: Option<String> = sqlx::query_scalar("select referrals from centers where id = $1")
        .bind(center_id)
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    let Some(json) = row else {
        return Ok(Vec::new());
    };
    serde_json::from_str(&json).map_err(|e| {
        StoreError::Other(anyhow::anyhow!(
            "stored referrals of center {center_id} are corrupt: {e}"
        ))
    })
}

pub(crate) async fn window_groups(pool: &PgPool, center_id: i64) -> Result<Vec<WindowGroup>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "select code, name from window_groups where center_id = $1 order by position",
    )
    .bind(center_id)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|(code, name)| WindowGroup { code, name })
        .collect())
}

pub(crate) async fn departments(pool: &PgPool, center_id: i64) -> Result<Vec<(Department, u64)>> {
    let rows: Vec<(String, String, String, bool, String, i64)> = sqlx::query_as(
        "select d.code, d.name, d.short_name, d.in_center, d.window_group, \
         (select count(*) from matters m where m.center_id = d.center_id \
          and m.department_code = d.code) \
         from departments d where d.center_id = $1 order by d.position",
    )
    .bind(center_id)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|(code, name, short_name, in_center, window_group, n)| {
            (
                Department {
                    code,
                    name,
                    short_name,
                    in_center,
                    window_group,
                },
                n.unsigned_abs(),
            )
        })
        .collect())
}

pub(crate) async fn department(
    pool: &PgPool,
    center_id: i64,
    code: &str,
) -> Result<Option<Department>> {
    let row: Option<(String, String, String, bool, String)> = sqlx::query_as(
        "select code, name, short_name, in_center, window_group from departments \
         where center_id = $1 and code = $2",
    )
    .bind(center_id)
    .bind(code)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    Ok(row.map(
        |(code, name, short_name, in_center, window_group)| Department {
            code,
            name,
            short_name,
            in_center,
            window_group,
        },
    ))
}

pub(crate) async fn windows(pool: &PgPool, center_id: i64) -> Result<Vec<Window>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "select code, name, group_code from windows where center_id = $1 order by code",
    )
    .bind(center_id)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|(code, name, group)| Window { code, name, group })
        .collect())
}

pub(crate) async fn license_types(pool: &PgPool, center_id: i64) -> Result<Vec<LicenseType>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "select code, name, issuer from license_types where center_id = $1 order by code",
    )
    .bind(center_id)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|(code, name, issuer)| LicenseType { code, name, issuer })
        .collect())
}
