// The trigger-kept light counts against a count of the cases themselves, shared by the tests of
// both stores through `include!` (each defines `async fn exec(&Pool, &str)` and
// `async fn rows(&Pool, &str) -> Vec<LightCountRow>` over its pool).

/// `(center, status, department, due, yellow, legal, frozen, n)`.
type LightCountRow = (i64, String, String, String, String, String, String, i64);

/// The counts as the triggers kept them.
const KEPT: &str = "select center_id, status, department_code, due_promised, yellow_from, \
     due_legal, frozen_on, n from case_light_counts order by 1, 2, 3, 4, 5, 6, 7";

/// The same counted from the cases.
const COUNTED: &str = "select center_id, status, department_code, due_promised, \
     coalesce(yellow_from, '9999-12-31'), coalesce(due_legal, '9999-12-31'), \
     coalesce(frozen_on, '9999-12-31'), count(*) from cases \
     where status in ('accepted', 'in_process', 'suspended') and due_promised is not null \
     group by 1, 2, 3, 4, 5, 6, 7 order by 1, 2, 3, 4, 5, 6, 7";

/// Inserts case `i` of `center` (every fourth without a due date, every third without a yellow
/// day, some with the same deadlines as others).
fn insert_case(center: i64, i: i64, status: &str) -> String {
    let due = |d: i64| match d {
        _ if i % 4 == 3 => "null".to_owned(),
        d => format!("'2026-12-{:02}'", 10 + d % 5),
    };
    let yellow = if i % 3 == 0 { "null".to_owned() } else { due(i % 5 - 1) };
    format!(
        "insert into cases (center_id, case_no, matter_code, matter_version, department_code, \
         window_code, status, applicant_name, received_at, accepted_on, due_promised, due_legal, \
         yellow_from, correction_due, frozen_on, version, created_at, updated_at) values \
         ((select id from centers where code = 'LC'), 'LC-{center}-{i}', 'm{}', 1, 'd{}', 'W01', '{status}', '张三', 0, \
         '2026-12-01', {}, {}, {yellow}, '2026-12-05', null, 1, 0, 0)",
        i % 3,
        i % 2,
        due(i),
        due(i + 2),
    )
}

/// Inserts, updates that change a counted column or none, suspension and its end, conclusion
/// and deletion: after each step the kept counts equal the counted ones.
async fn light_counts_follow_every_write(pool: &Pool) {
    let center: i64 = 1;
    let check = |step: &'static str| async move {
        let kept = rows(pool, KEPT).await;
        let counted = rows(pool, COUNTED).await;
        assert_eq!(kept, counted, "after {step}");
        kept
    };
    exec(
        pool,
        "insert into centers (code, name, created_at, updated_at) values ('LC', '测试中心', 0, 0)",
    )
    .await;
    for i in 0..40 {
        let status = ["accepted", "in_process", "suspended", "received", "concluded"][i % 5];
        exec(pool, &insert_case(center, i64::try_from(i).unwrap(), status)).await;
    }
    let first = check("inserts").await;
    assert!(first.iter().any(|r| r.7 > 1), "some deadlines shared: {first:?}");
    exec(pool, "update cases set version = version + 1, updated_at = 5").await;
    assert_eq!(check("updates of no counted column").await, first);
    for (what, sql) in [
        ("status changes", "update cases set status = 'in_process' where status = 'accepted'"),
        ("suspension", "update cases set status = 'suspended', frozen_on = '2026-12-09' \
             where case_no in ('LC-1-1', 'LC-1-6', 'LC-1-11')"),
        ("new deadlines", "update cases set due_promised = '2026-12-20', yellow_from = null \
             where case_no in ('LC-1-2', 'LC-1-3', 'LC-1-7')"),
        ("a deadline set where there was none", "update cases set due_promised = '2026-12-11' \
             where case_no = 'LC-1-15'"),
        ("department moves", "update cases set department_code = 'd9' \
             where case_no in ('LC-1-4', 'LC-1-5')"),
        ("end of suspension", "update cases set status = 'in_process', frozen_on = null \
             where case_no = 'LC-1-6'"),
        ("conclusions", "update cases set status = 'concluded' \
             where case_no in ('LC-1-1', 'LC-1-8', 'LC-1-9', 'LC-1-10')"),
        ("reopening", "update cases set status = 'accepted' where case_no = 'LC-1-9'"),
        ("deletion", "delete from cases where case_no in ('LC-1-12', 'LC-1-13', 'LC-1-14')"),
    ] {
        exec(pool, sql).await;
        check(what).await;
    }
    exec(
        pool,
        "update cases set status = 'concluded' where status in ('accepted', 'in_process', \
         'suspended')",
    )
    .await;
    assert!(check("every case concluded").await.is_empty(), "no empty rows are kept");
}
