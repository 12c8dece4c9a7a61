//! Launch campaigns: a product's way from a price teaser (价格悬念) through the reveal and a
//! reservation window (预约) to its waves, and the deposit orders a launch takes (小定, 大定,
//! 锁单). Everything here is a pure function of the rules and the time it is given, so the
//! seven-day lock and the cart hold are tested without waiting.

use crate::{ErrorCode, Millis};

pub const TITLE_MAX_CHARS: usize = 80;
pub const MAX_SKUS: usize = 20;
pub const SKU_CODE_MAX_CHARS: usize = 32;
pub const SKU_NAME_MAX_CHARS: usize = 60;
/// Prices are in fen (分, 1/100 yuan); 100 million yuan is more than any launch asks.
pub const MAX_PRICE_FEN: i64 = 10_000_000_000;
pub const MAX_PLACES: i64 = 10_000_000;
/// The reservation window lasts at most 90 days, like a wave.
pub const MAX_WINDOW_MS: Millis = 90 * DAY_MS;
/// The cart hold: 15 minutes unless the campaign says otherwise (1 minute to 24 hours).
pub const DEFAULT_HOLD_MS: Millis = 15 * MINUTE_MS;
/// A big order (大定) can be refunded for 7 days unless the campaign says otherwise (0–30).
pub const DEFAULT_REFUND_WINDOW_MS: Millis = 7 * DAY_MS;
pub const MINUTE_MS: Millis = 60_000;
pub const DAY_MS: Millis = 86_400_000;

/// Where a campaign stands at a moment. The order is the order of the phases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Before the teaser: only the people who run the product see the campaign.
    Hidden,
    /// The page is live with a countdown; the price is not published anywhere.
    Teaser,
    /// The price is published; reservations have not opened.
    Revealed,
    /// Fans reserve.
    Reservations,
    /// Reservations are closed; the campaign's waves sell.
    Sales,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Hidden => "hidden",
            Phase::Teaser => "teaser",
            Phase::Revealed => "revealed",
            Phase::Reservations => "reservations",
            Phase::Sales => "sales",
        }
    }
}

/// The campaign's timeline: teaser ≤ reveal ≤ reservations open < reservations close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub teaser_at: Millis,
    pub reveal_at: Millis,
    pub reserve_opens_at: Millis,
    pub reserve_closes_at: Millis,
}

impl Schedule {
    pub fn parse(
        teaser_at: Millis,
        reveal_at: Millis,
        reserve_opens_at: Millis,
        reserve_closes_at: Millis,
    ) -> Result<Schedule, ErrorCode> {
        if !(teaser_at <= reveal_at
            && reveal_at <= reserve_opens_at
            && reserve_opens_at < reserve_closes_at
            && reserve_closes_at - reserve_opens_at <= MAX_WINDOW_MS)
        {
            return Err(ErrorCode::InvalidCampaignSchedule);
        }
        Ok(Schedule { teaser_at, reveal_at, reserve_opens_at, reserve_closes_at })
    }

    pub fn phase(&self, now: Millis) -> Phase {
        if now < self.teaser_at {
            Phase::Hidden
        } else if now < self.reveal_at {
            Phase::Teaser
        } else if now < self.reserve_opens_at {
            Phase::Revealed
        } else if now < self.reserve_closes_at {
            Phase::Reservations
        } else {
            Phase::Sales
        }
    }

    /// The price may be shown (by page or API) from the reveal on, never before.
    pub fn price_public(&self, now: Millis) -> bool {
        now >= self.reveal_at
    }
}

/// A reservation's lane. The fan lane keeps places for fans with enough points and is served
/// first when a wave opens; everyone else is in the general lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    Fan,
    General,
}

impl Lane {
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Fan => "fan",
            Lane::General => "general",
        }
    }

    pub fn parse(raw: &str) -> Option<Lane> {
        match raw {
            "fan" => Some(Lane::Fan),
            "general" => Some(Lane::General),
            _ => None,
        }
    }
}

/// Who may reserve, and how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReservationRules {
    /// Only accounts created before this moment may reserve (fresh accounts are a scalper's
    /// tool). Defaults to the teaser: the moment the launch became public.
    pub account_cutoff_at: Millis,
    /// Places kept for fans with at least `fan_lane_min_points` points, or holding an unused
    /// F-code for one of the campaign's waves (Mi 1's F码 holders); 0 = no fan lane.
    pub fan_lane_places: i64,
    pub fan_lane_min_points: i64,
    /// Places for everyone else; `None` = unlimited.
    pub general_places: Option<i64>,
    /// How long the fan lane may order alone when one of the campaign's waves opens.
    pub fan_lane_head_start_ms: Millis,
}

impl ReservationRules {
    pub fn parse(
        schedule: &Schedule,
        account_cutoff_at: Option<Millis>,
        fan_lane_places: Option<i64>,
        fan_lane_min_points: Option<i64>,
        general_places: Option<i64>,
        fan_lane_head_start_minutes: Option<i64>,
    ) -> Result<ReservationRules, ErrorCode> {
        let fan_lane_places = fan_lane_places.unwrap_or(0);
        let fan_lane_min_points = fan_lane_min_points.unwrap_or(0);
        let head_start = fan_lane_head_start_minutes.unwrap_or(if fan_lane_places > 0 { 30 } else { 0 });
        if !(0..=MAX_PLACES).contains(&fan_lane_places)
            || !(0..=1_000_000_000).contains(&fan_lane_min_points)
            || general_places.is_some_and(|g| !(0..=MAX_PLACES).contains(&g))
            || general_places == Some(0) && fan_lane_places == 0
            || !(0..=24 * 60).contains(&head_start)
        {
            return Err(ErrorCode::InvalidReservationRules);
        }
        let account_cutoff_at = account_cutoff_at.unwrap_or(schedule.teaser_at);
        if account_cutoff_at > schedule.reserve_closes_at {
            return Err(ErrorCode::InvalidReservationRules);
        }
        Ok(ReservationRules {
            account_cutoff_at,
            fan_lane_places,
            fan_lane_min_points,
            general_places,
            fan_lane_head_start_ms: head_start * MINUTE_MS,
        })
    }

    /// The lanes a fan with `points` (holding an F-code of the campaign or not) may take,
    /// best first: a fan who qualifies for the fan lane but finds it full still gets a
    /// general place.
    pub fn lanes_for(&self, points: i64, holds_fcode: bool) -> &'static [Lane] {
        if self.fan_lane_places > 0 && (points >= self.fan_lane_min_points || holds_fcode) {
            &[Lane::Fan, Lane::General]
        } else {
            &[Lane::General]
        }
    }

    /// When a lane may start ordering in a wave that starts at `wave_starts_at`.
    pub fn lane_opens_at(&self, lane: Lane, wave_starts_at: Millis) -> Millis {
        match lane {
            Lane::Fan => wave_starts_at,
            Lane::General => wave_starts_at + self.fan_lane_head_start_ms,
        }
    }
}

/// One version of the product on sale, with its price and the deposits its orders take.
/// A deposit of 0 means that kind of order is not offered for the SKU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sku {
    pub code: String,
    pub name: String,
    pub price_fen: i64,
    pub small_deposit_fen: i64,
    pub big_deposit_fen: i64,
}

impl Sku {
    pub fn parse(
        code: &str,
        name: &str,
        price_fen: i64,
        small_deposit_fen: Option<i64>,
        big_deposit_fen: Option<i64>,
    ) -> Result<Sku, ErrorCode> {
        let code = code.trim();
        let name = name.trim();
        let code_ok = !code.is_empty()
            && code.chars().count() <= SKU_CODE_MAX_CHARS
            && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        let name_ok = !name.is_empty()
            && name.chars().count() <= SKU_NAME_MAX_CHARS
            && !name.chars().any(char::is_control);
        let small = small_deposit_fen.unwrap_or(0);
        let big = big_deposit_fen.unwrap_or(0);
        if !code_ok || !name_ok {
            return Err(ErrorCode::InvalidSku);
        }
        if !(1..=MAX_PRICE_FEN).contains(&price_fen)
            || !(0..=price_fen).contains(&small)
            || !(0..=price_fen).contains(&big)
        {
            return Err(ErrorCode::InvalidPrice);
        }
        Ok(Sku {
            code: code.to_string(),
            name: name.to_string(),
            price_fen,
            small_deposit_fen: small,
            big_deposit_fen: big,
        })
    }

    /// What an order of `kind` asks the fan to pay now; `None` when the SKU does not offer it.
    pub fn amount_due(&self, kind: OrderKind) -> Option<i64> {
        let amount = match kind {
            OrderKind::Full => self.price_fen,
            OrderKind::Small => self.small_deposit_fen,
            OrderKind::Big => self.big_deposit_fen,
        };
        (amount > 0).then_some(amount)
    }
}

/// SKU codes are unique within a campaign, and a campaign sells 1–20 of them.
pub fn check_skus(skus: &[Sku]) -> Result<(), ErrorCode> {
    if skus.is_empty() || skus.len() > MAX_SKUS {
        return Err(ErrorCode::InvalidSku);
    }
    let mut codes: Vec<&str> = skus.iter().map(|s| s.code.as_str()).collect();
    codes.sort_unstable();
    if codes.windows(2).any(|w| w[0] == w[1]) {
        return Err(ErrorCode::InvalidSku);
    }
    Ok(())
}

/// An app's `X-Device-Id` (or the browser's device cookie): 8 to 128 printable ASCII
/// characters, opaque to canyu, which keeps only its digest (for the `shared_device` flag).
pub fn parse_device_id(raw: &str) -> Result<&str, ErrorCode> {
    match raw.len() {
        8..=128 if raw.bytes().all(|b| b.is_ascii_graphic()) => Ok(raw),
        _ => Err(ErrorCode::InvalidDeviceId),
    }
}

/// `¥215,900` or `¥4,999.50`: prices as fans read them.
pub fn format_yuan(fen: i64) -> String {
    let yuan = fen.unsigned_abs() / 100;
    let cents = fen.unsigned_abs() % 100;
    let digits = yuan.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if fen < 0 { "-" } else { "" };
    if cents == 0 { format!("{sign}¥{grouped}") } else { format!("{sign}¥{grouped}.{cents:02}") }
}

/// How long a cart holds stock, how long a big order stays refundable, and how many orders
/// a person or an address may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderTerms {
    pub hold_ms: Millis,
    pub refund_window_ms: Millis,
    pub limits: OrderLimits,
}

/// The anti-scalper rules a campaign may switch on. An order that lets go of its unit
/// (cancelled, refunded, expired) no longer counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrderLimits {
    /// One live order per fan account across the campaign's waves.
    pub one_per_person: bool,
    /// One live order per delivery address; every order must then give one.
    pub one_per_address: bool,
    /// Orders only from accounts with a verified identity (实名认证), the buyer being that
    /// person. With `one_per_person`, accounts verified as one person share one order.
    pub verified_only: bool,
}

impl OrderLimits {
    /// The per-person and per-address rules, as a campaign has them unless its managers
    /// switch one off; verification is asked for only where the managers switch it on.
    pub const STRICT: OrderLimits =
        OrderLimits { one_per_person: true, one_per_address: true, verified_only: false };
}

impl OrderTerms {
    pub fn parse(
        hold_minutes: Option<i64>,
        refund_days: Option<i64>,
        limits: OrderLimits,
    ) -> Result<OrderTerms, ErrorCode> {
        // Checked: a client's `hold_minutes` of 2^62 would wrap into the allowed range.
        let hold = hold_minutes.map_or(Some(DEFAULT_HOLD_MS), |m| m.checked_mul(MINUTE_MS));
        let refund = refund_days.map_or(Some(DEFAULT_REFUND_WINDOW_MS), |d| d.checked_mul(DAY_MS));
        let (Some(hold), Some(refund)) = (hold, refund) else {
            return Err(ErrorCode::InvalidOrderTerms);
        };
        if !(MINUTE_MS..=DAY_MS).contains(&hold) || !(0..=30 * DAY_MS).contains(&refund) {
            return Err(ErrorCode::InvalidOrderTerms);
        }
        Ok(OrderTerms { hold_ms: hold, refund_window_ms: refund, limits })
    }
}

/// The kinds of launch order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderKind {
    /// Full purchase: the stock is held in the cart until paid.
    Full,
    /// 小定: a small deposit, refundable at any time until the order is locked.
    Small,
    /// 大定: a big deposit, refundable within the refund window, then locked automatically.
    Big,
}

impl OrderKind {
    pub const ALL: [OrderKind; 3] = [OrderKind::Full, OrderKind::Small, OrderKind::Big];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderKind::Full => "full",
            OrderKind::Small => "small",
            OrderKind::Big => "big",
        }
    }

    pub fn parse(raw: &str) -> Result<OrderKind, ErrorCode> {
        match raw.trim() {
            "full" => Ok(OrderKind::Full),
            "small" => Ok(OrderKind::Small),
            "big" => Ok(OrderKind::Big),
            _ => Err(ErrorCode::InvalidOrderKind),
        }
    }
}

/// Where a launch order stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderState {
    /// Placed, stock held, waiting for the payment until the hold expires.
    AwaitingPayment,
    /// A full purchase, paid.
    Paid,
    /// A small or big deposit, paid; refundable (a big one until its window closes).
    Deposited,
    /// 锁单: no refund, buyer name frozen, in the production queue by lock time.
    Locked,
    Refunded,
    /// The hold ran out unpaid; the stock went back to the wave.
    Expired,
    /// Cancelled before payment (by the fan, or by staff as a scalper's order).
    Cancelled,
    /// Sold (paid in full, or locked) and taken back by after-sales (售后退货): the money goes
    /// back and the sales ledger gets a reversing row.
    Returned,
}

impl OrderState {
    pub const ALL: [OrderState; 8] = [
        OrderState::AwaitingPayment,
        OrderState::Paid,
        OrderState::Deposited,
        OrderState::Locked,
        OrderState::Refunded,
        OrderState::Expired,
        OrderState::Cancelled,
        OrderState::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::AwaitingPayment => "awaiting_payment",
            OrderState::Paid => "paid",
            OrderState::Deposited => "deposited",
            OrderState::Locked => "locked",
            OrderState::Refunded => "refunded",
            OrderState::Expired => "expired",
            OrderState::Cancelled => "cancelled",
            OrderState::Returned => "returned",
        }
    }

    pub fn parse(raw: &str) -> Option<OrderState> {
        OrderState::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether the order keeps its unit of stock. Once it lets go it never takes it back. A
    /// returned unit was sold: it goes to after-sales, not back into the wave.
    pub fn holds_stock(self) -> bool {
        !matches!(self, OrderState::Refunded | OrderState::Expired | OrderState::Cancelled)
    }

    /// The buyer's name may change only until the order is locked (or paid in full).
    pub fn buyer_editable(self) -> bool {
        matches!(self, OrderState::AwaitingPayment | OrderState::Deposited)
    }
}

/// What may happen to a launch order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderEvent {
    /// The payment provider confirmed the amount due.
    Pay,
    /// The cart hold ran out (the sweeper, at or after `hold_expires_at`).
    Expire,
    /// The fan, or staff reviewing scalpers, cancels before payment.
    Cancel,
    Refund,
    /// The fan locks early.
    Lock,
    /// A big order's refund window closed (the sweeper).
    AutoLock,
    /// After-sales takes back a sold order (staff who run the product).
    Return,
}

impl OrderEvent {
    pub const ALL: [OrderEvent; 7] = [
        OrderEvent::Pay,
        OrderEvent::Expire,
        OrderEvent::Cancel,
        OrderEvent::Refund,
        OrderEvent::Lock,
        OrderEvent::AutoLock,
        OrderEvent::Return,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderEvent::Pay => "pay",
            OrderEvent::Expire => "expire",
            OrderEvent::Cancel => "cancel",
            OrderEvent::Refund => "refund",
            OrderEvent::Lock => "lock",
            OrderEvent::AutoLock => "auto_lock",
            OrderEvent::Return => "return",
        }
    }
}

/// An order as the state machine sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderFacts {
    pub kind: OrderKind,
    pub state: OrderState,
    /// Payment must arrive before this.
    pub hold_expires_at: Millis,
    /// For a paid big order: refunds are refused from this moment on and the order locks.
    pub refundable_until: Option<Millis>,
}

/// The one place that says which transitions exist. Everything else is refused with the
/// code that tells the fan why.
pub fn next_state(order: &OrderFacts, event: OrderEvent, now: Millis) -> Result<OrderState, ErrorCode> {
    use OrderEvent as E;
    use OrderState as S;
    let refund_closed = order.refundable_until.is_some_and(|until| now >= until);
    match (order.state, event) {
        (S::AwaitingPayment, E::Pay) if now < order.hold_expires_at => Ok(match order.kind {
            OrderKind::Full => S::Paid,
            OrderKind::Small | OrderKind::Big => S::Deposited,
        }),
        // A late payment, before or after the sweep expired the hold: the provider refunds it.
        (S::AwaitingPayment | S::Expired, E::Pay) => Err(ErrorCode::HoldExpired),
        (S::AwaitingPayment, E::Expire) if now >= order.hold_expires_at => Ok(S::Expired),
        (S::AwaitingPayment, E::Cancel) => Ok(S::Cancelled),
        (S::Deposited, E::Refund) if order.kind == OrderKind::Big && refund_closed => {
            Err(ErrorCode::RefundWindowClosed)
        }
        (S::Deposited, E::Refund) => Ok(S::Refunded),
        (S::Deposited, E::Lock) => Ok(S::Locked),
        (S::Deposited, E::AutoLock) if order.kind == OrderKind::Big && refund_closed => Ok(S::Locked),
        (S::Locked, E::Refund) => Err(ErrorCode::OrderLocked),
        (S::Locked, E::Lock | E::AutoLock) => Err(ErrorCode::OrderLocked),
        (S::Paid, E::Refund) => Err(ErrorCode::NotRefundable),
        (S::Paid | S::Locked, E::Return) => Ok(S::Returned),
        _ => Err(ErrorCode::InvalidOrderTransition),
    }
}

/// Where a locked order is on its way to the buyer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Locked, waiting in the production queue (by lock time).
    Queued,
    InProduction,
    Delivered,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Queued => "",
            Stage::InProduction => "in_production",
            Stage::Delivered => "delivered",
        }
    }

    /// The stages staff move orders to: `in_production` or `delivered`.
    pub fn parse_target(raw: &str) -> Result<Stage, ErrorCode> {
        match raw.trim() {
            "in_production" => Ok(Stage::InProduction),
            "delivered" => Ok(Stage::Delivered),
            _ => Err(ErrorCode::InvalidStage),
        }
    }

    /// The stage an order must be at to move to this one.
    pub fn previous(self) -> Option<Stage> {
        match self {
            Stage::Queued => None,
            Stage::InProduction => Some(Stage::Queued),
            Stage::Delivered => Some(Stage::InProduction),
        }
    }
}

/// When a big order paid at `paid_at` stops being refundable.
pub fn refundable_until(kind: OrderKind, paid_at: Millis, terms: &OrderTerms) -> Option<Millis> {
    (kind == OrderKind::Big).then_some(paid_at + terms.refund_window_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Millis = 3_600_000;

    #[test]
    fn schedule_orders_the_phases() {
        let s = Schedule::parse(0, 10 * H, 20 * H, 30 * H).expect("valid");
        assert_eq!(s.phase(-1), Phase::Hidden);
        assert_eq!(s.phase(0), Phase::Teaser);
        assert!(!s.price_public(10 * H - 1));
        assert_eq!(s.phase(10 * H), Phase::Revealed);
        assert!(s.price_public(10 * H));
        assert_eq!(s.phase(20 * H), Phase::Reservations);
        assert_eq!(s.phase(30 * H), Phase::Sales);
        // Reveal and opening may coincide; the window may not be empty or backwards.
        assert!(Schedule::parse(0, 5, 5, 6).is_ok());
        for (t, r, o, c) in [(5, 4, 6, 7), (0, 5, 4, 7), (0, 1, 2, 2), (0, 0, 0, MAX_WINDOW_MS + 1)] {
            assert_eq!(Schedule::parse(t, r, o, c), Err(ErrorCode::InvalidCampaignSchedule));
        }
    }

    #[test]
    fn reservation_lanes() {
        let s = Schedule::parse(100, 200, 300, 400).expect("valid");
        let r = ReservationRules::parse(&s, None, Some(5000), Some(100), None, None).expect("valid");
        assert_eq!(r.account_cutoff_at, 100);
        assert_eq!(r.lanes_for(100, false), &[Lane::Fan, Lane::General]);
        assert_eq!(r.lanes_for(99, false), &[Lane::General]);
        assert_eq!(r.lanes_for(0, true), &[Lane::Fan, Lane::General], "an F-code stands in for points");
        assert_eq!(r.lane_opens_at(Lane::General, 1000), 1000 + 30 * MINUTE_MS);
        assert_eq!(r.lane_opens_at(Lane::Fan, 1000), 1000);
        let no_lane = ReservationRules::parse(&s, Some(50), None, None, Some(10), None).expect("valid");
        assert_eq!(no_lane.lanes_for(1_000_000, true), &[Lane::General]);
        assert_eq!(no_lane.lane_opens_at(Lane::General, 1000), 1000);
        for bad in [
            ReservationRules::parse(&s, None, Some(-1), None, None, None),
            ReservationRules::parse(&s, None, None, None, Some(0), None),
            ReservationRules::parse(&s, None, Some(1), None, None, Some(24 * 60 + 1)),
            ReservationRules::parse(&s, Some(401), None, None, None, None),
        ] {
            assert_eq!(bad, Err(ErrorCode::InvalidReservationRules));
        }
    }

    #[test]
    fn device_ids_are_short_printable_ascii() {
        assert_eq!(parse_device_id("phone-0001"), Ok("phone-0001"));
        assert_eq!(parse_device_id(&"x".repeat(128)).map(str::len), Ok(128));
        for bad in ["short", "has a space", "设备编号一二三四", &"x".repeat(129)] {
            assert_eq!(parse_device_id(bad), Err(ErrorCode::InvalidDeviceId), "{bad}");
        }
    }

    #[test]
    fn skus_and_prices() {
        let sku =
            Sku::parse("su7-max", "SU7 Max 橄榄绿", 29_990_000, Some(500_000), Some(500_000)).expect("ok");
        assert_eq!(sku.amount_due(OrderKind::Full), Some(29_990_000));
        assert_eq!(sku.amount_due(OrderKind::Big), Some(500_000));
        let phone = Sku::parse("mi1", "小米手机 1", 199_900, None, None).expect("ok");
        assert_eq!(phone.amount_due(OrderKind::Small), None);
        assert_eq!(Sku::parse("a b", "x", 1, None, None), Err(ErrorCode::InvalidSku));
        assert_eq!(Sku::parse("a", "", 1, None, None), Err(ErrorCode::InvalidSku));
        assert_eq!(Sku::parse("a", "x", 0, None, None), Err(ErrorCode::InvalidPrice));
        assert_eq!(Sku::parse("a", "x", 100, Some(101), None), Err(ErrorCode::InvalidPrice));
        assert_eq!(check_skus(&[phone.clone(), phone.clone()]), Err(ErrorCode::InvalidSku));
        assert_eq!(check_skus(&[]), Err(ErrorCode::InvalidSku));
        assert_eq!(check_skus(&[phone, sku]), Ok(()));
        assert_eq!(format_yuan(21_590_000), "¥215,900");
        assert_eq!(format_yuan(199_950), "¥1,999.50");
        assert_eq!(format_yuan(99), "¥0.99");
        assert_eq!(format_yuan(100_000_000), "¥1,000,000");
        assert_eq!(
            OrderTerms::parse(None, None, OrderLimits::STRICT).map(|t| t.refund_window_ms),
            Ok(7 * DAY_MS)
        );
        assert_eq!(OrderTerms::parse(Some(0), None, OrderLimits::STRICT), Err(ErrorCode::InvalidOrderTerms));
        assert_eq!(OrderTerms::parse(None, Some(31), OrderLimits::STRICT), Err(ErrorCode::InvalidOrderTerms));
        // Large enough to wrap into the allowed range when multiplied unchecked.
        let wraps = i64::MAX / 60_000 * 2 + 1;
        assert_eq!(
            OrderTerms::parse(Some(wraps), None, OrderLimits::STRICT),
            Err(ErrorCode::InvalidOrderTerms)
        );
        assert_eq!(
            OrderTerms::parse(None, Some(i64::MAX), OrderLimits::STRICT),
            Err(ErrorCode::InvalidOrderTerms)
        );
    }

    fn facts(kind: OrderKind, state: OrderState, refundable_until: Option<Millis>) -> OrderFacts {
        OrderFacts { kind, state, hold_expires_at: 1000, refundable_until }
    }

    /// Every (kind, state, event, moment) against the rules written out longhand: the table is
    /// small enough to check completely.
    #[test]
    fn every_transition_and_refusal() {
        use OrderEvent as E;
        use OrderState as S;
        let moments = [0, 999, 1000, 5000, 9999, 10_000, 50_000];
        for kind in OrderKind::ALL {
            for state in OrderState::ALL {
                for event in OrderEvent::ALL {
                    for now in moments {
                        let until = (kind == OrderKind::Big && state != S::AwaitingPayment).then_some(10_000);
                        let got = next_state(&facts(kind, state, until), event, now);
                        let refund_closed = until.is_some_and(|u| now >= u);
                        let want = match (state, event) {
                            (S::AwaitingPayment, E::Pay) if now < 1000 => {
                                Ok(if kind == OrderKind::Full { S::Paid } else { S::Deposited })
                            }
                            (S::AwaitingPayment | S::Expired, E::Pay) => Err(ErrorCode::HoldExpired),
                            (S::AwaitingPayment, E::Expire) if now >= 1000 => Ok(S::Expired),
                            (S::AwaitingPayment, E::Cancel) => Ok(S::Cancelled),
                            (S::Deposited, E::Refund) if refund_closed => Err(ErrorCode::RefundWindowClosed),
                            (S::Deposited, E::Refund) => Ok(S::Refunded),
                            (S::Deposited, E::Lock) => Ok(S::Locked),
                            (S::Deposited, E::AutoLock) if refund_closed => Ok(S::Locked),
                            (S::Locked, E::Refund | E::Lock | E::AutoLock) => Err(ErrorCode::OrderLocked),
                            (S::Paid, E::Refund) => Err(ErrorCode::NotRefundable),
                            (S::Paid | S::Locked, E::Return) => Ok(S::Returned),
                            _ => Err(ErrorCode::InvalidOrderTransition),
                        };
                        assert_eq!(got, want, "{kind:?} {state:?} {event:?} at {now}");
                    }
                }
            }
        }
    }

    /// Random walks through the machine with time moving forward: a locked order is never
    /// refunded, stock is let go at most once and never taken back, and a small order never
    /// locks by itself.
    #[test]
    fn random_walks_keep_the_invariants() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let terms = OrderTerms::parse(Some(15), Some(7), OrderLimits::default()).expect("terms");
        for _ in 0..20_000 {
            let kind = OrderKind::ALL[(next() % 3) as usize];
            let mut order = OrderFacts {
                kind,
                state: OrderState::AwaitingPayment,
                hold_expires_at: terms.hold_ms,
                refundable_until: None,
            };
            let mut now = 0;
            let mut was_locked = false;
            let mut released = false;
            for _ in 0..12 {
                now += (next() % (3 * DAY_MS as u64)) as Millis;
                let event = OrderEvent::ALL[(next() % OrderEvent::ALL.len() as u64) as usize];
                let Ok(state) = next_state(&order, event, now) else { continue };
                if order.state == OrderState::AwaitingPayment && state == OrderState::Deposited {
                    order.refundable_until = refundable_until(kind, now, &terms);
                }
                // A locked order is never refunded: only after-sales takes it back.
                assert!(
                    !was_locked || matches!(state, OrderState::Locked | OrderState::Returned),
                    "left locked: {order:?} {event:?}"
                );
                assert!(!(released && state.holds_stock()), "took stock back: {order:?} {event:?}");
                assert!(
                    !(event == OrderEvent::AutoLock && kind != OrderKind::Big),
                    "only a big order locks by itself"
                );
                was_locked |= state == OrderState::Locked;
                released |= !state.holds_stock();
                order.state = state;
            }
        }
    }
}
