// Linking events into the SM3 audit chain, shared by both stores through `include!` (each
// defines `Conn` and has `db`, `ms`, `Origin`, `chain_key` and `event_hash` in scope).

/// Takes the next place in the event's chain and returns it with `(prev_hash, hash)`, leaving
/// the head at the new event. The upsert locks the head row until commit (on PostgreSQL), so
/// concurrent writers to one center link strictly one after another.
#[allow(clippy::too_many_arguments, reason = "the hashed fields")]
async fn link(
    conn: &mut Conn,
    at: chrono::DateTime<chrono::Utc>,
    actor: &str,
    center_id: Option<i64>,
    subject: (&str, &str),
    kind: &str,
    payload: &str,
    origin: &Origin,
) -> Result<(i64, (String, String))> {
    let key = chain_key(center_id);
    let (seq, prev): (i64, String) = sqlx::query_as(
        "insert into audit_heads (chain_key, seq, hash) values ($1, 1, '') \
         on conflict (chain_key) do update set seq = audit_heads.seq + 1 returning seq, hash",
    )
    .bind(key)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    let hash = event_hash(
        &prev,
        seq,
        at.timestamp_millis(),
        actor,
        center_id,
        subject,
        kind,
        payload,
        origin,
    );
    sqlx::query("update audit_heads set hash = $2 where chain_key = $1")
        .bind(key)
        .bind(&hash)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok((seq, (prev, hash)))
}

type LegacyRow = (
    i64,
    i64,
    String,
    Option<i64>,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// Gives every event written before the audit chain existed its place in its chain, in id
/// order, in batches. Runs when the store is migrated; a no-op once every event is chained.
pub(crate) async fn chain_unhashed(conn: &mut Conn) -> Result<u64> {
    let mut done = 0;
    loop {
        let rows: Vec<LegacyRow> = sqlx::query_as(
            "select id, at, actor, center_id, subject_kind, subject_id, kind, payload, ip, \
             user_agent from events where hash is null order by id limit 2000",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        if rows.is_empty() {
            return Ok(done);
        }
        for r in rows {
            let origin = Origin {
                ip: r.8,
                user_agent: r.9,
            };
            let (seq, (prev, hash)) =
                link(conn, ms(r.1), &r.2, r.3, (&r.4, &r.5), &r.6, &r.7, &origin).await?;
            sqlx::query("update events set seq = $2, prev_hash = $3, hash = $4 where id = $1")
                .bind(r.0)
                .bind(seq)
                .bind(prev)
                .bind(hash)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            done += 1;
        }
    }
}
