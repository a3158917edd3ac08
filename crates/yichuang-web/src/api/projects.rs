//! Investment-project API: a stage application at the investment window opens parallel cases;
//! the project answers with its stage clock, light, cases and what blocks the stage.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use yichuang_core::projects::{ProjectView, StageApplication, StageView};

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiStaff, StaffOrApplicant};
use crate::state::AppState;

/// The company of a project.
#[derive(Deserialize, ToSchema)]
pub(crate) struct CompanyBody {
    name: String,
    credit_code: String,
}

/// A stage application.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ProjectBody {
    /// National project code, e.g. `2019-341800-47-01-000123`.
    code: String,
    name: String,
    company: CompanyBody,
    /// land_planning | construction_permit | construction | completion
    stage: String,
    /// Matter codes of the stage that apply.
    matters: Vec<String>,
    /// `{name, phone}` or `"姓名 电话"`.
    #[schema(value_type = Object)]
    applicant_contact: Value,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    investment: Option<String>,
    #[serde(default)]
    industry: Option<String>,
}

/// Splits a contact given as an object or as "name phone".
fn contact(v: &Value) -> (String, String) {
    match v {
        Value::Object(o) => (
            o.get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            o.get("phone")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        ),
        Value::String(s) => {
            let s = s.trim();
            match s.rsplit_once(char::is_whitespace) {
                Some((name, phone)) => (name.trim().to_owned(), phone.to_owned()),
                None => (String::new(), s.to_owned()),
            }
        }
        _ => (String::new(), String::new()),
    }
}

/// One parallel case.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProjectCaseDto {
    case_no: String,
    matter_code: String,
    matter_name: String,
    department: String,
    status: String,
    status_label: String,
    /// green | yellow | red (clocked cases).
    light: Option<String>,
    done: bool,
}

/// A stage.
#[derive(Serialize, ToSchema)]
pub(crate) struct StageDto {
    stage: String,
    stage_label: String,
    opened_on: String,
    limit_days: u32,
    due: String,
    used_days: i64,
    /// green | yellow | red
    light: String,
    completed: bool,
    completed_on: Option<String>,
    cases: Vec<ProjectCaseDto>,
    blocking: Vec<String>,
}

impl From<&StageView> for StageDto {
    fn from(s: &StageView) -> Self {
        Self {
            stage: s.stage.code().into(),
            stage_label: s.stage.label().into(),
            opened_on: s.clock.opened_on.to_string(),
            limit_days: s.clock.limit_days,
            due: s.clock.due.to_string(),
            used_days: s.clock.used_days,
            light: s.clock.light.into(),
            completed: s.clock.finished_on.is_some(),
            completed_on: s.clock.finished_on.map(|d| d.to_string()),
            cases: s
                .cases
                .iter()
                .map(|c| ProjectCaseDto {
                    case_no: c.case_no.clone(),
                    matter_code: c.matter_code.clone(),
                    matter_name: c.matter_name.clone(),
                    department: c.department.clone(),
                    status: c.status.code().into(),
                    status_label: c.status.label().into(),
                    light: c.light.map(str::to_owned),
                    done: c.done,
                })
                .collect(),
            blocking: s.blocking.clone(),
        }
    }
}

/// A project: the current stage's fields at the top level, every stage under `stages`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProjectDto {
    project_code: String,
    name: String,
    company: String,
    credit_code: String,
    stage: Option<String>,
    light: Option<String>,
    due: Option<String>,
    completed: bool,
    cases: Vec<ProjectCaseDto>,
    blocking: Vec<String>,
    stages: Vec<StageDto>,
}

impl From<ProjectView> for ProjectDto {
    fn from(v: ProjectView) -> Self {
        let stages: Vec<StageDto> = v.stages.iter().map(StageDto::from).collect();
        let current = v.current().map(StageDto::from);
        let p = v.project;
        Self {
            project_code: p.code,
            name: p.name,
            company: p.company_name,
            credit_code: yichuang_domain::mask::mask_id(&p.credit_code),
            stage: current.as_ref().map(|s| s.stage.clone()),
            light: current.as_ref().map(|s| s.light.clone()),
            due: current.as_ref().map(|s| s.due.clone()),
            completed: current.as_ref().is_some_and(|s| s.completed),
            blocking: current
                .as_ref()
                .map(|s| s.blocking.clone())
                .unwrap_or_default(),
            cases: current.map(|s| s.cases).unwrap_or_default(),
            stages,
        }
    }
}

/// Accept a stage application (投资项目综合窗口): one case per matter, in parallel.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])),
    request_body = ProjectBody,
    responses((status = 201, body = ProjectDto), (status = 403, body = crate::api::ErrorBody),
        (status = 409, body = crate::api::ErrorBody),
        (status = 422, description = "invalid_project_code / invalid_credit_code / wrong_stage / not_investment_matter", body = crate::api::ErrorBody)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiJson(b): ApiJson<ProjectBody>,
) -> Result<(StatusCode, axum::Json<ProjectDto>), ApiError> {
    let (contact_name, contact_phone) = contact(&b.applicant_contact);
    let app = StageApplication {
        code: b.code,
        name: b.name,
        company_name: b.company.name,
        credit_code: b.company.credit_code,
        location: b.location.unwrap_or_default(),
        investment: b.investment.unwrap_or_default(),
        industry: b.industry.unwrap_or_default(),
        contact_name,
        contact_phone,
        stage: b.stage,
        matters: b.matters,
    };
    let view = state.core.open_project_stage(&staff.user, app).await?;
    Ok((StatusCode::CREATED, axum::Json(view.into())))
}

/// A project with its stage clock, light, cases and blocking list.
#[utoipa::path(get, path = "/api/v1/projects/{code}", tag = "projects", security(("bearer" = [])),
    params(("code" = String, Path)),
    responses((status = 200, body = ProjectDto), (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    who: ApiStaff<StaffOrApplicant>,
    ApiPath(code): ApiPath<String>,
) -> Result<axum::Json<ProjectDto>, ApiError> {
    Ok(axum::Json(
        state.core.project_for(&who.user, &code).await?.into(),
    ))
}

/// Projects of the center (staff) or of the company (its own account).
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])),
    responses((status = 200, body = [ProjectDto])))]
pub(crate) async fn list(
    State(state): State<AppState>,
    who: ApiStaff<StaffOrApplicant>,
) -> Result<axum::Json<Vec<ProjectDto>>, ApiError> {
    let list = state.core.projects_for(&who.user).await?;
    Ok(axum::Json(list.into_iter().map(ProjectDto::from).collect()))
}

/// A 帮办/代办 assignment.
#[derive(Deserialize, ToSchema)]
pub(crate) struct AgentBody {
    username: String,
}

/// Assign a 帮办/代办 staff member to a project.
#[utoipa::path(post, path = "/api/v1/projects/{code}/agents", tag = "projects", security(("bearer" = [])),
    params(("code" = String, Path)), request_body = AgentBody,
    responses((status = 200, body = ProjectDto), (status = 400, body = crate::api::ErrorBody)))]
pub(crate) async fn add_agent(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiPath(code): ApiPath<String>,
    ApiJson(b): ApiJson<AgentBody>,
) -> Result<axum::Json<ProjectDto>, ApiError> {
    Ok(axum::Json(
        state
            .core
            .assign_project_agent(&staff.user, &code, &b.username)
            .await?
            .into(),
    ))
}
