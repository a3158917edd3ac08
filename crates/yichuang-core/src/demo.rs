//! The demo center: the 宣城市 catalog, the official calendar and one account per role, all with
//! the password `demo`. Loaded on the first start of an empty database unless `--no-demo`.

use yichuang_domain::account::Role;
use yichuang_domain::calendar::Calendar;
use yichuang_domain::catalog::parse_catalog;
use yichuang_store::{Center, NewCenter, NewUser};

use crate::auth::hash_password;
use crate::{Core, CoreError, Result};

/// The demo catalog, embedded in the binary.
pub const DEMO_CATALOG: &str = include_str!("../../../demo/xuancheng.json");

/// The demo password of every demo account.
pub const DEMO_PASSWORD: &str = "demo";

/// Code of the demo center.
pub const DEMO_CENTER_CODE: &str = "341800";

/// Dedicated window groups that get one demo clerk each (`clerk-<group>`).
pub const DEDICATED_GROUPS: &[&str] = &["commercial_registration", "tax", "fire", "transport"];

impl Core {
    /// Whether the database has no center yet.
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.store().centers().await?.is_empty())
    }

    /// Creates an empty center with the official calendar.
    pub async fn create_center(&self, code: &str, name: &str, actor: &str) -> Result<Center> {
        let new = NewCenter {
            code: code.to_owned(),
            name: name.to_owned(),
        };
        Ok(self
            .store()
            .create_center(&new, &Calendar::official(), &self.ctx(actor))
            .await?)
    }

    /// Loads the demo center into an empty database.
    pub async fn load_demo(&self) -> Result<Center> {
        let catalog = parse_catalog(DEMO_CATALOG).map_err(CoreError::InvalidCatalog)?;
        let center = self
            .create_center(DEMO_CENTER_CODE, "宣城市政务服务中心", "system")
            .await?;
        self.import_catalog(center.id, &catalog, "system", &|_| {})
            .await?;
        // One hash for all demo accounts: they share the password, and hashing ~100 times
        // would only slow every first start and every test.
        let hash = hash_password(DEMO_PASSWORD).await?;
        let first_window = |group: &str| {
            catalog
                .windows
                .iter()
                .find(|w| w.group == group)
                .map(|w| w.code.clone())
        };
        let mut users = Vec::new();
        let mut add = |username: String, display: String, roles: Vec<Role>, dept, window| {
            users.push(NewUser {
                center_id: center.id,
                username,
                display_name: display,
                password_hash: hash.clone(),
                roles,
                department: dept,
                window,
            });
        };
        add(
            "admin".into(),
            "系统管理员".into(),
            vec![Role::Admin],
            None,
            None,
        );
        add(
            "supervisor".into(),
            "监察室".into(),
            vec![Role::Supervisor],
            None,
            None,
        );
        add(
            "issuer".into(),
            "出件窗口".into(),
            vec![Role::Issuer],
            None,
            first_window("issuance"),
        );
        for n in 1..=4 {
            let window = format!("W{n:02}");
            add(
                format!("clerk{n}"),
                format!("综合窗口{n}号"),
                vec![Role::Clerk],
                None,
                Some(window),
            );
        }
        add(
            "clerk-inv".into(),
            "投资项目综合窗口".into(),
            vec![Role::Clerk],
            None,
            first_window("investment"),
        );
        for group in DEDICATED_GROUPS {
            let name = catalog
                .window_groups
                .iter()
                .find(|g| g.code == *group)
                .map(|g| g.name.clone());
            let display = name.unwrap_or_else(|| (*group).to_owned());
            add(
                format!("clerk-{group}"),
                display,
                vec![Role::Clerk],
                None,
                first_window(group),
            );
        }
        for d in &catalog.departments {
            let dept = Some(d.code.clone());
            add(
                format!("{}-approver", d.code),
                format!("{}审批员", d.short_name),
                vec![Role::Approver],
                dept.clone(),
                None,
            );
            add(
                format!("{}-head", d.code),
                format!("{}负责人", d.short_name),
                vec![Role::DeptHead],
                dept,
                None,
            );
        }
        self.store()
            .create_users(&users, &self.ctx("system"))
            .await?;
        tracing::info!(
            center = center.code,
            accounts = users.len(),
            "demo center loaded"
        );
        Ok(center)
    }
}
