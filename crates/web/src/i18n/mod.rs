//! Every string of the web UI, once per language. A page gets `&'static T` for the request's
//! locale and its template reads fields (`{{ t.nav_home }}`), so a missing translation is a
//! compile error, not a blank on a page. Strings with numbers in them are functions below.

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
    pub catalog_edit: &'static str,
    pub catalog_open_board: &'static str,
    pub catalog_back: &'static str,
    pub catalog_category_created: &'static str,
    pub catalog_product_created: &'static str,
    pub catalog_product_updated: &'static str,

    pub error_title: &'static str,
    pub error_home: &'static str,
    pub error_back: &'static str,

    pub role_fan: &'static str,
    pub role_moderator: &'static str,
    pub role_staff: &'static str,
    pub role_admin: &'static str,

    pub js_network_error: &'static str,
    pub just_now: &'static str,
}

pub const ZH: T = T {
    site_name: "参与 canyu",
    site_tagline: "和米粉一起，把产品做得更好",
    nav_home: "首页",
    nav_triage: "待处理",
    nav_profile: "我的主页",
    login: "登录",
    logout: "退出登录",
    register: "注册",
    lang_switch_label: "语言",
    footer_note: "参与 canyu · 用户共创社区。你的每一条反馈，都可能出现在下一个版本里。",
    skip_to_content: "跳到正文",

    home_title: "用户共创",
    home_hero_title: "一起定义下一个版本",
    home_hero_text: "提建议、报问题、给喜欢的想法投票。官方团队会回复并公开每一步进展。",
    home_categories: "全生态产品",
    home_hot_posts: "热门反馈",
    home_no_products: "还没有产品。",
    home_no_posts: "还没有帖子，来发第一条吧。",

    board_new_post: "发帖",
    board_roadmap: "路线图",
    board_search_placeholder: "搜索本版块，例如：续航",
    board_search_button: "搜索",
    board_search_clear: "清除搜索",
    board_no_results: "没有找到相关帖子，换个关键词试试。",
    board_empty: "这里还没有帖子。",
    board_all: "全部",
    board_filter_status: "状态",
    board_filter_kind: "类型",
    board_filter_tag: "标签",
    board_clear_tag: "移除标签筛选",
    board_sort: "排序",
    sort_hot: "最热",
    sort_new: "最新",
    sort_top: "票数最多",
    more: "加载更多",
    back_to_start: "回到第一页",

    post_votes: "票",
    vote: "投票支持",
    voted: "已投票",
    vote_login: "登录后投票",
    post_by: "发布者",
    post_comments: "评论",
    post_no_comments: "还没有评论。",
    post_timeline: "处理进度",
    post_timeline_empty: "等待官方处理。",
    post_created: "发布于",
    official_reply: "官方回复",
    staff_badge: "官方",
    comment_placeholder: "说说你的看法……",
    comment_submit: "发表评论",
    comment_login: "登录后参与讨论",
    comment_markdown_hint: "支持 Markdown",
    status_change_title: "变更状态",
    status_change_to: "新状态",
    status_change_note: "说明（公开显示）",
    status_change_note_placeholder: "例如：已排入 5 月的版本",
    status_change_submit: "更新状态",
    status_change_final: "该帖子已是最终状态，不能再变更。",
    status_note_label: "说明",
    demands_title: "本周热门需求",
    beta_title: "内测",
    waves_title: "发售",
    demands_hint: "相同诉求的帖子归为一个需求，按最近 7 天参与（发帖或投票）的粉丝数排序，每隔几分钟更新。",
    demands_empty: "还没有需求。",
    demands_fans_week: "位粉丝本周参与",
    demands_fans: "位粉丝累计",
    unsubscribe_title: "退订通知邮件",
    unsubscribe_text: "不再通过邮件接收 canyu 的通知？站内通知不受影响。",
    unsubscribe_submit: "退订",
    unsubscribe_done: "已退订。你可以在设置里重新开启邮件通知。",
    settings_email: "通知邮件",
    settings_email_hint: "你的帖子有进展时发邮件告诉你。留空则不发邮件。",
    settings_email_enabled: "接收邮件通知",
    settings_email_save: "保存",
    settings_identity: "实名认证",
    settings_identity_intro: "部分发布（如整车、旗舰首发）只接受实名认证的账号下单，购买人即认证本人；同一人的多个账号合计每人限购一单。只保存身份证号码的不可逆摘要和后四位。",
    settings_identity_name: "姓名",
    settings_identity_number: "身份证号码",
    settings_identity_number_hint: "18 位居民身份证号码，最后一位可以是 X。",
    settings_identity_submit: "提交认证",
    settings_identity_verified: "已实名认证",
    settings_identity_done: "实名认证完成。",
    settings_identity_final: "认证后不能更改；如有错误请联系客服。",
    changelog_title: "更新日志",
    changelog_empty: "还没有发布过版本。",
    changelog_feed: "订阅 (Atom)",
    release_new: "新建版本",
    release_version: "版本号",
    release_channel: "渠道",
    channel_stable: "正式版",
    channel_beta: "测试版",
    release_planned_for: "计划发布日期",
    release_notes: "更新说明",
    release_notes_placeholder: "这次更新了什么？支持 Markdown。",
    release_posts: "包含的帖子",
    release_pick_posts: "选择本次上线的帖子（已计划或进行中）",
    release_no_candidates: "还没有「已计划」或「进行中」的帖子。",
    release_create: "保存草稿",
    release_publish: "发布",
    release_publish_hint: "发布后，这些帖子会标记为已上线，作者和支持者会收到通知并获得积分。",
    release_draft: "草稿",
    release_published_on: "发布于",
    nav_inbox: "通知",
    inbox_title: "通知",
    inbox_empty: "还没有通知。你的帖子有进展时会在这里告诉你。",
    inbox_mark_all: "全部标为已读",
    inbox_unread: "未读",
    similar_title: "相似的帖子：也许已经有人提过了",
    similar_hint: "为已有的帖子投票，比重复发帖更快让团队看到。",
    similar_match: "相似度",
    merged_banner: "此帖与另一帖重复，已合并到：",
    merged_redirect_notice: "你打开的帖子与此帖重复，已合并到这里。",
    view_original: "查看原帖",
    merged_here_title: "合并到此帖的重复帖",
    merge_title: "合并重复帖",
    merge_into_label: "合并到帖子编号",
    merge_submit: "合并",
    merge_hint: "投票会并入目标帖（两边都投过的粉丝只算一次），作者和支持者会收到通知。",
    unmerge_submit: "撤销合并",
    profile_points: "积分",
    profile_level: "等级",
    profile_badges: "徽章",
    profile_credited: "被采纳上线的建议",
    leaderboard_title: "积分榜",

    new_post_title: "发帖",
    new_post_product: "产品",
    new_post_kind: "类型",
    new_post_field_title: "标题",
    new_post_title_placeholder: "一句话说清楚你的想法或问题",
    new_post_field_body: "详细描述",
    new_post_body_placeholder: "使用场景、期望效果、复现步骤……",
    new_post_markdown_hint: "支持 Markdown：**加粗**、- 列表、[链接](https://…)",
    new_post_field_tags: "标签",
    new_post_tags_placeholder: "续航, 相机",
    new_post_tags_hint: "用逗号分隔，最多 5 个",
    new_post_submit: "发布",
    kind_idea_hint: "新功能或改进",
    kind_bug_hint: "哪里不正常",
    kind_question_hint: "使用上的疑问",
    cancel: "取消",

    roadmap_title: "路线图",
    roadmap_intro: "来自米粉的想法，正在这样变成现实。",
    roadmap_empty_column: "暂无",
    back_to_board: "返回版块",

    login_title: "登录",
    register_title: "注册账号",
    field_handle: "用户名",
    field_handle_hint: "2–32 个字符：字母、数字、汉字、_ 或 -",
    field_password: "密码",
    field_password_hint: "至少 8 位",
    field_email: "邮箱",
    field_optional: "选填",
    login_submit: "登录",
    register_submit: "注册并登录",
    login_no_account: "还没有账号？",
    register_have_account: "已有账号？",

    profile_posts: "发布的帖子",
    profile_no_posts: "还没有发过帖子。",
    profile_joined: "加入于",
    profile_no_bio: "这个人很懒，什么都没写。",

    triage_title: "待处理队列",
    triage_intro: "所有产品中状态为「新建」的帖子，最早的在前。",
    triage_all_products: "全部产品",
    triage_filter: "筛选",
    triage_empty: "队列已清空，辛苦了！",
    triage_select_all: "全选",
    triage_apply: "批量更新",
    triage_move_to: "变更为",
    triage_note_placeholder: "说明（选填，公开显示）",
    triage_report: "处理结果",
    triage_ok: "已更新：",
    triage_none_selected: "请至少选择一个帖子。",

    nav_settings: "设置",
    nav_catalog: "产品目录",
    settings_title: "账号设置",
    settings_intro: "管理你的公开简介和 API 访问令牌。",
    settings_view_profile: "查看我的主页",
    settings_bio_title: "个人简介",
    settings_bio_placeholder: "介绍一下自己：在用哪些设备，最关心哪些功能……",
    settings_bio_hint: "最多 300 字，公开显示在你的主页上。",
    settings_bio_invalid: "简介最多 300 字，且不能包含控制字符。",
    settings_bio_save: "保存简介",
    settings_bio_saved: "简介已保存。",
    settings_tokens_title: "API 访问令牌",
    settings_tokens_intro: "供脚本和第三方客户端调用 API，放在请求头中：",
    settings_token_name: "令牌名称",
    settings_token_name_placeholder: "例如：CI 机器人",
    settings_token_name_hint: "1–60 个字，方便你以后认出它。",
    settings_token_create: "创建令牌",
    settings_token_created: "新令牌已创建",
    settings_token_copy_hint: "请现在复制并妥善保存：离开此页面后将无法再次查看。点击令牌即可全选。",
    settings_tokens_empty: "还没有访问令牌。",
    settings_token_created_at: "创建于",
    settings_token_last_used: "最近使用",
    settings_token_never_used: "从未使用",
    settings_token_expires: "过期时间",
    settings_token_active: "有效",
    settings_token_revoked: "已撤销",
    settings_token_expired: "已过期",
    settings_token_revoke: "撤销",
    settings_token_revoked_done: "令牌已撤销，使用它的客户端将无法再访问。",
    catalog_title: "产品目录",
    catalog_intro: "管理全生态的品类和产品。新建的产品会立即出现在首页。",
    catalog_categories: "品类",
    catalog_products: "产品",
    catalog_no_categories: "还没有品类，请先创建一个。",
    catalog_no_products: "还没有产品。",
    catalog_new_category: "新建品类",
    catalog_new_product: "新建产品",
    catalog_edit_product: "编辑产品",
    catalog_field_slug: "标识",
    catalog_slug_hint: "用于网址：2–40 位小写字母、数字或连字符，创建后不能修改。",
    catalog_field_name_zh: "中文名称",
    catalog_field_name_en: "英文名称",
    catalog_field_name: "产品名称",
    catalog_name_hint: "1–60 个字。",
    catalog_field_category: "品类",
    catalog_field_tagline: "一句话介绍",
    catalog_tagline_hint: "最多 140 字，显示在首页的产品卡片上。",
    catalog_tagline_invalid: "一句话介绍最多 140 字，且不能包含控制字符。",
    catalog_create_category: "创建品类",
    catalog_create_product: "创建产品",
    catalog_save_product: "保存修改",
    catalog_edit: "编辑",
    catalog_open_board: "查看版块",
    catalog_back: "返回产品目录",
    catalog_category_created: "品类已创建。",
    catalog_product_created: "产品已创建。",
    catalog_product_updated: "产品已更新。",

    error_title: "出错了",
    error_home: "返回首页",
    error_back: "返回上一页",

    role_fan: "米粉",
    role_moderator: "版主",
    role_staff: "官方",
    role_admin: "管理员",

    js_network_error: "网络异常，请稍后重试。",
    just_now: "刚刚",
};

pub const EN: T = T {
    site_name: "参与 canyu",
    site_tagline: "Build better products together with fans",
    nav_home: "Home",
    nav_triage: "Triage",
    nav_profile: "My profile",
    login: "Sign in",
    logout: "Sign out",
    register: "Sign up",
    lang_switch_label: "Language",
    footer_note: "参与 canyu · the co-creation community. Your feedback may ship in the next release.",
    skip_to_content: "Skip to content",

    home_title: "Co-creation",
    home_hero_title: "Shape the next release with us",
    home_hero_text: "Suggest ideas, report bugs, vote for what you want. The team answers and shows every step in public.",
    home_categories: "The whole ecosystem",
    home_hot_posts: "Hot feedback",
    home_no_products: "No products yet.",
    home_no_posts: "No posts yet. Be the first!",

    board_new_post: "New post",
    board_roadmap: "Roadmap",
    board_search_placeholder: "Search this board, e.g. battery",
    board_search_button: "Search",
    board_search_clear: "Clear search",
    board_no_results: "No matching posts. Try other words.",
    board_empty: "No posts here yet.",
    board_all: "All",
    board_filter_status: "Status",
    board_filter_kind: "Type",
    board_filter_tag: "Tag",
    board_clear_tag: "Remove tag filter",
    board_sort: "Sort",
    sort_hot: "Hot",
    sort_new: "New",
    sort_top: "Top",
    more: "Load more",
    back_to_start: "Back to first page",

    post_votes: "votes",
    vote: "Vote",
    voted: "Voted",
    vote_login: "Sign in to vote",
    post_by: "Posted by",
    post_comments: "Comments",
    post_no_comments: "No comments yet.",
    post_timeline: "Progress",
    post_timeline_empty: "Waiting for the team.",
    post_created: "Posted",
    official_reply: "Official reply",
    staff_badge: "Staff",
    comment_placeholder: "Share your thoughts…",
    comment_submit: "Comment",
    comment_login: "Sign in to join the discussion",
    comment_markdown_hint: "Markdown supported",
    status_change_title: "Change status",
    status_change_to: "New status",
    status_change_note: "Note (public)",
    status_change_note_placeholder: "e.g. Scheduled for the May release",
    status_change_submit: "Update status",
    status_change_final: "This post is in a final status and cannot change.",
    status_note_label: "Note",
    demands_title: "Top demands this week",
    beta_title: "Beta",
    waves_title: "Sales",
    demands_hint: "Posts asking for the same thing form one demand, ranked by the fans who posted or voted on it in the last 7 days; refreshed every few minutes.",
    demands_empty: "No demands yet.",
    demands_fans_week: "fans this week",
    demands_fans: "fans in all",
    unsubscribe_title: "Unsubscribe from notification emails",
    unsubscribe_text: "Stop receiving canyu notifications by email? The in-app inbox is not affected.",
    unsubscribe_submit: "Unsubscribe",
    unsubscribe_done: "Unsubscribed. You can turn email back on in your settings.",
    settings_email: "Notification email",
    settings_email_hint: "We email you when your posts move. Leave empty for no email.",
    settings_email_enabled: "Email me notifications",
    settings_email_save: "Save",
    settings_identity: "Identity verification",
    settings_identity_intro: "Some launches take orders only from verified accounts, the buyer being the verified person; several accounts of one person share one order. Only an irreversible digest of the number and its last four characters are kept.",
    settings_identity_name: "Name as on the ID card",
    settings_identity_number: "Resident identity number",
    settings_identity_number_hint: "18 characters; the last may be X.",
    settings_identity_submit: "Verify",
    settings_identity_verified: "Verified",
    settings_identity_done: "Your identity is verified.",
    settings_identity_final: "A verification cannot be changed; contact support if it is wrong.",
    changelog_title: "Changelog",
    changelog_empty: "Nothing released yet.",
    changelog_feed: "Subscribe (Atom)",
    release_new: "New release",
    release_version: "Version",
    release_channel: "Channel",
    channel_stable: "Stable",
    channel_beta: "Beta",
    release_planned_for: "Planned for",
    release_notes: "Release notes",
    release_notes_placeholder: "What changed? Markdown works.",
    release_posts: "Posts in this release",
    release_pick_posts: "Pick the posts this release ships (planned or in progress)",
    release_no_candidates: "No planned or in-progress posts yet.",
    release_create: "Save draft",
    release_publish: "Publish",
    release_publish_hint: "Publishing ships these posts: their authors and voters are told and earn points.",
    release_draft: "Draft",
    release_published_on: "Published",
    nav_inbox: "Notifications",
    inbox_title: "Notifications",
    inbox_empty: "No notifications yet. You will hear here when your posts move.",
    inbox_mark_all: "Mark all read",
    inbox_unread: "Unread",
    similar_title: "Similar posts: maybe someone has said it already",
    similar_hint: "Voting for an existing post reaches the team faster than a duplicate.",
    similar_match: "Match",
    merged_banner: "This post duplicated another and was merged into:",
    merged_redirect_notice: "The post you opened duplicated this one and was merged here.",
    view_original: "View the original",
    merged_here_title: "Duplicates merged here",
    merge_title: "Merge a duplicate",
    merge_into_label: "Merge into post #",
    merge_submit: "Merge",
    merge_hint: "Votes move to the target (a fan who voted for both counts once); the author and voters are notified.",
    unmerge_submit: "Undo merge",
    profile_points: "Points",
    profile_level: "Level",
    profile_badges: "Badges",
    profile_credited: "Ideas that shipped",
    leaderboard_title: "Leaderboard",

    new_post_title: "New post",
    new_post_product: "Product",
    new_post_kind: "Type",
    new_post_field_title: "Title",
    new_post_title_placeholder: "Your idea or problem in one sentence",
    new_post_field_body: "Details",
    new_post_body_placeholder: "When you need it, what should happen, steps to reproduce…",
    new_post_markdown_hint: "Markdown supported: **bold**, - lists, [links](https://…)",
    new_post_field_tags: "Tags",
    new_post_tags_placeholder: "battery, camera",
    new_post_tags_hint: "Comma separated, at most 5",
    new_post_submit: "Publish",
    kind_idea_hint: "A feature or improvement",
    kind_bug_hint: "Something is broken",
    kind_question_hint: "How do I…?",
    cancel: "Cancel",

    roadmap_title: "Roadmap",
    roadmap_intro: "How fans' ideas are becoming real.",
    roadmap_empty_column: "Nothing yet",
    back_to_board: "Back to the board",

    login_title: "Sign in",
    register_title: "Create an account",
    field_handle: "Handle",
    field_handle_hint: "2–32 characters: letters, digits, Chinese characters, _ or -",
    field_password: "Password",
    field_password_hint: "At least 8 characters",
    field_email: "Email",
    field_optional: "optional",
    login_submit: "Sign in",
    register_submit: "Sign up",
    login_no_account: "No account yet?",
    register_have_account: "Already have an account?",

    profile_posts: "Posts",
    profile_no_posts: "No posts yet.",
    profile_joined: "Joined",
    profile_no_bio: "Nothing here yet.",

    triage_title: "Triage queue",
    triage_intro: "New posts across all products, oldest first.",
    triage_all_products: "All products",
    triage_filter: "Filter",
    triage_empty: "The queue is empty. Well done!",
    triage_select_all: "Select all",
    triage_apply: "Apply to selected",
    triage_move_to: "Move to",
    triage_note_placeholder: "Note (optional, public)",
    triage_report: "Result",
    triage_ok: "Updated: ",
    triage_none_selected: "Select at least one post.",

    nav_settings: "Settings",
    nav_catalog: "Catalog",
    settings_title: "Settings",
    settings_intro: "Your public bio and your API access tokens.",
    settings_view_profile: "View my profile",
    settings_bio_title: "Bio",
    settings_bio_placeholder: "Say hello: which devices you use, what you care about…",
    settings_bio_hint: "Up to 300 characters, shown on your public profile.",
    settings_bio_invalid: "A bio has at most 300 characters and no control characters.",
    settings_bio_save: "Save bio",
    settings_bio_saved: "Bio saved.",
    settings_tokens_title: "API tokens",
    settings_tokens_intro: "For scripts and other API clients, sent in a request header:",
    settings_token_name: "Token name",
    settings_token_name_placeholder: "e.g. CI bot",
    settings_token_name_hint: "1–60 characters, so you can recognise it later.",
    settings_token_create: "Create token",
    settings_token_created: "New token created",
    settings_token_copy_hint: "Copy it now and keep it safe: it will not be shown again. Click the token to select it.",
    settings_tokens_empty: "No tokens yet.",
    settings_token_created_at: "Created",
    settings_token_last_used: "Last used",
    settings_token_never_used: "Never",
    settings_token_expires: "Expires",
    settings_token_active: "Active",
    settings_token_revoked: "Revoked",
    settings_token_expired: "Expired",
    settings_token_revoke: "Revoke",
    settings_token_revoked_done: "Token revoked: clients using it can no longer get in.",
    catalog_title: "Product catalog",
    catalog_intro: "The ecosystem's categories and products. New products appear on the home page at once.",
    catalog_categories: "Categories",
    catalog_products: "Products",
    catalog_no_categories: "No categories yet; create one first.",
    catalog_no_products: "No products yet.",
    catalog_new_category: "New category",
    catalog_new_product: "New product",
    catalog_edit_product: "Edit product",
    catalog_field_slug: "Slug",
    catalog_slug_hint: "Used in addresses: 2–40 lowercase letters, digits or hyphens; fixed once created.",
    catalog_field_name_zh: "Chinese name",
    catalog_field_name_en: "English name",
    catalog_field_name: "Product name",
    catalog_name_hint: "1–60 characters.",
    catalog_field_category: "Category",
    catalog_field_tagline: "Tagline",
    catalog_tagline_hint: "Up to 140 characters, shown on the product's home page tile.",
    catalog_tagline_invalid: "A tagline has at most 140 characters and no control characters.",
    catalog_create_category: "Create category",
    catalog_create_product: "Create product",
    catalog_save_product: "Save changes",
    catalog_edit: "Edit",
    catalog_open_board: "Open board",
    catalog_back: "Back to the catalog",
    catalog_category_created: "Category created.",
    catalog_product_created: "Product created.",
    catalog_product_updated: "Product updated.",

    error_title: "Something went wrong",
    error_home: "Go home",
    error_back: "Go back",

    role_fan: "Fan",
    role_moderator: "Moderator",
    role_staff: "Staff",
    role_admin: "Admin",

    js_network_error: "Network problem; please try again.",
    just_now: "just now",
};

/// The strings for `locale`.
pub fn t(locale: Locale) -> &'static T {
    match locale {
        Locale::ZhCn => &ZH,
        Locale::En => &EN,
    }
}

pub fn status_label(locale: Locale, status: PostStatus) -> &'static str {
    use PostStatus::*;
    match status {
        New => locale.pick("新建", "New"),
        Acknowledged => locale.pick("已确认", "Acknowledged"),
        Planned => locale.pick("已计划", "Planned"),
        InProgress => locale.pick("进行中", "In progress"),
        Shipped => locale.pick("已上线", "Shipped"),
        Declined => locale.pick("未采纳", "Declined"),
        Duplicate => locale.pick("重复", "Duplicate"),
    }
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

/// One line for an inbox entry, from what was stored with it.
pub fn notification_text(locale: Locale, n: &canyu_store::Notification) -> String {
    use canyu_store::NotificationKind as K;
    let field = |key: &str| n.data.get(key).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let title = field("title");
    match n.kind {
        K::PostMerged => {
            let into = field("into_title");
            match locale {
                Locale::ZhCn => format!("帖子「{title}」已合并到「{into}」，投票已一并转过去。"),
                Locale::En => format!("“{title}” was merged into “{into}”; its votes moved with it."),
            }
        }
        K::PostUnmerged => match locale {
            Locale::ZhCn => format!("帖子「{title}」的合并已撤销，它重新开放了。"),
            Locale::En => format!("The merge of “{title}” was undone; it is open again."),
        },
        K::PostStatus => {
            let to = PostStatus::parse(&field("to")).map(|s| status_label(locale, s)).unwrap_or_default();
            match locale {
                Locale::ZhCn => format!("帖子「{title}」的状态变为「{to}」。"),
                Locale::En => format!("“{title}” is now {to}."),
            }
        }
        K::PostShipped => {
            let version = field("version");
            match locale {
                Locale::ZhCn => format!("「{title}」已在 {version} 版本上线，感谢你的参与！"),
                Locale::En => format!("“{title}” shipped in {version}. Thank you for taking part!"),
            }
        }
        K::OfficialReply => match locale {
            Locale::ZhCn => format!("官方回复了你的帖子「{title}」。"),
            Locale::En => format!("The team replied to your post “{title}”."),
        },
        K::BetaAdmitted => {
            let product = field("product_name");
            match locale {
                Locale::ZhCn => {
                    format!("欢迎加入 {product} 内测！每周记得提交至少 1 个问题反馈和 1 条建议。")
                }
                Locale::En => format!(
                    "Welcome to the {product} beta! Each week, post at least one bug report and one suggestion."
                ),
            }
        }
        K::BetaRejected => {
            let product = field("product_name");
            match locale {
                Locale::ZhCn => format!("你的 {product} 内测申请这次没有通过。"),
                Locale::En => format!("Your application to the {product} beta was not accepted this time."),
            }
        }
        K::BetaRemoved => {
            let product = field("product_name");
            match locale {
                Locale::ZhCn => format!("你已被移出 {product} 内测（未完成每周任务或由管理员移出）。"),
                Locale::En => {
                    format!(
                        "You were removed from the {product} beta (weekly duties missed, or by the team)."
                    )
                }
            }
        }
        K::LaunchOrder => {
            let order = n.data.get("order").and_then(|v| v.as_i64()).unwrap_or(0);
            let (zh, en) = match field("state").as_str() {
                "paid" => ("已支付", "is paid"),
                "deposited" => ("定金已支付", "has its deposit paid"),
                "locked" => ("已锁单，进入排产队列", "is locked and in the production queue"),
                "refunded" => {
                    ("已退订，定金将原路退回", "was refunded; the deposit goes back the way it came")
                }
                "expired" => (
                    "未在时限内支付，已取消并释放库存",
                    "was not paid in time; it is cancelled and its unit is back on sale",
                ),
                "cancelled" => ("已取消", "was cancelled"),
                "in_production" => ("已开始生产", "is being built"),
                "delivered" => ("已交付，感谢支持！", "was delivered; thank you!"),
                _ => ("状态已更新", "changed"),
            };
            match locale {
                Locale::ZhCn => format!("你的订单 #{order}{zh}。"),
                Locale::En => format!("Your order #{order} {en}."),
            }
        }
        K::HoldExpiring => {
            let order = n.data.get("order").and_then(|v| v.as_i64()).unwrap_or(0);
            let left =
                n.data.get("expires_at").and_then(|v| v.as_i64()).unwrap_or(n.created_at) - n.created_at;
            let minutes = (left.max(0) as u64).div_ceil(60_000).max(1);
            match locale {
                Locale::ZhCn => {
                    format!("你的订单 #{order} 还有约 {minutes} 分钟支付时间，逾期将自动取消并释放库存。")
                }
                Locale::En => format!(
                    "Your order #{order} has about {minutes} minutes left to be paid; after that it is cancelled and its unit goes back on sale."
                ),
            }
        }
        K::WaveCancelled => {
            let (product, sku, reason) = (field("product_name"), field("sku"), field("reason"));
            let reason = reason.trim_end_matches(['。', '.']);
            let wave = format!("{product} {sku}");
            let wave = wave.trim();
            match (locale, reason.is_empty()) {
                (Locale::ZhCn, true) => {
                    format!("「{wave}」这一轮发售已撤销，不会开售；你的 F 码或预约随之作废。")
                }
                (Locale::ZhCn, false) => {
                    format!("「{wave}」这一轮发售已撤销，不会开售：{reason}。你的 F 码或预约随之作废。")
                }
                (Locale::En, true) => {
                    format!(
                        "The “{wave}” wave was cancelled and will not go on sale; your F-code or reservation for it lapses."
                    )
                }
                (Locale::En, false) => format!(
                    "The “{wave}” wave was cancelled and will not go on sale: {reason}. Your F-code or reservation for it lapses."
                ),
            }
        }
        K::WaveOpen => {
            let lane_zh = if field("lane") == "fan" { "粉丝通道" } else { "普通通道" };
            let lane_en = if field("lane") == "fan" { "fan lane" } else { "general lane" };
            match locale {
                Locale::ZhCn => format!("「{title}」开售了：你预约的{lane_zh}现在可以下单。"),
                Locale::En => format!("“{title}” is on sale: your {lane_en} can order now."),
            }
        }
    }
}

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

/// Time since `then`, as people say it: "3 小时前" / "3 hours ago"; a date after a month.
pub fn relative_time(locale: Locale, now: Millis, then: Millis) -> String {
    let secs = ((now - then) / 1000).max(0);
    let (n, zh, en) = match secs {
        0..60 => return t(locale).just_now.to_string(),
        60..3_600 => (secs / 60, "分钟", "minute"),
        3_600..86_400 => (secs / 3_600, "小时", "hour"),
        86_400..2_592_000 => (secs / 86_400, "天", "day"),
        _ => return date(then),
    };
    match locale {
        Locale::ZhCn => format!("{n} {zh}前"),
        Locale::En => format!("{n} {en}{} ago", if n == 1 { "" } else { "s" }),
    }
}

/// `2024-05-17` (UTC).
pub fn date(at: Millis) -> String {
    let (y, m, d) = civil_from_days(at.div_euclid(86_400_000));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `2024-05-17T08:30:00Z`, for `<time datetime>`.
pub fn iso(at: Millis) -> String {
    let secs = at.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s % 3600 / 60, s % 60)
}

/// `2024-05-17 08:30 UTC`, for tooltips.
pub fn datetime(at: Millis) -> String {
    let secs = at.div_euclid(1000);
    let s = secs.rem_euclid(86_400);
    format!("{} {:02}:{:02} UTC", date(at), s / 3600, s % 3600 / 60)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times() {
        let now = 1_700_000_000_000;
        assert_eq!(relative_time(Locale::ZhCn, now, now - 5_000), "刚刚");
        assert_eq!(relative_time(Locale::ZhCn, now, now - 3 * 3_600_000), "3 小时前");
        assert_eq!(relative_time(Locale::En, now, now - 3 * 3_600_000), "3 hours ago");
        assert_eq!(relative_time(Locale::En, now, now - 60_000), "1 minute ago");
        assert_eq!(relative_time(Locale::ZhCn, now, now - 2 * 86_400_000), "2 天前");
        assert_eq!(relative_time(Locale::En, now, now - 40 * 86_400_000), "2023-10-05");
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(iso(1_700_000_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(date(951_782_400_000), "2000-02-29");
    }

    #[test]
    fn labels() {
        assert_eq!(status_label(Locale::ZhCn, PostStatus::Planned), "已计划");
        assert_eq!(status_label(Locale::En, PostStatus::InProgress), "In progress");
        assert_eq!(kind_label(Locale::ZhCn, PostKind::Bug), "问题反馈");
        assert_eq!(comments_count(Locale::En, 1), "1 comment");
    }
}
