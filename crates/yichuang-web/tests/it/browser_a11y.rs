//! Accessibility in real Chromium: axe-core (vendored, no network) over every kind of page with
//! zero serious or critical findings, the portal on a 390 px phone, and the desk worked from the
//! keyboard alone (Alt+N, Alt+S, Tab, Alt+A).

use thirtyfour::prelude::*;
use yichuang_testkit::{TestApp, browser};

use crate::FIRST_MATTER;
use crate::api_cases::{ID, all_materials, open, person};
use crate::browser_cases::{click, login, text};
use crate::portal::register;

/// axe-core 4.14.1 (MPL-2.0, `tests/vendor/axe-core-4.14.1`), injected into each page.
const AXE: &str = include_str!("../vendor/axe-core-4.14.1/axe.min.js");

/// Runs axe on the current page and returns its serious and critical violations, one line each
/// (rule, impact, help and up to five offending elements).
async fn axe_findings(d: &WebDriver) -> Vec<String> {
    let loaded: bool = d
        .execute("return typeof window.axe === 'object';", vec![])
        .await
        .unwrap()
        .convert()
        .unwrap();
    if !loaded {
        d.execute(AXE, vec![]).await.unwrap();
    }
    let report = d
        .execute_async(
            "var done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']}).then(function (r) {
               done(JSON.stringify(r.violations
                 .filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
                 .map(function (v) {
                   return v.id + ' [' + v.impact + '] ' + v.help + ' → ' +
                     v.nodes.slice(0, 5).map(function (n) { return n.target.join(' '); }).join(' | ');
                 })));
             }).catch(function (e) { done(JSON.stringify(['axe failed: ' + e])); });",
            vec![],
        )
        .await
        .unwrap();
    let json: String = report.convert().unwrap();
    serde_json::from_str(&json).unwrap()
}

#[tokio::test]
async fn browser_axe_finds_no_serious_or_critical_issue_on_any_page_kind() {
    let Some(b) = browser::start("browser axe-core audit").await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let body = json_case();
    let (s, case) = open(&app, "clerk1", body).await;
    assert_eq!(s, 201, "{case}");
    let case_no = case["case_no"].as_str().unwrap().to_owned();
    register(&app, "13900000011", "张三", ID).await;
    let clerk = app.token("clerk1").await;
    let (s, ticket) = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/tickets",
            Some(&clerk),
            &serde_json::json!({"group": "comprehensive", "priority": "normal"}),
        )
        .await;
    assert_eq!(s, 201, "{ticket}");
    let ticket_id = ticket["id"].to_string().trim_matches('"').to_owned();
    let d = &b.driver;

    let anonymous = [
        "/".to_owned(),
        "/matters".into(),
        "/matters?q=营业执照".into(),
        "/matters?q=附近有什么好吃的".into(),
        format!("/matters/{FIRST_MATTER}"),
        "/departments".into(),
        "/progress".into(),
        format!("/progress?case_no={case_no}&name=张三"),
        "/kiosk".into(),
        "/display".into(),
        "/pad/W01".into(),
        "/display/window/W01".into(),
        format!("/kiosk/tickets/{ticket_id}"),
        "/login".into(),
        "/register".into(),
    ];
    let staff: [(&str, Vec<String>); 7] = [
        (
            "clerk1",
            vec![
                "/desk".into(),
                "/desk?q=建筑垃圾".into(),
                format!("/desk/new?matter={FIRST_MATTER}"),
                format!("/cases/{case_no}"),
                format!("/api/v1/cases/{case_no}/notices/acceptance"),
                format!("/api/v1/cases/{case_no}/notices/receipt"),
                "/projects".into(),
            ],
        ),
        (
            "cgj-approver",
            vec![
                "/office".into(),
                format!("/cases/{case_no}"),
                "/rectifications".into(),
            ],
        ),
        ("issuer", vec!["/issuance".into()]),
        (
            "supervisor",
            vec![
                "/supervision".into(),
                "/reports/daily".into(),
                "/reports/performance".into(),
                "/reports/bulletin".into(),
            ],
        ),
        (
            "admin",
            vec![
                "/admin".into(),
                "/admin/calendar".into(),
                "/admin/outbox".into(),
            ],
        ),
        ("auditor", vec!["/audit".into()]),
        (
            "13900000011",
            vec!["/my".into(), format!("/my/cases/{case_no}")],
        ),
    ];
    let mut findings = Vec::new();
    let mut pages = 0;
    let mut check = async |path: &str, who: &str| {
        d.goto(app.url(path)).await.unwrap();
        // The page itself, not an error page in its place.
        if let Ok(e) = d.find(By::Id("error-page")).await {
            let url = d.current_url().await.unwrap();
            panic!(
                "{who} {path} ({url}) answered with an error page: {}",
                e.text().await.unwrap()
            );
        }
        pages += 1;
        for f in axe_findings(d).await {
            findings.push(format!("{who} {path}: {f}"));
        }
    };
    for path in &anonymous {
        check(path, "anonymous").await;
    }
    // 大字版 and 高对比度 together, on a public page and the desk.
    d.goto(app.url("/prefs/large?next=%2F")).await.unwrap();
    d.goto(app.url("/prefs/contrast?next=%2F")).await.unwrap();
    check("/", "anonymous (大字版+高对比度)").await;
    for (user, paths) in &staff {
        if user.starts_with("139") {
            crate::browser_portal::login_applicant(d, &app, user).await;
        } else {
            login(d, &app, user).await;
        }
        for path in paths {
            check(path, user).await;
        }
    }
    login(d, &app, "clerk1").await;
    d.goto(app.url("/prefs/contrast?next=%2Fdesk"))
        .await
        .unwrap();
    check("/desk", "clerk1 (高对比度)").await;
    assert!(pages >= 38, "only {pages} pages audited");
    assert!(
        findings.is_empty(),
        "{} serious/critical axe findings:\n{}",
        findings.len(),
        findings.join("\n")
    );
    b.quit().await;
}

fn json_case() -> serde_json::Value {
    serde_json::json!({"matter_code": FIRST_MATTER, "applicant": person(),
        "materials": all_materials(), "decision": "accept"})
}

/// Rows (parts whose vertical middles lie within 12 px share one) that the header's parts occupy, and the elements that stick out
/// past the viewport's right edge (empty when the page does not scroll sideways).
async fn phone_layout(d: &WebDriver) -> (usize, Vec<String>) {
    let v = d
        .execute(
            "var mids = [];
             document.querySelectorAll('header.top .brand, header.top nav, header.top .who').forEach(
               function (e) { var r = e.getBoundingClientRect(); mids.push((r.top + r.bottom) / 2); });
             mids.sort(function (a, b) { return a - b; });
             var rows = mids.length ? 1 : 0;
             for (var i = 1; i < mids.length; i++) if (mids[i] - mids[i - 1] > 12) rows++;
             var out = [];
             if (document.documentElement.scrollWidth > window.innerWidth + 1) {
               document.querySelectorAll('body *').forEach(function (e) {
                 var r = e.getBoundingClientRect();
                 if (r.right > window.innerWidth + 1 && out.length < 8 && !e.closest('header.top nav')) {
                   out.push(e.tagName + '#' + e.id + '.' + e.className + ' right=' + Math.round(r.right));
                 }
               });
               if (out.length === 0) out.push('scrollWidth ' + document.documentElement.scrollWidth);
             }
             return [rows, out];",
            vec![],
        )
        .await
        .unwrap();
    v.convert().unwrap()
}

#[tokio::test]
async fn browser_the_portal_fits_a_390_px_phone() {
    let Some(b) = browser::start("browser phone portal").await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let d = &b.driver;
    d.set_window_rect(0, 0, 390, 844).await.unwrap();
    let width: i64 = d
        .execute("return window.innerWidth;", vec![])
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(width <= 400, "viewport {width} px");
    for (path, shot) in [
        ("/", "phone-home"),
        ("/matters?q=营业执照", "phone-search"),
        ("/register", "phone-register"),
        ("/progress", "phone-progress"),
    ] {
        for large in [false, true] {
            d.goto(app.url(path)).await.unwrap();
            let (rows, wide) = phone_layout(d).await;
            assert!(rows <= 2, "{path} (large {large}): header on {rows} rows");
            assert!(
                wide.is_empty(),
                "{path} (large {large}): the page scrolls sideways: {wide:?}"
            );
            if !large {
                b.screenshot(shot).await;
            }
            d.goto(app.url(&format!("/prefs/large?next={}", urlencode(path))))
                .await
                .unwrap();
        }
    }
    // Registration asks for the phone once; its first field keeps a usable width.
    d.goto(app.url("/register")).await.unwrap();
    let phones = d.find_all(By::Css("input[type=tel]")).await.unwrap();
    assert_eq!(phones.len(), 1, "the phone is asked for once");
    let w = phones[0].rect().await.unwrap().width;
    assert!(w >= 200.0, "the phone field is {w} px wide on a phone");
    // 获取验证码 posts the same form and keeps what was already typed.
    phones[0].send_keys("13900000021").await.unwrap();
    d.find(By::Id("reg-name"))
        .await
        .unwrap()
        .send_keys("赵大爷")
        .await
        .unwrap();
    click(d, "#btn-send-code").await;
    assert!(text(d, "register-message").await.contains("验证码已发送"));
    let name = d
        .find(By::Id("reg-name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(name.as_deref(), Some("赵大爷"));
    b.quit().await;
}

fn urlencode(path: &str) -> String {
    path.replace('%', "%25")
        .replace('/', "%2F")
        .replace('?', "%3F")
        .replace('=', "%3D")
        .replace('&', "%26")
}

/// Presses `key` with Alt held, as a clerk does for an access key.
async fn alt(d: &WebDriver, key: &str) {
    d.action_chain()
        .key_down(Key::Alt)
        .send_keys(key)
        .key_up(Key::Alt)
        .perform()
        .await
        .unwrap();
}

/// Types into whatever has the focus.
async fn keys(d: &WebDriver, s: &str) {
    d.action_chain().send_keys(s).perform().await.unwrap();
}

/// The focused element's id, name or text, to say where the keyboard is.
async fn focused(d: &WebDriver) -> String {
    d.execute(
        "var e = document.activeElement; return e ? (e.id || e.name || e.textContent || e.tagName) : '';",
        vec![],
    )
    .await
    .unwrap()
    .convert()
    .unwrap()
}

/// Waits until `id` is on the page (after a navigation a key press started).
async fn wait_for(d: &WebDriver, id: &str) {
    for _ in 0..400 {
        if d.find(By::Id(id)).await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("#{id} did not appear; focus on {}", focused(d).await);
}

#[tokio::test]
async fn browser_the_desk_works_from_the_keyboard_alone() {
    let Some(b) = browser::start("browser keyboard desk").await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let d = &b.driver;
    let clerk = app.token("clerk1").await;
    let kiosk = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/tickets",
            Some(&clerk),
            &serde_json::json!({"group": "comprehensive", "priority": "normal"}),
        )
        .await;
    assert_eq!(kiosk.0, 201, "{}", kiosk.1);
    login(d, &app, "clerk1").await;
    d.goto(app.url("/desk")).await.unwrap();
    // Alt+N calls the next ticket.
    alt(d, "n").await;
    // Read through script, not an element handle: the page is being replaced by the call's
    // answer, and a handle taken from the old page goes stale.
    let mut now = String::new();
    for _ in 0..400 {
        now = d
            .execute(
                "var e = document.getElementById('current-ticket'); return e ? e.textContent : '';",
                vec![],
            )
            .await
            .ok()
            .and_then(|r| r.convert::<String>().ok())
            .unwrap_or_default();
        if now.starts_with('A') {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(now, "A001");
    wait_for(d, "btn-call").await;
    // Alt+S goes to the matter search; Enter searches.
    alt(d, "s").await;
    assert_eq!(focused(d).await, "q");
    keys(d, "建筑垃圾\n").await;
    wait_for(d, "matter-results").await;
    // Tab reaches the first 受理 link; Enter opens the intake form.
    let mut steps = 0;
    while !focused(d).await.contains("受理") || steps == 0 {
        keys(d, &Key::Tab.value().to_string()).await;
        steps += 1;
        assert!(steps < 40, "受理 not reached by Tab");
    }
    keys(d, &Key::Enter.value().to_string()).await;
    wait_for(d, "intake").await;
    // The form's fields in Tab order: type, name, ID, phone, legal representative, then the
    // ID-card reader button; then each material row, whose 收取方式 is reached by Tab.
    let tab = Key::Tab.value();
    d.find(By::Id("applicant-type"))
        .await
        .unwrap()
        .focus()
        .await
        .unwrap();
    keys(d, &format!("{tab}张三{tab}{ID}{tab}13912345678{tab}{tab}")).await;
    assert_eq!(focused(d).await, "read-id-card");
    let rows = d
        .find_all(By::Css("select[name^=mode_]"))
        .await
        .unwrap()
        .len();
    for i in 0..rows {
        let want = format!("mode_{i}");
        let mut steps = 0;
        while focused(d).await != want {
            keys(d, &tab.to_string()).await;
            steps += 1;
            assert!(steps < 20, "{want} not reached by Tab");
        }
        // Arrow down from 请选择 picks the first way: 原件已核验.
        keys(d, &Key::Down.value().to_string()).await;
    }
    let chosen: Vec<String> = d
        .execute(
            "return Array.from(document.querySelectorAll('select[name^=mode_]')).map(function (s) { return s.value; });",
            vec![],
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(chosen.iter().all(|v| v == "original"), "{chosen:?}");
    // Alt+A accepts.
    alt(d, "a").await;
    wait_for(d, "case-no").await;
    assert_eq!(text(d, "case-status").await, "已受理");
    b.quit().await;
}
