//! Every string of the web UI, once per language. A page gets `&'static T` for the request's
//! locale and its template reads fields (`{{ t.nav_home }}`), so a missing translation is a
//! compile error, not a blank on a page. Strings with numbers in them are functions below.
//!
//! One file per language: `zh.rs` and `en.rs` each hold one `T` literal, which must name every
//! field of `T`, so a key added here and missing in either file does not compile.

mod en;
mod zh;

pub use en::EN;
pub use zh::ZH;

use canyu_core::campaign::format_yuan;
use canyu_core::pricing::{ChannelKind, LadderGap, Tier};
use canyu_core::time::Zone;
use canyu_core::{Locale, Millis, PostKind, PostStatus, Role};

/// The UI strings of one language.
pub struct T {
    pub site_name: &'static str,
    pub site_tagline: &'static str,
    pub nav_home: &'static str,
    pub nav_triage: &'static str,
    pub nav_profile: &'static str,
    pub login: &'static str,
    pub logout: &'static str,
    pub register: &'static str,
    pub lang_switch_label: &'static str,
    pub footer_note: &'static str,
    pub skip_to_content: &'static str,

    pub home_title: &'static str,
    pub home_hero_title: &'static str,
    pub home_hero_text: &'static str,
    pub home_categories: &'static str,
    pub home_hot_posts: &'static str,
    pub home_no_products: &'static str,
    pub home_no_posts: &'static str,

    pub board_new_post: &'static str,
    pub board_roadmap: &'static str,
    pub board_search_placeholder: &'static str,
    pub board_search_button: &'static str,
    pub board_search_clear: &'static str,
    pub board_no_results: &'static str,
    pub board_empty: &'static str,
    pub board_all: &'static str,
    pub board_filter_status: &'static str,
    pub board_filter_kind: &'static str,
    pub board_filter_tag: &'static str,
    pub board_clear_tag: &'static str,
    pub board_sort: &'static str,
    pub sort_hot: &'static str,
    pub sort_new: &'static str,
    pub sort_top: &'static str,
    pub more: &'static str,
    pub back_to_start: &'static str,

    pub post_votes: &'static str,
    pub vote: &'static str,
    pub voted: &'static str,
    pub vote_login: &'static str,
    pub post_by: &'static str,
    pub post_comments: &'static str,
    pub post_no_comments: &'static str,
    pub post_timeline: &'static str,
    pub post_timeline_empty: &'static str,
    pub post_created: &'static str,
    pub official_reply: &'static str,
    pub staff_badge: &'static str,
    pub comment_placeholder: &'static str,
    pub comment_submit: &'static str,
    pub comment_login: &'static str,
    pub comment_markdown_hint: &'static str,
    pub status_change_title: &'static str,
    pub status_change_to: &'static str,
    pub status_change_note: &'static str,
    pub status_change_note_placeholder: &'static str,
    pub status_change_submit: &'static str,
    pub status_change_final: &'static str,
    pub status_note_label: &'static str,
    pub demands_title: &'static str,
    pub beta_title: &'static str,
    pub waves_title: &'static str,
    pub demands_hint: &'static str,
    pub demands_empty: &'static str,
    pub demands_fans_week: &'static str,
    pub demands_fans: &'static str,
    pub unsubscribe_title: &'static str,
    pub unsubscribe_text: &'static str,
    pub unsubscribe_submit: &'static str,
    pub unsubscribe_done: &'static str,
    pub settings_email: &'static str,
    pub settings_email_hint: &'static str,
    pub settings_email_enabled: &'static str,
    pub settings_email_save: &'static str,
    pub settings_identity: &'static str,
    pub settings_identity_intro: &'static str,
    pub settings_identity_name: &'static str,
    pub settings_identity_number: &'static str,
    pub settings_identity_number_hint: &'static str,
    pub settings_identity_submit: &'static str,
    pub settings_identity_verified: &'static str,
    pub settings_identity_done: &'static str,
    pub settings_identity_final: &'static str,
    pub changelog_title: &'static str,
    pub changelog_empty: &'static str,
    pub changelog_feed: &'static str,
    pub release_new: &'static str,
    pub release_version: &'static str,
    pub release_channel: &'static str,
    pub channel_stable: &'static str,
    pub channel_beta: &'static str,
    pub release_planned_for: &'static str,
    pub release_notes: &'static str,
    pub release_notes_placeholder: &'static str,
    pub release_posts: &'static str,
    pub release_pick_posts: &'static str,
    pub release_no_candidates: &'static str,
    pub release_create: &'static str,
    pub release_publish: &'static str,
    pub release_publish_hint: &'static str,
    pub release_draft: &'static str,
    pub release_published_on: &'static str,
    pub nav_inbox: &'static str,
    /// The feed of followed accounts (关注).
    pub nav_feed: &'static str,
    pub inbox_title: &'static str,
    pub inbox_empty: &'static str,
    pub inbox_mark_all: &'static str,
    pub inbox_unread: &'static str,
    pub similar_title: &'static str,
    pub similar_hint: &'static str,
    pub similar_match: &'static str,
    pub merged_banner: &'static str,
    pub merged_redirect_notice: &'static str,
    pub view_original: &'static str,
    pub merged_here_title: &'static str,
    pub merge_title: &'static str,
    pub merge_into_label: &'static str,
    pub merge_submit: &'static str,
    pub merge_hint: &'static str,
    pub unmerge_submit: &'static str,
    pub price_lowest_30d: &'static str,
    pub images_label: &'static str,
    pub images_hint_post: &'static str,
    pub images_hint_comment: &'static str,
    pub images_kept: &'static str,
    pub image_alt: &'static str,
    pub images_add: &'static str,
    pub sort_relevance: &'static str,
    pub remind_me: &'static str,
    pub reminder_set: &'static str,
    pub remind_hint: &'static str,
    pub campaign_remind_hint: &'static str,
    pub reminders_waiting: &'static str,
    pub merge_candidates: &'static str,
    pub merge_into_this: &'static str,
    pub mod_hidden_banner: &'static str,
    pub mod_hidden_reason: &'static str,
    pub mod_deleted_banner: &'static str,
    pub mod_locked_banner: &'static str,
    pub pinned_badge: &'static str,
    pub edited_mark: &'static str,
    pub action_edit: &'static str,
    pub action_delete: &'static str,
    pub delete_confirm: &'static str,
    pub action_reply: &'static str,
    pub replying_to: &'static str,
    pub cancel_reply: &'static str,
    pub action_report: &'static str,
    pub report_reason: &'static str,
    pub report_note: &'static str,
    pub report_submit: &'static str,
    pub report_thanks: &'static str,
    pub follow: &'static str,
    pub following: &'static str,
    pub follow_hint: &'static str,
    pub comment_deleted: &'static str,
    pub comment_hidden: &'static str,
    pub mod_title: &'static str,
    pub mod_hide: &'static str,
    pub mod_unhide: &'static str,
    pub mod_lock: &'static str,
    pub mod_unlock: &'static str,
    pub mod_pin: &'static str,
    pub mod_unpin: &'static str,
    pub mod_delete: &'static str,
    pub mod_edit: &'static str,
    pub mod_dismiss: &'static str,
    pub mod_note_label: &'static str,
    pub nav_moderation: &'static str,
    pub moderation_queue_title: &'static str,
    pub moderation_queue_empty: &'static str,
    pub moderation_log_title: &'static str,
    pub moderation_log_empty: &'static str,
    pub moderation_reports: &'static str,
    pub moderation_already_hidden: &'static str,
    pub revisions_title: &'static str,
    pub revisions_empty: &'static str,
    pub revisions_comment: &'static str,
    pub revisions_replaced_by: &'static str,
    pub edit_post_title: &'static str,
    pub edit_comment_title: &'static str,
    pub save: &'static str,
    pub profile_points: &'static str,
    pub profile_level: &'static str,
    pub profile_badges: &'static str,
    pub profile_credited: &'static str,
    pub leaderboard_title: &'static str,

    pub new_post_title: &'static str,
    pub new_post_product: &'static str,
    pub new_post_kind: &'static str,
    pub new_post_field_title: &'static str,
    pub new_post_title_placeholder: &'static str,
    pub new_post_field_body: &'static str,
    pub new_post_body_placeholder: &'static str,
    pub new_post_markdown_hint: &'static str,
    pub new_post_field_tags: &'static str,
    pub new_post_tags_placeholder: &'static str,
    pub new_post_tags_hint: &'static str,
    pub new_post_submit: &'static str,
    pub kind_idea_hint: &'static str,
    pub kind_bug_hint: &'static str,
    pub kind_question_hint: &'static str,
    pub cancel: &'static str,

    pub roadmap_title: &'static str,
    pub roadmap_intro: &'static str,
    pub roadmap_empty_column: &'static str,
    pub back_to_board: &'static str,

    pub login_title: &'static str,
    pub register_title: &'static str,
    pub field_handle: &'static str,
    pub field_handle_hint: &'static str,
    pub field_password: &'static str,
    pub field_password_hint: &'static str,
    pub field_email: &'static str,
    pub field_optional: &'static str,
    pub login_submit: &'static str,
    pub register_submit: &'static str,
    pub login_no_account: &'static str,
    pub register_have_account: &'static str,

    pub profile_posts: &'static str,
    pub profile_no_posts: &'static str,
    pub profile_joined: &'static str,
    pub profile_no_bio: &'static str,

    pub triage_title: &'static str,
    pub triage_intro: &'static str,
    pub triage_all_products: &'static str,
    pub triage_filter: &'static str,
    pub triage_empty: &'static str,
    pub triage_select_all: &'static str,
    pub triage_apply: &'static str,
    pub triage_move_to: &'static str,
    pub triage_note_placeholder: &'static str,
    pub triage_report: &'static str,
    pub triage_ok: &'static str,
    pub triage_none_selected: &'static str,

    pub nav_settings: &'static str,
    pub nav_catalog: &'static str,
    pub settings_title: &'static str,
    pub settings_intro: &'static str,
    pub settings_view_profile: &'static str,
    pub settings_bio_title: &'static str,
    pub settings_bio_placeholder: &'static str,
    pub settings_bio_hint: &'static str,
    pub settings_bio_invalid: &'static str,
    pub settings_bio_save: &'static str,
    pub settings_bio_saved: &'static str,
    pub settings_tokens_title: &'static str,
    pub settings_tokens_intro: &'static str,
    pub settings_token_name: &'static str,
    pub settings_token_name_placeholder: &'static str,
    pub settings_token_name_hint: &'static str,
    pub settings_token_create: &'static str,
    pub settings_token_created: &'static str,
    pub settings_token_copy_hint: &'static str,
    pub settings_tokens_empty: &'static str,
    pub settings_token_created_at: &'static str,
    pub settings_token_last_used: &'static str,
    pub settings_token_never_used: &'static str,
    pub settings_token_expires: &'static str,
    pub settings_token_active: &'static str,
    pub settings_token_revoked: &'static str,
    pub settings_token_expired: &'static str,
    pub settings_token_revoke: &'static str,
    pub settings_token_revoked_done: &'static str,
    pub catalog_title: &'static str,
    pub catalog_intro: &'static str,
    pub catalog_categories: &'static str,
    pub catalog_products: &'static str,
    pub catalog_no_categories: &'static str,
    pub catalog_no_products: &'static str,
    pub catalog_new_category: &'static str,
    pub catalog_new_product: &'static str,
    pub catalog_edit_product: &'static str,
    pub catalog_field_slug: &'static str,
    pub catalog_slug_hint: &'static str,
    pub catalog_field_name_zh: &'static str,
    pub catalog_field_name_en: &'static str,
    pub catalog_field_name: &'static str,
    pub catalog_name_hint: &'static str,
    pub catalog_field_category: &'static str,
    pub catalog_field_tagline: &'static str,
    pub catalog_tagline_hint: &'static str,
    pub catalog_tagline_invalid: &'static str,
    pub catalog_create_category: &'static str,
    pub catalog_create_product: &'static str,
    pub catalog_save_product: &'static str,
    pub catalog_serial_title: &'static str,
    pub catalog_serial_hint: &'static str,
    pub catalog_serial_save: &'static str,
    pub catalog_serial_saved: &'static str,
    pub catalog_edit: &'static str,
    pub catalog_open_board: &'static str,
    pub catalog_back: &'static str,
    pub catalog_category_created: &'static str,
    pub catalog_product_created: &'static str,
    pub catalog_product_updated: &'static str,
    /// The staff pages on prices and channels (issue #21).
    pub nav_pricing: &'static str,
    pub nav_channels: &'static str,
    pub nav_clubs: &'static str,
    pub pricing_title: &'static str,
    pub pricing_intro: &'static str,
    pub pricing_to_channels: &'static str,
    pub pricing_margin_title: &'static str,
    pub pricing_revenue: &'static str,
    pub pricing_cost: &'static str,
    pub pricing_fees: &'static str,
    pub pricing_net: &'static str,
    pub pricing_excess: &'static str,
    pub pricing_pledge: &'static str,
    pub pricing_review_title: &'static str,
    pub pricing_review_hint: &'static str,
    pub pricing_review_none: &'static str,
    pub pricing_over_cap: &'static str,
    pub pricing_below_cost: &'static str,
    pub pricing_over_cap_reason: &'static str,
    pub pricing_ladder_title: &'static str,
    pub pricing_ladder_hint: &'static str,
    pub pricing_ladder_ok: &'static str,
    pub pricing_no_skus: &'static str,
    pub pricing_unit_cost: &'static str,
    pub pricing_channel: &'static str,
    pub pricing_price_now: &'static str,
    pub pricing_margin: &'static str,
    pub pricing_no_price: &'static str,
    pub pricing_no_channel_price: &'static str,
    pub pricing_history: &'static str,
    pub pricing_history_empty: &'static str,
    pub pricing_effective: &'static str,
    pub pricing_scheduled: &'static str,
    pub pricing_recorded_by: &'static str,
    /// Between a label and its text: `原因：…` / `Reason: …`.
    pub pricing_label_sep: &'static str,
    pub pricing_reason: &'static str,
    pub pricing_costs: &'static str,
    pub tier_entry: &'static str,
    pub tier_mid: &'static str,
    pub tier_upper: &'static str,
    pub tier_flagship: &'static str,
    pub channels_title: &'static str,
    pub channels_intro: &'static str,
    pub channels_to_pricing: &'static str,
    pub channels_list: &'static str,
    pub channels_by_kind: &'static str,
    pub channels_by_city: &'static str,
    pub channels_city_hint: &'static str,
    pub channels_kind: &'static str,
    pub channels_city: &'static str,
    pub channels_fee: &'static str,
    pub channels_units: &'static str,
    pub channels_revenue: &'static str,
    pub channels_nationwide: &'static str,
    pub channels_city_unknown: &'static str,
    pub channels_no_sales: &'static str,
    pub channels_total: &'static str,
    pub channels_stock: &'static str,
    pub channels_stock_hint: &'static str,
    pub channels_sku: &'static str,
    pub channels_allocated: &'static str,
    pub channels_sold: &'static str,
    pub channels_left: &'static str,
    pub channels_sell_through: &'static str,
    pub channels_no_stock: &'static str,
    pub channel_kind_own_online: &'static str,
    pub channel_kind_own_store: &'static str,
    pub channel_kind_partner_online: &'static str,
    pub channel_kind_franchise_store: &'static str,
    pub channel_kind_authorized_store: &'static str,

    pub error_title: &'static str,
    pub error_home: &'static str,
    pub error_back: &'static str,

    pub role_fan: &'static str,
    pub role_moderator: &'static str,
    pub role_staff: &'static str,
    pub role_admin: &'static str,

    pub js_network_error: &'static str,
    /// A countdown's days, `{n}` the number: one, and more than one.
    pub nav_orders: &'static str,
    pub nav_devices: &'static str,
    pub nav_referral: &'static str,
    pub nav_referrals_admin: &'static str,
    pub nav_insights: &'static str,
    pub nav_amas: &'static str,
    pub nav_events: &'static str,
    /// Offered when every word of a search together finds nothing.
    pub search_try_any: &'static str,
    pub search_title: &'static str,
    pub search_placeholder: &'static str,
    pub search_hint: &'static str,
    /// Beside the count of results that match any of the words.
    pub search_any_words: &'static str,
    pub js_day: &'static str,
    pub js_days: &'static str,
    pub just_now: &'static str,
}

/// The strings for `locale`.
pub fn t(locale: Locale) -> &'static T {
    match locale {
        Locale::ZhCn => &ZH,
        Locale::En => &EN,
    }
}

pub fn status_label(locale: Locale, status: PostStatus) -> &'static str {
    status.label(locale)
}

pub fn kind_label(locale: Locale, kind: PostKind) -> &'static str {
    match kind {
        PostKind::Idea => locale.pick("建议", "Idea"),
        PostKind::Bug => locale.pick("问题反馈", "Bug"),
        PostKind::Question => locale.pick("提问", "Question"),
    }
}

pub fn kind_hint(t: &'static T, kind: PostKind) -> &'static str {
    match kind {
        PostKind::Idea => t.kind_idea_hint,
        PostKind::Bug => t.kind_bug_hint,
        PostKind::Question => t.kind_question_hint,
    }
}

pub fn role_label(t: &'static T, role: Role) -> &'static str {
    match role {
        Role::Fan => t.role_fan,
        Role::Moderator => t.role_moderator,
        Role::Staff => t.role_staff,
        Role::Admin => t.role_admin,
    }
}

/// One line for an inbox entry (the email and webhook workers use the same words).
pub use canyu_app::notify::text::notification_text;

/// "再得 30 分升到 资深粉丝" / "30 more points to Enthusiast".
pub fn next_level(locale: Locale, missing: i64, name_zh: &str, name_en: &str) -> String {
    match locale {
        Locale::ZhCn => format!("再得 {missing} 分升到「{name_zh}」"),
        Locale::En => format!("{missing} more points to {name_en}"),
    }
}

/// "12 项功能来自粉丝建议" / "12 features came from fans".
pub fn fan_features(locale: Locale, n: i64) -> String {
    match locale {
        Locale::ZhCn => format!("{n} 项功能来自粉丝建议"),
        Locale::En if n == 1 => "1 feature came from fans".to_string(),
        Locale::En => format!("{n} features came from fans"),
    }
}

/// "3 条评论" / "3 comments".
pub fn comments_count(locale: Locale, n: i64) -> String {
    match locale {
        Locale::ZhCn => format!("{n} 条评论"),
        Locale::En if n == 1 => "1 comment".to_string(),
        Locale::En => format!("{n} comments"),
    }
}

/// The board's owners-only filter: "只看车主" on a car's board, "只看已购用户" elsewhere.
pub fn owners_only(locale: Locale, category: &str) -> &'static str {
    match locale {
        Locale::ZhCn if category == "car" => "只看车主",
        Locale::ZhCn => "只看已购用户",
        Locale::En => "Owners only",
    }
}

/// "3 位投票者是车主" / "3 voters own it": how many of a post's voters own its product (人车家);
/// `None` when none do.
pub fn owner_voters(locale: Locale, category: &str, n: i64) -> Option<String> {
    (n > 0).then(|| match locale {
        Locale::ZhCn if category == "car" => format!("{n} 位投票者是车主"),
        Locale::ZhCn => format!("{n} 位投票者已购"),
        Locale::En if n == 1 => "1 voter owns it".to_string(),
        Locale::En => format!("{n} voters own it"),
    })
}

/// "找到 12 条相关帖子" / "12 posts found for …".
pub fn search_results(locale: Locale, n: usize) -> String {
    match locale {
        Locale::ZhCn => format!("找到 {n} 条相关帖子"),
        Locale::En if n == 1 => "1 post found".to_string(),
        Locale::En => format!("{n} posts found"),
    }
}

/// "12 个帖子" / "12 posts".
pub fn posts_count(locale: Locale, n: i64) -> String {
    match locale {
        Locale::ZhCn => format!("{n} 个帖子"),
        Locale::En if n == 1 => "1 post".to_string(),
        Locale::En => format!("{n} posts"),
    }
}

/// The warning under the token form, with the lifetime of new tokens.
pub fn tokens_note(locale: Locale, days: u64) -> String {
    match locale {
        Locale::ZhCn => format!("令牌拥有你账号的全部权限，请勿分享。新令牌 {days} 天后过期。"),
        Locale::En if days == 1 => {
            "A token can do everything your account can: never share it. New tokens expire after 1 day."
                .to_string()
        }
        Locale::En => format!(
            "A token can do everything your account can: never share it. New tokens expire after {days} days."
        ),
    }
}

/// "3 个产品" / "3 products".
pub fn products_count(locale: Locale, n: usize) -> String {
    match locale {
        Locale::ZhCn => format!("{n} 个产品"),
        Locale::En if n == 1 => "1 product".to_string(),
        Locale::En => format!("{n} products"),
    }
}

pub fn tier_label(t: &'static T, tier: Tier) -> &'static str {
    match tier {
        Tier::Entry => t.tier_entry,
        Tier::Mid => t.tier_mid,
        Tier::Upper => t.tier_upper,
        Tier::Flagship => t.tier_flagship,
    }
}

pub fn channel_kind_label(t: &'static T, kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::OwnOnline => t.channel_kind_own_online,
        ChannelKind::OwnStore => t.channel_kind_own_store,
        ChannelKind::PartnerOnline => t.channel_kind_partner_online,
        ChannelKind::FranchiseStore => t.channel_kind_franchise_store,
        ChannelKind::AuthorizedStore => t.channel_kind_authorized_store,
    }
}

/// What is wrong between two tiers of a product line, in words, prices in yuan.
pub fn ladder_gap(locale: Locale, gap: &LadderGap) -> String {
    let t = t(locale);
    let name = |tier| tier_label(t, tier);
    match (*gap, locale) {
        (LadderGap::MissingTier { tier, below, above }, Locale::ZhCn) => {
            format!("缺少{}档：{}与{}之间没有 SKU", name(tier), name(below), name(above))
        }
        (LadderGap::MissingTier { tier, below, above }, Locale::En) => {
            format!("No {} SKU between {} and {}", name(tier), name(below), name(above))
        }
        (LadderGap::Overlap { lower, upper, lower_max_fen, upper_min_fen }, Locale::ZhCn) => format!(
            "{}与{}价格重叠：{}最高 {}，{}最低 {}",
            name(lower),
            name(upper),
            name(lower),
            format_yuan(lower_max_fen),
            name(upper),
            format_yuan(upper_min_fen)
        ),
        (LadderGap::Overlap { lower, upper, lower_max_fen, upper_min_fen }, Locale::En) => format!(
            "{} and {} overlap: the dearest {} is {}, the cheapest {} {}",
            name(lower),
            name(upper),
            name(lower),
            format_yuan(lower_max_fen),
            name(upper),
            format_yuan(upper_min_fen)
        ),
    }
}

/// The margin gauge's text alternative: "净利率 4.12%，承诺上限 5.00%，在承诺之内".
pub fn margin_gauge_alt(locale: Locale, margin: &str, cap: &str, over: bool) -> String {
    match (locale, over) {
        (Locale::ZhCn, false) => format!("净利率 {margin}，承诺上限 {cap}，在承诺之内"),
        (Locale::ZhCn, true) => format!("净利率 {margin}，承诺上限 {cap}，超出承诺"),
        (Locale::En, false) => format!("Net margin {margin}, pledge at most {cap}: within the pledge"),
        (Locale::En, true) => format!("Net margin {margin}, pledge at most {cap}: over the pledge"),
    }
}

/// "2026-01-01 至 2026-12-31（北京时间）": a report's period by its first and last day.
pub fn report_period(locale: Locale, first_day: &str, last_day: &str, zone: &str) -> String {
    match locale {
        Locale::ZhCn => format!("{first_day} 至 {last_day}（{zone}）"),
        Locale::En => format!("{first_day} to {last_day} ({zone})"),
    }
}

/// "3 次调价" / "3 price changes".
pub fn price_changes_count(locale: Locale, n: usize) -> String {
    match locale {
        Locale::ZhCn => format!("{n} 次调价"),
        Locale::En if n == 1 => "1 price change".to_string(),
        Locale::En => format!("{n} price changes"),
    }
}

/// "定价时 4.12%" / "4.12% when set": a margin as it was when its price was set.
pub fn margin_when_set(locale: Locale, margin: &str) -> String {
    match locale {
        Locale::ZhCn => format!("定价时 {margin}"),
        Locale::En => format!("{margin} when set"),
    }
}

/// Time since `then`, as people say it: "3 小时前" / "3 hours ago"; a date after a month.
pub fn relative_time(locale: Locale, zone: &Zone, now: Millis, then: Millis) -> String {
    let secs = ((now - then) / 1000).max(0);
    let (n, zh, en) = match secs {
        0..60 => return t(locale).just_now.to_string(),
        60..3_600 => (secs / 60, "分钟", "minute"),
        3_600..86_400 => (secs / 3_600, "小时", "hour"),
        86_400..2_592_000 => (secs / 86_400, "天", "day"),
        _ => return zone.date(then),
    };
    match locale {
        Locale::ZhCn => format!("{n} {zh}前"),
        Locale::En => format!("{n} {en}{} ago", if n == 1 { "" } else { "s" }),
    }
}

/// `2024-05-17T08:30:00Z`, for `<time datetime>`.
pub fn iso(at: Millis) -> String {
    canyu_core::time::rfc3339(at)
}

/// `2024-05-17 16:30 北京时间` / `2024-05-17 16:30 China time`: a wall-clock time in the
/// site's zone, named, because a launch's fans may not all live in it.
pub fn datetime(locale: Locale, zone: &Zone, at: Millis) -> String {
    format!("{} {}", zone.datetime(at), zone_label(locale, zone))
}

/// `2026-12-06 22:25 – 12-08 22:26 北京时间`: a window in the site's zone, the zone named
/// once, the end's year left out when it is the start's, its date when it is the same day.
pub fn datetime_range(locale: Locale, zone: &Zone, from: Millis, to: Millis) -> String {
    let (start, end) = (zone.datetime(from), zone.datetime(to));
    // `YYYY-MM-DD HH:MM`: the date is the first 10 characters, the year the first 4.
    let end_shown = if start.get(..10) == end.get(..10) {
        end.get(11..).unwrap_or(&end)
    } else if start.get(..4) == end.get(..4) {
        end.get(5..).unwrap_or(&end)
    } else {
        &end
    };
    format!("{start} – {end_shown} {}", zone_label(locale, zone))
}

/// How a zone is named on a page: China's as people there say it (北京时间, not
/// `Asia/Shanghai`), any other by its IANA name.
pub fn zone_label(locale: Locale, zone: &Zone) -> String {
    canyu_core::time::zone_label(locale, zone.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times() {
        let now = 1_700_000_000_000;
        let china = Zone::china();
        assert_eq!(relative_time(Locale::ZhCn, &china, now, now - 5_000), "刚刚");
        assert_eq!(relative_time(Locale::ZhCn, &china, now, now - 3 * 3_600_000), "3 小时前");
        assert_eq!(relative_time(Locale::En, &china, now, now - 3 * 3_600_000), "3 hours ago");
        assert_eq!(relative_time(Locale::En, &china, now, now - 60_000), "1 minute ago");
        assert_eq!(relative_time(Locale::ZhCn, &china, now, now - 2 * 86_400_000), "2 天前");
        assert_eq!(relative_time(Locale::En, &china, now, now - 40 * 86_400_000), "2023-10-06");
    }

    #[test]
    fn dates_and_times_in_the_site_zone() {
        let china = Zone::china();
        assert_eq!(china.date(0), "1970-01-01");
        assert_eq!(iso(1_700_000_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(china.date(951_782_400_000), "2000-02-29");
        assert_eq!(datetime(Locale::ZhCn, &china, 1_700_000_000_000), "2023-11-15 06:13 北京时间");
        assert_eq!(datetime(Locale::En, &china, 1_700_000_000_000), "2023-11-15 06:13 China time");
        // Midnight in China is still the day before in UTC: a page shows China's day.
        let china_new_year = 1_798_732_800_000; // 2027-01-01T00:00:00+08:00
        assert_eq!(iso(china_new_year), "2026-12-31T16:00:00Z");
        assert_eq!(china.date(china_new_year), "2027-01-01");
        assert_eq!(datetime(Locale::ZhCn, &china, china_new_year), "2027-01-01 00:00 北京时间");
        // Another site's zone is named by its IANA name, with daylight saving applied.
        let berlin = Zone::parse("Europe/Berlin").expect("zone");
        let summer = 1_782_900_000_000; // 2026-07-01T10:00:00Z
        assert_eq!(datetime(Locale::En, &berlin, summer), "2026-07-01 12:00 Europe/Berlin");
        assert_eq!(zone_label(Locale::ZhCn, &Zone::parse("PRC").expect("zone")), "北京时间");
        // A window names the zone once and leaves out what the end shares with the start.
        let hour = 3_600_000;
        assert_eq!(
            datetime_range(Locale::ZhCn, &china, china_new_year - 2 * hour, china_new_year - hour),
            "2026-12-31 22:00 – 23:00 北京时间"
        );
        assert_eq!(
            datetime_range(Locale::En, &china, china_new_year - 50 * hour, china_new_year - hour),
            "2026-12-29 22:00 – 12-31 23:00 China time"
        );
        assert_eq!(
            datetime_range(Locale::ZhCn, &china, china_new_year - hour, china_new_year + hour),
            "2026-12-31 23:00 – 2027-01-01 01:00 北京时间"
        );
    }

    #[test]
    fn labels() {
        assert_eq!(status_label(Locale::ZhCn, PostStatus::Planned), "已计划");
        assert_eq!(status_label(Locale::En, PostStatus::InProgress), "In progress");
        assert_eq!(kind_label(Locale::ZhCn, PostKind::Bug), "问题反馈");
        assert_eq!(comments_count(Locale::En, 1), "1 comment");
        let overlap = LadderGap::Overlap {
            lower: Tier::Mid,
            upper: Tier::Upper,
            lower_max_fen: 259_900,
            upper_min_fen: 249_900,
        };
        assert_eq!(
            ladder_gap(Locale::ZhCn, &overlap),
            "中端与高端价格重叠：中端最高 ¥2,599，高端最低 ¥2,499"
        );
        assert_eq!(
            ladder_gap(Locale::En, &overlap),
            "Mid and Upper overlap: the dearest Mid is ¥2,599, the cheapest Upper ¥2,499"
        );
        let missing = LadderGap::MissingTier { tier: Tier::Mid, below: Tier::Entry, above: Tier::Upper };
        assert_eq!(ladder_gap(Locale::ZhCn, &missing), "缺少中端档：入门与高端之间没有 SKU");
        assert_eq!(channel_kind_label(t(Locale::En), ChannelKind::OwnStore), "Own stores");
    }
}
