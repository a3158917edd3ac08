//! 一网通办 API: applicant registration, uploads, online applications, the applicant's own cases
//! and licences, and the 电子证照库 for staff.

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use yichuang_core::CoreError;
use yichuang_core::portal::{Application, LicenseImport, Registration};
use yichuang_core::store::License;
use yichuang_domain::mask::{mask_id, mask_phone};

use crate::api::cases::CaseDto;
use crate::error::ApiError;
use crate::extract::{
    AdminOnly, ApiJson, ApiPath, ApiQuery, ApiStaff, ApplicantOnly, ClientIp, StaffOrApplicant,
};
use crate::state::AppState;

/// A phone to send a code to.
#[derive(Deserialize, ToSchema)]
pub(crate) struct VerificationBody {
    phone: String,
}

/// Send a 6-digit registration code through the notifier.
#[utoipa::path(post, path = "/api/v1/applicants/verification", tag = "portal",
    request_body = VerificationBody,
    responses((status = 202, description = "已发送"), (status = 422, body = crate::api::ErrorBody),
        (status = 429, description = "同一手机号每分钟 1 次、每小时 5 次、每天 10 次；同一地址每小时 20 次 (rate_limited)，见 Retry-After", body = crate::api::ErrorBody)))]
pub(crate) async fn send_code(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<VerificationBody>,
) -> Result<(StatusCode, axum::Json<Value>), ApiError> {
    state.core.send_verification_code(&body.phone, ip).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(json!({"sent": true, "phone": mask_phone(body.phone.trim())})),
    ))
}

/// A registration.
#[derive(Deserialize, ToSchema)]
pub(crate) struct RegistrationBody {
    phone: String,
    code: String,
    password: String,
    /// person | org
    #[serde(rename = "type")]
    kind: String,
    name: String,
    id_number: Option<String>,
    credit_code: Option<String>,
}

impl From<RegistrationBody> for Registration {
    fn from(b: RegistrationBody) -> Self {
        Self {
            phone: b.phone,
            code: b.code,
            password: b.password,
            kind: b.kind,
            name: b.name,
            id_number: b.id_number,
            credit_code: b.credit_code,
        }
    }
}

/// Register an applicant account (phone + code + real-name data).
#[utoipa::path(post, path = "/api/v1/applicants", tag = "portal",
    request_body = RegistrationBody,
    responses((status = 201, description = "已注册"), (status = 409, body = crate::api::ErrorBody),
        (status = 422, description = "invalid_code / invalid_id_number / invalid_credit_code", body = crate::api::ErrorBody)))]
pub(crate) async fn register(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RegistrationBody>,
) -> Result<(StatusCode, axum::Json<Value>), ApiError> {
    let user = state.core.register_applicant(body.into()).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(
            json!({"id": user.id, "username": mask_phone(&user.username),
            "name": user.display_name}),
        ),
    ))
}

/// A stored upload.
#[derive(Serialize, ToSchema)]
pub(crate) struct FileDto {
    file_id: String,
    sha256: String,
    size: u64,
    content_type: String,
    name: String,
}

/// Reads the one file part of a multipart upload.
pub(crate) async fn read_upload(mut mp: Multipart) -> Result<(String, Vec<u8>), CoreError> {
    let too_large = || CoreError::TooLarge("文件太大，每个文件不超过 10 MB".into());
    while let Some(field) = mp.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            CoreError::invalid("file", "上传内容无法读取，请重新选择文件")
        }
    })? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("材料").to_owned();
        let bytes = field.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                CoreError::invalid("file", "上传内容无法读取，请重新选择文件")
            }
        })?;
        return Ok((name, bytes.to_vec()));
    }
    Err(CoreError::invalid(
        "file",
        "请选择要上传的文件（表单字段 file）",
    ))
}

/// Upload a material — an applicant's, or a window clerk's scan or photo (PDF, JPG or PNG by
/// content; 413 too large, 415 wrong type, 422 empty).
#[utoipa::path(post, path = "/api/v1/files", tag = "portal", security(("bearer" = [])),
    request_body(content = String, content_type = "multipart/form-data", description = "字段 file"),
    responses((status = 201, body = FileDto), (status = 413, body = crate::api::ErrorBody),
        (status = 415, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)))]
pub(crate) async fn upload(
    State(state): State<AppState>,
    who: ApiStaff<crate::extract::Uploaders>,
    mp: Multipart,
) -> Result<(StatusCode, axum::Json<FileDto>), ApiError> {
    let (name, bytes) = read_upload(mp).await?;
    let f = state.core.upload_file(&who.user, &name, &bytes).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(FileDto {
            file_id: f.id,
            sha256: f.sha256,
            size: f.size,
            content_type: f.content_type,
            name: f.name,
        }),
    ))
}

/// Which case a member of staff reads an upload through.
#[derive(Deserialize, IntoParams)]
pub(crate) struct FileQuery {
    /// The case whose materials include the file (staff).
    case_no: Option<String>,
}

/// An uploaded file's bytes (its owner, or staff through the case it belongs to).
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "portal", security(("bearer" = [])),
    params(("id" = String, Path), FileQuery),
    responses((status = 200, description = "文件内容"), (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn download(
    State(state): State<AppState>,
    who: ApiStaff<StaffOrApplicant>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<FileQuery>,
) -> Result<Response, ApiError> {
    let (f, bytes) = state
        .core
        .file_for(&who.user, &id, q.case_no.as_deref())
        .await?;
    Ok(file_response(&f.content_type, bytes))
}

/// The policy of a stored file: framed by our own pages only, loading nothing.
pub(crate) const FILE_CSP: &str =
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'";

/// The bytes of a stored upload, shown inline and never sniffed into another type.
pub(crate) fn file_response(content_type: &str, bytes: Vec<u8>) -> Response {
    let mut headers = HeaderMap::new();
    if let Ok(v) = content_type.parse() {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    // The approver views materials inside the case page (a PDF in a frame): only our own
    // pages may frame it, and it may load nothing itself.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(FILE_CSP),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("SAMEORIGIN"),
    );
    (headers, bytes).into_response()
}

/// One uploaded item of an application.
#[derive(Deserialize, ToSchema)]
pub(crate) struct UploadedItem {
    index: usize,
    file_id: String,
}

/// An online application.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ApplicationBody {
    matter_code: String,
    #[serde(default)]
    materials: Vec<UploadedItem>,
    #[serde(default)]
    note: Option<String>,
}

/// Apply online: a case in state `submitted` waits for a clerk's pre-review.
#[utoipa::path(post, path = "/api/v1/applications", tag = "portal", security(("bearer" = [])),
    request_body = ApplicationBody,
    responses((status = 201, body = CaseDto), (status = 404, body = crate::api::ErrorBody),
        (status = 422, description = "not_online / missing_required_material", body = crate::api::ErrorBody)))]
pub(crate) async fn apply(
    State(state): State<AppState>,
    who: ApiStaff<ApplicantOnly>,
    ApiJson(body): ApiJson<ApplicationBody>,
) -> Result<(StatusCode, axum::Json<CaseDto>), ApiError> {
    let app = Application {
        matter_code: body.matter_code,
        materials: body
            .materials
            .into_iter()
            .map(|m| (m.index, m.file_id))
            .collect(),
        note: body.note.unwrap_or_default(),
    };
    let detail = state.core.apply_online(&who.user, app).await?;
    Ok((StatusCode::CREATED, axum::Json(detail.into())))
}

/// Replaced uploads after a return.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ResubmitBody {
    materials: Vec<UploadedItem>,
}

/// Resubmit an application returned by pre-review.
#[utoipa::path(post, path = "/api/v1/applications/{case_no}/resubmit", tag = "portal", security(("bearer" = [])),
    params(("case_no" = String, Path)), request_body = ResubmitBody,
    responses((status = 200, body = CaseDto), (status = 404, body = crate::api::ErrorBody),
        (status = 409, body = crate::api::ErrorBody)))]
pub(crate) async fn resubmit(
    State(state): State<AppState>,
    who: ApiStaff<ApplicantOnly>,
    ApiPath(case_no): ApiPath<String>,
    ApiJson(body): ApiJson<ResubmitBody>,
) -> Result<axum::Json<CaseDto>, ApiError> {
    let items = body
        .materials
        .into_iter()
        .map(|m| (m.index, m.file_id))
        .collect();
    let detail = state.core.resubmit(&who.user, &case_no, items).await?;
    Ok(axum::Json(detail.into()))
}

/// The applicant's own cases.
#[utoipa::path(get, path = "/api/v1/my/cases", tag = "portal", security(("bearer" = [])),
    responses((status = 200, body = [CaseDto])))]
pub(crate) async fn my_cases(
    State(state): State<AppState>,
    who: ApiStaff<ApplicantOnly>,
) -> Result<axum::Json<Vec<CaseDto>>, ApiError> {
    let list = state.core.my_cases(&who.user).await?;
    Ok(axum::Json(list.into_iter().map(CaseDto::from).collect()))
}

/// A licence as shown (holder ID masked).
#[derive(Serialize, ToSchema)]
pub(crate) struct LicenseDto {
    number: String,
    type_code: String,
    type_name: String,
    holder_name: String,
    holder_id: String,
    issuer: String,
    issued_on: String,
    expires_on: Option<String>,
    trust_level: String,
    case_no: Option<String>,
    source: String,
    status: String,
}

impl From<License> for LicenseDto {
    fn from(l: License) -> Self {
        Self {
            number: l.license.number,
            type_code: l.license.type_code,
            type_name: l.license.type_name,
            holder_name: l.license.holder_name,
            holder_id: mask_id(&l.license.holder_id),
            issuer: l.license.issuer,
            issued_on: l.license.issued_on.to_string(),
            expires_on: l.license.expires_on.map(|d| d.to_string()),
            trust_level: l.license.trust_level,
            case_no: l.case_no,
            source: l.source,
            status: l.status,
        }
    }
}

/// The applicant's licences.
#[utoipa::path(get, path = "/api/v1/my/licenses", tag = "portal", security(("bearer" = [])),
    responses((status = 200, body = [LicenseDto])))]
pub(crate) async fn my_licenses(
    State(state): State<AppState>,
    who: ApiStaff<ApplicantOnly>,
) -> Result<axum::Json<Vec<LicenseDto>>, ApiError> {
    let list = state.core.my_licenses(&who.user).await?;
    Ok(axum::Json(list.into_iter().map(LicenseDto::from).collect()))
}

/// Holder filter.
#[derive(Deserialize, IntoParams)]
pub(crate) struct HolderQuery {
    /// 居民身份证号码 or 统一社会信用代码.
    holder_id: String,
}

/// Licences of a holder (staff).
#[utoipa::path(get, path = "/api/v1/licenses", tag = "portal", security(("bearer" = [])),
    params(HolderQuery), responses((status = 200, body = [LicenseDto])))]
pub(crate) async fn licenses(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiQuery(q): ApiQuery<HolderQuery>,
) -> Result<axum::Json<Vec<LicenseDto>>, ApiError> {
    let list = state.core.licenses_of(&staff.user, &q.holder_id).await?;
    Ok(axum::Json(list.into_iter().map(LicenseDto::from).collect()))
}

/// Parses an import body: a JSON array, or CSV with a header row
/// (`number,type_code,holder_name,holder_id,issued_on,expires_on,issuer,trust_level`).
pub(crate) fn parse_import(
    content_type: &str,
    body: &[u8],
) -> Result<Vec<LicenseImport>, CoreError> {
    if content_type.starts_with("text/csv") {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(body);
        reader
            .deserialize::<LicenseImport>()
            .enumerate()
            .map(|(i, r)| {
                r.map_err(|e| {
                    // csv's own message is English; say in Chinese which row and what to check.
                    let what = match e.kind() {
                        csv::ErrorKind::UnequalLengths { .. } => "列数与表头不一致",
                        csv::ErrorKind::Utf8 { .. } => "不是 UTF-8 编码",
                        _ => "请检查各列内容，日期应为 YYYY-MM-DD，可信等级为数字",
                    };
                    CoreError::invalid("licenses", format!("CSV 第 {} 行无法读取：{what}", i + 2))
                })
            })
            .collect()
    } else {
        serde_json::from_slice(body)
            .map_err(|e| CoreError::invalid("licenses", format!("应为证照数组（JSON）或 CSV：{e}")))
    }
}

/// Import licences into the library (admin): JSON array or `text/csv`.
#[utoipa::path(post, path = "/api/v1/licenses/import", tag = "portal", security(("bearer" = [])),
    request_body(content = String, description = "JSON 数组或 CSV（表头 number,type_code,holder_name,holder_id,issued_on,expires_on,issuer,trust_level）"),
    responses((status = 201, description = "{imported}"), (status = 400, body = crate::api::ErrorBody),
        (status = 409, body = crate::api::ErrorBody)))]
pub(crate) async fn import(
    State(state): State<AppState>,
    staff: ApiStaff<AdminOnly>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, axum::Json<Value>), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let rows = parse_import(ct, &body)?;
    let n = state.core.import_licenses(&staff.user, rows).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({"imported": n}))))
}
