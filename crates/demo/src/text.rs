//! Turning a topic into the words of one fan: titles, Markdown bodies, comments, official
//! replies and status notes, from phrase lists with `{slots}`.

use crate::catalog::{Device, ProductMeta};
use crate::rng::Rng;
use crate::topics::Topic;
use canyu_core::{PostKind, PostStatus};

const APPS: [&str; 10] =
    ["微信", "QQ", "抖音", "淘宝", "支付宝", "哔哩哔哩", "小红书", "美团", "高德地图", "钉钉"];
const GAMES: [&str; 5] = ["王者荣耀", "原神", "和平精英", "崩坏：星穹铁道", "金铲铲之战"];
pub(crate) const CITIES: [&str; 12] =
    ["北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "西安", "南京", "重庆", "长沙", "哈尔滨"];
const ROOMS: [&str; 5] = ["客厅", "主卧", "次卧", "书房", "儿童房"];

/// The values one post's slots take, fixed per post so a number reads the same everywhere.
pub(crate) struct Ctx {
    pub p: String,
    pub ver: String,
    pub build: String,
    pub device: String,
    pub area: &'static str,
    app: &'static str,
    game: &'static str,
    city: &'static str,
    room: &'static str,
    n: u32,
    pct: u32,
    min: u32,
    temp: u32,
    fps: u32,
    km: u32,
    cold: u32,
    months: u32,
    years: u32,
}

impl Ctx {
    pub(crate) fn new(
        rng: &mut Rng,
        product: &ProductMeta,
        device: &Device,
        area: &'static str,
        week: u32,
    ) -> Ctx {
        let (ver, build) = product.version(week, device.code);
        Ctx {
            p: device.model.clone(),
            ver,
            build,
            device: device.line.clone(),
            area,
            app: rng.pick(&APPS),
            game: rng.pick(&GAMES),
            city: rng.pick(&CITIES),
            room: rng.pick(&ROOMS),
            n: rng.num(2, 9),
            pct: rng.num(12, 38),
            min: rng.num(2, 8) * 5,
            temp: rng.num(43, 52),
            fps: rng.num(38, 75),
            km: rng.num(18, 32),
            cold: rng.num(5, 25),
            months: rng.num(1, 11),
            years: rng.num(5, 14),
        }
    }

    fn put(&self, key: &str, out: &mut String) -> bool {
        let num = |out: &mut String, v: u32| out.push_str(&v.to_string());
        match key {
            "p" => out.push_str(&self.p),
            "ver" => out.push_str(&self.ver),
            "build" => out.push_str(&self.build),
            "device" => out.push_str(&self.device),
            "area" => out.push_str(self.area),
            "app" => out.push_str(self.app),
            "game" => out.push_str(self.game),
            "city" => out.push_str(self.city),
            "room" => out.push_str(self.room),
            "n" => num(out, self.n),
            "pct" => num(out, self.pct),
            "rem" => num(out, 100 - self.pct),
            "min" => num(out, self.min),
            "temp" => num(out, self.temp),
            "fps" => num(out, self.fps),
            "km" => num(out, self.km),
            "cold" => num(out, self.cold),
            "months" => num(out, self.months),
            "years" => num(out, self.years),
            _ => return false,
        }
        true
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}')
}

/// Fills `{slots}` from `extra` first, then from the post's context; a space left between two
/// Chinese characters by a slot (`升级到 车机 1.5.2`) is dropped.
pub(crate) fn fill(tpl: &str, ctx: &Ctx, extra: &[(&str, &str)]) -> String {
    let mut raw = String::with_capacity(tpl.len() + 48);
    let mut rest = tpl;
    while let Some(open) = rest.find('{') {
        raw.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            raw.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let key = &after[..close];
        if let Some((_, v)) = extra.iter().find(|(k, _)| *k == key) {
            raw.push_str(v);
        } else if !ctx.put(key, &mut raw) {
            debug_assert!(false, "unknown slot {{{key}}} in {tpl}");
            raw.push_str(&rest[open..open + close + 2]);
        }
        rest = &after[close + 1..];
    }
    raw.push_str(rest);

    let mut out = String::with_capacity(raw.len());
    let mut prev: Option<char> = None;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' '
            && let (Some(p), Some(&n)) = (prev, chars.peek())
            && is_cjk(p)
            && is_cjk(n)
        {
            continue;
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

// ---------------------------------------------------------------------------------- titles

const BUG_TITLES: [&str; 9] = [
    "{c}",
    "{c}",
    "升级到 {ver} 后{c}",
    "【{area}】{c}",
    "{c}，有人一样吗？",
    "{p} {c}",
    "最近{c}，求修复",
    "{c}，已提交日志",
    "【Bug】{c}",
];
const IDEA_TITLES: [&str; 9] = [
    "建议{c}",
    "希望{c}",
    "【建议】{c}",
    "强烈建议{c}",
    "小建议：{c}",
    "{c}，有同样需求的顶一下",
    "能否{c}？",
    "{c}",
    "{c}，能安排吗？",
];
const QUESTION_TITLES: [&str; 7] =
    ["请问{c}？", "求助：{c}？", "{c}？", "新手求问，{c}？", "【{area}】{c}？", "{p} {c}？", "{c}？在线等"];

pub(crate) fn title(rng: &mut Rng, topic: &Topic, variant: usize, ctx: &Ctx) -> String {
    let core = fill(topic.titles[variant], ctx, &[]);
    let tpl = match topic.kind {
        PostKind::Bug => rng.pick(&BUG_TITLES),
        PostKind::Idea => match rng.pick(&IDEA_TITLES) {
            // 「能否」 reads well only before a verb: 能否增加…, not 能否桌面图标…
            "能否{c}？"
                if !["增加", "支持", "提供", "加", "允许", "在"].iter().any(|v| core.starts_with(v)) =>
            {
                "{c}，能安排吗？"
            }
            tpl => tpl,
        },
        PostKind::Question => rng.pick(&QUESTION_TITLES),
    };
    fill(tpl, ctx, &[("c", &core)])
}

/// Said when a title is already taken on the product's board.
pub(crate) const TITLE_SUFFIXES: [&str; 5] =
    ["（再次反馈）", "，求官方回复", "，急", "，困扰很久了", "（{device}）"];

// ----------------------------------------------------------------------------------- bodies

const BUG_OPENERS: [&str; 9] = [
    "升级到 {ver} 之后开始出现这个问题。",
    "用了 {months} 个月，之前一直好好的，最近开始不对劲。",
    "不知道是不是个例，发出来看看有没有同样情况的。",
    "",
    "",
    "之前在群里问过，大家说可能是系统问题，所以来论坛反馈一下。",
    "连续好几天都这样了，已经影响日常使用。",
    "如题。",
    "说一个困扰我挺久的问题。",
];
const BUG_TRIED: [&str; 6] = [
    "试过重启、重新设置，都没用。",
    "家里人的同款也一样，应该不是个例。",
    "去售后检测过，说硬件没问题，让我来社区反馈。",
    "恢复出厂设置之后好了两天，现在又出现了。",
    "上个版本没有这个问题，应该是新版本引入的。",
    "**每次都能复现**，不是偶发。",
];
const STEP_HEADERS: [&str; 4] = ["**复现步骤：**", "复现步骤：", "**复现路径**", "### 复现步骤"];
const FREQ: [&str; 5] = ["必现", "偶现，一天一两次", "十次里有三四次", "这周第一次遇到", "几乎每天都会出现"];
const BUG_CLOSERS: [&str; 7] = [
    "已经在设备的反馈入口上传了日志。",
    "希望尽快修复 🙏",
    "需要抓日志的话可以联系我。",
    "求官方大大看看！",
    "辛苦工程师了。",
    "有同样问题的麻烦顶一下，让官方看到。",
    "",
];

const IDEA_OPENERS: [&str; 8] = [
    "用了一段时间 {p}，整体很满意，有个小建议。",
    "提个建议，希望产品经理能看到。",
    "",
    "",
    "作为 {years} 年的老米粉，提一个一直想要的功能。",
    "看到友商已经有了，希望我们也能跟上。",
    "周末和同城会的米粉聊到这个，大家都觉得挺需要的。",
    "每天都会用到的场景，说一下我的想法。",
];
const POINT_HEADERS: [&str; 4] = ["具体想法：", "**具体设想：**", "我的想法是：", "可以参考下面几点："];
const IDEA_CLOSERS: [&str; 7] = [
    "支持的米粉帮忙顶一下！",
    "如果能在下个版本加上就太好了。",
    "谢谢开发团队，橙色星期五见 🧡",
    "不知道大家觉得怎么样？",
    "",
    "小米的优势就是听得进用户的声音，期待！",
    "",
];

const QUESTION_OPENERS: [&str; 6] = [
    "新入手的 {p}，还在摸索中。",
    "问一个可能比较小白的问题。",
    "",
    "找了一圈设置没找到，来论坛问问。",
    "给家里人买的 {p}，他们问我，我也不知道。",
    "",
];
const TRIED_HEADERS: [&str; 2] = ["已经试过：", "试过的办法："];
const QUESTION_CLOSERS: [&str; 6] =
    ["谢谢各位大佬！", "先谢过了 🙏", "在线等，挺急的。", "有知道的朋友麻烦回复一下。", "", ""];

/// Up to `n` distinct items of `xs`, in their own order.
fn some<'a>(rng: &mut Rng, xs: &[&'a str], n: usize) -> Vec<&'a str> {
    let mut picked: Vec<usize> = (0..xs.len()).collect();
    while picked.len() > n {
        let drop = rng.index(picked.len());
        picked.remove(drop);
    }
    picked.into_iter().map(|i| xs[i]).collect()
}

fn numbered(items: &[&str], ctx: &Ctx) -> String {
    let mut s = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str(&format!("{}. {}", i + 1, fill(item, ctx, &[])));
    }
    s
}

fn bulleted(items: &[&str], ctx: &Ctx) -> String {
    items.iter().map(|item| format!("- {}", fill(item, ctx, &[]))).collect::<Vec<_>>().join("\n")
}

pub(crate) fn body(rng: &mut Rng, topic: &Topic, variant: usize, ctx: &Ctx, product: &ProductMeta) -> String {
    // Details are written in the order of the titles they go with.
    let detail = topic.details[variant * topic.details.len() / topic.titles.len()];
    let detail = fill(detail, ctx, &[]);
    let mut blocks: Vec<String> = Vec::with_capacity(5);
    match topic.kind {
        PostKind::Bug => {
            let short = rng.pct(20);
            blocks.push(format!("{}{detail}", fill(rng.pick(&BUG_OPENERS), ctx, &[])));
            let mut every_time = false;
            if !short && rng.pct(40) {
                let tried = rng.pick(&BUG_TRIED);
                every_time = tried.contains("每次");
                blocks.push(tried.to_string());
            }
            if !short && rng.pct(60) {
                let steps = numbered(&topic.extras, ctx);
                blocks.push(format!("{}\n\n{steps}", rng.pick(&STEP_HEADERS)));
            }
            let (l1, l2) = product.env_labels();
            let freq = if every_time { "必现" } else { rng.pick(&FREQ) };
            if short {
                if rng.pct(50) {
                    blocks.push(fill("{device}，`{build}`。", ctx, &[]));
                }
            } else if rng.pct(75) {
                let freq = if freq == "必现" { "**必现**" } else { freq };
                blocks.push(fill(
                    "- {l1}：{device}\n- {l2}：`{build}`\n- 出现频率：{freq}",
                    ctx,
                    &[("l1", l1), ("l2", l2), ("freq", freq)],
                ));
            }
            let closer = rng.pick(&BUG_CLOSERS);
            if !short && !closer.is_empty() && rng.pct(60) {
                blocks.push(closer.to_string());
            }
        }
        PostKind::Idea => {
            blocks.push(format!("{}{detail}", fill(rng.pick(&IDEA_OPENERS), ctx, &[])));
            if rng.pct(60) {
                let n = 2 + rng.index(2);
                let points = bulleted(&some(rng, &topic.extras, n), ctx);
                blocks.push(format!("{}\n\n{points}", rng.pick(&POINT_HEADERS)));
            }
            let closer = rng.pick(&IDEA_CLOSERS);
            if !closer.is_empty() {
                blocks.push(closer.to_string());
            }
        }
        PostKind::Question => {
            let mut opener = rng.pick(&QUESTION_OPENERS);
            if opener.starts_with("新入手") && detail.contains("用了") {
                opener = ""; // not new any more
            }
            blocks.push(format!("{}{detail}", fill(opener, ctx, &[])));
            match rng.below(3) {
                0 => {
                    let tried = bulleted(&topic.extras, ctx);
                    blocks.push(format!("{}\n\n{tried}", rng.pick(&TRIED_HEADERS)));
                }
                1 => blocks.push(fill("试了「{x}」，还是不行。", ctx, &[("x", rng.pick(&topic.extras))])),
                _ => {}
            }
            let closer = rng.pick(&QUESTION_CLOSERS);
            if !closer.is_empty() {
                blocks.push(closer.to_string());
            }
        }
    }
    blocks.join("\n\n")
}

// --------------------------------------------------------------------------------- comments

const FAN_BUG: [&str; 12] = [
    "+1，同样的问题",
    "我也遇到了，{device}，版本 `{build}`。",
    "同款，一样的情况。",
    "我这边没复现，是不是个例？",
    "蹲一个修复。",
    "升级后我也这样，希望下个版本修一下。",
    "试试清除缓存再重启？我这样暂时好了。",
    "已经反馈日志了，希望快点修。",
    "这个问题好几个版本了。",
    "顶上去，让工程师看到。",
    "同样，{device}，一模一样的表现。",
    "+1 😭",
];
const FAN_IDEA: [&str; 11] = [
    "+1，非常需要",
    "支持！",
    "这个想法好，已投票。",
    "顶一下，希望官方采纳。",
    "目前可以用自动化曲线实现，不过原生支持会更好。",
    "不太需要，但不反对，最好做成开关。",
    "友商早就有了，赶紧安排。",
    "同求这个功能 🙋",
    "建议加个开关，默认关闭，照顾不需要的人。",
    "已投票，坐等橙色星期五。",
    "说到心坎里了。",
];
const FAN_QUESTION: [&str; 6] = [
    "同问。",
    "我也想知道。",
    "蹲一个答案。",
    "我记得是这样：{answer}。",
    "楼主试试这个：{answer}。",
    "之前也找了半天，{answer}。",
];
const FAN_AFTER_SHIP: [&str; 5] = [
    "更新后确实好了，感谢！",
    "升级了，已经正常 👍",
    "终于等到了，给工程师点赞。",
    "新版本体验了一下，很好用！",
    "我这边还没推送，等等看。",
];
const FAN_AFTER_DECLINE: [&str; 3] =
    ["可惜了，希望以后能再考虑一下。", "理解，不过还是希望能支持。", "唉，白等了。"];
const FAN_AFTER_DECLINE_BUG: [&str; 3] = [
    "我这边还是能复现，已经在反馈入口上传了日志。",
    "不是个例啊，身边好几个人都这样。",
    "最新版本我这边好像没再出现了。",
];
const FAN_AFTER_PLAN: [&str; 3] = ["官方回复了，有希望！", "坐等上线。", "这效率可以，点赞 👍"];

/// A fan's comment, given the post's status at the time of writing; `device` is the
/// commenter's own.
pub(crate) fn fan_comment(
    rng: &mut Rng,
    topic: &Topic,
    status: PostStatus,
    ctx: &Ctx,
    device: &str,
    build: &str,
) -> String {
    let tpl = match status {
        PostStatus::Shipped if rng.pct(70) => rng.pick(&FAN_AFTER_SHIP),
        PostStatus::Declined if topic.kind != PostKind::Question && rng.pct(60) => match topic.kind {
            PostKind::Bug => rng.pick(&FAN_AFTER_DECLINE_BUG),
            _ => rng.pick(&FAN_AFTER_DECLINE),
        },
        PostStatus::Planned | PostStatus::InProgress if rng.pct(40) => rng.pick(&FAN_AFTER_PLAN),
        _ => match topic.kind {
            PostKind::Bug => rng.pick(&FAN_BUG),
            PostKind::Idea => rng.pick(&FAN_IDEA),
            PostKind::Question => rng.pick(&FAN_QUESTION),
        },
    };
    fill(tpl, ctx, &[("device", device), ("build", build), ("answer", topic.answer)])
}

const AUTHOR_REPLIES: [&str; 5] = [
    "感谢官方回复！",
    "收到，期待更新 🙏",
    "好的，日志已经按要求上传了。",
    "太好了，坐等推送。",
    "辛苦了，有需要配合测试的随时找我。",
];

pub(crate) fn author_reply(rng: &mut Rng, kind: PostKind, status: PostStatus) -> String {
    if kind == PostKind::Question && status == PostStatus::Acknowledged {
        return rng.pick(&["谢谢，已经解决了！", "按这个方法设置好了，感谢 🙏"]).to_string();
    }
    if kind == PostKind::Question && status == PostStatus::Declined {
        return rng.pick(&["好的，我去看看置顶帖，谢谢。", "原来置顶有，抱歉没仔细看 😅"]).to_string();
    }
    if status == PostStatus::Declined {
        return rng.pick(&["好吧，理解。", "还是希望能再考虑一下。"]).to_string();
    }
    rng.pick(&AUTHOR_REPLIES).to_string()
}

// ------------------------------------------------------------------ official replies, notes

const REASONS: [&str; 5] = [
    "涉及硬件限制",
    "与产品的整体设计方向不一致",
    "可能带来额外的功耗和发热",
    "涉及第三方应用，需要对方适配",
    "存在安全和合规风险",
];

/// What the new status lets an official reply or note say.
pub(crate) struct Change<'a> {
    pub from: PostStatus,
    pub to: PostStatus,
    /// Version shipping at the moment of the change.
    pub ver: &'a str,
    /// Month number for a plan, e.g. "8".
    pub month: &'a str,
    /// Title of the post this one duplicates, if known.
    pub orig: Option<&'a str>,
}

fn change_slots<'a>(rng: &mut Rng, c: &Change<'a>, answer: &'a str) -> [(&'static str, &'a str); 5] {
    [
        ("ver", c.ver),
        ("month", c.month),
        ("orig", c.orig.unwrap_or("已有反馈")),
        ("reason", rng.pick(&REASONS)),
        ("answer", answer),
    ]
}

pub(crate) fn official_reply(rng: &mut Rng, topic: &Topic, c: &Change, ctx: &Ctx) -> String {
    use PostStatus::*;
    let kind = topic.kind;
    let opts: &[&str] = match (c.to, kind) {
        (Acknowledged, _) if c.from == Declined => &["楼主补充了信息，我们重新打开跟进，感谢耐心。"],
        (New, _) => &["楼主补充了信息，帖子重新打开，等待进一步确认。"],
        (Acknowledged, PostKind::Bug) => &[
            "感谢反馈，已转交相关团队跟进，有进展会在这里同步。",
            "您好，问题已收到。麻烦在反馈入口上传一下日志并附上本帖链接，方便我们定位。",
            "已复现，工程师正在分析原因，感谢耐心等待。",
        ],
        (Acknowledged, PostKind::Idea) => &[
            "感谢建议！需求已记录，产品经理会评估可行性。",
            "收到，这个建议很有价值，已同步给产品团队。",
            "谢谢这么详细的建议，我们会认真评估 🧡",
        ],
        (Acknowledged, PostKind::Question) => {
            &["您好，{answer}。如果还有问题欢迎继续反馈。", "您好，{answer}。"]
        }
        (Planned, PostKind::Bug) => &["已确认问题原因，修复已排入 {month} 月的版本。"],
        (Planned, _) if c.from == InProgress => &["计划有调整，顺延到下一个版本，抱歉让大家久等了。"],
        (Planned, _) => &[
            "该功能已排入计划，预计在 {month} 月的版本中上线，感谢支持！",
            "已纳入开发计划，上线后会第一时间在这里通知大家。",
            "好消息：这个需求已经排期，预计 {month} 月和大家见面。",
        ],
        (InProgress, PostKind::Bug) => {
            &["修复方案已确定，正在验证中，预计近期推送。", "正在修复中，开发版会先推送，欢迎参与内测验证。"]
        }
        (InProgress, _) => &[
            "正在开发中，开发版会先行体验，欢迎报名内测。",
            "研发同学已经在做了，做好后会先在内测版本中上线。",
        ],
        (Shipped, PostKind::Bug) => {
            &["已在 {ver} 中修复，升级后如仍有问题请回帖告知。", "{ver} 已修复该问题，感谢各位提供的日志 🙏"]
        }
        (Shipped, _) => &[
            "该功能已在 {ver} 上线，感谢各位米粉的建议！🎉",
            "已上线 ✅ 本周 {ver} 的更新日志里已经致谢楼主。",
        ],
        (Declined, PostKind::Bug) => &["我们暂时无法复现该问题，如仍然出现，请上传日志后重新反馈。"],
        (Declined, PostKind::Question) => &[
            "您好，{answer}。这个问题在置顶的常见问题里有说明，本帖先关闭。",
            "您好，{answer}。同类问题较多，已整理到置顶帖，本帖关闭。",
        ],
        (Declined, _) => &[
            "感谢建议。经评估，{reason}，暂不考虑，我们会持续关注大家的反馈。",
            "感谢反馈。{reason}，这次先不安排，抱歉。",
        ],
        (Duplicate, _) => &[
            "该问题已有相同反馈，帖子已合并，请移步《{orig}》关注进展。",
            "与《{orig}》重复，已合并，请到原帖投票。",
        ],
    };
    let slots = change_slots(rng, c, topic.answer);
    fill(rng.pick(opts), ctx, &slots)
}

/// The short note a status change carries, or none.
pub(crate) fn note(rng: &mut Rng, topic: &Topic, c: &Change, ctx: &Ctx) -> Option<String> {
    use PostStatus::*;
    if c.to != Duplicate && !rng.pct(75) {
        return None;
    }
    let bug = topic.kind == PostKind::Bug;
    let opts: &[&str] = match c.to {
        New | Acknowledged if c.from == Declined => &["补充信息后重新打开", "楼主已补充日志，重新跟进"],
        New => &["重新打开"],
        Acknowledged if bug => &["已复现，正在分析", "已收到日志，转交研发团队", "已确认，跟进中"],
        Acknowledged if topic.kind == PostKind::Question => &["已解答", "已回复楼主"],
        Acknowledged => &["需求已记录，评估中", "已转交产品经理"],
        Planned if c.from == InProgress => &["计划调整，顺延到下个版本"],
        Planned => &["已排入 {month} 月版本计划", "已纳入开发计划"],
        InProgress if bug => &["已复现，正在修复", "修复中，开发版验证"],
        InProgress => &["开发中", "开发中，预计近期内测"],
        Shipped if bug => &["已在 {ver} 修复"],
        Shipped => &["已在 {ver} 上线"],
        Declined if bug => &["无法复现，如仍有问题请重新反馈"],
        Declined if topic.kind == PostKind::Question => {
            &["已解答，见置顶常见问题", "常见问题，已收录到置顶帖"]
        }
        Declined => &["{reason}，暂不考虑", "与产品定位不符，暂不支持"],
        Duplicate => &["与《{orig}》重复"],
    };
    let slots = change_slots(rng, c, topic.answer);
    Some(fill(rng.pick(opts), ctx, &slots))
}

// ------------------------------------------------------------------------------- injections

/// Posts in which a fan pastes markup: the renderer must show them as text.
pub(crate) struct Injection {
    pub product: &'static str,
    pub kind: PostKind,
    pub title: &'static str,
    pub body: &'static str,
}

pub(crate) const INJECTIONS: [Injection; 5] = [
    Injection {
        product: "hyperos",
        kind: PostKind::Question,
        title: "导出日志时复制出来一串奇怪的代码，是中毒了吗？",
        body: "今天导出系统日志想发给客服，结果粘贴出来开头是这么一串：\n\n<script>alert(1)</script>\n\n我没装什么奇怪的应用啊，这是什么东西？会不会泄露隐私？",
    },
    Injection {
        product: "xiaomi-15-ultra",
        kind: PostKind::Question,
        title: "个性签名里填了群友教的代码，显示不出来",
        body: "群里有人说把下面这段放进签名就能显示彩色字，我试了没效果：\n\n<img src=x onerror=alert(1)>\n\n是不是论坛不支持？求教正确写法。",
    },
    Injection {
        product: "redmi-k80",
        kind: PostKind::Question,
        title: "求助<b>加粗</b>在论坛里怎么用",
        body: "想把复现步骤加粗，在别的论坛是这么写的：<b>复现步骤</b>，还有人说用 <span style=\"color:red\" onclick=\"alert(document.cookie)\">红字</span>，这里好像都不行？\n\n**是不是要用这种星号？**",
    },
    Injection {
        product: "xiaomi-su7",
        kind: PostKind::Bug,
        title: "车机浏览器打开群里的链接后一直弹窗，关不掉",
        body: "在车机浏览器点了一个朋友发的「领 F 码」链接，之后就一直弹窗，只能重启车机。页面源码我截了一段：\n\n<iframe src=\"javascript:alert('xss')\"></iframe>\n<a href=\"javascript:alert(1)\">点击领取F码</a>\n\n大家千万别点来路不明的链接！",
    },
    Injection {
        product: "mijia-robot-vacuum",
        kind: PostKind::Bug,
        title: "设备名称里输入特殊字符后，米家 App 显示空白",
        body: "把扫地机重命名成 `<svg onload=alert(1)>` 之后，App 里设备卡片显示一片空白。直接写出来就是 <svg/onload=alert(1)>，改回普通名字就好了。\n\n1. 打开米家 App\n2. 设备重命名为上面的内容\n3. 返回首页，卡片空白",
    },
];

pub(crate) const INJECTION_OFFICIAL: &str =
    "提醒一下：论坛会把帖子里的 HTML 和脚本当作普通文字显示，不会执行，大家放心 👍 来路不明的链接不要点。";
pub(crate) const INJECTION_FANS: [&str; 3] = [
    "哈哈，我还以为会弹个窗出来。",
    "<b>我也试试</b><script>document.title='hacked'</script> 果然没反应",
    "楼主这是被人整了吧 😂",
];
