//! The error codes of canyu's API: a stable contract. Clients match on `code`, people read
//! `message`, which is translated per request. Add codes; never rename or reuse one.

use crate::Locale;
use serde::Serialize;

macro_rules! error_codes {
    ($( $variant:ident = $code:literal, $status:literal, $zh:literal, $en:literal; )*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $($variant,)* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The machine-readable code, e.g. `title_too_long`.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// The HTTP status this error is answered with.
            pub fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)* }
            }

            /// A message a person can act on, in the request's language.
            pub fn message(self, locale: Locale) -> &'static str {
                match (self, locale) {
                    $((ErrorCode::$variant, Locale::ZhCn) => $zh,
                      (ErrorCode::$variant, Locale::En) => $en,)*
                }
            }
        }
    };
}

error_codes! {
    InvalidJson = "invalid_json", 400, "请求体不是有效的 JSON，或缺少必填字段。", "The request body is not valid JSON or lacks a required field.";
    UnsupportedMediaType = "unsupported_media_type", 415, "请求的 Content-Type 必须是 application/json。", "The request's Content-Type must be application/json.";
    InvalidForm = "invalid_form", 400, "表单内容无效。", "The form data is invalid.";
    TitleEmpty = "title_empty", 422, "标题不能为空。", "The title must not be empty.";
    TitleTooLong = "title_too_long", 422, "标题最多 120 个字。", "The title may have at most 120 characters.";
    BodyEmpty = "body_empty", 422, "正文不能为空。", "The body must not be empty.";
    BodyTooLong = "body_too_long", 422, "正文最多 20000 个字。", "The body may have at most 20,000 characters.";
    InvalidKind = "invalid_kind", 422, "类型必须是 idea（建议）、bug（问题反馈）或 question（提问）。", "The kind must be idea, bug or question.";
    InvalidStatus = "invalid_status", 422, "未知的状态。", "Unknown status.";
    InvalidTransition = "invalid_transition", 409, "帖子当前的状态不能变更为该状态。", "The post cannot move from its current status to that one.";
    InvalidTag = "invalid_tag", 422, "标签须为 1 到 20 个字，不含空白和逗号，最多 5 个。", "Tags are 1 to 20 characters without spaces or commas, at most 5.";
    CommentEmpty = "comment_empty", 422, "评论不能为空。", "The comment must not be empty.";
    CommentTooLong = "comment_too_long", 422, "评论最多 5000 个字。", "A comment may have at most 5,000 characters.";
    InvalidHandle = "invalid_handle", 422, "用户名须为 2 到 32 个字符：字母、数字、汉字、下划线或连字符。", "A handle has 2 to 32 characters: letters, digits, Chinese characters, _ or -.";
    HandleTaken = "handle_taken", 409, "该用户名已被占用。", "That handle is taken.";
    WeakPassword = "weak_password", 422, "密码须为 8 到 128 位，且不易被猜到：不要用常见密码、连续的数字或字母、用户名加数字。几个不相关的词加上数字就很好，例如 orange-umbrella-2026。", "A password has 8 to 128 characters and must be hard to guess: no common passwords, runs of digits or letters, or your handle with a number. A few unrelated words and a number work well, e.g. orange-umbrella-2026.";
    InvalidEmail = "invalid_email", 422, "邮箱地址无效。", "The email address is invalid.";
    InvalidRole = "invalid_role", 422, "角色必须是 fan、moderator、staff 或 admin。", "The role must be fan, moderator, staff or admin.";
    InvalidSlug = "invalid_slug", 422, "标识须为 2 到 40 位小写字母、数字或连字符。", "A slug has 2 to 40 lowercase letters, digits or hyphens.";
    SlugTaken = "slug_taken", 409, "该标识已被使用。", "That slug is already in use.";
    InvalidName = "invalid_name", 422, "名称须为 1 到 60 个字。", "A name has 1 to 60 characters.";
    UnknownProduct = "unknown_product", 422, "没有这个产品。", "No such product.";
    UnknownCategory = "unknown_category", 422, "没有这个品类。", "No such category.";
    InvalidSort = "invalid_sort", 400, "排序方式必须是 hot、new 或 top。", "Sort must be hot, new or top.";
    InvalidCursor = "invalid_cursor", 400, "分页游标无效或已过期。", "The pagination cursor is invalid.";
    InvalidLimit = "invalid_limit", 400, "limit 须在 1 到 100 之间。", "limit must be between 1 and 100.";
    InvalidQuery = "invalid_query", 400, "查询参数无效。", "A query parameter is invalid.";
    Unauthenticated = "unauthenticated", 401, "请先登录。", "Please sign in first.";
    InvalidCredentials = "invalid_credentials", 401, "用户名或密码错误。", "Wrong handle or password.";
    TokenInvalid = "token_invalid", 401, "访问令牌无效或已被撤销。", "The access token is invalid or revoked.";
    TokenExpired = "token_expired", 401, "访问令牌已过期，请重新登录。", "The access token has expired; sign in again.";
    CsrfFailed = "csrf_failed", 403, "页面已过期，请刷新后重试。", "The page has expired; reload it and try again.";
    Forbidden = "forbidden", 403, "你没有权限执行此操作。", "You are not allowed to do that.";
    PostNotFound = "post_not_found", 404, "帖子不存在。", "No such post.";
    UserNotFound = "user_not_found", 404, "用户不存在。", "No such user.";
    TokenNotFound = "token_not_found", 404, "没有这个访问令牌。", "No such token.";
    NotFound = "not_found", 404, "页面不存在。", "Not found.";
    MethodNotAllowed = "method_not_allowed", 405, "不支持该请求方法。", "Method not allowed.";
    PayloadTooLarge = "payload_too_large", 413, "请求体过大。", "The request body is too large.";
    RateLimited = "rate_limited", 429, "操作太频繁，请稍后再试。", "Too many requests; try again shortly.";
    MergeIntoSelf = "merge_into_self", 422, "不能把帖子合并到它自己。", "A post cannot be merged into itself.";
    MergeTargetNotFound = "merge_target_not_found", 422, "要合并到的帖子不存在。", "The post to merge into does not exist.";
    MergeTargetMerged = "merge_target_merged", 409, "目标帖子已被合并到别的帖子，请合并到最终的那个帖子。", "The target post has itself been merged; merge into the post it was merged into.";
    MergeAcrossProducts = "merge_across_products", 422, "只能合并同一产品下的帖子。", "Only posts of the same product can be merged.";
    PostAlreadyMerged = "post_already_merged", 409, "该帖子已经被合并过了。", "This post has already been merged.";
    PostNotMerged = "post_not_merged", 409, "该帖子没有被合并，无需撤销。", "This post is not merged; there is nothing to undo.";
    PostMerged = "post_merged", 409, "该帖子已合并到另一个帖子，请到那里支持或评论。", "This post was merged into another; vote or comment there.";
    NotificationNotFound = "notification_not_found", 404, "没有这条通知。", "No such notification.";
    InvalidPointsAdjustment = "invalid_points_adjustment", 422, "积分调整须为非零整数（绝对值不超过 100000），并附上原因。", "A points adjustment is a non-zero whole number (at most 100,000 either way) with a reason.";
    PointsWouldGoNegative = "points_would_go_negative", 409, "积分流水只能追加不能修改：这次扣减会让余额为负。", "The points ledger is append-only: this deduction would make the balance negative.";
    InvalidVersion = "invalid_version", 422, "版本号须为 1 到 32 个字符：字母、数字和 . - + _，以字母或数字开头。", "A version has 1 to 32 characters: letters, digits and . - + _, starting with a letter or digit.";
    InvalidChannel = "invalid_channel", 422, "渠道必须是 stable（正式版）或 beta（测试版）。", "The channel must be stable or beta.";
    InvalidDate = "invalid_date", 422, "日期格式须为 YYYY-MM-DD。", "Dates are written YYYY-MM-DD.";
    NotProductManager = "not_product_manager", 403, "你不负责这个产品，无权管理它。", "You do not manage this product.";
    ReleaseNotFound = "release_not_found", 404, "版本不存在。", "No such release.";
    ReleaseVersionTaken = "release_version_taken", 409, "这个产品在该渠道已有同名版本。", "This product already has a release with that version on that channel.";
    ReleaseEmpty = "release_empty", 422, "版本里至少要有一个帖子才能发布。", "A release needs at least one post to be published.";
    ReleasePostInvalid = "release_post_invalid", 422, "只能把本产品「已计划」或「进行中」的帖子加入版本。", "Only this product's planned or in-progress posts can go into a release.";
    ReleaseAlreadyPublished = "release_already_published", 409, "该版本已经发布了。", "This release has already been published.";
    InvalidWebhookUrl = "invalid_webhook_url", 422, "Webhook 地址须为完整的 http:// 或 https:// 地址，不含用户名和密码。", "A webhook address is a full http:// or https:// URL without a user name or password.";
    InvalidWebhookFormat = "invalid_webhook_format", 422, "格式必须是 generic、feishu、dingtalk 或 wecom。", "The format must be generic, feishu, dingtalk or wecom.";
    WebhookNotFound = "webhook_not_found", 404, "没有这个 Webhook。", "No such webhook.";
    MergeAcrossBoards = "merge_across_boards", 422, "内测板块和公开板块的帖子不能互相合并。", "Posts on the beta board and the public board cannot be merged into each other.";
    NoteTooLong = "note_too_long", 422, "备注最多 200 个字。", "A note may have at most 200 characters.";
    InvalidBoard = "invalid_board", 400, "board 必须是 public 或 beta，且 beta 须指定产品。", "The board must be public or beta, and beta needs a product.";
    BetaNotFound = "beta_not_found", 404, "这个产品还没有内测群组。", "This product has no beta group.";
    BetaClosed = "beta_closed", 409, "内测招募暂未开放。", "The beta group is not accepting applications.";
    InvalidBetaSeats = "invalid_beta_seats", 422, "名额须为 1 到 1,000,000 之间的整数。", "Seats must be a whole number from 1 to 1,000,000.";
    InvalidBetaLevel = "invalid_beta_level", 422, "自动通过的最低等级须为 1 到 6。", "The minimum level for automatic admission must be 1 to 6.";
    InvalidBetaCooldown = "invalid_beta_cooldown", 422, "冷却期须为 0 到 365 天。", "A cooldown must be 0 to 365 days.";
    InvalidBetaStatus = "invalid_beta_status", 400, "状态必须是 pending、member、rejected、left 或 removed。", "The status must be pending, member, rejected, left or removed.";
    InvalidMotivation = "invalid_motivation", 422, "申请理由须为 5 到 500 个字符。", "The motivation must be 5 to 500 characters.";
    BetaAlreadyMember = "beta_already_member", 409, "你已经是内测成员了。", "You are already a member of this beta group.";
    BetaAlreadyApplied = "beta_already_applied", 409, "你的申请正在审核中。", "Your application is already under review.";
    BetaCooldown = "beta_cooldown", 409, "冷却期内不能再次申请，请在个人内测状态中查看可申请的日期。", "You cannot apply again yet; your beta status shows the date you can.";
    BetaFull = "beta_full", 409, "内测名额已满。", "The beta group has no free seats.";
    BetaApplicationNotFound = "beta_application_not_found", 404, "没有这个内测申请。", "No such beta application.";
    BetaApplicationDecided = "beta_application_decided", 409, "这个申请已经处理过了。", "This application has already been decided.";
    BetaNotMember = "beta_not_member", 409, "你不是这个内测群组的成员。", "You are not a member of this beta group.";
    BetaMembersOnly = "beta_members_only", 403, "仅内测成员可见。", "Only beta members can see this.";
    InvalidSku = "invalid_sku", 422, "SKU 最多 64 个字符。", "A SKU has at most 64 characters.";
    InvalidWaveQuantity = "invalid_wave_quantity", 422, "数量须为 1 到 10,000,000。", "The quantity must be 1 to 10,000,000.";
    InvalidWaveMode = "invalid_wave_mode", 422, "方式必须是 fcfs（先到先得）或 draw（抽签）。", "The mode must be fcfs or draw.";
    InvalidPerFanLimit = "invalid_per_fan_limit", 422, "每人限购须为 1 到 100。", "The per-fan limit must be 1 to 100.";
    InvalidWaveWindow = "invalid_wave_window", 422, "一轮须在开始之后结束，最长 90 天。", "A wave ends after it starts, at most 90 days later.";
    InvalidEligibility = "invalid_eligibility", 422, "资格须为 everyone、beta、fcode、reservation（须指定发布活动）、min_level 加 1 到 6 的等级，或 owners_of 加一款产品。", "Eligibility must be everyone, beta, fcode, reservation (with a campaign), min_level with a level from 1 to 6, or owners_of with a product.";
    InvalidChannels = "invalid_channels", 422, "渠道须是已登记的渠道代码（如 online），且各渠道数量之和须等于总数。", "Channels must be codes of registered channels (such as online), with units adding up to the quantity.";
    WaveNotFound = "wave_not_found", 404, "没有这一轮发售。", "No such wave.";
    WaveNotStarted = "wave_not_started", 409, "这一轮还没开始。", "This wave has not started yet.";
    WaveEnded = "wave_ended", 409, "这一轮已经结束了。", "This wave has ended.";
    SoldOut = "sold_out", 409, "已售罄。", "Sold out.";
    OrderLimitReached = "order_limit_reached", 429, "已达到每人限购数量。", "You have reached this wave's per-fan limit.";
    NotEligible = "not_eligible", 403, "你现在还不符合参与条件：这一轮发售或这个优先时段只对符合条件的米粉开放。", "You are not eligible: this wave, or this priority window, is only for qualifying fans.";
    IdempotencyKeyRequired = "idempotency_key_required", 400, "下单请求须带 Idempotency-Key 请求头。", "Orders need an Idempotency-Key header.";
    InvalidIdempotencyKey = "invalid_idempotency_key", 400, "Idempotency-Key 须为 1 到 128 个可见 ASCII 字符。", "The Idempotency-Key must be 1 to 128 printable ASCII characters.";
    IdempotencyKeyReused = "idempotency_key_reused", 422, "这个 Idempotency-Key 已用于另一个请求。", "This Idempotency-Key was already used for a different request.";
    OrderNotFound = "order_not_found", 404, "没有这个订单。", "No such order.";
    InvalidFCodeQuantity = "invalid_fcode_quantity", 422, "F 码名额须为 0 到线上发售数量。", "fcode_quantity must be 0 to the wave's online quantity.";
    InvalidFCodeCount = "invalid_fcode_count", 422, "每批 F 码须为 1 到 10,000 个。", "A batch has 1 to 10,000 F-codes.";
    InvalidAwardRule = "invalid_award_rule", 422, "min_points 须不小于 0，max 须为 1 到 10,000。", "min_points must be at least 0 and max 1 to 10,000.";
    FCodeInvalidSymbol = "fcode_invalid_symbol", 422, "F 码只包含字母和数字，请检查输入。", "An F-code has only letters and digits; check what you typed.";
    FCodeWrongLength = "fcode_wrong_length", 422, "F 码共 13 位字母和数字（XXXX-XXXX-XXXXX）。", "An F-code has 13 letters and digits (XXXX-XXXX-XXXXX).";
    FCodeTypo = "fcode_typo", 422, "F 码校验位不符，可能有输错的字符。", "This F-code has a typo: its check symbol does not match.";
    FCodeNotFound = "fcode_not_found", 404, "没有这个 F 码。", "No such F-code.";
    FCodeAlreadyRedeemed = "fcode_already_redeemed", 409, "这个 F 码已经被兑换了。", "This F-code has already been redeemed.";
    FCodeNotRedeemed = "fcode_not_redeemed", 409, "请先兑换这个 F 码。", "Redeem this F-code first.";
    FCodeNotYours = "fcode_not_yours", 403, "这个 F 码不属于你。", "This F-code is not yours.";
    FCodeAlreadyTransferred = "fcode_already_transferred", 409, "F 码只能转赠一次。", "An F-code can be passed on only once.";
    FCodeSelfTransfer = "fcode_self_transfer", 422, "不能把 F 码转赠给自己。", "You cannot pass an F-code to yourself.";
    FCodeUsed = "fcode_used", 409, "这个 F 码已经用过了。", "This F-code has already been used.";
    FCodeWrongWave = "fcode_wrong_wave", 422, "这个 F 码不是这一轮发售的。", "This F-code is for another wave.";
    FCodeRequired = "fcode_required", 403, "这一轮仅限持有 F 码的粉丝购买。", "This wave is for F-code holders only.";
    AlreadyEntered = "already_entered", 409, "你已经参加这次抽签了。", "You have already entered this draw.";
    DrawEntriesChanged = "draw_entries_changed", 409, "抽签名单在开奖时发生了变化，请重试。", "The entry list changed while drawing; try again.";
    WaveNotDraw = "wave_not_draw", 409, "这一轮是先到先得，不需要报名抽签。", "This wave is first come, first served: there is no draw to enter.";
    DrawNotClosed = "draw_not_closed", 409, "报名还没截止，不能开奖。", "The draw cannot be made before its window closes.";
    WaveIsDraw = "wave_is_draw", 409, "这一轮是抽签发售，请报名参加抽签。", "This wave is sold by draw: enter the draw instead.";
    InvalidCampaignTitle = "invalid_campaign_title", 422, "活动标题须为 1 到 80 个字。", "A campaign title has 1 to 80 characters.";
    InvalidCampaignSchedule = "invalid_campaign_schedule", 422, "时间须依次为：预热 ≤ 揭晓价格 ≤ 预约开始 < 预约截止，预约期最长 90 天。", "Times must run teaser <= price reveal <= reservations open < reservations close, with reservations open for at most 90 days.";
    InvalidReservationRules = "invalid_reservation_rules", 422, "预约名额须为 0 到 10,000,000，粉丝通道提前量为 0 到 1440 分钟，注册截止时间不晚于预约截止。", "Places are 0 to 10,000,000, the fan lane's head start 0 to 1,440 minutes, and the account cutoff no later than the reservation close.";
    InvalidPrice = "invalid_price", 422, "价格须为 1 分到 1 亿元，定金不能高于价格（金额以分为单位）。", "A price is 1 fen to 100 million yuan and a deposit is at most the price (amounts in fen).";
    InvalidOrderTerms = "invalid_order_terms", 422, "锁库存时间须为 1 到 1440 分钟，大定退订期为 0 到 30 天。", "The cart hold is 1 to 1,440 minutes and the big-order refund window 0 to 30 days.";
    InvalidOrderKind = "invalid_order_kind", 422, "订单类型必须是 full（全款）、small（小定）或 big（大定）。", "The order kind must be full, small or big.";
    CampaignNotFound = "campaign_not_found", 404, "没有这个发布活动。", "No such campaign.";
    InvalidCampaign = "invalid_campaign", 422, "这个发布活动不存在，或不属于该产品。", "That campaign does not exist or belongs to another product.";
    ReservationsNotOpen = "reservations_not_open", 409, "预约还没开始。", "Reservations have not opened yet.";
    ReservationsClosed = "reservations_closed", 409, "预约已经截止了。", "Reservations have closed.";
    AccountTooNew = "account_too_new", 403, "该账号注册时间晚于本次预约的截止注册时间，不能预约。", "This account was created after the campaign's cutoff and cannot reserve.";
    ReservationsFull = "reservations_full", 409, "预约名额已满。", "All reservation places are taken.";
    ReservationRequired = "reservation_required", 403, "这一轮仅限已预约的粉丝购买。", "This wave is for fans who reserved.";
    LaneNotOpen = "lane_not_open", 409, "粉丝通道优先购买中，普通通道稍后开放。", "The fan lane is ordering first; the general lane opens shortly.";
    HoldExpired = "hold_expired", 409, "支付时限已过，库存已退回。", "The payment window has passed; the unit went back on sale.";
    RefundWindowClosed = "refund_window_closed", 409, "大定已过退订期，订单已锁定。", "The big order's refund window has closed; the order is locked.";
    OrderLocked = "order_locked", 409, "订单已锁单，不能退款或更改。", "The order is locked: no refund or change.";
    NotRefundable = "not_refundable", 409, "全款订单请通过售后办理退货。", "A paid full purchase is returned through after-sales, not refunded here.";
    InvalidOrderTransition = "invalid_order_transition", 409, "订单当前的状态不允许这个操作。", "The order's current state does not allow that.";
    InvalidBuyerName = "invalid_buyer_name", 422, "购车人/收货人姓名须为 1 到 40 个字。", "The buyer's name has 1 to 40 characters.";
    OrderKindNotOffered = "order_kind_not_offered", 422, "这个版本不接受这种订单（没有设置对应的定金）。", "This SKU does not take that kind of order (no such deposit is set).";
    OrderKindRequired = "order_kind_required", 422, "发布活动的发售须指定订单类型 kind（full 全款、small 小定或 big 大定）和购买人姓名 buyer_name。", "A campaign wave's orders need a kind (full, small or big) and a buyer_name.";
    NotALaunchOrder = "not_a_launch_order", 409, "这个订单没有定金条款，不能支付、锁单或退订。", "This order has no deposit terms: it cannot be paid, locked or refunded.";
    InvalidSignature = "invalid_signature", 401, "支付通知的签名无效。", "The payment notification's signature is invalid.";
    AmountMismatch = "amount_mismatch", 422, "支付金额与订单应付金额不符。", "The amount paid does not match the amount due.";
    PaymentsNotConfigured = "payments_not_configured", 503, "支付通道未配置。", "Payments are not configured on this site.";
    SimulatedPaymentsOff = "simulated_payments_off", 403, "本站未开启模拟支付。", "Simulated payments are not enabled on this site.";
    InvalidAddress = "invalid_address", 422, "收货地址须为 5 到 200 个字。", "A delivery address has 5 to 200 characters.";
    AddressRequired = "address_required", 422, "这次发布每个收货地址限购一单，请填写收货地址。", "This campaign allows one order per delivery address: give the delivery address.";
    AddressTaken = "address_taken", 409, "这个收货地址在本次发布中已有订单。", "This delivery address already has an order in this campaign.";
    AlreadyOrderedInCampaign = "already_ordered_in_campaign", 409, "这次发布每人限购一单，你已经下过单了。", "This campaign allows one order per person, and you already have one.";
    InvalidStage = "invalid_stage", 422, "阶段必须是 in_production（生产中）或 delivered（已交付），数量为 1 到 100,000。", "The stage must be in_production or delivered, for 1 to 100,000 orders.";
    InvalidDeviceId = "invalid_device_id", 400, "X-Device-Id 须为 8 到 128 个可见 ASCII 字符。", "X-Device-Id must be 8 to 128 printable ASCII characters.";
    WaveStartInPast = "wave_start_in_past", 422, "新的开始时间不能早于现在。", "The new start cannot be in the past.";
    WaveAlreadyStarted = "wave_already_started", 409, "这一轮已经开始，开始时间不能再改；可以改结束时间或立即结束。", "This wave has started: its start cannot move; move its end or end it now.";
    WaveEndInPast = "wave_end_in_past", 422, "新的结束时间不能早于现在；要立即结束，请用“立即结束”。", "The new end cannot be in the past; to stop the wave now, end it now.";
    InvalidRealName = "invalid_real_name", 422, "姓名须与身份证一致：2 到 30 个字，可含汉字、字母、间隔号“·”、空格或连字符。", "The name must be as on the identity card: 2 to 30 letters, with an optional middle dot, spaces or hyphens.";
    InvalidIdNumber = "invalid_id_number", 422, "身份证号码无效：须为 18 位，最后一位是校验码（数字或 X），出生日期须真实。", "The identity number is invalid: it has 18 characters, the last a check digit or X, with a real birth date.";
    AlreadyVerified = "already_verified", 409, "这个账号已经完成实名认证，不能更改；如有错误请联系客服。", "This account is already verified and cannot change its identity; contact support if it is wrong.";
    VerificationRequired = "verification_required", 403, "这次发布需要实名认证后才能下单。", "This campaign takes orders only from verified accounts: verify your identity first.";
    BuyerNotVerifiedPerson = "buyer_not_verified_person", 422, "这次发布的购买人须是账号实名认证的本人。", "In this campaign the buyer must be the account's verified person.";
    PersonAlreadyOrdered = "person_already_ordered", 409, "这次发布每人限购一单，实名为同一人的另一个账号已经下过单了。", "This campaign allows one order per person, and another account verified as the same person already has one.";
    WaveEndNotConfirmed = "wave_end_not_confirmed", 422, "请先勾选确认，再立即结束这一轮。", "Tick the confirmation box before ending the wave now.";
    QuantityBelowSold = "quantity_below_sold", 409, "这一轮已售出的数量超过了新的数量，数量不能低于已售出。", "More units have been sold than the new quantity: it cannot go below what was sold.";
    QuantityBelowOtherChannels = "quantity_below_other_channels", 422, "新数量少于分给其他渠道的数量；增减的只是线上数量。", "The new quantity is less than the other channels' units: only online units are added or taken back.";
    QuantityBelowFCodeLane = "quantity_below_fcode_lane", 422, "线上数量不能少于 F 码名额。", "The online quantity cannot be less than the F-code lane.";
    WaveChangedMeanwhile = "wave_changed_meanwhile", 409, "这一轮正在或刚刚被别人修改，请刷新后重试。", "Someone is changing or has just changed this wave; reload it and try again.";
    WaveCancelled = "wave_cancelled", 409, "这一轮发售已撤销。", "This wave was cancelled.";
    CancelAfterStart = "cancel_after_start", 409, "这一轮已经开始，不能撤销；可以立即结束（已下的订单保留）。", "This wave has started and cannot be cancelled; end it now instead (orders placed stand).";
    WaveCancelNotConfirmed = "wave_cancel_not_confirmed", 422, "请先勾选确认，再撤销这一轮。", "Tick the confirmation box before cancelling the wave.";
    InvalidCancelReason = "invalid_cancel_reason", 422, "撤销原因最多 200 个字，且不能含控制字符。", "The reason has at most 200 characters and no control characters.";
    DrawQuantityFixed = "draw_quantity_fixed", 409, "抽签已开始报名，中签名额不能再改。", "The draw has opened for entries: its number of winners is fixed.";
    Internal = "internal", 500, "服务器出错了，请稍后再试。", "Something went wrong on our side; try again shortly.";
    Unavailable = "unavailable", 503, "服务暂时不可用。", "The service is temporarily unavailable.";
    ControlCharacter = "control_character", 422, "内容包含不允许的控制字符（如 NUL），请删除后重试。", "The text contains a control character (such as NUL) that is not allowed; remove it and try again.";
    PaymentRefConflict = "payment_ref_conflict", 409, "该支付流水号已用于另一笔订单，本次付款未入账。", "That payment reference was already recorded for another order; this payment was not applied.";
    HandleMixedScript = "handle_mixed_script", 422, "用户名不能混用容易看错的文字（例如拉丁字母里夹着西里尔字母）；汉字、假名或韩文可以和拉丁字母、数字一起用。", "A handle must not mix look-alike scripts (such as Latin with Cyrillic letters); Chinese, Japanese or Korean may go with Latin letters and digits.";
    InvalidTime = "invalid_time", 422, "时间格式不对：请写成 RFC 3339，例如 2026-11-27T22:00:00+08:00（北京时间）。", "Times are written in RFC 3339 with their offset, e.g. 2026-11-27T22:00:00+08:00.";
    WebhookPrivateAddress = "webhook_private_address", 422, "Webhook 不能指向内网、本机或链路本地地址（管理员可用 CANYU_WEBHOOKS_ALLOW_PRIVATE 允许）。", "A webhook may not point at a private, loopback or link-local address (an administrator can allow them with CANYU_WEBHOOKS_ALLOW_PRIVATE).";
    UriTooLong = "uri_too_long", 414, "请求地址太长。", "The request's address is too long.";
    HeadersTooLarge = "headers_too_large", 431, "请求头太大（Cookie 过多？清除本站 Cookie 后再试）。", "The request's headers are too large (too many cookies? clear this site's cookies and retry).";
    CommentNotFound = "comment_not_found", 404, "评论不存在。", "No such comment.";
    PostLocked = "post_locked", 409, "该帖子已被锁定，不能再评论或编辑。", "This post is locked: it takes no more comments or edits.";
    PostHidden = "post_hidden", 409, "该帖子已被隐藏或删除，不能投票或评论。", "This post is hidden or deleted; it takes no votes or comments.";
    ReportNotFound = "report_not_found", 404, "这条内容没有待处理的举报。", "There are no open reports of that.";
    InvalidModerationAction = "invalid_moderation_action", 422, "操作必须是 hide（隐藏）、unhide（取消隐藏）、lock（锁定）、unlock（解锁）、pin（置顶）或 unpin（取消置顶）。", "The action must be hide, unhide, lock, unlock, pin or unpin.";
    InvalidReportReason = "invalid_report_reason", 422, "举报原因必须是 spam（广告）、abuse（辱骂攻击）、off_topic（无关内容）、illegal（违法信息）或 other（其他）。", "The reason must be spam, abuse, off_topic, illegal or other.";
    ReportNoteTooLong = "report_note_too_long", 422, "补充说明最多 500 个字。", "The note may have at most 500 characters.";
    CannotReportOwn = "cannot_report_own", 422, "不能举报自己发的内容；可以编辑或删除它。", "You cannot report what you wrote yourself; edit or delete it instead.";
    ReminderTooLate = "reminder_too_late", 409, "已经开始了，不用再提醒，现在就去看看吧。", "It has already started; there is nothing to remind you of.";
    ImageUnsupportedType = "image_unsupported_type", 415, "只能上传 JPEG、PNG、WebP 或 GIF 图片。", "Only JPEG, PNG, WebP or GIF images can be uploaded.";
    ImageTooLarge = "image_too_large", 413, "图片太大了：每张最大 10 MB。", "The image is too large: at most 10 MB each.";
    ImageDimensionsTooLarge = "image_dimensions_too_large", 422, "图片尺寸太大：最多 4000 万像素，每边不超过 16000 像素。", "The image is too large: at most 40 megapixels and 16,000 pixels a side.";
    ImageCorrupt = "image_corrupt", 422, "图片已损坏，无法读取，请换一张。", "The image is damaged and cannot be read; try another.";
    TooManyImages = "too_many_images", 422, "图片太多了：一个帖子最多 9 张，一条评论最多 3 张。", "Too many images: at most 9 on a post and 3 on a comment.";
    UploadTooSlow = "upload_too_slow", 408, "上传太慢，已中断：请在网络好一些时再试。", "The upload was too slow and was stopped; try again on a better connection.";
    ImageNotFound = "image_not_found", 422, "找不到这张图片，或它已用在别处，请重新上传。", "No such image of yours, or it is already used elsewhere; upload it again.";
    InvalidChannelCode = "invalid_channel_code", 422, "渠道代码须为 1–32 个小写字母、数字、- 或 _，以字母或数字开头。", "A channel code has 1-32 lowercase letters, digits, - or _, starting with a letter or digit.";
    InvalidChannelKind = "invalid_channel_kind", 422, "渠道类型须为 own_online（自营线上）、own_store（小米之家）、partner_online（合作电商）、franchise_store（加盟店）或 authorized_store（授权店）。", "The kind must be own_online, own_store, partner_online, franchise_store or authorized_store.";
    InvalidFee = "invalid_fee", 422, "渠道佣金须为 0 到 5000 个基点（0%–50%）。", "A channel's fee is 0 to 5000 basis points (0-50 %).";
    ChannelNotFound = "channel_not_found", 404, "没有这个渠道。", "No such channel.";
    ChannelCodeTaken = "channel_code_taken", 409, "这个渠道代码已被使用。", "That channel code is taken.";
    InvalidSkuCode = "invalid_sku_code", 422, "SKU 代码须为 1–48 个字母、数字、-、_ 或 .，以字母或数字开头。", "A SKU code has 1-48 letters, digits, -, _ or ., starting with a letter or digit.";
    InvalidTier = "invalid_tier", 422, "档位须为 entry（入门）、mid（中端）、upper（中高端）或 flagship（旗舰）。", "The tier must be entry, mid, upper or flagship.";
    InvalidCost = "invalid_cost", 422, "单位成本须为 0 到 100 亿分（1 亿元）。", "A unit cost is 0 to 10,000,000,000 fen.";
    SkuNotFound = "sku_not_found", 404, "没有这个 SKU。", "No such SKU.";
    SkuCodeTaken = "sku_code_taken", 409, "这个 SKU 代码已被使用。", "That SKU code is taken.";
    MarginCapExceeded = "margin_cap_exceeded", 422, "这个价格的单件净利率超过了承诺的上限；降低价格，或由管理员填写超限原因。", "At this price a unit's net margin is above the pledged cap; lower the price, or an admin gives over_cap_reason.";
    InvalidPriceReason = "invalid_price_reason", 422, "请写明调价原因（1–200 个字）。", "Give the reason for the price (1-200 characters).";
    TooManySalesRows = "too_many_sales_rows", 422, "一次最多报 10,000 行销售记录，请分批提交。", "At most 10,000 sales rows at a time; send them in batches.";
    InvalidSalesRow = "invalid_sales_row", 422, "销售记录不完整：需要 external_id（1–100 个字，不以 canyu: 开头）、sku、数量（1–100,000）、单价（分，最多 10 亿分）和成交时间。", "A sales row needs external_id (1-100 characters, not starting with canyu:), sku, quantity (1-100,000), unit_price_fen (at most 1,000,000,000) and sold_at.";
    TransferExceedsStock = "transfer_exceeds_stock", 409, "调出渠道剩余的库存不够这次调拨。", "The source channel has fewer unsold units than the transfer asks for.";
    AllocationBelowSold = "allocation_below_sold", 409, "分配给渠道的数量不能少于它已卖出的数量。", "A channel's allocation cannot be below what it already sold.";
    InvalidUnits = "invalid_units", 422, "数量须为 0 到 1,000 万之间的整数（调拨至少 1 件）。", "Units are whole numbers from 0 to 10,000,000 (a transfer moves at least 1).";
    InvalidTransfer = "invalid_transfer", 422, "调拨须在两个不同的渠道之间进行。", "A transfer goes between two different channels.";
    GiveBackExists = "give_back_exists", 409, "这个时段的利润返还已经发放过了。", "The give-back for this period was already made.";
    GiveBackOverlaps = "give_back_overlaps", 409, "这个时段与已发放返还的时段重叠。", "This period overlaps a period already given back.";
    NoExcessToGiveBack = "no_excess_to_give_back", 409, "这个时段的净利率没有超过承诺的上限，没有可返还的利润。", "Net margin in this period is within the pledge: there is nothing to give back.";
    ChannelTokenScope = "channel_token_scope", 403, "这个渠道令牌只能用于上报本渠道的销售。", "This channel token only reports its own channel's sales.";
    EventNotFound = "event_not_found", 404, "没有这个活动。", "No such event.";
    ClubNotFound = "club_not_found", 404, "没有这个同城会。", "No such city club.";
    RsvpNotFound = "rsvp_not_found", 404, "你在这个活动里没有名额，也不在候补名单上。", "You have no place at this event and are not on its waitlist.";
    EventTitleInvalid = "event_title_invalid", 422, "活动标题须为 1–80 个字。", "An event title has 1-80 characters.";
    EventPlaceInvalid = "event_place_invalid", 422, "请填写城市（最多 40 个字）和场地（最多 120 个字）。", "Give the city (up to 40 characters) and the venue (up to 120).";
    InvalidEventKind = "invalid_event_kind", 422, "活动类型须为 festival（米粉节）或 meetup（同城会）。", "An event's kind is festival or meetup.";
    InvalidTimeZone = "invalid_time_zone", 422, "时区须为 IANA 时区名，例如 Asia/Shanghai。", "The time zone must be an IANA name such as Asia/Shanghai.";
    InvalidEventTimes = "invalid_event_times", 422, "时间不合理：活动须在开始后结束（最长 14 天），报名须在开始前截止，候补确认时限为 1–168 小时。", "The times do not fit: an event ends after it starts (within 14 days), sign-up closes by the start, and offers last 1-168 hours.";
    InvalidCapacity = "invalid_capacity", 422, "名额须为 1 到 100,000。", "Capacity is 1 to 100,000 places.";
    InvalidPriority = "invalid_priority", 422, "优先报名须指定等级（1–6），提前时长为 0–336 小时。", "Priority needs a level (1-6) and 0-336 hours.";
    TooManyGuests = "too_many_guests", 422, "同行人数超过了这个活动允许的上限。", "That is more guests than this event allows.";
    RsvpNotOpen = "rsvp_not_open", 409, "报名还没有开始。", "Sign-up has not opened yet.";
    RsvpClosed = "rsvp_closed", 409, "报名已经截止。", "Sign-up has closed.";
    EventStarted = "event_started", 409, "活动已经开始，名额不能再更改。", "The event has started; places can no longer change.";
    NoOffer = "no_offer", 409, "你还在候补名单上，暂时没有空出的名额可以确认。", "You are on the waitlist; no freed place is being offered to you yet.";
    InvalidTicket = "invalid_ticket", 422, "电子票无效：签名不对、被改动过，或不是这个活动的票。", "The ticket is not valid: forged, altered, or for another event.";
    AlreadyCheckedIn = "already_checked_in", 409, "这张票已经签到过了。", "This ticket was already checked in.";
    PlaceNotConfirmed = "place_not_confirmed", 409, "这张票对应的名额已取消或未确认。", "The place this ticket is for was given up or is not confirmed.";
    ChangeReasonRequired = "change_reason_required", 422, "人工调整名额须写明原因（1–200 个字）。", "A manual change of a place needs a reason (1-200 characters).";
    ClubNameTaken = "club_name_taken", 409, "这个城市已经有同名的同城会。", "That city already has a club of that name.";
    InvalidClub = "invalid_club", 422, "请填写城市（最多 40 个字）和同城会名称（1–60 个字）。", "Give the city (up to 40 characters) and the club's name (1-60).";
    InvalidScan = "invalid_scan", 422, "扫码记录须带 nonce（8–64 个字母、数字或 -_）。", "A scan carries a nonce (8-64 letters, digits, - or _).";
    OwnersOnly = "owners_only", 403, "仅限该产品的车主或用户参与：请先在「我的设备」绑定你的设备。", "Only owners of the product may take part: bind your device under My devices first.";
    InvalidSerial = "invalid_serial", 422, "序列号须为 4–64 位字母、数字、- 或 /，并符合该产品的序列号格式。", "A serial number has 4-64 letters, digits, - or /, in the product's format.";
    InvalidSerialPattern = "invalid_serial_pattern", 422, "序列号格式写法：# 数字、@ 字母、* 字母或数字，其他字符照写，多种格式用 | 分隔（每种 4–64 位）。", "A serial format uses # for a digit, @ for a letter, * for either, other characters as themselves, alternatives separated by | (4-64 each).";
    SerialOwned = "serial_owned", 409, "这个序列号已经绑定在一位米粉名下。", "That serial number is already bound to a fan.";
    SerialCoolingOff = "serial_cooling_off", 409, "这台设备刚被上一位主人解绑，冷静期过后才能绑定（上一位主人指定的人可以立即绑定）。", "That device was just released by its owner; it can be claimed after the cooling-off period (at once by the fan they named).";
    DeviceNotFound = "device_not_found", 404, "你名下没有这台设备。", "You own no such device.";
    InvalidPurchaseDate = "invalid_purchase_date", 422, "购买日期须为 YYYY-MM-DD，且不能晚于今天。", "The purchase date is written YYYY-MM-DD and is not after today.";
    DeviceSelfTransfer = "device_self_transfer", 422, "不能把设备转给自己。", "You cannot hand a device on to yourself.";
    ReferralCodeUnknown = "referral_code_unknown", 422, "没有这个邀请码：请检查邀请链接，或不填邀请码直接注册。", "No such referral code: check the link, or sign up without one.";
    ReferralNotFound = "referral_not_found", 404, "没有这条邀请记录。", "No such referral.";
    ReferralDecided = "referral_decided", 409, "这条邀请不在待审核状态，已经处理过了。", "That referral is not waiting for review; it was already decided.";
    ReferralNoteRequired = "referral_note_required", 422, "驳回邀请须写明原因（1–200 个字）。", "Rejecting a referral needs a reason (1-200 characters).";
    InvalidInsightRange = "invalid_insight_range", 400, "日期范围须写成 YYYY-MM-DD，开始不晚于结束，最长 400 天。", "Dates are written YYYY-MM-DD, from no later than to, at most 400 days apart.";
    InvalidGranularity = "invalid_granularity", 400, "粒度必须是 day（按天）、week（按周）或 month（按月）。", "The granularity must be day, week or month.";
    InvalidProfile = "invalid_profile", 422, "性别、年龄段或城市级别不是可选的值之一；不想说可以留空。", "Gender, age band or city tier is not one of the offered values; leave it empty not to say.";
    DigestNotFound = "digest_not_found", 404, "没有这份周报。", "No such digest.";
    InvalidQuestion = "invalid_question", 400, "请写下要问的内容，2 到 100 个字，例如「续航有什么抱怨？」。", "Write what to ask, 2 to 100 characters, e.g. \"What do fans complain about in battery life?\"";
    InvalidOfficialTitle = "invalid_official_title", 422, "认证头衔须为 2 到 30 个字，例如「小米集团创始人」。", "An official title has 2 to 30 characters, e.g. \"Founder of Xiaomi\".";
    CannotFollowSelf = "cannot_follow_self", 422, "不能关注自己。", "You cannot follow yourself.";
    NotOfficial = "not_official", 403, "只有认证的官方账号可以发布动态。", "Only official accounts publish announcements.";
    AnnouncementEmpty = "announcement_empty", 422, "动态不能为空，最多 5000 个字，最多 9 张图。", "An announcement is 1 to 5,000 characters with at most 9 images.";
    AnnouncementNotFound = "announcement_not_found", 404, "没有这条动态。", "No such announcement.";
    AmaNotFound = "ama_not_found", 404, "没有这场 AMA。", "No such AMA.";
    InvalidAmaTitle = "invalid_ama_title", 422, "AMA 标题须为 2 到 60 个字，介绍最多 2000 个字。", "An AMA's title has 2 to 60 characters and its description at most 2,000.";
    InvalidAmaSchedule = "invalid_ama_schedule", 422, "时间须依次为：开放提问 ≤ 开始（最多提前 30 天）< 结束，时长 1 分钟到 24 小时。", "Times run questions open <= start (at most 30 days before) < end, the session lasting a minute to a day.";
    InvalidAmaHost = "invalid_ama_host", 422, "主持人须为已注册的用户名。", "The host must be the handle of an existing account.";
    InvalidAmaSort = "invalid_ama_sort", 400, "排序方式必须是 top（最多赞同）、new（最新）或 answered（已回答）。", "Sort must be top, new or answered.";
    AmaNotOpen = "ama_not_open", 409, "这场 AMA 现在不接受提问和投票：还没开放，或者已经结束。", "This AMA is not taking questions or votes now: not open yet, or over.";
    AmaQuestionLimit = "ama_question_limit", 409, "每场 AMA 每人最多提 5 个问题。", "You may ask at most 5 questions in one AMA.";
    InvalidAmaQuestion = "invalid_ama_question", 422, "问题须为 5 到 300 个字。", "A question has 5 to 300 characters.";
    AmaQuestionNotFound = "ama_question_not_found", 404, "这场 AMA 里没有这个问题。", "No such question in this AMA.";
    AmaQuestionMerged = "ama_question_merged", 409, "这个问题已合并到另一个相同的问题，请在那里投票。", "This question was merged into the same question asked elsewhere; vote there.";
    CannotVoteOwnQuestion = "cannot_vote_own_question", 422, "不能给自己的问题投票。", "You cannot vote for your own question.";
    NotAmaHost = "not_ama_host", 403, "只有主持人和工作人员可以回答、合并或隐藏问题。", "Only the host and staff answer, merge or hide questions.";
    AmaAnswerEmpty = "ama_answer_empty", 422, "回答不能为空，最多 5000 个字。", "An answer is 1 to 5,000 characters.";
    AmaMergeInvalid = "ama_merge_invalid", 422, "只能把未回答的问题合并到同一场 AMA 里另一个未被合并的问题。", "Only an unanswered question merges, into another unmerged question of the same AMA.";
    AmaQuestionPosted = "ama_question_posted", 409, "这个问题已经转成了反馈帖。", "This question was already turned into a post.";
    HandleConfusable = "handle_confusable", 409, "该用户名与已有的用户名看起来几乎一样，请换一个。", "That handle looks almost the same as an existing one; choose another.";
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for ErrorCode {}

/// A refusal from a parser in this crate: which rule the input broke.
pub type Problem = ErrorCode;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_statuses_are_errors() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {code}");
            assert!((400..600).contains(&code.http_status()));
            assert!(!code.message(Locale::ZhCn).is_empty());
            assert!(code.message(Locale::En).is_ascii(), "{code}");
        }
    }
}
