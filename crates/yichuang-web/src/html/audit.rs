//! The 审计管理员's page: the audit log with its filter and xlsx export, and the state of the
//! SM3 chain (the last check, and a button to check the whole chain now).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use yichuang_core::audit::AuditEntry;

use super::Chrome;
use crate::api::audit::AuditParams;
use crate::error::AppError;
use crate::extract::{AuditorOnly, CsrfForm, PageQuery, PageStaff};
use crate::state::AppState;

/// Rows shown on the page (the export takes up to 5000).
const PAGE_ROWS: u32 = 200;

#[derive(Template, WebTemplate)]
#[template(path = "pages/audit.html")]
pub(crate) struct AuditPage {
    chrome: Chrome,
    filter: AuditParams,
    entries: Vec<AuditEntry>,
    export_query: String,
    /// The last chain check, in words.
    chain: String,
    chain_ok: bool,
}

fn chain_words(state: &AppState) -> (String, bool) {
    match state.core.audit_last() {
        None => ("尚未校验审计链。".into(), true),
        Some(r) if r.intact() => (
            format!(
                "审计链完整：最近一次校验了 {} 条事件，未发现篡改。",
                r.checked()
            ),
            true,
        ),
        Some(r) => (super::audit_alarm_text(&r), false),
    }
}

/// `GET /audit`: the filtered log, newest first.
pub(crate) async fn page(
    State(state): State<AppState>,
    staff: PageStaff<AuditorOnly>,
    chrome: Chrome,
    PageQuery(filter): PageQuery<AuditParams>,
) -> Result<AuditPage, AppError> {
    let query = filter.query(PAGE_ROWS)?;
    let entries = state.core.audit_log(&staff.user, &query).await?;
    let export_query = serde_urlencoded::to_string(&filter).unwrap_or_default();
    let (chain, chain_ok) = chain_words(&state);
    Ok(AuditPage {
        chrome,
        filter,
        entries,
        export_query,
        chain,
        chain_ok,
    })
}

/// `GET /audit/export`: the same rows (up to 5000) as an Excel workbook.
pub(crate) async fn export(
    State(state): State<AppState>,
    staff: PageStaff<AuditorOnly>,
    PageQuery(filter): PageQuery<AuditParams>,
) -> Result<Response, AppError> {
    let query = filter.query(yichuang_core::audit::AUDIT_LIMIT)?;
    let entries = state.core.audit_log(&staff.user, &query).await?;
    let bytes = yichuang_core::audit::audit_xlsx(&entries)?;
    Ok(crate::api::reports::xlsx_response(bytes, "审计日志.xlsx").into_response())
}

/// `POST /audit/verify`: walks every chain from its first event, then shows the page.
pub(crate) async fn verify(
    State(state): State<AppState>,
    _staff: PageStaff<AuditorOnly>,
    CsrfForm(_): CsrfForm<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    state.core.verify_audit(1, None).await?;
    Ok(axum::response::Redirect::to("/audit").into_response())
}
