//! 好差评: evaluations of tickets and cases, invitations, 差评整改 rectifications and the outbox.
//! The SQL is shared with the other backend (`yichuang-store/shared/evaluations.rs`).

type Conn = sqlx::PgConnection;
type Pool = sqlx::PgPool;
type DbRow = sqlx::postgres::PgRow;

include!("../../yichuang-store/shared/evaluations.rs");
