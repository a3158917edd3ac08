//! Investment-project pages: the list, the stage application form of the investment window,
//! and a project's stages with their clocks, lights, parallel cases and blocking matters.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yichuang_core::CoreError;
use yichuang_core::projects::{ProjectView, StageApplication};
use yichuang_domain::project::Stage;

use super::Chrome;
use crate::error::AppError;
use crate::extract::{AnyStaff, CsrfForm, PagePath, PageQuery, PageStaff, StaffOrApplicant};
use crate::state::AppState;

fn light_label(light: &str) -> &'static str {
    match light {
        "red" => "红灯",
        "yellow" => "黄灯",
        _ => "绿灯",
    }
}

pub(crate) struct ProjectRow {
    code: String,
    name: String,
    company: String,
    stage: String,
    light: &'static str,
    light_class: String,
    blocking: usize,
}

fn row(v: &ProjectView) -> ProjectRow {
    let cur = v.current();
    ProjectRow {
        code: v.project.code.clone(),
        name: v.project.name.clone(),
        company: v.project.company_name.clone(),
        stage: cur.map_or_else(String::new, |s| s.stage.label().to_owned()),
        light: cur.map_or("", |s| light_label(s.clock.light)),
        light_class: cur.map_or_else(String::new, |s| s.clock.light.to_owned()),
        blocking: cur.map_or(0, |s| s.blocking.len()),
    }
}

/// The project list.
#[derive(Template, WebTemplate)]
#[template(path = "pages/projects.html")]
pub(crate) struct ListPage {
    chrome: Chrome,
    projects: Vec<ProjectRow>,
}

/// `GET /projects`.
pub(crate) async fn list(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    chrome: Chrome,
) -> Result<ListPage, AppError> {
    let list = state.core.projects_for(&staff.user).await?;
    Ok(ListPage {
        chrome,
        projects: list.iter().map(row).collect(),
    })
}

/// The stage application form.
#[derive(Template, WebTemplate)]
#[template(path = "pages/project_new.html")]
pub(crate) struct NewPage {
    chrome: Chrome,
    stages: Vec<(&'static str, &'static str)>,
    stage: String,
    matters: Vec<(String, String, String)>,
    form: ProjectForm,
    error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct ProjectForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    investment: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    stage: String,
}

async fn new_page(
    state: &AppState,
    user: &yichuang_domain::account::StaffUser,
    chrome: Chrome,
    form: ProjectForm,
    error: Option<String>,
) -> Result<NewPage, AppError> {
    let stage = Stage::parse(&form.stage).unwrap_or(Stage::LandPlanning);
    let matters = state
        .core
        .stage_matters(user.center_id, stage)
        .await?
        .into_iter()
        .map(|m| (m.code, m.name, m.department_name))
        .collect();
    Ok(NewPage {
        chrome,
        stages: Stage::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        stage: stage.code().to_owned(),
        matters,
        form,
        error,
    })
}

/// `GET /projects/new?stage=&code=…`: the form, with the matters of the chosen stage.
pub(crate) async fn new_form(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    chrome: Chrome,
    PageQuery(form): PageQuery<ProjectForm>,
) -> Result<NewPage, AppError> {
    new_page(&state, &staff.user, chrome, form, None).await
}

/// `POST /projects/new`: the form's fields plus every checked `matter`.
pub(crate) async fn create(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    chrome: Chrome,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let form = ProjectForm {
        code: get("code"),
        name: get("name"),
        company_name: get("company_name"),
        credit_code: get("credit_code"),
        contact_name: get("contact_name"),
        contact_phone: get("contact_phone"),
        location: get("location"),
        investment: get("investment"),
        industry: get("industry"),
        stage: get("stage"),
    };
    let app = StageApplication {
        code: form.code.clone(),
        name: form.name.clone(),
        company_name: form.company_name.clone(),
        credit_code: form.credit_code.clone(),
        location: form.location.clone(),
        investment: form.investment.clone(),
        industry: form.industry.clone(),
        contact_name: form.contact_name.clone(),
        contact_phone: form.contact_phone.clone(),
        stage: form.stage.clone(),
        matters: pairs
            .iter()
            .filter(|(k, _)| k == "matter")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    match state.core.open_project_stage(&staff.user, app).await {
        Ok(v) => Ok(Redirect::to(&format!("/projects/{}", v.project.code)).into_response()),
        Err(e @ CoreError::Internal(_)) => Err(e.into()),
        Err(e) => {
            let e = AppError::from(e);
            let status = e.status_and_code().0;
            let page =
                new_page(&state, &staff.user, chrome, form, Some(e.public_message())).await?;
            Ok((status, page).into_response())
        }
    }
}

pub(crate) struct StageCard {
    label: &'static str,
    opened_on: String,
    due: String,
    used: String,
    light: &'static str,
    light_class: &'static str,
    completed_on: Option<String>,
    cases: Vec<CaseLine>,
    blocking: Vec<String>,
}

pub(crate) struct CaseLine {
    case_no: String,
    matter: String,
    department: String,
    status: &'static str,
    light: &'static str,
    light_class: &'static str,
    done: bool,
}

/// A project.
#[derive(Template, WebTemplate)]
#[template(path = "pages/project.html")]
pub(crate) struct ProjectPage {
    chrome: Chrome,
    code: String,
    name: String,
    company: String,
    location: String,
    investment: String,
    staff: bool,
    stages: Vec<StageCard>,
}

/// `GET /projects/{code}` (staff with access, and the company's own account).
pub(crate) async fn show(
    State(state): State<AppState>,
    who: PageStaff<StaffOrApplicant>,
    chrome: Chrome,
    PagePath(code): PagePath<String>,
) -> Result<ProjectPage, AppError> {
    let v = state.core.project_for(&who.user, &code).await?;
    let names: std::collections::HashMap<String, String> = state
        .core
        .store()
        .departments(v.project.center_id)
        .await?
        .into_iter()
        .map(|(d, _)| (d.code, d.short_name))
        .collect();
    let stages = v
        .stages
        .iter()
        .rev()
        .map(|s| StageCard {
            label: s.stage.label(),
            opened_on: s.clock.opened_on.to_string(),
            due: s.clock.due.to_string(),
            used: format!("{} / {}", s.clock.used_days, s.clock.limit_days),
            light: light_label(s.clock.light),
            light_class: s.clock.light,
            completed_on: s.clock.finished_on.map(|d| d.to_string()),
            cases: s
                .cases
                .iter()
                .map(|c| CaseLine {
                    case_no: c.case_no.clone(),
                    matter: c.matter_name.clone(),
                    department: names.get(&c.department).cloned().unwrap_or_default(),
                    status: c.status.label(),
                    light: c.light.map_or("", light_label),
                    light_class: c.light.unwrap_or(""),
                    done: c.done,
                })
                .collect(),
            blocking: s
                .cases
                .iter()
                .filter(|c| !c.done)
                .map(|c| c.matter_name.clone())
                .collect(),
        })
        .collect();
    Ok(ProjectPage {
        chrome,
        code: v.project.code,
        name: v.project.name,
        company: v.project.company_name,
        location: v.project.location,
        investment: v.project.investment,
        staff: !who.user.is_applicant(),
        stages,
    })
}
