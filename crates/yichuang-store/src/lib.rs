//! The storage contract of 一窗通. Every method of [`Store`] is one whole use-case operation that
//! a backend runs in one transaction, writing the event log in the same transaction as the
//! projections it changes. Two backends implement it (`yichuang-store-sqlite`,
//! `yichuang-store-postgres`) and both must pass the [`conformance`] suite.

pub mod audit;
pub mod batch;
pub mod board;
mod cases;
mod error;
mod evaluations;
pub mod exchange;
mod portal;
mod projects;
pub mod report;
pub mod sealing;
mod tickets;
mod types;

#[cfg(feature = "conformance")]
pub mod conformance;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use yichuang_domain::calendar::{Calendar, DayKind};
use yichuang_domain::catalog::{
    Catalog, Department, LicenseType, Referral, Region, Window, WindowGroup,
};

pub use audit::{AuditFilter, AuditStore, Origin};
pub use cases::*;
pub use error::{Result, StoreError};
pub use evaluations::*;
pub use exchange::ExchangeStore;
pub use portal::*;
pub use projects::*;
pub use sealing::{ResealReport, Sealer};
pub use tickets::*;
pub use types::*;

/// Receives the messages other server instances broadcast on a [`Channel`].
pub type HallSink = std::sync::Arc<dyn Fn(serde_json::Value) + Send + Sync>;

/// What server instances on one database tell each other (PostgreSQL LISTEN/NOTIFY).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Hall events: calls, finishes, pauses, for every display and pad.
    Hall,
    /// Reference data changed (catalog, calendar): drop what is cached.
    Changes,
}

impl Channel {
    /// The channel's name in the database.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hall => "yichuang_hall",
            Self::Changes => "yichuang_changes",
        }
    }
}

/// Progress callback for long operations: receives the number of items done so far.
pub type Progress<'a> = &'a (dyn Fn(u64) + Send + Sync);

/// The store: every operation the application performs on its data.
#[async_trait]
pub trait Store: AuditStore + ExchangeStore + Send + Sync + std::fmt::Debug {
    /// Checks that the database answers.
    async fn ping(&self) -> Result<()>;

    /// The backend's name, for logs and benchmarks (`sqlite`, `postgres`).
    fn backend(&self) -> &'static str;

    /// The sealer of the personal data this store holds; every context the core makes carries
    /// it, so that writes seal with the store's keys.
    fn sealer(&self) -> Sealer;

    /// Seals with the current key every stored personal value that is plain (written before
    /// encryption was on) or sealed with an older key, fills the blind indexes, and moves
    /// applicant login names off the phone number. Runs at start and after `yichuang keys
    /// rotate`; a pass with nothing to do reads only the indexes. The append-only event log is
    /// not rewritten here: events keep what they recorded until the operator runs
    /// `yichuang audit reseal` (`AuditStore::reseal_event_log`).
    /// `progress` hears the number of rows looked at so far, after every batch.
    async fn reseal_personal_data(
        &self,
        ctx: &Ctx,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<ResealReport>;

    // ---- centers -------------------------------------------------------------------------

    /// Creates a center with its initial calendar (overrides and loaded years).
    async fn create_center(
        &self,
        new: &NewCenter,
        calendar: &Calendar,
        ctx: &Ctx,
    ) -> Result<Center>;

    /// All centers, oldest first.
    async fn centers(&self) -> Result<Vec<Center>>;

    /// A center by its code.
    async fn center_by_code(&self, code: &str) -> Result<Option<Center>>;

    // ---- catalog -------------------------------------------------------------------------

    /// Imports a validated catalog into a center, all or nothing. Unchanged matters keep their
    /// version; a changed matter gets a new version effective from `ctx.now`.
    async fn import_catalog(
        &self,
        center_id: i64,
        catalog: &Catalog,
        ctx: &Ctx,
        progress: Progress<'_>,
    ) -> Result<ImportReport>;

    /// Matters of a center matching `filter`, with the total number of matches.
    async fn list_matters(
        &self,
        center_id: i64,
        filter: &MatterFilter,
    ) -> Result<(Vec<MatterSummary>, u64)>;

    /// The version of a matter in force.
    async fn matter(&self, center_id: i64, code: &str) -> Result<Option<MatterVersion>>;

    /// One particular version of a matter.
    async fn matter_version(
        &self,
        center_id: i64,
        code: &str,
        version: i64,
    ) -> Result<Option<MatterVersion>>;

    /// The version history of a matter: `(version, effective_from)`, oldest first.
    async fn matter_history(&self, center_id: i64, code: &str)
    -> Result<Vec<(i64, DateTime<Utc>)>>;

    /// The region a center's catalog was imported for.
    async fn region(&self, center_id: i64) -> Result<Option<Region>>;

    /// The referrals to other agencies of the catalog last imported into a center (empty for
    /// none, or for an unknown center).
    async fn referrals(&self, center_id: i64) -> Result<Vec<Referral>>;

    /// Window groups of a center.
    async fn window_groups(&self, center_id: i64) -> Result<Vec<WindowGroup>>;

    /// Departments of a center, with the number of matters each owns.
    async fn departments(&self, center_id: i64) -> Result<Vec<(Department, u64)>>;

    /// One department of a center.
    async fn department(&self, center_id: i64, code: &str) -> Result<Option<Department>>;

    /// Windows of a center.
    async fn windows(&self, center_id: i64) -> Result<Vec<Window>>;

    /// Licence types of a center.
    async fn license_types(&self, center_id: i64) -> Result<Vec<LicenseType>>;

    // ---- calendar ------------------------------------------------------------------------

    /// The center's working-day calendar.
    async fn calendar(&self, center_id: i64) -> Result<Calendar>;

    /// Sets (`Some`) or clears (`None`) the override of one day.
    async fn set_calendar_day(
        &self,
        center_id: i64,
        day: NaiveDate,
        kind: Option<DayKind>,
        note: &str,
        ctx: &Ctx,
    ) -> Result<()>;

    /// Marks a year's official schedule as entered (or not).
    async fn set_calendar_year(
        &self,
        center_id: i64,
        year: i32,
        loaded: bool,
        ctx: &Ctx,
    ) -> Result<()>;

    // ---- accounts ------------------------------------------------------------------------

    /// Creates staff users, all or nothing. A duplicate username is a conflict.
    async fn create_users(&self, users: &[NewUser], ctx: &Ctx) -> Result<Vec<StaffUserRecord>>;

    /// A user with credentials and lockout state, by username.
    async fn user_by_username(&self, username: &str) -> Result<Option<StaffUserRecord>>;

    /// Staff of a center, by username.
    async fn users(&self, center_id: i64) -> Result<Vec<StaffUserRecord>>;

    /// Records a failed login; once `failures` reaches `max_failures` the account is locked until
    /// `lock_until` and the counter restarts. Returns whether the account is now locked.
    async fn record_login_failure(
        &self,
        user_id: i64,
        max_failures: u32,
        lock_until: DateTime<Utc>,
        ctx: &Ctx,
    ) -> Result<bool>;

    /// Starts a session (cookie or API token) after a successful login and clears the failure
    /// counter.
    async fn start_session(&self, session: &NewSession, ctx: &Ctx) -> Result<()>;

    /// The live session with this token hash, if it exists and has not expired at `now`.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>>;

    /// Records that the session was used at `now` (moves its idle timeout on).
    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()>;

    /// Ends a session (logout).
    async fn end_session(&self, token_hash: &str, ctx: &Ctx) -> Result<()>;

    // ---- cases ---------------------------------------------------------------------------

    /// Allocates the next case number `<prefix><sequence>` (the daily sequence of the center).
    async fn next_case_no(&self, center_id: i64, day: NaiveDate, prefix: &str) -> Result<String>;

    /// Stores a new case with its first events. With `numbering`, the case number is allocated
    /// in the same transaction (one durable commit per intake) and written into the state and
    /// the receipt event; the number is returned.
    async fn create_case(
        &self,
        write: &CaseWrite,
        numbering: Option<&CaseNumbering>,
        ctx: &Ctx,
    ) -> Result<String>;

    /// Stores the result of an action if the case is still at `expected_version`; otherwise
    /// `Conflict` (someone else acted first) and nothing changes.
    async fn update_case(&self, write: &CaseWrite, expected_version: u64, ctx: &Ctx) -> Result<()>;

    /// A case by number.
    async fn case_by_no(&self, case_no: &str) -> Result<Option<StoredCase>>;

    /// Cases matching a filter, newest first.
    async fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<StoredCase>>;

    // ---- hall queue ----------------------------------------------------------------------

    /// Issues a ticket with the next number of its group and day. A second waiting ticket for
    /// the same person and group is a conflict.
    async fn issue_ticket(&self, new: &NewTicket, ctx: &Ctx) -> Result<Ticket>;

    /// Calls the next callable ticket for a window by the calling rule, atomically: two windows
    /// calling at once never get the same ticket. `None` when nothing is callable or the window
    /// is paused.
    async fn call_next(&self, req: &CallRequest, ctx: &Ctx) -> Result<Option<Ticket>>;

    /// Stores a ticket's new state if it is still in `expected` status (else `Conflict`), with
    /// one event of `kind`.
    async fn update_ticket(
        &self,
        ticket: &Ticket,
        expected: yichuang_domain::queue::TicketStatus,
        kind: &str,
        payload: serde_json::Value,
        ctx: &Ctx,
    ) -> Result<()>;

    /// A ticket by id.
    async fn ticket(&self, id: i64) -> Result<Option<Ticket>>;

    /// The ID number the holder of a ticket typed at the kiosk, opened; `None` when none was
    /// given or the ticket has ended.
    async fn ticket_holder(&self, id: i64) -> Result<Option<String>>;

    /// Tickets of a center and day with the given statuses, in queue order.
    async fn tickets(
        &self,
        center_id: i64,
        day: NaiveDate,
        statuses: &[yichuang_domain::queue::TicketStatus],
    ) -> Result<Vec<Ticket>>;

    /// The ticket called or being served at a window on a day (the latest called), read by
    /// the window alone: intake asks it on every case, and a day's called tickets are many.
    async fn window_ticket(
        &self,
        center_id: i64,
        day: NaiveDate,
        window: &str,
    ) -> Result<Option<Ticket>>;

    /// Pauses or resumes a window's calling.
    async fn set_window_paused(
        &self,
        center_id: i64,
        window: &str,
        paused: bool,
        ctx: &Ctx,
    ) -> Result<()>;

    /// Records an evaluation, and with `rectification_due` opens its rectification, in one
    /// transaction. A second evaluation of the same ticket, or of the same case and stage, is a
    /// conflict.
    async fn record_evaluation(&self, e: &NewEvaluation, ctx: &Ctx) -> Result<EvaluationOutcome>;

    /// Evaluations of a center, newest first.
    async fn evaluations(&self, center_id: i64, limit: u32) -> Result<Vec<EvaluationRecord>>;

    /// Case evaluations (一事一评) of a case, oldest first.
    async fn case_evaluations(&self, case_no: &str) -> Result<Vec<EvaluationRecord>>;

    /// Stores an invitation to rate a case (by the SHA-256 of its token).
    async fn create_invite(
        &self,
        center_id: i64,
        case_no: &str,
        token_hash: &str,
        ctx: &Ctx,
    ) -> Result<()>;

    /// The case an invitation token hash is for.
    async fn invite(&self, token_hash: &str) -> Result<Option<String>>;

    /// Rectifications matching a filter, newest first.
    async fn rectifications(&self, filter: &RectificationFilter) -> Result<Vec<Rectification>>;

    /// A rectification by id.
    async fn rectification(&self, id: i64) -> Result<Option<Rectification>>;

    /// Stores a rectification's new state if it is still in `expected` status (else
    /// `Conflict`), with one event of `kind` (its payload gets the department added).
    async fn update_rectification(
        &self,
        r: &Rectification,
        expected: RectificationStatus,
        kind: &str,
        payload: serde_json::Value,
        ctx: &Ctx,
    ) -> Result<()>;

    /// Queues a message for an outside channel; returns its id.
    async fn push_outbox(&self, msg: &OutboxMessage, ctx: &Ctx) -> Result<i64>;

    /// Queued messages of a center for outside channels (SMS, WeChat), newest first; the push
    /// to the provincial platform has its own view (`ExchangeStore::push_report`).
    async fn outbox(&self, center_id: i64, limit: u32) -> Result<Vec<OutboxRecord>>;

    // ---- reports ---------------------------------------------------------------------------

    /// Report counters of a center for the days `from..=to`, optionally of one dimension.
    async fn report_counters(
        &self,
        center_id: i64,
        from: NaiveDate,
        to: NaiveDate,
        dim: Option<&str>,
    ) -> Result<Vec<report::Counter>>;

    /// Replaces every report counter by the replay of the event log, atomically. Returns the
    /// number of events replayed.
    async fn rebuild_reports(&self, ctx: &Ctx, progress: Progress<'_>) -> Result<u64>;

    /// Adds counter increments in one transaction: statistics carried over from an earlier
    /// system, or the counters of a synthetic history in a benchmark. (`rebuild_reports` would
    /// recompute them from the event log, which such rows have none of.)
    async fn add_report_counters(&self, deltas: &report::Deltas, ctx: &Ctx) -> Result<()>;

    /// Books an appointment if the slot still has room (else `Conflict`), all in one transaction.
    async fn book_appointment(&self, a: &NewAppointment, ctx: &Ctx) -> Result<Appointment>;

    /// An appointment by id.
    async fn appointment(&self, id: i64) -> Result<Option<Appointment>>;

    /// Booked (not cancelled) appointments of a category and day.
    async fn booked_appointments(
        &self,
        center_id: i64,
        group: &str,
        day: NaiveDate,
    ) -> Result<Vec<Appointment>>;

    /// Cancels a booked appointment.
    async fn cancel_appointment(&self, id: i64, ctx: &Ctx) -> Result<()>;

    /// Issues the appointment's ticket (callable from the slot start) and marks it checked in.
    async fn check_in_appointment(&self, id: i64, ticket: &NewTicket, ctx: &Ctx) -> Result<Ticket>;

    /// Waiting tickets of the same group ahead of `ticket`.
    async fn waiting_ahead(&self, ticket: &Ticket) -> Result<u64>;

    /// Waiting tickets per group of a center and day.
    async fn waiting_counts(&self, center_id: i64, day: NaiveDate) -> Result<Vec<(String, u64)>>;

    /// Sends a message to every server instance on this database, this one included
    /// (PostgreSQL NOTIFY). A single-process backend does nothing and returns `false`.
    async fn notify(&self, channel: Channel, payload: &serde_json::Value) -> Result<bool>;

    /// Starts delivering every instance's messages on `channel` to `deliver` (PostgreSQL
    /// LISTEN). Returns `false` when the backend is single-process and messages stay in it.
    async fn listen(&self, channel: Channel, deliver: HallSink) -> Result<bool>;

    /// Claims the run of background job `name` due at `now`: `true` for exactly one caller
    /// among all server instances on this database unless the job last ran within `every`
    /// of `now` (each instance ticks; only the claimant runs the job).
    async fn claim_job(
        &self,
        name: &str,
        holder: &str,
        now: chrono::DateTime<chrono::Utc>,
        every: chrono::Duration,
    ) -> Result<bool>;

    /// Whether a window is paused.
    async fn window_paused(&self, center_id: i64, window: &str) -> Result<bool>;

    // ---- supervision -----------------------------------------------------------------------

    /// Records a case's light if it differs from the last recorded one, with a `light_changed`
    /// event and a notification to the department, atomically. Returns whether it changed:
    /// concurrent sweeps record each change exactly once.
    async fn record_light(&self, change: &LightChange, ctx: &Ctx) -> Result<bool>;

    /// Notifications of a department, newest first.
    async fn notifications(
        &self,
        center_id: i64,
        department: &str,
        limit: u32,
    ) -> Result<Vec<Notification>>;

    /// Issues a 督办 order (numbered `DB-<center>-<id>`) with its event on the case's timeline.
    async fn issue_order(&self, order: &NewOrder, ctx: &Ctx) -> Result<SupervisionOrder>;

    /// Records the department's reply (once), with its event on the case's timeline.
    async fn reply_order(&self, id: i64, reply: &str, ctx: &Ctx) -> Result<SupervisionOrder>;

    /// Marks unanswered orders due before `today` as escalated (once each), with an event and a
    /// notification to the department. Returns the escalated orders.
    async fn escalate_orders(&self, today: NaiveDate, ctx: &Ctx) -> Result<Vec<SupervisionOrder>>;

    /// An order by id.
    async fn order(&self, id: i64) -> Result<Option<SupervisionOrder>>;

    /// The orders of a case, oldest first.
    async fn orders_for_case(&self, case_no: &str) -> Result<Vec<SupervisionOrder>>;

    /// Light counts by department of the clocked open cases on `day` (see [`board`]), of one
    /// department when given.
    async fn light_board(
        &self,
        center_id: i64,
        day: NaiveDate,
        department: Option<&str>,
    ) -> Result<Vec<board::DepartmentLights>>;

    /// Clocked open cases by light (see [`board::LightQuery`]), most urgent first.
    async fn light_cases(&self, q: &board::LightQuery) -> Result<Vec<board::LightRow>>;

    /// Stores many new cases, numbered in the center's daily sequence of `numbering.day`, in one
    /// transaction (bulk loads: `yichuang simulate --open-cases`).
    async fn create_cases(
        &self,
        writes: &[CaseWrite],
        numbering: &CaseNumbering,
        ctx: &Ctx,
    ) -> Result<Vec<String>>;

    // ---- 一网通办 and the 电子证照库 -----------------------------------------------------------

    /// Creates an applicant account and its real-name profile in one transaction; a phone or ID
    /// number already registered is a conflict.
    async fn create_applicant(&self, a: &NewApplicant, ctx: &Ctx) -> Result<StaffUserRecord>;

    /// The real-name profile of an applicant account.
    async fn applicant_profile(&self, user_id: i64) -> Result<Option<ApplicantProfile>>;

    /// The applicant account registered with a 身份证号码 or 统一社会信用代码.
    async fn applicant_by_id_number(&self, id_number: &str) -> Result<Option<ApplicantProfile>>;

    /// Stores (replacing any earlier one) the hash of a phone's verification code.
    async fn save_verification_code(
        &self,
        phone: &str,
        code_hash: &str,
        expires_at: DateTime<Utc>,
        ctx: &Ctx,
    ) -> Result<()>;

    /// Checks a code: a match that has not expired consumes it and returns true; a miss counts
    /// an attempt, and after `max_attempts` misses the code is dead.
    async fn consume_verification_code(
        &self,
        phone: &str,
        code_hash: &str,
        max_attempts: u32,
        ctx: &Ctx,
    ) -> Result<bool>;

    /// Records an uploaded file.
    async fn create_file(&self, f: &StoredFile, ctx: &Ctx) -> Result<()>;

    /// A file record by id.
    async fn file(&self, id: &str) -> Result<Option<StoredFile>>;

    /// Imports licences in one transaction; a number already in the library is a conflict.
    async fn import_licenses(&self, licenses: &[NewLicense], ctx: &Ctx) -> Result<u64>;

    /// Licences by holder and type, newest first.
    async fn licenses(&self, filter: &LicenseFilter) -> Result<Vec<License>>;

    /// A licence by number.
    async fn license(&self, number: &str) -> Result<Option<License>>;

    /// Valid licences expiring on or before `until` whose holders were not yet told.
    async fn licenses_expiring(&self, until: NaiveDate, limit: u32) -> Result<Vec<License>>;

    /// Marks the expiry notice of a licence as sent (once).
    async fn mark_license_notified(&self, id: i64, ctx: &Ctx) -> Result<bool>;

    // ---- investment projects -------------------------------------------------------------

    /// Opens a stage of a project (registering the project on its first stage) together with
    /// the stage's parallel cases, all in one transaction; returns the case numbers in order.
    /// A stage already opened is a conflict, as is a known project code of another company.
    async fn open_project_stage(
        &self,
        project: &NewProject,
        stage: &NewStage,
        cases: &[CaseWrite],
        numbering: &CaseNumbering,
        ctx: &Ctx,
    ) -> Result<Vec<String>>;

    /// A project with its stages, cases and agents.
    async fn project(&self, code: &str) -> Result<Option<Project>>;

    /// Projects of a center (newest first), or of one company.
    async fn projects(&self, center_id: i64, credit_code: Option<&str>) -> Result<Vec<Project>>;

    /// Assigns a 帮办/代办 staff member to a project (idempotent).
    async fn add_project_agent(&self, project_id: i64, user_id: i64, ctx: &Ctx) -> Result<()>;

    // ---- events --------------------------------------------------------------------------

    /// Appends one event that changes no projection: an audited read such as revealing a full
    /// ID number, or a security record. It carries `ctx` (actor, time, origin) like every event.
    async fn record_event(
        &self,
        center_id: Option<i64>,
        subject: (&str, &str),
        kind: &str,
        payload: serde_json::Value,
        ctx: &Ctx,
    ) -> Result<()>;

    /// The events of one subject, oldest first.
    async fn events_for(&self, subject_kind: &str, subject_id: &str) -> Result<Vec<Event>>;

    /// The newest events of a center, newest first.
    async fn recent_events(&self, center_id: i64, limit: u32) -> Result<Vec<Event>>;
}
