//! The one error type of the crate: bad input, never a runtime failure (there is no I/O).

/// Why a replay, a proposal or a validation could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StaffingError {
    /// An arrival outside the day or with an impossible service time.
    #[error("day {day}, ticket {index}: {reason}")]
    InvalidArrival {
        /// Day (index into the days given).
        day: usize,
        /// Ticket (index into that day).
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// A ticket needs a sampled service time but its queue has no samples.
    #[error("queue {queue}: no service times to sample from")]
    NoServiceTimes {
        /// The queue.
        queue: String,
    },
    /// An option out of range (a negative target, zero replications, …).
    #[error("invalid option: {0}")]
    InvalidOption(String),
}

/// Result with [`StaffingError`].
pub type Result<T, E = StaffingError> = std::result::Result<T, E>;
