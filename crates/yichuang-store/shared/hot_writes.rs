// The hot writes of a store through its group-commit writer, shared by both stores through
// `include!` after `shared/group.rs`: each defines `type HotStore` (its store type, with a
// `group` field) and has `cases` and `tickets` modules with the same functions.

use std::sync::Arc;

use yichuang_store::{CallRequest, CaseNumbering, CaseWrite, Ctx, NewTicket, Ticket};

// Each operation may run twice (an optimistic batch that failed runs again with savepoints), so
// its closure is `Fn` and keeps its arguments behind an `Arc`: each run takes a reference
// instead of cloning the case write again.

impl HotStore {
    /// [`yichuang_store::Store::create_case`] through the group writer.
    pub(crate) async fn create_case_grouped(
        &self,
        write: &CaseWrite,
        numbering: Option<&CaseNumbering>,
        ctx: &Ctx,
    ) -> Result<String> {
        let args = Arc::new((write.clone(), numbering.cloned(), ctx.clone()));
        self.group
            .run(move |conn: &mut Conn| {
                let args = Arc::clone(&args);
                Box::pin(async move {
                    let (write, numbering, ctx) = &*args;
                    match numbering {
                        Some(n) => {
                            let center = write.case.received.center_id;
                            let no =
                                crate::cases::next_case_no(conn, center, n.day, &n.prefix, crate::day_ms(n.day))
                                    .await?;
                            crate::cases::create(conn, &write.numbered(&no), ctx).await?;
                            Ok(no)
                        }
                        None => {
                            crate::cases::create(conn, write, ctx).await?;
                            Ok(write.case.case_no().to_owned())
                        }
                    }
                })
            })
            .await
    }

    /// [`yichuang_store::Store::update_case`] through the group writer.
    pub(crate) async fn update_case_grouped(
        &self,
        write: &CaseWrite,
        expected_version: u64,
        ctx: &Ctx,
    ) -> Result<()> {
        let args = Arc::new((write.clone(), ctx.clone()));
        self.group
            .run(move |conn: &mut Conn| {
                let args = Arc::clone(&args);
                Box::pin(async move {
                    let (write, ctx) = &*args;
                    crate::cases::update(conn, write, expected_version, ctx).await
                })
            })
            .await
    }

    /// [`yichuang_store::Store::issue_ticket`] through the group writer.
    pub(crate) async fn issue_ticket_grouped(&self, new: &NewTicket, ctx: &Ctx) -> Result<Ticket> {
        let args = Arc::new((new.clone(), ctx.clone()));
        self.group
            .run(move |conn: &mut Conn| {
                let args = Arc::clone(&args);
                Box::pin(async move {
                    let (new, ctx) = &*args;
                    crate::tickets::issue(conn, new, ctx).await
                })
            })
            .await
    }

    /// [`yichuang_store::Store::call_next`] through the group writer.
    pub(crate) async fn call_next_grouped(
        &self,
        req: &CallRequest,
        ctx: &Ctx,
    ) -> Result<Option<Ticket>> {
        let args = Arc::new((req.clone(), ctx.clone()));
        self.group
            .run(move |conn: &mut Conn| {
                let args = Arc::clone(&args);
                Box::pin(async move {
                    let (req, ctx) = &*args;
                    crate::tickets::call_next(conn, req, ctx).await
                })
            })
            .await
    }

    /// [`yichuang_store::Store::update_ticket`] through the group writer.
    pub(crate) async fn update_ticket_grouped(
        &self,
        ticket: &Ticket,
        expected: yichuang_domain::queue::TicketStatus,
        kind: &str,
        payload: serde_json::Value,
        ctx: &Ctx,
    ) -> Result<()> {
        let args = Arc::new((ticket.clone(), kind.to_owned(), payload, ctx.clone()));
        self.group
            .run(move |conn: &mut Conn| {
                let args = Arc::clone(&args);
                Box::pin(async move {
                    let (ticket, kind, payload, ctx) = &*args;
                    crate::tickets::update(conn, ticket, expected, kind, payload.clone(), ctx).await
                })
            })
            .await
    }
}
