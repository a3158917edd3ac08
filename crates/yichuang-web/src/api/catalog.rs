//! Catalog endpoints: matters, guides, departments, windows. Public: a citizen needs no login to
//! read a guide.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yichuang_core::store::{MatterFilter, MatterSummary, MatterVersion};

use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;

/// Filters of the matter list.
#[derive(Deserialize, IntoParams)]
pub(crate) struct MatterQuery {
    /// A question in plain words (ranked by the search, only confident hits), or a matter code.
    q: Option<String>,
    /// Department code.
    department: Option<String>,
    /// Window group code.
    window_group: Option<String>,
    /// Page size (default 20, at most 500).
    limit: Option<u32>,
    /// Offset.
    offset: Option<u32>,
}

/// A department reference.
#[derive(Serialize, ToSchema)]
pub(crate) struct DeptRef {
    code: String,
    name: String,
}

/// A matter in a list.
#[derive(Serialize, ToSchema)]
pub(crate) struct MatterItem {
    code: String,
    name: String,
    department: DeptRef,
    /// 事项类型, e.g. 行政许可.
    kind: String,
    window_group: String,
    /// `immediate` (即办件) or `promised` (承诺件).
    handling: String,
    promised_limit_days: u32,
    legal_limit_days: u32,
    online_depth: u8,
    version: i64,
    /// Search confidence in 0..1 (only with `q`).
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f32>,
    /// The name with the matched words in `<mark>` (only with `q`).
    #[serde(skip_serializing_if = "Option::is_none")]
    name_html: Option<String>,
}

impl From<MatterSummary> for MatterItem {
    fn from(m: MatterSummary) -> Self {
        Self {
            code: m.code,
            name: m.name,
            department: DeptRef {
                code: m.department_code,
                name: m.department_name,
            },
            kind: m.kind,
            window_group: m.window_group,
            handling: m.handling.code().to_owned(),
            promised_limit_days: m.promised_limit_days,
            legal_limit_days: m.legal_limit_days,
            online_depth: m.online_depth,
            version: m.version,
            score: None,
            name_html: None,
        }
    }
}

impl From<yichuang_core::search::MatterHit> for MatterItem {
    fn from(h: yichuang_core::search::MatterHit) -> Self {
        let mut item = Self::from(h.matter);
        item.score = Some(h.score);
        item.name_html = Some(h.name_html);
        item
    }
}

/// A page of matters.
#[derive(Serialize, ToSchema)]
pub(crate) struct MatterList {
    items: Vec<MatterItem>,
    /// Matches in total.
    total: u64,
    /// For a question about another agency's service (护照, 驾照, 公积金): where it is handled.
    /// `items` is then empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    referral: Option<ReferralDto>,
}

/// A service the center does not handle (非本中心业务), and where it is handled.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReferralDto {
    /// The service, e.g. 护照、港澳台通行证、签证等出入境证件.
    service: String,
    /// Where it is handled.
    #[serde(rename = "where")]
    place: String,
    /// Anything else worth knowing.
    note: Option<String>,
    /// The whole answer in one sentence, as the pages show it.
    message: String,
}

impl From<yichuang_domain::catalog::Referral> for ReferralDto {
    fn from(r: yichuang_domain::catalog::Referral) -> Self {
        let message = format!(
            "{}不在本中心办理，请到{}办理。{}如需帮助，请到咨询服务台咨询。",
            r.service,
            r.place,
            r.note.as_deref().unwrap_or_default()
        );
        Self {
            service: r.service,
            place: r.place,
            note: r.note,
            message,
        }
    }
}

/// List matters.
#[utoipa::path(get, path = "/api/v1/matters", tag = "catalog", params(MatterQuery),
    responses((status = 200, body = MatterList), (status = 400, body = crate::api::ErrorBody)))]
pub(crate) async fn list_matters(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<MatterQuery>,
) -> Result<axum::Json<MatterList>, ApiError> {
    let center = state.core.default_center().await?;
    let question = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    // A matter code is looked up as such; anything else is a question for the search.
    if let Some(text) = question.filter(|t| !t.is_ascii()) {
        let limit = q.limit.unwrap_or(20).clamp(1, 100) as usize;
        let answer = state
            .core
            .search_answer(
                center.id,
                text,
                q.department.as_deref().filter(|s| !s.is_empty()),
                q.window_group.as_deref().filter(|s| !s.is_empty()),
                limit,
            )
            .await?;
        let total = answer.hits.len() as u64;
        return Ok(axum::Json(MatterList {
            items: answer.hits.into_iter().map(Into::into).collect(),
            total,
            referral: answer.referral.map(Into::into),
        }));
    }
    let filter = MatterFilter {
        q: q.q,
        department: q.department.filter(|s| !s.is_empty()),
        window_group: q.window_group.filter(|s| !s.is_empty()),
        limit: q.limit.unwrap_or(20),
        offset: q.offset.unwrap_or(0),
    };
    let (items, total) = state.core.list_matters(center.id, filter).await?;
    Ok(axum::Json(MatterList {
        items: items.into_iter().map(Into::into).collect(),
        total,
        referral: None,
    }))
}

/// One item of a guide's checklist.
#[derive(Serialize, ToSchema)]
pub(crate) struct MaterialDto {
    /// 0-based position in the checklist.
    index: usize,
    name: String,
    required: bool,
    /// original | copy | original_and_copy | electronic
    form: String,
    copies: u32,
    /// Licence type that replaces the paper, if any.
    license_type: Option<String>,
    note: Option<String>,
}

/// The result a matter produces.
#[derive(Serialize, ToSchema)]
pub(crate) struct ResultDto {
    name: String,
    /// license | document | payment | record
    kind: String,
    license_type: Option<String>,
}

/// A matter's full guide (办事指南).
#[derive(Serialize, ToSchema)]
pub(crate) struct MatterGuide {
    code: String,
    name: String,
    /// Version in force.
    version: i64,
    /// When this version took effect (RFC 3339).
    effective_from: String,
    department: DeptRef,
    kind: String,
    window_group: String,
    handling: String,
    promised_limit_days: u32,
    legal_limit_days: u32,
    fee: String,
    max_visits: u32,
    online_depth: u8,
    conditions: Vec<String>,
    legal_basis: Vec<String>,
    materials: Vec<MaterialDto>,
    /// The first is the intake step; the rest are back-office steps in order.
    steps: Vec<String>,
    result: ResultDto,
    /// Where, when and whom to ask (the center's values where the matter gives none).
    contact: ContactDto,
}

/// 办理地点、办理时间、咨询电话、监督投诉电话 (empty when the catalog gives none).
#[derive(Serialize, ToSchema)]
pub(crate) struct ContactDto {
    place: String,
    hours: String,
    consult_phone: String,
    complaint_phone: String,
}

fn enum_code<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn guide(v: MatterVersion, department_name: String) -> MatterGuide {
    let m = v.matter;
    MatterGuide {
        materials: m
            .materials
            .into_iter()
            .enumerate()
            .map(|(index, x)| MaterialDto {
                index,
                form: enum_code(&x.form),
                name: x.name,
                required: x.required,
                copies: x.copies,
                license_type: x.license_type,
                note: x.note,
            })
            .collect(),
        result: ResultDto {
            kind: enum_code(&m.result.kind),
            name: m.result.name,
            license_type: m.result.license_type,
        },
        contact: ContactDto {
            place: m.contact.place,
            hours: m.contact.hours,
            consult_phone: m.contact.consult_phone,
            complaint_phone: m.contact.complaint_phone,
        },
        code: m.code,
        name: m.name,
        version: v.version,
        effective_from: v.effective_from.to_rfc3339(),
        department: DeptRef {
            code: m.department,
            name: department_name,
        },
        kind: m.kind,
        window_group: m.window_group,
        handling: m.handling.code().to_owned(),
        promised_limit_days: m.promised_limit_days,
        legal_limit_days: m.legal_limit_days,
        fee: m.fee,
        max_visits: m.max_visits,
        online_depth: m.online_depth,
        conditions: m.conditions,
        legal_basis: m.legal_basis,
        steps: m.steps,
    }
}

/// A matter's guide.
#[utoipa::path(get, path = "/api/v1/matters/{code}", tag = "catalog",
    params(("code" = String, Path, description = "事项编码")),
    responses((status = 200, body = MatterGuide), (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn show_matter(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<axum::Json<MatterGuide>, ApiError> {
    let center = state.core.default_center().await?;
    let version = state.core.matter(center.id, &code).await?;
    let dept_name = state
        .core
        .store()
        .department(center.id, &version.matter.department)
        .await?
        .map(|d| d.name)
        .unwrap_or_default();
    Ok(axum::Json(guide(version, dept_name)))
}

/// A department.
#[derive(Serialize, ToSchema)]
pub(crate) struct DepartmentDto {
    code: String,
    name: String,
    short_name: String,
    in_center: bool,
    window_group: String,
    matter_count: u64,
}

/// List departments.
#[utoipa::path(get, path = "/api/v1/departments", tag = "catalog",
    responses((status = 200, body = [DepartmentDto])))]
pub(crate) async fn departments(
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<DepartmentDto>>, ApiError> {
    let center = state.core.default_center().await?;
    let rows = state.core.store().departments(center.id).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|(d, n)| DepartmentDto {
                code: d.code,
                name: d.name,
                short_name: d.short_name,
                in_center: d.in_center,
                window_group: d.window_group,
                matter_count: n,
            })
            .collect(),
    ))
}

/// A window.
#[derive(Serialize, ToSchema)]
pub(crate) struct WindowDto {
    code: String,
    name: String,
    group: String,
}

/// List windows.
#[utoipa::path(get, path = "/api/v1/windows", tag = "catalog",
    responses((status = 200, body = [WindowDto])))]
pub(crate) async fn windows(
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<WindowDto>>, ApiError> {
    let center = state.core.default_center().await?;
    let rows = state.core.store().windows(center.id).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|w| WindowDto {
                code: w.code,
                name: w.name,
                group: w.group,
            })
            .collect(),
    ))
}

/// A window group.
#[derive(Serialize, ToSchema)]
pub(crate) struct WindowGroupDto {
    code: String,
    name: String,
}

/// List window groups.
#[utoipa::path(get, path = "/api/v1/window-groups", tag = "catalog",
    responses((status = 200, body = [WindowGroupDto])))]
pub(crate) async fn window_groups(
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<WindowGroupDto>>, ApiError> {
    let center = state.core.default_center().await?;
    let rows = state.core.store().window_groups(center.id).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|g| WindowGroupDto {
                code: g.code,
                name: g.name,
            })
            .collect(),
    ))
}
