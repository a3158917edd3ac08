//! Staffing simulator for the hall (窗口排班测算): how many windows each queue needs per hour to
//! keep the p90 wait under a target, and what that saves or costs against the current plan.
//!
//! Two models, one fast and one faithful:
//! - [`erlang_c`] and [`Mmc`]: the M/M/c closed form. [`propose`] feeds it, per queue and hour,
//!   the arrival rate of the hour's busiest quarter-hour (averaged over the history days) and the
//!   queue's mean service time, and takes the smallest window count whose p90 wait meets the
//!   target ([`servers_needed`]).
//! - [`simulate`]: a discrete-event replay of the actual tickets under a [`WindowPlan`], FIFO per
//!   queue, with windows opening and closing on the hour, service times measured or bootstrapped
//!   from the queue's samples with a seeded RNG (same seed, same result). [`propose`] replays
//!   the history under its plan and adds a window wherever an hour still misses the target, so
//!   the answer does not rest on Erlang C's assumptions (Poisson arrivals, exponential service,
//!   steady state within the hour).
//!
//! [`validate`] replays a measured day under the plan that was really in force and compares the
//! simulated waits with the measured ones (±20 % by default).
//!
//! Pure computation: no I/O and no clock. Callers extract [`Arrival`]s (ticket taken, called,
//! finished) from the event log and render the [`Proposal`]. Times are minutes since local
//! midnight of each ticket's day; waits are from taking the ticket to being called.

mod erlang;
mod error;
mod input;
mod propose;
mod sim;
mod stats;
mod validate;

pub use erlang::{Mmc, erlang_b, erlang_c, servers_needed};
pub use error::{Result, StaffingError};
pub use input::{Arrival, DAY_MIN, HOURS, QUARTER_HOURS, ServiceMode, ServiceTimes, WindowPlan};
pub use propose::{ErlangEstimate, Proposal, ProposeOptions, QueueHour, arrival_rates, propose};
pub use sim::{QueueResult, SimResult, TicketOutcome, simulate};
pub use stats::{Stats, quantile_sorted};
pub use validate::{
    Comparison, MeasuredTicket, ValidateOptions, Validation, validate, validate_days,
};
