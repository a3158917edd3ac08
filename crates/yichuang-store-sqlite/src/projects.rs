//! Investment projects and their stages. The SQL is shared with the other backend
//! (`yichuang-store/shared/projects.rs`).

type Conn = sqlx::SqliteConnection;
type Pool = sqlx::SqlitePool;

include!("../../yichuang-store/shared/projects.rs");
