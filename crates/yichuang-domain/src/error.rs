//! Semantic domain errors. Each variant maps to one HTTP status and one stable API code in the
//! web layer; the message is always Chinese because it is shown to people.

/// An error raised by a domain rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Input that fails validation; `field` names the offending input.
    #[error("{field}: {reason}")]
    Invalid {
        /// Which input field is wrong (English identifier).
        field: String,
        /// Why, in Chinese.
        reason: String,
    },
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The operation conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
}

impl DomainError {
    /// Shorthand for [`DomainError::Invalid`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
