//! Several centers in one installation: the city center, its sub-centers, districts and
//! townships. A township clerk takes an application for a city-level matter as agent (代办) and
//! submits it to the center above, then follows it to delivery; reports roll up.

use yichuang_domain::account::{Role, StaffUser};
use yichuang_domain::case::IntakeDecision;
use yichuang_store::{CaseFilter, Center};

use crate::access::require_role;
use crate::cases::{CaseDetail, NewCase, validate_applicant};
use crate::{Core, CoreError, Result};

impl Core {
    /// Every center of the installation, the city first.
    pub async fn centers(&self) -> Result<Vec<Center>> {
        Ok(self.store().centers().await?)
    }

    /// The center a user works in.
    pub async fn center_of(&self, user: &StaffUser) -> Result<Center> {
        self.centers()
            .await?
            .into_iter()
            .find(|c| c.id == user.center_id)
            .ok_or_else(|| CoreError::NotFound("中心不存在".into()))
    }

    /// `center` and every center below it (sub-centers, districts, townships and theirs).
    pub async fn center_and_below(&self, center: &Center) -> Result<Vec<Center>> {
        let all = self.centers().await?;
        let mut out = vec![center.clone()];
        let mut i = 0;
        while i < out.len() {
            let id = out[i].id;
            out.extend(all.iter().filter(|c| c.parent_id == Some(id)).cloned());
            i += 1;
        }
        Ok(out)
    }

    /// Whether `user` may read reports and lists of `center`: their own, or one below it.
    pub async fn may_oversee(&self, user: &StaffUser, center: &Center) -> Result<bool> {
        if center.id == user.center_id {
            return Ok(true);
        }
        let Some(own) = self
            .centers()
            .await?
            .into_iter()
            .find(|c| c.id == user.center_id)
        else {
            return Ok(false);
        };
        Ok(self
            .center_and_below(&own)
            .await?
            .iter()
            .any(|c| c.id == center.id))
    }

    /// A township (or district) clerk submits an application to the center above as agent
    /// (代办): the case belongs to that center, waits for its pre-review, and the agent's
    /// center follows it to delivery.
    pub async fn open_agency_case(
        &self,
        user: &StaffUser,
        target_code: &str,
        input: NewCase,
    ) -> Result<CaseDetail> {
        require_role(user, &[Role::Clerk])?;
        let target = self.center(Some(target_code)).await?;
        let own = self
            .centers()
            .await?
            .into_iter()
            .find(|c| c.id == user.center_id)
            .ok_or_else(|| CoreError::Forbidden("您的账号不属于任何中心".into()))?;
        if own.parent_id != Some(target.id) {
            return Err(CoreError::Forbidden(format!(
                "只能向上级中心（{}）代办提交",
                own.parent_id
                    .map_or_else(|| "无".to_owned(), |_| "本中心的上级".to_owned())
            )));
        }
        let window = user
            .window
            .clone()
            .ok_or_else(|| CoreError::Forbidden("您的账号未绑定窗口".into()))?;
        let version = self.matter(target.id, &input.matter_code).await?;
        let applicant = validate_applicant(input.applicant, self.clock().today())?;
        self.check_window_scans(user, &input.materials).await?;
        let licenses = self
            .licenses_for_intake(target.id, &version.matter, &applicant.id_number)
            .await?;
        let extras = yichuang_domain::case::IntakeExtras {
            licenses,
            agent_center: Some(own.id),
            ..Default::default()
        };
        let detail = self
            .open_case_as(
                user,
                target.id,
                window,
                &version,
                applicant,
                input.materials,
                IntakeDecision::Submit,
                extras,
            )
            .await?;
        tracing::info!(
            case_no = detail.case.case_no(),
            agent = own.code,
            to = target.code,
            "agency case submitted"
        );
        Ok(detail)
    }

    /// The cases a township clerk submitted as agent, newest first.
    pub async fn agency_cases(&self, user: &StaffUser) -> Result<Vec<CaseDetail>> {
        require_role(user, &[Role::Clerk])?;
        let own = self
            .centers()
            .await?
            .into_iter()
            .find(|c| c.id == user.center_id);
        let (Some(parent), Some(window)) = (own.and_then(|c| c.parent_id), user.window.clone())
        else {
            return Ok(Vec::new());
        };
        let mut out = self
            .listed(&CaseFilter {
                center_id: parent,
                window: Some(window),
                limit: 200,
                ..Default::default()
            })
            .await?;
        out.retain(|d| d.case.received.agent_center == Some(user.center_id));
        Ok(out)
    }

    /// Cases of a center below the user's (city admins and supervisors overseeing sub-centers
    /// and townships); the user's own center follows the usual scope rules.
    pub async fn cases_in(
        &self,
        user: &StaffUser,
        code: &str,
        filter: CaseFilter,
    ) -> Result<Vec<CaseDetail>> {
        let center = self.center(Some(code)).await?;
        if center.id == user.center_id {
            return self.cases_for(user, filter).await;
        }
        require_role(user, &[Role::Admin, Role::Supervisor])?;
        if !self.may_oversee(user, &center).await? {
            return Err(CoreError::Forbidden(
                "只能查看本中心及下属中心的办件".into(),
            ));
        }
        self.listed(&CaseFilter {
            center_id: center.id,
            ..filter
        })
        .await
    }
}
