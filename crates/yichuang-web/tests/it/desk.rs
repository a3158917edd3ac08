//! Electronic materials at the window over HTTP: clerks' scans attached to checklist items and
//! checked, the approver's examined materials recorded, per-item correction reasons printed, the
//! ID-card reader's hand-over, and the intake form that preselects nothing.

use reqwest::Method;
use serde_json::{Value, json};
use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;
use crate::api_cases::{ID, act, open, person};
use crate::portal::upload;

const SCAN: &[u8] = include_bytes!("fixtures/scan.png");

fn materials_with(scans: &[(usize, &str)]) -> Value {
    json!(
        (0..6)
            .map(|i| {
                let mut m = json!({"index": i, "mode": if i == 1 { "copy" } else { "original" }});
                if let Some((_, id)) = scans.iter().find(|(x, _)| *x == i) {
                    m["file_id"] = json!(id);
                }
                m
            })
            .collect::<Vec<_>>()
    )
}

async fn case_count(app: &TestApp) -> usize {
    let token = app.token("supervisor").await;
    let (_, v) = app.get_json_as(&token, "/api/v1/cases?limit=200").await;
    v["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_clerks_scan_goes_with_its_item_and_the_approver_says_what_was_examined() {
    let app = TestApp::sqlite().await;
    let clerk = app.token("clerk1").await;
    let (s, f) = upload(&app, &clerk, "申请表扫描.png", SCAN).await;
    assert_eq!(s, 201, "{f}");
    let scan = f["file_id"].as_str().unwrap().to_owned();

    // Another clerk's scan, a made-up id, and a scan on a missing item are refused; nothing
    // is created.
    let other = app.token("clerk2").await;
    let (_, f2) = upload(&app, &other, "别人的.png", SCAN).await;
    let foreign = f2["file_id"].as_str().unwrap().to_owned();
    let before = case_count(&app).await;
    for (materials, expect) in [
        (
            materials_with(&[(0, &foreign)]),
            "第 1 项材料的扫描件不存在",
        ),
        (
            materials_with(&[(2, "0123456789abcdef0123456789abcdef")]),
            "第 3 项材料的扫描件不存在",
        ),
        (
            json!([{"index": 0, "mode": "missing", "file_id": scan}]),
            "第 1 项材料选择了“缺少”，却附有扫描件",
        ),
        (
            json!([{"index": 0, "mode": ""}]),
            "第 1 项材料未选择收取方式",
        ),
    ] {
        let (s, v) = open(
            &app,
            "clerk1",
            json!({"matter_code": FIRST_MATTER, "applicant": person(), "materials": materials, "decision": "accept"}),
        )
        .await;
        assert_eq!(s, 400, "{v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(expect),
            "{v}"
        );
    }
    assert_eq!(case_count(&app).await, before);

    let (s, c) = open(
        &app,
        "clerk1",
        json!({"matter_code": FIRST_MATTER, "applicant": person(), "materials": materials_with(&[(0, &scan)]), "decision": "accept"}),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let case_no = c["case_no"].as_str().unwrap().to_owned();
    assert_eq!(c["materials"][0]["file_id"], scan.as_str());
    assert_eq!(
        c["materials"][0]["mode"], "original",
        "the scan keeps how it was provided"
    );

    // The approver reads it through the case; the clerk who did not take it, and an approver of
    // another department, do not.
    let approver = app.token("cgj-approver").await;
    let r = app
        .client
        .get(app.url(&format!("/api/v1/files/{scan}?case_no={case_no}")))
        .bearer_auth(&approver)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert_eq!(r.headers()["x-frame-options"], "SAMEORIGIN");
    assert_eq!(r.bytes().await.unwrap().as_ref(), SCAN);
    let stranger = app.token("rsj-approver").await;
    let (s, _) = app
        .get_json_as(
            &stranger,
            &format!("/api/v1/files/{scan}?case_no={case_no}"),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = app
        .get_json_as(&other, &format!("/api/v1/files/{scan}"))
        .await;
    assert_eq!(s, 404);

    // Examined materials: only items with an electronic copy; recorded with the step.
    let (s, v) = act(
        &app,
        &approver,
        &case_no,
        json!({"action": "pass", "comment": "同意", "seen": [2]}),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("没有电子件")
    );
    let (s, v) = act(
        &app,
        &approver,
        &case_no,
        json!({"action": "pass", "comment": "同意", "seen": [0]}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, events) = app
        .get_json_as(&approver, &format!("/api/v1/cases/{case_no}/events"))
        .await;
    let passed = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "case_step_passed")
        .expect("the step was recorded");
    assert_eq!(passed["payload"]["event"]["seen"], json!([0]), "{passed}");

    // The case page shows the scan inline and offers it as examined.
    let (_, page) = app
        .get_text_as(&app.token("cgj-head").await, &format!("/cases/{case_no}"))
        .await;
    assert!(page.contains(&format!("<img src=\"/files/{scan}?case_no={case_no}\"")));
    assert!(page.contains("name=\"seen_0\""));
    assert!(
        page.contains("<b>受理窗口</b>综合窗口1号"),
        "the window by its name"
    );
    assert!(
        !page.contains("name=\"seen_2\""),
        "paper cannot be ticked as examined"
    );
    assert!(page.contains("查阅电子材料：城市建筑垃圾处置核准申请表"));
}

#[tokio::test]
async fn a_correction_notice_prints_the_reason_for_each_item() {
    let app = TestApp::sqlite().await;
    let materials = json!([
        {"index": 0, "mode": "original"},
        {"index": 1, "mode": "copy"},
        {"index": 3, "mode": "original"},
        {"index": 4, "mode": "original"},
    ]);
    let (s, c) = open(
        &app,
        "clerk1",
        json!({
            "matter_code": FIRST_MATTER, "applicant": person(), "materials": materials,
            "decision": "request_correction", "note": "请一并补齐",
            "reasons": [{"index": 1, "reason": "营业执照复印件不清晰，需加盖公章"}, {"index": 2, "reason": "  "}],
        }),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["correction_missing"], json!([1, 2]));
    assert_eq!(
        c["correction_reasons"],
        json!([{"index": 1, "reason": "营业执照复印件不清晰，需加盖公章"}])
    );
    let case_no = c["case_no"].as_str().unwrap();
    let clerk = app.token("clerk1").await;
    let (_, notice) = app
        .get_text_as(
            &clerk,
            &format!("/api/v1/cases/{case_no}/notices/correction"),
        )
        .await;
    assert!(
        notice.contains("营业执照（必需）：营业执照复印件不清晰，需加盖公章"),
        "{notice}"
    );
    assert!(
        notice.contains("（必需）：未提交"),
        "an item without a reason says it was not given"
    );

    // A reason on an item outside the checklist is refused.
    let (s, v) = open(
        &app,
        "clerk1",
        json!({"matter_code": FIRST_MATTER, "applicant": person(), "materials": [],
            "decision": "request_correction", "reasons": [{"index": 9, "reason": "x"}]}),
    )
    .await;
    assert_eq!(s, 400, "{v}");
}

#[tokio::test]
async fn the_id_card_reader_hands_one_read_to_its_own_window() {
    let app = TestApp::sqlite().await;
    let clerk1 = app.token("clerk1").await;
    let clerk2 = app.token("clerk2").await;
    let path = "/api/v1/desk/id-card";
    let read = json!({"name": "张三", "id_number": ID, "address": "安徽省宣城市宣州区"});
    let (s, v) = app
        .send_json(
            Method::POST,
            path,
            Some(&clerk1),
            &json!({"name": "张三", "id_number": "110105194912310021"}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("校验位"));
    let (s, _) = app
        .send_json(Method::POST, path, Some(&clerk1), &read)
        .await;
    assert_eq!(s, 202);
    // Another window does not get it; an approver has no reader; nobody without login does.
    let (s, _) = app.get_json_as(&clerk2, path).await;
    assert_eq!(s, 404);
    let (s, _) = app
        .get_json_as(&app.token("cgj-approver").await, path)
        .await;
    assert_eq!(s, 403);
    let (s, _) = app.get_json(path).await;
    assert_eq!(s, 401);
    let (s, v) = app.get_json_as(&clerk1, path).await;
    assert_eq!(s, 200);
    assert_eq!(v["name"], "张三");
    assert_eq!(v["id_number"], ID);
    // Handed out once.
    let (s, v) = app.get_json_as(&clerk1, path).await;
    assert_eq!(s, 404);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("未读到身份证")
    );
    // A read not taken within two minutes is gone.
    let (s, _) = app
        .send_json(Method::POST, path, Some(&clerk1), &read)
        .await;
    assert_eq!(s, 202);
    app.clock.advance(chrono::Duration::minutes(3));
    let clerk1 = app.token("clerk1").await;
    let (s, _) = app.get_json_as(&clerk1, path).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn the_intake_form_preselects_nothing_and_says_which_item_is_unchosen() {
    let app = TestApp::sqlite().await;
    let csrf = crate::pages::form_login(&app, "clerk1").await;
    let (_, form) = app
        .get_text(&format!("/desk/new?matter={FIRST_MATTER}"))
        .await;
    assert_eq!(
        form.matches("<option value=\"\" selected>请选择</option>")
            .count(),
        6
    );
    assert!(!form.contains("value=\"original\" selected"));
    let before = case_count(&app).await;
    let mut fields = vec![
        ("csrf", csrf.clone()),
        ("matter_code", FIRST_MATTER.to_owned()),
        ("applicant_type", "person".into()),
        ("applicant_name", "张三".into()),
        ("applicant_id_number", ID.into()),
        ("applicant_phone", "13912345678".into()),
        ("decision", "accept".into()),
    ];
    for i in 0..6 {
        let mode = if i == 4 { "" } else { "original" };
        fields.push((
            ["mode_0", "mode_1", "mode_2", "mode_3", "mode_4", "mode_5"][i],
            mode.into(),
        ));
    }
    let r = app
        .client
        .post(app.url("/desk/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("第 5 项材料未选择收取方式"), "{page}");
    assert_eq!(case_count(&app).await, before);
}

#[tokio::test]
async fn the_id_typed_at_the_kiosk_reaches_the_intake_form_of_the_window_that_calls_it() {
    let app = TestApp::sqlite().await;
    let issuer = app.token("issuer").await;
    let (s, t) = app
        .send_json(
            Method::POST,
            "/api/v1/tickets",
            Some(&issuer),
            &json!({"group": "comprehensive", "id_number": ID}),
        )
        .await;
    assert_eq!(s, 201, "{t}");
    let clerk = app.token("clerk1").await;
    let form_path = format!("/desk/new?matter={FIRST_MATTER}");
    let (_, before) = app.get_text_as(&clerk, &form_path).await;
    assert!(
        !before.contains(ID),
        "nothing is carried before the ticket is called"
    );
    let r = app
        .client
        .post(app.url("/api/v1/windows/W01/call"))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, form) = app.get_text_as(&clerk, &form_path).await;
    assert!(
        form.contains(&format!("value=\"{ID}\"")),
        "the kiosk's number is in the form"
    );
    assert!(form.contains("已从取号时输入的号码带入"));
    // Another window does not see it; at rest it is sealed.
    let (_, other) = app
        .get_text_as(&app.token("clerk2").await, &form_path)
        .await;
    assert!(!other.contains(ID));
    let dir = app.data_dir.clone().unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(ID.len()).any(|w| w == ID.as_bytes()),
                "{} holds the plain ID number",
                path.display()
            );
        }
    }
    // When the ticket ends the number is dropped.
    let id = t["id"].as_i64().unwrap();
    let (s, _) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/tickets/{id}/actions"),
            Some(&clerk),
            &json!({"action": "finish"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.core.store().ticket_holder(id).await.unwrap(), None);
}
