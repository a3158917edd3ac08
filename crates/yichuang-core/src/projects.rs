//! Investment projects (投资项目): the investment window accepts one application for a stage of
//! 工程建设项目审批 and opens its matters as parallel cases (one per matter, each on its own
//! clock and department) with the shared materials checked once; the project shows which matters
//! are done and which block the stage, on a stage clock with its own light.

use std::collections::HashMap;

use chrono::NaiveDate;
use yichuang_domain::account::{Role, StaffUser};
use yichuang_domain::case::{
    Applicant, ApplicantKind, CaseStatus, IntakeDecision, IntakeExtras, MaterialInput,
    MaterialMode, OpenCase, Outcome, open_case,
};
use yichuang_domain::clock::shanghai_date;
use yichuang_domain::ids::{parse_credit_code, parse_phone};
use yichuang_domain::project::{Stage, StageClock, parse_project_code, stage_clock};
use yichuang_store::{
    CaseEventWrite, CaseNumbering, CaseWrite, NewProject, NewStage, Project, case_index,
};

use crate::access::{require_center, require_role};
use crate::{Core, CoreError, Result};

/// The window group of the 投资项目综合窗口.
pub const INVESTMENT_GROUP: &str = "investment";

/// Stage limits of a center, in working days.
#[derive(Debug, Clone, Default)]
pub struct ProjectSettings {
    /// Overrides of [`Stage::default_days`] by stage.
    pub stage_days: HashMap<Stage, u32>,
}

impl ProjectSettings {
    /// The promised limit of a stage.
    pub fn days(&self, stage: Stage) -> u32 {
        self.stage_days
            .get(&stage)
            .copied()
            .unwrap_or_else(|| stage.default_days())
    }
}

/// A stage application as the investment window enters it.
#[derive(Debug, Clone, Default)]
pub struct StageApplication {
    /// National project code.
    pub code: String,
    /// Project name.
    pub name: String,
    /// Company name.
    pub company_name: String,
    /// Company 统一社会信用代码.
    pub credit_code: String,
    /// Location.
    pub location: String,
    /// Investment (万元).
    pub investment: String,
    /// Industry.
    pub industry: String,
    /// Contact person.
    pub contact_name: String,
    /// Contact phone.
    pub contact_phone: String,
    /// Stage code.
    pub stage: String,
    /// Matters of the stage that apply to the project.
    pub matters: Vec<String>,
}

/// One parallel case of a stage as the project shows it.
#[derive(Debug, Clone)]
pub struct StageCase {
    /// Case number.
    pub case_no: String,
    /// Matter code.
    pub matter_code: String,
    /// Matter name.
    pub matter_name: String,
    /// Department code.
    pub department: String,
    /// Status.
    pub status: CaseStatus,
    /// The case's own light (clocked cases).
    pub light: Option<&'static str>,
    /// Done: concluded approved or delivered.
    pub done: bool,
}

/// A stage with its clock and cases.
#[derive(Debug, Clone)]
pub struct StageView {
    /// The stage.
    pub stage: Stage,
    /// The stage clock.
    pub clock: StageClock,
    /// Its cases.
    pub cases: Vec<StageCase>,
    /// Cases that keep the stage from completing.
    pub blocking: Vec<String>,
}

/// A project with every stage opened so far.
#[derive(Debug, Clone)]
pub struct ProjectView {
    /// The project.
    pub project: Project,
    /// Its stages in order of opening; the last is the current one.
    pub stages: Vec<StageView>,
}

impl ProjectView {
    /// The stage opened last.
    pub fn current(&self) -> Option<&StageView> {
        self.stages.last()
    }
}

fn unprocessable(code: &'static str, message: impl Into<String>) -> CoreError {
    CoreError::Unprocessable {
        code,
        message: message.into(),
    }
}

impl Core {
    /// Accepts a stage application at the investment window and opens its parallel cases.
    pub async fn open_project_stage(
        &self,
        user: &StaffUser,
        app: StageApplication,
    ) -> Result<ProjectView> {
        require_role(user, &[Role::Clerk])?;
        let center = user.center_id;
        let code =
            parse_project_code(&app.code).map_err(|m| unprocessable("invalid_project_code", m))?;
        let credit = parse_credit_code(&app.credit_code)
            .map_err(|m| unprocessable("invalid_credit_code", m))?;
        let stage = Stage::parse(&app.stage).ok_or_else(|| {
            CoreError::invalid(
                "stage",
                "审批阶段应为 land_planning（立项用地规划许可）、construction_permit（工程建设许可）、construction（施工许可）或 completion（竣工验收）",
            )
        })?;
        // The investment window accepts; an assigned 帮办/代办 may act for the company too.
        let existing = self.store().project(&code).await?;
        let is_agent = existing
            .as_ref()
            .is_some_and(|p| p.agents.contains(&user.id));
        let window_code = user
            .window
            .clone()
            .ok_or_else(|| CoreError::Forbidden("您的账号未绑定窗口".into()))?;
        let windows = self.windows(center).await?;
        let at_investment = windows
            .iter()
            .any(|w| w.code == window_code && w.group == INVESTMENT_GROUP);
        if !at_investment && !is_agent {
            return Err(CoreError::Forbidden(
                "投资项目由投资项目综合窗口受理，请引导企业到该窗口".into(),
            ));
        }
        let name = app.name.trim().to_owned();
        let company = app.company_name.trim().to_owned();
        if name.is_empty() || company.is_empty() {
            return Err(CoreError::invalid("name", "请填写项目名称和企业名称"));
        }
        for (field, label, text) in [
            ("name", "项目名称", &app.name),
            ("company", "企业名称", &app.company_name),
            ("location", "建设地点", &app.location),
            ("investment", "总投资", &app.investment),
            ("industry", "行业", &app.industry),
            ("applicant_contact", "联系人", &app.contact_name),
        ] {
            if text.trim().chars().count() > 200 {
                return Err(CoreError::invalid(
                    field,
                    format!("{label}过长（最多 200 字）"),
                ));
            }
        }
        let phone =
            parse_phone(&app.contact_phone).map_err(|m| unprocessable("invalid_phone", m))?;
        if app.matters.is_empty() {
            return Err(CoreError::invalid("matters", "请选择本阶段要办理的事项"));
        }
        let mut seen = std::collections::HashSet::new();
        let mut versions = Vec::with_capacity(app.matters.len());
        for m in &app.matters {
            if !seen.insert(m.clone()) {
                return Err(CoreError::invalid("matters", format!("事项 {m} 重复")));
            }
            let v = self.matter(center, m).await?;
            if v.matter.window_group != INVESTMENT_GROUP {
                return Err(unprocessable(
                    "not_investment_matter",
                    format!("“{}”不是投资项目综合窗口受理的事项", v.matter.name),
                ));
            }
            if let Some(s) = v.matter.project_stage.as_deref()
                && s != stage.code()
            {
                let other = Stage::parse(s).map_or_else(|| s.to_owned(), |x| x.label().to_owned());
                return Err(unprocessable(
                    "wrong_stage",
                    format!(
                        "“{}”属于{}阶段，不在{}阶段办理",
                        v.matter.name,
                        other,
                        stage.label()
                    ),
                ));
            }
            versions.push(v);
        }
        let applicant = Applicant {
            kind: ApplicantKind::Org,
            name: company.clone(),
            id_number: credit.clone(),
            phone: phone.clone(),
            legal_representative: None,
            contact: Some(app.contact_name.trim().to_owned()).filter(|s| !s.is_empty()),
        };
        let now = self.clock().now();
        let today = shanghai_date(now);
        let cal = self.calendar(center).await?;
        let mut writes = Vec::with_capacity(versions.len());
        for v in &versions {
            let m = &v.matter;
            // The shared materials were checked once at the window for the whole stage.
            let materials = (0..m.materials.len())
                .map(|index| MaterialInput {
                    index,
                    mode: MaterialMode::Original,
                    deferred_due: None,
                    file_id: None,
                })
                .collect();
            let licenses = self.licenses_for_intake(center, m, &credit).await?;
            let events = open_case(OpenCase {
                case_no: String::new(),
                center_id: center,
                matter: m,
                matter_version: v.version,
                window: window_code.clone(),
                applicant: applicant.clone(),
                materials,
                decision: IntakeDecision::Accept,
                immediate_minutes: self.cases.immediate_minutes,
                light_rules: self.light_rules_for(&m.code),
                now,
                today,
                extras: IntakeExtras {
                    licenses,
                    ..Default::default()
                },
            })?;
            let mut case = None;
            for e in &events {
                match (&mut case, e) {
                    (None, e) if e.opening().is_some() => {
                        case = yichuang_domain::case::Case::open(e, now, &user.username);
                    }
                    (Some(c), e) => c.apply(now, &user.username, e),
                    (None, _) => {}
                }
            }
            let case = case.ok_or_else(|| {
                CoreError::Internal(anyhow::anyhow!("intake produced no receipt"))
            })?;
            writes.push(CaseWrite {
                index: case_index(&case, &cal),
                case,
                events: events
                    .into_iter()
                    .map(|event| CaseEventWrite { at: now, event })
                    .collect(),
                actor_window: Some(window_code.clone()),
                actor_department: None,
                concluded_on_time: None,
            });
        }
        let center_code = self
            .store()
            .centers()
            .await?
            .into_iter()
            .find(|c| c.id == center)
            .map(|c| c.code)
            .unwrap_or_default();
        let numbering = CaseNumbering {
            prefix: format!("{center_code}-{}-", today.format("%Y%m%d")),
            day: today,
        };
        let project = NewProject {
            center_id: center,
            code: code.clone(),
            name,
            company_name: company,
            credit_code: credit,
            location: app.location.trim().to_owned(),
            investment: app.investment.trim().to_owned(),
            industry: app.industry.trim().to_owned(),
            contact: format!("{} {}", app.contact_name.trim(), phone),
        };
        let new_stage = NewStage {
            stage: stage.code().to_owned(),
            opened_on: today,
            limit_days: self.projects.days(stage),
            window: window_code,
        };
        let numbers = self
            .store()
            .open_project_stage(
                &project,
                &new_stage,
                &writes,
                &numbering,
                &self.ctx(&user.username),
            )
            .await?;
        tracing::info!(
            project = code,
            stage = stage.code(),
            cases = numbers.len(),
            "project stage opened"
        );
        self.project_view(&code).await
    }

    async fn project_view(&self, code: &str) -> Result<ProjectView> {
        let project = self
            .store()
            .project(code)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("项目 {code} 不存在")))?;
        let cal = self.calendar(project.center_id).await?;
        let now = self.clock().now();
        let today = shanghai_date(now);
        let mut stages = Vec::with_capacity(project.stages.len());
        for s in &project.stages {
            let Some(stage) = Stage::parse(&s.stage) else {
                continue;
            };
            let mut cases = Vec::new();
            let mut finished: Option<NaiveDate> = Some(s.opened_on);
            for (_, case_no, _) in project.cases.iter().filter(|(st, _, _)| *st == s.stage) {
                let Some(stored) = self.store().case_by_no(case_no).await? else {
                    continue;
                };
                let d = yichuang_domain::case::deadlines(&stored.case, &cal);
                let light = yichuang_domain::case::light_at(&stored.case, &d, &cal, now)
                    .map(|l| l.level.code());
                let c = &stored.case;
                let done = matches!(c.status, CaseStatus::Concluded | CaseStatus::Delivered)
                    && c.outcome == Some(Outcome::Approved);
                finished = match (finished, done, c.concluded_at) {
                    (Some(f), true, Some(at)) => Some(f.max(shanghai_date(at))),
                    _ => None,
                };
                cases.push(StageCase {
                    case_no: case_no.clone(),
                    matter_code: c.received.matter_code.clone(),
                    matter_name: c.received.matter_name.clone(),
                    department: c.received.department.clone(),
                    status: c.status,
                    light,
                    done,
                });
            }
            let blocking = cases
                .iter()
                .filter(|c| !c.done)
                .map(|c| c.case_no.clone())
                .collect();
            let finished = finished.filter(|_| !cases.is_empty());
            stages.push(StageView {
                stage,
                clock: stage_clock(&cal, s.opened_on, s.limit_days, finished, today),
                cases,
                blocking,
            });
        }
        Ok(ProjectView { project, stages })
    }

    /// A project as `user` may see it: the center's investment window, supervisors and admins,
    /// departments with a case in it, its 帮办/代办 staff, and the company's own account.
    pub async fn project_for(&self, user: &StaffUser, code: &str) -> Result<ProjectView> {
        let view = self.project_view(code).await?;
        let hidden = || CoreError::NotFound(format!("项目 {code} 不存在"));
        let p = &view.project;
        if user.is_applicant() {
            let profile = self.applicant_profile(user).await?;
            return if profile.id_number == p.credit_code {
                Ok(view)
            } else {
                Err(hidden())
            };
        }
        require_center(user, p.center_id).map_err(|_| hidden())?;
        let in_department = user.department.as_deref().is_some_and(|d| {
            view.stages
                .iter()
                .flat_map(|s| &s.cases)
                .any(|c| c.department == d)
        });
        let allowed =
            user.has_any_role(&[Role::Admin, Role::Supervisor, Role::Clerk, Role::Issuer])
                || in_department
                || p.agents.contains(&user.id);
        if allowed { Ok(view) } else { Err(hidden()) }
    }

    /// Projects of the center (staff), or the company's own (applicant accounts).
    pub async fn projects_for(&self, user: &StaffUser) -> Result<Vec<ProjectView>> {
        let list = if user.is_applicant() {
            let profile = self.applicant_profile(user).await?;
            self.store()
                .projects(user.center_id, Some(&profile.id_number))
                .await?
        } else {
            require_role(user, &Role::STAFF)?;
            self.store().projects(user.center_id, None).await?
        };
        let mut out = Vec::with_capacity(list.len());
        for p in list {
            out.push(self.project_view(&p.code).await?);
        }
        Ok(out)
    }

    /// The investment-window matters of a stage, in catalog order (for the application form).
    pub async fn stage_matters(
        &self,
        center_id: i64,
        stage: Stage,
    ) -> Result<Vec<yichuang_store::MatterSummary>> {
        let filter = yichuang_store::MatterFilter {
            window_group: Some(INVESTMENT_GROUP.to_owned()),
            limit: crate::catalog::MAX_PAGE,
            ..Default::default()
        };
        let (all, _) = self.store().list_matters(center_id, &filter).await?;
        let mut out = Vec::new();
        for m in all {
            let v = self.matter(center_id, &m.code).await?;
            if v.matter.project_stage.as_deref() == Some(stage.code()) {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// Assigns a 帮办/代办 staff member (a clerk) to a project.
    pub async fn assign_project_agent(
        &self,
        user: &StaffUser,
        code: &str,
        username: &str,
    ) -> Result<ProjectView> {
        require_role(user, &[Role::Admin, Role::Clerk])?;
        let view = self.project_for(user, code).await?;
        let agent = self
            .store()
            .user_by_username(username.trim())
            .await?
            .filter(|a| a.user.center_id == view.project.center_id && a.user.has_role(Role::Clerk))
            .ok_or_else(|| {
                CoreError::invalid("username", "帮办代办人员须是本中心的窗口工作人员")
            })?;
        self.store()
            .add_project_agent(view.project.id, agent.user.id, &self.ctx(&user.username))
            .await?;
        self.project_view(code).await
    }
}
