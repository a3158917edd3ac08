//! The store's error type, the same for both backends.

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("未找到：{0}")]
    NotFound(String),
    /// A uniqueness or reference constraint was violated.
    #[error("冲突：{0}")]
    Conflict(String),
    /// Anything else (connection, SQL, decoding).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Result alias for store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
