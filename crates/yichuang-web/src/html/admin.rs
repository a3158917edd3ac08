//! Administration pages: the center's working-day calendar (month view, day and year changes).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Months, NaiveDate, Weekday};
use serde::Deserialize;
use yichuang_core::CoreError;
use yichuang_domain::calendar::{Calendar, DayKind};

use super::Chrome;
use crate::api::parse_date;
use crate::error::AppError;
use crate::extract::{AdminOnly, CsrfForm, PageQuery, PageStaff, urlencode};
use crate::state::AppState;

pub(crate) struct DayCell {
    date: String,
    day: u32,
    class: &'static str,
    label: &'static str,
    note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin_calendar.html")]
pub(crate) struct CalendarPage {
    chrome: Chrome,
    year: i32,
    month: u32,
    month_padded: String,
    prev: String,
    next: String,
    weeks: Vec<Vec<DayCell>>,
    loaded: bool,
    /// From 1 November until the next year is confirmed: that year.
    next_year_due: Option<i32>,
    working_days: i64,
    first_day: String,
    flash: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct MonthQuery {
    month: Option<String>,
    saved: Option<String>,
}

fn parse_month(s: &str) -> Result<NaiveDate, CoreError> {
    parse_date("month", &format!("{s}-01"))
        .map_err(|_| CoreError::invalid("month", format!("月份 \"{s}\" 格式不正确，应为 YYYY-MM")))
}

fn cell(cal: &Calendar, day: NaiveDate, month: u32) -> DayCell {
    let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
    let (class, label, note) = match cal.override_of(day) {
        Some((DayKind::Holiday, note)) => ("off", "休", note.to_owned()),
        Some((DayKind::Workday, note)) => ("make", "班", note.to_owned()),
        None if weekend => ("weekend", "", String::new()),
        None => ("", "", String::new()),
    };
    let class = if day.month() == month { class } else { "other" };
    DayCell {
        date: day.to_string(),
        day: day.day(),
        class,
        label,
        note,
    }
}

pub(crate) async fn calendar(
    State(state): State<AppState>,
    staff: PageStaff<AdminOnly>,
    chrome: Chrome,
    PageQuery(q): PageQuery<MonthQuery>,
) -> Result<CalendarPage, AppError> {
    let first = match q.month.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => parse_month(m)?,
        None => {
            let today = state.core.clock().today();
            today.with_day(1).unwrap_or(today)
        }
    };
    let cal = state.core.calendar(staff.user.center_id).await?;
    let next_month = first.checked_add_months(Months::new(1)).unwrap_or(first);
    let prev_month = first.checked_sub_months(Months::new(1)).unwrap_or(first);
    let last = next_month.pred_opt().unwrap_or(first);
    let offset = i64::from(first.weekday().num_days_from_monday());
    let mut day = first - chrono::Duration::days(offset);
    let mut weeks = Vec::new();
    while day <= last {
        let mut week = Vec::with_capacity(7);
        for _ in 0..7 {
            week.push(cell(&cal, day, first.month()));
            day = day.succ_opt().unwrap_or(day);
        }
        weeks.push(week);
    }
    let before = first.pred_opt().unwrap_or(first);
    Ok(CalendarPage {
        chrome,
        year: first.year(),
        month: first.month(),
        month_padded: format!("{:02}", first.month()),
        prev: prev_month.format("%Y-%m").to_string(),
        next: next_month.format("%Y-%m").to_string(),
        weeks,
        loaded: cal.is_year_loaded(first.year()),
        next_year_due: cal.next_year_due(state.core.clock().today()),
        working_days: cal.working_days_between(before, last).0,
        first_day: first.to_string(),
        flash: q.saved.map(|d| format!("已保存：{d}")),
    })
}

#[derive(Deserialize)]
pub(crate) struct DayForm {
    day: String,
    kind: String,
    #[serde(default)]
    note: String,
}

pub(crate) async fn set_day(
    State(state): State<AppState>,
    staff: PageStaff<AdminOnly>,
    CsrfForm(form): CsrfForm<DayForm>,
) -> Result<Response, AppError> {
    let day = parse_date("day", &form.day)?;
    let kind = match form.kind.as_str() {
        "default" => None,
        other => Some(
            DayKind::parse(other)
                .ok_or_else(|| CoreError::invalid("kind", "请选择休息日、工作日或恢复默认"))?,
        ),
    };
    let user = &staff.user;
    state
        .core
        .set_calendar_day(user.center_id, day, kind, &form.note, &user.username)
        .await?;
    let target = format!(
        "/admin/calendar?month={}&saved={}",
        day.format("%Y-%m"),
        urlencode(&form.day)
    );
    Ok(Redirect::to(&target).into_response())
}

#[derive(Deserialize)]
pub(crate) struct YearForm {
    year: i32,
    loaded: bool,
    month: String,
}

pub(crate) async fn set_year(
    State(state): State<AppState>,
    staff: PageStaff<AdminOnly>,
    CsrfForm(form): CsrfForm<YearForm>,
) -> Result<Response, AppError> {
    let user = &staff.user;
    state
        .core
        .set_calendar_year(user.center_id, form.year, form.loaded, &user.username)
        .await?;
    let month = parse_month(&form.month)?;
    let target = format!(
        "/admin/calendar?month={}&saved={}年放假安排",
        month.format("%Y-%m"),
        form.year
    );
    Ok(Redirect::to(&target).into_response())
}

/// The outbox page: time, channel, recipient (masked when a phone number), subject, text, status.
#[derive(Template, WebTemplate)]
#[template(path = "pages/admin_outbox.html")]
pub(crate) struct OutboxPage {
    chrome: Chrome,
    items: Vec<(String, &'static str, String, String, String, &'static str)>,
    /// The push to the provincial platform: whether configured, counts by status in words.
    push_configured: bool,
    push_counts: Vec<(&'static str, u64)>,
    /// Push messages that need attention: time, subject, status, attempts, last error.
    push_attention: Vec<(String, String, &'static str, u32, String)>,
}

/// The status of a push message, in words.
fn push_status(status: &str) -> &'static str {
    match status {
        "queued" => "待推送",
        "retry" => "等待重试",
        "sending" => "推送中",
        "sent" => "已送达",
        "dead" => "已放弃（死信）",
        _ => "未知",
    }
}

/// What a push message carries, in words.
fn push_subject(kind: &str, id: &str) -> String {
    match kind {
        "case" => format!("办件事件 {id}"),
        "evaluation" => format!("好差评 {id}"),
        _ => format!("{kind} {id}"),
    }
}

/// What an outbox message is about, in words: the kind of its subject and its number.
fn outbox_subject(kind: &str, id: &str) -> String {
    let what = match kind {
        "case" => "办件预警",
        "order" => "督办单",
        "rectification" => "差评整改",
        "applicant" => "注册验证码",
        "license" => "证照到期提醒",
        _ => "其他通知",
    };
    format!("{what} {id}")
}

/// `GET /admin/outbox` (administrators and supervisors).
pub(crate) async fn outbox(
    State(state): State<AppState>,
    staff: PageStaff<crate::extract::AnyStaff>,
    chrome: Chrome,
) -> Result<OutboxPage, AppError> {
    let push = state.core.push_report_for(&staff.user).await?;
    let push_counts = push
        .counts
        .iter()
        .map(|(status, n)| (push_status(status), *n))
        .collect();
    let push_attention = push
        .attention
        .into_iter()
        .map(|m| {
            (
                yichuang_domain::clock::to_shanghai(m.created_at)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                push_subject(&m.subject_kind, &m.subject_id),
                push_status(&m.status),
                m.attempts,
                m.last_error.unwrap_or_default(),
            )
        })
        .collect();
    let items = state
        .core
        .outbox_for(&staff.user)
        .await?
        .into_iter()
        .map(|m| {
            let recipient = if m.recipient.chars().all(|c| c.is_ascii_digit()) {
                yichuang_domain::mask::mask_phone(&m.recipient)
            } else {
                m.recipient
            };
            (
                yichuang_domain::clock::to_shanghai(m.created_at)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                if m.channel == "wechat" {
                    "微信"
                } else {
                    "短信"
                },
                recipient,
                outbox_subject(&m.subject_kind, &m.subject_id),
                if state.settings.demo_mode || m.subject_kind != "applicant" {
                    m.message
                } else {
                    crate::api::supervision::hide_digits(&m.message)
                },
                if m.status == "queued" {
                    "待发送"
                } else {
                    "已处理"
                },
            )
        })
        .collect();
    Ok(OutboxPage {
        chrome,
        items,
        push_configured: state.core.push_configured(),
        push_counts,
        push_attention,
    })
}

/// The administration home: where things are, and the state of the audit chain.
#[derive(Template, WebTemplate)]
#[template(path = "pages/admin_home.html")]
pub(crate) struct AdminHome {
    chrome: Chrome,
    /// The last audit chain check, in words.
    chain: String,
    chain_ok: bool,
}

/// `GET /admin` (administrators).
pub(crate) async fn home(
    State(state): State<AppState>,
    _staff: PageStaff<AdminOnly>,
    chrome: Chrome,
) -> Result<AdminHome, AppError> {
    let (chain, chain_ok) = match state.core.audit_last() {
        None => ("审计链尚未校验。".to_owned(), true),
        Some(r) if r.intact() => (
            format!(
                "审计链完整：启动时校验了每条链最近的 {} 条事件。",
                r.checked()
            ),
            true,
        ),
        Some(r) => (super::audit_alarm_text(&r), false),
    };
    Ok(AdminHome {
        chrome,
        chain,
        chain_ok,
    })
}
