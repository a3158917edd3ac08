//! A case and its event log as the case data sets of GB/T 39046-2020 《政务服务平台基础数据规范》
//! §6.2–6.6: 办件基本信息 (the 办事申请 and 事项受理 elements of one case), 办件过程信息 (the
//! 事项办理 elements, one record per step: every event on the case's timeline, and the step
//! still open) and 办件结果信息 (事项办结, for concluded and delivered cases), with the
//! per-material elements of 办事申请 as 办件材料信息.
//!
//! Keys are the standard's Chinese element names (the text copy in
//! `research/domain.md` §2.1), because the standard names its elements in Chinese and gives no
//! identifiers; the elements of a special procedure, which the standard lists under 特别程序,
//! carry that prefix (特别程序开始时间 …). Every element is present in every record; one this
//! system does not hold (基本编码, the units' 统一社会信用代码, 邮政编码, 通讯地址) is empty.
//! Codes follow Appendix A: 办件类型 A.6 (1 即办件, 2 承诺件), 申报来源 = 办理形式 A.5 (1 窗口办理,
//! 2 电脑端网上办理), 特别程序种类 A.7 (1 延长审批, 2 其他), 环节办理状态 (1 待办, 2 已办). Times are
//! `YYYYMMDDhhmmss` in Beijing time (GB/T 7408 basis). Yes/no elements are `1`/`0`.
//!
//! Personal data is masked (证件号码 `1101**********002X`, 手机 `139****5678`): the export goes
//! in bulk to another system, and the policy of this product is that full values are shown only
//! one at a time through the audited reveal (`POST /api/v1/cases/{case_no}/reveal`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::ser::{Serialize, SerializeMap, Serializer};
use yichuang_domain::case::{
    ApplicantKind, Case, CaseEvent, CaseStatus, DeliveryMethod, IssuedLicense, Outcome,
};
use yichuang_domain::catalog::Handling;
use yichuang_domain::mask::{mask_id, mask_in_text, mask_phone};
use yichuang_store::{Event, StoredCase};

/// The elements of 办件基本信息, in order (办事申请 followed by the 事项受理 elements it lacks).
pub const BASIC_ELEMENTS: [&str; 24] = [
    "办件编号",
    "基本编码",
    "实施编码",
    "事项名称",
    "办件类型代码",
    "申请者名称",
    "申请者证件类型代码",
    "申请者证件号码",
    "联系人姓名",
    "联系人证件号码",
    "联系人手机号码",
    "邮政编码",
    "通讯地址",
    "法定代表人",
    "申报来源代码",
    "申请时间",
    "投资项目编号",
    "受理单位名称",
    "受理单位统一社会信用代码",
    "受理人员",
    "受理时间",
    "受理文书编号",
    "承诺办结时间",
    "行政区划代码",
];

/// The elements of 办件过程信息 (事项办理), in order.
pub const PROCESS_ELEMENTS: [&str; 20] = [
    "办件编号",
    "业务动作",
    "环节名称",
    "环节处理人",
    "环节处理意见",
    "环节开始时间",
    "环节结束时间",
    "处理单位名称",
    "处理单位统一社会信用代码",
    "环节办理状态",
    "特别程序种类名称",
    "特别程序种类代码",
    "特别程序开始时间",
    "特别程序启动理由或依据",
    "特别程序申请人",
    "特别程序结束时间",
    "特别程序结果",
    "特别程序办理意见",
    "特别程序办理单位",
    "特别程序办理人",
];

/// The elements of 办件结果信息 (事项办结), in order.
pub const RESULT_ELEMENTS: [&str; 11] = [
    "办件编号",
    "办理人",
    "办结时间",
    "结果证照名称",
    "结果证照编号",
    "办件结果描述",
    "证照有效期限",
    "发证单位",
    "行政区划代码",
    "是否快递寄送结果",
    "是否收费",
];

/// The per-material elements of 办事申请 (材料名称, 是否收取, 收取方式, 收取数量, 收取时间), one
/// record per checklist item, with the case number to join on. 附件实体 (the file itself) is
/// left out: files are not sent in bulk.
pub const MATERIAL_ELEMENTS: [&str; 6] = [
    "办件编号",
    "材料名称",
    "是否收取",
    "收取方式",
    "收取数量",
    "收取时间",
];

/// GA/T 2000.156 code of the 居民身份证.
const ID_CARD: &str = "111";
/// The code provincial interfaces use for a 统一社会信用代码 (GA/T 2000.156 lists personal
/// documents only; unverified against the standard's text).
const CREDIT_CODE: &str = "001";

/// One record: its elements' values in the order of its element list. Serialises as a JSON
/// object with the elements in that order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    elements: &'static [&'static str],
    values: Vec<String>,
}

impl Record {
    fn new(elements: &'static [&'static str]) -> Self {
        Self {
            elements,
            values: vec![String::new(); elements.len()],
        }
    }

    fn set(&mut self, element: &str, value: impl Into<String>) {
        // Element names are constants of this module: a name missing from the record's list
        // is a typo here, caught in every debug build (the tests) rather than silently dropped.
        let i = self.elements.iter().position(|e| *e == element);
        debug_assert!(i.is_some(), "{element} is not an element of this record");
        if let Some(i) = i {
            self.values[i] = value.into();
        }
    }

    /// The value of an element ("" when empty or not an element of this record).
    pub fn get(&self, element: &str) -> &str {
        self.elements
            .iter()
            .position(|e| *e == element)
            .map_or("", |i| self.values[i].as_str())
    }

    /// Element names, in order.
    pub fn elements(&self) -> &'static [&'static str] {
        self.elements
    }

    /// Values, in element order.
    pub fn values(&self) -> &[String] {
        &self.values
    }
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.elements.len()))?;
        for (k, v) in self.elements.iter().zip(&self.values) {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// One case in the three data sets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CaseRecord {
    /// The export cursor: the case's row id.
    #[serde(rename = "id")]
    pub id: i64,
    /// 办件基本信息.
    #[serde(rename = "办件基本信息")]
    pub basic: Record,
    /// The materials of the application (办事申请's per-material elements), in checklist order.
    #[serde(rename = "办件材料信息")]
    pub materials: Vec<Record>,
    /// 办件过程信息, oldest first.
    #[serde(rename = "办件过程信息")]
    pub process: Vec<Record>,
    /// 办件结果信息 once concluded.
    #[serde(rename = "办件结果信息")]
    pub result: Option<Record>,
}

/// What the mapping needs beside the case: names and codes of the center.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// 行政区划代码 of the center's region.
    pub region_code: String,
    /// The center's name (the unit of steps taken at its windows).
    pub center_name: String,
    /// Department names by code.
    pub departments: HashMap<String, String>,
    /// Whether a matter version charges a fee, by (code, version).
    pub fees: HashMap<(String, i64), bool>,
}

impl Context {
    fn department(&self, code: &str) -> String {
        self.departments
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }
}

/// `YYYYMMDDhhmmss` in Beijing time.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y%m%d%H%M%S")
        .to_string()
}

fn end_of_day(d: NaiveDate) -> String {
    format!("{}235959", d.format("%Y%m%d"))
}

fn opt_ts(t: Option<DateTime<Utc>>) -> String {
    t.map(timestamp).unwrap_or_default()
}

fn mask_text(s: &str) -> String {
    mask_in_text(s).unwrap_or_else(|| s.to_owned())
}

/// The case event an event of its log records, when it is one (light changes and supervision
/// orders on the same timeline are not steps).
fn case_event(e: &Event) -> Option<CaseEvent> {
    serde_json::from_value(e.payload.get("event")?.clone()).ok()
}

/// Maps a stored case and its events (oldest first) to the three data sets.
pub fn map_case(stored: &StoredCase, events: &[Event], cx: &Context) -> CaseRecord {
    let c = &stored.case;
    CaseRecord {
        id: stored.id,
        basic: basic(stored, cx),
        materials: materials(c, events),
        process: process(c, events, cx),
        result: result(c, events, cx),
    }
}

fn basic(stored: &StoredCase, cx: &Context) -> Record {
    let c = &stored.case;
    let r = &c.received;
    let a = &r.applicant;
    let mut b = Record::new(&BASIC_ELEMENTS);
    b.set("办件编号", c.case_no());
    b.set("实施编码", &r.matter_code);
    b.set("事项名称", &r.matter_name);
    b.set(
        "办件类型代码",
        match r.handling {
            Handling::Immediate => "1",
            Handling::Promised => "2",
        },
    );
    b.set("申请者名称", &a.name);
    b.set(
        "申请者证件类型代码",
        match a.kind {
            ApplicantKind::Person => ID_CARD,
            ApplicantKind::Org => CREDIT_CODE,
        },
    );
    b.set("申请者证件号码", mask_id(&a.id_number));
    match a.kind {
        ApplicantKind::Person => {
            b.set("联系人姓名", &a.name);
            b.set("联系人证件号码", mask_id(&a.id_number));
        }
        ApplicantKind::Org => b.set("联系人姓名", a.contact.clone().unwrap_or_default()),
    }
    b.set("联系人手机号码", mask_phone(&a.phone));
    b.set(
        "法定代表人",
        a.legal_representative.clone().unwrap_or_default(),
    );
    b.set("申报来源代码", if r.owner.is_some() { "2" } else { "1" });
    b.set("申请时间", timestamp(c.received_at));
    b.set("受理单位名称", cx.department(&r.department));
    if let Some(at) = c.accepted_at {
        b.set(
            "受理人员",
            mask_text(c.accepted_by.as_deref().unwrap_or_default()),
        );
        b.set("受理时间", timestamp(at));
        // The number printed on the 受理通知书.
        b.set("受理文书编号", format!("{}-SL", c.case_no()));
    }
    if let Some(d) = stored.index.due_promised {
        b.set("承诺办结时间", end_of_day(d));
    }
    b.set("行政区划代码", &cx.region_code);
    b
}

/// Each checklist item as received: collected or not, how, and when it arrived (at receipt, or
/// with the supplement or resubmission that brought it).
fn materials(c: &Case, events: &[Event]) -> Vec<Record> {
    use yichuang_domain::case::MaterialMode;
    let mut arrived: HashMap<usize, DateTime<Utc>> = HashMap::new();
    for e in events {
        match case_event(e) {
            Some(CaseEvent::Received(r) | CaseEvent::Submitted(r)) => {
                for m in r.materials.iter().filter(|m| m.mode.satisfied()) {
                    arrived.entry(m.index).or_insert(e.at);
                }
            }
            Some(CaseEvent::Supplemented { materials } | CaseEvent::Resubmitted { materials }) => {
                for m in materials.iter().filter(|m| m.mode.satisfied()) {
                    arrived.insert(m.index, e.at);
                }
            }
            _ => {}
        }
    }
    c.materials
        .iter()
        .map(|m| {
            // A promise (告知承诺) or a deferral (容缺) stands in for a material not yet taken.
            let collected = matches!(
                m.mode,
                MaterialMode::Original
                    | MaterialMode::Copy
                    | MaterialMode::Upload
                    | MaterialMode::License
                    | MaterialMode::Shared
            );
            let mut x = Record::new(&MATERIAL_ELEMENTS);
            x.set("办件编号", c.case_no());
            x.set("材料名称", &m.name);
            x.set("是否收取", if collected { "1" } else { "0" });
            x.set("收取方式", m.mode.label());
            if collected {
                x.set("收取时间", opt_ts(arrived.get(&m.index).copied()));
            }
            x
        })
        .collect()
}

/// The name of what an event records, its 业务动作 and its opinion.
fn step_of(c: &Case, e: &CaseEvent) -> Option<(&'static str, String, String)> {
    let step = |i: usize| c.received.steps.get(i).cloned().unwrap_or_default();
    Some(match e {
        CaseEvent::Received(_) => ("其他", "收件".into(), String::new()),
        CaseEvent::Submitted(_) => ("其他", "网上申请".into(), String::new()),
        CaseEvent::PreReviewPassed => ("通过", "网上预审".into(), String::new()),
        CaseEvent::ReturnedForChanges { reason } => ("退回", "网上预审".into(), reason.clone()),
        CaseEvent::Resubmitted { .. } => ("其他", "重新提交".into(), String::new()),
        CaseEvent::CorrectionRequested { note, .. } => ("其他", "补正告知".into(), note.clone()),
        CaseEvent::Supplemented { .. } => ("其他", "补正材料".into(), String::new()),
        CaseEvent::Accepted { deemed, .. } => (
            "通过",
            "受理".into(),
            if *deemed {
                "逾期未告知补正，视为受理".into()
            } else {
                String::new()
            },
        ),
        CaseEvent::Refused { reason } => ("其他", "不予受理".into(), reason.clone()),
        CaseEvent::StepPassed {
            step: i, comment, ..
        } => ("通过", step(*i), comment.clone()),
        CaseEvent::StepReturned { from, reason, .. } => ("退回", step(*from), reason.clone()),
        CaseEvent::Suspended { reason, .. } => ("其他", "特别程序开始".into(), reason.clone()),
        CaseEvent::Resumed => ("其他", "特别程序结束".into(), String::new()),
        CaseEvent::ExtensionRequested { reason, .. } => ("其他", "延期申请".into(), reason.clone()),
        CaseEvent::ExtensionApproved => ("通过", "延期批准".into(), String::new()),
        CaseEvent::Concluded {
            outcome, reason, ..
        } => (
            if *outcome == Outcome::Approved {
                "通过"
            } else {
                "其他"
            },
            "办结".into(),
            format!("{}。{reason}", outcome.label())
                .trim_end_matches('。')
                .to_owned(),
        ),
        CaseEvent::Delivered { method, .. } => ("其他", "送达".into(), method.label().to_owned()),
        CaseEvent::Withdrawn { reason } => ("其他", "撤件".into(), reason.clone()),
        // Part of the conclusion: it is the result record's licence.
        CaseEvent::LicenseIssued(_) => return None,
    })
}

fn process(c: &Case, events: &[Event], cx: &Context) -> Vec<Record> {
    let mut out = Vec::new();
    let mut started: Option<DateTime<Utc>> = None;
    let mut suspension = 0usize;
    let mut extension = 0usize;
    for e in events {
        let Some(ce) = case_event(e) else { continue };
        let Some((action, name, opinion)) = step_of(c, &ce) else {
            continue;
        };
        let mut p = Record::new(&PROCESS_ELEMENTS);
        let actor = mask_text(&e.actor);
        let unit = match e.payload.get("actor_department").and_then(|d| d.as_str()) {
            Some(d) => cx.department(d),
            None => cx.center_name.clone(),
        };
        p.set("办件编号", c.case_no());
        p.set("业务动作", action);
        p.set("环节名称", name);
        p.set("环节处理人", &actor);
        p.set("环节处理意见", mask_text(&opinion));
        p.set("环节开始时间", timestamp(started.unwrap_or(e.at)));
        p.set("环节结束时间", timestamp(e.at));
        p.set("处理单位名称", &unit);
        p.set("环节办理状态", "2");
        match &ce {
            CaseEvent::Suspended { .. } | CaseEvent::Resumed => {
                let index = if matches!(ce, CaseEvent::Suspended { .. }) {
                    suspension += 1;
                    suspension - 1
                } else {
                    suspension.saturating_sub(1)
                };
                if let Some(s) = c.suspensions.get(index) {
                    p.set("特别程序种类名称", s.procedure.label());
                    p.set("特别程序种类代码", "2");
                    p.set("特别程序开始时间", timestamp(s.started_at));
                    p.set("特别程序启动理由或依据", mask_text(&s.reason));
                    p.set("特别程序申请人", mask_text(&s.started_by));
                    p.set("特别程序结束时间", opt_ts(s.ended_at));
                    p.set("特别程序办理单位", &unit);
                    p.set("特别程序办理人", &actor);
                }
            }
            CaseEvent::ExtensionApproved => {
                if let Some(x) = c
                    .extensions
                    .iter()
                    .filter(|x| x.approved_at.is_some())
                    .nth(extension)
                {
                    p.set("特别程序种类名称", "延长审批");
                    p.set("特别程序种类代码", "1");
                    p.set("特别程序开始时间", timestamp(x.requested_at));
                    p.set("特别程序启动理由或依据", mask_text(&x.reason));
                    p.set("特别程序申请人", mask_text(&x.requested_by));
                    p.set("特别程序结束时间", opt_ts(x.approved_at));
                    p.set("特别程序结果", format!("延长{}个工作日", x.days));
                    p.set("特别程序办理单位", &unit);
                    p.set("特别程序办理人", &actor);
                }
                extension += 1;
            }
            _ => {}
        }
        started = Some(e.at);
        out.push(p);
    }
    // The step in progress is a record too, 待办 (its end is its start, as the standard says
    // for a step without an end).
    if c.status.is_clocked()
        && let (Some(i), Some(at)) = (c.current_step, c.step_started_at)
    {
        let mut p = Record::new(&PROCESS_ELEMENTS);
        p.set("办件编号", c.case_no());
        p.set("业务动作", "其他");
        p.set(
            "环节名称",
            c.received.steps.get(i).cloned().unwrap_or_default(),
        );
        p.set("环节开始时间", timestamp(at));
        p.set("环节结束时间", timestamp(at));
        p.set("处理单位名称", cx.department(&c.received.department));
        p.set("环节办理状态", "1");
        out.push(p);
    }
    out
}

fn result(c: &Case, events: &[Event], cx: &Context) -> Option<Record> {
    if !matches!(c.status, CaseStatus::Concluded | CaseStatus::Delivered) {
        return None;
    }
    let license: Option<IssuedLicense> = events.iter().rev().find_map(|e| match case_event(e) {
        Some(CaseEvent::LicenseIssued(l)) => Some(*l),
        _ => None,
    });
    let r = &c.received;
    let mut x = Record::new(&RESULT_ELEMENTS);
    x.set("办件编号", c.case_no());
    x.set(
        "办理人",
        mask_text(c.concluded_by.as_deref().unwrap_or_default()),
    );
    x.set("办结时间", opt_ts(c.concluded_at));
    if c.outcome == Some(Outcome::Approved) {
        x.set("结果证照名称", &r.result_name);
    }
    let outcome = c.outcome.map(Outcome::label).unwrap_or_default();
    let description = if c.outcome_reason.is_empty() {
        outcome.to_owned()
    } else {
        format!("{outcome}。{}", c.outcome_reason)
    };
    x.set("办件结果描述", mask_text(&description));
    match &license {
        Some(l) => {
            x.set("结果证照编号", &l.number);
            x.set(
                "证照有效期限",
                l.expires_on
                    .map_or_else(|| "长期有效".to_owned(), |d| d.format("%Y%m%d").to_string()),
            );
            x.set("发证单位", &l.issuer);
        }
        None if c.outcome == Some(Outcome::Approved) => {
            x.set("发证单位", cx.department(&r.department));
        }
        None => {}
    }
    x.set("行政区划代码", &cx.region_code);
    if let Some(d) = &c.delivery {
        x.set(
            "是否快递寄送结果",
            if d.method == DeliveryMethod::Mail {
                "1"
            } else {
                "0"
            },
        );
    }
    if let Some(fee) = cx.fees.get(&(r.matter_code.clone(), r.matter_version)) {
        x.set("是否收费", if *fee { "1" } else { "0" });
    }
    Some(x)
}

/// The CSV of `records` (header: the element names), UTF-8 with a byte-order mark so that a
/// spreadsheet opens the Chinese header correctly.
pub fn csv<'a>(
    elements: &[&str],
    records: impl IntoIterator<Item = &'a Record>,
) -> Result<Vec<u8>, csv::Error> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(elements)?;
        for r in records {
            w.write_record(r.values())?;
        }
        w.flush()?;
    }
    Ok(out)
}
