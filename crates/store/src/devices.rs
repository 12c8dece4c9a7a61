//! Owned devices (人车家): who owns which product, from which day. A serial has one owner at a
//! time; every change of owner is one transaction that first writes the device's row (the row
//! lock on PostgreSQL, the write lock on SQLite) and only then reads it, so two fans claiming
//! one serial at once get one owner and one `serial_owned`, on either backend.

use crate::notifications::NotificationKind;
use crate::{Store, StoreResult};
use canyu_core::ownership::{Holding, OwnedVia, Serial, may_claim};
use canyu_core::{ErrorCode, Millis};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

type Tx = Transaction<'static, Any>;

#[derive(Clone, Debug, PartialEq)]
pub struct OwnedDevice {
    pub id: i64,
    pub product_id: i64,
    pub product_slug: String,
    pub product_name: String,
    /// The product's ecosystem category (`phone`, `car`, `home`…).
    pub category: String,
    /// `None` for a device delivered from an order whose serial nobody entered.
    pub serial: Option<String>,
    pub owner_id: Option<i64>,
    pub owned_since: Option<Millis>,
    pub owned_via: OwnedVia,
    pub purchased_at: Option<Millis>,
    pub released_at: Option<Millis>,
    pub next_owner: Option<String>,
    pub order_id: Option<i64>,
}

/// What a claim did: `new` is false when the fan already owned the serial (a repeat).
pub struct Claimed {
    pub device: OwnedDevice,
    pub new: bool,
}

/// Who owns what, counted for the co-ownership rules: every owner, owners per product, and
/// owners per pair of products (both ways).
pub struct OwnershipCounts {
    pub owners: i64,
    pub per_product: Vec<(i64, i64)>,
    pub pairs: Vec<(i64, i64, i64)>,
}

/// One "owners of X also own Y" line, as a product page shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct AlsoOwned {
    pub product_slug: String,
    pub product_name: String,
    pub shared_owners: i64,
    pub support: f64,
    pub confidence: f64,
    pub lift: f64,
}

/// A claim: who, what, and on whose authority.
pub struct DeviceClaim<'a> {
    pub product_id: i64,
    pub serial: &'a Serial,
    pub user_id: i64,
    pub purchased_at: Option<Millis>,
    /// Staff binding it at a store; `None` when the fan claims it.
    pub staff: Option<i64>,
    pub cooling_off_days: i64,
}

const DEVICE_SELECT: &str = "SELECT d.id, d.product_id, p.slug AS product_slug, p.name AS product_name, \
     c.slug AS category, d.serial, d.owner_id, d.owned_since, d.owned_via, d.purchased_at, d.released_at, \
     n.handle AS next_owner, d.order_id FROM owned_devices d JOIN products p ON p.id = d.product_id \
     JOIN categories c ON c.id = p.category_id LEFT JOIN users n ON n.id = d.next_owner_id";

fn device_from_row(r: &AnyRow) -> StoreResult<OwnedDevice> {
    let via: String = r.try_get("owned_via")?;
    Ok(OwnedDevice {
        id: r.try_get("id")?,
        product_id: r.try_get("product_id")?,
        product_slug: r.try_get("product_slug")?,
        product_name: r.try_get("product_name")?,
        category: r.try_get("category")?,
        serial: r.try_get("serial")?,
        owner_id: r.try_get("owner_id")?,
        owned_since: r.try_get("owned_since")?,
        owned_via: OwnedVia::parse(&via).ok_or(ErrorCode::Internal)?,
        purchased_at: r.try_get("purchased_at")?,
        released_at: r.try_get("released_at")?,
        next_owner: r.try_get("next_owner")?,
        order_id: r.try_get("order_id")?,
    })
}

impl Store {
    pub async fn owned_device(&self, id: i64) -> StoreResult<Option<OwnedDevice>> {
        let row = sqlx::query(AssertSqlSafe(format!("{DEVICE_SELECT} WHERE d.id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| device_from_row(&r)).transpose()
    }

    /// The devices a fan owns now, newest first.
    pub async fn devices_of(&self, user_id: i64) -> StoreResult<Vec<OwnedDevice>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{DEVICE_SELECT} WHERE d.owner_id = $1 ORDER BY d.owned_since DESC, d.id DESC LIMIT 500"
        )))
        .bind(user_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(device_from_row).collect()
    }

    /// A fan claims a serial (or staff bind it to them): a new serial becomes theirs; a known
    /// one only as [`may_claim`] allows.
    pub async fn claim_device(&self, claim: DeviceClaim<'_>, now: Millis) -> StoreResult<Claimed> {
        // Two rounds at most: a first claim of a new serial that loses the insert to another
        // claim of the same serial meets it as a known device the second time.
        for _ in 0..2 {
            let mut tx = self.write.begin().await?;
            let locked = sqlx::query(
                "UPDATE owned_devices SET updated_at = updated_at WHERE product_id = $1 AND serial = $2",
            )
            .bind(claim.product_id)
            .bind(claim.serial.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let id = if locked == 0 {
                let via = if claim.staff.is_some() { OwnedVia::Store } else { OwnedVia::Claim };
                let inserted: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO owned_devices (product_id, serial, owner_id, owned_since, owned_via, purchased_at, \
                     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $4, $4) \
                     ON CONFLICT (product_id, serial) DO NOTHING RETURNING id",
                )
                .bind(claim.product_id)
                .bind(claim.serial.as_str())
                .bind(claim.user_id)
                .bind(now)
                .bind(via.as_str())
                .bind(claim.purchased_at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(id) = inserted else { continue };
                log_change(&mut tx, id, via.as_str(), None, Some(claim.user_id), claim.staff, now).await?;
                id
            } else {
                let row = sqlx::query(
                    "SELECT id, owner_id, released_at, next_owner_id FROM owned_devices \
                     WHERE product_id = $1 AND serial = $2",
                )
                .bind(claim.product_id)
                .bind(claim.serial.as_str())
                .fetch_one(&mut *tx)
                .await?;
                let id: i64 = row.try_get("id")?;
                let owner: Option<i64> = row.try_get("owner_id")?;
                let released_at: Option<Millis> = row.try_get("released_at")?;
                if owner == Some(claim.user_id) {
                    tx.commit().await?;
                    let device = self.owned_device(id).await?.ok_or(ErrorCode::DeviceNotFound)?;
                    return Ok(Claimed { device, new: false });
                }
                let holding = match (owner, released_at) {
                    (Some(owner), _) => Holding::Owned { owner },
                    (None, Some(at)) => Holding::Released { at, next_owner: row.try_get("next_owner_id")? },
                    (None, None) => Holding::Unknown,
                };
                let via = match (claim.staff, may_claim(holding, claim.user_id, now, claim.cooling_off_days))
                {
                    // Staff at a store bind a released device at once: they have it in hand.
                    (Some(_), Ok(_) | Err(ErrorCode::SerialCoolingOff)) => OwnedVia::Store,
                    (_, Ok(via)) => via,
                    (_, Err(code)) => return Err(code.into()),
                };
                sqlx::query(
                    "UPDATE owned_devices SET owner_id = $1, owned_since = $2, owned_via = $3, \
                     purchased_at = COALESCE($4, purchased_at), released_at = NULL, next_owner_id = NULL, \
                     updated_at = $2 WHERE id = $5",
                )
                .bind(claim.user_id)
                .bind(now)
                .bind(via.as_str())
                .bind(claim.purchased_at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                log_change(&mut tx, id, via.as_str(), None, Some(claim.user_id), claim.staff, now).await?;
                id
            };
            tx.commit().await?;
            let device = self.owned_device(id).await?.ok_or(ErrorCode::DeviceNotFound)?;
            return Ok(Claimed { device, new: true });
        }
        Err(ErrorCode::SerialOwned.into())
    }

    /// The owner lets a device go, perhaps naming who may claim it at once. Anyone else may
    /// claim it after the cooling-off.
    pub async fn release_device(
        &self,
        id: i64,
        owner_id: i64,
        next_owner: Option<i64>,
        now: Millis,
    ) -> StoreResult<OwnedDevice> {
        let mut tx = self.write.begin().await?;
        let n = sqlx::query(
            "UPDATE owned_devices SET owner_id = NULL, released_at = $1, next_owner_id = $2, updated_at = $1 \
             WHERE id = $3 AND owner_id = $4",
        )
        .bind(now)
        .bind(next_owner)
        .bind(id)
        .bind(owner_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(ErrorCode::DeviceNotFound.into());
        }
        log_change(&mut tx, id, "release", Some(owner_id), next_owner, None, now).await?;
        if let Some(named) = next_owner {
            // The named fan hears of it with the release: who, and which product (no serial).
            let row = sqlx::query(
                "SELECT u.handle, p.slug, p.name FROM users u, owned_devices d JOIN products p ON p.id = d.product_id \
                 WHERE u.id = $1 AND d.id = $2",
            )
            .bind(owner_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let data = serde_json::json!({
                "from": row.try_get::<String, _>("handle")?,
                "product": row.try_get::<String, _>("slug")?,
                "product_name": row.try_get::<String, _>("name")?,
            });
            let key = format!("{}:{id}:{now}", NotificationKind::DeviceHandedOn.as_str());
            Self::notify_fan(
                &mut tx,
                named,
                NotificationKind::DeviceHandedOn,
                &key,
                Some(owner_id),
                &data,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.owned_device(id).await?.ok_or_else(|| ErrorCode::DeviceNotFound.into())
    }

    /// Launch orders just delivered become their buyers' devices (no serial yet), once per
    /// order whichever node delivered them. Runs in the delivering transaction.
    pub(crate) async fn bind_delivered(
        tx: &mut Tx,
        order_ids: &[i64],
        actor_id: i64,
        now: Millis,
    ) -> StoreResult<()> {
        if order_ids.is_empty() {
            return Ok(());
        }
        let ids = crate::placeholders(3, order_ids.len());
        let sql = format!(
            "INSERT INTO owned_devices (product_id, serial, order_id, owner_id, owned_since, owned_via, purchased_at, \
             created_at, updated_at) \
             SELECT c.product_id, NULL, l.order_id, l.user_id, $1, 'order', l.paid_at, $1, $1 \
             FROM launch_orders l JOIN campaigns c ON c.id = l.campaign_id \
             WHERE l.stage = $2 AND l.order_id IN ({ids}) ON CONFLICT (order_id) DO NOTHING"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(now).bind("delivered");
        for id in order_ids {
            q = q.bind(*id);
        }
        q.execute(&mut **tx).await?;
        let sql = format!(
            "INSERT INTO owned_device_changes (device_id, change, from_user, to_user, actor_id, at) \
             SELECT d.id, 'order', NULL, d.owner_id, $1, $2 FROM owned_devices d \
             WHERE d.order_id IN ({}) AND NOT EXISTS (SELECT 1 FROM owned_device_changes x WHERE x.device_id = d.id)",
            crate::placeholders(3, order_ids.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(actor_id).bind(now);
        for id in order_ids {
            q = q.bind(*id);
        }
        q.execute(&mut **tx).await?;
        Ok(())
    }

    /// The product's serial format, as staff set it (`None`: any serial).
    pub async fn serial_pattern(&self, product_id: i64) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT serial_pattern FROM products WHERE id = $1")
            .bind(product_id)
            .fetch_optional(&self.read)
            .await?
            .flatten())
    }

    pub async fn serial_patterns(&self) -> StoreResult<Vec<(i64, String)>> {
        let rows = sqlx::query("SELECT id, serial_pattern FROM products WHERE serial_pattern IS NOT NULL")
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("serial_pattern")?))).collect()
    }

    pub async fn set_serial_pattern(&self, product_id: i64, pattern: Option<&str>) -> StoreResult<()> {
        sqlx::query("UPDATE products SET serial_pattern = $1 WHERE id = $2")
            .bind(pattern)
            .bind(product_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Since when the fan has owned the product (their earliest device of it they still own).
    pub async fn owner_since(&self, user_id: i64, product_id: i64) -> StoreResult<Option<Millis>> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(owned_since) FROM owned_devices WHERE owner_id = $1 AND product_id = $2",
        )
        .bind(user_id)
        .bind(product_id)
        .fetch_one(&self.read)
        .await?)
    }

    /// The ecosystem categories a fan owns something in, `(slug, name_zh, name_en)`, in the
    /// catalog's order.
    pub async fn owned_categories(&self, user_id: i64) -> StoreResult<Vec<(String, String, String)>> {
        let rows = sqlx::query(
            "SELECT c.slug, c.name_zh, c.name_en FROM categories c WHERE EXISTS (SELECT 1 FROM owned_devices d \
             JOIN products p ON p.id = d.product_id WHERE d.owner_id = $1 AND p.category_id = c.id) \
             ORDER BY c.position, c.id",
        )
        .bind(user_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("slug")?, r.try_get("name_zh")?, r.try_get("name_en")?))).collect()
    }

    pub async fn ownership_counts(&self) -> StoreResult<OwnershipCounts> {
        const OWNED: &str =
            "SELECT DISTINCT owner_id, product_id FROM owned_devices WHERE owner_id IS NOT NULL";
        let owners: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT owner_id) FROM owned_devices WHERE owner_id IS NOT NULL",
        )
        .fetch_one(&self.read)
        .await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT o.product_id, COUNT(*) AS n FROM ({OWNED}) o GROUP BY o.product_id"
        )))
        .fetch_all(&self.read)
        .await?;
        let per_product = rows
            .iter()
            .map(|r| Ok((r.try_get("product_id")?, r.try_get("n")?)))
            .collect::<StoreResult<_>>()?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT a.product_id AS x, b.product_id AS y, COUNT(*) AS n FROM ({OWNED}) a \
             JOIN ({OWNED}) b ON b.owner_id = a.owner_id AND b.product_id <> a.product_id \
             GROUP BY a.product_id, b.product_id"
        )))
        .fetch_all(&self.read)
        .await?;
        let pairs = rows
            .iter()
            .map(|r| Ok((r.try_get("x")?, r.try_get("y")?, r.try_get("n")?)))
            .collect::<StoreResult<_>>()?;
        Ok(OwnershipCounts { owners, per_product, pairs })
    }

    /// Replaces every co-ownership line at once: `(product, other, shared, support,
    /// confidence, lift)`.
    pub async fn replace_affinities(
        &self,
        rows: &[(i64, i64, i64, f64, f64, f64)],
        now: Millis,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM product_affinities").execute(&mut *tx).await?;
        for chunk in rows.chunks(500) {
            let sql = format!(
                "INSERT INTO product_affinities (product_id, other_id, shared_owners, support, confidence, lift, \
                 computed_at) VALUES {}",
                crate::value_rows(chunk.len(), 7)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (x, y, n, support, confidence, lift) in chunk {
                q = q.bind(*x).bind(*y).bind(*n).bind(*support).bind(*confidence).bind(*lift).bind(now);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// What owners of the product also own, the strongest links first.
    pub async fn also_owned(&self, product_id: i64, limit: i64) -> StoreResult<Vec<AlsoOwned>> {
        let rows = sqlx::query(
            "SELECT p.slug, p.name, a.shared_owners, a.support, a.confidence, a.lift FROM product_affinities a \
             JOIN products p ON p.id = a.other_id WHERE a.product_id = $1 \
             ORDER BY a.lift DESC, a.confidence DESC, p.id LIMIT $2",
        )
        .bind(product_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AlsoOwned {
                    product_slug: r.try_get("slug")?,
                    product_name: r.try_get("name")?,
                    shared_owners: r.try_get("shared_owners")?,
                    support: r.try_get("support")?,
                    confidence: r.try_get("confidence")?,
                    lift: r.try_get("lift")?,
                })
            })
            .collect()
    }

    /// How many of the post's voters own its product now.
    pub async fn owner_voters(&self, post_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(DISTINCT v.user_id) FROM votes v JOIN posts p ON p.id = v.post_id \
             JOIN owned_devices d ON d.owner_id = v.user_id AND d.product_id = p.product_id WHERE v.post_id = $1",
        )
        .bind(post_id)
        .fetch_one(&self.read)
        .await?)
    }
}

async fn log_change(
    tx: &mut Tx,
    device_id: i64,
    change: &str,
    from: Option<i64>,
    to: Option<i64>,
    actor: Option<i64>,
    now: Millis,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO owned_device_changes (device_id, change, from_user, to_user, actor_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(device_id)
    .bind(change)
    .bind(from)
    .bind(to)
    .bind(actor)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
