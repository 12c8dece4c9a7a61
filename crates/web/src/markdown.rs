//! Markdown from fans becomes HTML here, and only here: rendered with pulldown-cmark, then
//! cleaned by ammonia's allow-list so no script, event handler or `javascript:` URL survives.

use pulldown_cmark::{Options, Parser, html};
use std::sync::LazyLock;

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.link_rel(Some("nofollow noopener noreferrer ugc"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .rm_tags(["img"]);
    b
});

pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    CLEANER.clean(&raw).to_string()
}

/// Plain text excerpt of Markdown (for cards and meta descriptions): markup stripped,
/// whitespace collapsed, cut at `max` characters.
pub fn excerpt(markdown: &str, max: usize) -> String {
    let text: String = Parser::new(markdown)
        .filter_map(|e| match e {
            pulldown_cmark::Event::Text(t) | pulldown_cmark::Event::Code(t) => Some(t.into_string() + " "),
            pulldown_cmark::Event::SoftBreak | pulldown_cmark::Event::HardBreak => Some(" ".into()),
            _ => None,
        })
        .collect();
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max {
        collapsed
    } else {
        collapsed.chars().take(max).collect::<String>() + "…"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_never_survive() {
        for attack in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<svg onload=alert(1)>",
            "<iframe src=//evil>",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
        ] {
            let html = render(attack);
            let lower = html.to_lowercase();
            assert!(!lower.contains("<script"), "{html}");
            assert!(!lower.contains("onerror"), "{html}");
            assert!(!lower.contains("onload"), "{html}");
            assert!(!lower.contains("javascript:"), "{html}");
            assert!(!lower.contains("<iframe"), "{html}");
        }
    }

    #[test]
    fn markdown_renders() {
        let html = render("**续航**很好\n\n1. 打开设置\n2. 点击电池");
        assert!(html.contains("<strong>续航</strong>"));
        assert!(html.contains("<ol>"));
        assert!(render("[官网](https://www.mi.com)").contains("rel=\"nofollow noopener noreferrer ugc\""));
        assert_eq!(excerpt("# 标题\n\n**续航** 很好", 100), "标题 续航 很好");
        assert_eq!(excerpt("一二三四五", 3), "一二三…");
    }
}
