//! 一网通办 over HTTP: registration with a code from the outbox, uploads checked by content,
//! online application with pre-review, licence issuance and reuse, and applicant isolation.

use reqwest::Method;
use serde_json::{Value, json};
use yichuang_testkit::TestApp;

/// 烟草专卖零售许可证核发（新办）: issues licence type `yclsxkz`.
pub(crate) const TOBACCO_NEW: &str = "340116001001-341800000000-000-11341800030621764W-1-00";
/// 烟草专卖零售许可证延续: needs a `yclsxkz` licence (item 1).
pub(crate) const TOBACCO_RENEW: &str = "340116001002-341800000000-000-11341800030621764W-1-00";
/// 地名命名、更名审批: online depth 2, not open to online application.
const NOT_ONLINE: &str = "地名命名、更名审批";

pub(crate) const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";
pub(crate) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";

/// The verification code the default notifier queued for `phone` (admin's view of the outbox).
pub(crate) async fn code_for(app: &TestApp, phone: &str) -> String {
    let admin = app.token("admin").await;
    let (status, v) = app
        .get_json_as(&admin, &format!("/api/v1/outbox?to={phone}"))
        .await;
    assert_eq!(status, 200, "{v}");
    let msg = v[0]["message"].as_str().expect("a message to the phone");
    msg.chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take(6)
        .collect()
}

/// Registers a person and returns an API token.
pub(crate) async fn register(app: &TestApp, phone: &str, name: &str, id: &str) -> String {
    register_as(app, phone, name, json!({"type": "person", "id_number": id})).await
}

/// Registers an organisation (统一社会信用代码) and returns an API token.
pub(crate) async fn register_org(app: &TestApp, phone: &str, name: &str, code: &str) -> String {
    register_as(
        app,
        phone,
        name,
        json!({"type": "org", "credit_code": code}),
    )
    .await
}

async fn register_as(app: &TestApp, phone: &str, name: &str, who: Value) -> String {
    let (s, v) = app
        .send_json(
            Method::POST,
            "/api/v1/applicants/verification",
            None,
            &json!({"phone": phone}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let code = code_for(app, phone).await;
    let mut body = json!({"phone": phone, "code": code, "password": "mima-2026-ok", "name": name});
    for (k, v) in who.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/applicants", None, &body)
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .send_json(
            Method::POST,
            "/api/v1/auth/token",
            None,
            &json!({"username": phone, "password": "mima-2026-ok"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v["token"].as_str().unwrap().to_owned()
}

pub(crate) async fn upload(app: &TestApp, token: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    let r = app
        .client
        .post(app.url("/api/v1/files"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn act(app: &TestApp, token: &str, case_no: &str, body: Value) -> Value {
    let (s, v) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/cases/{case_no}/actions"),
            Some(token),
            &body,
        )
        .await;
    assert_eq!(s, 200, "{body} → {v}");
    v
}

/// Accepts a received case and takes it to an approval.
pub(crate) async fn approve(app: &TestApp, case_no: &str) -> Value {
    let clerk = app.token("clerk1").await;
    act(app, &clerk, case_no, json!({"action": "accept"})).await;
    let approver = app.token("ycj-approver").await;
    crate::api_cases::pass_all_steps(app, "ycj", case_no).await;
    act(
        app,
        &approver,
        case_no,
        json!({"action": "conclude", "outcome": "approved", "reason": "符合条件"}),
    )
    .await
}

fn file_count(dir: &std::path::Path) -> usize {
    walk(dir).into_iter().filter(|p| p.is_file()).count()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

#[tokio::test]
async fn registration_needs_the_code_and_checked_real_name_data() {
    let app = TestApp::sqlite().await;
    let phone = "13912345678";
    app.send_json(
        Method::POST,
        "/api/v1/applicants/verification",
        None,
        &json!({"phone": phone}),
    )
    .await;
    let base = json!({"phone": phone, "password": "mima-2026-ok", "type": "person",
        "name": "张三", "id_number": "341802198001011230"});
    let mut wrong = base.clone();
    wrong["code"] = json!("000000x");
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/applicants", None, &wrong)
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["code"], "invalid_code");
    let mut bad_id = base.clone();
    bad_id["code"] = json!(code_for(&app, phone).await);
    bad_id["id_number"] = json!("110105194912310022");
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/applicants", None, &bad_id)
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["code"], "invalid_id_number");
    let (s, v) = app
        .send_json(
            Method::POST,
            "/api/v1/applicants/verification",
            None,
            &json!({"phone": "12345"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("invalid_phone"))
    );

    // A second code for the same phone needs a minute's wait (anti SMS-bombing).
    let (s, v) = app
        .send_json(
            Method::POST,
            "/api/v1/applicants/verification",
            None,
            &json!({"phone": phone}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (429, Some("rate_limited"))
    );
    app.clock.advance(chrono::Duration::seconds(61));
    let token = register(&app, phone, "张三", "341802198001011230").await;
    let (s, me) = app.get_json_as(&token, "/api/v1/me").await;
    assert_eq!(s, 200, "{me}");
    // The same phone or ID number cannot register twice.
    app.send_json(
        Method::POST,
        "/api/v1/applicants/verification",
        None,
        &json!({"phone": "13912345679"}),
    )
    .await;
    let again = json!({"phone": "13912345679", "code": code_for(&app, "13912345679").await,
        "password": "mima-2026-ok", "type": "person", "name": "张三",
        "id_number": "341802198001011230"});
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/applicants", None, &again)
        .await;
    assert_eq!(s, 409, "{v}");
    // Applicants do not reach staff APIs.
    let (s, _) = app.get_json_as(&token, "/api/v1/cases").await;
    assert_eq!(s, 404);
}

/// An uploaded scan is sealed with SM4-GCM on disk: the raw bytes of every stored file hold
/// neither the scan nor the ID number written in it, and the owner downloads the original.
/// (Before encryption, the blob on disk was the upload itself.)
#[tokio::test]
async fn uploads_are_sealed_on_disk_and_open_for_their_owner() {
    let app = TestApp::sqlite().await;
    let token = register(&app, "13800000004", "孙七", "341802198001011230").await;
    let mut scan = PDF.to_vec();
    scan.extend_from_slice("身份证 341802198001011230 户口簿 扫描件".as_bytes());
    let (s, v) = upload(&app, &token, "身份证.pdf", &scan).await;
    assert_eq!(s, 201, "{v}");
    let files: Vec<_> = walk(&app.files_dir)
        .into_iter()
        .filter(|p| p.is_file())
        .collect();
    assert_eq!(files.len(), 1);
    let raw = std::fs::read(&files[0]).unwrap();
    assert!(raw.starts_with(b"YCE1"), "not sealed");
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    assert!(
        !contains(&raw, b"341802198001011230"),
        "ID number in the clear"
    );
    assert!(!contains(&raw, b"%PDF"), "scan in the clear");
    let r = app
        .client
        .get(app.url(&format!("/api/v1/files/{}", v["file_id"].as_str().unwrap())))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), scan);
}

#[tokio::test]
async fn uploads_are_checked_by_content_and_refusals_store_nothing() {
    let app = TestApp::sqlite().await;
    let token = register(&app, "13800000001", "李四", "341802198001011230").await;
    let (s, v) = upload(&app, &token, "申请表.pdf", PDF).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["content_type"], "application/pdf");
    assert_eq!(v["size"], PDF.len());
    assert_eq!(v["sha256"].as_str().unwrap().len(), 64);
    let stored = file_count(&app.files_dir);
    assert_eq!(stored, 1);

    let (s, v) = upload(&app, &token, "empty.pdf", b"").await;
    assert_eq!((s, v["error"]["code"].as_str()), (422, Some("empty_file")));
    let (s, v) = upload(&app, &token, "virus.pdf", b"MZ\x90\0\x03\0\0\0\x04\0\0\0").await;
    assert_eq!(s, 415, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("PDF"));
    let mut big = PDF.to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let (s, v) = upload(&app, &token, "big.pdf", &big).await;
    assert_eq!(s, 413, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("10 MB"));
    assert_eq!(
        file_count(&app.files_dir),
        stored,
        "refused uploads left files"
    );

    // Only applicants and window clerks (scans at intake) store files; an approver does not.
    let approver = app.token("cgj-approver").await;
    let (s, _) = upload(&app, &approver, "a.pdf", PDF).await;
    assert_eq!(s, 403);
    let clerk = app.token("clerk1").await;
    let (s, _) = upload(&app, &clerk, "a.pdf", PDF).await;
    assert_eq!(s, 201);
}

#[tokio::test]
async fn online_application_is_pre_reviewed_approved_and_its_licence_reused() {
    let app = TestApp::sqlite().await;
    let a = register(&app, "13800000002", "王五", "341802198001011230").await;
    let b = register(&app, "13800000003", "赵六", "11010519491231002X").await;

    let mut items = Vec::new();
    for index in 0..4 {
        let (s, f) = upload(&app, &a, &format!("材料{index}.pdf"), PDF).await;
        assert_eq!(s, 201);
        items.push(json!({"index": index, "file_id": f["file_id"]}));
    }
    // A required item without an upload is refused before anything is stored.
    let (s, v) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            Some(&a),
            &json!({"matter_code": TOBACCO_NEW, "materials": items[..3]}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["code"], "missing_required_material");
    // The same item twice is refused.
    let mut twice = items.clone();
    twice[1]["index"] = json!(0);
    let (s, v) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            Some(&a),
            &json!({"matter_code": TOBACCO_NEW, "materials": twice}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("重复"));
    // B cannot use A's upload.
    let (s, _) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            Some(&b),
            &json!({"matter_code": TOBACCO_NEW, "materials": items}),
        )
        .await;
    assert_eq!(s, 404);
    let (s, case) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            Some(&a),
            &json!({"matter_code": TOBACCO_NEW, "materials": items, "note": "新开便利店"}),
        )
        .await;
    assert_eq!(s, 201, "{case}");
    assert_eq!(case["status"], "submitted");
    assert_eq!(case["materials"][0]["mode"], "upload");
    let case_no = case["case_no"].as_str().unwrap().to_owned();

    // Isolation: B sees neither A's case nor A's file.
    let (s, _) = app
        .get_json_as(&b, &format!("/api/v1/cases/{case_no}"))
        .await;
    assert_eq!(s, 404);
    let file_id = items[0]["file_id"].as_str().unwrap();
    let (s, _) = app
        .get_json_as(&b, &format!("/api/v1/files/{file_id}"))
        .await;
    assert_eq!(s, 404);
    let (s, mine) = app.get_json_as(&b, "/api/v1/my/cases").await;
    assert_eq!((s, mine.as_array().unwrap().len()), (200, 0));
    // … and not by page either: B's browser gets 404 for A's case page and A's upload.
    for path in [
        format!("/my/cases/{case_no}"),
        format!("/files/{file_id}"),
        format!("/cases/{case_no}"),
    ] {
        let r = app
            .client
            .get(app.url(&path))
            .bearer_auth(&b)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 404, "{path}");
    }
    let r = app
        .client
        .get(app.url(&format!("/my/cases/{case_no}")))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (s, mine) = app.get_json_as(&a, "/api/v1/my/cases").await;
    assert_eq!(
        (s, mine[0]["case_no"].as_str()),
        (200, Some(case_no.as_str()))
    );
    let r = app
        .client
        .get(app.url(&format!("/api/v1/files/{file_id}")))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
    // B cannot withdraw A's application either.
    let (s, _) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/cases/{case_no}/actions"),
            Some(&b),
            &json!({"action": "withdraw", "reason": "x"}),
        )
        .await;
    assert_eq!(s, 404);

    // Pre-review: return with reasons, the applicant fixes, the clerk receives.
    let clerk = app.token("clerk1").await;
    // Staff read an upload through its case only.
    let (s, _) = app
        .get_json_as(&clerk, &format!("/api/v1/files/{file_id}"))
        .await;
    assert_eq!(s, 404);
    let r = app
        .client
        .get(app.url(&format!("/api/v1/files/{file_id}?case_no={case_no}")))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
    let (s, v) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/cases/{case_no}/actions"),
            Some(&clerk),
            &json!({"action": "return_for_changes", "reason": " "}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    let back = act(
        &app,
        &clerk,
        &case_no,
        json!({"action": "return_for_changes", "reason": "经营场所证明不清晰，请重新上传"}),
    )
    .await;
    assert_eq!(back["status"], "returned");
    assert_eq!(back["returned_reason"], "经营场所证明不清晰，请重新上传");
    let (_, f) = upload(&app, &a, "场所证明.png", PNG).await;
    let (s, again) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/applications/{case_no}/resubmit"),
            Some(&a),
            &json!({"materials": [{"index": 3, "file_id": f["file_id"]}]}),
        )
        .await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["status"], "submitted");
    assert_eq!(again["materials"][3]["file_id"], f["file_id"]);
    let received = act(&app, &clerk, &case_no, json!({"action": "receive"})).await;
    assert_eq!(received["status"], "received");

    let done = approve(&app, &case_no).await;
    assert_eq!(done["status"], "concluded");
    let license_no = done["license_no"].as_str().expect("a licence").to_owned();
    let (_, lic) = app.get_json_as(&a, "/api/v1/my/licenses").await;
    assert_eq!(lic[0]["number"], license_no.as_str());
    assert_eq!(lic[0]["type_code"], "yclsxkz");
    assert_eq!(lic[0]["trust_level"], "A");
    assert_eq!(lic[0]["case_no"], case_no.as_str());
    // 一事一评 with the applicant's own account: only their own case.
    let rating = json!({"case_no": case_no, "level": "satisfied", "channel": "web"});
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/evaluations", Some(&b), &rating)
        .await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/evaluations", Some(&a), &rating)
        .await;
    assert_eq!(s, 201, "{v}");
    // Notices: the applicant downloads their own; the caption under its QR points to 我的办件.
    let r = app
        .client
        .get(app.url(&format!("/api/v1/cases/{case_no}/notices/decision")))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("/my 查看“我的办件”"));
    let (s, _) = app
        .get_json_as(&b, &format!("/api/v1/cases/{case_no}/notices/decision"))
        .await;
    assert_eq!(s, 404);
    let (_, none) = app.get_json_as(&b, "/api/v1/my/licenses").await;
    assert_eq!(none.as_array().unwrap().len(), 0);
    let (s, staff_view) = app
        .get_json_as(&clerk, "/api/v1/licenses?holder_id=341802198001011230")
        .await;
    assert_eq!(s, 200);
    assert_eq!(staff_view[0]["number"], license_no.as_str());
    assert_eq!(staff_view[0]["holder_id"], "3418**********1230");

    // The renewal needs that licence: it is satisfied from the library, no upload.
    let mut renew = Vec::new();
    for index in [0, 2] {
        let (_, f) = upload(&app, &a, "材料.pdf", PDF).await;
        renew.push(json!({"index": index, "file_id": f["file_id"]}));
    }
    let (s, second) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            Some(&a),
            &json!({"matter_code": TOBACCO_RENEW, "materials": renew}),
        )
        .await;
    assert_eq!(s, 201, "{second}");
    assert_eq!(second["materials"][1]["mode"], "license");
    assert_eq!(second["materials"][1]["license_no"], license_no.as_str());
    assert_eq!(second["materials"][1]["license_trust_level"], "A");

    // 减证便民: items at intake by how they were provided, counted once per case.
    let sup = app.token("supervisor").await;
    let (s, m) = app
        .get_json_as(&sup, "/api/v1/reports/materials?month=2026-11")
        .await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(m["total"]["license"], 1, "{m}");
    assert_eq!(m["total"]["upload"], 6, "{m}");
    assert_eq!(m["total"]["paper"], 0, "{m}");
    let renew = m["matters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == TOBACCO_RENEW)
        .unwrap();
    assert_eq!(
        (renew["license"].as_i64(), renew["upload"].as_i64()),
        (Some(1), Some(2))
    );
    let (s, _) = app
        .get_json_as(&a, "/api/v1/reports/materials?month=2026-11")
        .await;
    assert_eq!(s, 404);
    let page = app
        .client
        .get(app.url("/reports/performance?month=2026-11"))
        .bearer_auth(&sup)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"mat-license\">1<"), "{page}");
    let bytes = app
        .client
        .get(app.url("/api/v1/reports/materials?month=2026-11&format=xlsx"))
        .bearer_auth(&sup)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    use calamine::Reader;
    let mut wb =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.worksheet_range("减证便民").unwrap();
    assert_eq!(sheet.get_value((1, 1)).unwrap().to_string(), "合计");
    assert_eq!(sheet.get_value((1, 2)).unwrap().to_string(), "1");
    assert_eq!(sheet.get_value((1, 5)).unwrap().to_string(), "6");
    // A window case with one item obtained by 数据共享 counts it as such.
    let mut items = crate::api_cases::all_materials();
    items[3]["mode"] = json!("shared");
    let body = json!({"matter_code": crate::FIRST_MATTER, "applicant": crate::api_cases::person(),
        "materials": items, "decision": "accept"});
    let (s, c) = crate::api_cases::open(&app, "clerk1", body).await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["materials"][3]["mode"], "shared");
    let (_, m) = app
        .get_json_as(&sup, "/api/v1/reports/materials?month=2026-11")
        .await;
    assert_eq!(
        (m["total"]["shared"].as_i64(), m["total"]["paper"].as_i64()),
        (Some(1), Some(5))
    );
}

#[tokio::test]
async fn the_portal_lists_matters_by_life_event() {
    let app = TestApp::sqlite().await;
    let (s, home) = app.get_text("/").await;
    assert_eq!(s, 200);
    assert!(
        home.contains("/matters?life_event=retire"),
        "no life events on the home page"
    );
    let (s, page) = app.get_text("/matters?life_event=retire").await;
    assert_eq!(s, 200);
    assert!(page.contains("退休养老"));
    assert!(page.contains("企业职工基本养老金申领"), "{page}");
    assert!(!page.contains("烟草专卖零售许可证核发"));
    // A colloquial question with nothing in the catalog says so and points to the consult desk.
    let (_, none) = app
        .get_text("/matters?q=%E5%B8%AE%E6%88%91%E5%86%99%E4%B8%80%E9%A6%96%E8%AF%97")
        .await;
    assert!(none.contains("没有找到相关事项"), "{none}");
    assert!(none.contains("咨询"));
    // The kiosk answers 不知道取哪个号 with the matter and the queue to join.
    let (s, kiosk) = app
        .get_text("/kiosk?q=%E9%80%80%E4%BC%91%E9%87%91%E5%92%8B%E9%A2%86")
        .await;
    assert_eq!(s, 200);
    assert!(kiosk.contains("kiosk-suggest"), "{kiosk}");
    assert!(kiosk.contains("养老金"), "{kiosk}");
}

#[tokio::test]
async fn matters_without_online_depth_are_refused_online() {
    let app = TestApp::sqlite().await;
    let a = register(&app, "13800000004", "钱七", "341802198001011230").await;
    let (_, list) = app
        .get_json(&format!("/api/v1/matters?q={NOT_ONLINE}&limit=50"))
        .await;
    let code = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == NOT_ONLINE)
        .map(|m| m["code"].as_str().unwrap().to_owned())
        .expect("the matter is in the catalog");
    let (s, v) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            Some(&a),
            &json!({"matter_code": code, "materials": []}),
        )
        .await;
    assert_eq!((s, v["error"]["code"].as_str()), (422, Some("not_online")));
}

#[tokio::test]
async fn imported_licences_are_found_and_holders_told_before_expiry() {
    let app = TestApp::sqlite().await;
    let admin = app.token("admin").await;
    let csv = "number,type_code,holder_name,holder_id,issued_on,expires_on,issuer,trust_level\n\
               YC-2021-0001,yclsxkz,孙八,11010519491231002X,2021-12-01,2026-12-01,,A\n\
               YC-2024-0002,yclsxkz,周九,341802198001011230,2024-01-05,2029-01-04,,\n";
    let r = app
        .client
        .post(app.url("/api/v1/licenses/import"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    // The same numbers again: a conflict, and nothing more stored.
    let r = app
        .client
        .post(app.url("/api/v1/licenses/import"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
    let bad = json!([{"number": "X1", "type_code": "nope", "holder_name": "某", "holder_id": "341802198001011230", "issued_on": "2024-01-01"}]);
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/licenses/import", Some(&admin), &bad)
        .await;
    assert_eq!(s, 400, "{v}");
    let clerk = app.token("clerk1").await;
    let (s, _) = app
        .send_json(Method::POST, "/api/v1/licenses/import", Some(&clerk), &bad)
        .await;
    assert_eq!(s, 403);

    // The holder of the first has an account: the notice goes to its phone.
    register(&app, "13800000031", "孙八", "11010519491231002X").await;
    // 2026-11-02: the first expires 2026-12-01, within 30 days; the second does not.
    assert_eq!(app.core.sweep_license_expiry(100).await.unwrap(), 1);
    assert_eq!(app.core.sweep_license_expiry(100).await.unwrap(), 0);
    let (_, out) = app.get_json_as(&admin, "/api/v1/outbox").await;
    assert!(
        out.as_array()
            .unwrap()
            .iter()
            .any(|m| m["subject_id"] == "YC-2021-0001"
                && m["recipient"] == "138****0031"
                && m["message"].as_str().unwrap().contains("2026-12-01")),
        "{out}"
    );
}

/// A query string value, percent-encoded.
fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn other_agencies_services_are_referred_to_them() {
    let app = TestApp::sqlite().await;
    // A passport is the 出入境 office's: where to go, and no matter that shares a word.
    let (s, page) = app
        .get_text(&format!("/matters?q={}", query_value("护照快过期了怎么办")))
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("id=\"referral\""), "{page}");
    assert!(page.contains("出入境"), "{page}");
    assert!(page.contains("不在本中心办理"), "{page}");
    assert!(page.contains("咨询服务台"), "{page}");
    assert!(!page.contains("matter-link"), "{page}");
    // A catalog matter is still listed, without a referral.
    let (_, page) = app
        .get_text(&format!("/matters?q={}", query_value("营业执照")))
        .await;
    assert!(page.contains("matter-link"), "{page}");
    assert!(!page.contains("id=\"referral\""), "{page}");
    // The kiosk says the same instead of offering a queue.
    let (_, kiosk) = app
        .get_text(&format!("/kiosk?q={}", query_value("公积金怎么取")))
        .await;
    assert!(kiosk.contains("id=\"referral\""), "{kiosk}");
    assert!(kiosk.contains("住房公积金管理中心"), "{kiosk}");
    assert!(!kiosk.contains("class=\"kiosk-suggest\""), "{kiosk}");
    // The API returns the referral beside the (empty) hits.
    let (s, v) = app
        .get_json(&format!(
            "/api/v1/matters?q={}",
            query_value("驾照丢了咋补办")
        ))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["items"], json!([]), "{v}");
    assert_eq!(v["total"], 0);
    assert!(
        v["referral"]["where"]
            .as_str()
            .unwrap()
            .contains("车辆管理所"),
        "{v}"
    );
    assert!(
        v["referral"]["service"]
            .as_str()
            .unwrap()
            .contains("驾驶证")
    );
    assert!(
        v["referral"]["message"]
            .as_str()
            .unwrap()
            .contains("不在本中心办理")
    );
    let (_, v) = app
        .get_json(&format!("/api/v1/matters?q={}", query_value("营业执照")))
        .await;
    assert!(v.get("referral").is_none(), "{v}");
    assert!(!v["items"].as_array().unwrap().is_empty());
}
