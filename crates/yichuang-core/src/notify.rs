//! Notifiers for outside channels (SMS, WeChat). The default one queues every message in the
//! outbox table, where administrators read it and a gateway integration picks it up; another
//! notifier can be plugged in with [`crate::Core::with_notifier`].

use std::sync::Arc;

use yichuang_store::{Ctx, OutboxMessage, Store};

use crate::Result;

/// Sends messages to an outside channel.
pub trait Notifier: Send + Sync + std::fmt::Debug {
    /// Sends (or queues) one message.
    fn send<'a>(
        &'a self,
        msg: &'a OutboxMessage,
        ctx: &'a Ctx,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>>;
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

impl Notifier for OutboxNotifier {
    fn send<'a>(
        &'a self,
        msg: &'a OutboxMessage,
        ctx: &'a Ctx,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>> {
        Box::pin(async move {
            self.store.push_outbox(msg, ctx).await?;
            Ok(())
        })
    }
}
