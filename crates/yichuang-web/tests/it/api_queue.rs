//! The hall queue over HTTP: tickets, fair calling, recall / no-show / reactivation with a fake
//! clock, transfer keeping the wait, and live events.

use chrono::Duration;
use reqwest::Method;
use serde_json::{Value, json};
use yichuang_testkit::TestApp;

async fn take(app: &TestApp, token: &str, group: &str, priority: &str) -> Value {
    let body = json!({"group": group, "priority": priority});
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/tickets", Some(token), &body)
        .await;
    assert_eq!(s, 201, "{v}");
    v
}

async fn call(app: &TestApp, token: &str, window: &str) -> Option<Value> {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/windows/{window}/call")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    match r.status().as_u16() {
        204 => None,
        200 => Some(r.json::<Value>().await.unwrap()["ticket"].clone()),
        s => panic!("call answered {s}"),
    }
}

async fn act(app: &TestApp, token: &str, id: &Value, body: Value) -> (u16, Value) {
    app.send_json(
        Method::POST,
        &format!("/api/v1/tickets/{id}/actions"),
        Some(token),
        &body,
    )
    .await
}

#[tokio::test]
async fn tickets_are_numbered_and_called_by_the_priority_ratio() {
    let app = TestApp::sqlite().await;
    let clerk = app.token("clerk1").await;
    let a = take(&app, &clerk, "comprehensive", "normal").await;
    assert_eq!(
        (
            a["number"].as_str(),
            a["status"].as_str(),
            a["waiting_ahead"].as_u64()
        ),
        (Some("A001"), Some("waiting"), Some(0))
    );
    for _ in 0..4 {
        take(&app, &clerk, "comprehensive", "normal").await;
    }
    take(&app, &clerk, "comprehensive", "priority").await;
    take(&app, &clerk, "comprehensive", "priority").await;
    let (_, status) = app.get_json("/api/v1/queue/status").await;
    let comprehensive = status["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["code"] == "comprehensive")
        .unwrap()
        .clone();
    assert_eq!(comprehensive["waiting"], 7);
    let mut order = Vec::new();
    while let Some(t) = call(&app, &clerk, "W01").await {
        order.push(t["number"].as_str().unwrap().to_owned());
        let (s, _) = act(&app, &clerk, &t["id"], json!({"action": "start"})).await;
        assert_eq!(s, 200);
        let (s, _) = act(&app, &clerk, &t["id"], json!({"action": "finish"})).await;
        assert_eq!(s, 200);
    }
    assert_eq!(
        order,
        ["VA006", "A001", "A002", "A003", "VA007", "A004", "A005"],
        "1 priority : 3 normal"
    );
    let other = app.token("clerk2").await;
    let r = app
        .client
        .post(app.url("/api/v1/windows/W01/call"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a clerk calls only at their own window");
}

#[tokio::test]
async fn recall_no_show_and_reactivation_follow_their_limits() {
    let app = TestApp::sqlite().await;
    let clerk = app.token("clerk1").await;
    take(&app, &clerk, "comprehensive", "normal").await;
    take(&app, &clerk, "comprehensive", "normal").await;
    let t = call(&app, &clerk, "W01").await.unwrap();
    for n in 1..=3 {
        let (s, v) = act(&app, &clerk, &t["id"], json!({"action": "recall"})).await;
        assert_eq!((s, v["recalls"].as_u64()), (200, Some(n)));
    }
    let (s, v) = act(&app, &clerk, &t["id"], json!({"action": "recall"})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("invalid_transition"))
    );
    let (s, v) = act(&app, &clerk, &t["id"], json!({"action": "no_show"})).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("no_show")));
    app.clock.advance(Duration::minutes(20));
    let (s, v) = act(&app, &clerk, &t["id"], json!({"action": "reactivate"})).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("waiting")));
    // Back of the queue: A002 (issued earlier, never called) goes first.
    let next = call(&app, &clerk, "W01").await.unwrap();
    assert_eq!(next["number"], "A002");
    let clerk2 = app.token("clerk2").await;
    let t2 = call(&app, &clerk2, "W02").await.unwrap();
    assert_eq!(
        t2["number"], "A001",
        "the reactivated ticket is called again"
    );
    let (_, _) = act(&app, &clerk2, &t2["id"], json!({"action": "no_show"})).await;
    app.clock.advance(Duration::minutes(31));
    let (s, v) = act(&app, &clerk2, &t2["id"], json!({"action": "reactivate"})).await;
    assert_eq!(s, 409, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("30 分钟"));
}

#[tokio::test]
async fn a_transfer_keeps_the_original_waiting_time() {
    let app = TestApp::sqlite().await;
    let clerk = app.token("clerk1").await;
    let first = take(&app, &clerk, "comprehensive", "normal").await;
    app.clock.advance(Duration::minutes(5));
    let tax = app.token("clerk-tax").await;
    take(&app, &tax, "tax", "normal").await;
    let t = call(&app, &clerk, "W01").await.unwrap();
    assert_eq!(t["id"], first["id"]);
    let (s, v) = act(
        &app,
        &clerk,
        &t["id"],
        json!({"action": "transfer", "to_group": "tax"}),
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str(), v["group"].as_str()),
        (200, Some("waiting"), Some("tax"))
    );
    let next = call(&app, &tax, "W25").await.unwrap();
    assert_eq!(
        next["id"], first["id"],
        "issued before the tax ticket, so it goes first"
    );
    let (s, _) = act(&app, &clerk, &next["id"], json!({"action": "start"})).await;
    assert_eq!(s, 409, "only the window that called it acts on it");
}

#[tokio::test]
async fn bad_ticket_requests_are_refused() {
    let app = TestApp::sqlite().await;
    let clerk = app.token("clerk1").await;
    let (s, v) = app
        .send_json(
            Method::POST,
            "/api/v1/tickets",
            Some(&clerk),
            &json!({"group": "nope"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("invalid_input"))
    );
    let body = json!({"group": "comprehensive", "id_number": "110105194912310021"});
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/tickets", Some(&clerk), &body)
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("invalid_id_number"))
    );
    let body = json!({"group": "comprehensive", "id_number": "11010519491231002X"});
    assert_eq!(
        app.send_json(Method::POST, "/api/v1/tickets", Some(&clerk), &body)
            .await
            .0,
        201
    );
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/tickets", Some(&clerk), &body)
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("conflict")),
        "one waiting ticket per person and category"
    );
    assert_eq!(
        app.send_json(Method::POST, "/api/v1/tickets", None, &body)
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn a_call_reaches_a_connected_display_as_a_server_sent_event() {
    let app = TestApp::sqlite().await;
    let clerk = app.token("clerk3").await;
    let mut stream = app
        .client
        .get(app.url("/api/v1/queue/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    take(&app, &clerk, "comprehensive", "normal").await;
    call(&app, &clerk, "W03").await.unwrap();
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !seen.contains("event: called") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("event within 5 s")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("\"number\":\"A001\""), "{seen}");
    assert!(seen.contains("综合窗口3号"), "{seen}");
}

#[tokio::test]
async fn a_finished_ticket_is_rated_once_by_meaning() {
    let app = TestApp::sqlite().await;
    let clerk = app.token("clerk1").await;
    take(&app, &clerk, "comprehensive", "normal").await;
    let t = call(&app, &clerk, "W01").await.unwrap();
    let body = json!({"ticket_id": t["id"], "level": "satisfied", "channel": "pad"});
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/evaluations", Some(&clerk), &body)
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("invalid_transition")),
        "not finished yet"
    );
    act(&app, &clerk, &t["id"], json!({"action": "start"})).await;
    act(&app, &clerk, &t["id"], json!({"action": "finish"})).await;
    let bad = json!({"ticket_id": t["id"], "level": "5", "channel": "pad"});
    assert_eq!(
        app.send_json(Method::POST, "/api/v1/evaluations", Some(&clerk), &bad)
            .await
            .0,
        400,
        "levels are words, not numbers"
    );
    let body = json!({"ticket_id": t["id"], "level": "very_dissatisfied", "channel": "pad",
        "indicators": {"attitude": "dissatisfied", "efficiency": "very_dissatisfied"}, "comment": "等太久"});
    let (s, _) = app
        .send_json(Method::POST, "/api/v1/evaluations", Some(&clerk), &body)
        .await;
    assert_eq!(s, 201);
    let (s, _) = app
        .send_json(Method::POST, "/api/v1/evaluations", Some(&clerk), &body)
        .await;
    assert_eq!(s, 409, "one rating per ticket");
    let center = app.core.default_center().await.unwrap();
    let e = &app.core.store().evaluations(center.id, 5).await.unwrap()[0];
    assert_eq!(e.level, "very_dissatisfied");
    assert_eq!(e.indicators["attitude"], "dissatisfied");
    assert_eq!(e.clerk.as_deref(), Some("clerk1"));
}

#[tokio::test]
async fn a_case_opened_for_a_called_ticket_is_linked_to_it() {
    let app = TestApp::sqlite().await;
    let clerk = app.token("clerk1").await;
    take(&app, &clerk, "comprehensive", "normal").await;
    let t = call(&app, &clerk, "W01").await.unwrap();
    act(&app, &clerk, &t["id"], json!({"action": "start"})).await;
    let materials: Vec<Value> = (0..6)
        .map(|i| json!({"index": i, "mode": "original"}))
        .collect();
    let body = json!({"matter_code": crate::FIRST_MATTER, "applicant": crate::api_cases::person(), "materials": materials, "decision": "accept"});
    let (s, c) = app
        .send_json(Method::POST, "/api/v1/cases", Some(&clerk), &body)
        .await;
    assert_eq!(s, 201);
    let id = t["id"].as_i64().unwrap();
    let stored = app.core.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(stored.case_no.as_deref(), c["case_no"].as_str());
}

/// A valid ID number that differs by its sequence digits.
fn person_id(n: u32) -> String {
    let first = format!("34180219800101{n:03}");
    format!(
        "{first}{}",
        yichuang_domain::ids::id_check_char(&first).unwrap()
    )
}

#[tokio::test]
async fn appointments_follow_the_calendar_capacity_and_go_ahead_from_their_slot() {
    let app = TestApp::sqlite().await;
    let (s, v) = app
        .get_json("/api/v1/appointments/slots?group=comprehensive&date=2026-11-02")
        .await;
    assert_eq!(s, 200);
    let slots = v["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 13, "9:00–12:00 and 13:30–17:00 in half hours");
    assert_eq!(
        (slots[0]["start"].as_str(), slots[0]["capacity"].as_u64()),
        (Some("09:00"), Some(12))
    );
    let (_, saturday) = app
        .get_json("/api/v1/appointments/slots?group=comprehensive&date=2026-11-07")
        .await;
    assert!(saturday["slots"].as_array().unwrap().is_empty());
    assert_eq!(
        app.get_json("/api/v1/appointments/slots?group=comprehensive&date=11/02")
            .await
            .0,
        400
    );

    let book = |id: String, group: &str, start: &str| json!({"group": group, "date": "2026-11-02", "start": start, "id_number": id, "name": "王五", "phone": "13800000000"});
    let (s, a) = app
        .send_json(
            Method::POST,
            "/api/v1/appointments",
            None,
            &book(person_id(1), "comprehensive", "10:00"),
        )
        .await;
    assert_eq!((s, a["status"].as_str()), (201, Some("booked")), "{a}");
    let (s, _) = app
        .send_json(
            Method::POST,
            "/api/v1/appointments",
            None,
            &book(person_id(1), "comprehensive", "10:30"),
        )
        .await;
    assert_eq!(s, 409, "one booking per person, category and day");
    let (s, _) = app
        .send_json(
            Method::POST,
            "/api/v1/appointments",
            None,
            &book(person_id(2), "comprehensive", "08:30"),
        )
        .await;
    assert_eq!(s, 400, "no such slot");
    for n in 3..5 {
        let (s, _) = app
            .send_json(
                Method::POST,
                "/api/v1/appointments",
                None,
                &book(person_id(n), "transport", "14:00"),
            )
            .await;
        assert_eq!(s, 201);
    }
    let (s, v) = app
        .send_json(
            Method::POST,
            "/api/v1/appointments",
            None,
            &book(person_id(5), "transport", "14:00"),
        )
        .await;
    assert_eq!(s, 409, "two transport windows, two places: {v}");

    let clerk = app.token("clerk1").await;
    take(&app, &clerk, "comprehensive", "normal").await;
    let (s, y) = app
        .send_json(
            Method::POST,
            "/api/v1/tickets",
            Some(&clerk),
            &json!({"group": "comprehensive", "appointment_id": a["id"]}),
        )
        .await;
    assert_eq!(
        (s, y["number"].as_str(), y["kind"].as_str()),
        (201, Some("YA002"), Some("appointment")),
        "{y}"
    );
    take(&app, &clerk, "comprehensive", "normal").await;
    let first = call(&app, &clerk, "W01").await.unwrap();
    assert_eq!(
        first["number"], "A001",
        "before 10:00 the appointment is not callable yet"
    );
    app.clock.advance(Duration::hours(1));
    let clerk = app.token("clerk1").await;
    let second = call(&app, &clerk, "W01").await.unwrap();
    assert_eq!(
        second["number"], "YA002",
        "from its slot start it goes ahead of walk-ins"
    );

    let (s, b) = app
        .send_json(
            Method::POST,
            "/api/v1/appointments",
            None,
            &book(person_id(6), "comprehensive", "15:00"),
        )
        .await;
    assert_eq!(s, 201);
    let wrong = app
        .client
        .delete(app.url(&format!(
            "/api/v1/appointments/{}?id_number={}",
            b["id"],
            person_id(7)
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
    let ok = app
        .client
        .delete(app.url(&format!(
            "/api/v1/appointments/{}?id_number={}",
            b["id"],
            person_id(6)
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 204);
    let again = app
        .client
        .delete(app.url(&format!(
            "/api/v1/appointments/{}?id_number={}",
            b["id"],
            person_id(6)
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
}

#[tokio::test]
async fn a_call_out_of_turn_needs_a_reason_and_measures_follow_the_clock() {
    let app = TestApp::sqlite().await;
    let clerk = app.token("clerk1").await;
    take(&app, &clerk, "comprehensive", "normal").await;
    let second = take(&app, &clerk, "comprehensive", "normal").await;
    let url = app.url("/api/v1/windows/W01/call");
    let r = app
        .client
        .post(&url)
        .bearer_auth(&clerk)
        .json(&json!({"ticket_id": second["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a reason is required");
    app.clock.advance(Duration::minutes(12));
    let r = app
        .client
        .post(&url)
        .bearer_auth(&clerk)
        .json(&json!({"ticket_id": second["id"], "reason": "预约办理人员行动不便"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["ticket"]["number"], "A002");
    let events = app
        .core
        .store()
        .events_for("ticket", &second["id"].to_string())
        .await
        .unwrap();
    let called = events.iter().find(|e| e.kind == "ticket_called").unwrap();
    assert_eq!(called.payload["out_of_order"], true);
    assert_eq!(called.payload["reason"], "预约办理人员行动不便");
    app.clock.advance(Duration::minutes(2));
    act(&app, &clerk, &v["ticket"]["id"], json!({"action": "start"})).await;
    app.clock.advance(Duration::minutes(6));
    act(
        &app,
        &clerk,
        &v["ticket"]["id"],
        json!({"action": "finish"}),
    )
    .await;
    let (s, m) = app.get_json_as(&clerk, "/api/v1/queue/measures").await;
    assert_eq!(s, 200);
    let t = &m["tickets"][0];
    assert_eq!(
        (
            t["number"].as_str(),
            t["wait_minutes"].as_f64(),
            t["walk_minutes"].as_f64(),
            t["service_minutes"].as_f64()
        ),
        (Some("A002"), Some(12.0), Some(2.0), Some(6.0))
    );
    let w = &m["windows"][0];
    assert_eq!(
        (
            w["who"].as_str(),
            w["served"].as_u64(),
            w["no_shows"].as_u64()
        ),
        (Some("W01"), Some(1), Some(0))
    );
    let c = &m["clerks"][0];
    assert_eq!(
        (c["who"].as_str(), c["served"].as_u64()),
        (Some("clerk1"), Some(1))
    );
    let approver = app.token("rsj-approver").await;
    assert_eq!(
        app.get_json_as(&approver, "/api/v1/queue/measures").await.0,
        403
    );
}

#[tokio::test]
async fn a_registered_kiosk_issues_tickets_and_nothing_else() {
    let app = TestApp::sqlite().await;
    let admin = app.token("admin").await;
    let body = json!({"code": "hall-1", "name": "一楼大厅1号机"});
    let clerk = app.token("clerk1").await;
    assert_eq!(
        app.send_json(Method::POST, "/api/v1/kiosks", Some(&clerk), &body)
            .await
            .0,
        403
    );
    let (s, k) = app
        .send_json(Method::POST, "/api/v1/kiosks", Some(&admin), &body)
        .await;
    assert_eq!(
        (s, k["username"].as_str()),
        (201, Some("kiosk-hall-1")),
        "{k}"
    );
    assert_eq!(
        app.send_json(Method::POST, "/api/v1/kiosks", Some(&admin), &body)
            .await
            .0,
        409
    );
    let kiosk = k["token"].as_str().unwrap();
    let t = take(&app, kiosk, "tax", "priority").await;
    assert_eq!(t["number"], "VD001");
    assert_eq!(
        app.get_json_as(kiosk, "/api/v1/cases").await.0,
        403,
        "a kiosk sees no cases"
    );
    let r = app
        .client
        .post(app.url("/api/v1/windows/W25/call"))
        .bearer_auth(kiosk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a kiosk calls nobody");
    app.clock.advance(Duration::days(200));
    assert_eq!(
        app.send_json(
            Method::POST,
            "/api/v1/tickets",
            Some(kiosk),
            &json!({"group": "tax"})
        )
        .await
        .0,
        201,
        "a kiosk token lasts a year"
    );
}

/// 办结 works straight from 已叫号 (it used to need 开始办理 first and answered 409); the
/// service is then counted from the call. A ticket not yet called cannot be finished.
#[tokio::test]
async fn a_called_ticket_is_finished_without_starting_it() {
    let app = TestApp::sqlite().await;
    let clerk = app.token("clerk1").await;
    let waiting = take(&app, &clerk, "comprehensive", "normal").await;
    let (s, _) = act(&app, &clerk, &waiting["id"], json!({"action": "finish"})).await;
    assert_eq!(s, 409, "a waiting ticket is not finished");
    let t = call(&app, &clerk, "W01").await.unwrap();
    assert_eq!(t["status"], "called");
    let (s, v) = act(&app, &clerk, &t["id"], json!({"action": "finish"})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "finished", "{v}");
    let (s, _) = act(&app, &clerk, &t["id"], json!({"action": "finish"})).await;
    assert_eq!(s, 409, "finished once");
    let id = t["id"].as_i64().unwrap();
    let stored = app.core.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(stored.started_at, stored.called_at, "served from the call");
    assert!(stored.finished_at.is_some());
}

/// A holder aged 65 or more (from the ID number) gets a 绿色通道 ticket without asking; a day
/// younger does not.
#[tokio::test]
async fn older_holders_go_to_the_green_channel_by_themselves() {
    let app = TestApp::sqlite().await;
    let clerk = app.token("clerk1").await;
    // Today is 2026-11-02: the first turns 65 today, the second tomorrow.
    for (id, kind) in [
        ("341802196111020032", "priority"),
        ("341802196111030038", "normal"),
    ] {
        let body = json!({"group": "comprehensive", "priority": "normal", "id_number": id});
        let (s, v) = app
            .send_json(Method::POST, "/api/v1/tickets", Some(&clerk), &body)
            .await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["kind"], kind, "{id}: {v}");
    }
}

/// Once the last ticket served at a window is rated, the pad waits for the next one: it never
/// falls back to an older unrated ticket of someone who already left (it did).
#[tokio::test]
async fn the_pad_never_offers_an_older_ticket_after_a_rating() {
    let app = TestApp::sqlite().await;
    let clerk = app.token("clerk1").await;
    let mut served = Vec::new();
    for _ in 0..2 {
        take(&app, &clerk, "comprehensive", "normal").await;
        let t = call(&app, &clerk, "W01").await.unwrap();
        act(&app, &clerk, &t["id"], json!({"action": "finish"})).await;
        app.clock.advance(Duration::minutes(1));
        served.push(t);
    }
    let (_, pad) = app.get_text("/pad/W01").await;
    assert!(pad.contains(&format!(
        "id=\"pad-ticket\">{}<",
        served[1]["number"].as_str().unwrap()
    )));
    let body = json!({"ticket_id": served[1]["id"], "level": "satisfied", "channel": "pad"});
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/evaluations", Some(&clerk), &body)
        .await;
    assert_eq!(s, 201, "{v}");
    let (_, pad) = app.get_text("/pad/W01").await;
    assert!(pad.contains("id=\"pad-idle\""), "{pad}");
    assert!(
        !pad.contains(served[0]["number"].as_str().unwrap()),
        "{pad}"
    );
    // Sub-ratings are large choices, not drop-down lists.
    take(&app, &clerk, "comprehensive", "normal").await;
    let t = call(&app, &clerk, "W01").await.unwrap();
    act(&app, &clerk, &t["id"], json!({"action": "finish"})).await;
    let (_, pad) = app.get_text("/pad/W01").await;
    assert!(pad.contains("class=\"choice\""));
    assert!(!pad.contains("<select"));
}
