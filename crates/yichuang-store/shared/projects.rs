// Investment-project SQL shared by the SQLite and PostgreSQL stores: each includes this file with
// its own `Conn` and `Pool` types. Not a module of `yichuang-store` itself.

use chrono::NaiveDate;
use serde_json::json;
use yichuang_store::{
    CaseNumbering, CaseWrite, Ctx, NewProject, NewStage, Project, ProjectStage, Result, Sealer,
    StoreError,
};

use crate::{db, events, ms};

/// Registers the project if new (same company only) and returns its id.
async fn upsert_project(conn: &mut Conn, p: &NewProject, ctx: &Ctx) -> Result<i64> {
    let existing: Option<(i64, String)> =
        sqlx::query_as("select id, coalesce(credit_index, '') from projects where code = $1")
            .bind(&p.code)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
    if let Some((id, credit)) = existing {
        if credit != ctx.sealer.index(&p.credit_code) {
            return Err(StoreError::Conflict(format!(
                "项目代码 {} 已登记在另一家企业名下",
                p.code
            )));
        }
        return Ok(id);
    }
    let now = ctx.now.timestamp_millis();
    let id: i64 = sqlx::query_scalar(
        "insert into projects (center_id, code, name, company_name, credit_code, location, \
         investment, industry, contact, created_at, updated_at, credit_index) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) returning id",
    )
    .bind(p.center_id)
    .bind(&p.code)
    .bind(&p.name)
    .bind(&p.company_name)
    .bind(ctx.sealer.seal(&p.credit_code)?)
    .bind(&p.location)
    .bind(&p.investment)
    .bind(&p.industry)
    .bind(ctx.sealer.seal(&p.contact)?)
    .bind(now)
    .bind(ctx.sealer.index(&p.credit_code))
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    events::append(
        conn,
        ctx,
        Some(p.center_id),
        ("project", &p.code),
        "project_registered",
        json!({"name": p.name, "company": p.company_name, "credit_code": p.credit_code}),
    )
    .await?;
    Ok(id)
}

pub(crate) async fn open_stage(
    conn: &mut Conn,
    p: &NewProject,
    s: &NewStage,
    cases: &[CaseWrite],
    numbering: &CaseNumbering,
    ctx: &Ctx,
) -> Result<Vec<String>> {
    let project_id = upsert_project(conn, p, ctx).await?;
    let now = ctx.now.timestamp_millis();
    sqlx::query(
        "insert into project_stages (project_id, stage, opened_on, limit_days, window_code, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(project_id)
    .bind(&s.stage)
    .bind(s.opened_on.to_string())
    .bind(i64::from(s.limit_days))
    .bind(&s.window)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(|e| match db(e) {
        StoreError::Conflict(_) => StoreError::Conflict("该项目的这一审批阶段已经受理过了".into()),
        other => other,
    })?;
    let mut numbers = Vec::with_capacity(cases.len());
    for w in cases {
        let no = crate::cases::next_case_no(
            conn,
            w.case.received.center_id,
            numbering.day,
            &numbering.prefix,
            now,
        )
        .await?;
        crate::cases::create(conn, &w.numbered(&no), ctx).await?;
        sqlx::query(
            "insert into project_cases (project_id, stage, case_no, matter_code, created_at, \
             updated_at) values ($1, $2, $3, $4, $5, $5)",
        )
        .bind(project_id)
        .bind(&s.stage)
        .bind(&no)
        .bind(&w.case.received.matter_code)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        numbers.push(no);
    }
    events::append(
        conn,
        ctx,
        Some(p.center_id),
        ("project", &p.code),
        "project_stage_opened",
        json!({"stage": s.stage, "limit_days": s.limit_days, "window": s.window, "cases": numbers}),
    )
    .await?;
    Ok(numbers)
}

type ProjectRow = (
    i64,
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
);

const PROJECT_COLUMNS: &str = "id, center_id, code, name, company_name, credit_code, location, \
    investment, industry, contact, created_at";

async fn fill(pool: &Pool, sealer: &Sealer, r: ProjectRow) -> Result<Project> {
    let stages: Vec<(String, String, i64, String)> = sqlx::query_as(
        "select stage, opened_on, limit_days, window_code from project_stages \
         where project_id = $1 order by id",
    )
    .bind(r.0)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    let cases: Vec<(String, String, String)> = sqlx::query_as(
        "select stage, case_no, matter_code from project_cases where project_id = $1 \
         order by case_no",
    )
    .bind(r.0)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    let agents: Vec<i64> =
        sqlx::query_scalar("select user_id from project_agents where project_id = $1 order by user_id")
            .bind(r.0)
            .fetch_all(pool)
            .await
            .map_err(db)?;
    Ok(Project {
        id: r.0,
        center_id: r.1,
        code: r.2,
        name: r.3,
        company_name: r.4,
        credit_code: sealer.open(&r.5)?,
        location: r.6,
        investment: r.7,
        industry: r.8,
        contact: sealer.open(&r.9)?,
        created_at: ms(r.10),
        stages: stages
            .into_iter()
            .map(|(stage, opened, limit, window)| ProjectStage {
                stage,
                opened_on: NaiveDate::parse_from_str(&opened, "%Y-%m-%d").unwrap_or_default(),
                limit_days: u32::try_from(limit).unwrap_or(0),
                window,
            })
            .collect(),
        cases,
        agents,
    })
}

pub(crate) async fn project(pool: &Pool, sealer: &Sealer, code: &str) -> Result<Option<Project>> {
    let row: Option<ProjectRow> = sqlx::query_as(&format!(
        "select {PROJECT_COLUMNS} from projects where code = $1"
    ))
    .bind(code)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    match row {
        Some(r) => Ok(Some(fill(pool, sealer, r).await?)),
        None => Ok(None),
    }
}

pub(crate) async fn projects(
    pool: &Pool,
    sealer: &Sealer,
    center_id: i64,
    credit_code: Option<&str>,
) -> Result<Vec<Project>> {
    let rows: Vec<ProjectRow> = match credit_code {
        Some(c) => sqlx::query_as(&format!(
            "select {PROJECT_COLUMNS} from projects where center_id = $1 and credit_index = $2 \
             order by id desc limit 200"
        ))
        .bind(center_id)
        .bind(sealer.index(c))
        .fetch_all(pool)
        .await
        .map_err(db)?,
        None => sqlx::query_as(&format!(
            "select {PROJECT_COLUMNS} from projects where center_id = $1 order by id desc limit 200"
        ))
        .bind(center_id)
        .fetch_all(pool)
        .await
        .map_err(db)?,
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(fill(pool, sealer, r).await?);
    }
    Ok(out)
}

pub(crate) async fn add_agent(conn: &mut Conn, project_id: i64, user_id: i64, ctx: &Ctx) -> Result<()> {
    let now = ctx.now.timestamp_millis();
    sqlx::query(
        "insert into project_agents (project_id, user_id, created_at, updated_at) \
         values ($1, $2, $3, $3) on conflict (project_id, user_id) do nothing",
    )
    .bind(project_id)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}
