use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::case::{
    Applicant, ApplicantKind, Case, CaseEvent, Command, IntakeDecision, MaterialInput,
    MaterialMode, OpenCase, Procedure, open_case,
};
use crate::catalog::{Matter, parse_catalog};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// 09:00 Shanghai on a date.
fn at(y: i32, m: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, 1, 0, 0).unwrap()
}

fn matter(promised: u32, legal: u32) -> Matter {
    let cat = parse_catalog(include_str!("../../../../../demo/xuancheng.json")).unwrap();
    let mut m = cat
        .matters
        .into_iter()
        .find(|m| m.kind == "行政许可" && m.handling == Handling::Promised)
        .unwrap();
    m.promised_limit_days = promised;
    m.legal_limit_days = legal;
    m
}

fn accepted_case(m: &Matter, when: DateTime<Utc>) -> Case {
    let input = OpenCase {
        case_no: "T-1".into(),
        center_id: 1,
        matter: m,
        matter_version: 1,
        window: "W01".into(),
        applicant: Applicant {
            kind: ApplicantKind::Person,
            name: "张三".into(),
            id_number: "11010519491231002X".into(),
            phone: "13900000000".into(),
            legal_representative: None,
            contact: None,
        },
        materials: (0..m.materials.len())
            .map(|index| MaterialInput {
                index,
                mode: MaterialMode::Original,
                deferred_due: None,
                file_id: None,
            })
            .collect(),
        decision: IntakeDecision::Accept,
        immediate_minutes: 30,
        light_rules: Default::default(),
        now: when,
        today: shanghai_date(when),
        extras: Default::default(),
    };
    let events = open_case(input).unwrap();
    let mut case: Option<Case> = None;
    for e in &events {
        match (&mut case, e) {
            (None, CaseEvent::Received(r)) => case = Some(Case::from_received(r, when, "clerk1")),
            (Some(c), e) => c.apply(when, "clerk1", e),
            _ => unreachable!(),
        }
    }
    case.unwrap()
}

fn act(case: &mut Case, cmd: Command, when: DateTime<Utc>, by: &str) {
    for e in case.decide(&cmd, when, shanghai_date(when)).unwrap() {
        case.apply(when, by, &e);
    }
}

#[test]
fn the_worked_example_of_the_brief() {
    let cal = Calendar::official();
    let m = matter(20, 20);
    let case = accepted_case(&m, at(2025, 9, 26));
    let dl = deadlines(&case, &cal);
    assert_eq!(dl.due_promised, Some(d(2025, 10, 30)));
    assert_eq!(dl.due_legal, Some(d(2025, 10, 30)));
    assert!(!dl.provisional);
    let text = dl.explanation.join("\n");
    assert!(text.contains("2025-10-01（国庆节、中秋节）"), "{text}");
    assert!(text.contains("2025-09-28（国庆节调休上班）"), "{text}");
}

#[test]
fn lights_go_green_yellow_red_and_legal_overdue() {
    let cal = Calendar::official();
    let m = matter(10, 20);
    // Accepted Monday 2026-11-02; 10 working days → Monday 2026-11-16; legal 20 → 2026-11-30.
    let case = accepted_case(&m, at(2026, 11, 2));
    let dl = deadlines(&case, &cal);
    assert_eq!(dl.due_promised, Some(d(2026, 11, 16)));
    assert_eq!(dl.due_legal, Some(d(2026, 11, 30)));
    let light = |y, mo, day| light_at(&case, &dl, &cal, at(y, mo, day)).unwrap();
    assert_eq!(light(2026, 11, 3).level, LightLevel::Green);
    // Friday 11-13: 9 of 10 days used → yellow (90 %); remaining is 1 (Monday).
    assert_eq!(light(2026, 11, 13).level, LightLevel::Yellow);
    assert_eq!(light(2026, 11, 12).level, LightLevel::Green);
    assert_eq!(dl.yellow_from, Some(d(2026, 11, 13)));
    assert_eq!(light(2026, 11, 16).level, LightLevel::Yellow);
    assert_eq!(light(2026, 11, 16).remaining_days, 0);
    let red = light(2026, 11, 17);
    assert_eq!((red.level, red.legal_overdue), (LightLevel::Red, false));
    let legal = light(2026, 12, 1);
    assert_eq!((legal.level, legal.legal_overdue), (LightLevel::Red, true));
}

#[test]
fn each_back_office_step_runs_on_its_share_of_the_budget() {
    let cal = Calendar::official();
    let m = matter(10, 20);
    let mut case = accepted_case(&m, at(2026, 11, 2));
    let steps = i64::try_from(case.received.steps.len() - 1).unwrap().max(1);
    let budget = ((10 + steps - 1) / steps).max(1);
    let first = step_light(&case, &cal, at(2026, 11, 2)).unwrap();
    assert_eq!(
        (first.step, first.used_days, first.budget_days),
        (1, 0, budget)
    );
    assert_eq!(first.level, LightLevel::Green);
    // One working day past the step's share: the step is red while the case may still be green.
    let late = cal
        .add_working_days(d(2026, 11, 2), budget + 1)
        .unwrap()
        .date;
    let late_at = late.and_hms_opt(2, 0, 0).unwrap().and_utc();
    let light = step_light(&case, &cal, late_at).unwrap();
    assert_eq!(light.level, LightLevel::Red);
    // Passing the step starts the next one afresh.
    act(
        &mut case,
        Command::Pass {
            comment: "同意".into(),
            seen: vec![],
        },
        late_at,
        "approver",
    );
    match step_light(&case, &cal, late_at) {
        Some(next) => assert_eq!((next.used_days, next.level), (0, LightLevel::Green)),
        None => assert!(
            case.current_step.is_none(),
            "only the last step had no successor"
        ),
    }
}

#[test]
fn a_center_or_matter_can_turn_yellow_earlier() {
    let cal = Calendar::official();
    let m = matter(10, 20);
    let mut case = accepted_case(&m, at(2026, 11, 2));
    // 50 % of 10 working days used on Monday 11-09; or 3 days left on Wednesday 11-11.
    case.received.light_rules = crate::case::LightRules {
        yellow_percent: 50,
        yellow_remaining_days: 0,
    };
    assert_eq!(deadlines(&case, &cal).yellow_from, Some(d(2026, 11, 9)));
    case.received.light_rules = crate::case::LightRules {
        yellow_percent: 100,
        yellow_remaining_days: 3,
    };
    let dl = deadlines(&case, &cal);
    assert_eq!(dl.yellow_from, Some(d(2026, 11, 11)));
    let light = light_at(&case, &dl, &cal, at(2026, 11, 10)).unwrap();
    assert_eq!(light.level, LightLevel::Green);
}

#[test]
fn a_suspension_across_a_holiday_pauses_only_working_days() {
    let cal = Calendar::official();
    let m = matter(10, 20);
    // Accepted Monday 2025-09-22: the make-up days Sep 28 and Oct 11 count, Oct 1–8 do not;
    // 10 working days end on Saturday 2025-10-11.
    let mut case = accepted_case(&m, at(2025, 9, 22));
    assert_eq!(deadlines(&case, &cal).due_promised, Some(d(2025, 10, 11)));
    let procedure = Command::Suspend {
        procedure: Procedure::ExpertReview,
        reason: "组织专家评审".into(),
        expected_days: 5,
    };
    act(&mut case, procedure, at(2025, 9, 29), "cgj-approver");
    // While suspended the due date is as of the start and the light is frozen.
    let during = deadlines(&case, &cal);
    assert_eq!(during.due_promised, Some(d(2025, 10, 11)));
    let frozen = light_at(&case, &during, &cal, at(2025, 10, 20)).unwrap();
    assert_ne!(
        frozen.level,
        LightLevel::Red,
        "the clock stands still during a procedure"
    );
    act(&mut case, Command::Resume, at(2025, 10, 10), "cgj-approver");
    let after = deadlines(&case, &cal);
    // Paused: Sep 30, Oct 9, Oct 10 (Oct 1–8 are holidays anyway) = 3 working days.
    assert_eq!(after.paused_days, 3);
    assert_eq!(
        after.due_promised,
        cal.add_working_days(d(2025, 9, 22), 13).map(|w| w.date)
    );
    assert_eq!(after.due_promised, Some(d(2025, 10, 15)));
    assert!(
        after
            .explanation
            .iter()
            .any(|l| l.contains("专家评审") && l.contains("3 个工作日"))
    );
}

#[test]
fn an_approved_extension_moves_both_deadlines() {
    let cal = Calendar::official();
    let m = matter(10, 20);
    let mut case = accepted_case(&m, at(2026, 11, 2));
    let req = Command::RequestExtension {
        days: 5,
        reason: "需补充现场核查".into(),
    };
    act(&mut case, req, at(2026, 11, 5), "approver");
    assert_eq!(
        deadlines(&case, &cal).due_promised,
        Some(d(2026, 11, 16)),
        "pending changes nothing"
    );
    act(
        &mut case,
        Command::ApproveExtension,
        at(2026, 11, 6),
        "head",
    );
    let dl = deadlines(&case, &cal);
    assert_eq!(dl.due_promised, Some(d(2026, 11, 23)));
    assert_eq!(dl.due_legal, Some(d(2026, 12, 7)));
    let too_much = Command::RequestExtension {
        days: 6,
        reason: "再延".into(),
    };
    assert!(
        case.decide(&too_much, at(2026, 11, 9), d(2026, 11, 9))
            .is_err(),
        "10 days at most for 行政许可"
    );
}

#[test]
fn deadlines_past_the_loaded_years_are_provisional() {
    let cal = Calendar::official();
    let m = matter(20, 20);
    let case = accepted_case(&m, at(2026, 12, 15));
    let dl = deadlines(&case, &cal);
    assert!(dl.provisional);
    assert!(dl.explanation.iter().any(|l| l.contains("暂定")));
}

#[test]
fn the_correction_deadline_runs_from_receipt() {
    let cal = Calendar::official();
    let m = matter(20, 20);
    let mut case = accepted_case(&m, at(2025, 9, 30));
    case.status = crate::case::CaseStatus::Received;
    case.accepted_at = None;
    assert_eq!(deadlines(&case, &cal).correction_due, d(2025, 10, 14));
}

#[test]
fn delivery_is_due_ten_working_days_after_approval() {
    let cal = Calendar::official();
    let m = matter(10, 20);
    let mut case = accepted_case(&m, at(2026, 11, 2));
    let steps = case.received.steps.len();
    for _ in 1..steps {
        act(
            &mut case,
            Command::Pass {
                comment: "同意".into(),
                seen: vec![],
            },
            at(2026, 11, 3),
            "a",
        );
    }
    act(
        &mut case,
        Command::Conclude {
            outcome: crate::case::Outcome::Approved,
            reason: String::new(),
            seen: vec![],
        },
        at(2026, 11, 4),
        "a",
    );
    assert_eq!(deadlines(&case, &cal).delivery_due, Some(d(2026, 11, 18)));
    assert!(
        light_at(&case, &deadlines(&case, &cal), &cal, at(2026, 11, 30)).is_none(),
        "no light once concluded"
    );
}
