//! The background sweeps of a server instance. Every instance ticks; on a shared database
//! only the instance that claims a period's run does the work (see `Store::claim_job`), so two
//! instances behind a load balancer do not sweep twice, and when one dies the other takes over
//! within a period.

use crate::{Core, Result};

/// The claim name of the periodic sweeps.
pub const SWEEPS: &str = "sweeps";

/// How often the sweeps run.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Slack below [`SWEEP_EVERY`] within which a last run counts as this period's, so that a
/// tick arriving slightly early does not skip a period.
const SLACK: chrono::Duration = chrono::Duration::seconds(5);

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepRun {
    /// Whether this instance claimed the period and ran the sweeps.
    pub ran: bool,
    /// Sweeps that failed (each is logged; the next period tries again).
    pub failed: u32,
}

impl Core {
    /// Runs the sweeps (deemed acceptance, lights, supervision orders, licence expiry) if this
    /// instance, named `holder`, claims the current period on the database. Each sweep is
    /// idempotent, so a run repeated after a crash is harmless.
    pub async fn run_sweeps(&self, holder: &str) -> Result<SweepRun> {
        let every =
            chrono::Duration::from_std(SWEEP_EVERY).unwrap_or(chrono::Duration::MAX) - SLACK;
        if !self
            .store()
            .claim_job(SWEEPS, holder, self.clock().now(), every)
            .await?
        {
            return Ok(SweepRun::default());
        }
        let mut failed = 0;
        if let Err(e) = self.sweep_deemed_acceptance().await {
            tracing::warn!(error = %e, "deemed-acceptance sweep failed");
            failed += 1;
        }
        if let Err(e) = self.sweep_lights().await {
            tracing::warn!(error = %e, "light sweep failed");
            failed += 1;
        }
        if let Err(e) = self.sweep_orders().await {
            tracing::warn!(error = %e, "supervision order sweep failed");
            failed += 1;
        }
        if let Err(e) = self.sweep_license_expiry(500).await {
            tracing::warn!(error = %e, "licence expiry sweep failed");
            failed += 1;
        }
        Ok(SweepRun { ran: true, failed })
    }
}
