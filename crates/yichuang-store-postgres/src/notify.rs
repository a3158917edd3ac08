//! LISTEN/NOTIFY between the instances on one database: hall events and reference-data changes.

use std::time::Duration;

use sqlx::postgres::PgPool;
use yichuang_store::{Channel, HallSink, Result};

use crate::db;

/// Sends `payload` to every instance listening on `channel` (this one included).
pub(crate) async fn send(
    pool: &PgPool,
    channel: Channel,
    payload: &serde_json::Value,
) -> Result<bool> {
    sqlx::query("select pg_notify($1, $2)")
        .bind(channel.name())
        .bind(payload.to_string())
        .execute(pool)
        .await
        .map_err(db)?;
    Ok(true)
}

/// Listens on `channel` on a connection of its own and hands every payload to `deliver`, for
/// the life of the process.
pub(crate) async fn listen(pool: &PgPool, channel: Channel, deliver: HallSink) -> Result<bool> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool)
        .await
        .map_err(db)?;
    listener.listen(channel.name()).await.map_err(db)?;
    tokio::spawn(async move {
        loop {
            // `recv` reconnects by itself after a lost connection.
            match listener.recv().await {
                Ok(n) => match serde_json::from_str(n.payload()) {
                    Ok(v) => deliver(v),
                    Err(e) => tracing::warn!(error = %e, ?channel, "malformed notification"),
                },
                Err(e) => {
                    tracing::warn!(error = %e, ?channel, "listener failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    Ok(true)
}
