//! Investment projects over HTTP: a stage application opens parallel cases in several
//! departments; the stage clock and light, the blocking list, completion, access.

use reqwest::Method;
use serde_json::{Value, json};
use yichuang_testkit::TestApp;

pub(crate) const SITE: &str = "340137001000-341800000000-000-113418000309128282-1-00";
pub(crate) const LAND_USE_PLAN: &str = "340137002000-341800000000-000-113418000309128282-1-00";
pub(crate) const LAND_PRE: &str = "341040001000-341800000000-000-113418000309544037-1-00";
pub(crate) const EIA: &str = "340138002000-341800000000-000-11341800030926680Q-1-00";
const BUILD_PERMIT: &str = "340136001000-341800000000-000-11341800030898966C-1-00";
pub(crate) const CREDIT: &str = "91341800MA2N000019";
pub(crate) const CODE: &str = "2026-341800-47-01-000123";

pub(crate) fn application(matters: &[&str]) -> Value {
    json!({"code": CODE, "name": "宣城新材料产业园一期", "stage": "land_planning",
        "company": {"name": "宣城某新材料有限公司", "credit_code": CREDIT},
        "matters": matters, "applicant_contact": {"name": "周经理", "phone": "13800000009"},
        "location": "宣城经济技术开发区", "investment": "52000", "industry": "新材料"})
}

/// Takes a case through its department: every step passed, concluded approved.
pub(crate) async fn approve(app: &TestApp, department: &str, case_no: &str) {
    let token = app.token(&format!("{department}-approver")).await;
    crate::api_cases::pass_all_steps(app, department, case_no).await;
    let (s, v) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/cases/{case_no}/actions"),
            Some(&token),
            &json!({"action": "conclude", "outcome": "approved", "reason": "符合条件"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
}

#[tokio::test]
async fn a_stage_opens_parallel_cases_and_completes_when_the_last_is_done() {
    let app = TestApp::sqlite().await;
    let inv = app.token("clerk-inv").await;
    let body = application(&[SITE, LAND_USE_PLAN, LAND_PRE, EIA]);

    // Only the investment window accepts; bad input changes nothing.
    let clerk1 = app.token("clerk1").await;
    let (s, _) = app
        .send_json(Method::POST, "/api/v1/projects", Some(&clerk1), &body)
        .await;
    assert_eq!(s, 403);
    let mut bad = body.clone();
    bad["code"] = json!("2026-3418-47-01-000123");
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/projects", Some(&inv), &bad)
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("invalid_project_code"))
    );
    let mut wrong = body.clone();
    wrong["matters"] = json!([SITE, BUILD_PERMIT]);
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/projects", Some(&inv), &wrong)
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("wrong_stage")),
        "{v}"
    );
    let mut long = body.clone();
    long["location"] = json!("宣".repeat(201));
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/projects", Some(&inv), &long)
        .await;
    assert_eq!(s, 400, "{v}");
    let events_before = app.event_count().await;
    let mut bad_company = body.clone();
    bad_company["company"]["credit_code"] = json!("91341800MA2N000018");
    let (s, _) = app
        .send_json(Method::POST, "/api/v1/projects", Some(&inv), &bad_company)
        .await;
    assert_eq!(s, 422);
    assert_eq!(app.event_count().await, events_before);

    let (s, p) = app
        .send_json(Method::POST, "/api/v1/projects", Some(&inv), &body)
        .await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(p["project_code"], CODE);
    assert_eq!(p["stage"], "land_planning");
    let cases = p["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    assert!(cases.iter().all(|c| c["status"] == "accepted"), "{p}");
    let mut departments: Vec<&str> = cases
        .iter()
        .map(|c| c["department"].as_str().unwrap())
        .collect();
    departments.sort_unstable();
    departments.dedup();
    assert_eq!(departments, ["ghj", "gtj", "hbj"]);
    // Stage limit 20 working days from Monday 2026-11-02.
    assert_eq!(p["due"], "2026-11-30");
    assert_eq!(p["light"], "green");
    assert_eq!(p["blocking"].as_array().unwrap().len(), 4);
    let (s, _) = app
        .send_json(Method::POST, "/api/v1/projects", Some(&inv), &body)
        .await;
    assert_eq!(s, 409, "the same stage twice");

    // Three departments finish; the land pre-review (gtj) blocks the stage.
    let no = |code: &str| {
        cases.iter().find(|c| c["matter_code"] == code).unwrap()["case_no"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    approve(&app, "ghj", &no(SITE)).await;
    approve(&app, "ghj", &no(LAND_USE_PLAN)).await;
    approve(&app, "hbj", &no(EIA)).await;
    app.clock.advance(chrono::Duration::days(25));
    let (_, p) = app
        .get_json_as(&inv, &format!("/api/v1/projects/{CODE}"))
        .await;
    assert_eq!(p["blocking"], json!([no(LAND_PRE)]));
    assert_eq!(p["completed"], false);
    // 2026-11-27: 19 of 20 working days used.
    assert_eq!(p["light"], "yellow", "{p}");

    // A department without a case in the project does not see it; the one blocking does.
    let zjw = app.token("zjw-approver").await;
    let (s, _) = app
        .get_json_as(&zjw, &format!("/api/v1/projects/{CODE}"))
        .await;
    assert_eq!(s, 404);
    approve(&app, "gtj", &no(LAND_PRE)).await;
    let (_, p) = app
        .get_json_as(&inv, &format!("/api/v1/projects/{CODE}"))
        .await;
    assert_eq!(p["blocking"], json!([]));
    assert_eq!(p["completed"], true);
    assert_eq!(p["stages"][0]["completed_on"], "2026-11-27");
    assert_eq!(p["light"], "yellow");
}

#[tokio::test]
async fn agents_act_for_the_company_and_the_company_follows_its_project() {
    let app = TestApp::sqlite().await;
    let inv = app.token("clerk-inv").await;
    let (s, _) = app
        .send_json(
            Method::POST,
            "/api/v1/projects",
            Some(&inv),
            &application(&[SITE, EIA]),
        )
        .await;
    assert_eq!(s, 201);
    // clerk2 is assigned as 帮办/代办 and may open the next stage for the company.
    let (s, p) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/projects/{CODE}/agents"),
            Some(&inv),
            &json!({"username": "clerk2"}),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let clerk2 = app.token("clerk2").await;
    let mut next = application(&["340137003000-341800000000-000-113418000309128282-1-00"]);
    next["stage"] = json!("construction_permit");
    let (s, p) = app
        .send_json(Method::POST, "/api/v1/projects", Some(&clerk2), &next)
        .await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(p["stage"], "construction_permit");
    assert_eq!(p["stages"].as_array().unwrap().len(), 2);
    // clerk3, not assigned, may not.
    let clerk3 = app.token("clerk3").await;
    next["stage"] = json!("construction");
    next["matters"] = json!([BUILD_PERMIT]);
    let (s, _) = app
        .send_json(Method::POST, "/api/v1/projects", Some(&clerk3), &next)
        .await;
    assert_eq!(s, 403);

    // The company registers with its credit code and follows the project.
    let company =
        crate::portal::register_org(&app, "13800000011", "宣城某新材料有限公司", CREDIT).await;
    let (s, list) = app.get_json_as(&company, "/api/v1/projects").await;
    assert_eq!(s, 200);
    assert_eq!(list[0]["project_code"], CODE);
    let other = crate::portal::register(&app, "13800000012", "路人", "11010519491231002X").await;
    let (s, _) = app
        .get_json_as(&other, &format!("/api/v1/projects/{CODE}"))
        .await;
    assert_eq!(s, 404);
}
