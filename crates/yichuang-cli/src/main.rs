//! `yichuang`: the one binary of 一窗通. It reads the configuration, picks the store by URL, wires
//! the core and the web layer, and dispatches to a subcommand.

mod app;
mod backup;
mod bench;
mod bench_coldstart;
mod bench_pg;
mod bench_report;
mod bench_soak;
mod bench_staffing;
mod config;
mod export;
mod import;
mod keys;
mod ops;
mod staffing;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// 一窗通 — 政务服务中心一窗受理平台
#[derive(Debug, Parser)]
#[command(name = "yichuang", version, about)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every data-touching subcommand accepts.
#[derive(Debug, Clone, Args)]
pub(crate) struct GlobalArgs {
    /// Configuration file (TOML).
    #[arg(long, global = true, env = "YICHUANG_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (SQLite file, stored files).
    #[arg(long, global = true, env = "YICHUANG_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite:PATH or postgres://…
    #[arg(long, global = true, env = "YICHUANG_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (and the background jobs).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate {
        /// PostgreSQL: afterwards let this login role run the server without owning anything
        /// (it cannot drop the event log's triggers). Run on every upgrade.
        #[arg(long)]
        grant_to: Option<String>,
    },
    /// Import data.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Benchmarks against a release build.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Reports: rebuild the counters from the event log, print a 日报.
    #[command(subcommand)]
    Report(ops::ReportCommand),
    /// The SM4 keys that seal stored files.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// The tamper-evident audit trail.
    #[command(subcommand)]
    Audit(ops::AuditCommand),
    /// Export data for the provincial platform.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Fill the database with realistic simulated hall days (demo center loaded if empty).
    Simulate(ops::SimulateArgs),
    /// 窗口配置测算: windows each queue needs per hour to keep the p90 wait under a target,
    /// from the hall's tickets of a date range.
    Staffing(staffing::StaffingArgs),
    /// Back up the database, stored files and keys into an empty directory (safe while the
    /// server runs).
    Backup {
        /// Target directory.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Restore a backup into the configured database and data directory (stop the server).
    Restore {
        /// Backup directory.
        #[arg(long)]
        from: std::path::PathBuf,
        /// Overwrite an existing database.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    bind: Option<String>,
    /// Do not load the demo center into an empty database.
    #[arg(long)]
    no_demo: bool,
    /// Password of the first `admin` account with --no-demo (else a random one is printed).
    #[arg(long, env = "YICHUANG_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Import a catalog file (JSON, the format of demo/xuancheng.json).
    Catalog {
        /// The catalog file.
        file: PathBuf,
        /// Center code (default: the first center; created from the file's region if none).
        #[arg(long)]
        center: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a staff account.
    Create {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Display name.
        #[arg(long)]
        display_name: String,
        /// Role (repeatable): admin, clerk, approver, dept_head, issuer, supervisor.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Department code (approvers, department heads).
        #[arg(long)]
        department: Option<String>,
        /// Window code (clerks, issuers).
        #[arg(long)]
        window: Option<String>,
        /// Password (at least 8 characters).
        #[arg(long, env = "YICHUANG_NEW_USER_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// List staff accounts of the default center.
    List,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print every configuration key with its default.
    Example,
    /// Print the effective configuration (secrets redacted) and exit non-zero on error.
    Check,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Config(ConfigCommand::Example) = cli.command {
        print!("{}", config::EXAMPLE);
        return Ok(());
    }
    let mut cfg = config::load(cli.global.config.as_deref())?;
    if let Some(dir) = &cli.global.data_dir {
        cfg.database.data_dir.clone_from(dir);
    }
    if let Some(url) = &cli.global.database_url {
        cfg.database.url.clone_from(url);
    }
    app::init_logging(&cfg.log)?;
    match cli.command {
        Command::Serve(args) => {
            if let Some(bind) = args.bind {
                cfg.server.bind = bind;
            }
            app::serve(cfg, !args.no_demo, args.admin_password).await
        }
        Command::Migrate { grant_to } => app::migrate(&cfg, grant_to.as_deref()).await,
        Command::Import(ImportCommand::Catalog { file, center }) => {
            import::catalog(&cfg, &file, center.as_deref()).await
        }
        Command::User(cmd) => user(&cfg, cmd).await,
        Command::Config(ConfigCommand::Check) => {
            println!("{cfg:#?}");
            println!(
                "effective database: {}",
                config::redact_url(&cfg.database.effective_url())
            );
            Ok(())
        }
        Command::Config(ConfigCommand::Example) => Ok(()),
        Command::Bench(cmd) => bench::run(&cfg, cmd).await,
        Command::Report(cmd) => ops::report(&cfg, cmd).await,
        Command::Audit(cmd) => ops::audit(&cfg, cmd).await,
        Command::Keys(cmd) => keys::run(&cfg, &cmd).await,
        Command::Export(cmd) => export::run(&cfg, cmd).await,
        Command::Simulate(args) => ops::simulate(&cfg, &args).await,
        Command::Staffing(args) => staffing::run(&cfg, &args).await,
        Command::Backup { to } => backup::backup(&cfg, &to).await,
        Command::Restore { from, force } => backup::restore(&cfg, &from, force).await,
    }
}

async fn user(cfg: &config::Config, cmd: UserCommand) -> anyhow::Result<()> {
    let core = app::open_core(cfg).await?;
    let center = core.default_center().await?;
    match cmd {
        UserCommand::Create {
            username,
            display_name,
            roles,
            department,
            window,
            password,
        } => {
            let roles = roles
                .iter()
                .map(|r| {
                    yichuang_domain::account::Role::parse(r)
                        .ok_or_else(|| anyhow::anyhow!("未知角色 \"{r}\""))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let new = yichuang_core::auth::NewStaff {
                username,
                display_name,
                password,
                roles,
                department,
                window,
            };
            let user = core.create_staff(center.id, new, "cli").await?;
            println!("已创建账号 {}（{}）", user.username, user.display_name);
        }
        UserCommand::List => {
            for r in core.store().users(center.id).await? {
                let u = r.user;
                let roles: Vec<&str> = u.roles.iter().map(|r| r.label()).collect();
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    u.username,
                    u.display_name,
                    roles.join("、"),
                    u.department.unwrap_or_default(),
                    u.window.unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
