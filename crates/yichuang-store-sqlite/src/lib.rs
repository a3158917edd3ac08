//! SQLite implementation of the 一窗通 store: the embedded default.
//!
//! Durability first: WAL with `synchronous = FULL`, so an acknowledged 受理 or 办结 survives a
//! power cut. Exactly one writer connection (SQLite has one writer anyway; a second one only adds
//! busy-handler sleeps and a long latency tail) and a separate read-only pool. Write
//! transactions start with `BEGIN IMMEDIATE` so that another process writing the same file (for
//! example `yichuang import catalog` next to a running server) waits in the busy handler instead
//! of failing on a lock upgrade.

mod accounts;
mod audit;
mod board;
mod calendar;
mod cases;
mod catalog;
mod counters;
mod evaluations;
mod events;
mod exchange;
mod group;
mod jobs;
mod open;
#[cfg(test)]
mod plans;
mod portal;
mod projects;
mod sealing;
mod tickets;
mod util;

pub use open::durable_insert_anchor;
pub(crate) use util::{day_ms, db, ms};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::sqlite::SqlitePool;
use yichuang_domain::calendar::{Calendar, DayKind};
use yichuang_domain::catalog::{
    Catalog, Department, LicenseType, Referral, Region, Window, WindowGroup,
};
use yichuang_store::{
    Appointment, CallRequest, CaseFilter, CaseNumbering, CaseWrite, Center, Ctx, EvaluationOutcome,
    EvaluationRecord, Event, ImportReport, LightChange, MatterFilter, MatterSummary, MatterVersion,
    NewAppointment, NewCenter, NewEvaluation, NewOrder, NewSession, NewTicket, NewUser,
    Notification, Progress, Rectification, RectificationFilter, RectificationStatus, Result,
    Session, StaffUserRecord, Store, StoredCase, SupervisionOrder, Ticket,
};

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// The hot writes go through group commit (see [`group`]); the rest use `writer` directly.
    group: group::GroupCommit,
    writer: SqlitePool,
    reader: SqlitePool,
    sealer: yichuang_store::Sealer,
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("select 1")
            .execute(&self.reader)
            .await
            .map_err(db)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn sealer(&self) -> yichuang_store::Sealer {
        self.sealer.clone()
    }

    async fn reseal_personal_data(
        &self,
        ctx: &Ctx,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<yichuang_store::ResealReport> {
        let report = crate::sealing::reseal(&self.writer, &self.sealer, ctx, progress).await?;
        if report.were_plain > 0 {
            // The plain values are gone from the rows but not from the file.
            crate::audit::after_log_rewrite(self).await?;
        }
        Ok(report)
    }

    async fn create_center(&self, new: &NewCenter, cal: &Calendar, ctx: &Ctx) -> Result<Center> {
        let mut tx = self.begin().await?;
        let center = calendar::create_center(&mut tx, new, cal, ctx).await?;
        tx.commit().await.map_err(db)?;
        Ok(center)
    }

    async fn centers(&self) -> Result<Vec<Center>> {
        calendar::centers(&self.reader, None).await
    }

    async fn center_by_code(&self, code: &str) -> Result<Option<Center>> {
        Ok(calendar::centers(&self.reader, Some(code))
            .await?
            .into_iter()
            .next())
    }

    async fn import_catalog(
        &self,
        center_id: i64,
        catalog: &Catalog,
        ctx: &Ctx,
        progress: Progress<'_>,
    ) -> Result<ImportReport> {
        let mut tx = self.begin().await?;
        let report = catalog::import(&mut tx, center_id, catalog, ctx, progress).await?;
        tx.commit().await.map_err(db)?;
        Ok(report)
    }

    async fn list_matters(
        &self,
        center_id: i64,
        filter: &MatterFilter,
    ) -> Result<(Vec<MatterSummary>, u64)> {
        catalog::list(&self.reader, center_id, filter).await
    }

    async fn matter(&self, center_id: i64, code: &str) -> Result<Option<MatterVersion>> {
        catalog::version(&self.reader, center_id, code, None).await
    }

    async fn matter_version(
        &self,
        center_id: i64,
        code: &str,
        version: i64,
    ) -> Result<Option<MatterVersion>> {
        catalog::version(&self.reader, center_id, code, Some(version)).await
    }

    async fn matter_history(
        &self,
        center_id: i64,
        code: &str,
    ) -> Result<Vec<(i64, DateTime<Utc>)>> {
        catalog::history(&self.reader, center_id, code).await
    }

    async fn region(&self, center_id: i64) -> Result<Option<Region>> {
        catalog::region(&self.reader, center_id).await
    }

    async fn referrals(&self, center_id: i64) -> Result<Vec<Referral>> {
        catalog::referrals(&self.reader, center_id).await
    }

    async fn window_groups(&self, center_id: i64) -> Result<Vec<WindowGroup>> {
        catalog::window_groups(&self.reader, center_id).await
    }

    async fn departments(&self, center_id: i64) -> Result<Vec<(Department, u64)>> {
        catalog::departments(&self.reader, center_id).await
    }

    async fn department(&self, center_id: i64, code: &str) -> Result<Option<Department>> {
        catalog::department(&self.reader, center_id, code).await
    }

    async fn windows(&self, center_id: i64) -> Result<Vec<Window>> {
        catalog::windows(&self.reader, center_id).await
    }

    async fn license_types(&self, center_id: i64) -> Result<Vec<LicenseType>> {
        catalog::license_types(&self.reader, center_id).await
    }

    async fn calendar(&self, center_id: i64) -> Result<Calendar> {
        calendar::load(&self.reader, center_id).await
    }

    async fn set_calendar_day(
        &self,
        center_id: i64,
        day: NaiveDate,
        kind: Option<DayKind>,
        note: &str,
        ctx: &Ctx,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        calendar::set_day(&mut tx, center_id, day, kind, note, ctx).await?;
        tx.commit().await.map_err(db)
    }

    async fn set_calendar_year(
        &self,
        center_id: i64,
        year: i32,
        loaded: bool,
        ctx: &Ctx,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        calendar::set_year(&mut tx, center_id, year, loaded, ctx).await?;
        tx.commit().await.map_err(db)
    }

    async fn create_users(&self, users: &[NewUser], ctx: &Ctx) -> Result<Vec<StaffUserRecord>> {
        let mut tx = self.begin().await?;
        let mut out = Vec::with_capacity(users.len());
        for u in users {
            out.push(accounts::create(&mut tx, u, ctx).await?);
        }
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<StaffUserRecord>> {
        accounts::by_username(&self.reader, username).await
    }

    async fn users(&self, center_id: i64) -> Result<Vec<StaffUserRecord>> {
        accounts::list(&self.reader, center_id).await
    }

    async fn record_login_failure(
        &self,
        user_id: i64,
        max_failures: u32,
        lock_until: DateTime<Utc>,
        ctx: &Ctx,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let locked =
            accounts::login_failed(&mut tx, user_id, max_failures, lock_until, ctx).await?;
        tx.commit().await.map_err(db)?;
        Ok(locked)
    }

    async fn start_session(&self, session: &NewSession, ctx: &Ctx) -> Result<()> {
        let mut tx = self.begin().await?;
        accounts::start_session(&mut tx, session, ctx).await?;
        tx.commit().await.map_err(db)
    }

    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        accounts::session(&self.reader, token_hash, now).await
    }

    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        accounts::touch_session(&self.writer, token_hash, now).await
    }

    async fn end_session(&self, token_hash: &str, ctx: &Ctx) -> Result<()> {
        let mut tx = self.begin().await?;
        accounts::end_session(&mut tx, token_hash, ctx).await?;
        tx.commit().await.map_err(db)
    }

    async fn next_case_no(&self, center_id: i64, day: NaiveDate, prefix: &str) -> Result<String> {
        let mut tx = self.begin().await?;
        let no = cases::next_case_no(&mut tx, center_id, day, prefix, day_ms(day)).await?;
        tx.commit().await.map_err(db)?;
        Ok(no)
    }

    async fn create_case(
        &self,
        write: &CaseWrite,
        numbering: Option<&CaseNumbering>,
        ctx: &Ctx,
    ) -> Result<String> {
        self.create_case_grouped(write, numbering, ctx).await
    }

    async fn update_case(&self, write: &CaseWrite, expected_version: u64, ctx: &Ctx) -> Result<()> {
        self.update_case_grouped(write, expected_version, ctx).await
    }

    async fn case_by_no(&self, case_no: &str) -> Result<Option<StoredCase>> {
        cases::by_no(&self.reader, &self.sealer, case_no).await
    }

    async fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<StoredCase>> {
        cases::list(&self.reader, &self.sealer, filter).await
    }

    async fn issue_ticket(&self, new: &NewTicket, ctx: &Ctx) -> Result<Ticket> {
        self.issue_ticket_grouped(new, ctx).await
    }

    async fn call_next(&self, req: &CallRequest, ctx: &Ctx) -> Result<Option<Ticket>> {
        self.call_next_grouped(req, ctx).await
    }

    async fn update_ticket(
        &self,
        ticket: &Ticket,
        expected: yichuang_domain::queue::TicketStatus,
        kind: &str,
        payload: serde_json::Value,
        ctx: &Ctx,
    ) -> Result<()> {
        self.update_ticket_grouped(ticket, expected, kind, payload, ctx)
            .await
    }

    async fn ticket(&self, id: i64) -> Result<Option<Ticket>> {
        tickets::get(&self.reader, id).await
    }

    async fn ticket_holder(&self, id: i64) -> Result<Option<String>> {
        tickets::holder(&self.reader, &self.sealer, id).await
    }

    async fn tickets(
        &self,
        center_id: i64,
        day: NaiveDate,
        statuses: &[yichuang_domain::queue::TicketStatus],
    ) -> Result<Vec<Ticket>> {
        tickets::list(&self.reader, center_id, day, statuses).await
    }

    async fn window_ticket(
        &self,
        center_id: i64,
        day: NaiveDate,
        window: &str,
    ) -> Result<Option<Ticket>> {
        tickets::at_window(&self.reader, center_id, day, window).await
    }

    async fn set_window_paused(
        &self,
        center_id: i64,
        window: &str,
        paused: bool,
        ctx: &Ctx,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        tickets::set_paused(&mut tx, center_id, window, paused, ctx).await?;
        tx.commit().await.map_err(db)
    }

    async fn record_evaluation(&self, e: &NewEvaluation, ctx: &Ctx) -> Result<EvaluationOutcome> {
        let mut tx = self.begin().await?;
        let out = evaluations::record(&mut tx, e, ctx).await?;
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    async fn evaluations(&self, center_id: i64, limit: u32) -> Result<Vec<EvaluationRecord>> {
        evaluations::list(&self.reader, center_id, limit).await
    }

    async fn case_evaluations(&self, case_no: &str) -> Result<Vec<EvaluationRecord>> {
        evaluations::for_case(&self.reader, case_no).await
    }

    async fn create_invite(
        &self,
        center_id: i64,
        case_no: &str,
        token_hash: &str,
        ctx: &Ctx,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        evaluations::create_invite(&mut tx, center_id, case_no, token_hash, ctx).await?;
        tx.commit().await.map_err(db)
    }

    async fn invite(&self, token_hash: &str) -> Result<Option<String>> {
        evaluations::invite(&self.reader, token_hash).await
    }

    async fn rectifications(&self, filter: &RectificationFilter) -> Result<Vec<Rectification>> {
        evaluations::rect_list(&self.reader, filter).await
    }

    async fn rectification(&self, id: i64) -> Result<Option<Rectification>> {
        evaluations::get(&self.reader, id).await
    }

    async fn update_rectification(
        &self,
        r: &Rectification,
        expected: RectificationStatus,
        kind: &str,
        payload: serde_json::Value,
        ctx: &Ctx,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        evaluations::update(&mut tx, r, expected, kind, payload, ctx).await?;
        tx.commit().await.map_err(db)
    }

    async fn push_outbox(&self, msg: &yichuang_store::OutboxMessage, ctx: &Ctx) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = evaluations::push_outbox(&mut tx, msg, ctx).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn create_applicant(
        &self,
        a: &yichuang_store::NewApplicant,
        ctx: &Ctx,
    ) -> Result<StaffUserRecord> {
        let mut tx = self.begin().await?;
        let out = portal::create_applicant(&mut tx, a, ctx).await?;
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    async fn applicant_profile(
        &self,
        user_id: i64,
    ) -> Result<Option<yichuang_store::ApplicantProfile>> {
        portal::applicant_profile(&self.reader, &self.sealer, user_id).await
    }

    async fn applicant_by_id_number(
        &self,
        id_number: &str,
    ) -> Result<Option<yichuang_store::ApplicantProfile>> {
        portal::applicant_by_id_number(&self.reader, &self.sealer, id_number).await
    }

    async fn save_verification_code(
        &self,
        phone: &str,
        code_hash: &str,
        expires_at: DateTime<Utc>,
        ctx: &Ctx,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        portal::save_code(&mut tx, phone, code_hash, expires_at, ctx).await?;
        tx.commit().await.map_err(db)
    }

    async fn consume_verification_code(
        &self,
        phone: &str,
        code_hash: &str,
        max_attempts: u32,
        ctx: &Ctx,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let ok = portal::consume_code(&mut tx, phone, code_hash, max_attempts, ctx).await?;
        tx.commit().await.map_err(db)?;
        Ok(ok)
    }

    async fn create_file(&self, f: &yichuang_store::StoredFile, ctx: &Ctx) -> Result<()> {
        let mut tx = self.begin().await?;
        portal::create_file(&mut tx, f, ctx).await?;
        tx.commit().await.map_err(db)
    }

    async fn file(&self, id: &str) -> Result<Option<yichuang_store::StoredFile>> {
        portal::file(&self.reader, id).await
    }

    async fn import_licenses(
        &self,
        licenses: &[yichuang_store::NewLicense],
        ctx: &Ctx,
    ) -> Result<u64> {
        let mut tx = self.begin().await?;
        for l in licenses {
            portal::insert_license(&mut tx, l, ctx).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(licenses.len() as u64)
    }

    async fn licenses(
        &self,
        filter: &yichuang_store::LicenseFilter,
    ) -> Result<Vec<yichuang_store::License>> {
        portal::licenses(&self.reader, &self.sealer, filter).await
    }

    async fn license(&self, number: &str) -> Result<Option<yichuang_store::License>> {
        portal::license(&self.reader, &self.sealer, number).await
    }

    async fn licenses_expiring(
        &self,
        until: NaiveDate,
        limit: u32,
    ) -> Result<Vec<yichuang_store::License>> {
        portal::expiring(&self.reader, &self.sealer, until, limit).await
    }

    async fn mark_license_notified(&self, id: i64, ctx: &Ctx) -> Result<bool> {
        let mut tx = self.begin().await?;
        let ok = portal::mark_notified(&mut tx, id, ctx).await?;
        tx.commit().await.map_err(db)?;
        Ok(ok)
    }

    async fn open_project_stage(
        &self,
        project: &yichuang_store::NewProject,
        stage: &yichuang_store::NewStage,
        cases: &[CaseWrite],
        numbering: &CaseNumbering,
        ctx: &Ctx,
    ) -> Result<Vec<String>> {
        let mut tx = self.begin().await?;
        let out = projects::open_stage(&mut tx, project, stage, cases, numbering, ctx).await?;
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    async fn project(&self, code: &str) -> Result<Option<yichuang_store::Project>> {
        projects::project(&self.reader, &self.sealer, code).await
    }

    async fn projects(
        &self,
        center_id: i64,
        credit_code: Option<&str>,
    ) -> Result<Vec<yichuang_store::Project>> {
        projects::projects(&self.reader, &self.sealer, center_id, credit_code).await
    }

    async fn add_project_agent(&self, project_id: i64, user_id: i64, ctx: &Ctx) -> Result<()> {
        let mut tx = self.begin().await?;
        projects::add_agent(&mut tx, project_id, user_id, ctx).await?;
        tx.commit().await.map_err(db)
    }

    async fn add_report_counters(
        &self,
        deltas: &yichuang_store::report::Deltas,
        ctx: &Ctx,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        counters::apply(&mut tx, deltas, ctx.now.timestamp_millis()).await?;
        tx.commit().await.map_err(db)
    }

    async fn outbox(
        &self,
        center_id: i64,
        limit: u32,
    ) -> Result<Vec<yichuang_store::OutboxRecord>> {
        evaluations::outbox(&self.reader, &self.sealer, center_id, limit).await
    }

    async fn light_board(
        &self,
        center_id: i64,
        day: NaiveDate,
        department: Option<&str>,
    ) -> Result<Vec<yichuang_store::board::DepartmentLights>> {
        board::counts(&self.reader, center_id, day, department).await
    }

    async fn light_cases(
        &self,
        q: &yichuang_store::board::LightQuery,
    ) -> Result<Vec<yichuang_store::board::LightRow>> {
        board::list(&self.reader, q).await
    }

    async fn create_cases(
        &self,
        writes: &[CaseWrite],
        numbering: &CaseNumbering,
        ctx: &Ctx,
    ) -> Result<Vec<String>> {
        let mut tx = self.begin().await?;
        let mut out = Vec::with_capacity(writes.len());
        let mut deltas = yichuang_store::report::Deltas::new();
        for w in writes {
            let center = w.case.received.center_id;
            let no = cases::next_case_no(
                &mut tx,
                center,
                numbering.day,
                &numbering.prefix,
                day_ms(numbering.day),
            )
            .await?;
            cases::create_with(&mut tx, &w.numbered(&no), ctx, Some(&mut deltas)).await?;
            out.push(no);
        }
        counters::apply(&mut tx, &deltas, ctx.now.timestamp_millis()).await?;
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    async fn report_counters(
        &self,
        center_id: i64,
        from: NaiveDate,
        to: NaiveDate,
        dim: Option<&str>,
    ) -> Result<Vec<yichuang_store::report::Counter>> {
        counters::read(&self.reader, center_id, from, to, dim).await
    }

    async fn rebuild_reports(&self, ctx: &Ctx, progress: Progress<'_>) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = counters::rebuild(&mut tx, ctx.now.timestamp_millis(), progress).await?;
        tx.commit().await.map_err(db)?;
        Ok(n)
    }

    async fn book_appointment(&self, a: &NewAppointment, ctx: &Ctx) -> Result<Appointment> {
        let mut tx = self.begin().await?;
        let out = tickets::book(&mut tx, a, ctx).await?;
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    async fn appointment(&self, id: i64) -> Result<Option<Appointment>> {
        tickets::appointment(&self.reader, id).await
    }

    async fn booked_appointments(
        &self,
        center_id: i64,
        group: &str,
        day: NaiveDate,
    ) -> Result<Vec<Appointment>> {
        tickets::booked(&self.reader, center_id, group, day).await
    }

    async fn cancel_appointment(&self, id: i64, ctx: &Ctx) -> Result<()> {
        let mut tx = self.begin().await?;
        tickets::cancel(&mut tx, id, ctx).await?;
        tx.commit().await.map_err(db)
    }

    async fn check_in_appointment(&self, id: i64, ticket: &NewTicket, ctx: &Ctx) -> Result<Ticket> {
        let mut tx = self.begin().await?;
        let t = tickets::check_in(&mut tx, id, ticket, ctx).await?;
        tx.commit().await.map_err(db)?;
        Ok(t)
    }

    async fn waiting_ahead(&self, ticket: &Ticket) -> Result<u64> {
        tickets::waiting_ahead(&self.reader, ticket).await
    }

    async fn waiting_counts(&self, center_id: i64, day: NaiveDate) -> Result<Vec<(String, u64)>> {
        tickets::waiting_counts(&self.reader, center_id, day).await
    }

    async fn notify(&self, _: yichuang_store::Channel, _: &serde_json::Value) -> Result<bool> {
        Ok(false)
    }

    async fn listen(
        &self,
        _: yichuang_store::Channel,
        _: yichuang_store::HallSink,
    ) -> Result<bool> {
        // One process owns a SQLite database: hall events and cache changes stay in-process.
        Ok(false)
    }

    async fn claim_job(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        every: chrono::Duration,
    ) -> Result<bool> {
        jobs::claim(&self.writer, name, holder, now, every).await
    }

    async fn window_paused(&self, center_id: i64, window: &str) -> Result<bool> {
        tickets::paused(&self.reader, center_id, window).await
    }

    async fn record_light(&self, change: &LightChange, ctx: &Ctx) -> Result<bool> {
        let mut tx = self.begin().await?;
        let changed = cases::record_light(&mut tx, change, ctx).await?;
        tx.commit().await.map_err(db)?;
        Ok(changed)
    }

    async fn notifications(
        &self,
        center_id: i64,
        department: &str,
        limit: u32,
    ) -> Result<Vec<Notification>> {
        cases::notifications(&self.reader, center_id, department, limit).await
    }

    async fn issue_order(&self, order: &NewOrder, ctx: &Ctx) -> Result<SupervisionOrder> {
        let mut tx = self.begin().await?;
        let o = cases::issue_order(&mut tx, order, ctx).await?;
        tx.commit().await.map_err(db)?;
        Ok(o)
    }

    async fn reply_order(&self, id: i64, reply: &str, ctx: &Ctx) -> Result<SupervisionOrder> {
        let mut tx = self.begin().await?;
        let o = cases::reply_order(&mut tx, id, reply, ctx).await?;
        tx.commit().await.map_err(db)?;
        Ok(o)
    }

    async fn escalate_orders(&self, today: NaiveDate, ctx: &Ctx) -> Result<Vec<SupervisionOrder>> {
        let mut tx = self.begin().await?;
        let out = cases::escalate_orders(&mut tx, today, ctx).await?;
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    async fn order(&self, id: i64) -> Result<Option<SupervisionOrder>> {
        cases::order(&self.reader, id).await
    }

    async fn orders_for_case(&self, case_no: &str) -> Result<Vec<SupervisionOrder>> {
        cases::orders_for_case(&self.reader, case_no).await
    }

    async fn record_event(
        &self,
        center_id: Option<i64>,
        subject: (&str, &str),
        kind: &str,
        payload: serde_json::Value,
        ctx: &Ctx,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        events::append(&mut tx, ctx, center_id, subject, kind, payload).await?;
        tx.commit().await.map_err(db)
    }

    async fn events_for(&self, subject_kind: &str, subject_id: &str) -> Result<Vec<Event>> {
        events::for_subject(&self.reader, &self.sealer, subject_kind, subject_id).await
    }

    async fn recent_events(&self, center_id: i64, limit: u32) -> Result<Vec<Event>> {
        events::recent(&self.reader, &self.sealer, center_id, limit).await
    }
}
