//! Launch orders: an order in a campaign's wave carries deposit terms (a full purchase, a
//! small 小定 or a big 大定 deposit) and lives by the state machine of
//! `canyu_core::campaign`. Payments come from a signed provider notification (or the demo's
//! simulated provider); refunds, expiries and cancellations give the unit back to the wave;
//! a sweep expires unpaid holds and locks big orders whose refund window closed.

use crate::App;
use crate::accounts::Auth;
use crate::error::{AppError, AppResult};
use crate::policy::can_manage;
use canyu_core::campaign::{OrderEvent, OrderFacts, OrderKind, OrderState, next_state, refundable_until};
use canyu_core::identity::RealName;
use canyu_core::{ErrorCode, Role};
use canyu_launch::claims::{ClaimKey, Claimed, Owner};
use canyu_store::{Campaign, Identity, LaunchOrder, LaunchRow, PaymentOutcome, Transition, Wave};
use std::sync::Arc;

pub const BUYER_NAME_MAX_CHARS: usize = 40;

/// What a fan chose for an order in a campaign wave, checked before the engine runs.
pub struct LaunchTerms {
    pub campaign: Arc<Campaign>,
    pub kind: OrderKind,
    pub amount_fen: i64,
    pub buyer_name: String,
    pub address_key: Option<String>,
    pub client_key: Option<String>,
    pub device_key: Option<String>,
    /// The fan's verified person, when the campaign counts orders per person.
    pub person_key: Option<String>,
    /// Anti-scalper flags raised by this order.
    pub flags: Vec<&'static str>,
}

/// Everything a fan sends with an order in a campaign wave, and where it came from.
#[derive(Clone, Copy, Debug, Default)]
pub struct LaunchChoice<'a> {
    pub kind: Option<&'a str>,
    pub buyer_name: Option<&'a str>,
    pub address: Option<&'a str>,
    pub client_ip: Option<std::net::IpAddr>,
    /// The device it came from (checked with [`canyu_core::campaign::parse_device_id`]): the browser's device
    /// cookie, or an app's `X-Device-Id`.
    pub device: Option<&'a str>,
}

/// Orders from one client address per campaign per minute before they are flagged.
pub const IP_BURST_PER_MINUTE: u32 = 3;

/// A delivery address as a key: whitespace and punctuation dropped, letters lowercased, so
/// "北京市 海淀区 1号" and "北京市海淀区1号" are one address.
pub fn address_key(raw: &str) -> Result<String, ErrorCode> {
    let len = raw.trim().chars().count();
    if !(5..=200).contains(&len) || raw.chars().any(char::is_control) {
        return Err(ErrorCode::InvalidAddress);
    }
    let normal: String = raw.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
    Ok(digest(&normal))
}

/// The digest a browser's device cookie or an app's `X-Device-Id` is kept as: orders and
/// accounts store the same one, so the referral rules can compare them.
pub(crate) fn device_key(raw: &str) -> String {
    digest(raw)
}

fn digest(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(text.as_bytes()))
}

pub fn parse_buyer_name(raw: &str) -> Result<String, ErrorCode> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > BUYER_NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(ErrorCode::InvalidBuyerName);
    }
    Ok(name.to_string())
}

/// The terms of an order in `wave`: `None` for a wave outside any campaign (which takes no
/// kind or buyer), else the kind, the amount due now and the buyer's name.
pub async fn terms_for(
    app: &App,
    auth: &Auth,
    wave: &Wave,
    choice: LaunchChoice<'_>,
) -> AppResult<Option<LaunchTerms>> {
    let Some(campaign_id) = wave.campaign_id else {
        return match (choice.kind, choice.buyer_name, choice.address) {
            (None, None, None) => Ok(None),
            _ => Err(ErrorCode::InvalidOrderKind.into()),
        };
    };
    let campaign = app.campaigns.get(&app.store, campaign_id).await?.ok_or(ErrorCode::Internal)?;
    let kind = OrderKind::parse(choice.kind.ok_or(ErrorCode::OrderKindRequired)?)?;
    let limits = campaign.terms.limits;
    let identity = if limits.verified_only || limits.one_per_person {
        app.store.identity(auth.user.id).await?
    } else {
        None
    };
    let buyer_name = match (&identity, limits.verified_only) {
        (None, true) => return Err(ErrorCode::VerificationRequired.into()),
        (Some(identity), true) => verified_buyer(identity, choice.buyer_name)?,
        (_, false) => parse_buyer_name(choice.buyer_name.unwrap_or(""))?,
    };
    let address_key = choice.address.map(address_key).transpose()?;
    if campaign.terms.limits.one_per_address && address_key.is_none() {
        return Err(ErrorCode::AddressRequired.into());
    }
    let amount_fen = campaign
        .skus
        .iter()
        .find(|s| s.code == wave.rules.sku)
        .and_then(|s| s.amount_due(kind))
        .ok_or(ErrorCode::OrderKindNotOffered)?;
    // Signals for staff review, never refusals: a real fan may share a flat or a café's Wi-Fi.
    let mut flags = Vec::new();
    if auth.user.created_at >= campaign.schedule.teaser_at {
        flags.push("fresh_account");
    }
    let client_key = choice.client_ip.map(|ip| digest(&ip.to_string()));
    if let Some(ip) = choice.client_ip
        && app.limiter.check(&format!("burst:{campaign_id}:{ip}"), IP_BURST_PER_MINUTE, app.now()).is_err()
    {
        flags.push("ip_burst");
    }
    let device_key = choice.device.map(self::device_key);
    if let Some(key) = &device_key
        && app.store.device_taken(campaign_id, key, auth.user.id).await?
    {
        flags.push("shared_device");
    }
    // Under the one-per-address rule a shared address is refused by the claim instead.
    if let Some(key) = &address_key
        && !campaign.terms.limits.one_per_address
        && app.store.address_taken(campaign_id, key, auth.user.id).await?
    {
        flags.push("shared_address");
    }
    Ok(Some(LaunchTerms {
        campaign,
        kind,
        amount_fen,
        buyer_name,
        address_key,
        client_key,
        device_key,
        person_key: identity.map(|i| i.person_key),
        flags,
    }))
}

/// The buyer of an order from a verified account in a campaign that takes only those: the
/// verified person, whether named again or left out.
fn verified_buyer(identity: &Identity, given: Option<&str>) -> Result<String, ErrorCode> {
    match given.map(str::trim).filter(|g| !g.is_empty()) {
        None => Ok(identity.real_name.clone()),
        Some(given) => match RealName::parse(given) {
            Ok(name) if name.as_str() == identity.real_name => Ok(identity.real_name.clone()),
            _ => Err(ErrorCode::BuyerNotVerifiedPerson),
        },
    }
}

impl LaunchTerms {
    /// What this order must hold alone in the campaign, by the campaign's rules.
    fn claim_keys(&self, fan_id: i64) -> Vec<ClaimKey> {
        let limits = self.campaign.terms.limits;
        let mut keys = Vec::new();
        if limits.one_per_person {
            keys.push(ClaimKey::Person(fan_id));
            keys.extend(self.person_key.clone().map(ClaimKey::Identity));
        }
        if limits.one_per_address
            && let Some(key) = &self.address_key
        {
            keys.push(ClaimKey::Address(key.clone()));
        }
        keys
    }

    /// Takes the person and address this order needs before the engine is asked for a unit
    /// (a retry of the same order passes). Returns the claims taken by this call, which
    /// [`give_back`] returns if no new order comes of it.
    pub async fn claim(&self, app: &App, fan_id: i64, idempotency_key: &str) -> AppResult<Vec<ClaimKey>> {
        let keys = self.claim_keys(fan_id);
        let owner = Owner { fan_id, idempotency_key: idempotency_key.to_string() };
        let campaign = &self.campaign;
        let load = || async {
            let holders = app.store.live_order_holders(campaign.id).await?;
            Ok::<_, AppError>(
                holders
                    .into_iter()
                    .flat_map(|h| {
                        let owner = Owner { fan_id: h.user_id, idempotency_key: h.idempotency_key };
                        let limits = campaign.terms.limits;
                        let person = limits.one_per_person.then_some(ClaimKey::Person(h.user_id));
                        let identity = h.person_key.filter(|_| limits.one_per_person).map(ClaimKey::Identity);
                        let address = h.address_key.filter(|_| limits.one_per_address).map(ClaimKey::Address);
                        [person, identity, address].into_iter().flatten().map(move |key| (key, owner.clone()))
                    })
                    .collect(),
            )
        };
        match app.claims.claim(campaign.id, &keys, &owner, load).await? {
            Claimed::Granted { fresh } => Ok(fresh),
            Claimed::Taken(ClaimKey::Person(_)) => Err(ErrorCode::AlreadyOrderedInCampaign.into()),
            Claimed::Taken(ClaimKey::Identity(_)) => Err(ErrorCode::PersonAlreadyOrdered.into()),
            Claimed::Taken(ClaimKey::Address(_)) => Err(ErrorCode::AddressTaken.into()),
        }
    }

    /// Gives back claims taken for an order that was not placed (refused, a replay of an
    /// earlier order, or an engine failure: an unacknowledged order is not the fan's).
    pub async fn give_back(&self, app: &App, fresh: &[ClaimKey], fan_id: i64) {
        app.claims.release(self.campaign.id, fresh, fan_id).await;
    }

    /// The row the stock engine commits with the order, placed at `now_ms`.
    pub fn row(&self, sku_code: &str, now_ms: i64) -> LaunchRow {
        LaunchRow {
            campaign_id: self.campaign.id,
            sku_code: sku_code.to_string(),
            kind: self.kind,
            amount_fen: self.amount_fen,
            buyer_name: self.buyer_name.clone(),
            hold_expires_at: now_ms + self.campaign.terms.hold_ms,
            address_key: self.address_key.clone(),
            client_key: self.client_key.clone(),
            device_key: self.device_key.clone(),
            flags: self.flags.join(","),
        }
    }
}

fn facts(o: &LaunchOrder) -> OrderFacts {
    OrderFacts {
        kind: o.kind,
        state: o.state,
        hold_expires_at: o.hold_expires_at,
        refundable_until: o.refundable_until,
    }
}

/// The caller's launch order, or the order of a product the caller runs when `staff_ok`.
async fn load(app: &App, auth: &Auth, id: i64, staff_ok: bool) -> AppResult<LaunchOrder> {
    let Some(order) = app.store.launch_order(id).await? else {
        return Err(match app.store.order(id).await? {
            Some(o) if o.user_id == auth.user.id => ErrorCode::NotALaunchOrder,
            _ => ErrorCode::OrderNotFound,
        }
        .into());
    };
    if order.user_id == auth.user.id {
        return Ok(order);
    }
    if staff_ok && auth.user.role >= Role::Staff {
        let campaign = app.campaigns.get(&app.store, order.campaign_id).await?.ok_or(ErrorCode::Internal)?;
        if can_manage(app, auth, campaign.product_id).await? {
            return Ok(order);
        }
    }
    // Someone else's order does not exist, as far as the caller can tell.
    Err(ErrorCode::OrderNotFound.into())
}

pub async fn show(app: &App, auth: &Auth, id: i64) -> AppResult<LaunchOrder> {
    load(app, auth, id, true).await
}

/// Moves the order by `event` for the caller (lock, refund, cancel); an order that lets go
/// of its unit gives it back to the wave.
pub async fn act(app: &App, auth: &Auth, id: i64, event: OrderEvent) -> AppResult<LaunchOrder> {
    crate::ratelimit::limit(app, format!("write:{}", auth.user.id), app.config.writes_per_minute)?;
    // Staff may cancel a flagged order of their product and take back a sold one (after-sales);
    // everything else is the buyer's.
    let staff_event = matches!(event, OrderEvent::Cancel | OrderEvent::Return);
    let order = load(app, auth, id, staff_event).await?;
    if event == OrderEvent::Return {
        // A buyer asks after-sales; only the people who run the product take an order back.
        let campaign = app.campaigns.get(&app.store, order.campaign_id).await?.ok_or(ErrorCode::Internal)?;
        crate::policy::require_manager(app, auth, campaign.product_id).await?;
    }
    let now = app.now();
    let to = next_state(&facts(&order), event, now)?;
    if commit_move(app, &order, to, event, Some(auth.user.id), now).await?.is_none() {
        // Another move (a payment, the sweep) got there first.
        return Err(ErrorCode::InvalidOrderTransition.into());
    }
    Ok(app.store.launch_order(id).await?.ok_or(ErrorCode::OrderNotFound)?)
}

/// Writes a move the state machine allowed (`None` when another move got there first), and
/// gives the unit back to the wave when the order lets go of it: `Some(true)` when it did. A
/// failed release is logged and left to the sweep, which finds every order that should have
/// let go.
async fn commit_move(
    app: &App,
    order: &LaunchOrder,
    to: OrderState,
    event: OrderEvent,
    actor_id: Option<i64>,
    now: i64,
) -> AppResult<Option<bool>> {
    let moved = app
        .store
        .apply_launch_transition(&Transition {
            order_id: order.order_id,
            from: order.state,
            to,
            event,
            actor_id,
            now,
            refundable_until: None,
        })
        .await?;
    if !moved {
        return Ok(None);
    }
    tracing::info!(order = order.order_id, from = order.state.as_str(), to = to.as_str(), by = ?actor_id, "launch order moved");
    if to.holds_stock() {
        return Ok(Some(false));
    }
    // The person and the address may order again. Keys the order never held stay with
    // whoever holds them (release checks the fan).
    let mut keys = vec![ClaimKey::Person(order.user_id)];
    keys.extend(order.address_key.clone().map(ClaimKey::Address));
    match app.store.identity(order.user_id).await {
        Ok(identity) => keys.extend(identity.map(|i| ClaimKey::Identity(i.person_key))),
        // The claim stays until the node restarts and reloads claims from live orders.
        Err(e) => tracing::warn!(order = order.order_id, error = %e, "could not read the buyer's identity"),
    }
    app.claims.release(order.campaign_id, &keys, order.user_id).await;
    let released = match app.store.order(order.order_id).await {
        Ok(Some(o)) => app.stock.release(&o, now).await.unwrap_or_else(|e| {
            tracing::warn!(order = order.order_id, error = %e, "releasing an order's unit failed; the sweep will retry");
            false
        }),
        Ok(None) => false,
        Err(e) => {
            tracing::warn!(order = order.order_id, error = %e, "could not read an order to release");
            false
        }
    };
    Ok(Some(released))
}

pub async fn rename(app: &App, auth: &Auth, id: i64, buyer_name: &str) -> AppResult<LaunchOrder> {
    let name = parse_buyer_name(buyer_name)?;
    let order = load(app, auth, id, false).await?;
    let campaign = app.campaigns.get(&app.store, order.campaign_id).await?.ok_or(ErrorCode::Internal)?;
    let name = if campaign.terms.limits.verified_only {
        let identity = app.store.identity(auth.user.id).await?.ok_or(ErrorCode::VerificationRequired)?;
        verified_buyer(&identity, Some(&name))?
    } else {
        name
    };
    if !order.state.buyer_editable() {
        return Err(match order.state {
            OrderState::Locked => ErrorCode::OrderLocked,
            _ => ErrorCode::InvalidOrderTransition,
        }
        .into());
    }
    if !app.store.set_buyer_name(id, &name, app.now()).await? {
        return Err(ErrorCode::OrderLocked.into());
    }
    Ok(app.store.launch_order(id).await?.ok_or(ErrorCode::OrderNotFound)?)
}

/// A payment as a provider notified it (already authenticated by the caller). A repeated
/// notification answers `Duplicate` and changes nothing; a reference the provider already
/// gave another order is refused with `payment_ref_conflict` (issue #17: it answered
/// `Duplicate`, and the second order stayed unpaid without anyone being told).
pub async fn record_payment(
    app: &App,
    order_id: i64,
    provider: &str,
    provider_ref: &str,
    amount_fen: i64,
) -> AppResult<PaymentOutcome> {
    canyu_core::text::refuse_controls(provider)?;
    canyu_core::text::refuse_controls(provider_ref)?;
    if let Some(paid_order) = app.store.payment_order(provider, provider_ref).await? {
        if paid_order != order_id {
            tracing::warn!(
                order = order_id,
                paid_order,
                provider,
                "payment reference reused for another order"
            );
            return Err(ErrorCode::PaymentRefConflict.into());
        }
        return Ok(PaymentOutcome::Duplicate);
    }
    let order = app.store.launch_order(order_id).await?.ok_or(ErrorCode::OrderNotFound)?;
    if amount_fen != order.amount_fen {
        return Err(ErrorCode::AmountMismatch.into());
    }
    let now = app.now();
    let to = next_state(&facts(&order), OrderEvent::Pay, now)?;
    let campaign = app.campaigns.get(&app.store, order.campaign_id).await?.ok_or(ErrorCode::Internal)?;
    let outcome = app
        .store
        .pay_launch_order(
            &Transition {
                order_id,
                from: order.state,
                to,
                event: OrderEvent::Pay,
                actor_id: None,
                now,
                refundable_until: refundable_until(order.kind, now, &campaign.terms),
            },
            provider,
            provider_ref,
            amount_fen,
        )
        .await?;
    match outcome {
        PaymentOutcome::StateMoved => return Err(ErrorCode::InvalidOrderTransition.into()),
        PaymentOutcome::RefConflict => return Err(ErrorCode::PaymentRefConflict.into()),
        PaymentOutcome::Recorded | PaymentOutcome::Duplicate => {}
    }
    tracing::info!(order = order_id, provider, amount_fen, "payment recorded");
    Ok(outcome)
}

/// The demo's provider: pays the caller's order in full without any money moving.
pub async fn simulate_payment(app: &App, auth: &Auth, id: i64) -> AppResult<LaunchOrder> {
    if !app.config.simulated_payments {
        return Err(ErrorCode::SimulatedPaymentsOff.into());
    }
    let order = load(app, auth, id, false).await?;
    record_payment(app, id, "simulated", &format!("sim-{id}"), order.amount_fen).await?;
    Ok(app.store.launch_order(id).await?.ok_or(ErrorCode::OrderNotFound)?)
}

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub expired: u64,
    pub locked: u64,
    pub released: u64,
    /// Fans told that their unpaid hold runs out soon.
    pub reminded: u64,
}

/// How long before an unpaid hold runs out its fan is reminded (once, and never in the
/// order's first five minutes).
pub const HOLD_REMINDER_MS: i64 = 5 * canyu_core::campaign::MINUTE_MS;

/// Reminds fans of holds about to run out, expires unpaid holds, locks big orders whose refund
/// window closed, and gives back every unit an order should have let go. Idempotent: several nodes may sweep at once.
pub async fn sweep(app: &App) -> AppResult<Swept> {
    let now = app.now();
    let mut swept = Swept {
        reminded: app.store.remind_expiring_holds(now, HOLD_REMINDER_MS, 1_000).await?,
        ..Swept::default()
    };
    for order in app.store.launch_orders_due(now, 1_000).await? {
        let event = if order.state == OrderState::AwaitingPayment {
            OrderEvent::Expire
        } else {
            OrderEvent::AutoLock
        };
        let Ok(to) = next_state(&facts(&order), event, now) else { continue };
        let Some(released) = commit_move(app, &order, to, event, None, now).await? else { continue };
        swept.released += u64::from(released);
        if to == OrderState::Expired {
            swept.expired += 1;
        } else {
            swept.locked += 1;
        }
    }
    // Releases follow their move at once; this only retries the failures, which a week
    // covers however long a node was down.
    for order in app.store.orders_to_release(now - 7 * canyu_core::campaign::DAY_MS, 1_000).await? {
        match app.stock.release(&order, now).await {
            Ok(true) => swept.released += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(order = order.id, error = %e, "releasing an order's unit failed"),
        }
    }
    Ok(swept)
}

/// The campaign's production queue (locked orders by lock time), for the people who run it.
/// With it, the numbers by stage.
pub async fn production(
    app: &App,
    auth: &Auth,
    campaign_id: i64,
) -> AppResult<(Vec<LaunchOrder>, canyu_store::ProductionSummary)> {
    require_campaign_manager(app, auth, campaign_id).await?;
    let queue = app.store.production_queue(campaign_id, 10_000).await?;
    Ok((queue, app.store.production_summary(campaign_id).await?))
}

/// The campaign's flagged orders that still hold a unit (the people who run it).
pub async fn flagged(app: &App, auth: &Auth, campaign_id: i64) -> AppResult<Vec<LaunchOrder>> {
    require_campaign_manager(app, auth, campaign_id).await?;
    Ok(app.store.flagged_launch_orders(campaign_id, 10_000).await?)
}

async fn require_campaign_manager(app: &App, auth: &Auth, campaign_id: i64) -> AppResult<()> {
    auth.require(Role::Staff)?;
    let campaign = app.store.campaign(campaign_id).await?.ok_or(ErrorCode::CampaignNotFound)?;
    if !can_manage(app, auth, campaign.product_id).await? {
        return Err(AppError::new(ErrorCode::NotProductManager));
    }
    Ok(())
}

/// What a bulk cancellation did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BulkCancel {
    /// Unpaid orders cancelled.
    pub cancelled: Vec<i64>,
    /// Paid deposits refunded.
    pub refunded: Vec<i64>,
    /// Orders left as they were: locked, paid in full, already closed, or of another campaign.
    pub skipped: Vec<i64>,
}

/// Staff cancel scalpers' orders in bulk: unpaid ones are cancelled, paid deposits refunded;
/// each gives its unit back to the wave. Locked orders and paid full purchases are left.
pub async fn cancel_in_bulk(app: &App, auth: &Auth, campaign_id: i64, ids: &[i64]) -> AppResult<BulkCancel> {
    require_campaign_manager(app, auth, campaign_id).await?;
    let mut done = BulkCancel::default();
    for &id in ids.iter().take(10_000) {
        let Some(order) = app.store.launch_order(id).await?.filter(|o| o.campaign_id == campaign_id) else {
            done.skipped.push(id);
            continue;
        };
        let event = match order.state {
            OrderState::AwaitingPayment => OrderEvent::Cancel,
            OrderState::Deposited => OrderEvent::Refund,
            _ => {
                done.skipped.push(id);
                continue;
            }
        };
        let now = app.now();
        let Ok(to) = next_state(&facts(&order), event, now) else {
            done.skipped.push(id);
            continue;
        };
        if commit_move(app, &order, to, event, Some(auth.user.id), now).await?.is_none() {
            done.skipped.push(id);
            continue;
        }
        if event == OrderEvent::Cancel { done.cancelled.push(id) } else { done.refunded.push(id) }
    }
    tracing::info!(
        campaign = campaign_id,
        by = auth.user.id,
        cancelled = done.cancelled.len(),
        refunded = done.refunded.len(),
        "flagged orders cancelled"
    );
    Ok(done)
}

/// Moves the next `count` orders of the production queue to `stage` (`in_production` from
/// queued, `delivered` from in production), in lock order; the buyers are told.
pub async fn advance_production(
    app: &App,
    auth: &Auth,
    campaign_id: i64,
    stage: &str,
    count: i64,
) -> AppResult<Vec<i64>> {
    require_campaign_manager(app, auth, campaign_id).await?;
    let to = canyu_core::campaign::Stage::parse_target(stage)?;
    let from = to.previous().ok_or(ErrorCode::InvalidStage)?;
    if !(1..=100_000).contains(&count) {
        return Err(ErrorCode::InvalidStage.into());
    }
    let moved = app.store.advance_production(campaign_id, from, to, count, auth.user.id, app.now()).await?;
    tracing::info!(
        campaign = campaign_id,
        stage = to.as_str(),
        orders = moved.len(),
        by = auth.user.id,
        "production advanced"
    );
    Ok(moved)
}

// ---- reads of launch orders: the rows as stored; callers check who may see them (see [`crate::policy`]).

pub async fn launch_order(app: &App, order_id: i64) -> AppResult<Option<LaunchOrder>> {
    Ok(app.store.launch_order(order_id).await?)
}

pub async fn launch_orders_of_user(app: &App, user_id: i64, limit: i64) -> AppResult<Vec<LaunchOrder>> {
    Ok(app.store.launch_orders_of_user(user_id, limit).await?)
}

pub async fn launch_order_events(app: &App, order_id: i64) -> AppResult<Vec<canyu_store::LaunchOrderEvent>> {
    Ok(app.store.launch_order_events(order_id).await?)
}

pub async fn flagged_launch_orders(app: &App, campaign_id: i64, limit: i64) -> AppResult<Vec<LaunchOrder>> {
    Ok(app.store.flagged_launch_orders(campaign_id, limit).await?)
}

pub async fn production_summary(app: &App, campaign_id: i64) -> AppResult<canyu_store::ProductionSummary> {
    Ok(app.store.production_summary(campaign_id).await?)
}
