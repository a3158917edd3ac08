//! Applicant accounts, verification codes, uploaded files and the 电子证照库. The SQL is shared
//! with the other backend (`yichuang-store/shared/portal.rs`).

type Conn = sqlx::SqliteConnection;
type Pool = sqlx::SqlitePool;
type DbRow = sqlx::sqlite::SqliteRow;

include!("../../yichuang-store/shared/portal.rs");
