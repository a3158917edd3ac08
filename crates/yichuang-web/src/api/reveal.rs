//! The audited reveal of an applicant's full ID number and phone.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::{ApiPath, ApiStaff, Policy};
use crate::state::AppState;

/// The applicant's full ID number and phone, unmasked.
#[derive(Serialize, ToSchema)]
pub(crate) struct Revealed {
    /// 居民身份证号码 or 统一社会信用代码.
    pub(crate) id_number: String,
    /// Contact phone.
    pub(crate) phone: String,
}

/// Who may unmask an applicant's data: the window that verifies identity, the approver who
/// may need to call, the issuer who hands over the result, and administrators.
pub(crate) struct Revealers;
impl Policy for Revealers {
    const ROLES: &'static [yichuang_domain::account::Role] = &[
        yichuang_domain::account::Role::Admin,
        yichuang_domain::account::Role::Clerk,
        yichuang_domain::account::Role::Approver,
        yichuang_domain::account::Role::Issuer,
    ];
}

/// Show the applicant's full ID number and phone. Every use is written to the case's log
/// (`personal_data_revealed`, who and when), so unmasking is never silent.
#[utoipa::path(post, path = "/api/v1/cases/{case_no}/reveal", tag = "cases",
    params(("case_no" = String, Path, description = "办件编号")),
    responses((status = 200, body = Revealed), (status = 403, body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn reveal(
    State(state): State<AppState>,
    staff: ApiStaff<Revealers>,
    ApiPath(case_no): ApiPath<String>,
) -> Result<axum::Json<Revealed>, ApiError> {
    let a = state.core.reveal_applicant(&staff.user, &case_no).await?;
    Ok(axum::Json(Revealed {
        id_number: a.id_number,
        phone: a.phone,
    }))
}
