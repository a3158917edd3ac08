//! The case API: intake, back office, issuance, notices, progress, errors, and the legal clock
//! with a fake clock.

use chrono::Duration;
use reqwest::Method;
use serde_json::{Value, json};
use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;

/// A valid 居民身份证号码 (the GB 11643 example).
pub(crate) const ID: &str = "11010519491231002X";

pub(crate) fn person() -> Value {
    json!({"type": "person", "name": "张三", "id_number": ID, "phone": "13912345678"})
}

/// Every item of the first matter's checklist (6 items, 5 required).
pub(crate) fn all_materials() -> Value {
    json!(
        (0..6)
            .map(|i| json!({"index": i, "mode": if i == 1 { "copy" } else { "original" }}))
            .collect::<Vec<_>>()
    )
}

pub(crate) async fn open(app: &TestApp, clerk: &str, body: Value) -> (u16, Value) {
    let token = app.token(clerk).await;
    app.send_json(Method::POST, "/api/v1/cases", Some(&token), &body)
        .await
}

pub(crate) async fn act(app: &TestApp, token: &str, case_no: &str, body: Value) -> (u16, Value) {
    app.send_json(
        Method::POST,
        &format!("/api/v1/cases/{case_no}/actions"),
        Some(token),
        &body,
    )
    .await
}

/// Passes every remaining step of a case the way a department staffs it: its approver passes
/// what it may, and a step its duties rule out (职责分离: the 承办人 may not also decide) goes
/// to the department head.
pub(crate) async fn pass_all_steps(app: &TestApp, department: &str, case_no: &str) {
    let approver = app.token(&format!("{department}-approver")).await;
    let head = app.token(&format!("{department}-head")).await;
    for _ in 0..12 {
        let (_, c) = app
            .get_json_as(&approver, &format!("/api/v1/cases/{case_no}"))
            .await;
        if c["current_step"] == "待办结" {
            return;
        }
        let pass = json!({"action": "pass", "comment": "同意"});
        let (s, v) = act(app, &approver, case_no, pass.clone()).await;
        if s == 409
            && v["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("职责分离"))
        {
            let (s, v) = act(app, &head, case_no, pass).await;
            assert_eq!(s, 200, "{v}");
        } else {
            assert_eq!(s, 200, "{v}");
        }
    }
    panic!("{case_no} did not reach 待办结");
}

#[tokio::test]
async fn a_case_goes_from_the_window_through_the_back_office_to_delivery() {
    let app = TestApp::sqlite().await;
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(), "materials": all_materials(), "decision": "accept"});
    let (status, case) = open(&app, "clerk1", body).await;
    assert_eq!(status, 201, "{case}");
    let no = case["case_no"].as_str().unwrap().to_owned();
    assert_eq!(no, "341800-20261102-0001");
    assert_eq!(case["status"], "accepted");
    assert_eq!(case["matter_version"], 1);
    assert_eq!(case["current_step"], "审查");
    // Promised 5 working days from Monday 2026-11-02; legal 20.
    assert_eq!(case["due_promised"], "2026-11-09");
    assert_eq!(case["due_legal"], "2026-11-30");
    assert_eq!(case["light"], "green");
    assert_eq!(
        case["applicant"]["id_number"], "1101**********002X",
        "ID numbers are masked"
    );
    assert_eq!(case["applicant"]["phone"], "139****5678");
    assert_eq!(case["materials"].as_array().unwrap().len(), 6);

    let approver = app.token("cgj-approver").await;
    let head = app.token("cgj-head").await;
    let (s, c) = act(
        &app,
        &approver,
        &no,
        json!({"action": "pass", "comment": "材料齐全"}),
    )
    .await;
    assert_eq!(
        (s, c["status"].as_str(), c["current_step"].as_str()),
        (200, Some("in_process"), Some("决定"))
    );
    app.clock.advance(Duration::days(1));
    let (s, c) = act(&app, &approver, &no, json!({"action": "suspend", "procedure": "site_survey", "reason": "需现场勘验消纳场所", "expected_days": 3})).await;
    assert_eq!((s, c["status"].as_str()), (200, Some("suspended")), "{c}");
    let (s, _) = act(
        &app,
        &approver,
        &no,
        json!({"action": "pass", "comment": "x"}),
    )
    .await;
    assert_eq!(s, 409, "no step passes while the clock is stopped");
    app.clock.advance(Duration::days(2));
    let (s, c) = act(&app, &approver, &no, json!({"action": "resume"})).await;
    assert_eq!(s, 200);
    // Suspended Tue 11-03 → Thu 11-05: 2 working days paused.
    assert_eq!(c["due_promised"], "2026-11-11");
    let (s, c) = act(
        &app,
        &approver,
        &no,
        json!({"action": "request_extension", "days": 3, "reason": "需征求相关部门意见"}),
    )
    .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(
        c["due_promised"], "2026-11-11",
        "a request alone changes nothing"
    );
    let (s, _) = act(&app, &approver, &no, json!({"action": "approve_extension"})).await;
    assert_eq!(s, 403, "only the department head approves extensions");
    let (s, c) = act(&app, &head, &no, json!({"action": "approve_extension"})).await;
    assert_eq!(s, 200);
    assert_eq!(c["due_promised"], "2026-11-16");
    let (s, c) = act(
        &app,
        &approver,
        &no,
        json!({"action": "conclude", "outcome": "approved"}),
    )
    .await;
    assert_eq!(
        (s, c["error"]["code"].as_str()),
        (409, Some("invalid_transition"))
    );
    // Separation of duties: who passed 审查 (承办人) may not also pass 决定 (批准人).
    let (s, c) = act(
        &app,
        &approver,
        &no,
        json!({"action": "pass", "comment": "同意"}),
    )
    .await;
    assert_eq!(
        (s, c["error"]["code"].as_str()),
        (409, Some("invalid_transition")),
        "{c}"
    );
    assert!(
        c["error"]["message"].as_str().unwrap().contains("职责分离"),
        "{c}"
    );
    let (s, c) = act(
        &app,
        &head,
        &no,
        json!({"action": "pass", "comment": "同意"}),
    )
    .await;
    assert_eq!((s, c["current_step"].as_str()), (200, Some("制证")), "{c}");
    // 制证 and 送达 carry no duty: the 承办人 passes them.
    for _ in 0..2 {
        let (s, c) = act(
            &app,
            &approver,
            &no,
            json!({"action": "pass", "comment": "同意"}),
        )
        .await;
        assert_eq!(s, 200, "{c}");
    }
    let (s, c) = act(
        &app,
        &approver,
        &no,
        json!({"action": "conclude", "outcome": "approved", "reason": "符合条件"}),
    )
    .await;
    assert_eq!(
        (s, c["status"].as_str(), c["outcome"].as_str()),
        (200, Some("concluded"), Some("approved"))
    );
    assert!(c["delivery_due"].is_string());
    let issuer = app.token("issuer").await;
    let (s, c) = act(
        &app,
        &issuer,
        &no,
        json!({"action": "deliver", "method": "pickup"}),
    )
    .await;
    assert_eq!(s, 400, "the recipient must be recorded: {c}");
    let (s, c) = act(
        &app,
        &issuer,
        &no,
        json!({"action": "deliver", "method": "pickup", "recipient": "张三（身份证已核验）"}),
    )
    .await;
    assert_eq!((s, c["status"].as_str()), (200, Some("delivered")));

    let (s, p) = app
        .get_json(&format!(
            "/api/v1/public/progress?case_no={no}&name=%E5%BC%A0%E4%B8%89"
        ))
        .await;
    assert_eq!(s, 200);
    assert_eq!(p["status"], "delivered");
    assert!(
        p.get("applicant").is_none(),
        "nothing personal beyond what was typed"
    );
    // The plain-words timeline: what happened and when, no names or comments.
    let labels: Vec<&str> = p["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels.first(), Some(&"收件"), "{p}");
    assert_eq!(labels.last(), Some(&"送达"), "{p}");
    assert!(
        labels.contains(&"受理") && labels.contains(&"环节通过"),
        "{p}"
    );
    let text = p["timeline"].to_string();
    for private in [
        "审批员",
        "负责人",
        "材料齐全",
        "clerk1",
        "张三（身份证已核验）",
    ] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    let (_, page) = app
        .get_text(&format!("/progress?case_no={no}&name=%E5%BC%A0%E4%B8%89"))
        .await;
    assert!(page.contains("id=\"progress-timeline\""), "{page}");
    assert!(page.contains("</span> 送达</li>"), "{page}");

    let (s, events) = app
        .get_json_as(&approver, &format!("/api/v1/cases/{no}/events"))
        .await;
    assert_eq!(s, 200);
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[..2], ["case_received", "case_accepted"]);
    for k in [
        "case_suspended",
        "case_resumed",
        "case_extension_requested",
        "case_extension_approved",
        "case_concluded",
        "case_delivered",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    assert_eq!(events[2]["payload"]["actor_department"], "cgj");
    assert_eq!(events[0]["payload"]["actor_window"], "W01");

    for (kind, title) in [
        ("receipt", "收取申请材料凭证"),
        ("acceptance", "受理通知书"),
        ("special_procedure", "特别程序告知书"),
        ("extension", "延长行政许可期限告知书"),
        ("decision", "准予许可决定书"),
        ("delivery", "送达回证"),
    ] {
        let r = app
            .client
            .get(app.url(&format!("/api/v1/cases/{no}/notices/{kind}")))
            .bearer_auth(&approver)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{kind}");
        let html = r.text().await.unwrap();
        assert!(html.contains(title), "{kind}: {title}");
        assert!(html.contains("<svg"), "{kind} carries a QR code");
        // The caption under the QR is short: where to go and what to type, not the long URL.
        assert!(html.contains("/progress 输入办件编号查询"), "{kind}");
        if kind == "acceptance" {
            for shown in [
                "受理窗口",
                "综合窗口1号",
                "受理人",
                "王芳",
                "咨询电话",
                "12345",
                "城市建筑垃圾处置核准申请表（原件已核验）",
            ] {
                assert!(html.contains(shown), "acceptance notice lacks {shown}");
            }
            assert_eq!(
                html.matches("承诺办结").count(),
                1,
                "the promised deadline is stated once"
            );
        }
        assert!(
            html.contains(&format!("{no}-")),
            "{kind} has a numbered 文书编号"
        );
    }
    let r = app
        .client
        .get(app.url(&format!("/api/v1/cases/{no}/notices/refusal")))
        .bearer_auth(&approver)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_correction_notice_names_every_missing_item_and_acceptance_dates_from_the_supplement() {
    let app = TestApp::sqlite().await;
    let materials = json!([{"index": 0, "mode": "original"}, {"index": 1, "mode": "copy"}]);
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(), "materials": materials,
        "decision": "request_correction", "missing": [1], "note": "营业执照复印件不清晰"});
    let (s, c) = open(&app, "clerk2", body).await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["status"], "correction_requested");
    assert_eq!(c["correction_missing"], json!([1, 2, 3, 4]));
    assert!(c["due_promised"].is_null(), "no clock before acceptance");
    let no = c["case_no"].as_str().unwrap().to_owned();
    let clerk = app.token("clerk3").await;
    let (s, _) = act(&app, &clerk, &no, json!({"action": "accept"})).await;
    assert_eq!(s, 409);
    app.clock.advance(Duration::days(2));
    let supplement = json!({"action": "supplement", "materials": [
        {"index": 1, "mode": "copy"}, {"index": 2, "mode": "original"}, {"index": 3, "mode": "copy"}, {"index": 4, "mode": "copy"}]});
    let (s, c) = act(&app, &clerk, &no, supplement).await;
    assert_eq!((s, c["status"].as_str()), (200, Some("received")), "{c}");
    app.clock.advance(Duration::hours(3));
    let (s, c) = act(&app, &clerk, &no, json!({"action": "accept"})).await;
    assert_eq!(s, 200, "{c}");
    assert!(
        c["accepted_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-04T01:00:00"),
        "{}",
        c["accepted_at"]
    );
    assert_eq!(
        c["due_promised"], "2026-11-11",
        "5 working days from Wednesday 11-04"
    );
    let r = app
        .client
        .get(app.url(&format!("/api/v1/cases/{no}/notices/correction")))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    for name in [
        "营业执照",
        "建筑垃圾处置方案",
        "与运输单位签订的运输合同",
        "消纳场所证明材料",
        "营业执照复印件不清晰",
    ] {
        assert!(html.contains(name), "{name}");
    }
}

#[tokio::test]
async fn bad_intake_is_refused_with_its_code_and_creates_nothing() {
    let app = TestApp::sqlite().await;
    let mut p = person();
    p["id_number"] = json!("110105194912310021");
    let body = json!({"matter_code": FIRST_MATTER, "applicant": p, "materials": all_materials(), "decision": "accept"});
    let (s, v) = open(&app, "clerk1", body).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("invalid_id_number"))
    );
    let org = json!({"type": "org", "name": "宣城某建筑公司", "credit_code": "91350100M000100Y44", "phone": "0563-2345678"});
    let body = json!({"matter_code": FIRST_MATTER, "applicant": org, "materials": all_materials(), "decision": "accept"});
    let (s, v) = open(&app, "clerk1", body).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("invalid_credit_code"))
    );
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(), "materials": [{"index": 0, "mode": "original"}], "decision": "accept"});
    let (s, v) = open(&app, "clerk1", body).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("missing_required_material"))
    );
    assert!(v["error"]["message"].as_str().unwrap().contains("营业执照"));
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(), "materials": all_materials(), "decision": "accept"});
    let (s, v) = open(&app, "clerk-tax", body.clone()).await;
    assert_eq!((s, v["error"]["code"].as_str()), (403, Some("forbidden")));
    let (s, _) = open(&app, "cgj-approver", body).await;
    assert_eq!(s, 403, "approvers do not accept at a window");
    let body = json!({"matter_code": "nope", "applicant": person(), "materials": [], "decision": "accept"});
    assert_eq!(open(&app, "clerk1", body).await.0, 404);
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(), "materials": [{"index": 9, "mode": "original"}], "decision": "accept"});
    assert_eq!(open(&app, "clerk1", body).await.0, 400);
    let supervisor = app.token("supervisor").await;
    let (_, list) = app.get_json_as(&supervisor, "/api/v1/cases").await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "no refused intake left a case behind"
    );
    assert_eq!(
        app.core
            .store()
            .events_for("case", "341800-20261102-0001")
            .await
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn actions_respect_roles_departments_and_states() {
    let app = TestApp::sqlite().await;
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(), "materials": all_materials(), "decision": "accept"});
    let (_, c) = open(&app, "clerk1", body).await;
    let no = c["case_no"].as_str().unwrap().to_owned();
    let other = app.token("rsj-approver").await;
    let (s, _) = act(&app, &other, &no, json!({"action": "pass"})).await;
    assert_eq!(s, 403, "another department's approver");
    assert_eq!(
        app.get_json_as(&other, &format!("/api/v1/cases/{no}"))
            .await
            .0,
        403
    );
    let clerk = app.token("clerk1").await;
    assert_eq!(
        act(&app, &clerk, &no, json!({"action": "pass"})).await.0,
        403
    );
    let issuer = app.token("issuer").await;
    assert_eq!(
        act(
            &app,
            &issuer,
            &no,
            json!({"action": "deliver", "method": "mail", "tracking_no": "SF1"})
        )
        .await
        .0,
        409
    );
    let approver = app.token("cgj-approver").await;
    let (s, v) = act(
        &app,
        &approver,
        &no,
        json!({"action": "return", "reason": "x"}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("invalid_transition"))
    );
    let (s, v) = act(&app, &approver, &no, json!({"action": "fly"})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("invalid_input"))
    );
    let (s, _) = act(
        &app,
        &approver,
        &no,
        json!({"action": "conclude", "outcome": "denied"}),
    )
    .await;
    assert_eq!(s, 400, "a denial needs its reasons");
    let (s, c) = act(
        &app,
        &approver,
        &no,
        json!({"action": "conclude", "outcome": "denied", "reason": "消纳场所不符合要求"}),
    )
    .await;
    assert_eq!((s, c["outcome"].as_str()), (200, Some("denied")));
    let r = app
        .client
        .get(app.url(&format!("/api/v1/cases/{no}/notices/decision")))
        .bearer_auth(&approver)
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("不予许可决定书") && html.contains("消纳场所不符合要求"));
    assert!(
        html.contains("行政复议") && html.contains("行政诉讼"),
        "a denial carries the remedies"
    );
    let (s, _) = act(
        &app,
        &clerk,
        &no,
        json!({"action": "withdraw", "reason": "不办了"}),
    )
    .await;
    assert_eq!(s, 409, "no withdrawal after the decision");
    let (_, mine) = app.get_json_as(&approver, "/api/v1/cases").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get_json_as(&other, "/api/v1/cases").await.1["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn progress_reveals_nothing_without_the_right_name() {
    let app = TestApp::sqlite().await;
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(), "materials": all_materials(), "decision": "accept"});
    let (_, c) = open(&app, "clerk1", body).await;
    let no = c["case_no"].as_str().unwrap();
    let (s1, wrong) = app
        .get_json(&format!(
            "/api/v1/public/progress?case_no={no}&name=%E6%9D%8E%E5%9B%9B"
        ))
        .await;
    let (s2, unknown) = app
        .get_json("/api/v1/public/progress?case_no=341800-20261102-9999&name=%E5%BC%A0%E4%B8%89")
        .await;
    assert_eq!((s1, s2), (404, 404));
    assert_eq!(
        wrong, unknown,
        "a wrong name looks exactly like an unknown number"
    );
    let (s, p) = app
        .get_json(&format!(
            "/api/v1/public/progress?case_no={no}&name=%E5%BC%A0%E4%B8%89"
        ))
        .await;
    assert_eq!(
        (s, p["status"].as_str(), p["current_step"].as_str()),
        (200, Some("accepted"), Some("审查"))
    );
    assert_eq!(p["due_promised"], "2026-11-09");
}

#[tokio::test]
async fn without_a_correction_notice_the_case_counts_as_accepted_on_receipt() {
    let app = TestApp::sqlite().await;
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(), "materials": all_materials(), "decision": "receive"});
    let (s, c) = open(&app, "clerk1", body).await;
    assert_eq!((s, c["status"].as_str()), (201, Some("received")));
    assert_eq!(c["correction_due"], "2026-11-09");
    let no = c["case_no"].as_str().unwrap().to_owned();
    app.clock
        .set(yichuang_testkit::start_instant() + Duration::days(7));
    assert_eq!(
        app.core.sweep_deemed_acceptance().await.unwrap(),
        0,
        "Monday 11-09 is still in time"
    );
    app.clock.advance(Duration::days(1));
    assert_eq!(app.core.sweep_deemed_acceptance().await.unwrap(), 1);
    assert_eq!(
        app.core.sweep_deemed_acceptance().await.unwrap(),
        0,
        "recorded once"
    );
    let token = app.token("clerk1").await;
    let (_, c) = app
        .get_json_as(&token, &format!("/api/v1/cases/{no}"))
        .await;
    assert_eq!(c["status"], "accepted");
    assert_eq!(c["deemed_accepted"], true);
    assert!(c["accepted_at"].as_str().unwrap().starts_with("2026-11-02"));
    assert_eq!(
        c["due_promised"], "2026-11-09",
        "the clock ran from the receipt date"
    );
    assert_eq!(c["light"], "red");
    assert!(c["explanation"][0].as_str().unwrap().contains("视为受理"));
    let (s, _) = act(
        &app,
        &token,
        &no,
        json!({"action": "request_correction", "missing": [0]}),
    )
    .await;
    assert_eq!(s, 409, "too late for a correction notice");
}

#[tokio::test]
async fn a_calendar_change_moves_every_open_deadline_at_once() {
    let app = TestApp::sqlite().await;
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(), "materials": all_materials(), "decision": "accept"});
    let (_, c) = open(&app, "clerk1", body.clone()).await;
    let no = c["case_no"].as_str().unwrap().to_owned();
    let (_, c2) = open(&app, "clerk2", body).await;
    let no2 = c2["case_no"].as_str().unwrap().to_owned();
    assert_eq!(c["due_promised"], "2026-11-09");
    let admin = app.token("admin").await;
    let (s, _) = app
        .send_json(
            Method::PUT,
            "/api/v1/calendar/days/2026-11-04",
            Some(&admin),
            &json!({"kind": "holiday", "note": "地方节日"}),
        )
        .await;
    assert_eq!(s, 200);
    let stored = app.core.store().case_by_no(&no).await.unwrap().unwrap();
    assert_eq!(
        stored.index.due_promised.unwrap().to_string(),
        "2026-11-10",
        "the stored projection moved"
    );
    let stored2 = app.core.store().case_by_no(&no2).await.unwrap().unwrap();
    assert_eq!(
        stored2.index.due_promised.unwrap().to_string(),
        "2026-11-10"
    );
    let supervisor = app.token("supervisor").await;
    let (_, c) = app
        .get_json_as(&supervisor, &format!("/api/v1/cases/{no}"))
        .await;
    assert_eq!(c["due_promised"], "2026-11-10");
    assert!(
        c["explanation"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().contains("地方节日"))
    );
}

#[tokio::test]
async fn the_light_board_forecasts_and_is_for_supervisors() {
    let app = TestApp::sqlite().await;
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(), "materials": all_materials(), "decision": "accept"});
    open(&app, "clerk1", body).await;
    let supervisor = app.token("supervisor").await;
    let (s, now) = app
        .get_json_as(&supervisor, "/api/v1/supervision/lights")
        .await;
    assert_eq!(s, 200);
    assert_eq!(now["items"][0]["light"], "green");
    let (_, friday) = app
        .get_json_as(
            &supervisor,
            "/api/v1/supervision/lights?at=2026-11-06T09:00:00%2B08:00",
        )
        .await;
    assert_eq!(friday["items"][0]["light"], "yellow");
    let (_, later) = app
        .get_json_as(
            &supervisor,
            "/api/v1/supervision/lights?at=2026-12-01T09:00:00%2B08:00",
        )
        .await;
    assert_eq!(later["items"][0]["light"], "red");
    assert_eq!(later["items"][0]["legal_overdue"], true);
    let clerk = app.token("clerk1").await;
    assert_eq!(
        app.get_json_as(&clerk, "/api/v1/supervision/lights")
            .await
            .0,
        403
    );
    assert_eq!(
        app.get_json_as(&supervisor, "/api/v1/supervision/lights?at=tomorrow")
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn an_immediate_matter_is_concluded_at_the_window() {
    let app = TestApp::sqlite().await;
    let (_, list) = app
        .get_json("/api/v1/matters?limit=500&window_group=comprehensive")
        .await;
    let m = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["handling"] == "immediate")
        .unwrap()
        .clone();
    let code = m["code"].as_str().unwrap();
    let (_, guide) = app.get_json(&format!("/api/v1/matters/{code}")).await;
    let materials: Vec<Value> = (0..guide["materials"].as_array().unwrap().len())
        .map(|i| json!({"index": i, "mode": "original"}))
        .collect();
    let body = json!({"matter_code": code, "applicant": person(), "materials": materials, "decision": "accept"});
    let (s, c) = open(&app, "clerk1", body).await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(
        (c["status"].as_str(), c["outcome"].as_str()),
        (Some("concluded"), Some("approved"))
    );
    let clerk = app.token("clerk1").await;
    let no = c["case_no"].as_str().unwrap();
    let (s, c) = act(
        &app,
        &clerk,
        no,
        json!({"action": "deliver", "method": "pickup", "recipient": "张三"}),
    )
    .await;
    assert_eq!((s, c["status"].as_str()), (200, Some("delivered")));
}
