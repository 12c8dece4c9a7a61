//! Launch campaigns: the people who run a product plan the teaser, the price reveal and the
//! reservation window; fans reserve a place in the fan lane (enough points) or the general
//! lane, which makes them eligible for the campaign's reservation-only waves.

pub mod launch_orders;
pub mod live;

use crate::App;
use crate::accounts::Auth;
use crate::error::{AppError, AppResult};
use crate::{policy::can_manage, ratelimit::limit};
use canyu_core::campaign::{
    Lane, OrderLimits, OrderTerms, Phase, ReservationRules, Schedule, Sku, check_skus,
};
use canyu_core::{ErrorCode, Millis, Role};
use canyu_store::{Campaign, NewCampaign, Reservation, ReserveOutcome, Wave};
use std::sync::Arc;

pub struct SkuInput {
    pub code: String,
    pub name: String,
    pub price_fen: i64,
    pub small_deposit_fen: Option<i64>,
    pub big_deposit_fen: Option<i64>,
}

pub struct CampaignInput {
    pub product: String,
    pub title: String,
    pub teaser_at: Millis,
    pub reveal_at: Millis,
    pub reserve_opens_at: Millis,
    pub reserve_closes_at: Millis,
    pub account_cutoff_at: Option<Millis>,
    pub fan_lane_places: Option<i64>,
    pub fan_lane_min_points: Option<i64>,
    pub general_places: Option<i64>,
    pub fan_lane_head_start_minutes: Option<i64>,
    pub hold_minutes: Option<i64>,
    pub refund_days: Option<i64>,
    pub limits: OrderLimits,
    pub skus: Vec<SkuInput>,
}

pub async fn create(app: &App, auth: &Auth, input: CampaignInput) -> AppResult<Campaign> {
    auth.require(Role::Staff)?;
    let title = input.title.trim();
    if title.is_empty()
        || title.chars().count() > canyu_core::campaign::TITLE_MAX_CHARS
        || title.chars().any(char::is_control)
    {
        return Err(ErrorCode::InvalidCampaignTitle.into());
    }
    let schedule =
        Schedule::parse(input.teaser_at, input.reveal_at, input.reserve_opens_at, input.reserve_closes_at)?;
    let reservations = ReservationRules::parse(
        &schedule,
        input.account_cutoff_at,
        input.fan_lane_places,
        input.fan_lane_min_points,
        input.general_places,
        input.fan_lane_head_start_minutes,
    )?;
    let terms = OrderTerms::parse(input.hold_minutes, input.refund_days, input.limits)?;
    let skus = input
        .skus
        .iter()
        .map(|s| Sku::parse(&s.code, &s.name, s.price_fen, s.small_deposit_fen, s.big_deposit_fen))
        .collect::<Result<Vec<_>, _>>()?;
    check_skus(&skus)?;
    let product = app.store.product_by_slug(input.product.trim()).await?.ok_or(ErrorCode::UnknownProduct)?;
    if !can_manage(app, auth, product.id).await? {
        return Err(ErrorCode::NotProductManager.into());
    }
    let campaign = app
        .store
        .create_campaign(&NewCampaign {
            product_id: product.id,
            title,
            schedule,
            reservations,
            terms,
            skus: &skus,
            created_by: auth.user.id,
            now: app.now(),
        })
        .await?;
    tracing::info!(campaign = campaign.id, product = %product.slug, by = auth.user.id, "campaign created");
    Ok(campaign)
}

/// What one caller may see of a campaign.
pub struct CampaignSeen {
    pub campaign: Campaign,
    pub phase: Phase,
    /// The caller runs the product: sees the campaign before its teaser and the console.
    pub manager: bool,
    pub reservation: Option<Reservation>,
    pub waves: Vec<Wave>,
}

/// A campaign as the caller may see it: before its teaser it does not exist for anyone but
/// the people who run the product.
pub async fn show(app: &App, auth: Option<&Auth>, id: i64) -> AppResult<CampaignSeen> {
    let (campaign, phase, manager) = visible(app, auth, id).await?;
    let reservation = match auth {
        Some(a) => app.store.reservation(id, a.user.id).await?,
        None => None,
    };
    let waves = app.store.campaign_waves(id).await?;
    Ok(CampaignSeen { campaign, phase, manager, reservation, waves })
}

/// The campaign, its phase and whether `auth` runs it; `campaign_not_found` while it is hidden
/// from `auth` (before the teaser, to everyone but its managers).
pub(crate) async fn visible(app: &App, auth: Option<&Auth>, id: i64) -> AppResult<(Campaign, Phase, bool)> {
    let campaign = app.store.campaign(id).await?.ok_or(ErrorCode::CampaignNotFound)?;
    let phase = campaign.schedule.phase(app.now());
    let manager = match auth {
        Some(a) => can_manage(app, a, campaign.product_id).await?,
        None => false,
    };
    if phase == Phase::Hidden && !manager {
        return Err(ErrorCode::CampaignNotFound.into());
    }
    Ok((campaign, phase, manager))
}

/// Reserves a place for the caller. The second call answers with the first reservation
/// (`false`: nothing new was made).
pub async fn reserve(app: &App, auth: &Auth, id: i64) -> AppResult<(Reservation, bool)> {
    limit(app, format!("write:{}", auth.user.id), app.config.writes_per_minute)?;
    let campaign = app.store.campaign(id).await?.ok_or(ErrorCode::CampaignNotFound)?;
    let now = app.now();
    match campaign.schedule.phase(now) {
        Phase::Hidden => return Err(ErrorCode::CampaignNotFound.into()),
        Phase::Teaser | Phase::Revealed => return Err(ErrorCode::ReservationsNotOpen.into()),
        Phase::Sales => return Err(ErrorCode::ReservationsClosed.into()),
        Phase::Reservations => {}
    }
    if let Some(existing) = app.store.reservation(id, auth.user.id).await? {
        return Ok((existing, false));
    }
    if auth.user.created_at >= campaign.reservations.account_cutoff_at {
        return Err(ErrorCode::AccountTooNew.into());
    }
    let rules = &campaign.reservations;
    // Only a fan whose points fall short needs the F-code lookup.
    // A rewarded referrer may take the fan lane when the site grants that perk (口碑), as an
    // F-code holder may.
    let holds_fcode = rules.fan_lane_places > 0
        && auth.user.points < rules.fan_lane_min_points
        && (app.store.holds_campaign_fcode(id, auth.user.id).await?
            || crate::referrals::perks(app, auth.user.id).await?.fan_lane);
    let lanes = rules.lanes_for(auth.user.points, holds_fcode);
    match app.store.reserve(id, auth.user.id, lanes, now).await? {
        ReserveOutcome::Reserved(r) => {
            tracing::info!(
                campaign = id,
                fan = auth.user.id,
                lane = r.lane.as_str(),
                place = r.place,
                "reserved"
            );
            Ok((r, true))
        }
        ReserveOutcome::AlreadyReserved(r) => Ok((r, false)),
        ReserveOutcome::Full => Err(ErrorCode::ReservationsFull.into()),
    }
}

/// The gate of a reservation-only wave: the caller must hold a reservation in the wave's
/// campaign, and the general lane waits out the fan lane's head start.
pub async fn wave_gate(app: &App, auth: &Auth, wave: &Wave) -> AppResult<()> {
    let campaign_id = wave.campaign_id.ok_or(ErrorCode::ReservationRequired)?;
    let reservation =
        app.store.reservation(campaign_id, auth.user.id).await?.ok_or(ErrorCode::ReservationRequired)?;
    if reservation.lane == Lane::General {
        let campaign = app.campaigns.get(&app.store, campaign_id).await?.ok_or(ErrorCode::Internal)?;
        if app.now() < campaign.reservations.lane_opens_at(Lane::General, wave.rules.starts_at) {
            return Err(AppError::new(ErrorCode::LaneNotOpen));
        }
    }
    Ok(())
}

/// The people who run a product attach waves to its campaigns only. A campaign wave sells
/// one of the campaign's SKUs (its `sku` is the SKU's code) and opens after the reveal, so
/// its order amounts never show the price early.
pub async fn check_wave_campaign(
    app: &App,
    product_id: i64,
    campaign_id: i64,
    rules: &canyu_core::wave::WaveRules,
) -> AppResult<()> {
    let campaign = match app.store.campaign(campaign_id).await? {
        Some(c) if c.product_id == product_id => c,
        _ => return Err(ErrorCode::InvalidCampaign.into()),
    };
    if !campaign.skus.iter().any(|s| s.code == rules.sku) {
        return Err(ErrorCode::InvalidSku.into());
    }
    // Draw winners' orders are made by the draw, without deposit terms.
    if rules.mode != canyu_core::wave::WaveMode::Fcfs {
        return Err(ErrorCode::InvalidWaveMode.into());
    }
    if rules.starts_at < campaign.schedule.reveal_at {
        return Err(ErrorCode::InvalidWaveWindow.into());
    }
    Ok(())
}

/// A campaign as first read (its reservation counters may be stale: the order path's view).
pub async fn cached(app: &App, id: i64) -> AppResult<Option<Arc<Campaign>>> {
    app.campaigns.get(&app.store, id).await
}

// ---- reads of campaigns: the rows as stored; callers check who may see them (see [`crate::policy`]).

pub async fn product_campaigns(app: &App, product_id: i64, limit: i64) -> AppResult<Vec<Campaign>> {
    Ok(app.store.product_campaigns(product_id, limit).await?)
}
