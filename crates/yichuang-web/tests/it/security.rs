//! Anti-automation and hardening, tried as an attacker would: SMS bombing, password guessing,
//! locking `admin` out, walking case numbers, reading `/metrics` from outside. Each of these
//! passed before the limits existed; each must now fail.

use chrono::Duration;
use reqwest::Method;
use serde_json::{Value, json};
use yichuang_core::guard::LimitSettings;
use yichuang_testkit::TestApp;

/// Sends `body` to `path` as if from `ip` (the test server trusts loopback as its proxy).
async fn post_from(
    app: &TestApp,
    ip: &str,
    path: &str,
    body: &Value,
) -> (u16, Value, Option<String>) {
    let r = app
        .client
        .request(Method::POST, app.url(path))
        .header("x-forwarded-for", ip)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, r.json().await.unwrap_or(Value::Null), retry)
}

async fn get_from(app: &TestApp, ip: &str, path: &str) -> (u16, Option<String>) {
    let r = app
        .client
        .get(app.url(path))
        .header("x-forwarded-for", ip)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, retry)
}

fn assert_limited(status: u16, v: &Value, retry: Option<&str>) {
    assert_eq!(status, 429, "{v}");
    assert_eq!(v["error"]["code"], "rate_limited", "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("过于频繁") && message.contains("后再试"),
        "{message}"
    );
    let secs: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!(secs >= 1, "Retry-After {secs}");
}

#[tokio::test]
async fn verification_codes_are_limited_per_phone_and_per_address() {
    let app = TestApp::sqlite_with_limits(LimitSettings::default()).await;
    let path = "/api/v1/applicants/verification";
    let phone = json!({"phone": "13912340001"});
    let (s, v, _) = post_from(&app, "203.0.113.5", path, &phone).await;
    assert_eq!(s, 202, "{v}");
    // The same phone again within the minute, even from another address: refused.
    let (s, v, retry) = post_from(&app, "203.0.113.6", path, &phone).await;
    assert_limited(s, &v, retry.as_deref());
    assert!(v["error"]["message"].as_str().unwrap().contains("该手机号"));
    app.clock.advance(Duration::seconds(61));
    let (s, _, _) = post_from(&app, "203.0.113.6", path, &phone).await;
    assert_eq!(s, 202, "a minute later the phone may ask again");

    // One address asking codes for many phones (an SMS bomb): 20 an hour, then refused,
    // while another address is unaffected.
    let mut last = (0, Value::Null, None);
    for i in 0..21 {
        last = post_from(
            &app,
            "198.51.100.9",
            path,
            &json!({"phone": format!("1371234{i:04}")}),
        )
        .await;
        if i < 20 {
            assert_eq!(last.0, 202, "code {i}: {}", last.1);
        }
    }
    assert_limited(last.0, &last.1, last.2.as_deref());
    let (s, _, _) = post_from(
        &app,
        "198.51.100.10",
        path,
        &json!({"phone": "13712349999"}),
    )
    .await;
    assert_eq!(s, 202);
}

#[tokio::test]
async fn password_guessing_is_limited_per_address_and_cannot_lock_admin_out() {
    let app = TestApp::sqlite_with_limits(LimitSettings::default()).await;
    let path = "/api/v1/auth/token";
    let wrong = json!({"username": "admin", "password": "guess"});
    // The attacker's address: five failures lock admin *for this address*.
    for _ in 0..4 {
        let (s, _, _) = post_from(&app, "203.0.113.66", path, &wrong).await;
        assert_eq!(s, 401);
    }
    let (s, v, _) = post_from(&app, "203.0.113.66", path, &wrong).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (423, Some("account_locked"))
    );
    let right = json!({"username": "admin", "password": "demo"});
    let (s, _, _) = post_from(&app, "203.0.113.66", path, &right).await;
    assert_eq!(
        s, 423,
        "the attacker's address stays locked even with the right password"
    );
    // The administrator, elsewhere, logs in as usual.
    let (s, v, _) = post_from(&app, "192.0.2.10", path, &right).await;
    assert_eq!(s, 200, "{v}");
    // The lock is on the record, without the raw address being the only trace.
    let center = app.core.default_center().await.unwrap();
    let events = app.core.store().recent_events(center.id, 50).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "login_locked" && e.payload["ip"] == "203.0.113.66")
    );
    // More than ten attempts a minute from one address: 429, whatever the username.
    let mut last = (0, Value::Null, None);
    for i in 0..11 {
        last = post_from(
            &app,
            "203.0.113.77",
            path,
            &json!({"username": format!("u{i}"), "password": "x"}),
        )
        .await;
        if i < 10 {
            assert_eq!(last.0, 401, "attempt {i}");
        }
    }
    assert_limited(last.0, &last.1, last.2.as_deref());
    app.clock.advance(Duration::minutes(1));
    let (s, _, _) = post_from(&app, "203.0.113.77", path, &right).await;
    assert_eq!(s, 200, "a minute later the address may try again");
}

#[tokio::test]
async fn a_phone_username_is_masked_in_the_lock_record() {
    let app = TestApp::sqlite().await;
    let wrong = json!({"username": "13800001111", "password": "guess"});
    for _ in 0..5 {
        app.send_json(Method::POST, "/api/v1/auth/token", None, &wrong)
            .await;
    }
    let events = app
        .core
        .store()
        .recent_events(app.core.default_center().await.unwrap().id, 50)
        .await
        .unwrap();
    let dump = serde_json::to_string(
        &events
            .iter()
            .map(|e| (&e.actor, &e.subject_id, &e.payload))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(!dump.contains("13800001111"), "{dump}");
}

#[tokio::test]
async fn progress_guesses_are_limited_per_address() {
    let app = TestApp::sqlite_with_limits(LimitSettings::default()).await;
    for i in 0..20 {
        let (s, _) = get_from(
            &app,
            "203.0.113.88",
            &format!("/api/v1/public/progress?case_no=YC2026{i:08}&name=张三"),
        )
        .await;
        assert_eq!(s, 404, "guess {i}");
    }
    let (s, retry) = get_from(
        &app,
        "203.0.113.88",
        "/api/v1/public/progress?case_no=X&name=张三",
    )
    .await;
    assert_eq!((s, retry.is_some()), (429, true));
    // The page is limited by the same count.
    let (s, _) = get_from(&app, "203.0.113.88", "/progress?case_no=X&name=张三").await;
    assert_eq!(s, 429);
    let (s, _) = get_from(&app, "203.0.113.89", "/progress?case_no=X&name=张三").await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn metrics_answer_only_loopback_without_a_token() {
    let app = TestApp::sqlite().await;
    let (s, _) = get_from(&app, "203.0.113.9", "/metrics").await;
    assert_eq!(s, 403);
    let (s, body) = app.get_text("/metrics").await;
    assert_eq!(s, 200, "{body}");
}

#[tokio::test]
async fn postgres_lockout_binds_username_and_address() {
    let Some(app) =
        TestApp::postgres_with_limits("postgres lockout", LimitSettings::default()).await
    else {
        return;
    };
    let path = "/api/v1/auth/token";
    let wrong = json!({"username": "clerk1", "password": "guess"});
    for _ in 0..4 {
        let (s, _, _) = post_from(&app, "203.0.113.66", path, &wrong).await;
        assert_eq!(s, 401);
    }
    let (s, _, _) = post_from(&app, "203.0.113.66", path, &wrong).await;
    assert_eq!(s, 423);
    let right = json!({"username": "clerk1", "password": "demo"});
    let (s, _, _) = post_from(&app, "192.0.2.10", path, &right).await;
    assert_eq!(s, 200);
    let center = app.core.default_center().await.unwrap();
    let events = app.core.store().recent_events(center.id, 50).await.unwrap();
    assert!(events.iter().any(|e| e.kind == "login_locked"));
    let phone = json!({"phone": "13912340002"});
    let v_path = "/api/v1/applicants/verification";
    let (s, _, _) = post_from(&app, "203.0.113.5", v_path, &phone).await;
    assert_eq!(s, 202);
    let (s, v, retry) = post_from(&app, "203.0.113.5", v_path, &phone).await;
    assert_limited(s, &v, retry.as_deref());
}

#[tokio::test]
async fn a_browser_session_left_idle_ends_but_one_in_use_lives_on() {
    let app = TestApp::sqlite().await;
    crate::pages::form_login(&app, "admin").await;
    let token = app.token("supervisor").await;
    // Used every 29 minutes, the session outlives the 30-minute idle timeout several times over.
    for _ in 0..3 {
        app.clock.advance(Duration::minutes(29));
        let (status, _) = app.get_text("/admin/calendar").await;
        assert_eq!(status, 200);
    }
    // Left alone for 30 minutes, it is gone: the next request goes to the login page.
    app.clock.advance(Duration::minutes(30));
    let r = app
        .client
        .get(app.url("/admin/calendar"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    // Stepping the clock back does not revive it: the row was deleted.
    app.clock.advance(Duration::minutes(-20));
    let (status, _) = app.get_text("/admin/calendar").await;
    assert_ne!(status, 200);
    // API tokens (kiosks, integrations) have only their absolute lifetime.
    assert_eq!(app.get_json_as(&token, "/api/v1/me").await.0, 200);
}
