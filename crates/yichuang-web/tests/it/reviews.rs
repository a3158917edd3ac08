//! 好差评 of cases and 差评整改: who may rate, one per stage, the rectification clock across a
//! holiday, call-back, completion, appeal and the rates.

use chrono::TimeZone;
use reqwest::Method;
use serde_json::{Value, json};
use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;

async fn open_accepted(app: &TestApp) -> String {
    let body = json!({"matter_code": FIRST_MATTER, "applicant": crate::api_cases::person(),
        "materials": crate::api_cases::all_materials(), "decision": "accept"});
    let (s, c) = crate::api_cases::open(app, "clerk1", body).await;
    assert_eq!(s, 201, "{c}");
    c["case_no"].as_str().unwrap().to_owned()
}

async fn rate(app: &TestApp, token: Option<&str>, body: Value) -> (u16, Value) {
    app.send_json(Method::POST, "/api/v1/evaluations", token, &body)
        .await
}

async fn rect_act(app: &TestApp, token: &str, id: i64, body: Value) -> (u16, Value) {
    app.send_json(
        Method::POST,
        &format!("/api/v1/rectifications/{id}/actions"),
        Some(token),
        &body,
    )
    .await
}

#[tokio::test]
async fn a_bad_review_opens_a_rectification_due_fifteen_working_days_later_across_national_day() {
    let app = TestApp::sqlite().await;
    // Wednesday 2026-09-23, 10:00 in Shanghai: the 15 working days run over 中秋节 (09-25 to
    // 09-27) and 国庆节 (10-01 to 10-07, Saturday 10-10 worked): 09-24, 28, 29, 30, 10-08, 09,
    // 10, 12, 13, 14, 15, 16, 19, 20, 21.
    app.clock.set(
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, 9, 23, 10, 0, 0)
            .unwrap()
            .with_timezone(&chrono::Utc),
    );
    let no = open_accepted(&app).await;

    // Strangers get 404, whatever they send; nothing is recorded.
    let bad =
        json!({"case_no": no, "name": "李四", "level": "very_dissatisfied", "channel": "web"});
    assert_eq!(rate(&app, None, bad).await.0, 404);
    let anon = json!({"case_no": no, "level": "satisfied", "channel": "web"});
    assert_eq!(rate(&app, None, anon).await.0, 404);
    let forged =
        json!({"token": "00112233445566778899aabbccddeeff", "level": "satisfied", "channel": "qr"});
    assert_eq!(rate(&app, None, forged).await.0, 404);
    // Bad input: a clear message, 400, nothing stored.
    let wrong = json!({"case_no": no, "name": "张三", "level": "great", "channel": "web"});
    let (s, e) = rate(&app, None, wrong).await;
    assert_eq!(s, 400);
    assert!(e["error"]["message"].as_str().unwrap().contains("level"));
    let onsite_indicator = json!({"case_no": no, "name": "张三", "level": "satisfied",
        "channel": "web", "indicators": {"attitude": "satisfied"}});
    let (s, e) = rate(&app, None, onsite_indicator).await;
    assert_eq!(s, 400, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("attitude"));
    assert!(
        app.core
            .store()
            .case_evaluations(&no)
            .await
            .unwrap()
            .is_empty()
    );

    // The applicant, by case number and name, rates the handling stage badly.
    let body = json!({"case_no": no, "name": "张三", "level": "dissatisfied", "channel": "web",
        "indicators": {"efficiency": "dissatisfied", "guide_accuracy": "satisfied"},
        "comment": "窗口让我跑了两趟"});
    let (s, created) = rate(&app, None, body.clone()).await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["rectification"]["due"], "2026-10-21");
    let rect_id = created["rectification"]["id"].as_i64().unwrap();
    // One per case per stage.
    let (s, e) = rate(&app, None, body).await;
    assert_eq!(s, 409, "{e}");

    // The department sees it; another department does not.
    let head = app.token("cgj-head").await;
    let (s, list) = app
        .get_json_as(&head, &format!("/api/v1/rectifications?case_no={no}"))
        .await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["status"], "open");
    assert_eq!(list["items"][0]["comment"], "窗口让我跑了两趟");
    let other = app.token("rsj-head").await;
    let (s, list) = app.get_json_as(&other, "/api/v1/rectifications").await;
    assert_eq!((s, list["items"].as_array().unwrap().len()), (200, 0));
    assert_eq!(
        rect_act(
            &app,
            &other,
            rect_id,
            json!({"action": "complete", "note": "x"})
        )
        .await
        .0,
        403
    );

    // Call-back and completion (on time), then the rates show both.
    let (s, r) = rect_act(
        &app,
        &head,
        rect_id,
        json!({"action": "callback", "reached": true, "response": "申请人表示理解"}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let (s, e) = rect_act(
        &app,
        &head,
        rect_id,
        json!({"action": "complete", "note": "  "}),
    )
    .await;
    assert_eq!(s, 400, "{e}");
    app.clock.set(
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, 10, 21, 16, 0, 0)
            .unwrap()
            .with_timezone(&chrono::Utc),
    );
    let head = app.token("cgj-head").await;
    let (s, r) = rect_act(
        &app,
        &head,
        rect_id,
        json!({"action": "complete", "note": "已对窗口人员开展一次性告知培训"}),
    )
    .await;
    assert_eq!((s, r["status"].as_str()), (200, Some("completed")), "{r}");
    let supervisor = app.token("supervisor").await;
    let (_, list) = app.get_json_as(&supervisor, "/api/v1/rectifications").await;
    let rates = &list["rates"];
    assert_eq!(rates["total"], 1);
    assert_eq!(rates["callback_rate"], 1.0);
    assert_eq!(rates["on_time_rate"], 1.0);

    // The month's report counts the bad review and its handling.
    let (s, daily) = app
        .get_json_as(&supervisor, "/api/v1/reports/daily?date=2026-09-23")
        .await;
    assert_eq!(s, 200, "{daily}");
    assert_eq!(daily["evaluations"]["by_level"]["dissatisfied"], 1);
    assert_eq!(daily["evaluations"]["satisfaction_rate"], 0.0);
    assert_eq!(daily["rectifications"]["opened"], 1);
    let (s, perf) = app
        .get_json_as(&supervisor, "/api/v1/reports/performance?month=2026-10")
        .await;
    assert_eq!(s, 200, "{perf}");
    let cgj = perf["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "cgj")
        .unwrap();
    assert_eq!(cgj["figures"]["rectifications"]["completed_on_time"], 1);
    assert!(perf["formula_text"].as_str().unwrap().contains("满意率"));
    assert_eq!(
        app.get_json_as(&supervisor, "/api/v1/reports/performance?month=2026-13")
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn an_invitation_on_the_delivery_receipt_rates_the_result_and_appeals_are_decided() {
    let app = TestApp::sqlite().await;
    let no = open_accepted(&app).await;
    let head = app.token("cgj-head").await;
    crate::api_cases::pass_all_steps(&app, "cgj", &no).await;
    let (s, d) = crate::api_cases::act(
        &app,
        &head,
        &no,
        json!({"action": "conclude", "outcome": "approved", "reason": "符合条件"}),
    )
    .await;
    assert_eq!(s, 200, "{d}");
    let issuer = app.token("issuer").await;
    let (s, d) = crate::api_cases::act(
        &app,
        &issuer,
        &no,
        json!({"action": "deliver", "method": "pickup", "recipient": "张三"}),
    )
    .await;
    assert_eq!(s, 200, "{d}");
    // The printed 送达回证 carries an invitation link and its QR code.
    let r = app
        .client
        .get(app.url(&format!("/api/v1/cases/{no}/notices/delivery")))
        .bearer_auth(&issuer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let start = html.find("/rate/").expect("invitation link on the receipt");
    let token: String = html[start + 6..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 32);
    assert!(html.contains("id=\"rate-invite\"") && html.matches("<svg").count() >= 2);

    // The invitation's page shows the case; the rating is recorded for the result stage.
    let (s, page) = app.get_text(&format!("/rate/{token}")).await;
    assert_eq!(s, 200);
    assert!(page.contains(&no));
    let (s, created) = rate(
        &app,
        None,
        json!({"token": token, "level": "very_dissatisfied", "channel": "qr", "comment": "太慢"}),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    let id = created["rectification"]["id"].as_i64().unwrap();
    let evals = app.core.store().case_evaluations(&no).await.unwrap();
    assert_eq!(evals.len(), 1);
    assert_eq!(evals[0].stage.as_deref(), Some("result"));

    // The department appeals; only a supervisor decides; an upheld appeal voids the review.
    let (s, r) = rect_act(
        &app,
        &head,
        id,
        json!({"action": "appeal", "reason": "办理用时在承诺期限内"}),
    )
    .await;
    assert_eq!((s, r["status"].as_str()), (200, Some("appealed")), "{r}");
    let (s, _) = rect_act(
        &app,
        &head,
        id,
        json!({"action": "decide_appeal", "upheld": true}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = rect_act(&app, &head, id, json!({"action": "complete", "note": "x"})).await;
    assert_eq!(s, 409);
    let supervisor = app.token("supervisor").await;
    let (s, r) = rect_act(
        &app,
        &supervisor,
        id,
        json!({"action": "decide_appeal", "upheld": true, "note": "核实属实"}),
    )
    .await;
    assert_eq!((s, r["status"].as_str()), (200, Some("voided")), "{r}");
    let (_, list) = app.get_json_as(&supervisor, "/api/v1/rectifications").await;
    assert_eq!(list["rates"]["total"], 0);
    assert_eq!(list["rates"]["voided"], 1);
    let (s, e) = rect_act(&app, &supervisor, id, json!({"action": "dance"})).await;
    assert_eq!(s, 400, "{e}");
}
