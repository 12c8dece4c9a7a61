//! Leases on jobs that one node at a time should run (`job_leases`).

use crate::{Store, StoreResult};
use canyu_core::Millis;

impl Store {
    /// Takes or renews the lease on job `name` for `holder` until `now + ttl_ms`, unless another
    /// holder's lease is still running; true when `holder` holds it now. One statement, so two
    /// nodes asking at once cannot both win.
    pub async fn take_job_lease(
        &self,
        name: &str,
        holder: &str,
        now: Millis,
        ttl_ms: i64,
    ) -> StoreResult<bool> {
        let taken = sqlx::query(
            "INSERT INTO job_leases (name, holder, until) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
             WHERE job_leases.until <= $4 OR job_leases.holder = excluded.holder",
        )
        .bind(name)
        .bind(holder)
        .bind(now + ttl_ms)
        .bind(now)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(taken == 1)
    }
}
