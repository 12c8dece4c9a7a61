//! The JSON shapes of the API: a stable contract, separate from the storage rows.

use crate::markdown;
use canyu_app::model::{ApiToken, Category, Comment, Post, Product, StatusChange, User};
use canyu_core::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub handle: String,
    /// `fan`, `moderator`, `staff` or `admin`.
    pub role: String,
    pub bio: String,
    pub created_at: String,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id,
            handle: u.handle.clone(),
            role: u.role.as_str().into(),
            bio: u.bio.clone(),
            created_at: rfc3339(u.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuthorView {
    pub handle: String,
    pub role: String,
    /// The verified title of an official account (e.g. "小米集团创始人"); absent otherwise.
    /// Only admins set it: it is what tells the founder from a look-alike.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub official_title: Option<String>,
    /// Since when the author has owned the post's product (人车家: an owner's words carry
    /// weight); absent when they do not own it. Never the serial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_since: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryView {
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
}

impl From<&Category> for CategoryView {
    fn from(c: &Category) -> Self {
        CategoryView { slug: c.slug.clone(), name_zh: c.name_zh.clone(), name_en: c.name_en.clone() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProductView {
    pub slug: String,
    pub name: String,
    /// The ecosystem category's slug.
    pub category: String,
    pub tagline: String,
    pub posts: i64,
    pub created_at: String,
}

impl From<&Product> for ProductView {
    fn from(p: &Product) -> Self {
        ProductView {
            slug: p.slug.clone(),
            name: p.name.clone(),
            category: p.category_slug.clone(),
            tagline: p.tagline.clone(),
            posts: p.post_count,
            created_at: rfc3339(p.created_at),
        }
    }
}

/// Where search found the query in a post: escaped HTML with `<mark>` around matches.
#[derive(Serialize, ToSchema)]
pub struct HighlightView {
    pub title_html: String,
    pub snippet_html: String,
}

#[derive(Serialize, ToSchema)]
pub struct PostView {
    pub id: i64,
    /// The product's slug.
    pub product: String,
    pub product_name: String,
    #[schema(value_type = PostKind)]
    pub kind: String,
    pub title: String,
    /// Markdown as the author wrote it.
    pub body: String,
    /// The body rendered to sanitised HTML.
    pub body_html: String,
    #[schema(value_type = PostStatus)]
    pub status: String,
    pub votes: i64,
    pub comments: i64,
    pub tags: Vec<String>,
    pub author: AuthorView,
    /// Whether the caller has voted; absent for anonymous callers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voted: Option<bool>,
    /// Present on search results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highlight: Option<HighlightView>,
    /// The post this one was merged into (its status is then `duplicate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<i64>,
    pub url: String,
    pub created_at: String,
    pub updated_at: String,
    /// When its text was last edited; absent if never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<String>,
    /// Pinned to the top of its product's board.
    pub pinned: bool,
    /// Locked: only moderators comment or edit.
    pub locked: bool,
    /// Hidden by a moderator (only its author and moderators see it), with the reason given.
    pub hidden: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden_reason: Option<String>,
    /// Withdrawn (only moderators see it).
    pub deleted: bool,
    /// Images, in the order the author gave them.
    pub images: Vec<ImageView>,
}

/// An uploaded image: served re-encoded (no EXIF), at most 2,048 px, with a 480 px thumbnail.
#[derive(Serialize, ToSchema)]
pub struct ImageView {
    /// Name it in a post's or comment's `images`.
    pub id: i64,
    pub url: String,
    pub thumbnail_url: String,
    /// Of the served image, upright.
    pub width: i64,
    pub height: i64,
    /// `image/jpeg` or `image/png`.
    pub content_type: String,
}

impl From<&canyu_app::model::Media> for ImageView {
    fn from(m: &canyu_app::model::Media) -> Self {
        ImageView {
            id: m.id,
            url: crate::uploads::url_of(&m.object_key),
            thumbnail_url: crate::uploads::url_of(&m.thumb_key),
            width: m.width,
            height: m.height,
            content_type: m.content_type.clone(),
        }
    }
}

/// Fills in the images of these posts, with one query.
pub async fn with_post_images(
    state: &crate::state::AppState,
    views: &mut [PostView],
) -> Result<(), crate::error::WebError> {
    let ids: Vec<i64> = views.iter().map(|v| v.id).collect();
    let mut images = canyu_app::media::of_posts(state, &ids).await?;
    for view in views {
        if let Some(list) = images.remove(&view.id) {
            view.images = list.iter().map(ImageView::from).collect();
        }
    }
    Ok(())
}

/// One comment's view with its images.
pub async fn comment_view(
    state: &crate::state::AppState,
    c: &Comment,
) -> Result<CommentView, crate::error::WebError> {
    let mut views = [CommentView::from(c)];
    with_comment_images(state, &mut views).await?;
    let [view] = views;
    Ok(view)
}

/// Fills in the images of these comments, with one query; a withdrawn or hidden comment
/// whose text the caller may not see shows no images either.
pub async fn with_comment_images(
    state: &crate::state::AppState,
    views: &mut [CommentView],
) -> Result<(), crate::error::WebError> {
    let ids: Vec<i64> =
        views.iter().filter(|v| !((v.deleted || v.hidden) && v.body.is_empty())).map(|v| v.id).collect();
    let mut images = canyu_app::media::of_comments(state, &ids).await?;
    for view in views {
        if let Some(list) = images.remove(&view.id) {
            view.images = list.iter().map(ImageView::from).collect();
        }
    }
    Ok(())
}

impl PostView {
    /// One post's view with its images.
    pub async fn with_images(
        state: &crate::state::AppState,
        p: &Post,
        voted: Option<bool>,
    ) -> Result<PostView, crate::error::WebError> {
        let mut views = [PostView::new(p, voted)];
        with_post_images(state, &mut views).await?;
        let [view] = views;
        Ok(view)
    }

    pub fn new(p: &Post, voted: Option<bool>) -> PostView {
        PostView {
            id: p.id,
            product: p.product_slug.clone(),
            product_name: p.product_name.clone(),
            kind: p.kind.as_str().into(),
            title: p.title.clone(),
            body: p.body.clone(),
            body_html: markdown::render(&p.body),
            status: p.status.as_str().into(),
            votes: p.votes,
            comments: p.comments,
            tags: p.tags.clone(),
            author: AuthorView {
                handle: p.author_handle.clone(),
                role: p.author_role.as_str().into(),
                official_title: p.author_title.clone(),
                owner_since: p.author_owner_since.map(rfc3339),
            },
            voted,
            highlight: None,
            merged_into: p.merged_into,
            url: format!("/posts/{}", p.id),
            created_at: rfc3339(p.created_at),
            updated_at: rfc3339(p.updated_at),
            edited_at: p.edited_at.map(rfc3339),
            pinned: p.pinned_at.is_some(),
            locked: p.locked_at.is_some(),
            hidden: p.hidden_at.is_some(),
            hidden_reason: p.hidden_reason.clone(),
            deleted: p.deleted_at.is_some(),
            images: Vec::new(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PostPageView {
    pub items: Vec<PostView>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// Number of matches, for search queries only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct CommentView {
    pub id: i64,
    pub post_id: i64,
    pub author: AuthorView,
    pub body: String,
    pub body_html: String,
    /// True for replies by the brand's moderators and staff.
    pub official: bool,
    pub created_at: String,
    /// The comment this one replies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<String>,
    /// Withdrawn: its text is empty but for moderators.
    pub deleted: bool,
    /// Hidden by a moderator: its text is empty but for moderators and its author.
    pub hidden: bool,
    /// Images, in the order the author gave them.
    pub images: Vec<ImageView>,
}

impl From<&Comment> for CommentView {
    fn from(c: &Comment) -> Self {
        CommentView {
            id: c.id,
            post_id: c.post_id,
            author: AuthorView {
                handle: c.author_handle.clone(),
                role: c.author_role.as_str().into(),
                official_title: c.author_title.clone(),
                owner_since: c.author_owner_since.map(rfc3339),
            },
            body: c.body.clone(),
            body_html: markdown::render(&c.body),
            official: c.official,
            created_at: rfc3339(c.created_at),
            reply_to: c.parent_id,
            edited_at: c.edited_at.map(rfc3339),
            deleted: c.deleted_at.is_some(),
            hidden: c.hidden_at.is_some(),
            images: Vec::new(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StatusChangeView {
    pub id: i64,
    pub post_id: i64,
    pub from: String,
    pub to: String,
    pub by: String,
    pub note: Option<String>,
    pub at: String,
}

impl From<&StatusChange> for StatusChangeView {
    fn from(s: &StatusChange) -> Self {
        StatusChangeView {
            id: s.id,
            post_id: s.post_id,
            from: s.from.as_str().into(),
            to: s.to.as_str().into(),
            by: s.actor_handle.clone(),
            note: s.note.clone(),
            at: rfc3339(s.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked: bool,
}

impl From<&ApiToken> for TokenView {
    fn from(t: &ApiToken) -> Self {
        TokenView {
            id: t.id,
            name: t.name.clone(),
            created_at: rfc3339(t.created_at),
            expires_at: rfc3339(t.expires_at),
            last_used_at: t.last_used_at.map(rfc3339),
            revoked: t.revoked,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ItemsView<T: ToSchema> {
    pub items: Vec<T>,
}

#[derive(Serialize, ToSchema)]
pub struct VotesView {
    pub votes: i64,
    pub voted: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `title_too_long`: one of `canyu_core::ErrorCode`,
    /// listed in the schema so clients can switch on it.
    #[schema(value_type = ErrorCode)]
    pub code: String,
    /// Human-readable, in the request's language.
    pub message: String,
}

/// A string field that takes one of a rule's values, published as an enum taken from the rule
/// itself (so the document cannot drift from what the server accepts, and generated clients get
/// a union type instead of `string`).
pub(crate) fn string_enum(
    description: &str,
    values: impl IntoIterator<Item = &'static str>,
) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .description(Some(description))
        .enum_values(Some(values))
        .build()
}

/// A named schema (`components/schemas/<name>`) for a string field parsed by a rule of
/// `canyu_core`: fields say `#[schema(value_type = WaveMode)]` and stay `String`, so a bad
/// value still gets the rule's own error code rather than a deserialisation error.
macro_rules! string_enum_schema {
    ($(#[$doc:meta])* $name:ident, $description:expr, $values:expr) => {
        $(#[$doc])*
        pub struct $name;
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                string_enum($description, $values).into()
            }
        }
        impl utoipa::ToSchema for $name {}
    };
}

string_enum_schema!(
    /// `PostKind` in the document.
    PostKind,
    "What the post is.",
    canyu_core::post::PostKind::ALL.map(|kind| kind.as_str())
);
string_enum_schema!(
    /// `PostStatus` in the document.
    PostStatus,
    "Where the post stands: `new → acknowledged → planned → in_progress → shipped`, or `declined` / `duplicate`.",
    canyu_core::post::PostStatus::ALL.map(|status| status.as_str())
);
string_enum_schema!(
    /// `WaveMode` in the document.
    WaveMode,
    "`fcfs`: first come, first served; `draw`: one entry per fan during the window, drawn provably fairly when it closes (see `GET /api/v1/waves/{id}/draw`).",
    canyu_core::wave::WaveMode::ALL.map(|mode| mode.as_str())
);
string_enum_schema!(
    /// `Eligibility` in the document.
    Eligibility,
    "Who may buy: `everyone` (default), `min_level` (with `min_level`), `beta` (the product's beta group), `fcode` (holders of a redeemed F-code for the wave) or `reservation` (the campaign's reservation holders; needs `campaign`).",
    canyu_core::wave::Eligibility::KINDS
);
string_enum_schema!(
    /// `ChannelKind` in the document.
    ChannelKind,
    "`own_online` (canyu's own store), `own_store` (小米之家), `partner_online` (JD, Tmall, Suning), `franchise_store` or `authorized_store`.",
    canyu_core::pricing::ChannelKind::ALL.map(|kind| kind.as_str())
);
string_enum_schema!(
    /// `Tier` in the document.
    Tier,
    "Where a SKU sits on its product line's price ladder.",
    canyu_core::pricing::Tier::ALL.map(|tier| tier.as_str())
);
string_enum_schema!(
    /// `PostSort` in the document.
    PostSort,
    "`hot` (default: votes and comments, decaying with age), `new`, `top` (most votes) or `oldest`.",
    ["hot", "new", "top", "oldest"]
);
string_enum_schema!(
    /// `SearchMatch` in the document.
    SearchMatch,
    "`all` (default): posts with every word of the query; `any`: posts with any of them.",
    ["all", "any"]
);
string_enum_schema!(
    /// `Board` in the document.
    Board,
    "`public` (default) or `beta`: the product's beta board, for its beta members and the team.",
    ["public", "beta"]
);
string_enum_schema!(
    /// `MembershipStatus` in the document.
    MembershipStatus,
    "Where a beta application stands.",
    ["pending", "member", "rejected", "left", "removed"]
);
string_enum_schema!(
    /// `ProductionStage` in the document.
    ProductionStage,
    "`in_production` (locked orders taken from the queue) or `delivered` (from production).",
    ["in_production", "delivered"]
);
string_enum_schema!(
    /// `WebhookFormat` in the document.
    WebhookFormat,
    "`generic` (JSON signed with HMAC-SHA256), or a team chat robot: `feishu`, `dingtalk`, `wecom`.",
    canyu_core::webhook::WEBHOOK_FORMATS
);
string_enum_schema!(
    /// `ReleaseChannel` in the document.
    ReleaseChannel,
    "`stable` (everyone) or `beta` (the product's beta group).",
    ["stable", "beta"]
);
string_enum_schema!(
    /// `LaunchOrderKind` in the document.
    LaunchOrderKind,
    "`full` (pay the price within the cart hold), `small` (小定, a small deposit) or `big` (大定, a big deposit).",
    canyu_core::campaign::OrderKind::ALL.map(|kind| kind.as_str())
);

string_enum_schema!(
    /// `ErrorCode` in the document: every `canyu_core::ErrorCode::as_str()`.
    ErrorCode,
    "Stable machine-readable code, e.g. `title_too_long`; the message explains it in the request's language.",
    canyu_core::ErrorCode::ALL.iter().map(|code| code.as_str())
);
