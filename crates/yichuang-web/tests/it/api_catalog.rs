use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;

#[tokio::test]
async fn matter_list_without_filters_counts_the_whole_catalog() {
    let app = TestApp::sqlite().await;
    let (status, body) = app.get_json("/api/v1/matters").await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 255);
    assert_eq!(body["items"].as_array().unwrap().len(), 20);
    let first = &body["items"][0];
    assert_eq!(first["code"], FIRST_MATTER);
    assert_eq!(first["department"]["code"], "cgj");
    assert_eq!(first["department"]["name"], "宣城市城市管理局");
    for key in [
        "name",
        "kind",
        "window_group",
        "handling",
        "promised_limit_days",
        "legal_limit_days",
    ] {
        assert!(!first[key].is_null(), "{key} missing");
    }
}

#[tokio::test]
async fn matter_list_filters_by_department_group_and_words() {
    let app = TestApp::sqlite().await;
    let (_, body) = app
        .get_json("/api/v1/matters?department=rsj&limit=500")
        .await;
    let items = body["items"].as_array().unwrap();
    assert_eq!(body["total"].as_u64().unwrap() as usize, items.len());
    assert!(!items.is_empty() && items.iter().all(|m| m["department"]["code"] == "rsj"));
    let (_, body) = app
        .get_json("/api/v1/matters?window_group=tax&limit=500")
        .await;
    assert!(
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["window_group"] == "tax")
    );
    let (_, body) = app
        .get_json("/api/v1/matters?q=%E5%BB%BA%E7%AD%91%E5%9E%83%E5%9C%BE")
        .await;
    assert!(
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["code"] == FIRST_MATTER)
    );
    let (_, page2) = app.get_json("/api/v1/matters?limit=10&offset=10").await;
    assert_eq!(page2["items"].as_array().unwrap().len(), 10);
    assert_eq!(page2["total"], 255);
}

#[tokio::test]
async fn bad_list_parameters_are_refused_in_chinese() {
    let app = TestApp::sqlite().await;
    let (status, body) = app.get_json("/api/v1/matters?limit=501").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_input");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("每页最多")
    );
    let (status, body) = app.get_json("/api/v1/matters?offset=-1").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "bad_request");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("查询参数不正确")
    );
}

#[tokio::test]
async fn a_guide_has_everything_the_window_needs() {
    let app = TestApp::sqlite().await;
    let (status, g) = app
        .get_json(&format!("/api/v1/matters/{FIRST_MATTER}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(g["version"], 1);
    assert_eq!(g["name"], "城市建筑垃圾处置核准");
    let materials = g["materials"].as_array().unwrap();
    assert_eq!(materials.len(), 6);
    assert_eq!(materials[1]["name"], "营业执照");
    assert_eq!(materials[1]["license_type"], "yyzz");
    assert_eq!(materials[1]["form"], "copy");
    assert_eq!(materials[1]["required"], true);
    assert_eq!(materials[1]["copies"], 1);
    assert_eq!(materials[1]["index"], 1);
    assert_eq!(g["steps"][0], "受理");
    assert_eq!(g["result"]["kind"], "license");
    assert!(!g["conditions"].as_array().unwrap().is_empty());
    assert!(!g["legal_basis"].as_array().unwrap().is_empty());
    assert_eq!(g["contact"]["place"], "宣城市政务服务中心", "{g}");
    assert_eq!(g["contact"]["consult_phone"], "12345");
    assert_eq!(g["contact"]["complaint_phone"], "12345");
    assert!(g["contact"]["hours"].as_str().unwrap().contains("13:30"));
    let (status, body) = app.get_json("/api/v1/matters/no-such-matter").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("不存在")
    );
}

#[tokio::test]
async fn departments_windows_and_groups_are_public() {
    let app = TestApp::sqlite().await;
    let (status, depts) = app.get_json("/api/v1/departments").await;
    assert_eq!(status, 200);
    assert_eq!(depts.as_array().unwrap().len(), 44);
    let total: u64 = depts
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["matter_count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 255);
    let (_, windows) = app.get_json("/api/v1/windows").await;
    assert_eq!(windows.as_array().unwrap().len(), 40);
    assert_eq!(windows[0]["code"], "W01");
    let (_, groups) = app.get_json("/api/v1/window-groups").await;
    assert_eq!(groups.as_array().unwrap().len(), 9);
}

#[tokio::test]
async fn the_openapi_document_lists_every_endpoint_and_swagger_is_served() {
    let app = TestApp::sqlite().await;
    let (status, doc) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/auth/token",
        "/api/v1/matters",
        "/api/v1/matters/{code}",
        "/api/v1/departments",
        "/api/v1/windows",
        "/api/v1/calendar/add-working-days",
        "/api/v1/calendar/days/{day}",
    ] {
        assert!(paths.contains_key(p), "{p} missing from OpenAPI");
    }
    let (status, html) = app.get_text("/api/docs/").await;
    assert_eq!(status, 200);
    assert!(html.contains("swagger"), "Swagger UI page expected");
}

#[tokio::test]
async fn unknown_api_paths_answer_json() {
    let app = TestApp::sqlite().await;
    let (status, body) = app.get_json("/api/v1/does-not-exist").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
}
