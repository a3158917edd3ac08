//! `yichuang simulate`: realistic hall days driven through the real use cases (so the event log,
//! the projections and the report counters are exactly what a real day produces). A small
//! discrete-event simulation: people arrive through the day (a morning and an afternoon peak),
//! take a ticket for the window group of their matter, the first free window of the group calls
//! them, the clerk opens the case (accept, correction notice, refusal), the applicant rates the
//! window on the pad; at the end of each day the back offices pass steps and conclude the cases
//! planned for that day (a few late, a few suspended for a special procedure), and the issuing
//! window delivers the next morning.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use yichuang_domain::account::{Role, StaffUser};
use yichuang_domain::case::{
    Command, DeliveryMethod, IntakeDecision, MaterialInput, MaterialMode, Outcome, Procedure,
};
use yichuang_domain::catalog::Handling;
use yichuang_domain::clock::{Clock, FakeClock};
use yichuang_domain::evaluation::{Channel, Level};
use yichuang_domain::queue::TicketKind;

use crate::cases::{ApplicantInput, NewCase};
use crate::queue::{TicketAction, TicketRating};
use crate::{Core, CoreError, Result};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Plan {
    /// First day (non-working days are skipped).
    pub start: NaiveDate,
    /// Working days to simulate.
    pub days: u32,
    /// Visitors per day.
    pub visitors_per_day: u32,
    /// Random seed (the same seed gives the same days).
    pub seed: u64,
}

/// What a simulation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Working days simulated.
    pub days: u32,
    /// Tickets issued.
    pub tickets: u64,
    /// Cases opened.
    pub cases: u64,
    /// Cases concluded.
    pub concluded: u64,
    /// Evaluations recorded.
    pub evaluations: u64,
    /// Operations that the rules refused (counted, not fatal: a simulation keeps going).
    pub refused_operations: u64,
}

struct Staff {
    clerks: HashMap<String, StaffUser>,
    offices: HashMap<String, StaffUser>,
    /// A second person per department: who passes the steps the 承办人 may not (职责分离).
    deciders: HashMap<String, StaffUser>,
    issuer: StaffUser,
}

/// A valid 18-digit resident ID number (GB 11643 check digit).
fn id_number(rng: &mut fastrand::Rng) -> String {
    let birth = NaiveDate::from_ymd_opt(1950, 1, 1)
        .and_then(|d| d.checked_add_signed(Duration::days(rng.i64(0..20_000))))
        .unwrap_or_default();
    let body = format!("341802{}{:03}", birth.format("%Y%m%d"), rng.u32(1..1000));
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let check = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize];
    format!("{body}{check}")
}

const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
];
const GIVEN: [&str; 12] = [
    "伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰",
];

/// The instant `minutes` after midnight of `day` in Shanghai (for benchmarks).
pub fn at_for_bench(day: NaiveDate, minutes: i64) -> DateTime<Utc> {
    at(day, minutes)
}

/// The instant `minutes` after midnight of `day` in Shanghai.
pub(crate) fn at(day: NaiveDate, minutes: i64) -> DateTime<Utc> {
    let local = day.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(minutes);
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&local)
        .earliest()
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

/// Arrival minute of the day: 65% in the morning (09:00–11:30), the rest 14:00–17:00.
fn arrival(rng: &mut fastrand::Rng) -> i64 {
    if rng.u32(0..100) < 65 {
        9 * 60 + rng.i64(0..150)
    } else {
        14 * 60 + rng.i64(0..180)
    }
}

fn level(rng: &mut fastrand::Rng) -> Level {
    match rng.u32(0..100) {
        0..=69 => Level::VerySatisfied,
        70..=89 => Level::Satisfied,
        90..=96 => Level::BasicallySatisfied,
        97..=98 => Level::Dissatisfied,
        _ => Level::VeryDissatisfied,
    }
}

/// Back-office work planned for a day.
#[derive(Debug, Clone)]
enum Planned {
    Conclude(String),
    Supplement(String),
    Resume(String),
    Deliver(String),
}

impl Core {
    async fn sim_staff(&self, center_id: i64, rng: &mut fastrand::Rng) -> Result<Staff> {
        let existing: HashMap<String, StaffUser> = self
            .store()
            .users(center_id)
            .await?
            .into_iter()
            .map(|r| (r.user.username.clone(), r.user))
            .collect();
        let mut password = String::new();
        for _ in 0..24 {
            password.push(rng.alphanumeric());
        }
        let ensure = |username: String, roles: Vec<Role>, department, window| {
            let existing = existing.get(&username).cloned();
            let new = crate::auth::NewStaff {
                display_name: format!("模拟{username}"),
                username,
                password: password.clone(),
                roles,
                department,
                window,
            };
            async move {
                match existing {
                    Some(u) => Ok::<_, CoreError>(u),
                    None => self.create_staff(center_id, new, "simulate").await,
                }
            }
        };
        let mut clerks = HashMap::new();
        for w in self.windows(center_id).await?.iter() {
            let u = ensure(
                format!("sim-w-{}", w.code),
                vec![Role::Clerk],
                None,
                Some(w.code.clone()),
            )
            .await?;
            clerks.insert(w.code.clone(), u);
        }
        let mut offices = HashMap::new();
        let mut deciders = HashMap::new();
        for (d, _) in self.store().departments(center_id).await? {
            let u = ensure(
                format!("sim-d-{}", d.code),
                vec![Role::DeptHead],
                Some(d.code.clone()),
                None,
            )
            .await?;
            let second = ensure(
                format!("sim-d2-{}", d.code),
                vec![Role::DeptHead],
                Some(d.code.clone()),
                None,
            )
            .await?;
            deciders.insert(d.code.clone(), second);
            offices.insert(d.code, u);
        }
        let windows = self.windows(center_id).await?;
        let issuance = windows
            .iter()
            .find(|w| w.group == "issuance")
            .or_else(|| windows.first())
            .map(|w| w.code.clone());
        let issuer = ensure("sim-issuer".into(), vec![Role::Issuer], None, issuance).await?;
        Ok(Staff {
            clerks,
            offices,
            deciders,
            issuer,
        })
    }

    /// Runs the simulation on `clock` (which must be this core's clock). `progress` receives the
    /// number of days done.
    pub async fn simulate(
        &self,
        clock: &FakeClock,
        plan: &Plan,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<Summary> {
        let center = self.default_center().await?;
        let mut rng = fastrand::Rng::with_seed(plan.seed);
        let staff = self.sim_staff(center.id, &mut rng).await?;
        // Matters by window group, weighted by kind (licences and public services dominate).
        let filter = yichuang_store::MatterFilter {
            limit: 100_000,
            ..Default::default()
        };
        let windows = self.windows(center.id).await?;
        let mut weighted: Vec<(String, String)> = Vec::new();
        for m in self.store().list_matters(center.id, &filter).await?.0 {
            if !windows.iter().any(|w| w.group == m.window_group) {
                continue;
            }
            let weight = match m.kind.as_str() {
                "行政许可" => 4,
                "公共服务" => 3,
                _ => 1,
            };
            for _ in 0..weight {
                weighted.push((m.code.clone(), m.window_group.clone()));
            }
        }
        if weighted.is_empty() {
            return Err(CoreError::NotFound("目录中没有可办理的事项".into()));
        }
        let cal = self.calendar(center.id).await?;
        let mut plan_book: BTreeMap<NaiveDate, Vec<Planned>> = BTreeMap::new();
        let mut summary = Summary::default();
        let mut day = plan.start;
        while summary.days < plan.days {
            if !cal.is_working_day(day) {
                day = day.succ_opt().unwrap_or(day);
                continue;
            }
            self.sim_day(
                clock,
                center.id,
                day,
                plan,
                &staff,
                &weighted,
                &mut rng,
                &mut plan_book,
                &mut summary,
            )
            .await?;
            summary.days += 1;
            progress(u64::from(summary.days));
            day = day.succ_opt().unwrap_or(day);
        }
        Ok(summary)
    }

    #[allow(clippy::too_many_arguments)]
    async fn sim_day(
        &self,
        clock: &FakeClock,
        center_id: i64,
        day: NaiveDate,
        plan: &Plan,
        staff: &Staff,
        weighted: &[(String, String)],
        rng: &mut fastrand::Rng,
        book: &mut BTreeMap<NaiveDate, Vec<Planned>>,
        summary: &mut Summary,
    ) -> Result<()> {
        let cal = self.calendar(center_id).await?;
        // Morning: deliveries and supplements planned for today.
        clock.set(at(day, 8 * 60 + 40));
        let today_work = book.remove(&day).unwrap_or_default();
        let (morning, office): (Vec<Planned>, Vec<Planned>) = today_work
            .into_iter()
            .partition(|p| matches!(p, Planned::Deliver(_) | Planned::Supplement(_)));
        book.insert(day, office);
        for p in morning {
            self.sim_backoffice(clock, &cal, day, p, staff, rng, book, summary)
                .await;
        }
        // The hall: arrivals in time order, windows serving one at a time.
        let mut arrivals: Vec<(i64, usize)> = (0..plan.visitors_per_day)
            .map(|_| (arrival(rng), rng.usize(0..weighted.len())))
            .collect();
        arrivals.sort_unstable();
        let mut busy: HashMap<String, (i64, Option<(i64, bool)>)> = HashMap::new();
        let groups: HashMap<String, Vec<String>> =
            self.windows(center_id)
                .await?
                .iter()
                .fold(HashMap::new(), |mut m, w| {
                    m.entry(w.group.clone()).or_default().push(w.code.clone());
                    m
                });
        let mut pending: Vec<(i64, usize)> = Vec::new();
        let mut next_arrival = 0usize;
        loop {
            let next_free = busy.iter().map(|(w, (t, _))| (*t, w.clone())).min();
            let arrive = arrivals.get(next_arrival).copied();
            let take_arrival = match (arrive, &next_free) {
                (None, None) => break,
                (Some((t, _)), Some((f, _))) => t <= *f,
                (Some(_), None) => true,
                (None, Some(_)) => false,
            };
            match (arrive, next_free) {
                (Some((t, m)), _) if take_arrival => {
                    next_arrival += 1;
                    clock.set(at(day, t));
                    let group = &weighted[m].1;
                    match self
                        .take_ticket(center_id, group, TicketKind::Normal, None, "kiosk")
                        .await
                    {
                        Ok(_) => {
                            summary.tickets += 1;
                            pending.push((t, m));
                        }
                        Err(_) => summary.refused_operations += 1,
                    }
                }
                (_, Some((t, window))) => {
                    clock.set(at(day, t));
                    match busy.remove(&window) {
                        Some((_, Some((ticket, true)))) => {
                            let clerk = &staff.clerks[&window];
                            if self
                                .ticket_action(clerk, ticket, TicketAction::NoShow)
                                .await
                                .is_err()
                            {
                                summary.refused_operations += 1;
                            }
                        }
                        Some((_, Some((ticket, false)))) => {
                            self.sim_finish(&staff.clerks[&window], ticket, rng, summary)
                                .await;
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
            // Every idle window of a group with waiting people calls the next one.
            let now_min = (clock.now() - at(day, 0)).num_minutes();
            let mut still = Vec::new();
            for (t, m) in pending.drain(..) {
                let group = &weighted[m].1;
                let idle = groups.get(group).and_then(|ws| {
                    ws.iter()
                        .find(|w| !busy.contains_key(*w) && staff.clerks.contains_key(*w))
                });
                let Some(window) = idle.cloned() else {
                    still.push((t, m));
                    continue;
                };
                let clerk = &staff.clerks[&window];
                match self
                    .sim_serve(
                        clerk,
                        &window,
                        &weighted[m].0,
                        rng,
                        book,
                        &cal,
                        day,
                        summary,
                    )
                    .await
                {
                    Some((minutes, ticket)) => {
                        busy.insert(window, (now_min + minutes, ticket));
                    }
                    None => still.push((t, m)),
                }
            }
            pending = still;
        }
        // Evening: the back offices.
        clock.set(at(day, 17 * 60 + 30));
        // Including what the day's intake planned for today (immediate matters).
        for p in book.remove(&day).unwrap_or_default() {
            self.sim_backoffice(clock, &cal, day, p, staff, rng, book, summary)
                .await;
        }
        Ok(())
    }

    /// A window calls, serves and opens a case. Returns the minutes the window is busy and the
    /// ticket to close then, with whether it is a no-show (`None` when there is none to close).
    #[allow(clippy::too_many_arguments)]
    async fn sim_serve(
        &self,
        clerk: &StaffUser,
        window: &str,
        matter_code: &str,
        rng: &mut fastrand::Rng,
        book: &mut BTreeMap<NaiveDate, Vec<Planned>>,
        cal: &yichuang_domain::calendar::Calendar,
        day: NaiveDate,
        summary: &mut Summary,
    ) -> Option<(i64, Option<(i64, bool)>)> {
        let ticket = self.call_next(clerk, window).await.ok()??;
        if rng.u32(0..100) < 3 {
            // Nobody comes: the clerk recalls and waits two minutes, then marks the no-show
            // (when the window frees, in `sim_day`), so the ticket row shows the busy time.
            return Some((2, Some((ticket.id, true))));
        }
        if self
            .ticket_action(clerk, ticket.id, TicketAction::Start)
            .await
            .is_err()
        {
            summary.refused_operations += 1;
            return Some((1, None));
        }
        let m = self
            .matter(clerk.center_id, matter_code)
            .await
            .ok()?
            .matter
            .clone();
        let all: Vec<MaterialInput> = (0..m.materials.len())
            .map(|index| MaterialInput {
                index,
                mode: MaterialMode::Original,
                deferred_due: None,
                file_id: None,
            })
            .collect();
        let roll = rng.u32(0..100);
        let (materials, decision) = if roll < 8 && !all.is_empty() {
            let mut some = all.clone();
            some.pop();
            (
                some,
                IntakeDecision::RequestCorrection {
                    extra: vec![],
                    note: "请补齐材料".into(),
                    reasons: vec![],
                },
            )
        } else if roll < 11 {
            (
                all,
                IntakeDecision::Refuse {
                    reason: "申请事项不属于本机关职权范围".into(),
                },
            )
        } else {
            (all, IntakeDecision::Accept)
        };
        let name = format!(
            "{}{}",
            SURNAMES[rng.usize(0..SURNAMES.len())],
            GIVEN[rng.usize(0..GIVEN.len())]
        );
        let input = NewCase {
            matter_code: matter_code.to_owned(),
            applicant: ApplicantInput {
                kind: "person".into(),
                name,
                id_number: Some(id_number(rng)),
                phone: format!("139{:08}", rng.u32(0..100_000_000)),
                ..ApplicantInput::default()
            },
            materials,
            decision: decision.clone(),
        };
        match self.open_case(clerk, input).await {
            Ok(d) => {
                summary.cases += 1;
                let no = d.case.case_no().to_owned();
                let add = |n: i64| cal.add_working_days(day, n).map(|w| w.date);
                if d.case.status == yichuang_domain::case::CaseStatus::Concluded {
                    // An immediate matter is decided at the window and handed over there.
                    summary.concluded += 1;
                    let deliver = Command::Deliver {
                        method: DeliveryMethod::Pickup,
                        tracking_no: None,
                        recipient: Some("申请人本人".into()),
                    };
                    if self.act_on_case(clerk, &no, deliver).await.is_err() {
                        summary.refused_operations += 1;
                    }
                }
                let planned = match decision {
                    _ if d.case.status == yichuang_domain::case::CaseStatus::Concluded => None,
                    IntakeDecision::Accept => {
                        let limit = i64::from(m.promised_limit_days.max(1));
                        let days = if m.handling == Handling::Immediate {
                            0
                        } else if rng.u32(0..100) < 3 {
                            limit + 2 // a few late cases
                        } else {
                            rng.i64(1..=limit)
                        };
                        if days > 1 && rng.u32(0..100) < 2 {
                            add(1).map(|d| (d, Planned::Resume(no.clone())))
                        } else {
                            add(days).map(|d| (d, Planned::Conclude(no.clone())))
                        }
                    }
                    IntakeDecision::RequestCorrection { .. } => {
                        add(rng.i64(1..=3)).map(|d| (d, Planned::Supplement(no.clone())))
                    }
                    _ => None,
                };
                if let Some((d, p)) = planned {
                    book.entry(d).or_default().push(p);
                }
            }
            Err(_) => summary.refused_operations += 1,
        }
        Some((rng.i64(8..=25), Some((ticket.id, false))))
    }

    async fn sim_finish(
        &self,
        clerk: &StaffUser,
        ticket: i64,
        rng: &mut fastrand::Rng,
        summary: &mut Summary,
    ) {
        if self
            .ticket_action(clerk, ticket, TicketAction::Finish)
            .await
            .is_err()
        {
            summary.refused_operations += 1;
            return;
        }
        if rng.u32(0..100) < 40
            && let Some(window) = &clerk.window
        {
            let rating = TicketRating {
                ticket_id: ticket,
                level: level(rng),
                indicators: vec![],
                channel: Channel::Pad,
                comment: String::new(),
            };
            match self.rate_ticket(rating, Some(window), None).await {
                Ok(_) => summary.evaluations += 1,
                Err(_) => summary.refused_operations += 1,
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn sim_backoffice(
        &self,
        clock: &FakeClock,
        cal: &yichuang_domain::calendar::Calendar,
        day: NaiveDate,
        p: Planned,
        staff: &Staff,
        rng: &mut fastrand::Rng,
        book: &mut BTreeMap<NaiveDate, Vec<Planned>>,
        summary: &mut Summary,
    ) {
        clock.advance(Duration::seconds(20));
        let next = |n: i64| cal.add_working_days(day, n).map(|w| w.date);
        let load = |no: &str| {
            let no = no.to_owned();
            async move { self.store().case_by_no(&no).await.ok().flatten() }
        };
        let ok = match p {
            Planned::Deliver(no) => self
                .act_on_case(
                    &staff.issuer,
                    &no,
                    Command::Deliver {
                        method: DeliveryMethod::Pickup,
                        tracking_no: None,
                        recipient: Some("申请人本人".into()),
                    },
                )
                .await
                .map_err(|e| tracing::warn!(error = %e, case_no = no, "simulated delivery refused"))
                .is_ok(),
            Planned::Supplement(no) => {
                let Some(c) = load(&no).await else { return };
                let clerk = &staff.clerks[&c.case.received.window];
                let materials = c
                    .case
                    .correction_missing
                    .iter()
                    .map(|&index| MaterialInput {
                        index,
                        mode: MaterialMode::Original,
                        deferred_due: None,
                        file_id: None,
                    })
                    .collect();
                let done = self
                    .act_on_case(clerk, &no, Command::Supplement { materials })
                    .await
                    .is_ok()
                    && self.act_on_case(clerk, &no, Command::Accept).await.is_ok();
                let concluded = load(&no)
                    .await
                    .is_some_and(|c| c.case.status == yichuang_domain::case::CaseStatus::Concluded);
                if done && concluded {
                    // An immediate matter is decided on acceptance and handed over at once.
                    summary.concluded += 1;
                    let deliver = Command::Deliver {
                        method: DeliveryMethod::Pickup,
                        tracking_no: None,
                        recipient: Some("申请人本人".into()),
                    };
                    if self.act_on_case(clerk, &no, deliver).await.is_err() {
                        summary.refused_operations += 1;
                    }
                } else if done && let Some(d) = next(rng.i64(1..=5)) {
                    book.entry(d).or_default().push(Planned::Conclude(no));
                }
                done
            }
            Planned::Resume(no) => {
                let Some(c) = load(&no).await else { return };
                let office = &staff.offices[&c.case.received.department];
                let suspend = Command::Suspend {
                    procedure: Procedure::ExpertReview,
                    reason: "组织专家评审".into(),
                    expected_days: 3,
                };
                let done = self.act_on_case(office, &no, suspend).await.is_ok();
                if done {
                    // Resumed three working days later, concluded two days after that.
                    clock.advance(Duration::seconds(1));
                    if let Some(d) = next(3) {
                        book.entry(d).or_default().push(Planned::Conclude(no));
                    }
                }
                done
            }
            Planned::Conclude(no) => {
                let Some(c) = load(&no).await else { return };
                let office = &staff.offices[&c.case.received.department];
                if c.case.status == yichuang_domain::case::CaseStatus::Suspended {
                    let _ = self.act_on_case(office, &no, Command::Resume).await;
                }
                let decider = &staff.deciders[&c.case.received.department];
                let mut step = c.case.current_step;
                let mut guard = 0;
                while step.is_some() && guard < 10 {
                    guard += 1;
                    let pass = || Command::Pass {
                        comment: "同意".into(),
                        seen: vec![],
                    };
                    // The 承办人 passes what it may; a step its duties rule out goes to the
                    // department's second person.
                    let passed = match self.act_on_case(office, &no, pass()).await {
                        Err(CoreError::InvalidTransition(why)) if why.starts_with("职责分离") => {
                            self.act_on_case(decider, &no, pass()).await
                        }
                        other => other,
                    };
                    step = match passed {
                        Ok(d) => d.case.current_step,
                        Err(_) => None,
                    };
                }
                let (outcome, reason) = if rng.u32(0..100) < 95 {
                    (Outcome::Approved, "符合法定条件")
                } else {
                    (Outcome::Denied, "经审查，不符合法定条件")
                };
                let done = self
                    .act_on_case(
                        office,
                        &no,
                        Command::Conclude {
                            outcome,
                            reason: reason.into(),
                            seen: vec![],
                        },
                    )
                    .await
                    .map_err(|e| tracing::warn!(error = %e, case_no = no, "simulated conclusion refused"))
                    .is_ok();
                if done {
                    summary.concluded += 1;
                    if let Some(d) = next(1) {
                        book.entry(d).or_default().push(Planned::Deliver(no));
                    }
                }
                done
            }
        };
        if !ok {
            summary.refused_operations += 1;
        }
    }
}
