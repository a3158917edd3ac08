use yichuang_testkit::TestApp;

use crate::{FIRST_MATTER, csrf_of};

/// Logs in through the login form; returns the CSRF token for further forms.
pub(crate) async fn form_login(app: &TestApp, user: &str) -> String {
    let (_, login) = app.get_text("/login").await;
    let csrf = csrf_of(&login);
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[("username", user), ("password", "demo"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login of {user}");
    csrf
}

#[tokio::test]
async fn the_home_page_and_the_catalog_browser_render_in_chinese() {
    let app = TestApp::sqlite().await;
    let (status, home) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("宣城市政务服务中心"));
    assert!(home.contains("综合服务窗口"));
    let (status, list) = app.get_text("/matters?department=rsj").await;
    assert_eq!(status, 200);
    assert!(list.contains("宣城市人力资源和社会保障局 办事指南"));
    let (status, list) = app.get_text("/matters?page=2").await;
    assert_eq!(status, 200);
    assert!(list.contains("第 2 / 9 页"));
    let (status, depts) = app.get_text("/departments").await;
    assert_eq!(status, 200);
    assert!(depts.contains("由综合窗口代为受理的部门"));
}

#[tokio::test]
async fn a_guide_page_shows_materials_limits_and_basis() {
    let app = TestApp::sqlite().await;
    let (status, page) = app.get_text(&format!("/matters/{FIRST_MATTER}")).await;
    assert_eq!(status, 200);
    for text in [
        "城市建筑垃圾处置核准申请表",
        "营业执照",
        "必需",
        "复印件",
        "5个工作日",
        "20个工作日",
        "国务院令第412号",
        "第 1 版",
        "宣城市政务服务中心 · 综合服务窗口",
        "工作日 9:00—12:00、13:30—17:00（法定节假日除外）",
        "<b>咨询电话</b><span id=\"consult-phone\">12345</span>",
        "<b>监督投诉电话</b><span id=\"complaint-phone\">12345</span>",
    ] {
        assert!(page.contains(text), "{text} missing");
    }
    // A matter done online with its result collected at a window does not claim "0次"
    // beside "窗口取件" without saying how.
    let catalog =
        yichuang_domain::catalog::parse_catalog(include_str!("../../../../demo/xuancheng.json"))
            .unwrap();
    let mut checked = 0;
    for m in catalog
        .matters
        .iter()
        .filter(|m| m.max_visits == 0 && m.online_depth == 3)
        .take(3)
    {
        let (_, page) = app.get_text(&format!("/matters/{}", m.code)).await;
        assert!(
            page.contains("0次（结果邮寄送达；选择到窗口取件为1次）"),
            "{}",
            m.code
        );
        checked += 1;
    }
    assert_eq!(checked, 3, "the demo has such matters");
    let (status, page) = app.get_text("/matters/nope").await;
    assert_eq!(status, 404);
    assert!(page.contains("不存在"));
    let (status, page) = app.get_text("/no/such/page").await;
    assert_eq!(status, 404);
    assert!(page.contains("页面不存在"));
}

#[tokio::test]
async fn logging_in_through_the_form_needs_the_csrf_token() {
    let app = TestApp::sqlite().await;
    let (_, login) = app.get_text("/login").await;
    assert!(
        login.contains("演示模式"),
        "demo accounts are listed in demo mode"
    );
    let csrf = csrf_of(&login);
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "admin"),
            ("password", "demo"),
            ("csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "admin"),
            ("password", "wrong"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("用户名或密码错误"));
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "admin"),
            ("password", "demo"),
            ("csrf", &csrf),
            ("next", "/admin/calendar"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin/calendar");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert!(
        cookie.iter().any(|c| c.starts_with("yc_session=")
            && c.contains("HttpOnly")
            && c.contains("SameSite"))
    );
    let (status, cal) = app.get_text("/admin/calendar?month=2026-10").await;
    assert_eq!(status, 200);
    assert!(cal.contains("工作日历 · 2026年10月"));
    assert!(cal.contains("国庆节"));
}

#[tokio::test]
async fn admin_pages_send_strangers_to_login_and_refuse_other_roles() {
    let app = TestApp::sqlite().await;
    let r = app
        .client
        .get(app.url("/admin/calendar"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Fadmin%2Fcalendar");
    form_login(&app, "clerk1").await;
    let (status, page) = app.get_text("/admin/calendar").await;
    assert_eq!(status, 403);
    assert!(page.contains("此操作仅限系统管理员"));
}

#[tokio::test]
async fn the_calendar_form_changes_a_day_only_with_a_valid_token() {
    let app = TestApp::sqlite().await;
    let csrf = form_login(&app, "admin").await;
    let before = app.event_count().await;
    let r = app
        .client
        .post(app.url("/admin/calendar/day"))
        .form(&[
            ("day", "2026-12-02"),
            ("kind", "holiday"),
            ("note", "地方节日"),
            ("csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.event_count().await, before);
    let r = app
        .client
        .post(app.url("/admin/calendar/day"))
        .form(&[
            ("day", "2026-12-02"),
            ("kind", "holiday"),
            ("note", "地方节日"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, page) = app.get_text("/admin/calendar?month=2026-12").await;
    assert!(page.contains("地方节日"));
    assert!(page.contains("data-day=\"2026-12-02\""));
    let r = app
        .client
        .post(app.url("/admin/calendar/day"))
        .form(&[("day", "2026-02-31"), ("kind", "holiday"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("格式不正确"));
}

#[tokio::test]
async fn large_type_is_a_remembered_preference() {
    let app = TestApp::sqlite().await;
    let r = app
        .client
        .get(app.url("/prefs/large?next=%2Fmatters"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/matters");
    let (_, page) = app.get_text("/matters").await;
    assert!(page.contains("<html lang=\"zh-CN\" class=\"large\">"));
    assert!(page.contains("标准字号"));
    // 高对比度 beside it, remembered the same way, both together.
    assert!(page.contains("id=\"contrast-toggle\" class=\"pref\">高对比度</a>"));
    let r = app
        .client
        .get(app.url("/prefs/contrast?next=%2Fmatters"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, page) = app.get_text("/matters").await;
    assert!(page.contains("<html lang=\"zh-CN\" class=\"large contrast\">"));
    assert!(page.contains("标准配色"));
    let (_, css) = app.get_text("/static/app.css").await;
    assert!(css.contains("html.contrast {") && css.contains("header.top .who a.pref"));
    app.client
        .get(app.url("/prefs/contrast?next=%2F"))
        .send()
        .await
        .unwrap();
    let (_, page) = app.get_text("/matters").await;
    assert!(page.contains("<html lang=\"zh-CN\" class=\"large\">"));
}

#[tokio::test]
async fn health_readiness_metrics_and_request_ids() {
    let app = TestApp::sqlite().await;
    assert_eq!(app.get_text("/healthz").await, (200, "ok".to_owned()));
    assert_eq!(app.get_text("/readyz").await.0, 200);
    let r = app
        .client
        .get(app.url("/api/v1/departments"))
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("x-request-id"));
    let (status, metrics) = app.get_text("/metrics").await;
    assert_eq!(status, 200);
    assert!(metrics.contains("http_requests_total"));
    let (status, css) = app.get_text("/static/app.css").await;
    assert_eq!(status, 200);
    assert!(css.contains("html.large"));
}

#[tokio::test]
async fn the_desk_takes_a_walk_in_ticket_and_calls_it() {
    let app = TestApp::sqlite().await;
    let csrf = form_login(&app, "clerk1").await;
    let r = app
        .client
        .post(app.url("/desk/ticket"))
        .form(&[("action", "walk_in"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, page) = app
        .get_text(r.headers()["location"].to_str().unwrap())
        .await;
    assert!(
        page.contains("已取号 A001"),
        "the walk-in button issues a ticket"
    );
    let r = app
        .client
        .post(app.url("/desk/ticket"))
        .form(&[("action", "call"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    let (_, page) = app
        .get_text(r.headers()["location"].to_str().unwrap())
        .await;
    assert!(page.contains("已叫号 A001"));
    assert!(page.contains("id=\"current-ticket\">A001"));
    // Called: every ticket button applies; once served, only 办结 (and 转移) still do.
    for id in ["btn-recall", "btn-no-show", "btn-start", "btn-finish"] {
        assert!(
            page.contains(&format!("id=\"{id}\"")),
            "{id} missing while called"
        );
    }
    let ticket_id = {
        let marker = "name=\"ticket_id\" value=\"";
        let at = page.find(marker).unwrap() + marker.len();
        page[at..].split('"').next().unwrap().to_owned()
    };
    let r = app
        .client
        .post(app.url("/desk/ticket"))
        .form(&[
            ("action", "start"),
            ("ticket_id", &ticket_id),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    let (_, page) = app
        .get_text(r.headers()["location"].to_str().unwrap())
        .await;
    assert!(page.contains("id=\"btn-finish\""), "{page}");
    for id in ["btn-recall", "btn-no-show", "btn-start"] {
        assert!(
            !page.contains(&format!("id=\"{id}\"")),
            "{id} offered while serving"
        );
    }
    let r = app
        .client
        .post(app.url("/desk/ticket"))
        .form(&[("action", "call"), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

/// Staff who log in without a destination land on their own desk, not the citizens' home page,
/// and that desk opens for them.
#[tokio::test]
async fn each_role_lands_on_its_own_desk_after_login() {
    let app = TestApp::sqlite().await;
    for (user, home) in [
        ("admin", "/admin"),
        ("clerk1", "/desk"),
        ("rsj-approver", "/office"),
        ("rsj-head", "/office"),
        ("issuer", "/issuance"),
        ("supervisor", "/supervision"),
        ("auditor", "/audit"),
    ] {
        // A fresh cookie jar per user: log out by starting a new client.
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let login = client
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_of(&login);
        let r = client
            .post(app.url("/login"))
            .form(&[("username", user), ("password", "demo"), ("csrf", &csrf)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{user}");
        assert_eq!(r.headers()["location"], home, "{user}");
        let page = client.get(app.url(home)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{user} on {home}");
    }
}

/// The site icon is served (browsers ask for `/favicon.ico` on every first visit; it used to be
/// a 404 page) and every page links it.
#[tokio::test]
async fn the_favicon_is_served_and_linked() {
    let app = TestApp::sqlite().await;
    for path in ["/favicon.ico", "/favicon.svg"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "image/svg+xml");
        assert!(r.text().await.unwrap().starts_with("<svg"));
    }
    let (_, home) = app.get_text("/").await;
    assert!(home.contains(r#"<link rel="icon" href="/favicon.svg""#));
}

/// The case timeline names people and windows as the hall knows them, never by account or
/// window code (this showed `clerk1`, `cgj-approver` and `W01` before).
#[tokio::test]
async fn the_case_timeline_shows_names_not_codes() {
    let app = TestApp::sqlite().await;
    let body = serde_json::json!({"matter_code": FIRST_MATTER,
        "applicant": crate::api_cases::person(), "materials": crate::api_cases::all_materials(),
        "decision": "accept"});
    let (s, case) = crate::api_cases::open(&app, "clerk1", body).await;
    assert_eq!(s, 201, "{case}");
    let no = case["case_no"].as_str().unwrap().to_owned();
    let approver = app.token("cgj-approver").await;
    let (s, _) = crate::api_cases::act(
        &app,
        &approver,
        &no,
        serde_json::json!({"action": "pass", "comment": "材料齐全"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, page) = app.get_text_as(&approver, &format!("/cases/{no}")).await;
    assert_eq!(s, 200);
    let start = page.find("<table id=\"timeline\">").unwrap();
    let timeline = &page[start..start + page[start..].find("</table>").unwrap()];
    for shown in [
        "<td>王芳</td>",
        "<td>市城管局审批员</td>",
        "（综合窗口1号）",
    ] {
        assert!(timeline.contains(shown), "{shown} missing: {timeline}");
    }
    for code in ["clerk1", "cgj-approver", "W01", ">system<"] {
        assert!(!timeline.contains(code), "{code} shown: {timeline}");
    }
}

/// The outbox says in words what each message is about (it showed `applicant 136****0066`).
#[tokio::test]
async fn the_outbox_says_what_each_message_is_about() {
    let app = TestApp::sqlite().await;
    let (s, _) = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/applicants/verification",
            None,
            &serde_json::json!({"phone": "13600000066"}),
        )
        .await;
    assert_eq!(s, 202);
    let admin = app.token("admin").await;
    let (s, page) = app.get_text_as(&admin, "/admin/outbox").await;
    assert_eq!(s, 200);
    assert!(page.contains("<td>注册验证码 136****0066</td>"), "{page}");
    assert!(!page.contains("applicant 136"), "{page}");
}

/// At 待办结 the office is offered the decision, not 通过本环节 (which only answered 409);
/// 准予 is offered only once every step passed; a refused action comes back to the case page
/// itself with the Chinese reason (it used to render on the form's address).
#[tokio::test]
async fn the_office_is_offered_only_what_the_case_allows() {
    let app = TestApp::sqlite().await;
    let body = serde_json::json!({"matter_code": FIRST_MATTER,
        "applicant": crate::api_cases::person(), "materials": crate::api_cases::all_materials(),
        "decision": "accept"});
    let (s, case) = crate::api_cases::open(&app, "clerk1", body).await;
    assert_eq!(s, 201, "{case}");
    let no = case["case_no"].as_str().unwrap().to_owned();
    let csrf = form_login(&app, "cgj-approver").await;
    let page_of = |no: String| {
        let app = &app;
        async move {
            let r = app
                .client
                .get(app.url(&format!("/cases/{no}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    let first = page_of(no.clone()).await;
    assert!(first.contains("id=\"btn-pass\""));
    assert!(
        !first.contains("<option value=\"approved\">"),
        "准予 before the steps passed"
    );

    let r = app
        .client
        .post(app.url(&format!("/cases/{no}/action")))
        .form(&[("action", "return"), ("reason", ""), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with(&format!("/cases/{no}?error=")), "{to}");
    let back = app
        .client
        .get(app.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        back.contains("id=\"action-error\">请填写退回理由<"),
        "{back}"
    );

    let approver = app.token("cgj-approver").await;
    let head = app.token("cgj-head").await;
    // 审查 by the 承办人, 决定 by another (separation of duties), 制证 and 送达 by anyone.
    for who in [&approver, &head, &approver, &approver] {
        let (s, v) = crate::api_cases::act(
            &app,
            who,
            &no,
            serde_json::json!({"action": "pass", "comment": "同意"}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
    }
    let last = page_of(no.clone()).await;
    assert!(!last.contains("id=\"btn-pass\""), "通过本环节 at 待办结");
    assert!(last.contains("各审批环节均已通过，请作出办结决定。"));
    assert!(last.contains("<option value=\"approved\">准予</option>"));
}

/// The kiosk shows no site navigation (登录, 接口文档 led visitors away), offers the keypad,
/// and says so when the hall is closed.
#[tokio::test]
async fn the_kiosk_stays_a_kiosk_and_knows_the_opening_hours() {
    let app = TestApp::sqlite().await;
    // Monday 2026-11-02, 09:00 in Xuancheng: open.
    let (s, page) = app.get_text("/kiosk").await;
    assert_eq!(s, 200);
    for gone in ["<nav", "接口文档", "href=\"/login\""] {
        assert!(!page.contains(gone), "{gone} on the kiosk");
    }
    assert!(page.contains("id=\"kiosk-keypad\""));
    assert!(!page.contains("id=\"kiosk-closed\""), "open at 09:00");
    // 12:30 (lunch) and 19:00 are outside the hours.
    for hours in [3, 7] {
        app.clock.advance(chrono::Duration::hours(hours));
        let (_, page) = app.get_text("/kiosk").await;
        assert!(
            page.contains("id=\"kiosk-closed\""),
            "closed after +{hours} h"
        );
    }
    // Other pages keep their navigation.
    let (_, home) = app.get_text("/matters").await;
    assert!(home.contains("<nav"));
}

/// The hall display shows the date, weekday and time (from the server's clock, kept current by
/// the page's script).
#[tokio::test]
async fn the_hall_display_shows_the_time() {
    let app = TestApp::sqlite().await;
    let (s, page) = app.get_text("/display").await;
    assert_eq!(s, 200);
    assert!(
        page.contains("<span id=\"clock\" data-clock>2026年11月2日 星期一 09:00</span>"),
        "{page}"
    );
    app.clock.advance(chrono::Duration::minutes(95));
    let (_, page) = app.get_text("/display").await;
    assert!(page.contains("星期一 10:35</span>"));
}
