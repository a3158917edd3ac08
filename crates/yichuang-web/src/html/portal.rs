//! 一网通办 pages for citizens and businesses (registration is in `register.rs`): 我的办件 (cases,
//! licences), online application with uploads, the plain-words timeline of a case, and
//! resubmission after a pre-review return.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use yichuang_core::CoreError;
use yichuang_core::portal::{Application, MIN_ONLINE_DEPTH};
use yichuang_domain::account::StaffUser;
use yichuang_domain::case::{CaseStatus, MaterialMode};
use yichuang_domain::clock::to_shanghai;

use super::Chrome;
use super::timeline::event_label;
use crate::error::AppError;
use crate::extract::{ApplicantOnly, CSRF_COOKIE, CsrfForm, PagePath, PageStaff, StaffOrApplicant};
use crate::state::AppState;

struct CaseRow {
    case_no: String,
    matter_name: String,
    /// 网上申请 or the window that took it.
    channel: String,
    status: &'static str,
    plain: &'static str,
    submitted: String,
}

struct LicenseRow {
    number: String,
    type_name: String,
    issuer: String,
    issued_on: String,
    expires_on: String,
    case_no: String,
}

/// 我的办件.
#[derive(Template, WebTemplate)]
#[template(path = "pages/my.html")]
pub(crate) struct MyPage {
    chrome: Chrome,
    name: String,
    id_masked: String,
    cases: Vec<CaseRow>,
    licenses: Vec<LicenseRow>,
    /// The company's investment projects: (code, name, current stage, blocking matters).
    projects: Vec<(String, String, String, usize)>,
}

/// `GET /my`.
pub(crate) async fn my(
    State(state): State<AppState>,
    who: PageStaff<ApplicantOnly>,
    chrome: Chrome,
) -> Result<MyPage, AppError> {
    let profile = state.core.applicant_profile(&who.user).await?;
    let cases = state
        .core
        .my_cases(&who.user)
        .await?
        .into_iter()
        .map(|d| CaseRow {
            case_no: d.case.case_no().to_owned(),
            matter_name: d.case.received.matter_name.clone(),
            channel: if d.case.received.owner == Some(who.user.id) {
                "网上申请".to_owned()
            } else {
                "大厅窗口受理".to_owned()
            },
            status: d.case.status.label(),
            plain: d.case.status.plain(),
            submitted: to_shanghai(d.case.received_at)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
        })
        .collect();
    let licenses = state
        .core
        .my_licenses(&who.user)
        .await?
        .into_iter()
        .map(|l| LicenseRow {
            number: l.license.number,
            type_name: l.license.type_name,
            issuer: l.license.issuer,
            issued_on: l.license.issued_on.to_string(),
            expires_on: l
                .license
                .expires_on
                .map_or_else(|| "长期有效".into(), |d| d.to_string()),
            case_no: l.case_no.unwrap_or_default(),
        })
        .collect();
    let projects = state
        .core
        .projects_for(&who.user)
        .await?
        .iter()
        .map(|v| {
            let cur = v.current();
            (
                v.project.code.clone(),
                v.project.name.clone(),
                cur.map_or_else(String::new, |s| s.stage.label().to_owned()),
                cur.map_or(0, |s| s.blocking.len()),
            )
        })
        .collect();
    Ok(MyPage {
        chrome,
        projects,
        name: profile.name,
        id_masked: yichuang_domain::mask::mask_id(&profile.id_number),
        cases,
        licenses,
    })
}

struct MaterialRow {
    index: usize,
    name: String,
    required: bool,
    state: String,
    license: bool,
    file_id: Option<String>,
}

struct StepRow {
    at: String,
    label: &'static str,
}

/// One case of the applicant.
#[derive(Template, WebTemplate)]
#[template(path = "pages/my_case.html")]
pub(crate) struct MyCasePage {
    chrome: Chrome,
    case_no: String,
    matter_name: String,
    status: &'static str,
    plain: &'static str,
    due: Option<String>,
    returned_reason: Option<String>,
    can_resubmit: bool,
    /// Filed online by this account (not taken at a window under its ID number).
    online: bool,
    license_no: Option<String>,
    materials: Vec<MaterialRow>,
    timeline: Vec<StepRow>,
    /// Notices that can be downloaded now: (kind, label).
    notices: Vec<(&'static str, &'static str)>,
    /// The 一事一评 form is offered (concluded or delivered, not yet rated after the result).
    can_rate: bool,
    /// Already rated after the result.
    rated: bool,
    levels: Vec<(&'static str, &'static str)>,
    flash: Option<String>,
    error: Option<String>,
}

async fn my_case_page(
    state: &AppState,
    user: &StaffUser,
    chrome: Chrome,
    case_no: &str,
    error: Option<String>,
) -> Result<MyCasePage, AppError> {
    let d = state.core.case_for(user, case_no).await?;
    let events = state.core.case_events(user, case_no).await?;
    let c = &d.case;
    let done = matches!(c.status, CaseStatus::Concluded | CaseStatus::Delivered);
    let rated = state
        .core
        .store()
        .case_evaluations(case_no)
        .await?
        .iter()
        .any(|e| e.stage.as_deref() == Some("result"));
    let notices = crate::api::available_notices(&d)
        .into_iter()
        .filter(|k| *k != "delivery")
        .map(|k| (k, super::timeline::notice_label(k)))
        .collect();
    Ok(MyCasePage {
        chrome,
        case_no: c.case_no().to_owned(),
        matter_name: c.received.matter_name.clone(),
        status: c.status.label(),
        plain: c.status.plain(),
        due: d.deadlines.due_promised.map(|x| x.to_string()),
        returned_reason: c.returned_reason.clone(),
        // Only an online application is resubmitted online; a window case is corrected at the
        // window that took it.
        can_resubmit: c.status == CaseStatus::Returned && c.received.owner == Some(user.id),
        online: c.received.owner == Some(user.id),
        license_no: c.license_no.clone(),
        materials: c
            .materials
            .iter()
            .map(|m| MaterialRow {
                index: m.index,
                name: m.name.clone(),
                required: m.required,
                state: match (&m.license, m.mode) {
                    (Some(l), _) => format!(
                        "已通过证照库核验（{}，可信等级 {}）",
                        l.number, l.trust_level
                    ),
                    (None, MaterialMode::Missing) => "未提供".into(),
                    (None, mode) => mode.label().into(),
                },
                license: m.license.is_some(),
                file_id: m.file_id.clone(),
            })
            .collect(),
        timeline: events
            .iter()
            .filter(|e| e.kind.starts_with("case_"))
            .map(|e| StepRow {
                at: to_shanghai(e.at).format("%Y-%m-%d %H:%M").to_string(),
                label: event_label(&e.kind),
            })
            .collect(),
        notices,
        can_rate: done && !rated,
        rated,
        levels: yichuang_domain::evaluation::Level::ALL
            .iter()
            .map(|l| (l.code(), l.label()))
            .collect(),
        flash: None,
        error,
    })
}

/// `GET /my/cases/{case_no}`: the applicant's own case; anyone else's answers 404.
pub(crate) async fn my_case(
    State(state): State<AppState>,
    who: PageStaff<ApplicantOnly>,
    chrome: Chrome,
    PagePath(case_no): PagePath<String>,
) -> Result<MyCasePage, AppError> {
    my_case_page(&state, &who.user, chrome, &case_no, None).await
}

/// The online application form of a matter.
#[derive(Template, WebTemplate)]
#[template(path = "pages/apply.html")]
pub(crate) struct ApplyPage {
    chrome: Chrome,
    code: String,
    matter_name: String,
    department: String,
    applicant: String,
    materials: Vec<MaterialRow>,
    error: Option<String>,
}

async fn apply_page(
    state: &AppState,
    user: &StaffUser,
    chrome: Chrome,
    code: &str,
    error: Option<String>,
) -> Result<ApplyPage, AppError> {
    let profile = state.core.applicant_profile(user).await?;
    let v = state.core.matter(user.center_id, code).await?;
    if v.matter.online_depth < MIN_ONLINE_DEPTH {
        return Err(CoreError::Unprocessable {
            code: "not_online",
            message: "该事项暂不支持网上申请，请预约后到大厅窗口办理".into(),
        }
        .into());
    }
    let held = state
        .core
        .licenses_for_intake(user.center_id, &v.matter, &profile.id_number)
        .await?;
    let department = state
        .core
        .store()
        .department(user.center_id, &v.matter.department)
        .await?
        .map(|d| d.name)
        .unwrap_or_default();
    Ok(ApplyPage {
        chrome,
        code: v.matter.code.clone(),
        matter_name: v.matter.name.clone(),
        department,
        applicant: format!(
            "{}（{}）",
            profile.name,
            yichuang_domain::mask::mask_id(&profile.id_number)
        ),
        materials: v
            .matter
            .materials
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let lic = held.iter().find(|(x, _)| *x == i);
                MaterialRow {
                    index: i,
                    name: m.name.clone(),
                    required: m.required,
                    state: lic.map_or_else(String::new, |(_, l)| {
                        format!("已通过证照库核验（{}），无需上传", l.number)
                    }),
                    license: lic.is_some(),
                    file_id: None,
                }
            })
            .collect(),
        error,
    })
}

/// `GET /apply/{code}`.
pub(crate) async fn apply_form(
    State(state): State<AppState>,
    who: PageStaff<ApplicantOnly>,
    chrome: Chrome,
    PagePath(code): PagePath<String>,
) -> Result<ApplyPage, AppError> {
    apply_page(&state, &who.user, chrome, &code, None).await
}

/// The fields of a multipart form: the CSRF token, text fields and files `m<index>`.
struct UploadForm {
    csrf: String,
    note: String,
    files: Vec<(usize, String, Vec<u8>)>,
}

async fn read_form(mut mp: Multipart) -> Result<UploadForm, AppError> {
    let mut out = UploadForm {
        csrf: String::new(),
        note: String::new(),
        files: Vec::new(),
    };
    let unreadable =
        || AppError::BadRequest("表单内容无法读取，文件可能太大（每个不超过 10 MB）".into());
    while let Some(field) = mp.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "csrf" => out.csrf = field.text().await.map_err(|_| unreadable())?,
            "note" => out.note = field.text().await.map_err(|_| unreadable())?,
            _ => {
                let Some(index) = name.strip_prefix('m').and_then(|i| i.parse().ok()) else {
                    continue;
                };
                let file_name = field.file_name().unwrap_or("材料").to_owned();
                let bytes = field.bytes().await.map_err(|_| unreadable())?;
                // A file input left empty arrives as an empty part without a name.
                if !bytes.is_empty() || !file_name.is_empty() {
                    out.files.push((index, file_name, bytes.to_vec()));
                }
            }
        }
    }
    Ok(out)
}

fn check_csrf(jar: &CookieJar, form: &UploadForm) -> Result<(), AppError> {
    let cookie = jar.get(CSRF_COOKIE).map(|c| c.value().to_owned());
    match cookie {
        Some(c) if !c.is_empty() && c == form.csrf => Ok(()),
        _ => Err(AppError::Csrf),
    }
}

/// Stores the uploads of a form; the first refusal (type, size, empty) is the page's error.
async fn store_uploads(
    state: &AppState,
    user: &StaffUser,
    files: Vec<(usize, String, Vec<u8>)>,
) -> Result<Vec<(usize, String)>, CoreError> {
    let mut out = Vec::new();
    for (index, name, bytes) in files {
        let f = state
            .core
            .upload_file(user, &name, &bytes)
            .await
            .map_err(|e| match e {
                CoreError::TooLarge(m) | CoreError::UnsupportedType(m) => {
                    CoreError::invalid("file", format!("“{name}”：{m}"))
                }
                CoreError::Unprocessable { message, .. } => {
                    CoreError::invalid("file", format!("“{name}”：{message}"))
                }
                other => other,
            })?;
        out.push((index, f.id));
    }
    Ok(out)
}

fn page_error(e: CoreError) -> Result<String, AppError> {
    match e {
        CoreError::Internal(_) => Err(e.into()),
        other => Ok(AppError::from(other).public_message()),
    }
}

/// `POST /apply/{code}` (multipart): uploads, then the application; errors show on the form.
pub(crate) async fn apply(
    State(state): State<AppState>,
    who: PageStaff<ApplicantOnly>,
    chrome: Chrome,
    jar: CookieJar,
    PagePath(code): PagePath<String>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let form = read_form(mp).await?;
    check_csrf(&jar, &form)?;
    let result = async {
        let materials = store_uploads(&state, &who.user, form.files).await?;
        let app = Application {
            matter_code: code.clone(),
            materials,
            note: form.note,
        };
        state.core.apply_online(&who.user, app).await
    }
    .await;
    match result {
        Ok(d) => Ok(Redirect::to(&format!("/my/cases/{}", d.case.case_no())).into_response()),
        Err(e) => {
            let msg = page_error(e)?;
            let page = apply_page(&state, &who.user, chrome, &code, Some(msg)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// `POST /my/cases/{case_no}/resubmit` (multipart).
pub(crate) async fn resubmit(
    State(state): State<AppState>,
    who: PageStaff<ApplicantOnly>,
    chrome: Chrome,
    jar: CookieJar,
    PagePath(case_no): PagePath<String>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let form = read_form(mp).await?;
    check_csrf(&jar, &form)?;
    let result = async {
        let materials = store_uploads(&state, &who.user, form.files).await?;
        state.core.resubmit(&who.user, &case_no, materials).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/my/cases/{case_no}")).into_response()),
        Err(e) => {
            let msg = page_error(e)?;
            let page = my_case_page(&state, &who.user, chrome, &case_no, Some(msg)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct FileQuery {
    case_no: Option<String>,
}

/// `GET /files/{id}?case_no=`: an upload, for its owner or staff through its case.
pub(crate) async fn file(
    State(state): State<AppState>,
    who: PageStaff<StaffOrApplicant>,
    PagePath(id): PagePath<String>,
    crate::extract::PageQuery(q): crate::extract::PageQuery<FileQuery>,
) -> Result<Response, AppError> {
    let (f, bytes) = state
        .core
        .file_for(&who.user, &id, q.case_no.as_deref())
        .await?;
    Ok(crate::api::portal::file_response(&f.content_type, bytes))
}

#[derive(Deserialize)]
pub(crate) struct RateForm {
    level: String,
    #[serde(default)]
    comment: String,
}

/// `POST /my/cases/{case_no}/rate`: 一事一评 by the applicant's own account.
pub(crate) async fn rate(
    State(state): State<AppState>,
    who: PageStaff<ApplicantOnly>,
    chrome: Chrome,
    PagePath(case_no): PagePath<String>,
    CsrfForm(form): CsrfForm<RateForm>,
) -> Result<Response, AppError> {
    use yichuang_core::evaluations::{CaseRating, Rater};
    use yichuang_domain::evaluation::{Channel, Level};
    let result = match Level::parse(&form.level) {
        None => Err(CoreError::invalid("level", "请选择满意程度")),
        Some(level) => {
            let rating = CaseRating {
                case_no: Some(case_no.clone()),
                level,
                indicators: Vec::new(),
                channel: Channel::Web,
                comment: form.comment,
            };
            state
                .core
                .evaluate_case(rating, Rater::Staff(&who.user))
                .await
                .map(|_| ())
        }
    };
    let (status, flash, error) = match result {
        Ok(()) => (
            axum::http::StatusCode::OK,
            Some("感谢您的评价！".to_owned()),
            None,
        ),
        Err(e) => {
            let msg = page_error(e)?;
            (
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(msg),
            )
        }
    };
    let mut page = my_case_page(&state, &who.user, chrome, &case_no, error).await?;
    page.flash = flash;
    Ok((status, page).into_response())
}

/// Booking an appointment at the hall from the applicant's page.
#[derive(Template, WebTemplate)]
#[template(path = "pages/my_appointment.html")]
pub(crate) struct AppointmentPage {
    chrome: Chrome,
    groups: Vec<(String, String)>,
    group: String,
    date: String,
    slots: Vec<yichuang_core::queue::Slot>,
    booked: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct SlotQuery {
    #[serde(default)]
    group: String,
    #[serde(default)]
    date: String,
}

async fn appointment_page(
    state: &AppState,
    user: &StaffUser,
    chrome: Chrome,
    group: String,
    date: String,
) -> Result<AppointmentPage, AppError> {
    let groups: Vec<(String, String)> = state
        .core
        .store()
        .window_groups(user.center_id)
        .await?
        .into_iter()
        .map(|g| (g.code, g.name))
        .collect();
    let group = if group.is_empty() {
        groups.first().map(|g| g.0.clone()).unwrap_or_default()
    } else {
        group
    };
    let cal = state.core.calendar(user.center_id).await?;
    let today = state.core.clock().today();
    let day = match chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => cal.add_working_days(today, 1).map_or(today, |w| w.date),
    };
    let slots = state
        .core
        .appointment_slots(user.center_id, &group, day)
        .await?;
    Ok(AppointmentPage {
        chrome,
        groups,
        group,
        date: day.to_string(),
        slots,
        booked: None,
        error: None,
    })
}

/// `GET /my/appointments`: free slots of a window category on a day.
pub(crate) async fn appointments(
    State(state): State<AppState>,
    who: PageStaff<ApplicantOnly>,
    chrome: Chrome,
    crate::extract::PageQuery(q): crate::extract::PageQuery<SlotQuery>,
) -> Result<AppointmentPage, AppError> {
    appointment_page(&state, &who.user, chrome, q.group, q.date).await
}

#[derive(Deserialize)]
pub(crate) struct BookForm {
    group: String,
    date: String,
    start: String,
    /// 经办人身份证号 (organisations book through a person).
    #[serde(default)]
    agent_id: String,
}

/// `POST /my/appointments`: books with the account's real-name data.
pub(crate) async fn book(
    State(state): State<AppState>,
    who: PageStaff<ApplicantOnly>,
    chrome: Chrome,
    CsrfForm(form): CsrfForm<BookForm>,
) -> Result<Response, AppError> {
    let profile = state.core.applicant_profile(&who.user).await?;
    let id_number = if profile.kind == yichuang_domain::case::ApplicantKind::Person {
        profile.id_number.clone()
    } else {
        form.agent_id.trim().to_owned()
    };
    let result = match chrono::NaiveDate::parse_from_str(&form.date, "%Y-%m-%d") {
        Err(_) => Err(CoreError::invalid("date", "日期格式应为 YYYY-MM-DD")),
        Ok(date) => {
            let booking = yichuang_core::queue::Booking {
                group: form.group.clone(),
                date,
                start: form.start.clone(),
                id_number,
                name: profile.name.clone(),
                phone: profile.phone.clone(),
            };
            state
                .core
                .book_appointment(who.user.center_id, &booking)
                .await
        }
    };
    let mut page = appointment_page(
        &state,
        &who.user,
        chrome,
        form.group.clone(),
        form.date.clone(),
    )
    .await?;
    match result {
        Ok(a) => {
            let hm = |t: chrono::DateTime<chrono::Utc>| to_shanghai(t).format("%H:%M").to_string();
            page.booked = Some(format!(
                "已预约 {} {}–{}，请按时到大厅取号机签到（预约号 {}）",
                a.day,
                hm(a.slot_start),
                hm(a.slot_end),
                a.id
            ));
            Ok(page.into_response())
        }
        Err(e) => {
            page.error = Some(page_error(e)?);
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
