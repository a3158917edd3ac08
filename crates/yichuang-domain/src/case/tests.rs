//! Property test: random action sequences never reach an illegal state, and replaying the
//! events rebuilds exactly the state that applying them produced.

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::catalog::{Handling, parse_catalog};
use crate::clock::shanghai_date;

fn arb_command() -> impl Strategy<Value = Command> {
    prop_oneof![
        (proptest::collection::vec(0usize..8, 0..3)).prop_map(|missing| {
            Command::RequestCorrection {
                missing,
                note: "补正".into(),
                reasons: vec![],
            }
        }),
        (proptest::collection::vec(0usize..8, 1..4)).prop_map(|ix| Command::Supplement {
            materials: {
                let mut ix = ix;
                ix.sort_unstable();
                ix.dedup();
                ix.into_iter()
                    .map(|index| MaterialInput {
                        index,
                        mode: MaterialMode::Original,
                        deferred_due: None,
                        file_id: None,
                    })
                    .collect()
            }
        }),
        Just(Command::Accept),
        Just(Command::Refuse {
            reason: "不属于本机关职权范围".into()
        }),
        Just(Command::Pass {
            comment: "同意".into(),
            seen: vec![],
        }),
        Just(Command::Return {
            reason: "材料需核实".into()
        }),
        (0usize..7, 1u32..20).prop_map(|(p, n)| Command::Suspend {
            procedure: Procedure::ALL[p],
            reason: "依法".into(),
            expected_days: n
        }),
        Just(Command::Resume),
        (1u32..12).prop_map(|days| Command::RequestExtension {
            days,
            reason: "情况复杂".into()
        }),
        Just(Command::ApproveExtension),
        prop_oneof![Just(Outcome::Approved), Just(Outcome::Denied)].prop_map(|outcome| {
            Command::Conclude {
                outcome,
                reason: "依法决定".into(),
                seen: vec![],
            }
        }),
        Just(Command::Deliver {
            method: DeliveryMethod::Pickup,
            tracking_no: None,
            recipient: Some("本人".into())
        }),
        Just(Command::Withdraw {
            reason: "申请人撤回".into()
        }),
    ]
}

fn invariants(c: &Case) -> Result<(), TestCaseError> {
    use CaseStatus as S;
    let steps = c.received.steps.len();
    prop_assert!(
        c.current_step.is_none_or(|s| s >= 1 && s < steps),
        "step in range"
    );
    if matches!(
        c.status,
        S::Accepted | S::InProcess | S::Suspended | S::Concluded | S::Delivered
    ) {
        prop_assert!(c.accepted_at.is_some(), "accepted before processing");
        prop_assert!(
            c.missing_required().is_empty() || c.deemed_accepted,
            "never accepted with a missing required item"
        );
    }
    if matches!(c.status, S::Concluded | S::Delivered) {
        prop_assert!(c.outcome.is_some());
        if c.outcome == Some(Outcome::Approved) && c.received.handling == Handling::Promised {
            prop_assert!(
                c.current_step.is_none(),
                "approved only after every step passed"
            );
        }
    }
    prop_assert_eq!(
        c.status == S::Suspended,
        c.suspensions.last().is_some_and(|s| s.ended_at.is_none())
    );
    prop_assert!(
        c.extensions
            .iter()
            .filter(|e| e.approved_at.is_none())
            .count()
            <= 1
    );
    if c.received.matter_kind == "行政许可" {
        prop_assert!(c.approved_extension_days() <= MAX_LICENSING_EXTENSION);
    }
    prop_assert!(c.delivery.is_none() || c.status == S::Delivered);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn random_actions_keep_every_invariant_and_replay_rebuilds_the_state(
        matter_ix in 0usize..255,
        provided in proptest::collection::vec(any::<bool>(), 8),
        decision in 0u8..3,
        commands in proptest::collection::vec(arb_command(), 0..25),
    ) {
        let cat = parse_catalog(include_str!("../../../../demo/xuancheng.json")).unwrap();
        let m = &cat.matters[matter_ix];
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
        let materials = (0..m.materials.len())
            .filter(|i| provided.get(*i).copied().unwrap_or(true))
            .map(|index| MaterialInput { index, mode: MaterialMode::Copy, deferred_due: None, file_id: None })
            .collect();
        let decision = match decision {
            0 => IntakeDecision::Accept,
            1 => IntakeDecision::RequestCorrection { extra: vec![], note: String::new(), reasons: vec![] },
            _ => IntakeDecision::Refuse { reason: "不符合条件".into() },
        };
        let input = OpenCase {
            case_no: "P-1".into(), center_id: 1, matter: m, matter_version: 1, window: "W01".into(),
            applicant: Applicant { kind: ApplicantKind::Person, name: "李四".into(), id_number: "11010519491231002X".into(),
                phone: "13900000000".into(), legal_representative: None, contact: None },
            materials, decision, immediate_minutes: 30, light_rules: Default::default(),
            now: start, today: shanghai_date(start), extras: Default::default(),
        };
        let Ok(first) = open_case(input) else { return Ok(()) };
        let mut log: Vec<(chrono::DateTime<Utc>, String, CaseEvent)> =
            first.into_iter().map(|e| (start, "clerk".to_owned(), e)).collect();
        let mut state = Case::replay(log.iter().map(|(t, b, e)| (*t, b.as_str(), e))).unwrap();
        invariants(&state)?;
        let mut now = start;
        for cmd in commands {
            now += Duration::hours(20);
            let before = state.clone();
            match state.decide(&cmd, now, shanghai_date(now)) {
                Ok(events) => {
                    for e in events {
                        state.apply(now, "staff", &e);
                        log.push((now, "staff".into(), e));
                    }
                }
                Err(_) => prop_assert_eq!(&state, &before, "a refused action changes nothing"),
            }
            invariants(&state)?;
        }
        let replayed = Case::replay(log.iter().map(|(t, b, e)| (*t, b.as_str(), e))).unwrap();
        prop_assert_eq!(replayed, state);
    }
}

#[test]
fn steps_get_their_duties_from_their_names() {
    let steps = |names: &[&str]| names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        crate::catalog::default_step_roles(&steps(&["受理", "审查", "现场核查", "决定", "制证"])),
        ["", "承办人", "", "批准人", ""]
    );
    assert_eq!(
        crate::catalog::default_step_roles(&steps(&["受理", "实地核查", "审核", "决定", "制证"])),
        ["", "承办人", "审核人", "批准人", ""]
    );
    assert_eq!(
        crate::catalog::default_step_roles(&steps(&["受理", "办结"])),
        ["", "承办人"]
    );
}

/// The 承办人 may not review or decide the same case, nor pass 承办 again after holding
/// another duty; one person may review and decide; steps without a duty are anyone's.
#[test]
fn the_person_who_handled_a_case_may_not_also_decide_it() {
    let cat = parse_catalog(include_str!("../../../../demo/xuancheng.json")).unwrap();
    let m = cat
        .matters
        .iter()
        .find(|m| m.steps == ["受理", "实地核查", "审核", "决定", "制证"])
        .expect("a matter with 承办, 审核 and 批准 steps");
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
    let input = OpenCase {
        case_no: "S-1".into(),
        center_id: 1,
        matter: m,
        matter_version: 1,
        window: "W01".into(),
        applicant: Applicant {
            kind: ApplicantKind::Person,
            name: "李四".into(),
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
        now: start,
        today: shanghai_date(start),
        extras: Default::default(),
    };
    let log: Vec<_> = open_case(input)
        .unwrap()
        .into_iter()
        .map(|e| (start, "clerk", e))
        .collect();
    let mut c = Case::replay(log.iter().map(|(t, b, e)| (*t, *b, e))).unwrap();
    let pass = |c: &mut Case, who: &str| {
        let events = c
            .decide(
                &Command::Pass {
                    comment: String::new(),
                    seen: vec![],
                },
                start,
                shanghai_date(start),
            )
            .unwrap();
        for e in events {
            c.apply(start, who, &e);
        }
    };
    assert_eq!(c.duty_conflict("a"), None, "nobody holds a duty yet");
    pass(&mut c, "a"); // 实地核查, 承办人
    let why = c.duty_conflict("a").expect("the 承办人 may not review");
    assert!(why.contains("承办人") && why.contains("审核"), "{why}");
    assert_eq!(c.duty_conflict("b"), None);
    pass(&mut c, "b"); // 审核
    assert!(c.duty_conflict("a").is_some(), "nor decide");
    assert_eq!(c.duty_conflict("b"), None, "the reviewer may decide");
    pass(&mut c, "b"); // 决定
    assert_eq!(c.duty_conflict("a"), None, "制证 carries no duty");
    // Returned to 承办: the reviewer may not take it over.
    while c.current_step != Some(1) {
        let back = c
            .decide(
                &Command::Return {
                    reason: "重新核查".into(),
                },
                start,
                shanghai_date(start),
            )
            .unwrap();
        for e in back {
            c.apply(start, "b", &e);
        }
    }
    assert_eq!(c.current_step, Some(1));
    assert!(
        c.duty_conflict("b").is_some(),
        "the reviewer may not handle it"
    );
    assert_eq!(c.duty_conflict("a"), None);
}

#[test]
fn catalog_step_roles_are_checked() {
    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../../../../demo/xuancheng.json")).unwrap();
    v["matters"][0]["step_roles"] = serde_json::json!(["", "承办人"]);
    v["matters"][1]["step_roles"] = serde_json::json!(["", "经办", "", "", ""]);
    let text: Vec<String> = parse_catalog(&v.to_string())
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        text.iter()
            .any(|t| t.starts_with("matters[0].step_roles: 应与 steps")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("matters[1].step_roles[1]")),
        "{text:?}"
    );
}
