//! No ID number or phone leaves the server unmasked: every GET route of the API (read from the
//! OpenAPI document, so a new route is walked without anyone remembering to add it) and every
//! page kind is requested as every kind of user, after a window case and an online application
//! have put real-looking personal data into the system. Only the audited reveal action may
//! answer a full value.

use reqwest::Method;
use serde_json::json;
use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;
use crate::api_cases::{all_materials, open};
use crate::portal::{PDF, TOBACCO_NEW, register, upload};

/// The planted values: a window applicant and a portal applicant.
const SECRETS: &[&str] = &[
    "11010519491231002X",
    "13912345678",
    "341802198001011230",
    "13800000002",
];

/// Every planted value `body` shows, with some context.
fn leaks_in(who: &str, path: &str, body: &str) -> Vec<String> {
    SECRETS
        .iter()
        .filter_map(|s| {
            let at = body.find(s)?;
            let context: String = body[..at]
                .chars()
                .rev()
                .take(80)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .chain(body[at..].chars().take(40))
                .collect();
            Some(format!("{who} GET {path} shows {s}: …{context}…"))
        })
        .collect()
}

#[tokio::test]
async fn no_route_or_page_shows_a_full_id_number_or_phone() {
    let app = TestApp::sqlite().await;
    // A window case.
    let applicant = json!({"type": "person", "name": "张三", "id_number": SECRETS[0],
        "phone": SECRETS[1]});
    let body = json!({"matter_code": FIRST_MATTER, "applicant": applicant,
        "materials": all_materials(), "decision": "accept"});
    let (s, case) = open(&app, "clerk1", body).await;
    assert_eq!(s, 201, "{case}");
    let window_case = case["case_no"].as_str().unwrap().to_owned();
    let department = case["department"].as_str().unwrap_or("rsj").to_owned();
    // An online application by a registered person (their username is their phone).
    let citizen = register(&app, SECRETS[3], "王五", SECRETS[2]).await;
    let mut items = Vec::new();
    for index in 0..4 {
        let (s, f) = upload(&app, &citizen, &format!("材料{index}.pdf"), PDF).await;
        assert_eq!(s, 201);
        items.push(json!({"index": index, "file_id": f["file_id"]}));
    }
    let (s, online) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            Some(&citizen),
            &json!({"matter_code": TOBACCO_NEW, "materials": items}),
        )
        .await;
    assert_eq!(s, 201, "{online}");
    let online_case = online["case_no"].as_str().unwrap().to_owned();

    let mut tokens = vec![("applicant".to_owned(), citizen.clone())];
    for user in [
        "admin".to_owned(),
        "clerk1".to_owned(),
        "supervisor".to_owned(),
        "auditor".to_owned(),
        "issuer".to_owned(),
        format!("{department}-approver"),
        format!("{department}-head"),
        "yc-approver".to_owned(),
    ] {
        let body = json!({"username": user, "password": "demo"});
        let (s, v) = app
            .send_json(Method::POST, "/api/v1/auth/token", None, &body)
            .await;
        if s == 200 {
            tokens.push((user, v["token"].as_str().unwrap().to_owned()));
        }
    }

    // Every GET path of the API, with its parameters filled in.
    let doc = serde_json::to_value(yichuang_web::openapi_document()).unwrap();
    let mut paths = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_none() {
            continue;
        }
        for case_no in [&window_case, &online_case] {
            let filled = path
                .replace("{case_no}", case_no)
                .replace("{code}", FIRST_MATTER)
                .replace("{kind}", "acceptance");
            if !filled.contains('{') {
                paths.push(filled);
            }
        }
    }
    paths.sort();
    paths.dedup();
    assert!(paths.len() > 20, "the walk found too few routes: {paths:?}");
    for q in [
        "/api/v1/reports/daily",
        "/api/v1/outbox",
        &format!("/api/v1/licenses?holder_id={}", SECRETS[2]),
        &format!("/api/v1/cases?q={}", SECRETS[0]),
    ] {
        paths.push(q.to_owned());
    }
    // Pages of every kind.
    for case_no in [&window_case, &online_case] {
        paths.push(format!("/cases/{case_no}"));
        paths.push(format!("/my/cases/{case_no}"));
    }
    for page in [
        "/",
        "/desk",
        "/office",
        "/issuance",
        "/supervision",
        "/reports/daily",
        "/reports/performance",
        "/reports/bulletin",
        "/rectifications",
        "/admin",
        "/admin/outbox",
        "/admin/calendar",
        "/audit",
        "/audit?kind=case_",
        "/my",
        "/projects",
        "/display",
    ] {
        paths.push(page.to_owned());
    }
    let mut walked = 0;
    let mut leaks = Vec::new();
    for (who, token) in &tokens {
        for path in &paths {
            let r = app
                .client
                .get(app.url(path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            // Never-ending streams: their data is walked as /api/v1/events.
            if path == "/api/v1/queue/events" || path == "/api/v1/events/stream" {
                continue;
            }
            let body = r.text().await.unwrap();
            leaks.extend(leaks_in(who, path, &body));
            walked += 1;
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
    assert!(walked > 200, "walked only {walked} responses");

    // The audited reveal is the one way to the full values, and it leaves a trace.
    let (_, clerk) = tokens.iter().find(|(w, _)| w == "clerk1").unwrap();
    let path = format!("/api/v1/cases/{window_case}/reveal");
    let (s, v) = app
        .send_json(Method::POST, &path, Some(clerk), &json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["id_number"], SECRETS[0]);
    assert_eq!(v["phone"], SECRETS[1]);
    let events = app
        .core
        .store()
        .events_for("case", &window_case)
        .await
        .unwrap();
    let revealed = events
        .iter()
        .find(|e| e.kind == "personal_data_revealed")
        .expect("the reveal is logged");
    assert_eq!(revealed.actor, "clerk1");
    // Neither the citizen nor a supervisor may unmask.
    for who in ["applicant", "supervisor"] {
        let (_, t) = tokens.iter().find(|(w, _)| w == who).unwrap();
        let (s, _) = app
            .send_json(Method::POST, &path, Some(t), &json!({}))
            .await;
        assert!(s == 403 || s == 404, "{who} revealed: {s}");
    }
}
