//! Applicant accounts, verification codes, uploaded files and the 电子证照库. The SQL is shared
//! with the other backend (`yichuang-store/shared/portal.rs`).

type Conn = sqlx::PgConnection;
type Pool = sqlx::PgPool;
type DbRow = sqlx::postgres::PgRow;

include!("../../yichuang-store/shared/portal.rs");
