//! Release notes as people read them: the team's Markdown, then what shipped with the fans
//! who asked for it ("感谢 @… 的建议"), on pages, in the API and in the Atom feed.

use crate::markdown;
use canyu_app::model::{Release, ReleasePost};
use canyu_core::Locale;
use canyu_core::time::rfc3339;

/// The fan to thank for a post: its author, unless the brand wrote it itself.
pub fn credited_handle(post: &ReleasePost) -> Option<&str> {
    (!post.author_role.can_triage()).then_some(post.author_handle.as_str())
}

/// "感谢 @米粉 的建议" / "Thanks to @mifan for the idea".
pub fn credit_line(locale: Locale, handle: &str) -> String {
    match locale {
        Locale::ZhCn => format!("感谢 @{handle} 的建议"),
        Locale::En => format!("Thanks to @{handle} for the idea"),
    }
}

/// Escapes text for HTML and XML.
pub fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The whole release note as safe HTML: the notes, then the shipped posts with credits
/// linking to the fans' profiles.
pub fn release_html(locale: Locale, release: &Release, base_url: &str) -> String {
    let mut html = markdown::render(&release.notes);
    if !release.posts.is_empty() {
        html.push_str("<ul class=\"release-posts\">");
        for post in &release.posts {
            html.push_str(&format!(
                "<li><a href=\"{base_url}/posts/{}\">{}</a>",
                post.post_id,
                escape(&post.title)
            ));
            if let Some(handle) = credited_handle(post) {
                let line = escape(&credit_line(locale, handle));
                let at = format!("@{}", escape(handle));
                let link = format!("<a href=\"{base_url}{}\">{at}</a>", crate::pages::user_url(handle));
                html.push_str(&format!(" · <span class=\"credit\">{}</span>", line.replacen(&at, &link, 1)));
            }
            html.push_str("</li>");
        }
        html.push_str("</ul>");
    }
    html
}

/// An Atom feed of a product's published releases.
pub fn atom_feed(
    locale: Locale,
    product_slug: &str,
    product_name: &str,
    releases: &[Release],
    base_url: &str,
) -> String {
    let updated = releases.iter().filter_map(|r| r.published_at).max().unwrap_or(0);
    let title = match locale {
        Locale::ZhCn => format!("{product_name} 更新日志"),
        Locale::En => format!("{product_name} changelog"),
    };
    let page = format!("{base_url}/products/{product_slug}/changelog");
    let mut xml = String::new();
    xml.push_str(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    xml.push_str(&format!("  <title>{}</title>\n", escape(&title)));
    xml.push_str(&format!("  <id>{}</id>\n", escape(&page)));
    xml.push_str(&format!("  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape(&page)));
    xml.push_str(&format!("  <link rel=\"self\" href=\"{}.atom\"/>\n", escape(&page)));
    xml.push_str(&format!("  <updated>{}</updated>\n", rfc3339(updated)));
    xml.push_str("  <generator>canyu</generator>\n");
    for r in releases {
        let published = rfc3339(r.published_at.unwrap_or(r.created_at));
        let url = format!("{base_url}/releases/{}", r.id);
        xml.push_str("  <entry>\n");
        xml.push_str(&format!("    <title>{} {}</title>\n", escape(product_name), escape(&r.version)));
        xml.push_str(&format!("    <id>{}</id>\n", escape(&url)));
        xml.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            escape(&url)
        ));
        xml.push_str(&format!(
            "    <published>{published}</published>\n    <updated>{published}</updated>\n"
        ));
        xml.push_str(&format!("    <author><name>{}</name></author>\n", escape(product_name)));
        for handle in r.posts.iter().filter_map(credited_handle) {
            xml.push_str(&format!("    <contributor><name>{}</name></contributor>\n", escape(handle)));
        }
        xml.push_str(&format!(
            "    <content type=\"html\">{}</content>\n",
            escape(&release_html(locale, r, base_url))
        ));
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;
    use canyu_app::model::ReleaseStatus;
    use canyu_core::release::Channel;
    use canyu_core::{PostKind, PostStatus, Role};

    fn release() -> Release {
        let post = |id, handle: &str, role| ReleasePost {
            post_id: id,
            title: format!("<b>标题{id}</b>"),
            kind: PostKind::Idea,
            status: PostStatus::Shipped,
            votes: 3,
            author_handle: handle.into(),
            author_role: role,
        };
        Release {
            id: 7,
            product_id: 1,
            product_slug: "xiaomi-su7".into(),
            product_name: "小米 SU7 & co".into(),
            version: "1.2.0".into(),
            channel: Channel::Stable,
            planned_for: "2026-11-27".into(),
            notes: "冬季更新 <script>alert(1)</script>".into(),
            status: ReleaseStatus::Published,
            created_at: 0,
            published_at: Some(1_795_795_199_000),
            posts: vec![post(1, "米粉<甲>", Role::Fan), post(2, "staff", Role::Staff)],
        }
    }

    #[test]
    fn credits_fans_by_handle_and_escapes_everything() {
        let html = release_html(Locale::ZhCn, &release(), "https://canyu.example");
        assert!(!html.contains("<script>") && !html.contains("<b>标题"), "{html}");
        assert!(html.contains("感谢 <a href=\"https://canyu.example/users/%E7%B1%B3%E7%B2%89%3C%E7%94%B2%3E\">@米粉&lt;甲&gt;</a> 的建议"), "{html}");
        assert_eq!(html.matches("class=\"credit\"").count(), 1, "staff posts are not credited");
    }

    #[test]
    fn atom_feed_is_well_formed_and_escaped() {
        let xml = atom_feed(Locale::En, "xiaomi-su7", "小米 SU7 & co", &[release()], "https://canyu.example");
        assert!(xml.starts_with(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
        ));
        assert!(xml.contains("<title>小米 SU7 &amp; co 1.2.0</title>"));
        assert!(xml.contains("<updated>2026-11-27T15:59:59Z</updated>"));
        assert!(xml.contains("<contributor><name>米粉&lt;甲&gt;</name></contributor>"));
        assert!(!xml.contains("<script>") && !xml.contains("<b>"), "{xml}");
        assert_eq!(xml.matches("<entry>").count(), xml.matches("</entry>").count());
    }
}
