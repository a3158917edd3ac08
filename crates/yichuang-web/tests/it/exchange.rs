//! Data exchange: the GB/T 39046 export (element names against the standard's list, the values
//! of a delivered case, CSV, cursor paging) and the role-scoped case-event feed and its SSE
//! stream. The push is in `exchange_push.rs`.

use chrono::Duration;
use serde_json::{Value, json};
use yichuang_core::exchange::gbt39046;
use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;
use crate::api_cases::{ID, act, all_materials, open, pass_all_steps, person};

/// A promised matter of 市人社局 (5 materials), another department than `FIRST_MATTER`'s.
pub(crate) const RSJ_MATTER: &str = "340702003000-341800000000-000-113418000304277265-1-00";

/// GB/T 39046-2020 §6.2–6.6 as `research/domain.md` §2.1 lists them: 办事申请 with the 事项受理
/// elements it lacks; 事项办理 (special-procedure elements prefixed 特别程序); 事项办结.
const STANDARD_BASIC: [&str; 24] = [
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
const STANDARD_PROCESS: [&str; 20] = [
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
const STANDARD_MATERIAL: [&str; 6] = [
    "办件编号",
    "材料名称",
    "是否收取",
    "收取方式",
    "收取数量",
    "收取时间",
];
const STANDARD_RESULT: [&str; 11] = [
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

/// The keys of a JSON object, in document order (the raw text keeps the order).
fn keys_in_order(raw: &str, object_start: usize) -> Vec<String> {
    let obj = &raw[object_start..];
    let end = obj.find('}').unwrap();
    let inner: Value = serde_json::from_str(&obj[..=end]).unwrap();
    let mut keys: Vec<(usize, String)> = inner
        .as_object()
        .unwrap()
        .keys()
        .map(|k| (obj[..end].find(&format!("\"{k}\":")).unwrap(), k.clone()))
        .collect();
    keys.sort();
    keys.into_iter().map(|(_, k)| k).collect()
}

/// Accepts a case of `matter` with every material at clerk1's window; returns its number.
pub(crate) async fn accepted(app: &TestApp, matter: &str) -> String {
    let (_, m) = app.get_json(&format!("/api/v1/matters/{matter}")).await;
    let n = m["materials"].as_array().unwrap().len();
    let materials: Vec<Value> = (0..n)
        .map(|i| json!({"index": i, "mode": "original"}))
        .collect();
    let body = json!({"matter_code": matter, "applicant": person(), "materials": materials, "decision": "accept"});
    let (s, c) = open(app, "clerk1", body).await;
    assert_eq!(s, 201, "{c}");
    c["case_no"].as_str().unwrap().to_owned()
}

/// A case of `FIRST_MATTER` accepted, through every step, approved and handed over.
pub(crate) async fn delivered(app: &TestApp) -> String {
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(), "materials": all_materials(), "decision": "accept"});
    let (s, c) = open(app, "clerk1", body).await;
    assert_eq!(s, 201, "{c}");
    let no = c["case_no"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::hours(2));
    pass_all_steps(app, "cgj", &no).await;
    let approver = app.token("cgj-approver").await;
    let conclude = json!({"action": "conclude", "outcome": "approved", "reason": "符合条件"});
    let (s, c) = act(app, &approver, &no, conclude).await;
    assert_eq!(s, 200, "{c}");
    app.clock.advance(Duration::days(1));
    let issuer = app.token("issuer").await;
    let deliver =
        json!({"action": "deliver", "method": "pickup", "recipient": "张三（身份证已核验）"});
    let (s, c) = act(app, &issuer, &no, deliver).await;
    assert_eq!((s, c["status"].as_str()), (200, Some("delivered")), "{c}");
    no
}

#[tokio::test]
async fn the_export_names_the_standards_elements_and_maps_a_delivered_case() {
    let app = TestApp::sqlite().await;
    let no = delivered(&app).await;
    let admin = app.token("admin").await;
    let r = app
        .client
        .get(app.url("/api/v1/exchange/cases"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let raw = r.text().await.unwrap();
    assert!(
        !raw.contains(ID) && !raw.contains("13912345678"),
        "personal data is masked in bulk: {raw}"
    );
    let page: Value = serde_json::from_str(&raw).unwrap();
    let records = page["records"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(page["next"], Value::Null, "one case, one page");
    let rec = &records[0];

    // Element names, in the standard's order, in every record.
    let basic_at = raw.find("\"办件基本信息\":").unwrap() + "\"办件基本信息\":".len();
    assert_eq!(keys_in_order(&raw, basic_at), STANDARD_BASIC);
    let mut at = raw.find("\"办件过程信息\":").unwrap();
    for _ in rec["办件过程信息"].as_array().unwrap() {
        at += raw[at..].find('{').unwrap();
        assert_eq!(keys_in_order(&raw, at), STANDARD_PROCESS);
        at += 1;
    }
    let mut at = raw.find("\"办件材料信息\":").unwrap();
    for _ in rec["办件材料信息"].as_array().unwrap() {
        at += raw[at..].find('{').unwrap();
        assert_eq!(keys_in_order(&raw, at), STANDARD_MATERIAL);
        at += 1;
    }
    let result_at = raw.find("\"办件结果信息\":").unwrap() + "\"办件结果信息\":".len();
    assert_eq!(keys_in_order(&raw, result_at), STANDARD_RESULT);

    let b = &rec["办件基本信息"];
    for (element, value) in [
        ("办件编号", no.as_str()),
        ("实施编码", FIRST_MATTER),
        ("事项名称", "城市建筑垃圾处置核准"),
        ("办件类型代码", "2"),
        ("申请者名称", "张三"),
        ("申请者证件类型代码", "111"),
        ("申请者证件号码", "1101**********002X"),
        ("联系人手机号码", "139****5678"),
        ("申报来源代码", "1"),
        ("申请时间", "20261102090000"),
        ("受理人员", "clerk1"),
        ("受理时间", "20261102090000"),
        ("受理单位名称", "宣城市城市管理局"),
        ("承诺办结时间", "20261109235959"),
        ("行政区划代码", "341800"),
        ("基本编码", ""),
    ] {
        assert_eq!(b[element], value, "{element}: {b}");
    }
    assert_eq!(b["受理文书编号"], format!("{no}-SL"));

    let materials = rec["办件材料信息"].as_array().unwrap();
    assert_eq!(materials.len(), 6);
    assert_eq!(materials[0]["材料名称"], "城市建筑垃圾处置核准申请表");
    assert_eq!(
        (
            materials[0]["是否收取"].as_str(),
            materials[0]["收取方式"].as_str(),
            materials[0]["收取时间"].as_str()
        ),
        (Some("1"), Some("原件已核验"), Some("20261102090000"))
    );
    assert_eq!(materials[1]["收取方式"], "已收复印件");

    // One process record per step: receipt, acceptance, the four back-office steps, the
    // conclusion and the hand-over, each done (2), each starting where the one before ended.
    let process = rec["办件过程信息"].as_array().unwrap();
    let names: Vec<&str> = process
        .iter()
        .map(|p| p["环节名称"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "收件", "受理", "审查", "决定", "制证", "送达", "办结", "送达"
        ]
    );
    assert!(process.iter().all(|p| p["环节办理状态"] == "2"));
    assert!(process.iter().all(|p| p["办件编号"] == no.as_str()));
    assert_eq!(process[2]["业务动作"], "通过");
    assert_eq!(process[2]["环节处理意见"], "同意");
    assert_eq!(process[2]["环节开始时间"], process[1]["环节结束时间"]);
    assert_eq!(process[2]["环节结束时间"], "20261102110000");
    assert_eq!(process[2]["处理单位名称"], "宣城市城市管理局");
    assert_eq!(process[7]["环节处理人"], "issuer");
    assert_eq!(process[7]["环节结束时间"], "20261103110000");

    let x = &rec["办件结果信息"];
    assert_eq!(x["办件编号"], no.as_str());
    assert_eq!(x["办理人"], "cgj-approver");
    assert_eq!(x["办结时间"], "20261102110000");
    assert_eq!(x["结果证照名称"], "城市建筑垃圾处置核准证");
    assert!(!x["结果证照编号"].as_str().unwrap().is_empty(), "{x}");
    assert_eq!(x["办件结果描述"], "准予。符合条件");
    assert_eq!(x["是否快递寄送结果"], "0");
    assert_eq!(x["是否收费"], "0");
    assert_eq!(x["行政区划代码"], "341800");

    // The same records through the command line's path, and their CSV.
    let center = app.core.default_center().await.unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    let exported = app
        .core
        .export_cases(&center, day, day, "cli")
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(&exported).unwrap(), page["records"]);
    let next_day = day.succ_opt().unwrap();
    let none = app
        .core
        .export_cases(&center, next_day, next_day, "cli")
        .await
        .unwrap();
    assert!(
        none.is_empty(),
        "a case received on 11-02 is not in 11-03's export"
    );
    let csv = gbt39046::csv(
        &gbt39046::PROCESS_ELEMENTS,
        exported.iter().flat_map(|r| &r.process),
    )
    .unwrap();
    let text = String::from_utf8(csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap().trim_start_matches('\u{feff}'),
        STANDARD_PROCESS.join(",")
    );
    assert_eq!(lines.count(), 8);
    let events = app
        .core
        .store()
        .events_for("center", &center.code)
        .await
        .unwrap();
    assert!(
        events.iter().any(|e| e.kind == "cases_exported"),
        "the export is on the record"
    );
}

#[tokio::test]
async fn the_export_dates_each_material_from_its_arrival() {
    let app = TestApp::sqlite().await;
    let materials = json!([{"index": 0, "mode": "original"}, {"index": 1, "mode": "copy"}]);
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(), "materials": materials,
        "decision": "request_correction", "missing": [1], "note": "营业执照复印件不清晰"});
    let (s, c) = open(&app, "clerk1", body).await;
    assert_eq!(s, 201, "{c}");
    let no = c["case_no"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::days(2));
    let clerk = app.token("clerk1").await;
    let supplement = json!({"action": "supplement", "materials": [
        {"index": 1, "mode": "copy"}, {"index": 2, "mode": "original"}, {"index": 3, "mode": "upload"}, {"index": 4, "mode": "copy"}]});
    let (s, c) = act(&app, &clerk, &no, supplement).await;
    assert_eq!(s, 200, "{c}");
    let admin = app.token("admin").await;
    let (_, page) = app.get_json_as(&admin, "/api/v1/exchange/cases").await;
    let m = page["records"][0]["办件材料信息"]
        .as_array()
        .unwrap()
        .clone();
    let row = |i: usize| {
        (
            m[i]["是否收取"].as_str().unwrap().to_owned(),
            m[i]["收取方式"].as_str().unwrap().to_owned(),
            m[i]["收取时间"].as_str().unwrap().to_owned(),
        )
    };
    let own = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(row(0), own("1", "原件已核验", "20261102090000"));
    assert_eq!(
        row(1),
        own("1", "已收复印件", "20261104090000"),
        "re-supplied"
    );
    assert_eq!(row(3), own("1", "已上传", "20261104090000"));
    assert_eq!(row(5), own("0", "缺少", ""), "never brought");
    let b = &page["records"][0]["办件基本信息"];
    assert_eq!(
        (b["受理时间"].as_str(), b["受理文书编号"].as_str()),
        (Some(""), Some(""))
    );
    assert_eq!(page["records"][0]["办件结果信息"], Value::Null);
}

#[tokio::test]
async fn the_export_is_for_center_roles_and_refuses_bad_cursors() {
    let app = TestApp::sqlite().await;
    for user in ["clerk1", "cgj-approver", "issuer"] {
        let token = app.token(user).await;
        let (s, v) = app.get_json_as(&token, "/api/v1/exchange/cases").await;
        assert_eq!(s, 403, "{user}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("此操作仅限")
        );
    }
    let supervisor = app.token("supervisor").await;
    for q in ["since=abc", "since=-1", "limit=0", "limit=501"] {
        let (s, v) = app
            .get_json_as(&supervisor, &format!("/api/v1/exchange/cases?{q}"))
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (400, Some("invalid_input")),
            "{q}: {v}"
        );
    }
}

#[tokio::test]
async fn export_pages_follow_the_cursor_without_gaps_or_duplicates() {
    let app = TestApp::sqlite().await;
    let mut made = Vec::new();
    for i in 0..5 {
        let matter = if i % 2 == 0 { FIRST_MATTER } else { RSJ_MATTER };
        made.push(accepted(&app, matter).await);
    }
    let admin = app.token("admin").await;
    let mut seen = Vec::new();
    let mut since = 0;
    let mut pages = 0;
    loop {
        let (s, v) = app
            .get_json_as(
                &admin,
                &format!("/api/v1/exchange/cases?since={since}&limit=2"),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        pages += 1;
        for r in v["records"].as_array().unwrap() {
            seen.push(r["办件基本信息"]["办件编号"].as_str().unwrap().to_owned());
        }
        match v["next"].as_i64() {
            Some(n) => since = n,
            None => break,
        }
    }
    assert_eq!(seen, made, "every case once, in order");
    assert_eq!(pages, 3);
}

/// Reads SSE `data:` lines from a stream until `n` arrived (a real-time guard stops a hang).
pub(crate) async fn sse_events(mut r: reqwest::Response, n: usize) -> Vec<Value> {
    let mut buf = String::new();
    let mut out = Vec::new();
    while out.len() < n {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), r.chunk())
            .await
            .expect("the stream went quiet")
            .unwrap()
            .expect("the stream ended");
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) {
                out.push(serde_json::from_str(data).unwrap());
            }
        }
    }
    out
}

#[tokio::test]
async fn the_event_feed_shows_a_department_only_its_own_cases() {
    let app = TestApp::sqlite().await;
    // 市人社局's case first, so that its events come before the other's in id order.
    let rsj_case = accepted(&app, RSJ_MATTER).await;
    let cgj_case = accepted(&app, FIRST_MATTER).await;
    let cgj = app.token("cgj-approver").await;
    let pass = json!({"action": "pass", "comment": "材料齐全"});
    assert_eq!(act(&app, &cgj, &cgj_case, pass).await.0, 200);

    let feed = |token: String| {
        let app = &app;
        async move {
            let (s, v) = app.get_json_as(&token, "/api/v1/events?limit=500").await;
            assert_eq!(s, 200, "{v}");
            v["events"].as_array().unwrap().clone()
        }
    };
    let own = feed(cgj.clone()).await;
    let kinds: Vec<&str> = own.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["case_received", "case_accepted", "case_step_passed"]
    );
    assert!(
        own.iter().all(|e| e["case_no"] == cgj_case.as_str()),
        "市城管局 sees nothing of 市人社局's case: {own:?}"
    );
    let head = feed(app.token("cgj-head").await).await;
    assert_eq!(head, own, "the department head has the department's scope");
    let rsj = feed(app.token("rsj-approver").await).await;
    assert_eq!(rsj.len(), 2);
    // Masking leaves codes whole: this 实施编码 holds an 18-digit credit code.
    assert_eq!(rsj[0]["payload"]["matter"], RSJ_MATTER);
    assert_eq!(rsj[0]["payload"]["event"]["matter_code"], RSJ_MATTER);
    assert_eq!(
        rsj[0]["payload"]["event"]["applicant"]["id_number"],
        "1101**********002X"
    );
    assert!(
        rsj.iter().all(|e| e["case_no"] == rsj_case.as_str()),
        "市人社局 sees nothing of 市城管局's case: {rsj:?}"
    );
    let all = feed(app.token("supervisor").await).await;
    assert_eq!(all.len(), 5, "the center sees both");
    assert!(
        all.windows(2)
            .all(|w| w[0]["id"].as_i64() < w[1]["id"].as_i64())
    );
    let raw = serde_json::to_string(&all).unwrap();
    assert!(!raw.contains(ID) && !raw.contains("13912345678"), "{raw}");

    for user in ["clerk1", "issuer"] {
        let token = app.token(user).await;
        let (s, v) = app.get_json_as(&token, "/api/v1/events").await;
        assert_eq!(s, 403, "{user}: {v}");
        assert_eq!(
            v["error"]["message"],
            "办件事件订阅仅限系统管理员、监察人员和部门审批人员"
        );
        let (s, _) = app.get_json_as(&token, "/api/v1/events/stream").await;
        assert_eq!(s, 403, "the stream refuses before it starts");
    }
    let admin = app.token("admin").await;
    let (s, v) = app.get_json_as(&admin, "/api/v1/events?after=x").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("invalid_input"))
    );

    // Paging: pages of two after each `next` give the whole feed once, in order.
    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let (_, v) = app
            .get_json_as(&admin, &format!("/api/v1/events?after={after}&limit=2"))
            .await;
        let events = v["events"].as_array().unwrap();
        if events.is_empty() {
            assert_eq!(
                v["next"].as_i64(),
                Some(after),
                "an empty page keeps the cursor"
            );
            break;
        }
        after = v["next"].as_i64().unwrap();
        assert_eq!(events.last().unwrap()["id"].as_i64(), Some(after));
        paged.extend(events.iter().cloned());
    }
    assert_eq!(paged, all);

    // The stream: the department's events only, and a reconnect resumes after Last-Event-ID.
    let r = app
        .client
        .get(app.url("/api/v1/events/stream"))
        .bearer_auth(&cgj)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(sse_events(r, 3).await, own);
    let r = app
        .client
        .get(app.url("/api/v1/events/stream"))
        .bearer_auth(&cgj)
        .header("Last-Event-ID", own[0]["id"].to_string())
        .send()
        .await
        .unwrap();
    let resumed = sse_events(r, 2).await;
    assert_eq!(resumed, own[1..]);
}
