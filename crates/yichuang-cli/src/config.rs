//! Configuration: built-in defaults, then the TOML file (`--config` or `YICHUANG_CONFIG`), then
//! `YICHUANG_<SECTION>__<KEY>` environment variables, then command-line flags.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The example configuration, every key with its default; printed by `yichuang config example`.
pub(crate) const EXAMPLE: &str = include_str!("../../../config/yichuang.example.toml");

/// The whole configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Config {
    /// HTTP server.
    pub(crate) server: ServerConfig,
    /// Database.
    pub(crate) database: DatabaseConfig,
    /// Logging.
    pub(crate) log: LogConfig,
    /// Logins and sessions.
    pub(crate) auth: AuthConfig,
    /// 好差评.
    pub(crate) evaluation: EvaluationConfig,
    /// The published formula of the monthly performance ranking.
    pub(crate) performance: yichuang_core::reports::PerformanceFormula,
    /// 电子监察 thresholds.
    pub(crate) supervision: SupervisionConfig,
    /// Stage limits of investment projects.
    pub(crate) projects: ProjectsConfig,
    /// 一网通办: uploads and licences.
    pub(crate) portal: PortalConfig,
    /// Anti-automation: rate limits per phone and per client address.
    pub(crate) limits: yichuang_core::guard::LimitSettings,
    /// The push of case events and evaluations to the provincial platform.
    pub(crate) exchange: ExchangeConfig,
}

/// `[exchange]`: where every case event and 好差评 evaluation is pushed (empty `url`: no push).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct ExchangeConfig {
    /// The endpoint (`http://…`).
    pub(crate) url: String,
    /// One extra header, `Name: value`, e.g. `Authorization: Bearer …`.
    pub(crate) auth_header: String,
    /// Attempts before a message is given up (a dead letter on /admin/outbox).
    pub(crate) max_attempts: u32,
    /// Seconds before the first retry; doubled for each further one (at most 6 hours).
    pub(crate) backoff_seconds: u32,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            auth_header: String::new(),
            max_attempts: 8,
            backoff_seconds: 30,
        }
    }
}

impl std::fmt::Debug for ExchangeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The header carries a credential: only its name is shown.
        let header = self
            .auth_header
            .split_once(':')
            .map(|(name, _)| format!("{}: ***", name.trim()))
            .unwrap_or_default();
        f.debug_struct("ExchangeConfig")
            .field("url", &self.url)
            .field("auth_header", &header)
            .field("max_attempts", &self.max_attempts)
            .field("backoff_seconds", &self.backoff_seconds)
            .finish()
    }
}

impl ExchangeConfig {
    /// The core's push settings, checked; `None` without a URL.
    pub(crate) fn settings(
        &self,
    ) -> anyhow::Result<Option<yichuang_core::exchange::push::ExchangeSettings>> {
        if self.url.trim().is_empty() {
            return Ok(None);
        }
        yichuang_core::exchange::push::ExchangeSettings::new(
            &self.url,
            &self.auth_header,
            self.max_attempts,
            self.backoff_seconds,
        )
        .map(Some)
        .map_err(|e| anyhow::anyhow!("配置有误：[exchange] {e}"))
    }
}

/// `[projects]`: the promised limit of each 工程建设项目审批 stage, in working days.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct ProjectsConfig {
    /// 立项用地规划许可.
    pub(crate) land_planning_days: u32,
    /// 工程建设许可.
    pub(crate) construction_permit_days: u32,
    /// 施工许可.
    pub(crate) construction_days: u32,
    /// 竣工验收.
    pub(crate) completion_days: u32,
}

impl Default for ProjectsConfig {
    fn default() -> Self {
        use yichuang_domain::project::Stage;
        Self {
            land_planning_days: Stage::LandPlanning.default_days(),
            construction_permit_days: Stage::ConstructionPermit.default_days(),
            construction_days: Stage::Construction.default_days(),
            completion_days: Stage::Completion.default_days(),
        }
    }
}

impl ProjectsConfig {
    /// The core's settings, each limit checked.
    pub(crate) fn settings(&self) -> anyhow::Result<yichuang_core::projects::ProjectSettings> {
        use yichuang_domain::project::Stage;
        let mut s = yichuang_core::projects::ProjectSettings::default();
        for (stage, days) in [
            (Stage::LandPlanning, self.land_planning_days),
            (Stage::ConstructionPermit, self.construction_permit_days),
            (Stage::Construction, self.construction_days),
            (Stage::Completion, self.completion_days),
        ] {
            if !(1..=365).contains(&days) {
                anyhow::bail!(
                    "配置项 projects.{}_days 应在 1 至 365 个工作日之间（现为 {days}）",
                    stage.code()
                );
            }
            s.stage_days.insert(stage, days);
        }
        Ok(s)
    }
}

/// `[portal]`: the largest upload and how long an issued licence is valid.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct PortalConfig {
    /// Largest uploaded file, MB (1–10; the HTTP layer admits up to 10 MB per file).
    pub(crate) max_upload_mb: u32,
    /// Years a licence issued by an approval stays valid (0 = 长期有效).
    pub(crate) license_validity_years: u32,
}

impl Default for PortalConfig {
    fn default() -> Self {
        let d = yichuang_core::portal::PortalSettings::default();
        Self {
            max_upload_mb: u32::try_from(d.max_upload_bytes / 1_048_576).unwrap_or(10),
            license_validity_years: d.license_validity_years,
        }
    }
}

impl PortalConfig {
    /// The core's settings with uploads stored under `data_dir/files`, sealed with the keys of
    /// `data_dir/keys` (created at first start).
    pub(crate) fn settings(
        &self,
        data_dir: &std::path::Path,
        keys: Option<yichuang_store::Sealer>,
    ) -> anyhow::Result<yichuang_core::portal::PortalSettings> {
        if !(1..=10).contains(&self.max_upload_mb) {
            anyhow::bail!(
                "配置项 portal.max_upload_mb 应在 1 至 10 之间（现为 {}）",
                self.max_upload_mb
            );
        }
        if self.license_validity_years > 100 {
            anyhow::bail!("配置项 portal.license_validity_years 应在 0 至 100 之间");
        }
        let keys = match keys {
            Some(k) => k,
            None => yichuang_store::Sealer::new(std::sync::Arc::new(
                yichuang_crypto::KeyRing::open_or_create(&data_dir.join("keys"))
                    .map_err(|e| anyhow::anyhow!("无法打开密钥目录：{e}"))?,
            )),
        };
        Ok(yichuang_core::portal::PortalSettings {
            files_dir: Some(data_dir.join("files")),
            keys: Some(keys),
            max_upload_bytes: self.max_upload_mb as usize * 1_048_576,
            license_validity_years: self.license_validity_years,
            ..Default::default()
        })
    }
}

/// `[supervision]`: when a case turns yellow, for the center and for particular matters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct SupervisionConfig {
    /// Yellow once this share (percent) of the promised working days is used.
    pub(crate) yellow_percent: u32,
    /// Yellow when this many working days or fewer are left.
    pub(crate) yellow_remaining_days: u32,
    /// A ticket waiting longer than this many minutes shows on the board.
    pub(crate) long_wait_minutes: i64,
    /// Holders at least this old (by the ID number) get a 绿色通道 ticket by themselves; 0 = off.
    pub(crate) green_channel_age: u32,
    /// Per matter code: `{ yellow_percent = 80, yellow_remaining_days = 2 }`.
    pub(crate) matters: std::collections::BTreeMap<String, yichuang_domain::case::LightRules>,
}

impl Default for SupervisionConfig {
    fn default() -> Self {
        let d = yichuang_domain::case::LightRules::default();
        Self {
            yellow_percent: d.yellow_percent,
            yellow_remaining_days: d.yellow_remaining_days,
            long_wait_minutes: yichuang_core::queue::QueueSettings::default().long_wait_minutes,
            green_channel_age: yichuang_core::queue::QueueSettings::default().elderly_age,
            matters: std::collections::BTreeMap::new(),
        }
    }
}

impl SupervisionConfig {
    /// The core's queue settings with this waiting threshold.
    pub(crate) fn queue_settings(&self) -> anyhow::Result<yichuang_core::queue::QueueSettings> {
        anyhow::ensure!(
            (1..=600).contains(&self.long_wait_minutes),
            "配置有误：[supervision] long_wait_minutes 应在 1 至 600 之间"
        );
        anyhow::ensure!(
            self.green_channel_age == 0 || (50..=100).contains(&self.green_channel_age),
            "配置有误：[supervision] green_channel_age 应为 0（不启用）或 50 至 100 之间"
        );
        Ok(yichuang_core::queue::QueueSettings {
            long_wait_minutes: self.long_wait_minutes,
            elderly_age: self.green_channel_age,
            ..yichuang_core::queue::QueueSettings::default()
        })
    }

    /// The core's case settings with these thresholds.
    pub(crate) fn case_settings(&self) -> anyhow::Result<yichuang_core::CaseSettings> {
        let check = |what: &str, r: &yichuang_domain::case::LightRules| {
            anyhow::ensure!(
                (1..=100).contains(&r.yellow_percent),
                "配置有误：{what} 的 yellow_percent 应在 1 至 100 之间"
            );
            Ok(())
        };
        let center = yichuang_domain::case::LightRules {
            yellow_percent: self.yellow_percent,
            yellow_remaining_days: self.yellow_remaining_days,
        };
        check("[supervision]", &center)?;
        for (code, r) in &self.matters {
            check(code, r)?;
        }
        Ok(yichuang_core::CaseSettings {
            light_rules: center,
            matter_light_rules: self.matters.clone().into_iter().collect(),
            ..yichuang_core::CaseSettings::default()
        })
    }
}

/// `[evaluation]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct EvaluationConfig {
    /// Working days a department has to rectify a bad review (差评整改).
    pub(crate) rectification_days: u32,
}

impl Default for EvaluationConfig {
    fn default() -> Self {
        Self {
            rectification_days: yichuang_core::EvaluationSettings::default().rectification_days,
        }
    }
}

/// `[server]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct ServerConfig {
    /// Address to listen on.
    pub(crate) bind: String,
    /// Seconds before a request times out.
    pub(crate) request_timeout_secs: u64,
    /// Largest request body in bytes.
    pub(crate) body_limit_bytes: usize,
    /// Mark cookies Secure (set when served over HTTPS).
    pub(crate) secure_cookies: bool,
    /// The address citizens reach the hall at, e.g. `https://zwfw.example.gov.cn`; an
    /// `https://` address makes every cookie `Secure`.
    pub(crate) public_url: String,
    /// Reverse proxies whose `X-Forwarded-For` names the client (rate limits, audit trail).
    pub(crate) trusted_proxies: Vec<std::net::IpAddr>,
    /// Bearer token for `/metrics`; empty: `/metrics` answers loopback peers only.
    pub(crate) metrics_token: String,
}

impl ServerConfig {
    /// Whether cookies must be `Secure`.
    pub(crate) fn cookies_secure(&self) -> bool {
        self.secure_cookies || self.public_url.trim().starts_with("https://")
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            request_timeout_secs: 30,
            body_limit_bytes: 2 * 1024 * 1024,
            secure_cookies: false,
            public_url: String::new(),
            trusted_proxies: Vec::new(),
            metrics_token: String::new(),
        }
    }
}

/// `[database]`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct DatabaseConfig {
    /// `sqlite:PATH` or `postgres://…`; empty means `sqlite:<data_dir>/yichuang.db`.
    pub(crate) url: String,
    /// Directory of the SQLite file and uploaded files.
    pub(crate) data_dir: PathBuf,
    /// SQLite read connections (there is always exactly one writer).
    pub(crate) read_connections: u32,
    /// PostgreSQL pool size.
    pub(crate) max_connections: u32,
    /// Apply migrations at start-up.
    pub(crate) auto_migrate: bool,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            data_dir: PathBuf::from("./yichuang-data"),
            read_connections: 4,
            max_connections: 10,
            auto_migrate: true,
        }
    }
}

/// Redacts the password of a database URL.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .field("data_dir", &self.data_dir)
            .field("read_connections", &self.read_connections)
            .field("max_connections", &self.max_connections)
            .field("auto_migrate", &self.auto_migrate)
            .finish()
    }
}

impl DatabaseConfig {
    /// The effective database URL.
    pub(crate) fn effective_url(&self) -> String {
        if self.url.is_empty() {
            format!("sqlite:{}", self.data_dir.join("yichuang.db").display())
        } else {
            self.url.clone()
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct LogConfig {
    /// `pretty` or `json`.
    pub(crate) format: String,
    /// Filter directives, e.g. `info,yichuang=debug`; `RUST_LOG` overrides.
    pub(crate) filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: "pretty".into(),
            filter: "info".into(),
        }
    }
}

/// `[auth]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct AuthConfig {
    /// Browser session lifetime in hours.
    pub(crate) session_hours: i64,
    /// Minutes without a request after which a browser session ends (default 30).
    pub(crate) idle_minutes: i64,
    /// API token lifetime in days.
    pub(crate) token_days: i64,
    /// Failed logins before a temporary lock.
    pub(crate) max_failed_logins: u32,
    /// Lock duration in minutes.
    pub(crate) lockout_minutes: i64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        let d = yichuang_core::AuthSettings::default();
        Self {
            session_hours: d.session_hours,
            idle_minutes: d.idle_minutes,
            token_days: d.token_days,
            max_failed_logins: d.max_failed_logins,
            lockout_minutes: d.lockout_minutes,
        }
    }
}

impl AuthConfig {
    /// The core's settings.
    pub(crate) fn settings(&self) -> yichuang_core::AuthSettings {
        yichuang_core::AuthSettings {
            session_hours: self.session_hours,
            idle_minutes: self.idle_minutes,
            token_days: self.token_days,
            max_failed_logins: self.max_failed_logins,
            lockout_minutes: self.lockout_minutes,
        }
    }
}

/// Loads defaults → file → environment. Only `YICHUANG_SECTION__KEY` variables are read here;
/// single-level ones such as `YICHUANG_DATABASE_URL` belong to command-line flags.
pub(crate) fn load(file: Option<&Path>) -> anyhow::Result<Config> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    if let Some(path) = file {
        anyhow::ensure!(path.exists(), "配置文件不存在：{}", path.display());
        figment = figment.merge(Toml::file(path));
    }
    figment = figment.merge(
        Env::prefixed("YICHUANG_")
            .filter(|k| k.as_str().contains("__"))
            .split("__"),
    );
    figment
        .extract()
        .map_err(|e| anyhow::anyhow!("配置有误：{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_parses_and_equals_the_defaults() {
        let parsed: Config = toml::from_str(EXAMPLE).unwrap();
        assert_eq!(
            toml::to_string(&parsed).unwrap(),
            toml::to_string(&Config::default()).unwrap()
        );
    }

    #[test]
    fn supervision_thresholds_are_checked_and_reach_the_core() {
        let cfg: Config = toml::from_str(
            "[supervision]\nyellow_percent = 80\n[supervision.matters.M1]\nyellow_percent = 50\nyellow_remaining_days = 2\n",
        )
        .unwrap();
        let s = cfg.supervision.case_settings().unwrap();
        assert_eq!(s.light_rules.yellow_percent, 80);
        assert_eq!(s.matter_light_rules["M1"].yellow_remaining_days, 2);
        let bad: Config = toml::from_str("[supervision]\nyellow_percent = 0\n").unwrap();
        assert!(bad.supervision.case_settings().is_err());
        let bad: Config = toml::from_str("[supervision]\nlong_wait_minutes = 0\n").unwrap();
        assert!(bad.supervision.queue_settings().is_err());
        assert_eq!(
            cfg.supervision.queue_settings().unwrap().long_wait_minutes,
            30
        );
        assert_eq!(cfg.supervision.queue_settings().unwrap().elderly_age, 65);
        let bad: Config = toml::from_str("[supervision]\ngreen_channel_age = 30\n").unwrap();
        assert!(bad.supervision.queue_settings().is_err());
        let off: Config = toml::from_str("[supervision]\ngreen_channel_age = 0\n").unwrap();
        assert_eq!(off.supervision.queue_settings().unwrap().elderly_age, 0);
    }

    fn ring() -> yichuang_store::Sealer {
        yichuang_store::Sealer::new(std::sync::Arc::new(
            yichuang_crypto::KeyRing::ephemeral().unwrap(),
        ))
    }

    #[test]
    fn project_stages_and_uploads_are_checked_and_reach_the_core() {
        use yichuang_domain::project::Stage;
        let cfg: Config =
            toml::from_str("[projects]\nconstruction_days = 8\n[portal]\nmax_upload_mb = 5\n")
                .unwrap();
        let p = cfg.projects.settings().unwrap();
        assert_eq!(p.days(Stage::Construction), 8);
        assert_eq!(p.days(Stage::LandPlanning), 20);
        let u = cfg
            .portal
            .settings(std::path::Path::new("/data"), Some(ring()))
            .unwrap();
        assert_eq!(u.max_upload_bytes, 5 * 1_048_576);
        assert_eq!(
            u.files_dir.as_deref(),
            Some(std::path::Path::new("/data/files"))
        );
        let bad: Config = toml::from_str("[projects]\ncompletion_days = 0\n").unwrap();
        assert!(bad.projects.settings().is_err());
        let bad: Config = toml::from_str("[portal]\nmax_upload_mb = 50\n").unwrap();
        assert!(
            bad.portal
                .settings(std::path::Path::new("/d"), Some(ring()))
                .is_err()
        );
    }

    #[test]
    fn the_push_is_configured_checked_and_its_credential_redacted() {
        let cfg: Config = toml::from_str(
            "[exchange]\nurl = \"http://10.0.0.9/in\"\nauth_header = \"Authorization: Bearer s3cret\"\n",
        )
        .unwrap();
        let s = cfg.exchange.settings().unwrap().unwrap();
        assert_eq!(s.url, "http://10.0.0.9/in");
        assert_eq!(s.max_attempts, 8);
        assert_eq!(
            s.auth_header,
            Some(("Authorization".to_owned(), "Bearer s3cret".to_owned()))
        );
        let shown = format!("{cfg:?}");
        assert!(
            !shown.contains("s3cret") && shown.contains("Authorization: ***"),
            "{shown}"
        );
        assert!(Config::default().exchange.settings().unwrap().is_none());
        for bad in [
            "[exchange]\nurl = \"https://x/in\"\n",
            "[exchange]\nurl = \"http://x/in\"\nauth_header = \"Bearer x\"\n",
            "[exchange]\nurl = \"http://x/in\"\nmax_attempts = 0\n",
        ] {
            let cfg: Config = toml::from_str(bad).unwrap();
            let err = cfg.exchange.settings().unwrap_err().to_string();
            assert!(err.starts_with("配置有误：[exchange]"), "{err}");
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<Config>("[server]\nbindd = \"x\"\n").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("sqlite:./x.db"), "sqlite:./x.db");
    }
}
