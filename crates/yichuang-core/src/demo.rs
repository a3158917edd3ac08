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

/// Code of the demo sub-center (交通运输分中心).
pub const DEMO_SUB_CENTER_CODE: &str = "341800-JT";

/// Code of the demo township center (水阳镇便民服务中心).
pub const DEMO_TOWNSHIP_CODE: &str = "341802-SY";

/// Dedicated window groups that get one demo clerk each (`clerk-<group>`).
pub const DEDICATED_GROUPS: &[&str] = &["commercial_registration", "tax", "fire", "transport"];

impl Core {
    /// Whether the database has no center yet.
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.store().centers().await?.is_empty())
    }

    /// Creates an empty center with the official calendar.
    pub async fn create_center(&self, code: &str, name: &str, actor: &str) -> Result<Center> {
        self.create_child_center(code, name, None, "city", actor)
            .await
    }

    /// Creates an empty center reporting to `parent` (a sub-center, district or township).
    pub async fn create_child_center(
        &self,
        code: &str,
        name: &str,
        parent: Option<i64>,
        kind: &str,
        actor: &str,
    ) -> Result<Center> {
        let new = NewCenter {
            code: code.to_owned(),
            name: name.to_owned(),
            parent_id: parent,
            kind: kind.to_owned(),
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
            "auditor".into(),
            "审计管理员".into(),
            vec![Role::Auditor],
            None,
            None,
        );
        add(
            "issuer".into(),
            "陈静".into(),
            vec![Role::Issuer],
            None,
            first_window("issuance"),
        );
        // Staff carry people's names: reports 分人员 and timelines name the person, and the
        // window beside it.
        for (n, person) in (1..=4).zip(["王芳", "李娜", "张伟", "刘洋"]) {
            let window = format!("W{n:02}");
            add(
                format!("clerk{n}"),
                person.to_owned(),
                vec![Role::Clerk],
                None,
                Some(window),
            );
        }
        add(
            "clerk-inv".into(),
            "赵磊".into(),
            vec![Role::Clerk],
            None,
            first_window("investment"),
        );
        for (group, display) in DEDICATED_GROUPS
            .iter()
            .zip(["孙丽", "周强", "吴敏", "郑洁"])
        {
            add(
                format!("clerk-{group}"),
                display.to_owned(),
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
        self.load_demo_branches(&center, &catalog, &hash).await?;
        Ok(center)
    }

    /// The demo's sub-center (transport matters at its own windows) and township center (a
    /// 便民服务中心 taking local matters and acting as agent for city-level ones), each with its
    /// own windows, staff and calendar.
    async fn load_demo_branches(
        &self,
        city: &Center,
        catalog: &yichuang_domain::catalog::Catalog,
        hash: &str,
    ) -> Result<()> {
        use yichuang_domain::catalog::Window;
        let branch =
            |groups: &[&str],
             windows: Vec<Window>,
             keep: &dyn Fn(&yichuang_domain::catalog::Matter) -> bool| {
                let mut c = catalog.clone();
                c.window_groups
                    .retain(|g| groups.contains(&g.code.as_str()));
                c.windows = windows;
                c.matters.retain(|m| keep(m));
                c
            };
        let window = |code: &str, name: &str, group: &str| Window {
            code: code.into(),
            name: name.into(),
            group: group.into(),
        };
        let sub = self
            .create_child_center(
                DEMO_SUB_CENTER_CODE,
                "宣城市交通运输政务服务分中心",
                Some(city.id),
                "sub_center",
                "system",
            )
            .await?;
        let sub_catalog = branch(
            &["transport"],
            vec![
                window("JT01", "交通分中心1号窗口", "transport"),
                window("JT02", "交通分中心2号窗口", "transport"),
            ],
            &|m| m.window_group == "transport",
        );
        self.import_catalog(sub.id, &sub_catalog, "system", &|_| {})
            .await?;
        let town = self
            .create_child_center(
                DEMO_TOWNSHIP_CODE,
                "宣州区水阳镇便民服务中心",
                Some(city.id),
                "township",
                "system",
            )
            .await?;
        // Local matters of 社会救助 and 养老 are taken at the township itself.
        let town_catalog = branch(
            &["comprehensive"],
            vec![window("SY01", "水阳镇综合窗口", "comprehensive")],
            &|m| {
                m.window_group == "comprehensive"
                    && (m.department == "mzj" || m.department == "rsj")
                    && m.life_events.iter().any(|e| e == "aid" || e == "retire")
            },
        );
        self.import_catalog(town.id, &town_catalog, "system", &|_| {})
            .await?;
        let user = |center: &Center,
                    name: &str,
                    display: &str,
                    role: Role,
                    dept: Option<&str>,
                    window: Option<&str>| NewUser {
            center_id: center.id,
            username: name.into(),
            display_name: display.into(),
            password_hash: hash.to_owned(),
            roles: vec![role],
            department: dept.map(str::to_owned),
            window: window.map(str::to_owned),
        };
        let users = vec![
            user(
                &sub,
                "jt-admin",
                "交通分中心管理员",
                Role::Admin,
                None,
                None,
            ),
            user(
                &sub,
                "jt-clerk",
                "交通分中心1号窗口",
                Role::Clerk,
                None,
                Some("JT01"),
            ),
            user(
                &sub,
                "jt-approver",
                "交通分中心审批员",
                Role::Approver,
                Some("jtysj"),
                None,
            ),
            user(
                &town,
                "sy-admin",
                "水阳镇中心管理员",
                Role::Admin,
                None,
                None,
            ),
            user(
                &town,
                "sy-clerk",
                "水阳镇综合窗口",
                Role::Clerk,
                None,
                Some("SY01"),
            ),
            user(
                &town,
                "sy-approver",
                "水阳镇民政审批员",
                Role::Approver,
                Some("mzj"),
                None,
            ),
        ];
        self.store()
            .create_users(&users, &self.ctx("system"))
            .await?;
        tracing::info!(sub = sub.code, township = town.code, "demo branches loaded");
        Ok(())
    }
}
