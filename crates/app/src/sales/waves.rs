//! Waves and orders: staff who run a product release stock in waves; fans order first
//! come, first served through the stock engine, which answers only once the order is
//! committed.

use crate::App;
use crate::accounts::Auth;
use crate::error::{AppError, AppResult};
use crate::{policy::can_manage, ratelimit::limit};
use canyu_core::points::level_for;
use canyu_core::wave::{Eligibility, WaveMode, WaveRules};
use canyu_core::{ErrorCode, Millis, Role};
use canyu_launch::engine::{EngineError, OrderRequest, PlacedOrder, Placement, QuantitySet, WaveStock};
use canyu_store::{LaunchOrder, Order, Wave};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub struct WaveInput {
    pub product: String,
    pub sku: Option<String>,
    pub quantity: i64,
    pub mode: String,
    pub per_fan_limit: Option<i64>,
    pub starts_at: Millis,
    pub ends_at: Millis,
    pub eligibility: Option<String>,
    pub min_level: Option<i64>,
    /// For `owners_of`: the slug of the product whose owners may buy.
    pub owners_of: Option<String>,
    pub channels: BTreeMap<String, i64>,
    /// Of the online units, those kept for F-code holders.
    pub fcode_quantity: Option<i64>,
    /// The product's launch campaign the wave belongs to (required for `reservation`).
    pub campaign: Option<i64>,
}

pub async fn create(app: &App, auth: &Auth, input: WaveInput) -> AppResult<Wave> {
    auth.require(Role::Staff)?;
    let owners_of = match input.owners_of.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => Some(app.store.product_by_slug(slug).await?.ok_or(ErrorCode::UnknownProduct)?.id),
        None => None,
    };
    let eligibility = Eligibility::parse(input.eligibility.as_deref(), input.min_level, owners_of)?;
    let rules = WaveRules::parse(
        input.sku.as_deref(),
        input.quantity,
        &input.mode,
        input.per_fan_limit,
        input.starts_at,
        input.ends_at,
        eligibility,
        input.channels,
    )?
    .with_fcode_quantity(input.fcode_quantity.unwrap_or(0))?;
    let product = app.store.product_by_slug(input.product.trim()).await?.ok_or(ErrorCode::UnknownProduct)?;
    if !can_manage(app, auth, product.id).await? {
        return Err(ErrorCode::NotProductManager.into());
    }
    // A wave's units go to channels of the registry (`POST /channels`).
    if !rules.channels.is_empty() {
        let known = app.store.channels().await?;
        if rules.channels.keys().any(|code| !known.iter().any(|c| &c.code == code)) {
            return Err(ErrorCode::InvalidChannels.into());
        }
    }
    match (input.campaign, rules.eligibility) {
        (Some(campaign), _) => {
            crate::campaigns::check_wave_campaign(app, product.id, campaign, &rules).await?
        }
        (None, Eligibility::Reservation) => return Err(ErrorCode::InvalidEligibility.into()),
        (None, _) => {}
    }
    let wave =
        app.store.create_campaign_wave(product.id, input.campaign, &rules, auth.user.id, app.now()).await?;
    if rules.mode == WaveMode::Draw {
        crate::sales::draws::commit_seed(app, wave.id).await?;
    }
    tracing::info!(wave = wave.id, product = %product.slug, quantity = rules.quantity, by = auth.user.id, "wave created");
    Ok(wave)
}

/// What staff change in a wave's window.
#[derive(Clone, Copy, Debug)]
pub enum NewWindow {
    /// Stop selling now (a pricing mistake, a payment outage, fraud).
    EndNow,
    /// A new start (only before the wave starts) and/or end.
    Move { starts_at: Option<Millis>, ends_at: Option<Millis> },
}

/// Moves a wave's window: ends a wave on sale now, gives it longer or ends it sooner, or
/// moves one that has not started. The engine takes the new window first, so no order dated
/// outside it is placed, then the database records it; a buyer whose order was placed
/// before keeps it, and their retry still replays it.
pub async fn set_window(app: &App, auth: &Auth, id: i64, change: NewWindow) -> AppResult<()> {
    change_wave(app, auth, id, WaveChange { window: Some(change), quantity: None }).await
}

/// Sets a wave's total quantity (adding stock, or taking back units not sold); the units
/// added or taken back are online units.
pub async fn set_quantity(app: &App, auth: &Auth, id: i64, quantity: i64) -> AppResult<()> {
    change_wave(app, auth, id, WaveChange { window: None, quantity: Some(quantity) }).await
}

/// What staff change in a wave at once.
#[derive(Clone, Copy, Debug, Default)]
pub struct WaveChange {
    pub window: Option<NewWindow>,
    pub quantity: Option<i64>,
}

/// Applies a change to a wave (the people who run its product). Every part is checked
/// before any is applied; the quantity goes first because only the engine can refuse it
/// (409 `quantity_below_sold`), so a refused change changes nothing.
pub async fn change_wave(app: &App, auth: &Auth, id: i64, change: WaveChange) -> AppResult<()> {
    leased(app, auth, id, Leased::Change(change)).await
}

/// Withdraws a wave that has not started (a supply problem, a wave released by mistake):
/// from then on it sells nothing, takes no draw entries and no F-codes, and its page says
/// so, with `reason` (may be empty, at most 200 characters). A wave that has started is
/// ended instead (its orders stand); one with anything sold cannot be cancelled.
pub async fn cancel(app: &App, auth: &Auth, id: i64, reason: &str) -> AppResult<()> {
    let reason = parse_cancel_reason(reason)?;
    leased(app, auth, id, Leased::Cancel(reason)).await
}

fn parse_cancel_reason(raw: &str) -> AppResult<String> {
    let reason = raw.trim();
    if reason.chars().count() > 200 || reason.chars().any(|c| c.is_control()) {
        return Err(ErrorCode::InvalidCancelReason.into());
    }
    Ok(reason.to_string())
}

/// What a staff member does to a wave under its change lease.
enum Leased {
    Change(WaveChange),
    Cancel(String),
}

async fn leased(app: &App, auth: &Auth, id: i64, what: Leased) -> AppResult<()> {
    auth.require(Role::Staff)?;
    let _one_at_a_time = app.wave_changes.lock().await;
    let wave = app.store.wave(id).await?.ok_or(ErrorCode::WaveNotFound)?;
    if !can_manage(app, auth, wave.product_id).await? {
        return Err(ErrorCode::NotProductManager.into());
    }
    // One change at a time on every node: the engine's step and the database's step of two
    // changes must not interleave (with the Redis engine both nodes move one quantity).
    let leased_until = app.now() + CHANGE_LEASE_MS;
    if !app.store.lease_wave_change(id, app.now(), leased_until).await? {
        return Err(ErrorCode::WaveChangedMeanwhile.into());
    }
    let done = match what {
        Leased::Change(change) => change_leased_wave(app, auth, id, change).await,
        Leased::Cancel(reason) => cancel_leased_wave(app, auth, id, &reason).await,
    };
    if let Err(e) = app.store.end_wave_change(id, leased_until).await {
        tracing::warn!(wave = id, error = %e, "could not end the change lease; it runs out by itself");
    }
    app.waves.forget(id).await;
    done
}

async fn cancel_leased_wave(app: &App, auth: &Auth, id: i64, reason: &str) -> AppResult<()> {
    let wave = app.store.wave(id).await?.ok_or(ErrorCode::WaveNotFound)?;
    let now = app.now();
    if wave.cancelled.is_some() {
        return Err(ErrorCode::WaveCancelled.into());
    }
    if now >= wave.rules.starts_at {
        return Err(ErrorCode::CancelAfterStart.into());
    }
    let (starts_at, ends_at) = (wave.rules.starts_at, wave.rules.ends_at);
    let engine_sells = wave.rules.mode == WaveMode::Fcfs;
    if engine_sells {
        // The engine first, as for a new window: opened with what the database holds, then
        // given a window closed long ago, so no node's engine sells it whatever its cached
        // row says.
        let engine = async {
            app.stock.open_wave(stock_of(&wave)).await?;
            app.stock.set_window(id, CLOSED_WINDOW.0, CLOSED_WINDOW.1).await
        };
        engine.await.map_err(engine_unavailable(id, "cancellation"))?;
    }
    let recorded = app.store.cancel_wave(id, reason, now).await;
    if !matches!(recorded, Ok(true)) {
        if engine_sells && let Err(e) = app.stock.set_window(id, starts_at, ends_at).await {
            tracing::error!(wave = id, error = %e, "the engine kept the closed window of a cancellation not recorded");
        }
        // It started in the meantime (the clock moved on between the two reads).
        recorded?;
        return Err(ErrorCode::CancelAfterStart.into());
    }
    tracing::info!(wave = id, by = auth.user.id, reason, "wave cancelled");
    Ok(())
}

/// How long a change may hold a wave: far longer than its few steps take, short enough that
/// a node dying mid-change blocks the next change only briefly.
const CHANGE_LEASE_MS: Millis = 30_000;

async fn change_leased_wave(app: &App, auth: &Auth, id: i64, change: WaveChange) -> AppResult<()> {
    // Read again under the lease: a change on another node may have landed since.
    let wave = app.store.wave(id).await?.ok_or(ErrorCode::WaveNotFound)?;
    if wave.cancelled.is_some() {
        return Err(ErrorCode::WaveCancelled.into());
    }
    let now = app.now();
    let window = match change.window {
        None => None,
        Some(NewWindow::EndNow) if now < wave.rules.starts_at => return Err(ErrorCode::WaveNotStarted.into()),
        Some(NewWindow::EndNow) => Some(wave.rules.moved_window(None, Some(now), now)?),
        Some(NewWindow::Move { starts_at, ends_at }) => {
            Some(wave.rules.moved_window(starts_at, ends_at, now)?)
        }
    };
    if let (Some(campaign), Some((starts_at, ends_at))) = (wave.campaign_id, window)
        && starts_at != wave.rules.starts_at
    {
        // A campaign's wave still opens after the campaign's price reveal.
        let rules = canyu_core::wave::WaveRules { starts_at, ends_at, ..wave.rules.clone() };
        crate::campaigns::check_wave_campaign(app, wave.product_id, campaign, &rules).await?;
    }
    let resized = match change.quantity {
        None => None,
        Some(_) if now >= wave.rules.ends_at => return Err(ErrorCode::WaveEnded.into()),
        // The number of winners is part of what entrants signed up for.
        Some(_) if wave.rules.mode == WaveMode::Draw && now >= wave.rules.starts_at => {
            return Err(ErrorCode::DrawQuantityFixed.into());
        }
        Some(quantity) => Some(wave.rules.with_quantity(quantity)?),
    };
    if let Some(rules) = &resized {
        apply_quantity(app, &wave, rules, now).await?;
        tracing::info!(
            wave = id,
            quantity = rules.quantity,
            was = wave.rules.quantity,
            by = auth.user.id,
            "wave quantity set"
        );
    }
    if let Some((starts_at, ends_at)) = window {
        apply_window(app, &wave, starts_at, ends_at, now).await?;
        tracing::info!(
            wave = id,
            starts_at,
            ends_at,
            was_starts_at = wave.rules.starts_at,
            was_ends_at = wave.rules.ends_at,
            by = auth.user.id,
            "wave window moved"
        );
    }
    Ok(())
}

fn engine_unavailable(id: i64, what: &'static str) -> impl Fn(EngineError) -> AppError {
    move |e| {
        tracing::error!(wave = id, error = %e, "the engine did not take the wave's new {what}");
        AppError::new(ErrorCode::Unavailable)
    }
}

/// More units: the database first, so `sold` never passes the recorded quantity, then the
/// engine. Fewer: the engine first, which refuses under its lock if more are taken, then the
/// database; if that fails the engine goes back. Both steps only apply to the quantity the
/// change was decided on, so two staff changing one wave on two nodes cannot leave the
/// engine selling more than the database records (the loser is told to reload).
async fn apply_quantity(app: &App, wave: &Wave, rules: &WaveRules, now: Millis) -> AppResult<()> {
    let (id, old, new) = (wave.id, wave.rules.online_quantity(), rules.online_quantity());
    let was = wave.rules.quantity;
    // Draw waves do not sell through the engine: their quantity is the database's.
    if wave.rules.mode != WaveMode::Fcfs {
        return match app.store.set_wave_quantity(id, was, rules, now).await? {
            true => Ok(()),
            false => Err(not_recorded(app, id, now).await),
        };
    }
    // Opened first, with what the database holds, for the reason `apply_window` gives.
    app.stock.open_wave(stock_of(wave)).await.map_err(engine_unavailable(id, "quantity"))?;
    let engine_step = |from: i64, to: i64| async move {
        app.stock.set_quantity(id, from, to).await.map_err(engine_unavailable(id, "quantity"))
    };
    // A change that failed half-way (the database recorded more, the engine did not take
    // it) leaves the engine selling less than recorded: under the lease nothing else is
    // changing the wave, so bring the engine to the database's quantity first.
    let selling = app.stock.counters(id).await.map_err(engine_unavailable(id, "quantity"))?.quantity;
    if selling != old && engine_step(selling, old).await? != QuantitySet::Set {
        return Err(ErrorCode::WaveChangedMeanwhile.into());
    }
    if new >= old {
        if !app.store.set_wave_quantity(id, was, rules, now).await? {
            return Err(not_recorded(app, id, now).await);
        }
        return match engine_step(old, new).await? {
            QuantitySet::Set => Ok(()),
            // Another change reached the engine first: it sells less than recorded until
            // the staff's retry, never more.
            QuantitySet::Changed => Err(ErrorCode::WaveChangedMeanwhile.into()),
            QuantitySet::BelowTaken => {
                tracing::error!(wave = id, new, "the engine refused more stock");
                Err(ErrorCode::Unavailable.into())
            }
        };
    }
    match engine_step(old, new).await? {
        QuantitySet::Set => {}
        QuantitySet::BelowTaken => return Err(ErrorCode::QuantityBelowSold.into()),
        QuantitySet::Changed => return Err(ErrorCode::WaveChangedMeanwhile.into()),
    }
    let recorded = app.store.set_wave_quantity(id, was, rules, now).await;
    if !matches!(recorded, Ok(true)) {
        // Back to the old quantity, unless yet another change moved the engine since.
        if let Err(e) = app.stock.set_quantity(id, new, old).await {
            tracing::error!(wave = id, error = %e, "the engine kept a quantity the database does not hold");
        }
    }
    match recorded? {
        true => Ok(()),
        false => Err(not_recorded(app, id, now).await),
    }
}

/// Why the database did not take a quantity: the wave ended, or another change landed.
async fn not_recorded(app: &App, id: i64, now: Millis) -> AppError {
    match app.store.wave(id).await {
        Ok(Some(w)) if now < w.rules.ends_at => AppError::new(ErrorCode::WaveChangedMeanwhile),
        Ok(_) => AppError::new(ErrorCode::WaveEnded),
        Err(e) => e.into(),
    }
}

async fn apply_window(
    app: &App,
    wave: &Wave,
    starts_at: Millis,
    ends_at: Millis,
    now: Millis,
) -> AppResult<()> {
    let id = wave.id;
    // Draw waves do not sell through the engine: their window is the database's.
    let engine_sells = wave.rules.mode == WaveMode::Fcfs;
    if engine_sells {
        // Opened first, with the window the database holds: an order that opens the wave
        // at the same time either got there first (and its book is moved next) or finds
        // the wave open, so no book with the old window is left behind.
        let engine = async {
            app.stock.open_wave(stock_of(wave)).await?;
            app.stock.set_window(id, starts_at, ends_at).await
        };
        engine.await.map_err(engine_unavailable(id, "window"))?;
    }
    // Orders the engine granted before it took the change may carry the current
    // millisecond: the recorded end follows them, so every order is dated before it.
    let ends_at = if engine_sells { ends_at.max(app.now() + 1) } else { ends_at };
    let recorded = app.store.set_wave_window(id, starts_at, ends_at, now).await;
    if engine_sells && !matches!(recorded, Ok(true)) {
        // Not recorded: the engine goes back to the window the database holds.
        if let Ok(Some(held)) = app.store.wave(id).await
            && let Err(e) = app.stock.set_window(id, held.rules.starts_at, held.rules.ends_at).await
        {
            tracing::error!(wave = id, error = %e, "the engine kept a window the database does not hold");
        }
    }
    if !recorded? {
        return Err(ErrorCode::WaveEnded.into());
    }
    Ok(())
}

/// The engine's window for a cancelled wave: it closed before any wave existed, so every
/// order is refused as after the end (engines take no empty window).
const CLOSED_WINDOW: (Millis, Millis) = (0, 1);

/// What the engine sells: nothing, for a cancelled wave.
fn stock_of(wave: &Wave) -> WaveStock {
    let (starts_at_ms, ends_at_ms) = match wave.cancelled {
        Some(_) => CLOSED_WINDOW,
        None => (wave.rules.starts_at, wave.rules.ends_at),
    };
    WaveStock {
        wave_id: wave.id,
        quantity: wave.rules.online_quantity(),
        per_fan_limit: wave.rules.per_fan_limit,
        starts_at_ms,
        ends_at_ms,
    }
}

/// The wave and, when the engine serves it, the units taken so far (including orders whose
/// commit is in flight: a live number for the countdown page).
pub async fn show(app: &App, id: i64) -> AppResult<(Wave, i64)> {
    let wave = app.store.wave(id).await?.ok_or(ErrorCode::WaveNotFound)?;
    let taken = match app.stock.counters(id).await {
        Ok(c) => c.taken.max(wave.sold),
        Err(_) => wave.sold,
    };
    Ok((wave, taken))
}

pub(crate) async fn eligible(app: &App, auth: &Auth, wave: &Wave) -> AppResult<bool> {
    Ok(match wave.rules.eligibility {
        Eligibility::Everyone => true,
        Eligibility::MinLevel(min) => level_for(auth.user.points).0.number >= min,
        Eligibility::Beta => app.store.is_beta_member(wave.product_id, auth.user.id).await?,
        Eligibility::FCode => app.store.usable_fcode(wave.id, auth.user.id).await?.is_some(),
        Eligibility::Reservation => match wave.campaign_id {
            Some(campaign) => app.store.reservation(campaign, auth.user.id).await?.is_some(),
            None => false,
        },
        Eligibility::OwnersOf(product) => app.store.owner_since(auth.user.id, product).await?.is_some(),
    })
}

/// What identifies a request for idempotency: the wave and the body as sent.
pub fn body_hash(wave_id: i64, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(wave_id.to_be_bytes());
    h.update(body);
    hex::encode(h.finalize())
}

pub struct Ordered {
    pub order: PlacedOrder,
    /// True when this request repeated an earlier one (same key, same body).
    pub replay: bool,
    /// The deposit terms, for an order in a campaign's wave.
    pub launch: Option<LaunchOrder>,
}

/// Places an order for the caller. Refusals come back as errors and take nothing.
/// What an order asks for besides a unit: an F-code, and in a campaign wave the kind of
/// order and the buyer.
#[derive(Clone, Copy, Debug, Default)]
pub struct OrderOptions<'a> {
    pub fcode: Option<&'a str>,
    pub use_fcode: bool,
    /// In a campaign's wave (refused elsewhere): the kind of order, the buyer, the delivery
    /// address, and the client's address (for the anti-scalper flags).
    pub launch: crate::campaigns::launch_orders::LaunchChoice<'a>,
}

pub async fn place(
    app: &App,
    auth: &Auth,
    wave_id: i64,
    idempotency_key: String,
    body: &[u8],
    options: OrderOptions<'_>,
) -> AppResult<Ordered> {
    app.token_uses.order_arrived();
    limit(app, format!("order:{}", auth.user.id), app.config.orders_per_minute)?;
    let wave = app.waves.get(&app.store, wave_id).await?.ok_or(ErrorCode::WaveNotFound)?;
    if wave.cancelled.is_some() {
        return Err(ErrorCode::WaveCancelled.into());
    }
    if wave.rules.mode == WaveMode::Draw {
        return Err(ErrorCode::WaveIsDraw.into());
    }
    let fcode = crate::sales::fcodes::for_order(app, auth, &wave, options.fcode, options.use_fcode).await?;
    if fcode.is_none() && wave.rules.eligibility == Eligibility::Reservation {
        crate::campaigns::wave_gate(app, auth, &wave).await?;
    } else if fcode.is_none() && !eligible(app, auth, &wave).await? {
        return Err(match wave.rules.eligibility {
            Eligibility::FCode => ErrorCode::FCodeRequired,
            Eligibility::OwnersOf(_) => ErrorCode::OwnersOnly,
            _ => ErrorCode::NotEligible,
        }
        .into());
    }
    let terms = crate::campaigns::launch_orders::terms_for(app, auth, &wave, options.launch).await?;
    let place = |request: OrderRequest| match &fcode {
        Some(code) => app.stock.place_fcode(request, code.id),
        None => app.stock.place(request),
    };
    let now_ms = app.now();
    let request = OrderRequest {
        wave_id,
        fan_id: auth.user.id,
        idempotency_key,
        body_hash: body_hash(wave_id, body),
        now_ms,
        launch: terms.as_ref().map(|t| t.row(&wave.rules.sku, now_ms)),
    };
    let claimed = match &terms {
        Some(t) => match t.claim(app, auth.user.id, &request.idempotency_key).await {
            Ok(fresh) => fresh,
            // A retry of an order that has since let go of its person or address (which
            // someone else now holds) is still a retry: the engine replays it.
            Err(refused)
                if matches!(refused.code, ErrorCode::AddressTaken | ErrorCode::AlreadyOrderedInCampaign)
                    && app
                        .store
                        .order_by_idempotency_key(wave_id, auth.user.id, &request.idempotency_key)
                        .await?
                        .is_some() =>
            {
                tracing::debug!(wave = wave_id, code = ?refused.code, "retry of an earlier order");
                Vec::new()
            }
            Err(refused) => return Err(refused),
        },
        None => Vec::new(),
    };
    let placement = match place(request.clone()).await {
        Err(EngineError::UnknownWave(_)) => match app.stock.open_wave(stock_of(&wave)).await {
            Ok(()) => place(request.clone()).await,
            Err(e) => Err(e),
        },
        other => other,
    };
    if let Some(t) = &terms
        && !claimed.is_empty()
        && !matches!(placement, Ok(Placement::Placed { replay: false, .. }))
    {
        t.give_back(app, &claimed, auth.user.id).await;
    }
    match placement.map_err(engine_error)? {
        Placement::Placed { order, replay } => {
            if !replay {
                tracing::debug!(wave = wave_id, order = order.order_id, seq = order.seq, "order placed");
            }
            // The terms were committed with the order; a replay shows where it stands now.
            let launch = match (&request.launch, replay) {
                (Some(row), false) => {
                    Some(LaunchOrder::placed(order.order_id, wave_id, order.fan_id, order.created_at_ms, row))
                }
                (Some(_), true) => {
                    Some(app.store.launch_order(order.order_id).await?.ok_or(ErrorCode::Internal)?)
                }
                (None, _) => None,
            };
            Ok(Ordered { order, replay, launch })
        }
        Placement::SoldOut => Err(ErrorCode::SoldOut.into()),
        Placement::LimitReached => Err(ErrorCode::OrderLimitReached.into()),
        Placement::KeyReused => Err(ErrorCode::IdempotencyKeyReused.into()),
        refused @ (Placement::NotStarted | Placement::Ended) => {
            if wave.rules.in_window(now_ms)
                && let Some(code) = stale_window(app, wave_id).await?
            {
                return Err(code.into());
            }
            Err(match refused {
                Placement::NotStarted => ErrorCode::WaveNotStarted,
                _ => ErrorCode::WaveEnded,
            }
            .into())
        }
        Placement::FCodeUsed => Err(ErrorCode::FCodeUsed.into()),
    }
}

/// The engine refused a wave this node's copy says is on sale: another node changed its
/// window or cancelled it (with the Redis engine the window is shared, this node's copy is
/// not). Reads the wave again and keeps the fresh copy; `Some(WaveCancelled)` when it was
/// cancelled, `None` for a moved window (the engine's answer stands). Refusals after a
/// wave's real end do not come here, so a flood of late buyers costs no reads.
async fn stale_window(app: &App, wave_id: i64) -> AppResult<Option<ErrorCode>> {
    app.waves.forget(wave_id).await;
    let fresh = app.waves.get(&app.store, wave_id).await?.ok_or(ErrorCode::WaveNotFound)?;
    Ok(fresh.cancelled.is_some().then_some(ErrorCode::WaveCancelled))
}

fn engine_error(e: EngineError) -> AppError {
    tracing::error!(error = %e, "stock engine failed");
    AppError::new(ErrorCode::Unavailable)
}

/// A fan sees their own orders; the people who run the product see all of its orders.
pub async fn order(app: &App, auth: &Auth, id: i64) -> AppResult<Order> {
    let order = app.store.order(id).await?.ok_or(ErrorCode::OrderNotFound)?;
    if order.user_id == auth.user.id {
        return Ok(order);
    }
    let wave = app.store.wave(order.wave_id).await?.ok_or(ErrorCode::OrderNotFound)?;
    if auth.user.role >= Role::Staff && can_manage(app, auth, wave.product_id).await? {
        return Ok(order);
    }
    // Someone else's order does not exist, as far as the caller can tell.
    Err(ErrorCode::OrderNotFound.into())
}

/// What the stock engine holds for a wave right now (its quantity and units taken), which
/// leads the database during a sale.
pub async fn engine_counters(app: &App, wave_id: i64) -> AppResult<canyu_launch::engine::StockCounters> {
    app.stock.counters(wave_id).await.map_err(|e| {
        tracing::warn!(wave = wave_id, error = %e, "stock engine counters unavailable");
        AppError::new(ErrorCode::Unavailable)
    })
}

/// Units of the wave taken so far, as the stock engine counts them (the row's `sold` lags
/// during a sale).
pub async fn taken(app: &App, wave: &Wave) -> i64 {
    app.stock.counters(wave.id).await.map(|c| c.taken.max(wave.sold)).unwrap_or(wave.sold)
}

// ---- reads of waves and orders: the rows as stored; callers check who may see them (see [`crate::policy`]).

pub async fn orders_of_user(app: &App, user_id: i64, limit: i64) -> AppResult<Vec<canyu_store::Order>> {
    Ok(app.store.orders_of_user(user_id, limit).await?)
}

pub async fn waves_for_product(app: &App, product_id: i64) -> AppResult<Vec<Wave>> {
    Ok(app.store.waves_for_product(product_id).await?)
}
