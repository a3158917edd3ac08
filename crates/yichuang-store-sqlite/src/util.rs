//! Small conversions shared by the store's modules.

use chrono::{DateTime, NaiveDate, Utc};
use yichuang_store::StoreError;

/// Maps a sqlx error to the portable store error.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound("记录不存在".into()),
        sqlx::Error::Database(d) => match d.kind() {
            sqlx::error::ErrorKind::UniqueViolation => {
                StoreError::Conflict(format!("记录已存在：{}", d.message()))
            }
            sqlx::error::ErrorKind::ForeignKeyViolation => {
                StoreError::Conflict(format!("引用的记录不存在：{}", d.message()))
            }
            _ => StoreError::Other(e.into()),
        },
        _ => StoreError::Other(e.into()),
    }
}

/// A timestamp for counter rows: midnight UTC of the day (they carry no instant of their own).
pub(crate) fn day_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis())
}

/// Epoch milliseconds to an instant.
pub(crate) fn ms(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(v).unwrap_or_default()
}
