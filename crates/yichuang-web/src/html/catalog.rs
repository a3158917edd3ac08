//! Catalog pages: the home page, the matter browser, departments and the guide of one matter.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;
use yichuang_core::store::MatterFilter;
use yichuang_domain::catalog::{Referral, WindowGroup, online_depth_label};

use super::Chrome;
use crate::error::AppError;
use crate::extract::{PagePath, PageQuery};
use crate::state::AppState;

const PAGE_SIZE: u32 = 30;

pub(crate) struct CountedGroup {
    code: String,
    name: String,
    count: u64,
}

pub(crate) struct CountedDept {
    code: String,
    name: String,
    short_name: String,
    count: u64,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/home.html")]
pub(crate) struct HomePage {
    chrome: Chrome,
    matter_count: u64,
    department_count: usize,
    window_count: usize,
    groups: Vec<CountedGroup>,
    departments: Vec<CountedDept>,
    life_events: Vec<yichuang_core::search::LifeEventCount>,
}

pub(crate) async fn home(
    State(state): State<AppState>,
    chrome: Chrome,
) -> Result<HomePage, AppError> {
    let core = &state.core;
    let center = core.default_center().await?;
    let store = core.store();
    let depts = store.departments(center.id).await?;
    let mut groups = Vec::new();
    for g in store.window_groups(center.id).await? {
        let filter = MatterFilter {
            window_group: Some(g.code.clone()),
            limit: 1,
            ..Default::default()
        };
        let (_, count) = store.list_matters(center.id, &filter).await?;
        if count > 0 {
            groups.push(CountedGroup {
                code: g.code,
                name: g.name,
                count,
            });
        }
    }
    let mut departments: Vec<CountedDept> = depts
        .iter()
        .filter(|(d, _)| d.in_center)
        .map(|(d, n)| CountedDept {
            code: d.code.clone(),
            name: d.name.clone(),
            short_name: d.short_name.clone(),
            count: *n,
        })
        .collect();
    departments.sort_by_key(|d| std::cmp::Reverse(d.count));
    departments.truncate(12);
    let life_events = core.life_events(center.id).await?;
    Ok(HomePage {
        chrome,
        life_events,
        matter_count: depts.iter().map(|(_, n)| n).sum(),
        department_count: depts.len(),
        window_count: store.windows(center.id).await?.len(),
        groups,
        departments,
    })
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    window_group: String,
    /// A life event code (人生事件).
    #[serde(default)]
    life_event: String,
    page: Option<u32>,
}

pub(crate) struct Row {
    code: String,
    /// The name, HTML-escaped, with the words a question matched in `<mark>`.
    name_html: String,
    /// Why a search hit matched, when not by its name (HTML, escaped).
    snippet_html: Option<String>,
    department_name: String,
    kind: String,
    handling: &'static str,
    limit: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/matters.html")]
pub(crate) struct ListPage {
    chrome: Chrome,
    heading: String,
    q: String,
    department: String,
    window_group: String,
    groups: Vec<WindowGroup>,
    departments: Vec<CountedDept>,
    items: Vec<Row>,
    total: u64,
    page: u32,
    pages: u32,
    prev: Option<String>,
    next: Option<String>,
    /// Where another agency handles what the question asks for, instead of matters.
    referral: Option<Referral>,
}

fn limit_text(handling: yichuang_domain::catalog::Handling, days: u32) -> String {
    match handling {
        yichuang_domain::catalog::Handling::Immediate => "即时办结".to_owned(),
        yichuang_domain::catalog::Handling::Promised => format!("{days}个工作日"),
    }
}

pub(crate) async fn list(
    State(state): State<AppState>,
    chrome: Chrome,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<ListPage, AppError> {
    let center = state.core.default_center().await?;
    let store = state.core.store();
    let page = q.page.unwrap_or(1).max(1);
    let filter = MatterFilter {
        q: Some(q.q.clone()).filter(|s| !s.trim().is_empty()),
        department: Some(q.department.clone()).filter(|s| !s.is_empty()),
        window_group: Some(q.window_group.clone()).filter(|s| !s.is_empty()),
        limit: PAGE_SIZE,
        offset: (page - 1).saturating_mul(PAGE_SIZE),
    };
    let question = q.q.trim();
    let searched = !question.is_empty() && !question.is_ascii();
    let life_event = yichuang_domain::catalog::life_event_name(&q.life_event);
    let mut referral = None;
    let (items, total) = if let Some(_name) = life_event.filter(|_| !searched) {
        let all = state
            .core
            .life_event_matters(center.id, &q.life_event)
            .await?;
        let total = all.len() as u64;
        let rows = all
            .into_iter()
            .skip(((page - 1) * PAGE_SIZE) as usize)
            .take(PAGE_SIZE as usize)
            .map(|m| (m, None))
            .collect::<Vec<_>>();
        (rows, total)
    } else if searched {
        // A question in plain words: ranked by the search, one page of confident hits.
        let answer = state
            .core
            .search_answer(
                center.id,
                question,
                Some(q.department.as_str()).filter(|s| !s.is_empty()),
                Some(q.window_group.as_str()).filter(|s| !s.is_empty()),
                PAGE_SIZE as usize,
            )
            .await?;
        referral = answer.referral;
        let hits = answer.hits;
        let total = hits.len() as u64;
        let rows = hits
            .into_iter()
            .map(|h| (h.matter, Some((h.name_html, h.snippet_html))))
            .collect::<Vec<_>>();
        (rows, total)
    } else {
        let (items, total) = state.core.list_matters(center.id, filter).await?;
        (items.into_iter().map(|m| (m, None)).collect(), total)
    };
    let groups = store.window_groups(center.id).await?;
    let departments: Vec<CountedDept> = store
        .departments(center.id)
        .await?
        .into_iter()
        .map(|(d, n)| CountedDept {
            code: d.code,
            name: d.name,
            short_name: d.short_name,
            count: n,
        })
        .collect();
    let heading = if let Some(name) = life_event {
        format!("{name} · 相关事项")
    } else if let Some(d) = departments.iter().find(|d| d.code == q.department) {
        format!("{} 办事指南", d.name)
    } else if let Some(g) = groups.iter().find(|g| g.code == q.window_group) {
        format!("{} 办事指南", g.name)
    } else {
        "办事指南".to_owned()
    };
    let pages = u32::try_from(total.div_ceil(u64::from(PAGE_SIZE)))
        .unwrap_or(1)
        .max(1);
    let link = |p: u32| {
        let query = serde_urlencoded::to_string([
            ("q", q.q.as_str()),
            ("department", q.department.as_str()),
            ("window_group", q.window_group.as_str()),
            ("life_event", q.life_event.as_str()),
            ("page", &p.to_string()),
        ])
        .unwrap_or_default();
        format!("/matters?{query}")
    };
    Ok(ListPage {
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        items: items
            .into_iter()
            .map(|(m, hit)| Row {
                limit: limit_text(m.handling, m.promised_limit_days),
                handling: m.handling.label(),
                code: m.code,
                name_html: hit
                    .as_ref()
                    .map_or_else(|| escape_html(&m.name), |(n, _)| n.clone()),
                snippet_html: hit.and_then(|(_, s)| s),
                department_name: m.department_name,
                kind: m.kind,
            })
            .collect(),
        chrome,
        heading,
        q: q.q,
        department: q.department,
        window_group: q.window_group,
        groups,
        departments,
        total,
        page,
        pages,
        referral,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/departments.html")]
pub(crate) struct DepartmentsPage {
    chrome: Chrome,
    inside: Vec<CountedDept>,
    outside: Vec<CountedDept>,
}

pub(crate) async fn departments(
    State(state): State<AppState>,
    chrome: Chrome,
) -> Result<DepartmentsPage, AppError> {
    let center = state.core.default_center().await?;
    let (inside, outside): (Vec<_>, Vec<_>) = state
        .core
        .store()
        .departments(center.id)
        .await?
        .into_iter()
        .partition(|(d, _)| d.in_center);
    let conv = |v: Vec<(yichuang_domain::catalog::Department, u64)>| {
        v.into_iter()
            .map(|(d, n)| CountedDept {
                code: d.code,
                name: d.name,
                short_name: d.short_name,
                count: n,
            })
            .collect()
    };
    Ok(DepartmentsPage {
        chrome,
        inside: conv(inside),
        outside: conv(outside),
    })
}

pub(crate) struct MaterialRow {
    n: usize,
    name: String,
    note: Option<String>,
    required: bool,
    form: &'static str,
    copies: u32,
    license: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/matter.html")]
pub(crate) struct MatterPage {
    chrome: Chrome,
    m: yichuang_domain::catalog::Matter,
    department_name: String,
    group_name: String,
    handling: &'static str,
    promised: String,
    legal: String,
    visits: String,
    depth: &'static str,
    place: String,
    hours: String,
    consult_phone: String,
    complaint_phone: String,
    version: i64,
    effective_from: String,
    materials: Vec<MaterialRow>,
    result_kind: &'static str,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    chrome: Chrome,
    PagePath(code): PagePath<String>,
) -> Result<MatterPage, AppError> {
    let center = state.core.default_center().await?;
    let store = state.core.store();
    let v = state.core.matter(center.id, &code).await?;
    let m = v.matter;
    let department_name = store
        .department(center.id, &m.department)
        .await?
        .map_or_else(|| m.department.clone(), |d| d.name);
    let group_name = store
        .window_groups(center.id)
        .await?
        .into_iter()
        .find(|g| g.code == m.window_group)
        .map_or_else(|| m.window_group.clone(), |g| g.name);
    let licenses = store.license_types(center.id).await?;
    let license_name = |code: &Option<String>| {
        code.as_ref().map(|c| {
            licenses
                .iter()
                .find(|l| &l.code == c)
                .map_or_else(|| c.clone(), |l| l.name.clone())
        })
    };
    let materials = m
        .materials
        .iter()
        .enumerate()
        .map(|(i, x)| MaterialRow {
            n: i + 1,
            name: x.name.clone(),
            note: x.note.clone(),
            required: x.required,
            form: x.form.label(),
            copies: x.copies,
            license: license_name(&x.license_type),
        })
        .collect();
    let legal = if m.legal_limit_days == 0 {
        "即时办结".to_owned()
    } else {
        format!("{}个工作日", m.legal_limit_days)
    };
    Ok(MatterPage {
        handling: m.handling.label(),
        promised: limit_text(m.handling, m.promised_limit_days),
        legal,
        visits: visits_text(m.max_visits, m.online_depth),
        depth: online_depth_label(m.online_depth),
        place: if m.contact.place.is_empty() {
            group_name.clone()
        } else {
            format!("{} · {group_name}", m.contact.place)
        },
        hours: or_hotline(&m.contact.hours, "以服务中心公告为准"),
        consult_phone: or_hotline(&m.contact.consult_phone, HOTLINE),
        complaint_phone: or_hotline(&m.contact.complaint_phone, HOTLINE),
        version: v.version,
        effective_from: yichuang_domain::clock::shanghai_date(v.effective_from).to_string(),
        result_kind: m.result.kind.label(),
        materials,
        department_name,
        group_name,
        chrome,
        m,
    })
}

/// The national government service hotline, which every center answers (国办发〔2020〕53号).
const HOTLINE: &str = "12345（政务服务便民热线）";

fn or_hotline(given: &str, fallback: &str) -> String {
    if given.trim().is_empty() {
        fallback.to_owned()
    } else {
        given.to_owned()
    }
}

/// 到现场次数 as the guide states it. A matter promised with no visit whose result is still
/// collected at a window (every depth below 全程网办) says so rather than "0次" beside
/// "窗口取件", which contradicted itself.
fn visits_text(max_visits: u32, online_depth: u8) -> String {
    match (max_visits, online_depth) {
        (0, 4) => "0次（全程网办，结果邮寄或电子送达）".into(),
        (0, _) => "0次（结果邮寄送达；选择到窗口取件为1次）".into(),
        (n, _) => format!("最多{n}次"),
    }
}

/// Escapes text for HTML (rows not produced by the search, whose highlighting escapes itself).
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
