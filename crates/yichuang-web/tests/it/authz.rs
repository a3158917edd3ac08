//! The authorization matrix, generated from the route table (the OpenAPI document lists every
//! API route): every route × every role, on a case of the role's own scope and of another's.
//! What is checked does not depend on anyone remembering a route:
//! - no combination answers 5xx;
//! - a route documented as needing a login answers 401 to a stranger;
//! - an applicant gets 2xx only from the portal's own routes and the public ones;
//! - on a case outside their scope (another department, another dedicated window), no staff
//!   write succeeds, while the same request by the case's own people does (so the check is
//!   not passing merely because the request was malformed).

use reqwest::Method;
use serde_json::{Value, json};
use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;
use crate::api_cases::{all_materials, open, person};
use crate::portal::register;

/// Routes an applicant may use with success (besides the public ones).
const APPLICANT_ROUTES: &[&str] = &[
    "/api/v1/me",
    "/api/v1/my/cases",
    "/api/v1/my/licenses",
    "/api/v1/auth/token",
    // A company follows its own investment projects (filtered to its credit code).
    "/api/v1/projects",
];

/// The only routes the 审计管理员 may use with success (besides the public ones): the audit
/// trail, and who they are.
const AUDITOR_ROUTES: &[&str] = &[
    "/api/v1/me",
    "/api/v1/auth/token",
    "/api/v1/audit/events",
    "/api/v1/audit/verify",
];

async fn token(app: &TestApp, user: &str) -> Option<String> {
    let body = json!({"username": user, "password": "demo"});
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/auth/token", None, &body)
        .await;
    (s == 200).then(|| v["token"].as_str().unwrap().to_owned())
}

async fn new_case(app: &TestApp) -> (String, String) {
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(),
        "materials": all_materials(), "decision": "accept"});
    let (s, c) = open(app, "clerk1", body).await;
    assert_eq!(s, 201, "{c}");
    (
        c["case_no"].as_str().unwrap().to_owned(),
        c["department"].as_str().unwrap().to_owned(),
    )
}

/// A department other than `own`.
async fn other_department(app: &TestApp, own: &str) -> String {
    let depts = app.get_json("/api/v1/departments").await.1;
    depts
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .find(|c| *c != own)
        .unwrap()
        .to_owned()
}

/// Every (method, path template, needs login) of the API.
fn routes() -> Vec<(Method, String, bool)> {
    let doc = serde_json::to_value(yichuang_web::openapi_document()).unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            let method = match m.as_str() {
                "get" => Method::GET,
                "post" => Method::POST,
                "put" => Method::PUT,
                "delete" => Method::DELETE,
                _ => continue,
            };
            let secured = op
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|s| !s.is_empty());
            out.push((method, path.clone(), secured));
        }
    }
    out
}

fn fill(path: &str, case_no: &str) -> String {
    path.replace("{case_no}", case_no)
        .replace("{code}", FIRST_MATTER)
        .replace("{kind}", "acceptance")
        .replace("{day}", "2026-12-12")
        .replace("{year}", "2026")
        .replace("{no}", case_no)
        .replace("{id}", "1")
        .replace("{token}", "0000")
        .replace("{number}", "A001")
        .replace("{window}", "W01")
}

async fn send(app: &TestApp, method: Method, path: &str, token: Option<&str>, body: &Value) -> u16 {
    if path.ends_with("/queue/events") {
        return 200; // a never-ending event stream
    }
    let mut req = app.client.request(method.clone(), app.url(path));
    if method != Method::GET {
        req = req.json(body);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_route_and_role_is_checked_from_the_route_table() {
    let app = TestApp::sqlite().await;
    let (case_no, department) = new_case(&app).await;
    let other_dept = other_department(&app, &department).await;
    let applicant = register(&app, "13800000077", "王五", "341802198001011230").await;
    let mut roles: Vec<(String, Option<String>)> = vec![
        ("anonymous".into(), None),
        ("applicant".into(), Some(applicant)),
    ];
    for user in [
        "admin".to_owned(),
        "clerk1".to_owned(),
        "clerk2".to_owned(),
        "clerk-tax".to_owned(),
        "issuer".to_owned(),
        "supervisor".to_owned(),
        "auditor".to_owned(),
        format!("{department}-approver"),
        format!("{department}-head"),
        format!("{other_dept}-approver"),
        format!("{other_dept}-head"),
    ] {
        if let Some(t) = token(&app, &user).await {
            roles.push((user, Some(t)));
        }
    }
    assert!(
        roles.len() >= 12,
        "demo accounts missing: {:?}",
        roles.iter().map(|r| &r.0).collect::<Vec<_>>()
    );

    let routes = routes();
    assert!(routes.len() > 40, "only {} routes", routes.len());
    let mut failures = Vec::new();
    let mut combos = 0;
    for (method, template, secured) in &routes {
        // Writes that end a session or revoke a kiosk would cut the matrix short.
        if template == "/api/v1/auth/token" && *method == Method::DELETE {
            continue;
        }
        let path = fill(template, &case_no);
        for (who, t) in &roles {
            let s = send(&app, method.clone(), &path, t.as_deref(), &json!({})).await;
            combos += 1;
            if s >= 500 {
                failures.push(format!("{who} {method} {path}: {s}"));
            }
            if who == "anonymous" && *secured && s != 401 {
                failures.push(format!("anonymous {method} {path}: {s}, expected 401"));
            }
            if who == "applicant"
                && *secured
                && (200..300).contains(&s)
                && !APPLICANT_ROUTES.contains(&template.as_str())
            {
                failures.push(format!("applicant {method} {path}: {s}"));
            }
            if who == "auditor"
                && *secured
                && (200..300).contains(&s)
                && !AUDITOR_ROUTES.contains(&template.as_str())
            {
                failures.push(format!("auditor {method} {path}: {s}"));
            }
            if template.starts_with("/api/v1/audit/") && who != "auditor" && (200..300).contains(&s)
            {
                failures.push(format!("{who} {method} {path}: {s} (audit trail)"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {combos}:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(combos > 400, "only {combos} combinations");
}

/// Writes on a case by people outside its scope fail; the same write by its own people works.
#[tokio::test]
async fn case_writes_hold_the_department_and_window_scope() {
    let app = TestApp::sqlite().await;
    let (_, department) = new_case(&app).await;
    let other_dept = other_department(&app, &department).await;
    let writes: Vec<(Value, Vec<String>, String)> = vec![
        (
            json!({"action": "withdraw", "reason": "申请人撤回申请"}),
            vec![
                "clerk-tax".into(),
                "issuer".into(),
                "supervisor".into(),
                format!("{other_dept}-approver"),
                format!("{other_dept}-head"),
            ],
            // Another comprehensive window may withdraw what a comprehensive window took.
            "clerk2".into(),
        ),
        (
            json!({"action": "pass", "comment": "同意"}),
            vec![
                "clerk1".into(),
                "clerk-tax".into(),
                "supervisor".into(),
                format!("{other_dept}-approver"),
                format!("{other_dept}-head"),
            ],
            format!("{department}-approver"),
        ),
    ];
    for (body, outsiders, insider) in writes {
        let (case_no, _) = new_case(&app).await;
        let path = format!("/api/v1/cases/{case_no}/actions");
        for who in &outsiders {
            let t = token(&app, who).await.unwrap_or_else(|| panic!("{who}"));
            let (s, v) = app.send_json(Method::POST, &path, Some(&t), &body).await;
            assert!(
                s == 403 || s == 404,
                "{who} {} on a case outside their scope: {s} {v}",
                body["action"]
            );
        }
        let t = token(&app, &insider).await.unwrap();
        let (s, v) = app.send_json(Method::POST, &path, Some(&t), &body).await;
        assert_eq!(s, 200, "{insider} {}: {v}", body["action"]);
    }
    // A citizen's licences by ID number: the window and administrators only.
    let path = "/api/v1/licenses?holder_id=341802198001011230";
    for who in [
        "supervisor",
        "issuer",
        &format!("{department}-approver"),
        &format!("{other_dept}-head"),
    ] {
        let t = token(&app, who).await.unwrap();
        let (s, _) = app.get_json_as(&t, path).await;
        assert_eq!(s, 403, "{who} listed a citizen's licences");
    }
    for who in ["clerk1", "admin"] {
        let t = token(&app, who).await.unwrap();
        let (s, v) = app.get_json_as(&t, path).await;
        assert_eq!(s, 200, "{who}: {v}");
    }
}

#[tokio::test]
async fn postgres_case_writes_hold_the_window_scope() {
    let Some(app) = TestApp::postgres("postgres withdraw scope").await else {
        return;
    };
    let (case_no, _) = new_case(&app).await;
    let path = format!("/api/v1/cases/{case_no}/actions");
    let body = json!({"action": "withdraw", "reason": "申请人撤回申请"});
    let tax = token(&app, "clerk-tax").await.unwrap();
    assert_eq!(
        app.send_json(Method::POST, &path, Some(&tax), &body)
            .await
            .0,
        403
    );
    let clerk2 = token(&app, "clerk2").await.unwrap();
    assert_eq!(
        app.send_json(Method::POST, &path, Some(&clerk2), &body)
            .await
            .0,
        200
    );
}
