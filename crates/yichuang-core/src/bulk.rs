//! Bulk volume for benchmarks and demos: many accepted, still open cases spread over the recent
//! working days, built with the domain's intake rules and stored a batch per transaction
//! (`yichuang simulate --open-cases N`). Each case has its real receipt and acceptance events, so
//! the event log, the counters and the light board are what a real intake would have produced.

use chrono::NaiveDate;
use yichuang_domain::case::{
    Case, IntakeDecision, MaterialInput, MaterialMode, OpenCase, open_case,
};
use yichuang_domain::catalog::Handling;
use yichuang_domain::clock::FakeClock;
use yichuang_store::{CaseEventWrite, CaseNumbering, CaseWrite, case_index};

use crate::cases::{ApplicantInput, validate_applicant};
use crate::{Core, CoreError, Result};

/// Cases per transaction.
pub const BATCH: usize = 2_000;

impl Core {
    /// Adds `n` accepted open cases received over the `spread` working days before `end`
    /// (exclusive), one batch per transaction. Returns the number stored. `progress` receives the
    /// count so far.
    pub async fn bulk_open_cases(
        &self,
        clock: &FakeClock,
        n: u64,
        end: NaiveDate,
        spread: u32,
        seed: u64,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<u64> {
        let center = self.default_center().await?;
        let cal = self.calendar(center.id).await?;
        let windows = self.windows(center.id).await?;
        let filter = yichuang_store::MatterFilter {
            limit: 100_000,
            ..Default::default()
        };
        let mut matters = Vec::new();
        for m in self.store().list_matters(center.id, &filter).await?.0 {
            let Some(w) = windows.iter().find(|w| w.group == m.window_group) else {
                continue;
            };
            let v = self.matter(center.id, &m.code).await?;
            if v.matter.handling == Handling::Promised && v.matter.promised_limit_days > 0 {
                matters.push((v, w.code.clone()));
            }
        }
        if matters.is_empty() {
            return Err(CoreError::NotFound("目录中没有承诺件事项".into()));
        }
        let mut days = Vec::new();
        let mut d = end;
        while days.len() < spread as usize {
            d = d.pred_opt().unwrap_or(d);
            if cal.is_working_day(d) {
                days.push(d);
            }
        }
        let mut rng = fastrand::Rng::with_seed(seed);
        let applicant = validate_applicant(
            ApplicantInput {
                kind: "person".into(),
                name: "批量测试".into(),
                id_number: Some("11010519491231002X".into()),
                phone: "13900000000".into(),
                ..ApplicantInput::default()
            },
            self.clock().today(),
        )?;
        let mut stored = 0u64;
        let mut batch_no = 0usize;
        while stored < n {
            let day = days[batch_no % days.len()];
            batch_no += 1;
            let at = crate::simulate::at(day, 10 * 60);
            clock.set(at);
            let size = usize::try_from((n - stored).min(BATCH as u64)).unwrap_or(BATCH);
            let mut writes = Vec::with_capacity(size);
            for _ in 0..size {
                let (v, window) = &matters[rng.usize(0..matters.len())];
                let materials = (0..v.matter.materials.len())
                    .map(|index| MaterialInput {
                        index,
                        mode: MaterialMode::Original,
                        deferred_due: None,
                        file_id: None,
                    })
                    .collect();
                let events = open_case(OpenCase {
                    case_no: String::new(),
                    center_id: center.id,
                    matter: &v.matter,
                    matter_version: v.version,
                    window: window.clone(),
                    applicant: applicant.clone(),
                    materials,
                    decision: IntakeDecision::Accept,
                    immediate_minutes: 30,
                    light_rules: Default::default(),
                    now: at,
                    today: day,
                    extras: Default::default(),
                })
                .map_err(CoreError::from)?;
                let mut case: Option<Case> = None;
                for e in &events {
                    match (&mut case, e) {
                        (None, e) if e.opening().is_some() => {
                            case = Case::open(e, at, "bulk");
                        }
                        (Some(c), e) => c.apply(at, "bulk", e),
                        (None, _) => {}
                    }
                }
                let Some(case) = case else { continue };
                writes.push(CaseWrite {
                    index: case_index(&case, &cal),
                    case,
                    events: events
                        .into_iter()
                        .map(|event| CaseEventWrite { at, event })
                        .collect(),
                    actor_window: Some(window.clone()),
                    actor_department: None,
                    concluded_on_time: None,
                });
            }
            let numbering = CaseNumbering {
                prefix: format!("{}-{}-", center.code, day.format("%Y%m%d")),
                day,
            };
            self.store()
                .create_cases(&writes, &numbering, &self.ctx("bulk"))
                .await?;
            stored += writes.len() as u64;
            progress(stored);
        }
        Ok(stored)
    }
}
