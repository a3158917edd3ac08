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
                    })
                    .collect()
            }
        }),
        Just(Command::Accept),
        Just(Command::Refuse {
            reason: "不属于本机关职权范围".into()
        }),
        Just(Command::Pass {
            comment: "同意".into()
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
            .map(|index| MaterialInput { index, mode: MaterialMode::Copy, deferred_due: None })
            .collect();
        let decision = match decision {
            0 => IntakeDecision::Accept,
            1 => IntakeDecision::RequestCorrection { extra: vec![], note: String::new() },
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
