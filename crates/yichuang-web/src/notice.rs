//! Printable notices (行政许可文书): A4 HTML pages with a 文书编号, the center's name, the date and
//! a QR code to the public progress page. Which notices exist depends on the case's history.

use askama::Template;
use axum::http::HeaderMap;
use qrcode::QrCode;
use qrcode::render::svg;
use yichuang_core::CoreError;
use yichuang_core::cases::CaseDetail;
use yichuang_domain::case::{CaseStatus, DeliveryMethod, Outcome};
use yichuang_domain::clock::{shanghai_date, to_shanghai};
use yichuang_domain::mask::mask_id;

use crate::api::available_notices;
use crate::extract::urlencode;

/// Who issues a notice and whom to call: printed on the 受理通知书.
#[derive(Default)]
pub(crate) struct Issuer {
    /// The accepting window's name.
    pub(crate) window: String,
    /// The accepting clerk's display name.
    pub(crate) clerk: String,
    /// 咨询电话 of the matter (the center's, unless the matter has its own).
    pub(crate) consult_phone: String,
    /// 监督投诉电话.
    pub(crate) complaint_phone: String,
}

/// The text of a notice.
pub(crate) struct NoticeDoc {
    pub(crate) title: String,
    pub(crate) number: String,
    pub(crate) center_name: String,
    pub(crate) date: String,
    pub(crate) addressee: String,
    pub(crate) paragraphs: Vec<String>,
    pub(crate) rows: Vec<(String, String)>,
    pub(crate) items: Vec<String>,
    /// The line above the list, when the list needs one.
    pub(crate) items_title: String,
    pub(crate) remedy: Option<String>,
    pub(crate) signatures: bool,
}

#[derive(Template)]
#[template(path = "notices/notice.html")]
struct NoticePage {
    doc: NoticeDoc,
    qr_svg: String,
    /// Where to look by hand, printed under the QR code for those who cannot scan: a short
    /// line naming the page, not the QR's long URL (the case number is on the notice).
    short: String,
    /// The 好差评 invitation (link, QR) printed on the 送达回证.
    rate: Option<(String, String)>,
}

const REMEDY: &str = "申请人如对本决定不服，可以自收到本文书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。";

fn code_of(kind: &str) -> &'static str {
    match kind {
        "receipt" => "SJ",
        "acceptance" => "SL",
        "refusal" => "BYSL",
        "correction" => "BZ",
        "extension" => "YQ",
        "special_procedure" => "TBCX",
        "decision" => "JD",
        _ => "SD",
    }
}

/// Builds the notice of `kind` for a case, or `NotFound` when the case has no such notice.
pub(crate) fn build(
    d: &CaseDetail,
    kind: &str,
    center_name: &str,
    issuer: &Issuer,
) -> Result<NoticeDoc, CoreError> {
    if !available_notices(d).contains(&kind) {
        return Err(CoreError::NotFound("该办件当前没有此类文书".into()));
    }
    let c = &d.case;
    let r = &c.received;
    let dl = &d.deadlines;
    let fmt_t =
        |t: chrono::DateTime<chrono::Utc>| to_shanghai(t).format("%Y年%m月%d日 %H:%M").to_string();
    let fmt_d = |t: chrono::NaiveDate| t.format("%Y年%m月%d日").to_string();
    let issued_at = match kind {
        "receipt" => c.received_at,
        "acceptance" => c.accepted_at.unwrap_or(c.received_at),
        "correction" => c.correction_requested_at.unwrap_or(c.received_at),
        "refusal" => c.closed_at.unwrap_or(c.updated_at),
        "extension" => c
            .extensions
            .iter()
            .rev()
            .find_map(|e| e.approved_at)
            .unwrap_or(c.updated_at),
        "special_procedure" => c.suspensions.last().map_or(c.updated_at, |s| s.started_at),
        "decision" => c.concluded_at.unwrap_or(c.updated_at),
        _ => c.delivery.as_ref().map_or(c.updated_at, |x| x.delivered_at),
    };
    let mut doc = NoticeDoc {
        title: String::new(),
        number: format!("{}-{}", c.case_no(), code_of(kind)),
        center_name: center_name.to_owned(),
        date: fmt_d(shanghai_date(issued_at)),
        addressee: r.applicant.name.clone(),
        paragraphs: Vec::new(),
        rows: vec![
            ("办件编号".into(), c.case_no().to_owned()),
            ("申请事项".into(), r.matter_name.clone()),
            (
                "申请人".into(),
                format!(
                    "{}（证件号码 {}）",
                    r.applicant.name,
                    mask_id(&r.applicant.id_number)
                ),
            ),
        ],
        items: Vec::new(),
        items_title: String::new(),
        remedy: None,
        signatures: false,
    };
    match kind {
        "receipt" => {
            doc.title = "收取申请材料凭证".into();
            doc.paragraphs.push(format!("本中心于 {} 收到您提交的下列申请材料。本凭证仅证明材料已收取，不代表申请已被受理。", fmt_t(c.received_at)));
            doc.items = r
                .materials
                .iter()
                .map(|m| format!("{}（{}）", m.name, m.mode.label()))
                .collect();
        }
        "acceptance" => {
            doc.title = "受理通知书".into();
            let accepted = dl.accepted_on.map(fmt_d).unwrap_or_default();
            let basis = if c.deemed_accepted {
                "因本机关未在收到申请材料之日起五个工作日内一次告知需要补正的内容，依照《中华人民共和国行政许可法》第三十二条，自收到申请材料之日起即为受理。"
            } else {
                "经审查，您的申请材料齐全、符合法定形式，决定予以受理。"
            };
            doc.paragraphs
                .push(format!("{basis}受理日期：{accepted}。"));
            if let Some(due) = dl.due_promised {
                doc.rows.push((
                    "承诺办结期限".into(),
                    format!("{} 个工作日，{} 前", dl.promised_budget, fmt_d(due)),
                ));
            }
            if let Some(due) = dl.due_legal {
                doc.rows.push((
                    "法定办结期限".into(),
                    format!("{} 个工作日，{} 前", dl.legal_budget, fmt_d(due)),
                ));
            }
            // The deadlines are stated once, in the rows above; the list is what was received.
            doc.items = c
                .materials
                .iter()
                .filter(|m| m.mode.satisfied())
                .map(|m| format!("{}（{}）", m.name, m.mode.label()))
                .collect();
            doc.items_title = "已收取的申请材料：".into();
            for (label, value) in [
                ("受理窗口", &issuer.window),
                ("受理人", &issuer.clerk),
                ("咨询电话", &issuer.consult_phone),
                ("监督投诉电话", &issuer.complaint_phone),
            ] {
                if !value.is_empty() {
                    doc.rows.push((label.into(), value.clone()));
                }
            }
        }
        "refusal" => {
            doc.title = "不予受理通知书".into();
            doc.paragraphs
                .push("经审查，您的申请不予受理，理由如下：".into());
            doc.items.push(c.refused_reason.clone().unwrap_or_default());
            doc.remedy = Some(REMEDY.into());
        }
        "correction" => {
            doc.title = "申请材料补正告知书（一次性告知）".into();
            doc.paragraphs.push("经审查，您提交的申请材料不齐全或者不符合法定形式。现一次性告知需要补正的全部内容如下，请补齐后到任一综合窗口提交：".into());
            doc.items = c
                .correction_missing
                .iter()
                .filter_map(|i| r.materials.get(*i).map(|m| (*i, m)))
                .map(|(i, m)| {
                    // The clerk's own words for the item; else what the checklist shows.
                    let why = c
                        .correction_reasons
                        .iter()
                        .find(|x| x.index == i)
                        .map(|x| x.reason.clone());
                    let state = c.materials.get(i).map(|s| s.mode);
                    let why = why.unwrap_or_else(|| match state {
                        Some(yichuang_domain::case::MaterialMode::Missing) => "未提交".into(),
                        _ if m.required => "需补正".into(),
                        _ => "需更正".into(),
                    });
                    format!(
                        "{}（{}）：{why}",
                        m.name,
                        if m.required { "必需" } else { "非必需" }
                    )
                })
                .collect();
            if !c.correction_note.is_empty() {
                doc.paragraphs.push(format!("说明：{}", c.correction_note));
            }
            doc.paragraphs
                .push("补正材料收齐之日为受理日，办理时限自该日起计算。".into());
        }
        "extension" => {
            doc.title = "延长行政许可期限告知书".into();
            for e in c.extensions.iter().filter(|e| e.approved_at.is_some()) {
                doc.paragraphs.push(format!(
                    "因{}，经本机关负责人批准，办理期限延长 {} 个工作日。",
                    e.reason, e.days
                ));
            }
            if let Some(due) = dl.due_promised {
                doc.rows.push(("延长后的办结期限".into(), fmt_d(due)));
            }
        }
        "special_procedure" => {
            doc.title = "特别程序告知书".into();
            doc.paragraphs.push("依照《中华人民共和国行政许可法》第四十五条，下列特别程序所需时间不计算在办理期限内，现书面告知：".into());
            doc.items = c
                .suspensions
                .iter()
                .map(|s| {
                    let end = s
                        .ended_at
                        .map_or_else(|| "进行中".to_owned(), |e| format!("{} 结束", fmt_t(e)));
                    format!(
                        "{}：{}；预计所需 {} 个工作日；{} 开始，{end}",
                        s.procedure.label(),
                        s.reason,
                        s.expected_days,
                        fmt_t(s.started_at)
                    )
                })
                .collect();
        }
        "decision" => match c.outcome {
            Some(Outcome::Approved) => {
                doc.title = format!("准予{}决定书", r.matter_kind.replace("行政", ""));
                doc.paragraphs.push(format!(
                    "经审查，您的申请符合法定条件、标准，决定准予。办理结果：{}。",
                    r.result_name
                ));
                if !c.outcome_reason.is_empty() {
                    doc.paragraphs
                        .push(format!("审查意见：{}", c.outcome_reason));
                }
                if let Some(due) = dl.delivery_due {
                    doc.paragraphs
                        .push(format!("办理结果将于 {} 前送达。", fmt_d(due)));
                }
            }
            _ => {
                doc.title = format!("不予{}决定书", r.matter_kind.replace("行政", ""));
                doc.paragraphs
                    .push("经审查，您的申请不符合法定条件、标准，决定不予准予，理由如下：".into());
                doc.items.push(c.outcome_reason.clone());
                doc.remedy = Some(REMEDY.into());
            }
        },
        _ => {
            doc.title = "送达回证".into();
            let decision = match c.outcome {
                Some(Outcome::Approved) => format!("准予决定书及{}", r.result_name),
                _ => "不予决定书".into(),
            };
            doc.rows.push(("送达文书".into(), decision));
            match &c.delivery {
                Some(x) => {
                    doc.rows.push(("送达方式".into(), x.method.label().into()));
                    doc.rows.push(("送达时间".into(), fmt_t(x.delivered_at)));
                    match x.method {
                        DeliveryMethod::Mail => doc
                            .rows
                            .push(("快递单号".into(), x.tracking_no.clone().unwrap_or_default())),
                        DeliveryMethod::Pickup => doc
                            .rows
                            .push(("领取人".into(), x.recipient.clone().unwrap_or_default())),
                    }
                }
                None => doc.rows.push(("送达方式".into(), "待送达".into())),
            }
            doc.signatures = true;
        }
    }
    if c.status == CaseStatus::Withdrawn {
        doc.paragraphs.push("（该申请已撤回，办理终止。）".into());
    }
    Ok(doc)
}

/// The address printed links and QR codes lead to: `[server] public_url` when set (the hall's
/// public name, whatever host the clerk's browser used), else the request's own host.
pub(crate) fn base_url(public_url: Option<&str>, headers: &HeaderMap) -> String {
    if let Some(u) = public_url {
        return u.to_owned();
    }
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

/// The public progress URL of a case.
pub(crate) fn progress_url(base: &str, case_no: &str, name: &str) -> String {
    format!(
        "{base}/progress?case_no={}&name={}",
        urlencode(case_no),
        urlencode(name)
    )
}

/// The applicant's own page of an online case.
pub(crate) fn case_url(base: &str, case_no: &str) -> String {
    format!("{base}/my/cases/{}", urlencode(case_no))
}

fn qr(url: &str) -> Result<String, CoreError> {
    QrCode::new(url.as_bytes())
        .map(|q| {
            q.render::<svg::Color<'_>>()
                .min_dimensions(160, 160)
                .build()
        })
        .map_err(|e| CoreError::Internal(anyhow::anyhow!("QR encoding failed: {e}")))
}

/// The invitation link to rate a case.
pub(crate) fn rate_url(base: &str, token: &str) -> String {
    format!("{base}/rate/{token}")
}

/// Renders a notice page with its QR code to the progress page and, on a 送达回证, the QR code
/// of the invitation to rate the service.
pub(crate) fn render(
    doc: NoticeDoc,
    url: &str,
    short: &str,
    rate: Option<&str>,
) -> Result<String, CoreError> {
    let rate = rate
        .map(|u| Ok::<_, CoreError>((u.to_owned(), qr(u)?)))
        .transpose()?;
    NoticePage {
        doc,
        qr_svg: qr(url)?,
        short: short.to_owned(),
        rate,
    }
    .render()
    .map_err(|e| CoreError::Internal(anyhow::anyhow!("notice template failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_links_use_the_public_address_when_one_is_set() {
        let mut headers = HeaderMap::new();
        headers.insert("host", "10.0.0.5:8080".parse().unwrap());
        assert_eq!(base_url(None, &headers), "http://10.0.0.5:8080");
        let base = base_url(Some("https://zwfw.xuancheng.gov.cn"), &headers);
        assert_eq!(
            progress_url(&base, "341800-20261102-0001", "张三"),
            "https://zwfw.xuancheng.gov.cn/progress?case_no=341800-20261102-0001&name=%E5%BC%A0%E4%B8%89"
        );
        assert_eq!(rate_url(&base, "t"), "https://zwfw.xuancheng.gov.cn/rate/t");
    }
}
