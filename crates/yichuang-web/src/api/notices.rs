//! Printable notices of a case over the API: the document, with the QR codes and links under
//! `[server] public_url`, and who issued it (window, clerk, the matter's phones).

use axum::extract::State;

use crate::error::ApiError;
use crate::extract::{ApiPath, ApiStaff, StaffOrApplicant};
use crate::state::AppState;

/// A printable notice (HTML, A4).
#[utoipa::path(get, path = "/api/v1/cases/{case_no}/notices/{kind}", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path), ("kind" = String, Path,
        description = "receipt | acceptance | refusal | correction | extension | special_procedure | decision | delivery")),
    responses((status = 200, content_type = "text/html"), (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn notice(
    State(state): State<AppState>,
    staff: ApiStaff<StaffOrApplicant>,
    headers: axum::http::HeaderMap,
    ApiPath((case_no, kind)): ApiPath<(String, String)>,
) -> Result<axum::response::Html<String>, ApiError> {
    let d = state.core.case_for(&staff.user, &case_no).await?;
    let center = state.core.center(None).await?;
    let r = &d.case.received;
    let clerk = d.case.accepted_by.as_deref().unwrap_or(&d.case.received_by);
    let mut issuer = crate::notice::Issuer::default();
    if let Some(w) = state
        .core
        .windows(r.center_id)
        .await?
        .iter()
        .find(|w| w.code == r.window)
    {
        issuer.window.clone_from(&w.name);
    }
    if let Some(u) = state
        .core
        .store()
        .users(r.center_id)
        .await?
        .into_iter()
        .find(|u| u.user.username == clerk)
    {
        issuer.clerk = u.user.display_name;
    }
    // The matter may have been changed since; its current guide gives today's phones.
    if let Ok(v) = state.core.matter(r.center_id, &r.matter_code).await {
        issuer.consult_phone = v.matter.contact.consult_phone;
        issuer.complaint_phone = v.matter.contact.complaint_phone;
    }
    let doc = crate::notice::build(&d, &kind, &center.name, &issuer)?;
    // An online case's QR leads to the applicant's own page of it; others to the progress query.
    let base = crate::notice::base_url(state.settings.public_url.as_deref(), &headers);
    let (url, short) = if d.case.received.owner.is_some() {
        (
            crate::notice::case_url(&base, &case_no),
            format!("或登录 {base}/my 查看“我的办件”"),
        )
    } else {
        (
            crate::notice::progress_url(&base, &case_no, &d.case.received.applicant.name),
            format!("或访问 {base}/progress 输入办件编号查询"),
        )
    };
    // Each printed 送达回证 carries a fresh invitation to rate the case (applicants rate theirs
    // on their own page).
    let rate = if kind == "delivery" && !staff.user.is_applicant() {
        let token = state.core.invite_to_rate(&staff.user, &case_no).await?;
        Some(crate::notice::rate_url(&base, &token))
    } else {
        None
    };
    Ok(axum::response::Html(crate::notice::render(
        doc,
        &url,
        &short,
        rate.as_deref(),
    )?))
}
