//! The beta programme: groups, applications and memberships, and the weekly judging of
//! duties. Seats are counted inside the transaction that admits, with the group row locked
//! on PostgreSQL (SQLite has one writer), so concurrent admissions never exceed the seats;
//! a partial unique index keeps one live application or membership per fan and product.

use crate::error::is_unique_violation;
use crate::notifications::NotificationKind;
use crate::{Backend, Store, StoreResult};
use canyu_core::beta::{BetaRules, DutyTally, IsoWeek, MemberStatus, Motivation, owes_duties};
use canyu_core::points::Reason;
use canyu_core::{ErrorCode, Millis, PostKind};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

type Tx = Transaction<'static, Any>;

#[derive(Clone, Debug, PartialEq)]
pub struct BetaGroup {
    pub product_id: i64,
    pub rules: BetaRules,
    pub members: i64,
    pub pending: i64,
    /// The last week whose duties were judged (`2026-W48`).
    pub judged_week: Option<String>,
    /// For a group of owners only: the owned product's slug.
    pub owners_of_slug: Option<String>,
}

impl BetaGroup {
    pub fn free_seats(&self) -> i64 {
        (self.rules.seats - self.members).max(0)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct BetaMembership {
    pub id: i64,
    pub product_id: i64,
    pub user_id: i64,
    pub handle: String,
    pub status: MemberStatus,
    pub motivation: String,
    pub applied_at: Millis,
    /// Who decided; `None` with a `decided_at` when the level rule admitted the fan.
    pub decided_by: Option<String>,
    pub decided_at: Option<Millis>,
    pub joined_at: Option<Millis>,
    pub ended_at: Option<Millis>,
    pub end_note: Option<String>,
}

/// What judging one week did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JudgedWeek {
    pub product_id: i64,
    pub week: String,
    /// Members held to the week's duties.
    pub judged: usize,
    pub done: usize,
    /// Handles of the members removed for missing them.
    pub removed: Vec<String>,
    /// False when the week had been judged already (nothing changed).
    pub fresh: bool,
}

const MEMBERSHIP_SELECT: &str = "SELECT m.id, m.product_id, m.user_id, u.handle, m.status, m.motivation, \
     m.applied_at, d.handle AS decided_by, m.decided_at, m.joined_at, m.ended_at, m.end_note \
     FROM beta_memberships m JOIN users u ON u.id = m.user_id LEFT JOIN users d ON d.id = m.decided_by";

fn membership_from_row(r: &AnyRow) -> StoreResult<BetaMembership> {
    let status: String = r.try_get("status")?;
    Ok(BetaMembership {
        id: r.try_get("id")?,
        product_id: r.try_get("product_id")?,
        user_id: r.try_get("user_id")?,
        handle: r.try_get("handle")?,
        status: MemberStatus::parse(&status).map_err(crate::posts::decode_err)?,
        motivation: r.try_get("motivation")?,
        applied_at: r.try_get("applied_at")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        joined_at: r.try_get("joined_at")?,
        ended_at: r.try_get("ended_at")?,
        end_note: r.try_get("end_note")?,
    })
}

impl Store {
    /// Creates the product's beta group or changes its rules. Lowering the seats below the
    /// current members removes nobody; it only stops admissions until members leave.
    pub async fn configure_beta_group(
        &self,
        product_id: i64,
        rules: BetaRules,
        now: Millis,
    ) -> StoreResult<BetaGroup> {
        sqlx::query(
            "INSERT INTO beta_groups (product_id, seats, min_level, removal_cooldown_days, \
             leave_cooldown_days, open, created_at, updated_at, owners_of_product_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) \
             ON CONFLICT (product_id) DO UPDATE SET seats = excluded.seats, min_level = excluded.min_level, \
             removal_cooldown_days = excluded.removal_cooldown_days, \
             leave_cooldown_days = excluded.leave_cooldown_days, open = excluded.open, \
             updated_at = excluded.updated_at, owners_of_product_id = excluded.owners_of_product_id",
        )
        .bind(product_id)
        .bind(rules.seats)
        .bind(rules.min_level.map(i64::from))
        .bind(rules.removal_cooldown_days)
        .bind(rules.leave_cooldown_days)
        .bind(i64::from(rules.open))
        .bind(now)
        .bind(rules.owners_of)
        .execute(&self.write)
        .await?;
        self.beta_group(product_id).await?.ok_or_else(|| ErrorCode::BetaNotFound.into())
    }

    pub async fn beta_group(&self, product_id: i64) -> StoreResult<Option<BetaGroup>> {
        let row = sqlx::query(
            "SELECT g.product_id, g.seats, g.min_level, g.removal_cooldown_days, g.leave_cooldown_days, \
             g.open, g.judged_week, g.owners_of_product_id, \
             (SELECT slug FROM products p WHERE p.id = g.owners_of_product_id) AS owners_of_slug, \
             (SELECT COUNT(*) FROM beta_memberships m WHERE m.product_id = g.product_id \
              AND m.status = 'member') AS members, \
             (SELECT COUNT(*) FROM beta_memberships m WHERE m.product_id = g.product_id \
              AND m.status = 'pending') AS pending \
             FROM beta_groups g WHERE g.product_id = $1",
        )
        .bind(product_id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| group_from_row(&r)).transpose()
    }

    /// The fan's most recent application or membership for the product.
    pub async fn beta_membership(
        &self,
        product_id: i64,
        user_id: i64,
    ) -> StoreResult<Option<BetaMembership>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{MEMBERSHIP_SELECT} WHERE m.product_id = $1 AND m.user_id = $2 ORDER BY m.id DESC LIMIT 1"
        )))
        .bind(product_id)
        .bind(user_id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| membership_from_row(&r)).transpose()
    }

    pub async fn is_beta_member(&self, product_id: i64, user_id: i64) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM beta_memberships WHERE product_id = $1 AND user_id = $2 AND status = 'member'",
        )
        .bind(product_id)
        .bind(user_id)
        .fetch_one(&self.read)
        .await?;
        Ok(n > 0)
    }

    /// Applications and memberships of a product, oldest application first.
    pub async fn beta_memberships(
        &self,
        product_id: i64,
        status: Option<MemberStatus>,
        limit: i64,
    ) -> StoreResult<Vec<BetaMembership>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{MEMBERSHIP_SELECT} WHERE m.product_id = $1 AND ($2 = '' OR m.status = $2) \
             ORDER BY m.applied_at, m.id LIMIT $3"
        )))
        .bind(product_id)
        .bind(status.map_or("", MemberStatus::as_str))
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(membership_from_row).collect()
    }

    pub async fn beta_membership_by_id(&self, id: i64) -> StoreResult<Option<BetaMembership>> {
        let row = sqlx::query(AssertSqlSafe(format!("{MEMBERSHIP_SELECT} WHERE m.id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| membership_from_row(&r)).transpose()
    }

    /// A fan applies. Admitted at once when the group's level rule covers `level` and a seat
    /// is free; otherwise the application waits for staff. Refused while the fan is a
    /// member, has an application under review, or is within a cooldown.
    pub async fn apply_beta(
        &self,
        product_id: i64,
        user_id: i64,
        motivation: &Motivation,
        level: u8,
        now: Millis,
    ) -> StoreResult<BetaMembership> {
        self.apply_beta_with_priority(product_id, user_id, motivation, level, false, now).await
    }

    /// [`Store::apply_beta`] for a fan with priority (a 口碑 perk): admitted as they apply,
    /// whatever the group's level rule, while seats last.
    pub async fn apply_beta_with_priority(
        &self,
        product_id: i64,
        user_id: i64,
        motivation: &Motivation,
        level: u8,
        priority: bool,
        now: Millis,
    ) -> StoreResult<BetaMembership> {
        let mut tx = self.write.begin().await?;
        let group = self.lock_group(&mut tx, product_id).await?;
        if !group.rules.open {
            return Err(ErrorCode::BetaClosed.into());
        }
        let last = sqlx::query(
            "SELECT status, ended_at, decided_at FROM beta_memberships \
             WHERE product_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(product_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(last) = last {
            let status: String = last.try_get("status")?;
            let status = MemberStatus::parse(&status).map_err(crate::posts::decode_err)?;
            match status {
                MemberStatus::Member => return Err(ErrorCode::BetaAlreadyMember.into()),
                MemberStatus::Pending => return Err(ErrorCode::BetaAlreadyApplied.into()),
                _ => {
                    let ended: Option<Millis> = last.try_get("ended_at")?;
                    let decided: Option<Millis> = last.try_get("decided_at")?;
                    let since = ended.or(decided).unwrap_or(now);
                    if group.rules.reapply_at(status, since).is_some_and(|at| now < at) {
                        return Err(ErrorCode::BetaCooldown.into());
                    }
                }
            }
        }
        let admit = (priority || group.rules.admits_by_level(level)) && group.free_seats() > 0;
        let status = if admit { MemberStatus::Member } else { MemberStatus::Pending };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO beta_memberships (product_id, user_id, status, motivation, applied_at, \
             decided_at, joined_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(product_id)
        .bind(user_id)
        .bind(status.as_str())
        .bind(motivation.as_str())
        .bind(now)
        .bind(admit.then_some(now))
        .fetch_one(&mut *tx)
        .await
        // Two applications of one fan raced past the check: the index keeps one.
        .map_err(|e| {
            if is_unique_violation(&e) {
                ErrorCode::BetaAlreadyApplied.into()
            } else {
                crate::StoreError::Db(e)
            }
        })?;
        if admit {
            Self::tell_member(&mut tx, NotificationKind::BetaAdmitted, id, user_id, product_id, None, now)
                .await?;
        }
        tx.commit().await?;
        self.beta_membership_by_id(id).await?.ok_or_else(|| ErrorCode::BetaApplicationNotFound.into())
    }

    /// Staff admit or decline a pending application. Admitting needs a free seat.
    pub async fn decide_beta(
        &self,
        membership_id: i64,
        actor_id: i64,
        admit: bool,
        now: Millis,
    ) -> StoreResult<BetaMembership> {
        let mut tx = self.write.begin().await?;
        let row = sqlx::query("SELECT product_id, user_id, status FROM beta_memberships WHERE id = $1")
            .bind(membership_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(ErrorCode::BetaApplicationNotFound)?;
        let product_id: i64 = row.try_get("product_id")?;
        let user_id: i64 = row.try_get("user_id")?;
        let group = self.lock_group(&mut tx, product_id).await?;
        if admit && group.free_seats() == 0 {
            return Err(ErrorCode::BetaFull.into());
        }
        let (to, kind) = if admit {
            (MemberStatus::Member, NotificationKind::BetaAdmitted)
        } else {
            (MemberStatus::Rejected, NotificationKind::BetaRejected)
        };
        // Conditional on `pending`, so two staff deciding at once cannot both win.
        let changed = sqlx::query(
            "UPDATE beta_memberships SET status = $1, decided_by = $2, decided_at = $3, \
             joined_at = CASE WHEN $1 = 'member' THEN $3 ELSE NULL END \
             WHERE id = $4 AND status = 'pending'",
        )
        .bind(to.as_str())
        .bind(actor_id)
        .bind(now)
        .bind(membership_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(ErrorCode::BetaApplicationDecided.into());
        }
        Self::tell_member(&mut tx, kind, membership_id, user_id, product_id, Some(actor_id), now).await?;
        tx.commit().await?;
        self.beta_membership_by_id(membership_id)
            .await?
            .ok_or_else(|| ErrorCode::BetaApplicationNotFound.into())
    }

    /// Ends the fan's live membership or application: `Left` when they leave (or withdraw),
    /// `Removed` when staff remove them.
    pub async fn end_beta_membership(
        &self,
        product_id: i64,
        user_id: i64,
        ending: MemberStatus,
        actor_id: i64,
        note: Option<&str>,
        now: Millis,
    ) -> StoreResult<BetaMembership> {
        debug_assert!(matches!(ending, MemberStatus::Left | MemberStatus::Removed));
        let mut tx = self.write.begin().await?;
        self.lock_group(&mut tx, product_id).await?;
        let live: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM beta_memberships WHERE product_id = $1 AND user_id = $2 \
             AND status IN ('pending', 'member')",
        )
        .bind(product_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let id = live.ok_or(ErrorCode::BetaNotMember)?;
        sqlx::query("UPDATE beta_memberships SET status = $1, ended_at = $2, end_note = $3 WHERE id = $4")
            .bind(ending.as_str())
            .bind(now)
            .bind(note)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if ending == MemberStatus::Removed {
            Self::tell_member(
                &mut tx,
                NotificationKind::BetaRemoved,
                id,
                user_id,
                product_id,
                Some(actor_id),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.beta_membership_by_id(id).await?.ok_or_else(|| ErrorCode::BetaApplicationNotFound.into())
    }

    /// Products whose beta group the fan belongs to.
    pub async fn beta_products_of(&self, user_id: i64) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT product_id FROM beta_memberships WHERE user_id = $1 AND status = 'member' ORDER BY product_id",
        )
        .bind(user_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// What the fan posted on the product's beta board during `week`.
    pub async fn beta_duty_tally(
        &self,
        product_id: i64,
        user_id: i64,
        week: IsoWeek,
    ) -> StoreResult<DutyTally> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN kind = $1 THEN 1 ELSE 0 END), 0) AS bugs, \
             COALESCE(SUM(CASE WHEN kind = $2 THEN 1 ELSE 0 END), 0) AS suggestions \
             FROM posts WHERE product_id = $3 AND beta = 1 AND author_id = $4 \
             AND created_at >= $5 AND created_at < $6",
        )
        .bind(PostKind::Bug.as_str())
        .bind(PostKind::Idea.as_str())
        .bind(product_id)
        .bind(user_id)
        .bind(week.start_millis())
        .bind(week.end_millis())
        .fetch_one(&self.read)
        .await?;
        Ok(DutyTally { bugs: row.try_get("bugs")?, suggestions: row.try_get("suggestions")? })
    }

    /// Judges `week` for every group that has not judged it yet (normally: last week,
    /// called by the server's weekly job; idempotent, so every node may call it).
    pub async fn judge_beta_duties(&self, week: IsoWeek, now: Millis) -> StoreResult<Vec<JudgedWeek>> {
        let products: Vec<i64> = sqlx::query_scalar(
            "SELECT product_id FROM beta_groups WHERE judged_week IS NULL OR judged_week < $1 ORDER BY product_id",
        )
        .bind(week.key())
        .fetch_all(&self.read)
        .await?;
        let mut out = Vec::with_capacity(products.len());
        for product_id in products {
            out.push(self.judge_beta_week(product_id, week, now).await?);
        }
        Ok(out)
    }

    /// Judges one product's members for `week`, in one transaction: a member who was one
    /// for the whole week and posted at least one bug report and one suggestion on the beta
    /// board earns the duty points; one who did not is removed and told why. A week is
    /// judged once: a second call changes nothing.
    pub async fn judge_beta_week(
        &self,
        product_id: i64,
        week: IsoWeek,
        now: Millis,
    ) -> StoreResult<JudgedWeek> {
        let key = week.key();
        let mut tx = self.write.begin().await?;
        let group = self.lock_group(&mut tx, product_id).await?;
        let mut outcome = JudgedWeek { product_id, week: key.clone(), ..JudgedWeek::default() };
        if group.judged_week.as_deref().is_some_and(|judged| judged >= key.as_str()) {
            return Ok(outcome);
        }
        outcome.fresh = true;
        let members = sqlx::query(
            "SELECT m.id, m.user_id, m.joined_at, u.handle, \
             (SELECT COUNT(*) FROM posts p WHERE p.product_id = m.product_id AND p.beta = 1 \
              AND p.author_id = m.user_id AND p.kind = $1 AND p.created_at >= $3 AND p.created_at < $4) AS bugs, \
             (SELECT COUNT(*) FROM posts p WHERE p.product_id = m.product_id AND p.beta = 1 \
              AND p.author_id = m.user_id AND p.kind = $2 AND p.created_at >= $3 AND p.created_at < $4) AS ideas \
             FROM beta_memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.product_id = $5 AND m.status = 'member' ORDER BY m.id",
        )
        .bind(PostKind::Bug.as_str())
        .bind(PostKind::Idea.as_str())
        .bind(week.start_millis())
        .bind(week.end_millis())
        .bind(product_id)
        .fetch_all(&mut *tx)
        .await?;
        for m in &members {
            let joined_at: Option<Millis> = m.try_get("joined_at")?;
            if !joined_at.is_some_and(|at| owes_duties(at, week)) {
                continue;
            }
            let id: i64 = m.try_get("id")?;
            let user_id: i64 = m.try_get("user_id")?;
            let tally = DutyTally { bugs: m.try_get("bugs")?, suggestions: m.try_get("ideas")? };
            outcome.judged += 1;
            sqlx::query(
                "INSERT INTO beta_duty_weeks (product_id, user_id, week, bugs, suggestions, done, judged_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (product_id, user_id, week) DO NOTHING",
            )
            .bind(product_id)
            .bind(user_id)
            .bind(&key)
            .bind(tally.bugs)
            .bind(tally.suggestions)
            .bind(i64::from(tally.done()))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if tally.done() {
                outcome.done += 1;
                let ref_key = format!("beta:{product_id}:{key}");
                Self::award(&mut tx, user_id, Some(product_id), Reason::BetaDutyDone, &ref_key, now).await?;
            } else {
                sqlx::query(
                    "UPDATE beta_memberships SET status = 'removed', ended_at = $1, end_note = $2 WHERE id = $3",
                )
                .bind(now)
                .bind(format!("missed_duties:{key}"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                Self::tell_member(&mut tx, NotificationKind::BetaRemoved, id, user_id, product_id, None, now)
                    .await?;
                outcome.removed.push(m.try_get("handle")?);
            }
        }
        sqlx::query("UPDATE beta_groups SET judged_week = $1 WHERE product_id = $2")
            .bind(&key)
            .bind(product_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// The group, locked for the rest of the transaction on PostgreSQL so seat counts and
    /// judging see no concurrent admission. Missing group: `beta_not_found`.
    async fn lock_group(&self, tx: &mut Tx, product_id: i64) -> StoreResult<BetaGroup> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT product_id, seats, min_level, removal_cooldown_days, leave_cooldown_days, open, \
             judged_week, owners_of_product_id, CAST(NULL AS TEXT) AS owners_of_slug, 0 AS members, \
             0 AS pending FROM beta_groups WHERE product_id = $1{lock}"
        )))
        .bind(product_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(ErrorCode::BetaNotFound)?;
        let mut group = group_from_row(&row)?;
        let counts = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN status = 'member' THEN 1 ELSE 0 END), 0) AS members, \
             COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS pending \
             FROM beta_memberships WHERE product_id = $1",
        )
        .bind(product_id)
        .fetch_one(&mut **tx)
        .await?;
        group.members = counts.try_get("members")?;
        group.pending = counts.try_get("pending")?;
        Ok(group)
    }

    /// Tells a fan about their beta membership (admitted, declined, removed), inbox and email.
    async fn tell_member(
        tx: &mut Tx,
        kind: NotificationKind,
        membership_id: i64,
        user_id: i64,
        product_id: i64,
        actor_id: Option<i64>,
        now: Millis,
    ) -> StoreResult<()> {
        let product = sqlx::query("SELECT slug, name FROM products WHERE id = $1")
            .bind(product_id)
            .fetch_one(&mut **tx)
            .await?;
        let slug: String = product.try_get("slug")?;
        let name: String = product.try_get("name")?;
        let data = serde_json::json!({ "product": slug, "product_name": name });
        let key = format!("{}:{membership_id}", kind.as_str());
        Self::notify_fan(tx, user_id, kind, &key, actor_id, &data, now).await
    }
}

fn group_from_row(r: &AnyRow) -> StoreResult<BetaGroup> {
    let min_level: Option<i64> = r.try_get("min_level")?;
    let open: i64 = r.try_get("open")?;
    Ok(BetaGroup {
        product_id: r.try_get("product_id")?,
        rules: BetaRules {
            seats: r.try_get("seats")?,
            min_level: min_level.and_then(|l| u8::try_from(l).ok()),
            removal_cooldown_days: r.try_get("removal_cooldown_days")?,
            leave_cooldown_days: r.try_get("leave_cooldown_days")?,
            open: open != 0,
            owners_of: r.try_get("owners_of_product_id")?,
        },
        owners_of_slug: r.try_get("owners_of_slug")?,
        members: r.try_get("members")?,
        pending: r.try_get("pending")?,
        judged_week: r.try_get("judged_week")?,
    })
}
