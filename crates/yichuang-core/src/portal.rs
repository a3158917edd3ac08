//! 一网通办: applicant accounts with phone verification, online applications (their files are in
//! [`crate::files`]) with the clerk's pre-review, and the 电子证照库 (licences issued by approvals or
//! imported, looked up at every intake, expiry notices).

use std::path::PathBuf;

use chrono::{Duration, NaiveDate};
use sha2::{Digest, Sha256};
use yichuang_domain::account::{Role, StaffUser};
use yichuang_domain::case::{
    ApplicantKind, IssuedLicense, LicenseRef, MaterialMode, MaterialUpdate,
};
use yichuang_domain::catalog::{Matter, ResultKind};
use yichuang_domain::clock::shanghai_date;
use yichuang_domain::ids::parse_phone;
use yichuang_domain::mask::mask_phone;
use yichuang_store::{
    ApplicantProfile, License, LicenseFilter, NewApplicant, NewLicense, NewUser, OutboxMessage,
};

use crate::access::require_role;
use crate::auth::{MIN_PASSWORD_LEN, hash_password};
use crate::cases::{ApplicantInput, validate_applicant};
use crate::{Core, CoreError, Result};

/// Where uploads go and how large they may be.
#[derive(Debug, Clone)]
pub struct PortalSettings {
    /// Directory of uploaded files (`<data>/files`); uploads are refused without one.
    pub files_dir: Option<PathBuf>,
    /// The keys that seal uploaded files (SM4-GCM); uploads are refused without them.
    pub keys: Option<yichuang_store::Sealer>,
    /// Largest upload in bytes.
    pub max_upload_bytes: usize,
    /// Minutes a verification code stays valid.
    pub code_minutes: i64,
    /// Years a licence issued by an approval stays valid.
    pub license_validity_years: u32,
}

impl Default for PortalSettings {
    fn default() -> Self {
        Self {
            files_dir: None,
            keys: None,
            max_upload_bytes: 10 * 1024 * 1024,
            code_minutes: 10,
            license_validity_years: 5,
        }
    }
}

/// Misses allowed before a verification code dies.
const MAX_CODE_ATTEMPTS: u32 = 5;
/// Days before expiry at which holders are told (行政许可法 Art. 50 asks for renewal 30 days
/// before expiry).
pub const EXPIRY_NOTICE_DAYS: i64 = 30;
/// Online depth from which a matter can be applied for online (全程网办 is 4; 3 means online
/// application with at most one visit).
pub const MIN_ONLINE_DEPTH: u8 = 3;

/// A registration as the applicant fills it in.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    /// Mobile phone (the login name).
    pub phone: String,
    /// The code sent to it.
    pub code: String,
    /// Password.
    pub password: String,
    /// `person` or `org`.
    pub kind: String,
    /// Real name or organisation name.
    pub name: String,
    /// 居民身份证号码 (person).
    pub id_number: Option<String>,
    /// 统一社会信用代码 (org).
    pub credit_code: Option<String>,
}

/// An online application.
#[derive(Debug, Clone, Default)]
pub struct Application {
    /// Matter code.
    pub matter_code: String,
    /// Uploads by checklist index.
    pub materials: Vec<(usize, String)>,
    /// Note to the clerk.
    pub note: String,
}

/// A licence row to import (CSV or JSON).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct LicenseImport {
    /// Licence number.
    pub number: String,
    /// Licence type code (of the catalog's licence types).
    pub type_code: String,
    /// Holder name.
    pub holder_name: String,
    /// Holder 身份证号码 or 统一社会信用代码.
    pub holder_id: String,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// Expiry date; empty for 长期有效.
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
    /// Issuing authority; defaults to the licence type's.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Trust level; defaults to `A`.
    #[serde(default)]
    pub trust_level: Option<String>,
}

fn code_hash(phone: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{phone}:{code}").as_bytes()))
}

fn require_applicant(user: &StaffUser) -> Result<()> {
    if user.is_applicant() {
        Ok(())
    } else {
        Err(CoreError::Forbidden("此功能仅供申请人账号使用".into()))
    }
}

impl Core {
    /// Sends a 6-digit verification code to a phone through the notifier.
    pub async fn send_verification_code(
        &self,
        phone: &str,
        ip: Option<std::net::IpAddr>,
    ) -> Result<()> {
        let phone = parse_phone(phone).map_err(|m| CoreError::Unprocessable {
            code: "invalid_phone",
            message: m.into(),
        })?;
        // Per address, then per phone (a minute, an hour, a day): an SMS costs money and
        // floods a stranger's phone, so both are capped before anything is written or sent.
        self.guard.check_code(&phone, ip)?;
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes)
            .map_err(|e| CoreError::Internal(anyhow::anyhow!("no randomness: {e}")))?;
        let code = format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000);
        let now = self.clock().now();
        let minutes = self.portal.code_minutes;
        self.store()
            .save_verification_code(
                &phone,
                &code_hash(&phone, &code),
                now + Duration::minutes(minutes),
                &self.ctx("portal"),
            )
            .await?;
        let center = self.default_center().await?;
        self.notify(OutboxMessage {
            center_id: center.id,
            channel: "sms".into(),
            recipient: phone.clone(),
            subject_kind: "applicant".into(),
            subject_id: mask_phone(&phone),
            message: format!(
                "【一窗通】您的注册验证码为 {code}，{minutes} 分钟内有效。工作人员不会向您索要验证码，请勿告诉他人。"
            ),
        })
        .await;
        tracing::info!(phone = mask_phone(&phone), "verification code sent");
        Ok(())
    }

    /// Registers an applicant after checking the phone's code and the real-name data.
    pub async fn register_applicant(&self, r: Registration) -> Result<StaffUser> {
        let phone = parse_phone(&r.phone).map_err(|m| CoreError::Unprocessable {
            code: "invalid_phone",
            message: m.into(),
        })?;
        if r.password.chars().count() < MIN_PASSWORD_LEN {
            return Err(CoreError::invalid(
                "password",
                format!("密码至少 {MIN_PASSWORD_LEN} 位"),
            ));
        }
        // The real-name data is checked before the code is spent, so a typo costs no new code.
        let applicant = validate_applicant(
            ApplicantInput {
                kind: r.kind.clone(),
                name: r.name.clone(),
                id_number: r.id_number.clone(),
                credit_code: r.credit_code.clone(),
                phone: phone.clone(),
                legal_representative: None,
                contact: None,
            },
            self.clock().today(),
        )?;
        let ok = self
            .store()
            .consume_verification_code(
                &phone,
                &code_hash(&phone, r.code.trim()),
                MAX_CODE_ATTEMPTS,
                &self.ctx("portal"),
            )
            .await?;
        if !ok {
            return Err(CoreError::Unprocessable {
                code: "invalid_code",
                message: "验证码不正确或已过期，请重新获取".into(),
            });
        }
        let center = self.default_center().await?;
        let new = NewApplicant {
            user: NewUser {
                center_id: center.id,
                username: yichuang_store::sealing::applicant_username(
                    &self.store().sealer(),
                    &phone,
                ),
                display_name: applicant.name.clone(),
                password_hash: hash_password(&r.password).await?,
                roles: vec![Role::Applicant],
                department: None,
                window: None,
            },
            kind: applicant.kind,
            name: applicant.name,
            id_number: applicant.id_number,
            phone,
        };
        let record = self
            .store()
            .create_applicant(&new, &self.ctx("portal"))
            .await?;
        Ok(record.user)
    }

    /// The account name a login form's input stands for: an applicant's phone number maps to
    /// the name derived from its blind index; anything else is a staff username.
    pub(crate) fn account_name(&self, typed: &str) -> String {
        let phone_like = typed.len() == 11
            && typed.starts_with('1')
            && typed.bytes().all(|b| b.is_ascii_digit());
        if phone_like {
            yichuang_store::sealing::applicant_username(&self.store().sealer(), typed)
        } else {
            typed.to_owned()
        }
    }

    /// The real-name profile of the logged-in applicant.
    pub async fn applicant_profile(&self, user: &StaffUser) -> Result<ApplicantProfile> {
        require_applicant(user)?;
        self.store()
            .applicant_profile(user.id)
            .await?
            .ok_or_else(|| CoreError::NotFound("申请人资料不存在".into()))
    }

    /// The items of `matter` a valid licence of `holder_id` satisfies today.
    pub async fn licenses_for_intake(
        &self,
        center_id: i64,
        matter: &Matter,
        holder_id: &str,
    ) -> Result<Vec<(usize, LicenseRef)>> {
        if !matter.materials.iter().any(|m| m.license_type.is_some()) {
            return Ok(Vec::new());
        }
        let today = shanghai_date(self.clock().now());
        let held = self
            .store()
            .licenses(&LicenseFilter {
                center_id,
                holder_id: Some(holder_id.to_owned()),
                type_code: None,
                limit: 200,
            })
            .await?;
        Ok(matter
            .materials
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                let t = m.license_type.as_deref()?;
                let l = held
                    .iter()
                    .find(|l| l.license.type_code == t && l.valid_on(today))?;
                Some((
                    i,
                    LicenseRef {
                        number: l.license.number.clone(),
                        trust_level: l.license.trust_level.clone(),
                    },
                ))
            })
            .collect())
    }

    /// Submits an online application: a case in state `submitted` waiting for pre-review.
    pub async fn apply_online(
        &self,
        user: &StaffUser,
        app: Application,
    ) -> Result<crate::cases::CaseDetail> {
        let profile = self.applicant_profile(user).await?;
        let version = self.matter(user.center_id, &app.matter_code).await?;
        if version.matter.online_depth < MIN_ONLINE_DEPTH {
            return Err(CoreError::Unprocessable {
                code: "not_online",
                message: "该事项暂不支持网上申请，请预约后到大厅窗口办理".into(),
            });
        }
        let count = version.matter.materials.len();
        let mut seen = std::collections::HashSet::new();
        for (index, id) in &app.materials {
            if *index >= count {
                return Err(CoreError::invalid(
                    "materials",
                    format!("材料序号 {index} 超出办事指南的材料清单"),
                ));
            }
            if !seen.insert(*index) {
                return Err(CoreError::invalid(
                    "materials",
                    format!("材料序号 {index} 重复，每项材料上传一个文件"),
                ));
            }
            self.owned_file(user, id).await?;
        }
        let applicant = validate_applicant(
            ApplicantInput {
                kind: match profile.kind {
                    ApplicantKind::Person => "person".into(),
                    ApplicantKind::Org => "org".into(),
                },
                name: profile.name.clone(),
                id_number: Some(profile.id_number.clone()),
                credit_code: Some(profile.id_number.clone()),
                phone: profile.phone.clone(),
                legal_representative: None,
                contact: None,
            },
            self.clock().today(),
        )?;
        let licenses = self
            .licenses_for_intake(user.center_id, &version.matter, &profile.id_number)
            .await?;
        let extras = yichuang_domain::case::IntakeExtras {
            owner: Some(user.id),
            note: app.note.chars().take(500).collect(),
            files: app.materials,
            licenses,
            agent_center: None,
        };
        self.open_case_as(
            user,
            user.center_id,
            ONLINE_WINDOW.into(),
            &version,
            applicant,
            Vec::new(),
            yichuang_domain::case::IntakeDecision::Submit,
            extras,
        )
        .await
    }

    /// The applicant resubmits replaced uploads after a return.
    pub async fn resubmit(
        &self,
        user: &StaffUser,
        case_no: &str,
        materials: Vec<(usize, String)>,
    ) -> Result<crate::cases::CaseDetail> {
        require_applicant(user)?;
        if materials.is_empty() {
            return Err(CoreError::invalid("materials", "请上传修改后的材料"));
        }
        let mut updates = Vec::with_capacity(materials.len());
        for (index, id) in materials {
            self.owned_file(user, &id).await?;
            updates.push(MaterialUpdate {
                index,
                mode: MaterialMode::Upload,
                deferred_due: None,
                file_id: Some(id),
            });
        }
        self.act_on_case(
            user,
            case_no,
            yichuang_domain::case::Command::Resubmit { materials: updates },
        )
        .await
    }

    /// The applicant's cases, newest first: their online applications and the cases taken at a
    /// window under their verified ID number or credit code.
    pub async fn my_cases(&self, user: &StaffUser) -> Result<Vec<crate::cases::CaseDetail>> {
        require_applicant(user)?;
        self.cases_for(
            user,
            yichuang_store::CaseFilter {
                owner: Some(user.id),
                limit: 200,
                ..Default::default()
            },
        )
        .await
    }

    /// The applicant's licences (held under their checked ID number or credit code).
    pub async fn my_licenses(&self, user: &StaffUser) -> Result<Vec<License>> {
        let profile = self.applicant_profile(user).await?;
        Ok(self
            .store()
            .licenses(&LicenseFilter {
                center_id: user.center_id,
                holder_id: Some(profile.id_number),
                type_code: None,
                limit: 500,
            })
            .await?)
    }

    /// Licences of a holder, for staff.
    ///
    /// Only the window (which checks licences at intake, 免提交) and administrators look a
    /// holder up by ID number; an approver sees the licences attached to the cases of their
    /// department on the case itself, never a citizen's whole wallet.
    pub async fn licenses_of(&self, user: &StaffUser, holder_id: &str) -> Result<Vec<License>> {
        require_role(user, &[Role::Clerk, Role::Admin])?;
        let holder = holder_id.trim().to_uppercase();
        if holder.is_empty() {
            return Err(CoreError::invalid("holder_id", "请输入持证人证件号码"));
        }
        Ok(self
            .store()
            .licenses(&LicenseFilter {
                center_id: user.center_id,
                holder_id: Some(holder),
                type_code: None,
                limit: 500,
            })
            .await?)
    }

    /// Imports licences (admin); every row is checked before any is stored.
    pub async fn import_licenses(&self, user: &StaffUser, rows: Vec<LicenseImport>) -> Result<u64> {
        require_role(user, &[Role::Admin])?;
        if rows.is_empty() {
            return Err(CoreError::invalid("licenses", "没有可导入的证照"));
        }
        let types = self.store().license_types(user.center_id).await?;
        let mut out = Vec::with_capacity(rows.len());
        for (i, r) in rows.into_iter().enumerate() {
            let line = i + 1;
            let bad = |m: String| CoreError::invalid("licenses", format!("第 {line} 条：{m}"));
            let t = types
                .iter()
                .find(|t| t.code == r.type_code)
                .ok_or_else(|| bad(format!("证照类型 {} 不在目录中", r.type_code)))?;
            let number = r.number.trim().to_owned();
            let holder_name = r.holder_name.trim().to_owned();
            if number.is_empty() || holder_name.is_empty() {
                return Err(bad("证照编号和持证人不能为空".into()));
            }
            let holder = r.holder_id.trim().to_uppercase();
            if yichuang_domain::ids::parse_id_number(&holder).is_err()
                && yichuang_domain::ids::parse_credit_code(&holder).is_err()
            {
                return Err(bad("持证人证件号码校验不通过".into()));
            }
            if r.expires_on.is_some_and(|e| e < r.issued_on) {
                return Err(bad("有效期截止日早于发证日期".into()));
            }
            out.push(NewLicense {
                center_id: user.center_id,
                license: IssuedLicense {
                    number,
                    type_code: t.code.clone(),
                    type_name: t.name.clone(),
                    holder_name,
                    holder_id: holder,
                    issuer: r.issuer.unwrap_or_else(|| t.issuer.clone()),
                    issued_on: r.issued_on,
                    expires_on: r.expires_on,
                    trust_level: r.trust_level.unwrap_or_else(|| "A".into()),
                },
                case_no: None,
                source: "import".into(),
            });
        }
        Ok(self
            .store()
            .import_licenses(&out, &self.ctx(&user.username))
            .await?)
    }

    /// The licence an approval of `matter` issues to the applicant, if its result is a licence.
    pub(crate) async fn license_for_approval(
        &self,
        case: &yichuang_domain::case::Case,
    ) -> Result<Option<IssuedLicense>> {
        let r = &case.received;
        let Some(version) = self
            .store()
            .matter_version(r.center_id, &r.matter_code, r.matter_version)
            .await?
        else {
            return Ok(None);
        };
        let result = &version.matter.result;
        let (ResultKind::License, Some(code)) = (result.kind, result.license_type.as_deref())
        else {
            return Ok(None);
        };
        let types = self.store().license_types(r.center_id).await?;
        let (type_name, issuer) = types.iter().find(|t| t.code == code).map_or_else(
            || (result.name.clone(), String::new()),
            |t| (t.name.clone(), t.issuer.clone()),
        );
        let dept = self
            .store()
            .department(r.center_id, &r.department)
            .await?
            .map(|d| d.name);
        let issued_on = shanghai_date(self.clock().now());
        let years = self.portal.license_validity_years;
        let expires_on = (years > 0)
            .then(|| issued_on.checked_add_months(chrono::Months::new(years * 12)))
            .flatten()
            .and_then(|d| d.pred_opt());
        Ok(Some(IssuedLicense {
            number: format!("{}-{}", code.to_uppercase(), r.case_no),
            type_code: code.to_owned(),
            type_name,
            holder_name: r.applicant.name.clone(),
            holder_id: r.applicant.id_number.clone(),
            issuer: dept.unwrap_or(issuer),
            issued_on,
            expires_on,
            trust_level: "A".into(),
        }))
    }

    /// Tells holders of licences expiring within 30 days, once each. Returns how many were told.
    pub async fn sweep_license_expiry(&self, limit: u32) -> Result<u64> {
        let today = shanghai_date(self.clock().now());
        let until = today + Duration::days(EXPIRY_NOTICE_DAYS);
        let due = self.store().licenses_expiring(until, limit).await?;
        let mut told = 0;
        for l in due {
            let ctx = self.ctx("system");
            if !self.store().mark_license_notified(l.id, &ctx).await? {
                continue;
            }
            let expires = l.license.expires_on.unwrap_or(today);
            let recipient = self.holder_phone(&l).await?;
            if recipient.is_empty() {
                // An imported licence of someone with no account or case here: nobody to tell.
                tracing::info!(
                    license = l.license.number,
                    "expiring licence without a phone"
                );
                continue;
            }
            self.notify(OutboxMessage {
                center_id: l.center_id,
                channel: "sms".into(),
                recipient,
                subject_kind: "license".into(),
                subject_id: l.license.number.clone(),
                message: format!(
                    "【一窗通】您的{}（编号 {}）将于 {} 到期。如需延续，请在到期 30 日前提出申请（《行政许可法》第五十条）。",
                    l.license.type_name, l.license.number, expires
                ),
            })
            .await;
            told += 1;
        }
        Ok(told)
    }

    /// The phone of a licence holder: their portal account, else the issuing case's applicant.
    async fn holder_phone(&self, l: &License) -> Result<String> {
        if let Some(p) = self
            .store()
            .applicant_by_id_number(&l.license.holder_id)
            .await?
        {
            return Ok(p.phone);
        }
        if let Some(case_no) = &l.case_no
            && let Some(c) = self.store().case_by_no(case_no).await?
        {
            return Ok(c.case.received.applicant.phone);
        }
        Ok(String::new())
    }
}

/// The window code of online applications.
pub const ONLINE_WINDOW: &str = "online";
