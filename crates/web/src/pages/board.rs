//! `/products/{slug}`: a product's board. Filters (status, kind, tag) and sort are plain
//! links, pages continue by cursor, and `?q=` searches the board with highlighted results.

use super::i18n::{self, T};
use super::{Cx, Layout, Link, PostCard, product_url, url};
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use canyu_app::model::{PostFilter, Product, Sort};
use canyu_core::campaign::format_yuan;
use canyu_core::{ErrorCode, Locale, PostKind, PostStatus};
use serde::Deserialize;

pub const PAGE_SIZE: u32 = 20;

#[derive(Deserialize, Default)]
pub struct BoardQuery {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub tag: Option<String>,
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub q: Option<String>,
    pub offset: Option<usize>,
    /// `any`: posts with any of the query's words (offered when all of them find nothing).
    #[serde(rename = "match")]
    pub match_words: Option<String>,
    /// `1`: only posts by owners of the product (人车家).
    pub owners: Option<String>,
}

pub struct ProductHead {
    pub name: String,
    pub tagline: String,
    pub url: String,
    pub new_url: String,
    pub roadmap_url: String,
    pub changelog_url: String,
    pub beta_url: String,
    pub waves_url: String,
    pub posts: String,
    /// The SKUs' prices on canyu's own store, and their 30-day lowest where lower.
    pub prices: Vec<ShelfLine>,
    /// 人车家: what owners of this product also own ("车主还拥有"), strongest first.
    pub also_owned: Vec<AlsoOwnedLine>,
    pub also_owned_label: &'static str,
}

pub struct AlsoOwnedLine {
    pub name: String,
    pub url: String,
    /// "62%": the share of this product's owners who own that one too.
    pub share: String,
    /// "2.1×": how much likelier than owners at large.
    pub lift: String,
}

pub struct ShelfLine {
    pub name: String,
    pub price: String,
    pub lowest_30d: Option<String>,
}

impl ProductHead {
    pub fn new(cx: &Cx, p: &Product) -> ProductHead {
        let base = product_url(&p.slug);
        ProductHead {
            name: p.name.clone(),
            tagline: p.tagline.clone(),
            new_url: format!("{base}/new"),
            roadmap_url: format!("{base}/roadmap"),
            changelog_url: format!("{base}/changelog"),
            beta_url: format!("{base}/beta"),
            waves_url: format!("{base}/waves"),
            url: base,
            posts: i18n::posts_count(cx.locale, p.post_count),
            prices: Vec::new(),
            also_owned: Vec::new(),
            also_owned_label: match cx.locale {
                Locale::ZhCn if p.category_slug == "car" => "车主还拥有：",
                Locale::ZhCn => "用户还拥有：",
                Locale::En => "Owners also own:",
            },
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "board.html")]
pub struct BoardPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub product: ProductHead,
    pub q: String,
    pub searching: bool,
    pub results_label: String,
    pub sort_links: Vec<Link>,
    pub status_links: Vec<Link>,
    pub kind_links: Vec<Link>,
    pub tag: Option<Link>,
    /// The owners-only toggle (not while searching).
    pub owners: Option<Link>,
    pub posts: Vec<PostCard>,
    pub more_url: Option<String>,
    pub first_url: Option<String>,
    /// With all words finding nothing: the same search for any of them.
    pub any_url: Option<String>,
    /// These results are for any of the words.
    pub matching_any: bool,
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub async fn page(
    State(state): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
    Query(query): Query<BoardQuery>,
) -> WebResult<Response> {
    let product =
        canyu_app::catalog::product(&state, &slug).await?.ok_or(WebError::from(ErrorCode::NotFound))?;
    let mut head = ProductHead::new(&cx, &product);
    head.prices = canyu_app::pricing::shelf(&state, product.id)
        .await?
        .into_iter()
        .map(|s| ShelfLine {
            name: s.name,
            price: format_yuan(s.price_fen),
            lowest_30d: (s.lowest_30d_fen < s.price_fen).then(|| format_yuan(s.lowest_30d_fen)),
        })
        .collect();
    head.also_owned = canyu_app::ownership::also_owned(&state, product.id)
        .await?
        .into_iter()
        .map(|a| AlsoOwnedLine {
            url: product_url(&a.product_slug),
            name: a.product_name,
            share: format!("{:.0}%", a.confidence * 100.0),
            lift: format!("{:.1}×", a.lift),
        })
        .collect();
    let base = head.url.clone();
    let status = non_empty(&query.status).map(PostStatus::parse).transpose()?;
    let kind = non_empty(&query.kind).map(PostKind::parse).transpose()?;
    let tag = non_empty(&query.tag).map(str::to_lowercase);
    // The order asked for: the board lists hot posts first unless told otherwise; a search
    // lists the best matches first unless told otherwise.
    let chosen = non_empty(&query.sort).map(Sort::parse).transpose()?;
    let sort = chosen.unwrap_or_default();
    // Same cap as the API: longer text is no search anyone types.
    let q: String = non_empty(&query.q).unwrap_or("").chars().take(200).collect();
    let searching = !q.is_empty();
    let matching_any = searching && query.match_words.as_deref() == Some("any");

    // Owners' posts only: a filter of the board, not of a search.
    let owners = !searching && query.owners.as_deref() == Some("1");
    // The link to this board (or this search) with one filter changed (and pagination reset).
    let link_owned =
        |owned: bool, status: Option<&str>, kind: Option<&str>, tag: Option<&str>, order: Option<Sort>| {
            let order = match order {
                None => "",
                Some(Sort::Hot) if !searching => "",
                Some(s) => s.as_str(),
            };
            url(
                &base,
                &[
                    ("q", q.as_str()),
                    ("match", if matching_any { "any" } else { "" }),
                    ("status", status.unwrap_or("")),
                    ("kind", kind.unwrap_or("")),
                    ("tag", tag.unwrap_or("")),
                    ("sort", order),
                    ("owners", if owned { "1" } else { "" }),
                ],
            )
        };
    let link = |status: Option<&str>, kind: Option<&str>, tag: Option<&str>, order: Option<Sort>| {
        link_owned(owners, status, kind, tag, order)
    };
    let (st, kd, tg) = (status.map(PostStatus::as_str), kind.map(PostKind::as_str), tag.as_deref());
    let current = if searching { chosen } else { Some(sort) };

    let mut orders = vec![
        (Some(Sort::Hot), cx.t.sort_hot),
        (Some(Sort::New), cx.t.sort_new),
        (Some(Sort::Top), cx.t.sort_top),
    ];
    if searching {
        orders.insert(0, (None, cx.t.sort_relevance));
    }
    let sort_links = orders
        .into_iter()
        .map(|(s, label)| Link { label: label.to_string(), url: link(st, kd, tg, s), active: s == current })
        .collect();

    let counts = canyu_app::board::status_counts(&state, Some(product.id)).await?;
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    let mut status_links = vec![Link {
        // A search's matches are not the board's counts: no numbers while searching.
        label: if searching { cx.t.board_all.to_string() } else { format!("{} {total}", cx.t.board_all) },
        url: link(None, kd, tg, current),
        active: status.is_none(),
    }];
    for s in PostStatus::ALL {
        let n = counts.iter().find(|(c, _)| *c == s).map_or(0, |(_, n)| *n);
        if n == 0 && status != Some(s) {
            continue;
        }
        status_links.push(Link {
            label: match searching {
                true => i18n::status_label(cx.locale, s).to_string(),
                false => format!("{} {n}", i18n::status_label(cx.locale, s)),
            },
            url: link(Some(s.as_str()), kd, tg, current),
            active: status == Some(s),
        });
    }
    let mut kind_links = vec![Link {
        label: cx.t.board_all.to_string(),
        url: link(st, None, tg, current),
        active: kind.is_none(),
    }];
    kind_links.extend(PostKind::ALL.into_iter().map(|k| Link {
        label: i18n::kind_label(cx.locale, k).to_string(),
        url: link(st, Some(k.as_str()), tg, current),
        active: kind == Some(k),
    }));
    let tag_link =
        tag.as_deref().map(|t| Link { label: t.to_string(), url: link(st, kd, None, current), active: true });
    let owners_link = (!searching).then(|| Link {
        label: i18n::owners_only(cx.locale, &product.category_slug).to_string(),
        url: link_owned(!owners, st, kd, tg, current),
        active: owners,
    });

    let mut any_url = None;
    let (posts, results_label, more_url, first_url) = if searching {
        let filter = canyu_app::board::SearchFilter {
            product_id: Some(product.id),
            status,
            kind,
            tag: tag.as_deref(),
            sort: chosen,
            any: matching_any,
        };
        let keep = [
            ("status", st.unwrap_or("")),
            ("kind", kd.unwrap_or("")),
            ("tag", tg.unwrap_or("")),
            ("sort", chosen.map(Sort::as_str).unwrap_or("")),
        ];
        let found = super::search::results(&state, &cx, &base, &q, &filter, query.offset, &keep).await?;
        any_url = found.any_url;
        (found.cards, found.label, found.more_url, found.first_url)
    } else {
        let page = canyu_app::board::posts_page(
            &state,
            &PostFilter {
                product_id: Some(product.id),
                status,
                kind,
                tag: tag.as_deref(),
                owners_only: owners,
                sort,
                cursor: non_empty(&query.cursor),
                limit: PAGE_SIZE,
                ..Default::default()
            },
        )
        .await?;
        // The first page of the unfiltered board starts with what moderators pinned.
        let unfiltered = status.is_none() && kind.is_none() && tag.is_none() && !owners;
        let mut items = Vec::with_capacity(page.items.len());
        if unfiltered && non_empty(&query.cursor).is_none() {
            items = canyu_app::board::pinned(&state, product.id).await?;
        }
        let pinned_ids: Vec<i64> = items.iter().map(|p| p.id).collect();
        items.extend(page.items.iter().filter(|p| !pinned_ids.contains(&p.id)).cloned());
        let cards = cx.cards(&state, &items).await?;
        let here = link(st, kd, tg, current);
        let more = page.next_cursor.as_ref().map(|c| {
            let sep = if here.contains('?') { '&' } else { '?' };
            format!(
                "{here}{sep}{}",
                form_urlencoded::Serializer::new(String::new()).append_pair("cursor", c).finish()
            )
        });
        let first = non_empty(&query.cursor).map(|_| here.clone());
        (cards, String::new(), more, first)
    };

    Ok(cx.ok(BoardPage {
        t: cx.t,
        ctx: cx.layout(""),
        product: head,
        q,
        searching,
        results_label,
        sort_links,
        status_links,
        kind_links,
        tag: tag_link,
        owners: owners_link,
        posts,
        more_url,
        first_url,
        any_url,
        matching_any,
    }))
}
