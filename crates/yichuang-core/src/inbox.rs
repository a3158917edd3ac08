//! The back office's desk (审批办理): a department's clocked cases, most urgent first, one page
//! at a time, with the light counts of all of them.
//!
//! Over a million cases the desk must not read every open case of the department: the cases
//! come from the light board's due-date index in order (the database stops after the page) and
//! the counts from the board's covering index; only the cases of the page are read whole. The
//! clocked cases are those with a promised due date: an immediate matter is concluded at the
//! moment it is accepted, so none is ever waiting on a desk.

use yichuang_domain::account::{Role, StaffUser};
use yichuang_domain::clock::shanghai_date;
use yichuang_store::CaseFilter;
use yichuang_store::board::LightQuery;

use crate::access::require_role;
use crate::cases::CaseDetail;
use crate::{Core, CoreError, Result};

/// Cases on the first page of the desk.
pub const INBOX_PAGE: u32 = 100;

/// Most cases one desk page shows.
pub const INBOX_MAX: u32 = 1000;

/// A page of the desk.
#[derive(Debug, Clone, Default)]
pub struct Inbox {
    /// The most urgent `limit` clocked cases: red (past the legal deadline first), yellow,
    /// green, each by due date.
    pub cases: Vec<CaseDetail>,
    /// Clocked cases in scope.
    pub total: u64,
    /// Of them, red.
    pub red: u64,
    /// Yellow.
    pub yellow: u64,
    /// Green.
    pub green: u64,
    /// More cases than this page holds.
    pub more: bool,
}

impl Core {
    /// The desk of `user`: their department's clocked cases (every department for supervisors
    /// and admins), the `limit` most urgent of them (1 to [`INBOX_MAX`]).
    pub async fn inbox(&self, user: &StaffUser, limit: u32) -> Result<Inbox> {
        require_role(
            user,
            &[
                Role::Approver,
                Role::DeptHead,
                Role::Supervisor,
                Role::Admin,
            ],
        )?;
        if !(1..=INBOX_MAX).contains(&limit) {
            return Err(CoreError::invalid(
                "n",
                format!("每页显示 1 至 {INBOX_MAX} 件"),
            ));
        }
        let department = if user.has_any_role(&[Role::Admin, Role::Supervisor]) {
            None
        } else {
            match &user.department {
                Some(d) => Some(d.clone()),
                None => return Ok(Inbox::default()),
            }
        };
        let center_id = user.center_id;
        let cal = self.calendar(center_id).await?;
        let now = self.clock().now();
        let day = shanghai_date(now);
        let mut out = Inbox::default();
        for d in self
            .store()
            .light_board(center_id, day, department.as_deref())
            .await?
        {
            out.red += u64::try_from(d.red).unwrap_or(0);
            out.yellow += u64::try_from(d.yellow).unwrap_or(0);
            out.green += u64::try_from(d.green).unwrap_or(0);
        }
        let q = LightQuery {
            center_id,
            day,
            level: String::new(),
            later: day,
            department: department.unwrap_or_default(),
            limit: limit + 1,
        };
        let rows = self.store().light_cases(&q).await?;
        // The listed cases read whole with one query, then put back in the list's order. A case
        // concluded in between is simply not shown.
        let order: std::collections::HashMap<String, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.case_no.clone(), i))
            .collect();
        let mut cases = Vec::with_capacity(rows.len());
        if !rows.is_empty() {
            let filter = CaseFilter {
                center_id,
                case_nos: rows.into_iter().map(|r| r.case_no).collect(),
                limit: limit + 1,
                ..CaseFilter::default()
            };
            for stored in self.store().list_cases(&filter).await? {
                if stored.case.status.is_clocked() {
                    cases.push(self.detail(stored, &cal, now).await);
                }
            }
        }
        cases.sort_by_key(|d| order.get(d.case.case_no()).copied().unwrap_or(usize::MAX));
        out.total = out.red + out.yellow + out.green;
        out.more = cases.len() > limit as usize;
        cases.truncate(limit as usize);
        // The light decides first (the stored due dates order the query; the light, computed on
        // the calendar, has the last word), then the due date.
        cases.sort_by_key(|d| {
            let level = d
                .light
                .map(|l| std::cmp::Reverse((l.legal_overdue, l.level)));
            (level, d.deadlines.due_promised)
        });
        out.cases = cases;
        Ok(out)
    }
}
