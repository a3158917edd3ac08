//! Case use cases: intake at a window, back-office actions, issuance, reads scoped by role, the
//! public progress query, supervision lights and the deemed-acceptance sweep.
//!
//! Every write follows the same path: load the case, check the actor's role and scope, let the
//! domain decide the events, fold them, recompute the derived columns on the center's calendar,
//! and store state and events in one transaction guarded by the case version.

use chrono::{DateTime, NaiveDate, Utc};
use yichuang_domain::account::{Role, StaffUser};
use yichuang_domain::calendar::Calendar;
use yichuang_domain::case::{
    Applicant, ApplicantKind, Case, CaseEvent, CaseStatus, Command, Deadlines, IntakeDecision,
    Light, MaterialInput, OpenCase, deadlines, light_at, open_case,
};
use yichuang_domain::catalog::Handling;
use yichuang_domain::clock::shanghai_date;
use yichuang_domain::ids::{parse_credit_code, parse_id_number, parse_phone};
use yichuang_store::{
    CaseEventWrite, CaseFilter, CaseNumbering, CaseWrite, StoredCase, case_index,
};

use crate::access::{require_center, require_department, require_role};
use crate::{Core, CoreError, Result};

/// The applicant as typed at the window or sent by the API.
#[derive(Debug, Clone, Default)]
pub struct ApplicantInput {
    /// `person` or `org`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// 居民身份证号码 (person).
    pub id_number: Option<String>,
    /// 统一社会信用代码 (org).
    pub credit_code: Option<String>,
    /// Phone.
    pub phone: String,
    /// 法定代表人 (org).
    pub legal_representative: Option<String>,
    /// Contact person (org).
    pub contact: Option<String>,
}

/// A new case.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// Matter code.
    pub matter_code: String,
    /// Applicant.
    pub applicant: ApplicantInput,
    /// Items provided; unlisted ones are missing.
    pub materials: Vec<MaterialInput>,
    /// Intake decision.
    pub decision: IntakeDecision,
}

/// A case with everything derived from it at one moment.
#[derive(Debug, Clone)]
pub struct CaseDetail {
    /// The state.
    pub case: Case,
    /// Deadlines on the center's calendar.
    pub deadlines: Deadlines,
    /// The light now (for clocked cases).
    pub light: Option<Light>,
    /// The light of the current back-office step (环节时限).
    pub step_light: Option<yichuang_domain::case::StepLight>,
    /// No correction notice within 5 working days: the case counts as accepted on receipt.
    pub deemed_pending: bool,
    /// Row id, the list cursor.
    pub id: i64,
}

/// Checks an applicant as entered; `today` bounds the birth date in an ID number.
pub(crate) fn validate_applicant(a: ApplicantInput, today: NaiveDate) -> Result<Applicant> {
    let name = yichuang_domain::ids::parse_name(&a.name).map_err(|m| CoreError::Unprocessable {
        code: "invalid_name",
        message: m.into(),
    })?;
    let phone = parse_phone(&a.phone).map_err(|m| CoreError::Unprocessable {
        code: "invalid_phone",
        message: m.into(),
    })?;
    let (kind, id_number) = match a.kind.as_str() {
        "person" => {
            let raw = a.id_number.unwrap_or_default();
            let id = parse_id_number(&raw).map_err(|m| CoreError::Unprocessable {
                code: "invalid_id_number",
                message: m.into(),
            })?;
            if yichuang_domain::ids::id_birth_date(&id).is_some_and(|b| b > today) {
                return Err(CoreError::Unprocessable {
                    code: "invalid_id_number",
                    message: "居民身份证号码中的出生日期晚于今天，请核对".into(),
                });
            }
            (ApplicantKind::Person, id)
        }
        "org" => {
            let raw = a.credit_code.or(a.id_number).unwrap_or_default();
            let code = parse_credit_code(&raw).map_err(|m| CoreError::Unprocessable {
                code: "invalid_credit_code",
                message: m.into(),
            })?;
            (ApplicantKind::Org, code)
        }
        _ => {
            return Err(CoreError::invalid(
                "applicant.type",
                "申请人类型应为 person（个人）或 org（单位）",
            ));
        }
    };
    let clean = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(Applicant {
        kind,
        name,
        id_number,
        phone,
        legal_representative: clean(a.legal_representative),
        contact: clean(a.contact),
    })
}

/// The window group of 综合受理窗口.
const COMPREHENSIVE: &str = "comprehensive";

/// Roles allowed to perform a command (the department scope is checked separately).
fn roles_for(cmd: &Command) -> &'static [Role] {
    match cmd {
        Command::PreReview | Command::ReturnForChanges { .. } => &[Role::Clerk],
        Command::Resubmit { .. } => &[Role::Applicant],
        Command::RequestCorrection { .. }
        | Command::Supplement { .. }
        | Command::Accept
        | Command::Refuse { .. } => &[Role::Clerk],
        Command::Pass { .. }
        | Command::Return { .. }
        | Command::Suspend { .. }
        | Command::Resume
        | Command::RequestExtension { .. }
        | Command::Conclude { .. } => &[Role::Approver, Role::DeptHead],
        Command::ApproveExtension => &[Role::DeptHead],
        Command::Deliver { .. } => &[Role::Issuer, Role::Clerk],
        Command::Withdraw { .. } => &[
            Role::Clerk,
            Role::Approver,
            Role::DeptHead,
            Role::Admin,
            Role::Applicant,
        ],
    }
}

/// Department and window scope of an action, beyond its roles.
///
/// `same_desk` says whether the user's window may speak for the window that took the case: the
/// same window, or two comprehensive windows (前台综合受理: any comprehensive clerk serves any
/// case taken at one). A dedicated window (e.g. 税务) speaks only for itself.
fn check_scope(user: &StaffUser, c: &Case, cmd: &Command, same_desk: bool) -> Result<()> {
    if user.is_applicant() {
        // Applicants act only on their own online applications (others do not exist for them).
        return if c.received.owner == Some(user.id) {
            Ok(())
        } else {
            Err(CoreError::NotFound(format!("办件 {} 不存在", c.case_no())))
        };
    }
    let office_only = roles_for(cmd)
        .iter()
        .all(|r| matches!(r, Role::Approver | Role::DeptHead));
    match cmd {
        Command::Deliver { .. } => {
            let own_immediate = c.received.handling == Handling::Immediate
                && user.window.as_deref() == Some(c.received.window.as_str());
            if user.has_role(Role::Issuer) || own_immediate {
                Ok(())
            } else {
                Err(CoreError::Forbidden(
                    "承诺件的结果由审核出件窗口统一出件".into(),
                ))
            }
        }
        Command::Withdraw { .. } => {
            if user.has_role(Role::Admin) || (user.has_role(Role::Clerk) && same_desk) {
                Ok(())
            } else if user.has_any_role(&[Role::Approver, Role::DeptHead]) {
                require_department(user, &c.received.department)
            } else {
                Err(CoreError::Forbidden(
                    "只有受理该件的窗口（或综合受理窗口之间）可以办理撤件".into(),
                ))
            }
        }
        _ if office_only => require_department(user, &c.received.department),
        _ => Ok(()),
    }
}

impl Core {
    pub(crate) async fn detail(
        &self,
        stored: StoredCase,
        cal: &Calendar,
        at: DateTime<Utc>,
    ) -> CaseDetail {
        let deadlines = deadlines(&stored.case, cal);
        let light = light_at(&stored.case, &deadlines, cal, at);
        let deemed_pending = stored.case.status == CaseStatus::Received
            && stored.case.correction_requested_at.is_none()
            && shanghai_date(at) > deadlines.correction_due;
        CaseDetail {
            step_light: yichuang_domain::case::step_light(&stored.case, cal, at),
            case: stored.case,
            deadlines,
            light,
            deemed_pending,
            id: stored.id,
        }
    }

    async fn write(
        &self,
        case: Case,
        events: Vec<CaseEventWrite>,
        user: Option<&StaffUser>,
        create: Option<&CaseNumbering>,
        expected: u64,
    ) -> Result<String> {
        let cal = self.calendar(case.received.center_id).await?;
        // Timeliness of a conclusion is a fact of that moment (the calendar may change later),
        // so it is recorded with the event for the reports.
        let concluded_on_time = events
            .iter()
            .find(|e| matches!(e.event, CaseEvent::Concluded { .. }))
            .map(|e| {
                let d = deadlines(&case, &cal);
                match d.immediate_due_at {
                    Some(due_at) => e.at <= due_at,
                    None => d.due_promised.is_none_or(|due| shanghai_date(e.at) <= due),
                }
            });
        let write = CaseWrite {
            index: case_index(&case, &cal),
            case,
            events,
            actor_window: user.and_then(|u| u.window.clone()),
            actor_department: user.and_then(|u| u.department.clone()),
            concluded_on_time,
        };
        let actor = user.map_or("system", |u| u.username.as_str());
        let ctx = self.ctx(actor);
        match create {
            Some(numbering) => Ok(self
                .store()
                .create_case(&write, Some(numbering), &ctx)
                .await?),
            None => {
                self.store().update_case(&write, expected, &ctx).await?;
                Ok(write.case.case_no().to_owned())
            }
        }
    }

    /// Opens a case at the clerk's window: receipt plus the intake decision.
    pub async fn open_case(&self, user: &StaffUser, input: NewCase) -> Result<CaseDetail> {
        require_role(user, &[Role::Clerk])?;
        let window_code = user
            .window
            .clone()
            .ok_or_else(|| CoreError::Forbidden("您的账号未绑定窗口".into()))?;
        let center = user.center_id;
        let version = self.matter(center, &input.matter_code).await?;
        let windows = self.windows(center).await?;
        let window = windows
            .iter()
            .find(|w| w.code == window_code)
            .ok_or_else(|| CoreError::Forbidden("您的窗口不存在".into()))?;
        if window.group != version.matter.window_group {
            return Err(CoreError::Forbidden(format!(
                "“{}”不受理此事项，请引导申请人到相应窗口办理",
                window.name
            )));
        }
        let applicant = validate_applicant(input.applicant, self.clock().today())?;
        self.check_window_scans(user, &input.materials).await?;
        // Items a valid licence in the library satisfies need no paper (电子证照库核验).
        let licenses = self
            .licenses_for_intake(center, &version.matter, &applicant.id_number)
            .await?;
        let extras = yichuang_domain::case::IntakeExtras {
            licenses,
            ..Default::default()
        };
        let detail = self
            .open_case_as(
                user,
                center,
                window_code,
                &version,
                applicant,
                input.materials,
                input.decision,
                extras,
            )
            .await?;
        // Opening a case from a called ticket links the two (for measures and evaluations).
        if let Err(e) = self.link_ticket_to_case(user, detail.case.case_no()).await {
            tracing::warn!(error = %e, case_no = detail.case.case_no(), "could not link the window's ticket to the case");
        }
        Ok(detail)
    }

    /// Opens a case at a window or online: numbering, receipt and the intake decision.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn open_case_as(
        &self,
        user: &StaffUser,
        center: i64,
        window_code: String,
        version: &yichuang_store::MatterVersion,
        applicant: Applicant,
        materials: Vec<MaterialInput>,
        decision: IntakeDecision,
        extras: yichuang_domain::case::IntakeExtras,
    ) -> Result<CaseDetail> {
        let now = self.clock().now();
        let today = shanghai_date(now);
        let build = |case_no: String| OpenCase {
            case_no,
            center_id: center,
            matter: &version.matter,
            matter_version: version.version,
            window: window_code.clone(),
            applicant: applicant.clone(),
            materials: materials.clone(),
            decision: decision.clone(),
            immediate_minutes: self.cases.immediate_minutes,
            light_rules: self.light_rules_for(&version.matter.code),
            now,
            today,
            extras: extras.clone(),
        };
        // The number is allocated inside the write's transaction; refused input never gets one.
        let events = open_case(build(String::new()))?;
        let center_code = match self.default_center().await {
            Ok(c) if c.id == center => c.code,
            _ => self
                .store()
                .centers()
                .await?
                .into_iter()
                .find(|c| c.id == center)
                .map(|c| c.code)
                .unwrap_or_default(),
        };
        let numbering = CaseNumbering {
            prefix: format!("{center_code}-{}-", today.format("%Y%m%d")),
            day: today,
        };
        let mut case: Option<Case> = None;
        for e in &events {
            match (&mut case, e) {
                (None, e) if e.opening().is_some() => {
                    case = Case::open(e, now, &user.username);
                }
                (Some(c), e) => c.apply(now, &user.username, e),
                (None, _) => {}
            }
        }
        let mut case =
            case.ok_or_else(|| CoreError::Internal(anyhow::anyhow!("intake produced no receipt")))?;
        let writes = events
            .into_iter()
            .map(|event| CaseEventWrite { at: now, event })
            .collect();
        let case_no = self
            .write(case.clone(), writes, Some(user), Some(&numbering), 0)
            .await?;
        tracing::info!(case_no, matter = version.matter.code, "case opened");
        case.received.case_no.clone_from(&case_no);
        let cal = self.calendar(center).await?;
        Ok(self
            .detail(
                StoredCase {
                    id: 0,
                    index: case_index(&case, &cal),
                    case,
                },
                &cal,
                now,
            )
            .await)
    }

    async fn load(&self, case_no: &str) -> Result<StoredCase> {
        self.store()
            .case_by_no(case_no)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("办件 {case_no} 不存在")))
    }

    /// Records deemed acceptance (行政许可法 Art. 32) when the correction window passed without a
    /// notice. Returns the case as it is afterwards.
    async fn settle_deemed(&self, stored: StoredCase) -> Result<StoredCase> {
        let c = &stored.case;
        if c.status != CaseStatus::Received || c.correction_requested_at.is_some() {
            return Ok(stored);
        }
        let cal = self.calendar(c.received.center_id).await?;
        let due = deadlines(c, &cal).correction_due;
        let now = self.clock().now();
        if shanghai_date(now) <= due {
            return Ok(stored);
        }
        let event = CaseEvent::Accepted {
            accepted_at: c.received_at,
            deemed: true,
        };
        let mut case = c.clone();
        case.apply(now, "system", &event);
        let expected = stored.case.version;
        match self
            .write(
                case,
                vec![CaseEventWrite { at: now, event }],
                None,
                None,
                expected,
            )
            .await
        {
            Ok(_) | Err(CoreError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
        self.load(stored.case.case_no()).await
    }

    /// Applies an action by a staff member.
    pub async fn act_on_case(
        &self,
        user: &StaffUser,
        case_no: &str,
        cmd: Command,
    ) -> Result<CaseDetail> {
        let stored = self.load(case_no).await?;
        let c = &stored.case;
        require_center(user, c.received.center_id)?;
        require_role(user, roles_for(&cmd))?;
        let same_desk = match user.window.as_deref() {
            Some(w) if w == c.received.window => true,
            Some(w) => {
                let windows = self.windows(c.received.center_id).await?;
                let group = |code: &str| {
                    windows
                        .iter()
                        .find(|x| x.code == code)
                        .map(|x| x.group.clone())
                };
                group(w).as_deref() == Some(COMPREHENSIVE)
                    && group(&c.received.window).as_deref() == Some(COMPREHENSIVE)
            }
            None => false,
        };
        check_scope(user, c, &cmd, same_desk)?;
        if let Command::Supplement { materials } = &cmd {
            self.check_window_scans(user, materials).await?;
        }
        if matches!(cmd, Command::Pass { .. })
            && let Some(why) = c.duty_conflict(&user.username)
        {
            return Err(CoreError::InvalidTransition(why));
        }
        let stored = self.settle_deemed(stored).await?;
        let now = self.clock().now();
        let mut events = stored.case.decide(&cmd, now, shanghai_date(now))?;
        let mut case = stored.case.clone();
        for e in &events {
            case.apply(now, &user.username, e);
        }
        // An approval whose result is a licence issues it into the library with the decision.
        if case.outcome == Some(yichuang_domain::case::Outcome::Approved)
            && stored.case.outcome.is_none()
            && let Some(license) = self.license_for_approval(&case).await?
        {
            let event = CaseEvent::LicenseIssued(Box::new(license));
            case.apply(now, &user.username, &event);
            events.push(event);
        }
        let writes = events
            .into_iter()
            .map(|event| CaseEventWrite { at: now, event })
            .collect();
        self.write(case, writes, Some(user), None, stored.case.version)
            .await?;
        self.case_for(user, case_no).await
    }

    /// A case as `user` may see it.
    pub async fn case_for(&self, user: &StaffUser, case_no: &str) -> Result<CaseDetail> {
        let stored = self.load(case_no).await?;
        if user.is_applicant() && !self.is_applicants_case(user, &stored.case).await? {
            return Err(CoreError::NotFound(format!("办件 {case_no} 不存在")));
        }
        // The township that took the case as agent follows it (read only).
        let agent = stored.case.received.agent_center == Some(user.center_id);
        if !agent {
            require_center(user, stored.case.received.center_id)?;
        }
        if user.has_any_role(&[Role::Approver, Role::DeptHead])
            && !user.has_any_role(&[Role::Admin, Role::Supervisor, Role::Clerk, Role::Issuer])
        {
            require_department(user, &stored.case.received.department)?;
        }
        let cal = self.calendar(stored.case.received.center_id).await?;
        Ok(self.detail(stored, &cal, self.clock().now()).await)
    }

    /// Whether an applicant account may see `c`: its own online application, or a case taken
    /// at a window under the ID number or credit code of the account's real-name profile.
    pub(crate) async fn is_applicants_case(&self, user: &StaffUser, c: &Case) -> Result<bool> {
        if c.received.owner == Some(user.id) {
            return Ok(true);
        }
        let Some(profile) = self.store().applicant_profile(user.id).await? else {
            return Ok(false);
        };
        let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
        Ok(c.received.center_id == user.center_id
            && !profile.id_number.trim().is_empty()
            && same(&profile.id_number, &c.received.applicant.id_number))
    }

    /// Cases `user` may see: approvers and heads their department's, clerks their window's,
    /// issuers, supervisors and admins the whole center.
    pub async fn cases_for(
        &self,
        user: &StaffUser,
        mut filter: CaseFilter,
    ) -> Result<Vec<CaseDetail>> {
        filter.center_id = user.center_id;
        if user.is_applicant() {
            filter.owner = Some(user.id);
            filter.applicant_id = self
                .store()
                .applicant_profile(user.id)
                .await?
                .map(|p| p.id_number)
                .filter(|id| !id.trim().is_empty());
        } else if !user.has_any_role(&[Role::Admin, Role::Supervisor, Role::Issuer]) {
            if user.has_any_role(&[Role::Approver, Role::DeptHead]) {
                filter.department.clone_from(&user.department);
                if filter.department.is_none() {
                    return Ok(Vec::new());
                }
            } else if user.has_role(Role::Clerk) {
                filter.window.clone_from(&user.window);
                if filter.window.is_none() {
                    return Ok(Vec::new());
                }
            }
        }
        self.listed(&filter).await
    }

    /// The cases a filter selects, with their deadlines and lights on their center's calendar
    /// (access already checked by the caller).
    pub(crate) async fn listed(&self, filter: &CaseFilter) -> Result<Vec<CaseDetail>> {
        let cal = self.calendar(filter.center_id).await?;
        let now = self.clock().now();
        let mut out = Vec::new();
        for stored in self.store().list_cases(filter).await? {
            out.push(self.detail(stored, &cal, now).await);
        }
        Ok(out)
    }

    /// Online applications waiting for pre-review (预审), oldest first, for clerks.
    pub async fn prereview_queue(&self, user: &StaffUser) -> Result<Vec<CaseDetail>> {
        require_role(user, &[Role::Clerk])?;
        let mut list = self
            .listed(&CaseFilter {
                center_id: user.center_id,
                status: Some(CaseStatus::Submitted),
                limit: 200,
                ..Default::default()
            })
            .await?;
        list.reverse();
        Ok(list)
    }

    /// The case's event log, scoped like [`Core::case_for`].
    pub async fn case_events(
        &self,
        user: &StaffUser,
        case_no: &str,
    ) -> Result<Vec<yichuang_store::Event>> {
        self.case_for(user, case_no).await?;
        Ok(self.store().events_for("case", case_no).await?)
    }

    /// The applicant of a case in full, for staff who must verify or contact them. The read is
    /// written to the case's log first: unmasking personal data is never silent.
    pub async fn reveal_applicant(
        &self,
        user: &StaffUser,
        case_no: &str,
    ) -> Result<yichuang_domain::case::Applicant> {
        if user.is_applicant() {
            return Err(CoreError::NotFound(format!("办件 {case_no} 不存在")));
        }
        let detail = self.case_for(user, case_no).await?;
        self.store()
            .record_event(
                Some(detail.case.received.center_id),
                ("case", case_no),
                "personal_data_revealed",
                serde_json::json!({"fields": ["id_number", "phone"], "by": user.display_name}),
                &self.ctx(&user.username),
            )
            .await?;
        Ok(detail.case.received.applicant.clone())
    }

    /// The public progress query: the number and the applicant's name must both match; any
    /// mismatch looks exactly like an unknown number.
    pub async fn public_progress(&self, case_no: &str, name: &str) -> Result<CaseDetail> {
        let not_found = || CoreError::NotFound("未查询到该办件，请核对办件编号和申请人名称".into());
        let case_no = case_no.trim();
        let name = name.trim();
        if case_no.is_empty() || name.is_empty() || case_no.len() > 64 {
            return Err(not_found());
        }
        let stored = self
            .store()
            .case_by_no(case_no)
            .await?
            .ok_or_else(not_found)?;
        if stored.case.received.applicant.name != name {
            return Err(not_found());
        }
        let cal = self.calendar(stored.case.received.center_id).await?;
        Ok(self.detail(stored, &cal, self.clock().now()).await)
    }

    /// Lights of every open clocked case of the user's center as of `at` (a forecast when `at` is
    /// in the future). Received cases past their correction window count as accepted on receipt.
    pub async fn lights_at(&self, user: &StaffUser, at: DateTime<Utc>) -> Result<Vec<CaseDetail>> {
        require_role(user, &[Role::Supervisor, Role::Admin])?;
        let cal = self.calendar(user.center_id).await?;
        let mut out = Vec::new();
        let mut before_id = None;
        loop {
            let filter = CaseFilter {
                center_id: user.center_id,
                open_only: true,
                limit: 1000,
                before_id,
                ..CaseFilter::default()
            };
            let page = self.store().list_cases(&filter).await?;
            let Some(last) = page.last() else { break };
            before_id = Some(last.id);
            for stored in page {
                let mut detail = self.detail(stored, &cal, at).await;
                if detail.deemed_pending {
                    let mut c = detail.case.clone();
                    c.apply(
                        at,
                        "system",
                        &CaseEvent::Accepted {
                            accepted_at: c.received_at,
                            deemed: true,
                        },
                    );
                    detail.deadlines = deadlines(&c, &cal);
                    detail.light = light_at(&c, &detail.deadlines, &cal, at);
                }
                if detail.light.is_some() {
                    out.push(detail);
                }
            }
        }
        Ok(out)
    }

    /// Records deemed acceptance for every received case of every center whose correction window
    /// has passed. Idempotent; returns how many cases changed.
    pub async fn sweep_deemed_acceptance(&self) -> Result<u64> {
        let mut changed = 0;
        for center in self.store().centers().await? {
            let filter = CaseFilter {
                center_id: center.id,
                status: Some(CaseStatus::Received),
                limit: 1000,
                ..CaseFilter::default()
            };
            for stored in self.store().list_cases(&filter).await? {
                let before = stored.case.status;
                let after = self.settle_deemed(stored).await?;
                if after.case.status != before {
                    changed += 1;
                }
            }
        }
        if changed > 0 {
            tracing::info!(changed, "deemed acceptance recorded");
        }
        Ok(changed)
    }
}
