//! Verified identities (实名认证): written once per account, read on campaign orders.

use crate::error::unique_or;
use crate::{Store, StoreResult};
use canyu_core::{ErrorCode, Millis};
use sqlx::Row;
use sqlx::any::AnyRow;

/// An account's verified identity. `person_key` is the same for every account verified as one
/// person; the identity number itself is never stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub user_id: i64,
    pub real_name: String,
    pub person_key: String,
    /// The number's last four characters.
    pub id_hint: String,
    pub verified_at: Millis,
}

fn identity_from_row(r: &AnyRow) -> StoreResult<Identity> {
    Ok(Identity {
        user_id: r.try_get("user_id")?,
        real_name: r.try_get("real_name")?,
        person_key: r.try_get("person_key")?,
        id_hint: r.try_get("id_hint")?,
        verified_at: r.try_get("verified_at")?,
    })
}

impl Store {
    /// Records an account's identity; 409 `already_verified` if it has one (an identity never
    /// changes, or "one order per person" could be dodged by re-verifying).
    pub async fn record_identity(&self, identity: &Identity) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO identities (user_id, real_name, person_key, id_hint, verified_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(identity.user_id)
        .bind(&identity.real_name)
        .bind(&identity.person_key)
        .bind(&identity.id_hint)
        .bind(identity.verified_at)
        .execute(&self.write)
        .await
        .map_err(unique_or(ErrorCode::AlreadyVerified))?;
        Ok(())
    }

    pub async fn identity(&self, user_id: i64) -> StoreResult<Option<Identity>> {
        let row = sqlx::query(
            "SELECT user_id, real_name, person_key, id_hint, verified_at FROM identities WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(identity_from_row).transpose()
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{backends, world};
    use crate::{Identity, StoreError};
    use canyu_core::ErrorCode;

    #[tokio::test]
    async fn an_identity_is_recorded_once_and_shared_by_a_person_s_accounts() {
        for backend in backends() {
            let w = world(backend, ("phones", "mi", "Mi"), 2).await.unwrap();
            let (store, fan, other) = (&w.store, w.fans[0], w.fans[1]);
            let zhang = Identity {
                user_id: fan,
                real_name: "张三".into(),
                person_key: "k1".into(),
                id_hint: "002X".into(),
                verified_at: 1_000,
            };
            assert_eq!(store.identity(fan).await.unwrap(), None, "{backend:?}");
            store.record_identity(&zhang).await.unwrap();
            assert_eq!(store.identity(fan).await.unwrap(), Some(zhang.clone()), "{backend:?}");
            // A second verification of the account, even as another person, changes nothing.
            let again = Identity { real_name: "李四".into(), person_key: "k2".into(), ..zhang.clone() };
            assert!(
                matches!(
                    store.record_identity(&again).await,
                    Err(StoreError::Rejected(ErrorCode::AlreadyVerified))
                ),
                "{backend:?}"
            );
            assert_eq!(store.identity(fan).await.unwrap(), Some(zhang.clone()), "{backend:?}");
            // Another account may be verified as the same person: the campaign rules, not the
            // table, keep them to one order.
            store.record_identity(&Identity { user_id: other, ..zhang.clone() }).await.unwrap();
            let theirs = store.identity(other).await.unwrap().expect("verified");
            assert_eq!(theirs.person_key, zhang.person_key, "{backend:?}");
        }
    }
}
