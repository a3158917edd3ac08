//! Background-job claims (one run per period across server instances).
//! The SQL is shared with the other backend (`yichuang-store/shared/jobs.rs`).

type Pool = sqlx::PgPool;

include!("../../yichuang-store/shared/jobs.rs");
