//! Hardening of every response: security headers, no inline script (so the CSP can forbid it),
//! and the JSON API refusing a session cookie sent by another site.

use reqwest::Method;
use serde_json::json;
use yichuang_testkit::TestApp;

use crate::pages::form_login;

const PAGES: &[&str] = &[
    "/",
    "/matters",
    "/login",
    "/register",
    "/progress",
    "/kiosk",
    "/display",
    "/no-such-page",
    "/api/v1/matters",
    "/api/v1/no-such-api",
];

#[tokio::test]
async fn every_response_carries_the_hardening_headers() {
    let app = TestApp::sqlite().await;
    for path in PAGES {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"))
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(
            !csp.split(';')
                .any(|d| d.contains("script-src") && d.contains("unsafe-inline"))
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
    }
    let (s, js) = app.get_text("/static/app.js").await;
    assert_eq!(s, 200);
    assert!(js.contains("data-print"));
}

/// Inline `<script>` blocks and `on…=` attributes would be blocked by the CSP, so no page
/// may carry them (the staff pages included).
#[tokio::test]
async fn no_page_carries_inline_script() {
    let app = TestApp::sqlite().await;
    form_login(&app, "clerk1").await;
    let mut pages: Vec<String> = PAGES.iter().map(|p| (*p).to_owned()).collect();
    pages.extend(["/desk", "/desk/new", "/office", "/display/window/W01"].map(str::to_owned));
    pages.push(format!("/matters/{}", crate::FIRST_MATTER));
    for path in &pages {
        let (_, html) = app.get_text(path).await;
        for (i, _) in html.match_indices("<script") {
            let tag = &html[i..html[i..].find('>').map_or(html.len(), |e| i + e)];
            assert!(tag.contains("src="), "{path}: inline script {tag}");
        }
        for attr in [
            " onclick=",
            " onchange=",
            " onsubmit=",
            " onload=",
            " oninput=",
        ] {
            assert!(!html.contains(attr), "{path}: inline handler {attr}");
        }
    }
}

#[tokio::test]
async fn the_api_refuses_a_cross_site_session_cookie() {
    let app = TestApp::sqlite().await;
    form_login(&app, "admin").await;
    let path = "/api/v1/calendar/days/2026-12-12";
    let body = json!({"kind": "workday", "note": "调休"});
    // The browser sent the cookie on a request another site made: no Origin of ours, no token.
    let r = app
        .client
        .request(Method::PUT, app.url(path))
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "csrf_failed", "{v}");
    let r = app
        .client
        .request(Method::PUT, app.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "no Origin and no token is refused too");
    // Our own page's script (same origin) is let through to the handler.
    let host = app.base.trim_start_matches("http://").to_owned();
    let r = app
        .client
        .request(Method::PUT, app.url(path))
        .header("origin", format!("http://{host}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    assert_ne!(v["error"]["code"], "csrf_failed", "{status} {v}");
    // Reading with the cookie stays possible, and a bearer token needs no origin.
    let (s, _) = app.get_json("/api/v1/me").await;
    assert_eq!(s, 200);
    let token = app.token("admin").await;
    let (s, v) = app.send_json(Method::PUT, path, Some(&token), &body).await;
    assert_ne!(v["error"]["code"], "csrf_failed", "{s} {v}");
}
