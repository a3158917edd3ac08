//! Concurrent intake: with group commit, many intakes of one center at once are each numbered
//! once from the day's sequence, one that fails is undone alone, and the audit chain stays whole
//! while other writes of the center run beside them.

use chrono::NaiveDate;
use futures_util::future::join_all;
use yichuang_domain::calendar::DayKind;

use super::{demo_case, imported, t0, write_of};
use crate::{CaseNumbering, Ctx, Store, StoreError};

/// Intakes sent at once.
const INTAKES: usize = 60;

/// 60 numbered intakes at once, six intakes reusing a taken number and three calendar writes
/// among them: the 60 get 0001–0060 (no gap, no repeat) and are stored whole, the six are
/// refused as conflicts without a trace, the calendar writes land, and the chain verifies.
pub async fn concurrent_intakes_are_numbered_once_and_failures_undone_alone(store: &dyn Store) {
    let id = imported(store).await;
    let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    let prefix = "341800-20261102-";
    let taken = format!("{prefix}9999");
    let (case, events) = demo_case(id, &taken, t0());
    store
        .create_case(&write_of(case, events), None, &Ctx::new("clerk1", t0()))
        .await
        .unwrap();
    let before = store.events_for("case", &taken).await.unwrap().len();

    let numbering = CaseNumbering {
        prefix: prefix.into(),
        day,
    };
    let intakes = (0..INTAKES + 6).map(|i| {
        let numbering = numbering.clone();
        let taken = taken.clone();
        async move {
            let ctx = Ctx::new("clerk1", t0());
            if i % 11 == 10 {
                // A number already taken: the store refuses it.
                let (case, events) = demo_case(id, &taken, t0());
                store.create_case(&write_of(case, events), None, &ctx).await
            } else {
                // The number in the case is replaced by the next of the day's sequence.
                let (case, events) = demo_case(id, "待编号", t0());
                store
                    .create_case(&write_of(case, events), Some(&numbering), &ctx)
                    .await
            }
        }
    });
    let others = (1..=3).map(|d| async move {
        let day = NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        store
            .set_calendar_day(
                id,
                day,
                Some(DayKind::Holiday),
                "地方节日",
                &Ctx::new("admin", t0()),
            )
            .await
    });
    let (results, calendar) = futures_util::join!(join_all(intakes), join_all(others));
    assert!(calendar.iter().all(Result::is_ok), "{calendar:?}");

    let mut numbers = Vec::new();
    let mut conflicts = 0;
    for r in results {
        match r {
            Ok(no) => numbers.push(no),
            Err(StoreError::Conflict(_)) => conflicts += 1,
            Err(e) => panic!("an intake failed otherwise: {e}"),
        }
    }
    assert_eq!((numbers.len(), conflicts), (INTAKES, 6));
    numbers.sort();
    let expected: Vec<String> = (1..=INTAKES).map(|n| format!("{prefix}{n:04}")).collect();
    assert_eq!(numbers, expected, "each intake numbered once, without gaps");
    for no in &numbers {
        let stored = store.case_by_no(no).await.unwrap().unwrap();
        assert_eq!(stored.case.case_no(), no);
        assert!(!store.events_for("case", no).await.unwrap().is_empty());
    }
    assert_eq!(
        store.events_for("case", &taken).await.unwrap().len(),
        before,
        "the refused intakes left nothing behind"
    );
    for d in 1..=3 {
        let day = NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let cal = store.calendar(id).await.unwrap();
        assert_eq!(cal.override_of(day), Some((DayKind::Holiday, "地方节日")));
    }
    super::chain_breaks_at_none(store).await;
}
