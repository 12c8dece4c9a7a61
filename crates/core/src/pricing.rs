//! Channels and prices: where a product is sold, what each unit costs and sells for, and the
//! margin pledge (hardware's overall net margin never above 5 %). Money is integer fen
//! everywhere; margins are basis points (1 % = 100 bps), computed in 128-bit integers so no
//! rounding drifts between the check at pricing time and the report.

use crate::ErrorCode;

/// The pledge's default: a unit's net margin at most 5 %.
pub const DEFAULT_MARGIN_CAP_BPS: i64 = 500;
/// The largest money amount accepted (100 million yuan in fen): far above any unit price,
/// far below where sums of a year's sales could overflow 64 bits.
pub const MAX_FEN: i64 = 10_000_000_000;
/// A channel's commission at most 50 %.
pub const MAX_FEE_BPS: i64 = 5_000;
/// canyu's own checkout: present from the start, where the API's orders are sold.
pub const OWN_ONLINE: &str = "online";
/// Rows one sales report may carry.
pub const MAX_SALES_ROWS: usize = 10_000;

/// What a channel is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// canyu's own online store.
    OwnOnline,
    /// The brand's own shops (小米之家).
    OwnStore,
    /// Partner platforms (JD, Tmall, Suning).
    PartnerOnline,
    /// Franchised shops.
    FranchiseStore,
    /// Authorised resellers.
    AuthorizedStore,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 5] = [
        ChannelKind::OwnOnline,
        ChannelKind::OwnStore,
        ChannelKind::PartnerOnline,
        ChannelKind::FranchiseStore,
        ChannelKind::AuthorizedStore,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::OwnOnline => "own_online",
            ChannelKind::OwnStore => "own_store",
            ChannelKind::PartnerOnline => "partner_online",
            ChannelKind::FranchiseStore => "franchise_store",
            ChannelKind::AuthorizedStore => "authorized_store",
        }
    }

    pub fn parse(raw: &str) -> Result<ChannelKind, ErrorCode> {
        ChannelKind::ALL.into_iter().find(|k| k.as_str() == raw.trim()).ok_or(ErrorCode::InvalidChannelKind)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ChannelKind::OwnOnline => "自营线上",
            ChannelKind::OwnStore => "小米之家",
            ChannelKind::PartnerOnline => "合作电商",
            ChannelKind::FranchiseStore => "加盟店",
            ChannelKind::AuthorizedStore => "授权店",
        }
    }
}

/// Where a SKU sits on its product line's price ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    Entry,
    Mid,
    Upper,
    Flagship,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Entry, Tier::Mid, Tier::Upper, Tier::Flagship];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Entry => "entry",
            Tier::Mid => "mid",
            Tier::Upper => "upper",
            Tier::Flagship => "flagship",
        }
    }

    pub fn parse(raw: &str) -> Result<Tier, ErrorCode> {
        Tier::ALL.into_iter().find(|t| t.as_str() == raw.trim()).ok_or(ErrorCode::InvalidTier)
    }
}

fn code_like(raw: &str, max: usize, upper_ok: bool) -> bool {
    let ok_char = |c: char| {
        c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || matches!(c, '-' | '_' | '.')
            || (upper_ok && c.is_ascii_uppercase())
    };
    !raw.is_empty()
        && raw.len() <= max
        && raw.chars().all(ok_char)
        && raw.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
}

/// A channel's code: `jd`, `tmall`, `store-beijing-01` (lowercase letters, digits, `-`, `_`;
/// at most 32).
pub fn parse_channel_code(raw: &str) -> Result<String, ErrorCode> {
    let raw = raw.trim();
    if code_like(raw, 32, false) && !raw.contains('.') {
        Ok(raw.to_string())
    } else {
        Err(ErrorCode::InvalidChannelCode)
    }
}

/// A SKU's code: `SU7-MAX-2025`, `band9.black` (letters, digits, `-`, `_`, `.`; at most 48).
pub fn parse_sku_code(raw: &str) -> Result<String, ErrorCode> {
    let raw = raw.trim();
    if code_like(raw, 48, true) { Ok(raw.to_string()) } else { Err(ErrorCode::InvalidSkuCode) }
}

pub fn parse_fee_bps(raw: i64) -> Result<i64, ErrorCode> {
    if (0..=MAX_FEE_BPS).contains(&raw) { Ok(raw) } else { Err(ErrorCode::InvalidFee) }
}

/// A unit cost: zero (a free accessory) up to [`MAX_FEN`].
pub fn parse_cost_fen(raw: i64) -> Result<i64, ErrorCode> {
    if (0..=MAX_FEN).contains(&raw) { Ok(raw) } else { Err(ErrorCode::InvalidCost) }
}

/// A price: at least one fen, at most [`MAX_FEN`].
pub fn parse_price_fen(raw: i64) -> Result<i64, ErrorCode> {
    if (1..=MAX_FEN).contains(&raw) { Ok(raw) } else { Err(ErrorCode::InvalidPrice) }
}

/// 价保: a price drop within this many days of a purchase is credited.
pub const DEFAULT_PRICE_PROTECTION_DAYS: i64 = 15;

/// The margin cap a site pledges, in bps (0–10,000).
pub fn parse_margin_cap_bps(raw: i64) -> Result<i64, String> {
    if (0..=10_000).contains(&raw) {
        Ok(raw)
    } else {
        Err(format!("expected basis points from 0 to 10000 (500 is 5 %), not {raw}"))
    }
}

/// A unit's net margin in bps: `(price − cost − price × fee_bps / 10000) / price`, rounded
/// toward negative infinity (a margin is never reported above what it is). `price` > 0.
pub fn unit_margin_bps(price_fen: i64, cost_fen: i64, fee_bps: i64) -> i64 {
    let price = i128::from(price_fen.max(1));
    // net × 10000 = price × 10000 − cost × 10000 − price × fee
    let net_x10000 = price * 10_000 - i128::from(cost_fen) * 10_000 - price * i128::from(fee_bps);
    let bps = net_x10000.div_euclid(price);
    i64::try_from(bps).unwrap_or(if bps < 0 { i64::MIN } else { i64::MAX })
}

/// Whether a margin keeps the pledge.
pub fn within_cap(margin_bps: i64, cap_bps: i64) -> bool {
    margin_bps <= cap_bps
}

/// A channel's fee on `revenue_fen`, in fen, rounded to the nearest fen (half up).
pub fn fee_fen(revenue_fen: i64, fee_bps: i64) -> i64 {
    let fee = (i128::from(revenue_fen) * i128::from(fee_bps) + 5_000).div_euclid(10_000);
    i64::try_from(fee).unwrap_or(i64::MAX)
}

/// Sums of a period's sales, and what the pledge makes of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarginTotals {
    pub revenue_fen: i64,
    pub cost_fen: i64,
    pub channel_fees_fen: i64,
}

impl MarginTotals {
    pub fn add(&mut self, other: MarginTotals) {
        self.revenue_fen += other.revenue_fen;
        self.cost_fen += other.cost_fen;
        self.channel_fees_fen += other.channel_fees_fen;
    }

    pub fn net_fen(&self) -> i64 {
        self.revenue_fen - self.cost_fen - self.channel_fees_fen
    }

    /// Net over revenue in bps (0 without revenue), rounded toward negative infinity.
    pub fn net_margin_bps(&self) -> i64 {
        if self.revenue_fen <= 0 {
            return 0;
        }
        let x = i128::from(self.net_fen()) * 10_000;
        let r = i128::from(self.revenue_fen);
        i64::try_from(x.div_euclid(r)).unwrap_or(0)
    }

    /// What the pledge gives back: `max(0, net − cap × revenue)`, the cap's share rounded
    /// down (a give-back is never short by a rounding).
    pub fn excess_fen(&self, cap_bps: i64) -> i64 {
        let allowed = (i128::from(self.revenue_fen.max(0)) * i128::from(cap_bps)).div_euclid(10_000);
        let excess = i128::from(self.net_fen()) - allowed;
        i64::try_from(excess.max(0)).unwrap_or(i64::MAX)
    }
}

/// A give-back is paid in points, one point per this many fen (one yuan).
pub const GIVE_BACK_FEN_PER_POINT: i64 = 100;

/// Splits `total` into whole shares proportional to `weights` (largest remainder: the shares
/// sum to `total` exactly, and a share never differs from its exact value by a whole unit).
/// Ties in remainder go to the earlier weight. Non-positive weights get nothing.
pub fn split_pro_rata(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().filter(|w| **w > 0).map(|w| i128::from(*w)).sum();
    if total <= 0 || sum == 0 {
        return vec![0; weights.len()];
    }
    let total_wide = i128::from(total);
    let mut shares: Vec<i64> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let w = i128::from((*w).max(0));
        let exact = total_wide * w;
        shares.push(i64::try_from(exact / sum).unwrap_or(0));
        remainders.push((exact % sum, i));
    }
    let mut left = total - shares.iter().sum::<i64>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (remainder, i) in remainders {
        if left == 0 || remainder == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    shares
}

/// A SKU on its product line's price ladder: its tier and its price on canyu's own store
/// (`None` while it has none, or none in force yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rung {
    pub tier: Tier,
    pub price_fen: Option<i64>,
}

/// Something wrong between two tiers of one product line's ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LadderGap {
    /// `tier` has no SKU although the line has SKUs in a tier below it and one above it: the
    /// line skips a step buyers expect (entry and upper, no mid). A line that simply starts
    /// higher (no entry model) or stops lower (no flagship) is a choice, not a gap.
    MissingTier { tier: Tier, below: Tier, above: Tier },
    /// The dearest SKU of `lower` costs at least as much as the cheapest of `upper`, the next
    /// tier up that has a priced SKU: the ladder does not step up, so the higher tier has a
    /// SKU that is no dearer than one below it (equal prices count: a buyer sees no step).
    Overlap { lower: Tier, upper: Tier, lower_max_fen: i64, upper_min_fen: i64 },
}

/// What is wrong with one product line's ladder, lowest tier first: tiers missing between
/// the lowest and the highest tier the line has, then every pair of adjacent priced tiers
/// whose price ranges touch or cross. Unpriced SKUs count for the missing tiers (the tier is
/// planned) but not for overlaps (there is no price to compare).
pub fn ladder_gaps(rungs: &[Rung]) -> Vec<LadderGap> {
    let mut gaps = Vec::new();
    let present = |t: Tier| rungs.iter().any(|r| r.tier == t);
    let lowest = rungs.iter().map(|r| r.tier).min();
    let highest = rungs.iter().map(|r| r.tier).max();
    if let (Some(low), Some(high)) = (lowest, highest) {
        for tier in Tier::ALL.into_iter().filter(|t| *t > low && *t < high && !present(*t)) {
            let below = Tier::ALL.into_iter().filter(|t| *t < tier && present(*t)).max().unwrap_or(low);
            let above = Tier::ALL.into_iter().filter(|t| *t > tier && present(*t)).min().unwrap_or(high);
            gaps.push(LadderGap::MissingTier { tier, below, above });
        }
    }
    // Each tier's price range, over the SKUs that have a price.
    let ranges: Vec<(Tier, i64, i64)> = Tier::ALL
        .into_iter()
        .filter_map(|t| {
            let prices = rungs.iter().filter(|r| r.tier == t).filter_map(|r| r.price_fen);
            let (min, max) = prices.fold(None, |acc: Option<(i64, i64)>, p| match acc {
                None => Some((p, p)),
                Some((lo, hi)) => Some((lo.min(p), hi.max(p))),
            })?;
            Some((t, min, max))
        })
        .collect();
    for pair in ranges.windows(2) {
        let ((lower, _, lower_max_fen), (upper, upper_min_fen, _)) = (pair[0], pair[1]);
        if lower_max_fen >= upper_min_fen {
            gaps.push(LadderGap::Overlap { lower, upper, lower_max_fen, upper_min_fen });
        }
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_margins_to_the_basis_point() {
        // ¥1,999 phone costing ¥1,900 through a 0 % channel: 99 / 1999 = 4.9524…% → 495.
        assert_eq!(unit_margin_bps(199_900, 190_000, 0), 495);
        // The same through a 5 % platform: (1999 − 1900 − 99.95) / 1999 < 0 → −5 bps.
        assert_eq!(unit_margin_bps(199_900, 190_000, 500), -5);
        assert_eq!(unit_margin_bps(100, 0, 0), 10_000);
        assert_eq!(unit_margin_bps(100, 105, 0), -500);
        // Exactly at the cap passes.
        assert_eq!(unit_margin_bps(10_000, 9_500, 0), 500);
        assert!(within_cap(500, 500) && !within_cap(501, 500));
    }

    #[test]
    fn totals_net_margin_and_excess() {
        let t = MarginTotals { revenue_fen: 1_000_000, cost_fen: 900_000, channel_fees_fen: 20_000 };
        assert_eq!(t.net_fen(), 80_000);
        assert_eq!(t.net_margin_bps(), 800);
        assert_eq!(t.excess_fen(500), 30_000);
        assert_eq!(t.excess_fen(1_000), 0);
        let loss = MarginTotals { revenue_fen: 100, cost_fen: 200, channel_fees_fen: 0 };
        assert_eq!((loss.net_margin_bps(), loss.excess_fen(500)), (-10_000, 0));
        assert_eq!(MarginTotals::default().net_margin_bps(), 0);
        assert_eq!(fee_fen(199_900, 500), 9_995);
        assert_eq!(fee_fen(15, 500), 1, "0.75 fen rounds to 1");
    }

    #[test]
    fn codes_and_amounts_parse() {
        assert_eq!(parse_channel_code(" jd ").unwrap(), "jd");
        assert!(
            parse_channel_code("JD").is_err()
                && parse_channel_code("a.b").is_err()
                && parse_channel_code("").is_err()
        );
        assert!(parse_channel_code(&"x".repeat(33)).is_err());
        assert_eq!(parse_sku_code("SU7-Max.2025").unwrap(), "SU7-Max.2025");
        assert!(parse_sku_code("-x").is_err() && parse_sku_code("a b").is_err());
        assert!(
            parse_price_fen(0).is_err()
                && parse_price_fen(MAX_FEN + 1).is_err()
                && parse_price_fen(1).is_ok()
        );
        assert!(parse_cost_fen(-1).is_err() && parse_cost_fen(0).is_ok());
        assert!(parse_fee_bps(5_001).is_err() && parse_fee_bps(-1).is_err());
        assert_eq!(ChannelKind::parse("partner_online").unwrap(), ChannelKind::PartnerOnline);
        assert_eq!(Tier::parse("flagship").unwrap(), Tier::Flagship);
        assert!(Tier::parse("pro").is_err());
    }

    #[test]
    fn pro_rata_shares_sum_to_the_total() {
        assert_eq!(super::split_pro_rata(100, &[1, 1, 1]), [34, 33, 33]);
        assert_eq!(super::split_pro_rata(10, &[300, 100, 0, -5]), [8, 2, 0, 0]);
        assert_eq!(super::split_pro_rata(0, &[1, 2]), [0, 0]);
        assert_eq!(super::split_pro_rata(7, &[]), Vec::<i64>::new());
        let weights = [999_900, 1_999_900, 499_900, 29_990_000, 1];
        for total in [1, 17, 1_000, 123_457, i64::from(i32::MAX)] {
            let shares = super::split_pro_rata(total, &weights);
            assert_eq!(shares.iter().sum::<i64>(), total, "{total}");
            let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
            for (share, w) in shares.iter().zip(weights) {
                let exact = i128::from(total) * i128::from(w);
                assert!((i128::from(*share) * sum - exact).abs() < sum, "{total} {w} {share}");
            }
        }
    }

    #[test]
    fn ladder_gaps_are_missing_middle_tiers_and_touching_price_ranges() {
        let rung = |tier, price: Option<i64>| Rung { tier, price_fen: price };
        // A clean ladder, starting at mid: no entry model is a choice, not a gap.
        let clean = [
            rung(Tier::Mid, Some(215_900)),
            rung(Tier::Upper, Some(245_900)),
            rung(Tier::Flagship, Some(299_900)),
        ];
        assert_eq!(ladder_gaps(&clean), []);
        assert_eq!(ladder_gaps(&[]), []);
        assert_eq!(ladder_gaps(&[rung(Tier::Entry, None)]), []);
        // Entry and flagship only: mid and upper are missing between them.
        let hollow = [rung(Tier::Entry, Some(100)), rung(Tier::Flagship, Some(900))];
        assert_eq!(
            ladder_gaps(&hollow),
            [
                LadderGap::MissingTier { tier: Tier::Mid, below: Tier::Entry, above: Tier::Flagship },
                LadderGap::MissingTier { tier: Tier::Upper, below: Tier::Entry, above: Tier::Flagship },
            ]
        );
        // An unpriced SKU fills its tier, but has no price to overlap with.
        let planned = [rung(Tier::Entry, Some(100)), rung(Tier::Mid, None), rung(Tier::Upper, Some(300))];
        assert_eq!(ladder_gaps(&planned), []);
        // The dearest mid costs as much as the cheapest upper: touching counts.
        let touching = [
            rung(Tier::Mid, Some(200)),
            rung(Tier::Mid, Some(260)),
            rung(Tier::Upper, Some(260)),
            rung(Tier::Upper, Some(400)),
        ];
        assert_eq!(
            ladder_gaps(&touching),
            [LadderGap::Overlap {
                lower: Tier::Mid,
                upper: Tier::Upper,
                lower_max_fen: 260,
                upper_min_fen: 260
            }]
        );
        // Across a missing tier the priced neighbours are compared: an inverted ladder.
        let inverted = [rung(Tier::Entry, Some(500)), rung(Tier::Upper, Some(400)), rung(Tier::Upper, None)];
        assert_eq!(
            ladder_gaps(&inverted),
            [
                LadderGap::MissingTier { tier: Tier::Mid, below: Tier::Entry, above: Tier::Upper },
                LadderGap::Overlap {
                    lower: Tier::Entry,
                    upper: Tier::Upper,
                    lower_max_fen: 500,
                    upper_min_fen: 400
                },
            ]
        );
    }
}
