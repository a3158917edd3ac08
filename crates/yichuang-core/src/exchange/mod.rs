//! Data exchange with integrators and the provincial platform: the GB/T 39046 export of cases
//! ([`gbt39046`]), the case-event feed scoped by role, and the push of every case event and
//! evaluation to a configured endpoint ([`push`]).
//!
//! Who may read what: the export (`/api/v1/exchange/cases`) holds every case of the center, so
//! it is for center-level roles (系统管理员, 监察人员); the event feed is also open to a
//! department's approvers and head, who see only the events of their department's cases. There
//! is no integrator role: an integration logs in as a staff account of the scope it needs. All
//! of it is masked (see [`gbt39046`]); full ID numbers and phones stay behind the audited reveal.

pub mod gbt39046;
pub mod push;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yichuang_domain::account::{Role, StaffUser};
use yichuang_store::exchange::{CaseRange, FeedQuery};
use yichuang_store::{Center, Event, StoredCase};

use crate::{Core, CoreError, Result, access};

pub use gbt39046::CaseRecord;

/// The largest page of the feed and the export.
pub const MAX_PAGE: u32 = 500;

/// Roles that see a whole center's exchange data.
const CENTER_ROLES: [Role; 2] = [Role::Admin, Role::Supervisor];

/// One event of the feed, personal data masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedEvent {
    /// Event id (the cursor).
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Kind, e.g. `case_accepted`.
    pub kind: String,
    /// The case.
    pub case_no: String,
    /// Who.
    pub actor: String,
    /// Details as the case's timeline records them.
    pub payload: serde_json::Value,
}

/// A page of the feed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedPage {
    /// Events in id order.
    pub events: Vec<FeedEvent>,
    /// The cursor of the next page: the last id here, or the one asked for when empty.
    pub next: i64,
}

/// A page of the export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CasePage {
    /// Cases in id order.
    pub records: Vec<CaseRecord>,
    /// The cursor of the next page; `None` after the last.
    pub next: Option<i64>,
}

/// Checks a page size.
fn page_limit(limit: Option<u32>) -> Result<u32> {
    match limit {
        None => Ok(100),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(_) => Err(CoreError::invalid(
            "limit",
            format!("limit 应在 1 至 {MAX_PAGE} 之间"),
        )),
    }
}

/// An event as the feed shows it.
fn feed_event(e: Event) -> FeedEvent {
    let mut payload = e.payload;
    yichuang_store::exchange::mask_for_exchange(&mut payload);
    FeedEvent {
        id: e.id,
        at: e.at,
        kind: e.kind,
        case_no: e.subject_id,
        actor: yichuang_domain::mask::mask_in_text(&e.actor).unwrap_or(e.actor),
        payload,
    }
}

/// Whether a matter's fee text says it charges (`不收费` and its variants do not).
fn charges(fee: &str) -> bool {
    !fee.trim().is_empty() && !fee.contains("不收费")
}

impl Core {
    /// The department whose case events `user` may follow, or `None` for the whole center;
    /// `Forbidden` for every other role.
    pub fn feed_scope(&self, user: &StaffUser) -> Result<Option<String>> {
        if user.has_any_role(&CENTER_ROLES) {
            return Ok(None);
        }
        if user.has_any_role(&[Role::Approver, Role::DeptHead]) {
            return match &user.department {
                Some(d) => Ok(Some(d.clone())),
                None => Err(CoreError::Forbidden(
                    "您的账号未设置所属部门，无法订阅办件事件".into(),
                )),
            };
        }
        Err(CoreError::Forbidden(
            "办件事件订阅仅限系统管理员、监察人员和部门审批人员".into(),
        ))
    }

    /// Case events of the user's scope after event `after`, in id order (see
    /// [`Core::feed_scope`]).
    pub async fn event_feed(
        &self,
        user: &StaffUser,
        after: i64,
        limit: Option<u32>,
    ) -> Result<FeedPage> {
        let department = self.feed_scope(user)?;
        let limit = page_limit(limit)?;
        if after < 0 {
            return Err(CoreError::invalid(
                "after",
                "after 应为非负整数（事件编号）",
            ));
        }
        let q = FeedQuery {
            center_id: user.center_id,
            department,
            after,
            limit,
            evaluations: false,
        };
        let events: Vec<FeedEvent> = self
            .store()
            .case_feed(&q)
            .await?
            .into_iter()
            .map(feed_event)
            .collect();
        let next = events.last().map_or(after, |e| e.id);
        Ok(FeedPage { events, next })
    }

    /// A page of the GB/T 39046 export of the user's center: cases with an id above `since`,
    /// in id order (administrators and supervisors).
    pub async fn exchange_cases(
        &self,
        user: &StaffUser,
        since: i64,
        limit: Option<u32>,
    ) -> Result<CasePage> {
        access::require_role(user, &CENTER_ROLES)?;
        let limit = page_limit(limit)?;
        if since < 0 {
            return Err(CoreError::invalid(
                "since",
                "since 应为非负整数（上一页的 next）",
            ));
        }
        let range = CaseRange {
            center_id: user.center_id,
            after_id: since,
            received_from: None,
            received_before: None,
            limit,
        };
        let cases = self.store().cases_in_order(&range).await?;
        let full = cases.len() == limit as usize;
        let mut cx = self.export_context(user.center_id).await?;
        let records = self.map_cases(cases, &mut cx).await?;
        let next = if full {
            records.last().map(|r| r.id)
        } else {
            None
        };
        Ok(CasePage { records, next })
    }

    /// Every case of `center` received on the days `from..=to` (Beijing dates), mapped to
    /// GB/T 39046, for the command line; the export is recorded on the center's log.
    pub async fn export_cases(
        &self,
        center: &Center,
        from: NaiveDate,
        to: NaiveDate,
        actor: &str,
    ) -> Result<Vec<CaseRecord>> {
        if to < from {
            return Err(CoreError::invalid("to", "结束日期不能早于开始日期"));
        }
        // Beijing has kept UTC+8 all year since 1991: a day starts at 16:00 UTC the day before.
        let start = |d: NaiveDate| {
            d.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::Duration::hours(8)
        };
        let received_before = to.succ_opt().map(start);
        let mut cx = self.export_context(center.id).await?;
        let mut out = Vec::new();
        let mut after_id = 0;
        loop {
            let range = CaseRange {
                center_id: center.id,
                after_id,
                received_from: Some(start(from)),
                received_before,
                limit: MAX_PAGE,
            };
            let page = self.store().cases_in_order(&range).await?;
            let Some(last) = page.last() else { break };
            after_id = last.id;
            let done = page.len() < MAX_PAGE as usize;
            out.extend(self.map_cases(page, &mut cx).await?);
            if done {
                break;
            }
        }
        self.store()
            .record_event(
                Some(center.id),
                ("center", &center.code),
                "cases_exported",
                serde_json::json!({"format": "gbt39046", "from": from.to_string(),
                    "to": to.to_string(), "cases": out.len()}),
                &self.ctx(actor),
            )
            .await?;
        Ok(out)
    }

    /// Names and codes the mapping needs.
    async fn export_context(&self, center_id: i64) -> Result<gbt39046::Context> {
        let center_name = self
            .store()
            .centers()
            .await?
            .into_iter()
            .find(|c| c.id == center_id)
            .map(|c| c.name)
            .unwrap_or_default();
        let region_code = self
            .store()
            .region(center_id)
            .await?
            .map(|r| r.code)
            .unwrap_or_default();
        let departments = self
            .store()
            .departments(center_id)
            .await?
            .into_iter()
            .map(|(d, _)| (d.code, d.name))
            .collect();
        Ok(gbt39046::Context {
            region_code,
            center_name,
            departments,
            fees: Default::default(),
        })
    }

    /// Maps cases with their event logs, reading each matter version's fee once.
    async fn map_cases(
        &self,
        cases: Vec<StoredCase>,
        cx: &mut gbt39046::Context,
    ) -> Result<Vec<CaseRecord>> {
        let mut out = Vec::with_capacity(cases.len());
        for c in cases {
            let r = &c.case.received;
            let key = (r.matter_code.clone(), r.matter_version);
            if !cx.fees.contains_key(&key)
                && let Some(m) = self
                    .store()
                    .matter_version(r.center_id, &r.matter_code, r.matter_version)
                    .await?
            {
                cx.fees.insert(key, charges(&m.matter.fee));
            }
            let events = self.store().events_for("case", c.case.case_no()).await?;
            out.push(gbt39046::map_case(&c, &events, cx));
        }
        Ok(out)
    }
}
