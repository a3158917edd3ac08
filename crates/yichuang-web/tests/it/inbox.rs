//! The back office's desk (`/office`) over more cases than one page: the most urgent 100 first,
//! the counts of every clocked case in scope, a link to show more, and bad sizes refused.

use chrono::Duration;
use yichuang_domain::clock::Clock;
use yichuang_testkit::TestApp;

/// Case numbers listed on a desk page, in order.
fn listed(page: &str) -> Vec<String> {
    page.split("<td><a href=\"/cases/")
        .skip(1)
        .filter_map(|s| s.split('"').next().map(str::to_owned))
        .collect()
}

/// The oracle's sort key of a case: the light (legal overdue, level) most urgent first, then
/// the promised due date.
type Key = (
    Option<std::cmp::Reverse<(bool, yichuang_domain::case::LightLevel)>>,
    Option<chrono::NaiveDate>,
);

#[tokio::test]
async fn the_desk_shows_the_most_urgent_cases_first_and_counts_them_all() {
    desk_over_many_cases(&TestApp::sqlite().await).await;
}

#[tokio::test]
async fn postgres_the_desk_shows_the_most_urgent_cases_first_and_counts_them_all() {
    let Some(app) = TestApp::postgres("postgres desk").await else {
        return;
    };
    desk_over_many_cases(&app).await;
}

async fn desk_over_many_cases(app: &TestApp) {
    let day = yichuang_domain::clock::shanghai_date(app.clock.now());
    let n = app
        .core
        .bulk_open_cases(&app.clock, 700, day, 20, 3, &|_| {})
        .await
        .unwrap();
    assert_eq!(n, 700);
    // A week on, the oldest cases are red and some yellow.
    app.clock.advance(Duration::days(7));
    let supervisor = app.token("supervisor").await;
    let user = app.core.authenticate(&supervisor).await.unwrap();
    let all = app.core.lights_at(&user, app.clock.now()).await.unwrap();
    let clocked: Vec<_> = all.iter().filter(|d| d.case.status.is_clocked()).collect();
    let key = |d: &yichuang_core::cases::CaseDetail| -> Key {
        (
            d.light
                .map(|l| std::cmp::Reverse((l.legal_overdue, l.level))),
            d.deadlines.due_promised,
        )
    };
    let mut want: Vec<Key> = clocked.iter().map(|d| key(d)).collect();
    want.sort();
    let count = |level: &str| {
        clocked
            .iter()
            .filter(|d| d.light.is_some_and(|l| l.level.code() == level))
            .count()
    };
    let (red, yellow, green) = (count("red"), count("yellow"), count("green"));
    assert!(red > 0 && yellow + green > 100, "{red} {yellow} {green}");

    let by_no: std::collections::HashMap<&str, Key> =
        clocked.iter().map(|d| (d.case.case_no(), key(d))).collect();
    let (status, page) = app.get_text_as(&supervisor, "/office").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!(
            "在办 {} 件：红灯 {red}，黄灯 {yellow}，绿灯 {green}。",
            clocked.len()
        )),
        "{page}"
    );
    let first = listed(&page);
    assert_eq!(first.len(), 100);
    let keys: Vec<Key> = first.iter().map(|no| by_no[no.as_str()]).collect();
    assert_eq!(keys, want[..100], "the 100 most urgent, in order");
    assert!(page.contains("href=\"/office?n=200\""), "a link to more");
    assert!(page.contains("再显示 100 件"));

    let (_, longer) = app.get_text_as(&supervisor, "/office?n=200").await;
    let second = listed(&longer);
    assert_eq!(second.len(), 200);
    assert_eq!(
        second[..100],
        first[..],
        "the longer page starts with the first"
    );
    let keys: Vec<Key> = second.iter().map(|no| by_no[no.as_str()]).collect();
    assert_eq!(keys, want[..200]);

    let (_, everything) = app.get_text_as(&supervisor, "/office?n=1000").await;
    assert_eq!(listed(&everything).len(), clocked.len());
    assert!(!everything.contains("id=\"more\""), "nothing more to show");

    // A department's desk holds its own cases only, counted the same way.
    let approver = app.token("rsj-approver").await;
    let own: Vec<_> = clocked
        .iter()
        .filter(|d| d.case.received.department == "rsj")
        .collect();
    let (_, desk) = app.get_text_as(&approver, "/office?n=1000").await;
    let mine = listed(&desk);
    assert_eq!(mine.len(), own.len());
    assert!(
        mine.iter()
            .all(|no| own.iter().any(|d| d.case.case_no() == no.as_str()))
    );
    assert!(desk.contains(&format!("在办 {} 件", own.len())), "{desk}");

    // Sizes out of range are refused with a Chinese message and change nothing.
    for bad in ["0", "1001", "abc", "-5"] {
        let (status, body) = app
            .get_text_as(&supervisor, &format!("/office?n={bad}"))
            .await;
        assert_eq!(status, 400, "n={bad}");
        assert!(
            body.contains("每页显示") || body.contains("参数"),
            "n={bad}: {body}"
        );
    }
}
