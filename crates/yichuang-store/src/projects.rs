//! Records of investment projects (投资项目) and their stages.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// A project as the investment window registers it.
#[derive(Debug, Clone)]
pub struct NewProject {
    /// Center.
    pub center_id: i64,
    /// National project code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Company name.
    pub company_name: String,
    /// Company 统一社会信用代码.
    pub credit_code: String,
    /// Location.
    pub location: String,
    /// Investment (万元), as entered.
    pub investment: String,
    /// Industry.
    pub industry: String,
    /// The company's contact (name and phone).
    pub contact: String,
}

/// A stage opened with its parallel cases.
#[derive(Debug, Clone)]
pub struct NewStage {
    /// Stage code.
    pub stage: String,
    /// Acceptance day (the stage clock starts here).
    pub opened_on: NaiveDate,
    /// Promised limit in working days.
    pub limit_days: u32,
    /// Accepting window.
    pub window: String,
}

/// A stored project.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// Id.
    pub id: i64,
    /// Center.
    pub center_id: i64,
    /// National project code.
    pub code: String,
    /// Name.
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
    /// Contact.
    pub contact: String,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Stages opened, in order of opening.
    pub stages: Vec<ProjectStage>,
    /// Cases: (stage, case number, matter code).
    pub cases: Vec<(String, String, String)>,
    /// 帮办/代办 staff (user ids).
    pub agents: Vec<i64>,
}

/// A stage of a stored project.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectStage {
    /// Stage code.
    pub stage: String,
    /// Acceptance day.
    pub opened_on: NaiveDate,
    /// Promised limit in working days.
    pub limit_days: u32,
    /// Accepting window.
    pub window: String,
}
