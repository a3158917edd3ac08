//! Notifiers for outside channels (SMS, WeChat). The default one queues every message in the
//! outbox table, where administrators read it and a gateway integration picks it up; another
//! notifier can be plugged in with [`crate::Core::with_notifier`].

use std::sync::Arc;

use yichuang_store::{Ctx, OutboxMessage, Store};

use crate::Result;

/// Sends messages to an outside channel.
#[async_trait::async_trait]
pub trait Notifier: Send + Sync + std::fmt::Debug {
    /// Sends (or queues) one message.
    async fn send(&self, msg: &OutboxMessage, ctx: &Ctx) -> Result<()>;
}

/// The default notifier: the outbox table.
#[derive(Debug, Clone)]
pub struct OutboxNotifier {
    store: Arc<dyn Store>,
}

impl OutboxNotifier {
    /// A notifier over `store`'s outbox.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }
}

#[async_trait::async_trait]
impl Notifier for OutboxNotifier {
    async fn send(&self, msg: &OutboxMessage, ctx: &Ctx) -> Result<()> {
        self.store.push_outbox(msg, ctx).await?;
        Ok(())
    }
}
