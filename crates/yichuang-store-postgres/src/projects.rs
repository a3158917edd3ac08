//! Investment projects and their stages. The SQL is shared with the other backend
//! (`yichuang-store/shared/projects.rs`).

type Conn = sqlx::PgConnection;
type Pool = sqlx::PgPool;

include!("../../yichuang-store/shared/projects.rs");
