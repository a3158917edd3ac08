//! The catalog (事项目录) of a center: window groups, departments, windows, licence types and
//! matters with their guides (办事指南), in the JSON format of `demo/xuancheng.json`.
//!
//! A catalog file is validated as a whole before anything is stored: [`parse_catalog`] returns
//! every problem it finds as `path: reason`, so an administrator fixes a file in one pass.

mod validate;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use validate::{Problem, parse_catalog};

/// The region the center serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// Administrative division code, e.g. `341800`.
    pub code: String,
    /// Name, e.g. 宣城市.
    pub name: String,
}

/// A category of windows (窗口类别).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowGroup {
    /// Stable code, e.g. `comprehensive`.
    pub code: String,
    /// Chinese name.
    pub name: String,
}

/// A department or unit (部门 / 实施主体).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// Stable code, e.g. `rsj`.
    pub code: String,
    /// Full name.
    pub name: String,
    /// Short name, e.g. 市人社局.
    pub short_name: String,
    /// Whether the department is stationed in the center.
    pub in_center: bool,
    /// The window group that accepts its matters.
    pub window_group: String,
}

/// A service window (窗口).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Stable code, e.g. `W01`.
    pub code: String,
    /// Chinese name, e.g. 综合窗口1号.
    pub name: String,
    /// Window group code.
    pub group: String,
}

/// A licence type of the e-licence library (证照类型).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseType {
    /// Stable code, e.g. `yyzz`.
    pub code: String,
    /// Name, e.g. 营业执照.
    pub name: String,
    /// Issuing authority.
    pub issuer: String,
}

/// How a matter is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Handling {
    /// 即办件: decided on the spot.
    Immediate,
    /// 承诺件: decided by the back office within the promised limit.
    Promised,
}

impl Handling {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Immediate => "immediate",
            Self::Promised => "promised",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Immediate => "即办件",
            Self::Promised => "承诺件",
        }
    }
}

/// The form in which a material is submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialForm {
    /// 原件.
    Original,
    /// 复印件.
    Copy,
    /// 原件和复印件.
    OriginalAndCopy,
    /// 电子材料.
    Electronic,
}

impl MaterialForm {
    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Original => "原件",
            Self::Copy => "复印件",
            Self::OriginalAndCopy => "原件及复印件",
            Self::Electronic => "电子材料",
        }
    }
}

/// One item of a guide's material checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    /// Name of the material.
    pub name: String,
    /// Whether it is required.
    pub required: bool,
    /// Form of submission.
    pub form: MaterialForm,
    /// Number of copies.
    pub copies: u32,
    /// Licence type that can replace the paper, if any.
    pub license_type: Option<String>,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The kind of result a matter produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    /// A licence or certificate (证照).
    License,
    /// A document (批文).
    Document,
    /// A payment.
    Payment,
    /// A record (备案).
    Record,
}

impl ResultKind {
    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::License => "证照",
            Self::Document => "批文",
            Self::Payment => "款项",
            Self::Record => "备案记录",
        }
    }
}

/// The result of a matter (办理结果).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatterResult {
    /// Name of the result, e.g. 营业执照.
    pub name: String,
    /// Kind.
    pub kind: ResultKind,
    /// Licence type issued, for licence results.
    pub license_type: Option<String>,
}

/// A matter with its guide, as one version of the catalog holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matter {
    /// Implementation code, unique in the catalog.
    pub code: String,
    /// Name.
    pub name: String,
    /// Responsible department code.
    pub department: String,
    /// Matter type (行政许可 …).
    pub kind: String,
    /// Window group that accepts it.
    pub window_group: String,
    /// Immediate or promised.
    pub handling: Handling,
    /// Legal limit in working days (法定时限).
    pub legal_limit_days: u32,
    /// Promised limit in working days (承诺时限).
    pub promised_limit_days: u32,
    /// Fee description.
    pub fee: String,
    /// Maximum visits to the hall (到现场次数).
    pub max_visits: u32,
    /// Online depth 1–4 (网上办理深度).
    pub online_depth: u8,
    /// Conditions (受理条件).
    pub conditions: Vec<String>,
    /// Legal basis (设定依据).
    pub legal_basis: Vec<String>,
    /// Material checklist.
    pub materials: Vec<Material>,
    /// Steps; the first is the intake step.
    pub steps: Vec<String>,
    /// Result.
    pub result: MatterResult,
    /// What people call the matter (俗称), used by search.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Life events (主题) under which the portal lists the matter: codes of [`LIFE_EVENTS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub life_events: Vec<String>,
    /// The 工程建设项目审批 stage (a [`crate::project::Stage`] code) of an investment-window
    /// matter that belongs to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_stage: Option<String>,
    /// The duty of each step (承办人、审核人、批准人, or "" for a step anyone may pass), parallel
    /// to `steps`; absent, [`default_step_roles`] reads them from the step names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub step_roles: Vec<String>,
    /// Where, when and whom to ask (the catalog's defaults merged in at import).
    #[serde(default, skip_serializing_if = "Contact::is_empty")]
    pub contact: Contact,
}

/// Where, when and whom to ask about a matter (办理地点、办理时间、咨询电话、监督投诉电话). A
/// catalog gives the center's defaults at its top level; a matter overrides any of them; the
/// import writes the merged values into each matter, so a matter version holds its guide whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// 办理地点.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub place: String,
    /// 办理时间.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hours: String,
    /// 咨询电话.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub consult_phone: String,
    /// 监督投诉电话.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub complaint_phone: String,
}

impl Contact {
    /// Whether nothing is given.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// These values, each empty one taken from `defaults`.
    pub fn or(&self, defaults: &Self) -> Self {
        let pick = |own: &String, other: &String| {
            if own.trim().is_empty() {
                other.clone()
            } else {
                own.clone()
            }
        };
        Self {
            place: pick(&self.place, &defaults.place),
            hours: pick(&self.hours, &defaults.hours),
            consult_phone: pick(&self.consult_phone, &defaults.consult_phone),
            complaint_phone: pick(&self.complaint_phone, &defaults.complaint_phone),
        }
    }
}

/// The duties a step can carry (职责分离): one person may hold only one of them on a case.
pub const STEP_ROLES: [&str; 3] = ["承办人", "审核人", "批准人"];

/// The duty of each step read from its name, when the catalog names none: the first
/// back-office step is 承办; a step that decides (决定, 批准, 审批, 核准, 审定) is 批准; a later
/// 审核/复核/审查 is 审核; the rest (现场核查, 制证, 送达 …) carry none. Step 0 is the
/// window's intake.
pub fn default_step_roles(steps: &[String]) -> Vec<String> {
    steps
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
            let role = if i == 0 {
                ""
            } else if has(&["决定", "批准", "审批", "核准", "审定"]) {
                "批准人"
            } else if i == 1 {
                "承办人"
            } else if has(&["审核", "复核", "审查"]) {
                "审核人"
            } else {
                ""
            };
            role.to_owned()
        })
        .collect()
}

/// The life events (人生事件) of the portal: code and the name people see, in display order.
pub const LIFE_EVENTS: [(&str, &str); 15] = [
    ("birth", "生育收养"),
    ("school", "上学教育"),
    ("work", "就业创业"),
    ("business", "开办企业"),
    ("retire", "退休养老"),
    ("housing", "住房不动产"),
    ("marriage", "婚姻家庭"),
    ("health", "医疗卫生"),
    ("aid", "社会救助"),
    ("travel", "交通出行"),
    ("build", "工程建设"),
    ("farm", "农林牧渔"),
    ("culture", "文化旅游"),
    ("death", "身后事"),
    ("public", "公益与社会组织"),
];

/// The name of a life event code.
pub fn life_event_name(code: &str) -> Option<&'static str> {
    LIFE_EVENTS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
}

impl Matter {
    /// A stable fingerprint of the guide's content: re-importing an unchanged matter produces the
    /// same hash and therefore no new version.
    pub fn content_hash(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(&json))
    }

    /// The Chinese label of the online depth.
    pub fn online_depth_label(&self) -> &'static str {
        online_depth_label(self.online_depth)
    }
}

/// The Chinese label of an online depth (网上办理深度).
pub fn online_depth_label(depth: u8) -> &'static str {
    match depth {
        1 => "一级：网上咨询、下载表格",
        2 => "二级：网上预审",
        3 => "三级：网上受理，窗口取件",
        4 => "四级：全程网办",
        _ => "未标明",
    }
}

/// Matter types accepted in a catalog (国家事项类型).
pub const MATTER_KINDS: &[&str] = &[
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政征收",
    "行政给付",
    "行政检查",
    "行政确认",
    "行政奖励",
    "行政裁决",
    "其他行政权力",
    "公共服务",
];

/// A whole catalog file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// Region.
    pub region: Region,
    /// The center's 办理地点、办理时间、咨询电话、监督投诉电话, for every matter that gives none.
    #[serde(default, skip_serializing_if = "Contact::is_empty")]
    pub contact: Contact,
    /// Window groups.
    pub window_groups: Vec<WindowGroup>,
    /// Departments.
    pub departments: Vec<Department>,
    /// Windows.
    pub windows: Vec<Window>,
    /// Licence types.
    pub license_types: Vec<LicenseType>,
    /// Matters.
    pub matters: Vec<Matter>,
    /// Services of other agencies that citizens ask the center about (非本中心业务), with where
    /// they are handled, so that search can point there instead of answering with a matter that
    /// merely shares a word. Absent in older catalogs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub elsewhere: Vec<Referral>,
}

/// A service the center does not handle, and where it is handled (非本中心业务指引), as the
/// 咨询服务台 would tell a citizen who asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    /// What the service is, e.g. 护照、港澳台通行证、签证.
    pub service: String,
    /// Words that name the service in a question (护照, 驾照, 公积金). None may be the name or an
    /// alias of a matter of the same catalog: the catalog's own matters always come first.
    pub keywords: Vec<String>,
    /// Where it is handled, e.g. the agency's hall.
    #[serde(rename = "where")]
    pub place: String,
    /// Anything else worth knowing (an app, an appointment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
