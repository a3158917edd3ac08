use chrono::Duration;
use reqwest::Method;
use serde_json::json;
use yichuang_testkit::TestApp;

#[tokio::test]
async fn a_token_carries_the_user_and_its_scope() {
    let app = TestApp::sqlite().await;
    let body = json!({"username": "clerk1", "password": "demo"});
    let (status, v) = app
        .send_json(Method::POST, "/api/v1/auth/token", None, &body)
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["user"]["username"], "clerk1");
    assert_eq!(v["user"]["roles"], json!(["clerk"]));
    assert_eq!(v["user"]["window"], "W01");
    let token = v["token"].as_str().unwrap();
    let (status, me) = app.get_json_as(token, "/api/v1/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], "clerk1");
    let head = app.token("rsj-head").await;
    let (_, me) = app.get_json_as(&head, "/api/v1/me").await;
    assert_eq!(
        (me["roles"][0].as_str(), me["department"].as_str()),
        (Some("dept_head"), Some("rsj"))
    );
}

#[tokio::test]
async fn wrong_or_missing_credentials_get_401() {
    let app = TestApp::sqlite().await;
    let body = json!({"username": "clerk1", "password": "nope"});
    let (status, v) = app
        .send_json(Method::POST, "/api/v1/auth/token", None, &body)
        .await;
    assert_eq!(status, 401);
    assert_eq!(v["error"]["code"], "invalid_credentials");
    assert_eq!(v["error"]["message"], "用户名或密码错误");
    let body = json!({"username": "nobody", "password": "demo"});
    let (status, v) = app
        .send_json(Method::POST, "/api/v1/auth/token", None, &body)
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (401, Some("invalid_credentials"))
    );
    let (status, v) = app.get_json("/api/v1/me").await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    let (status, _) = app.get_json_as("not-a-token", "/api/v1/me").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn malformed_bodies_get_400_in_chinese() {
    let app = TestApp::sqlite().await;
    let r = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["message"], "请求体不是合法的 JSON");
    let (status, v) = app
        .send_json(
            Method::POST,
            "/api/v1/auth/token",
            None,
            &json!({"username": "x"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(v["error"]["message"], "缺少字段 password");
}

#[tokio::test]
async fn repeated_failures_lock_the_account_until_the_lock_expires() {
    let app = TestApp::sqlite().await;
    let wrong = json!({"username": "clerk2", "password": "bad"});
    for _ in 0..4 {
        let (status, _) = app
            .send_json(Method::POST, "/api/v1/auth/token", None, &wrong)
            .await;
        assert_eq!(status, 401);
    }
    let (status, v) = app
        .send_json(Method::POST, "/api/v1/auth/token", None, &wrong)
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (423, Some("account_locked"))
    );
    let right = json!({"username": "clerk2", "password": "demo"});
    let (status, v) = app
        .send_json(Method::POST, "/api/v1/auth/token", None, &right)
        .await;
    assert_eq!(status, 423, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("临时锁定"));
    app.clock.advance(Duration::minutes(16));
    let (status, _) = app
        .send_json(Method::POST, "/api/v1/auth/token", None, &right)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn tokens_expire_and_can_be_revoked() {
    let app = TestApp::sqlite().await;
    let token = app.token("supervisor").await;
    let r = app
        .client
        .delete(app.url("/api/v1/auth/token"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.get_json_as(&token, "/api/v1/me").await.0, 401);
    let token = app.token("supervisor").await;
    app.clock.advance(Duration::days(31));
    assert_eq!(app.get_json_as(&token, "/api/v1/me").await.0, 401);
}

#[tokio::test]
async fn a_role_that_does_not_allow_the_call_gets_403() {
    let app = TestApp::sqlite().await;
    let body = json!({"kind": "holiday", "note": "测试"});
    for user in ["clerk1", "rsj-approver", "supervisor", "issuer"] {
        let token = app.token(user).await;
        let (status, v) = app
            .send_json(
                Method::PUT,
                "/api/v1/calendar/days/2026-12-02",
                Some(&token),
                &body,
            )
            .await;
        assert_eq!(status, 403, "{user}");
        assert_eq!(v["error"]["code"], "forbidden");
    }
    let (status, _) = app
        .send_json(Method::PUT, "/api/v1/calendar/days/2026-12-02", None, &body)
        .await;
    assert_eq!(status, 401);
}
