//! Bad input is refused with a Chinese message in our error shape and changes nothing: ID
//! numbers that cannot exist, names made of invisible characters, and the errors that come from
//! layers (body limit, multipart parsing) and from CSV parsing rather than from our handlers.

use reqwest::Method;
use serde_json::{Value, json};
use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;
use crate::api_cases::{ID, all_materials};

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

async fn refused_intakes(app: &TestApp) {
    let clerk = app.token("clerk1").await;
    let bad: Vec<(&str, Value)> = vec![
        (
            "birth year 2099",
            json!({"type": "person", "name": "张三", "id_number": "110105209912310029", "phone": "13912345678"}),
        ),
        (
            "region 000000",
            json!({"type": "person", "name": "张三", "id_number": "00000019900101123X", "phone": "13912345678"}),
        ),
        (
            "ideographic spaces only",
            json!({"type": "person", "name": "\u{3000}\u{3000}", "id_number": ID, "phone": "13912345678"}),
        ),
        (
            "zero-width only",
            json!({"type": "person", "name": "\u{200b}\u{200b}", "id_number": ID, "phone": "13912345678"}),
        ),
        (
            "right-to-left override",
            json!({"type": "person", "name": "张三\u{202e}txt.exe", "id_number": ID, "phone": "13912345678"}),
        ),
        (
            "NUL",
            json!({"type": "person", "name": "张\u{0}三", "id_number": ID, "phone": "13912345678"}),
        ),
    ];
    let before = app.event_count().await;
    for (what, applicant) in bad {
        let body = json!({"matter_code": FIRST_MATTER, "applicant": applicant,
            "materials": all_materials(), "decision": "accept"});
        let (s, v) = app
            .send_json(Method::POST, "/api/v1/cases", Some(&clerk), &body)
            .await;
        assert_eq!(s, 422, "{what}: {v}");
        let message = v["error"]["message"].as_str().unwrap_or_default();
        assert!(has_chinese(message), "{what}: {v}");
    }
    assert_eq!(
        app.event_count().await,
        before,
        "a refused intake wrote nothing"
    );
}

#[tokio::test]
async fn impossible_ids_and_invisible_names_are_refused() {
    let app = TestApp::sqlite().await;
    refused_intakes(&app).await;
}

#[tokio::test]
async fn postgres_impossible_ids_and_invisible_names_are_refused() {
    let Some(app) = TestApp::postgres("postgres validation").await else {
        return;
    };
    refused_intakes(&app).await;
}

#[tokio::test]
async fn layer_and_parser_errors_answer_in_chinese_json() {
    let app = TestApp::sqlite().await;
    let citizen = crate::portal::register(&app, "13800000088", "王五", "341802198001011230").await;
    // A body over the upload limit.
    let big = vec![b'x'; 12 * 1024 * 1024];
    let r = app
        .client
        .post(app.url("/api/v1/files"))
        .bearer_auth(&citizen)
        .header("content-type", "multipart/form-data; boundary=X")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let v: Value = r.json().await.expect("413 is JSON");
    assert!(has_chinese(v["error"]["message"].as_str().unwrap()), "{v}");
    // A multipart body whose boundary does not match.
    let r = app
        .client
        .post(app.url("/api/v1/files"))
        .bearer_auth(&citizen)
        .header("content-type", "multipart/form-data")
        .body("--nope\r\n\r\n")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert!((400..500).contains(&status), "{status}");
    let v: Value = r.json().await.expect("multipart errors are JSON");
    assert!(has_chinese(v["error"]["message"].as_str().unwrap()), "{v}");
    // A CSV import row that cannot be read: Chinese, without csv's English.
    let admin = app.token("admin").await;
    let r = app
        .client
        .post(app.url("/api/v1/licenses/import"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(
            "number,type_code,holder_name,holder_id,issued_on,expires_on,issuer,trust_level\nA,b\n",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap();
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("第 2 行") && !message.contains("found record"),
        "{message}"
    );
    assert!(
        !message.chars().any(|c| c.is_ascii_lowercase()),
        "{message}"
    );
}
