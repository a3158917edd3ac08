//! Hall pages: the kiosk (`/kiosk`), the printed ticket and its phone page, the hall display
//! (`/display`) and a window's own screen (`/display/window/{code}`), and the desk's ticket
//! buttons.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yichuang_core::CoreError;
use yichuang_core::queue::TicketAction;
use yichuang_domain::clock::to_shanghai;

use super::Chrome;
use super::cases::Clerks;
use crate::api::queue::{action_of, kind_of};
use crate::error::AppError;
use crate::extract::{CsrfForm, PagePath, PageQuery, PageStaff, urlencode};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "pages/kiosk.html")]
pub(crate) struct KioskPage {
    chrome: Chrome,
    groups: Vec<(String, String, u64)>,
    error: Option<String>,
    /// The question typed into 不知道取哪个号？ and the matters it found: (name, group code,
    /// group name).
    q: String,
    suggestions: Vec<(String, String, String)>,
    /// Where another agency handles what the question asks for (no queue here serves it).
    referral: Option<yichuang_domain::catalog::Referral>,
    /// The kiosk's center (code; empty for the city center).
    center: String,
    /// Within the hall's opening hours (otherwise the page says so).
    open_now: bool,
}

async fn kiosk_page(
    state: &AppState,
    chrome: Chrome,
    center: &str,
    error: Option<String>,
) -> Result<KioskPage, AppError> {
    let c = state
        .core
        .center(Some(center).filter(|c| !c.is_empty()))
        .await?;
    let groups = state.core.queue_status(c.id).await?;
    let open_now = state.core.hall_open_now(c.id).await?;
    Ok(KioskPage {
        open_now,
        chrome,
        groups,
        error,
        q: String::new(),
        suggestions: Vec::new(),
        referral: None,
        center: center.to_owned(),
    })
}

#[derive(Deserialize)]
pub(crate) struct KioskQuery {
    #[serde(default)]
    q: String,
    /// The center whose hall the kiosk stands in (`?center=341802-SY`).
    #[serde(default)]
    center: String,
}

pub(crate) async fn kiosk(
    State(state): State<AppState>,
    chrome: Chrome,
    PageQuery(query): PageQuery<KioskQuery>,
) -> Result<KioskPage, AppError> {
    let mut page = kiosk_page(&state, chrome, &query.center, None).await?;
    let q = query.q.trim();
    if !q.is_empty() {
        // The visitor says what they need; the search names the matter and the queue to join.
        let center = state
            .core
            .center(Some(query.center.as_str()).filter(|c| !c.is_empty()))
            .await?;
        let names: std::collections::HashMap<String, String> = page
            .groups
            .iter()
            .map(|(code, name, _)| (code.clone(), name.clone()))
            .collect();
        let answer = state
            .core
            .search_answer(center.id, q, None, None, 3)
            .await?;
        page.referral = answer.referral;
        page.suggestions = answer
            .hits
            .into_iter()
            .filter_map(|h| {
                let group = names.get(&h.matter.window_group)?.clone();
                Some((h.matter.name, h.matter.window_group, group))
            })
            .collect();
        page.q = q.to_owned();
    }
    Ok(page)
}

#[derive(Deserialize)]
pub(crate) struct KioskForm {
    group: String,
    priority: Option<String>,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    center: String,
}

/// The kiosk stands in the hall: its form needs no login, only the CSRF token of the page.
pub(crate) async fn take(
    State(state): State<AppState>,
    chrome: Chrome,
    CsrfForm(form): CsrfForm<KioskForm>,
) -> Result<Response, AppError> {
    let center = state
        .core
        .center(Some(form.center.as_str()).filter(|c| !c.is_empty()))
        .await?;
    let result = match kind_of(form.priority.as_deref()) {
        Ok(kind) => {
            let id = Some(form.id_number.as_str()).filter(|s| !s.trim().is_empty());
            state
                .core
                .take_ticket(center.id, &form.group, kind, id, "kiosk")
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((t, _)) => Ok(Redirect::to(&format!("/kiosk/tickets/{}", t.id)).into_response()),
        Err(
            e @ (CoreError::Invalid { .. }
            | CoreError::Unprocessable { .. }
            | CoreError::Conflict(_)),
        ) => {
            let err = AppError::from(e);
            let status = err.status_and_code().0;
            Ok((
                status,
                kiosk_page(&state, chrome, &form.center, Some(err.public_message())).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/ticket.html")]
pub(crate) struct TicketPage {
    chrome: Chrome,
    number: String,
    group_name: String,
    ahead: u64,
    status: &'static str,
    window: Option<String>,
    issued: String,
    qr_svg: String,
    auto_refresh: bool,
}

async fn ticket_page(
    state: &AppState,
    chrome: Chrome,
    headers: &HeaderMap,
    id: i64,
    auto_refresh: bool,
) -> Result<TicketPage, AppError> {
    let t = state
        .core
        .store()
        .ticket(id)
        .await?
        .ok_or_else(|| AppError::NotFound("排队号不存在".into()))?;
    let ahead = state.core.waiting_ahead(&t).await?;
    let group_name = state
        .core
        .store()
        .window_groups(t.center_id)
        .await?
        .into_iter()
        .find(|g| g.code == t.group)
        .map_or_else(|| t.group.clone(), |g| g.name);
    let window = match &t.window {
        Some(code) => state
            .core
            .store()
            .windows(t.center_id)
            .await?
            .into_iter()
            .find(|w| &w.code == code)
            .map(|w| w.name),
        None => None,
    };
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    let url = format!("http://{host}/queue/tickets/{}", t.id);
    let qr_svg = qrcode::QrCode::new(url.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(140, 140)
                .build()
        })
        .map_err(|e| CoreError::Internal(anyhow::anyhow!("QR encoding failed: {e}")))?;
    Ok(TicketPage {
        chrome,
        number: t.number.clone(),
        group_name,
        ahead,
        status: t.status.label(),
        window,
        issued: to_shanghai(t.issued_at)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        qr_svg,
        auto_refresh,
    })
}

pub(crate) async fn kiosk_ticket(
    State(state): State<AppState>,
    chrome: Chrome,
    headers: HeaderMap,
    PagePath(id): PagePath<i64>,
) -> Result<TicketPage, AppError> {
    ticket_page(&state, chrome, &headers, id, false).await
}

pub(crate) async fn position(
    State(state): State<AppState>,
    chrome: Chrome,
    headers: HeaderMap,
    PagePath(id): PagePath<i64>,
) -> Result<TicketPage, AppError> {
    ticket_page(&state, chrome, &headers, id, true).await
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/display.html")]
pub(crate) struct DisplayPage {
    center_name: String,
    calls: Vec<(String, String)>,
    groups: Vec<(String, String, u64)>,
    /// The center's code (query string of the status fetch) and its window codes as JSON: the
    /// hall stream carries every center's calls, and a hall shows only its own.
    center_code_json: String,
    windows_json: String,
    /// Date, weekday and time now (the page's script keeps it current).
    now: String,
}

pub(crate) async fn display(
    State(state): State<AppState>,
    PageQuery(q): PageQuery<KioskQuery>,
) -> Result<DisplayPage, AppError> {
    let center = state
        .core
        .center(Some(q.center.as_str()).filter(|c| !c.is_empty()))
        .await?;
    let day = state.core.clock().today();
    let windows = state.core.store().windows(center.id).await?;
    let mut called = state
        .core
        .store()
        .tickets(
            center.id,
            day,
            &[
                yichuang_domain::queue::TicketStatus::Called,
                yichuang_domain::queue::TicketStatus::Serving,
            ],
        )
        .await?;
    called.sort_by_key(|t| std::cmp::Reverse(t.called_at));
    let calls = called
        .into_iter()
        .take(8)
        .map(|t| {
            let w = t
                .window
                .as_ref()
                .and_then(|c| windows.iter().find(|w| &w.code == c))
                .map(|w| w.name.clone());
            (t.number, w.unwrap_or_default())
        })
        .collect();
    let codes: Vec<&str> = windows.iter().map(|w| w.code.as_str()).collect();
    Ok(DisplayPage {
        // Inside <script>: JSON with `<` escaped cannot close the element.
        windows_json: serde_json::to_string(&codes)
            .unwrap_or_else(|_| "[]".into())
            .replace('<', "\\u003c"),
        center_code_json: serde_json::to_string(&center.code)
            .unwrap_or_else(|_| "\"\"".into())
            .replace('<', "\\u003c"),
        center_name: center.name,
        calls,
        groups: state.core.queue_status(center.id).await?,
        now: hall_time(state.core.clock().now()),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/display_window.html")]
pub(crate) struct WindowDisplay {
    window_name: String,
    window_code_json: String,
    current: String,
}

pub(crate) async fn display_window(
    State(state): State<AppState>,
    PagePath(code): PagePath<String>,
) -> Result<WindowDisplay, AppError> {
    let center = state.core.default_center().await?;
    let w = state
        .core
        .store()
        .windows(center.id)
        .await?
        .into_iter()
        .find(|w| w.code == code)
        .ok_or_else(|| AppError::NotFound(format!("窗口 {code} 不存在")))?;
    let current = state
        .core
        .current_ticket(center.id, &w.code)
        .await?
        .map_or_else(|| "—".to_owned(), |t| t.number);
    Ok(WindowDisplay {
        window_name: w.name,
        window_code_json: serde_json::to_string(&w.code).unwrap_or_default(),
        current,
    })
}

#[derive(Deserialize)]
pub(crate) struct DeskTicketForm {
    action: String,
    ticket_id: Option<i64>,
    to_group: Option<String>,
}

/// The desk's ticket buttons: call next, recall, no-show, start, finish, transfer, pause.
pub(crate) async fn desk_ticket(
    State(state): State<AppState>,
    staff: PageStaff<Clerks>,
    CsrfForm(form): CsrfForm<DeskTicketForm>,
) -> Result<Response, AppError> {
    let user = &staff.user;
    let window = user.window.clone().unwrap_or_default();
    let outcome: Result<String, CoreError> = match form.action.as_str() {
        "call" => match state.core.call_next(user, &window).await {
            Ok(Some(t)) => Ok(format!("已叫号 {}", t.number)),
            Ok(None) => Ok("当前没有等候的号".into()),
            Err(e) => Err(e),
        },
        "walk_in" => {
            let group = state
                .core
                .store()
                .windows(user.center_id)
                .await?
                .into_iter()
                .find(|w| w.code == window)
                .map(|w| w.group)
                .unwrap_or_default();
            state
                .core
                .take_ticket(
                    user.center_id,
                    &group,
                    yichuang_domain::queue::TicketKind::Normal,
                    None,
                    &user.username,
                )
                .await
                .map(|(t, ahead)| format!("已取号 {}，前面 {ahead} 人", t.number))
        }
        "pause" | "resume" => state
            .core
            .pause_window(user, form.action == "pause")
            .await
            .map(|()| {
                if form.action == "pause" {
                    "已暂停叫号".into()
                } else {
                    "已恢复叫号".into()
                }
            }),
        other => match (action_of(other, form.to_group, None), form.ticket_id) {
            (Ok(action), Some(id)) => {
                let label = match action {
                    TicketAction::Recall => "已重呼",
                    TicketAction::NoShow => "已过号",
                    TicketAction::Start => "开始办理",
                    TicketAction::Finish => "已办结",
                    TicketAction::Transfer { .. } => "已转移",
                    TicketAction::Reactivate => "已恢复",
                };
                state
                    .core
                    .ticket_action(user, id, action)
                    .await
                    .map(|t| format!("{label} {}", t.number))
            }
            (Err(e), _) => Err(e),
            (Ok(_), None) => Err(CoreError::invalid("ticket_id", "当前没有叫到的号")),
        },
    };
    let message = match outcome {
        Ok(m) => m,
        Err(
            e @ (CoreError::Invalid { .. }
            | CoreError::InvalidTransition(_)
            | CoreError::Conflict(_)),
        ) => AppError::from(e).public_message(),
        Err(e) => return Err(e.into()),
    };
    Ok((
        StatusCode::SEE_OTHER,
        [("location", format!("/desk?msg={}", urlencode(&message)))],
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/pad.html")]
pub(crate) struct PadPage {
    window_name: String,
    window_code: String,
    csrf: String,
    ticket: Option<(i64, String)>,
    levels: Vec<(&'static str, &'static str)>,
    indicators: Vec<(&'static str, &'static str)>,
    thanks: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct PadQuery {
    thanks: Option<String>,
}

async fn pad_page(
    state: &AppState,
    chrome: &Chrome,
    code: &str,
    thanks: bool,
    error: Option<String>,
) -> Result<PadPage, AppError> {
    let center = state.core.default_center().await?;
    let w = state
        .core
        .store()
        .windows(center.id)
        .await?
        .into_iter()
        .find(|w| w.code == code)
        .ok_or_else(|| AppError::NotFound(format!("窗口 {code} 不存在")))?;
    let ticket = state
        .core
        .pad_ticket(center.id, &w.code)
        .await?
        .map(|t| (t.id, t.number));
    Ok(PadPage {
        window_name: w.name,
        window_code: w.code,
        csrf: chrome.csrf.clone(),
        ticket,
        levels: yichuang_domain::evaluation::Level::ALL
            .iter()
            .map(|l| (l.code(), l.label()))
            .collect(),
        indicators: yichuang_domain::evaluation::ONSITE_INDICATORS.to_vec(),
        thanks,
        error,
    })
}

/// The evaluation tablet at a window.
pub(crate) async fn pad(
    State(state): State<AppState>,
    chrome: Chrome,
    PagePath(code): PagePath<String>,
    crate::extract::PageQuery(q): crate::extract::PageQuery<PadQuery>,
) -> Result<PadPage, AppError> {
    pad_page(&state, &chrome, &code, q.thanks.is_some(), None).await
}

/// A rating from the pad: overall level, indicators (defaulting to the overall level), comment.
pub(crate) async fn pad_rate(
    State(state): State<AppState>,
    chrome: Chrome,
    PagePath(code): PagePath<String>,
    CsrfForm(fields): CsrfForm<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    use yichuang_domain::evaluation::{Channel, Level, ONSITE_INDICATORS};
    let parsed = (|| {
        let level = fields
            .get("level")
            .and_then(|l| Level::parse(l))
            .ok_or_else(|| CoreError::invalid("level", "请选择评价等级"))?;
        let ticket_id = fields
            .get("ticket_id")
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| CoreError::invalid("ticket_id", "没有待评价的服务"))?;
        let indicators = ONSITE_INDICATORS
            .iter()
            .map(|(k, _)| {
                let v = fields
                    .get(&format!("ind_{k}"))
                    .and_then(|v| Level::parse(v))
                    .unwrap_or(level);
                ((*k).to_owned(), v)
            })
            .collect();
        let comment = fields.get("comment").cloned().unwrap_or_default();
        Ok::<_, CoreError>(yichuang_core::queue::TicketRating {
            ticket_id,
            level,
            indicators,
            channel: Channel::Pad,
            comment,
        })
    })();
    let result = match parsed {
        Ok(rating) => state.core.rate_ticket(rating, Some(&code), None).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/pad/{}?thanks=1", urlencode(&code))).into_response()),
        Err(
            e @ (CoreError::Invalid { .. }
            | CoreError::Conflict(_)
            | CoreError::NotFound(_)
            | CoreError::InvalidTransition(_)),
        ) => {
            let err = AppError::from(e);
            let status = err.status_and_code().0;
            Ok((
                status,
                pad_page(&state, &chrome, &code, false, Some(err.public_message())).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// 2026年11月2日 星期一 09:00, as the hall display shows it.
fn hall_time(at: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let t = yichuang_domain::clock::to_shanghai(at);
    let weekday =
        ["一", "二", "三", "四", "五", "六", "日"][t.weekday().num_days_from_monday() as usize];
    format!(
        "{}年{}月{}日 星期{weekday} {:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}
