//! The demo's official voices (人设, issue #27): the founder and the car brand's account,
//! marked official, followed by most fans (some with announcements in their inbox), each with
//! a few weeks of announcements.

use crate::error::CliResult;
use canyu_core::{Millis, Role};
use canyu_demo::DemoForum;
use canyu_store::{NewUser, Store};

const DAY: Millis = 86_400_000;

const FOUNDER: &str = "雷军";
const FOUNDER_TITLE: &str = "小米集团创始人";
const CAR: &str = "小米汽车";
const CAR_TITLE: &str = "小米汽车官方账号";

/// (days ago, hour of the day in China, who, Markdown).
const ANNOUNCEMENTS: [(i64, i64, &str, &str); 7] = [
    (
        27,
        20,
        FOUNDER,
        "各位米粉晚上好！这周收到了很多关于 **SU7 座椅通风** 的反馈，团队已经排进下个版本。谢谢大家，有问题随时留言。",
    ),
    (
        20,
        12,
        CAR,
        "## 本周 OTA 更新\n\n- 高速 NOA 变道更果断\n- 哨兵模式耗电降低 30%\n- 修复了部分车主反馈的蓝牙断连问题\n\n感谢在「参与」里提建议的每一位车主。",
    ),
    (14, 21, FOUNDER, "刚在工厂看了一整天，交付在加速。大家锁单后的问题，留言我都会看。"),
    (9, 10, CAR, "下周六上海车主见面会报名开始，名额有限，先到先得。"),
    (
        6,
        22,
        FOUNDER,
        "「闺蜜评审团」第一轮评审结束：遮阳、化妆镜、储物格，大家的意见我们全部记下了，改进方案会公开。",
    ),
    (2, 19, FOUNDER, "这周的更新日志里，有 12 条来自米粉的建议。**你们的每一票都算数。**"),
    (1, 9, CAR, "冬季续航小贴士：出发前 30 分钟预约加热电池，续航更稳。"),
];

pub async fn load(
    store: &Store,
    forum: &DemoForum,
    user_ids: &[i64],
    fan_hash: &str,
    now: Millis,
) -> CliResult<()> {
    let start = forum.users.first().map_or(now - 365 * DAY, |u| u.created_at);
    let mut voices = Vec::new();
    for (handle, title, bio) in [
        (FOUNDER, FOUNDER_TITLE, "和米粉交朋友。"),
        (CAR, CAR_TITLE, "小米汽车官方账号：OTA 更新、交付进度、车主活动。"),
    ] {
        let user = store
            .create_user(NewUser {
                handle,
                email: None,
                password_hash: fan_hash,
                role: Role::Fan,
                bio,
                created_at: start,
            })
            .await?;
        store.set_official_title(user.id, Some(title)).await?;
        voices.push((handle, title, user.id));
    }
    // Fans follow: seven in ten the founder, four in ten the car account; one in four of
    // the founder's followers asked for his announcements in the inbox.
    for (i, (u, &id)) in forum.users.iter().zip(user_ids).enumerate() {
        if u.role.can_triage() {
            continue;
        }
        let at = u.created_at + DAY;
        if i % 10 < 7 {
            store.follow_user(id, voices[0].2, i % 4 == 0, at).await?;
        }
        if i % 10 >= 6 {
            store.follow_user(id, voices[1].2, false, at).await?;
        }
    }
    let today = now / DAY * DAY;
    for (days_ago, hour, who, body) in ANNOUNCEMENTS {
        let Some(&(handle, title, author)) = voices.iter().find(|v| v.0 == who) else { continue };
        // China time: UTC+8.
        let at = today - days_ago * DAY + (hour - 8) * 3_600_000;
        let notice = canyu_app::voices::notice(handle, title, body);
        store.publish_announcement(author, body, &[], &notice, at).await?;
    }
    Ok(())
}

/// When a demo session runs: questions open, answering starts and ends, in minutes.
#[derive(Clone, Copy)]
enum When {
    /// From now (the live session must be live whenever the demo starts).
    FromNow(i64, i64, i64),
    /// Days from today at 20:00 China time, then minutes from that evening.
    Evening(i64, i64, i64, i64),
}

/// A session of the demo: (host, title, description, when, questions as (body, share of fans
/// voting in ‰, answer)).
struct DemoAma {
    host: &'static str,
    title: &'static str,
    description: &'static str,
    when: When,
    questions: &'static [(&'static str, i64, Option<&'static str>)],
}

const AMAS: [DemoAma; 3] = [
    DemoAma {
        host: FOUNDER,
        title: "雷军：SU7 交付一周年，聊聊你们最关心的",
        description: "交付一周年，有问必答。**票数最高的问题优先回答**，答完的问题会留在这里作为实录。",
        when: When::Evening(-7, -3 * 1440, 0, 90),
        questions: &[
            (
                "SU7 冬天续航到底能打几折？北方车主很关心。",
                420,
                Some(
                    "零下十度、开暖风的城市工况，大约是标称的七折。热泵和电池预热已经标配，OTA 还会继续优化低温能耗。",
                ),
            ),
            (
                "后排座椅什么时候能加通风？夏天后排很热。",
                380,
                Some("新款已经加上了后排通风，老车主可以到门店加装，具体价格下周公布。"),
            ),
            (
                "锁单到提车现在要等多久？",
                350,
                Some("标准版大约 4 到 6 周，Max 版 8 周左右，工厂二期投产后会继续缩短。"),
            ),
            ("会出更便宜的版本吗？", 260, Some("暂时没有计划，我们先把现有版本的品质和交付做好。")),
            (
                "车机能不能加一个小游戏，等人的时候玩？",
                180,
                Some("已经在做了，会先上几款轻量的小游戏，只能在 P 挡使用。"),
            ),
            (
                "化妆镜的灯太暗了，能调亮吗？",
                160,
                Some("闺蜜评审团也提到了这一点，下个 OTA 会把亮度上限调高，并加上色温调节。"),
            ),
            (
                "高速 NOA 变道太犹豫，能更果断一点吗？",
                150,
                Some("本月的 OTA 已经改进了变道策略，欢迎大家试用后继续反馈。"),
            ),
            ("手机和车的互联能支持 iPhone 吗？", 140, Some("正在做，今年内会支持 iPhone 的基础互联。")),
            ("雷总平时自己开哪个颜色的 SU7？", 90, None),
            ("充电桩安装为什么要等那么久？", 80, None),
            ("低价代购 SU7 名额，加微信详聊", 0, None),
        ],
    },
    DemoAma {
        host: CAR,
        title: "小米汽车工程师在线：冬季续航与热管理",
        description: "热管理团队的工程师在线回答冬季用车的问题。",
        when: When::FromNow(-2 * 1440, -30, 90),
        questions: &[
            (
                "出发前预约加热电池，真的能多跑吗？",
                300,
                Some("能。电池温度从零下升到 15 度以上，低温能耗能降 10% 左右，建议出发前 30 分钟预约。"),
            ),
            (
                "冬天快充为什么比夏天慢？",
                240,
                Some("低温下电池允许的充电电流更小。导航去充电站时，车会自动预热电池，能明显缩短时间。"),
            ),
            (
                "座椅加热和空调暖风，哪个更省电？",
                210,
                Some("座椅和方向盘加热更省电，只开它们再配合低档暖风，是冬天最经济的组合。"),
            ),
            ("哨兵模式开一晚上掉多少电？", 170, None),
            ("东北零下三十度能正常启动吗？", 150, None),
            ("热泵会不会结霜？怎么处理？", 110, None),
            ("冬天胎压低了会报警吗？", 60, None),
        ],
    },
    DemoAma {
        host: FOUNDER,
        title: "澎湃 OS 2 发布前 AMA：你想先知道什么？",
        description: "发布会前征集问题，发布会当晚直播回答。",
        when: When::Evening(2, -3 * 1440, 0, 60),
        questions: &[
            ("澎湃 OS 2 会给老机型升级吗？比如小米 13。", 200, None),
            ("跨设备互联能支持电脑吗？", 120, None),
            ("AI 功能会不会收费？", 90, None),
        ],
    },
];

/// The demo's AMAs: one over (its transcript, a hidden spam question, a duplicate merged),
/// one live now with a few answers, one taking questions before its evening.
pub async fn amas(
    store: &Store,
    forum: &DemoForum,
    user_ids: &[i64],
    staff: i64,
    now: Millis,
) -> CliResult<()> {
    let fans: Vec<i64> =
        forum.users.iter().zip(user_ids).filter(|(u, _)| !u.role.can_triage()).map(|(_, &id)| id).collect();
    if fans.is_empty() {
        return Ok(());
    }
    for (n, ama) in AMAS.iter().enumerate() {
        let Some(host) = store.user_by_handle(ama.host).await? else { continue };
        // China time is UTC+8: its midnight today, then the session's evening.
        let china_midnight = (now + 8 * 3_600_000) / DAY * DAY - 8 * 3_600_000;
        let (base, (open, start, end)) = match ama.when {
            When::FromNow(open, start, end) => (now, (open, start, end)),
            When::Evening(days, open, start, end) => {
                (china_midnight + days * DAY + 20 * 3_600_000, (open, start, end))
            }
        };
        let at = |minutes: i64| base + minutes * 60_000;
        let schedule = canyu_core::ama::Schedule::new(at(open), at(start), at(end))
            .map_err(|code| format!("demo AMA {n}: {code}"))?;
        let id = store
            .create_ama(canyu_store::NewAma {
                title: ama.title,
                description: ama.description,
                host_id: host.user.id,
                schedule,
                created_by: staff,
                now: at(open) - 1440 * 60_000,
            })
            .await?;
        let mut asked = Vec::new();
        for (i, (body, per_mille, answer)) in ama.questions.iter().enumerate() {
            // Askers and voters differ per session and per question.
            let asker = fans[(n * 31 + i * 7) % fans.len()];
            let asked_at = at(open) + (i as i64 + 1) * 37 * 60_000;
            let q =
                store.ask_ama_question(id, asker, body, canyu_core::ama::QUESTIONS_PER_FAN, asked_at).await?;
            let voters = (fans.len() as i64 * per_mille / 1000) as usize;
            for (k, &fan) in fans.iter().cycle().skip(n * 13 + i * 5).take(voters).enumerate() {
                if fan != asker {
                    store.vote_ama_question(q, fan, asked_at + k as i64 * 1000).await?;
                }
            }
            if let Some(answer) = answer {
                let answered_at = at(start) + (asked.len() as i64 + 1) * 7 * 60_000;
                let notice = serde_json::json!({
                    "ama": id, "title": ama.title, "question": q, "excerpt": body, "host": ama.host,
                });
                store.answer_ama_question(q, answer, host.user.id, &notice, answered_at.min(now)).await?;
            }
            asked.push((q, *per_mille));
        }
        // In the finished session a fan asked the top question again; the host merged it.
        if let (0, Some(&(first, _))) = (n, asked.first()) {
            let fan = fans[fans.len() / 2];
            let again = store
                .ask_ama_question(
                    id,
                    fan,
                    "北方冬天开 SU7，续航会掉很多吗？",
                    canyu_core::ama::QUESTIONS_PER_FAN,
                    at(start),
                )
                .await?;
            for &voter in fans.iter().rev().take(fans.len() / 20) {
                if voter != fan {
                    store.vote_ama_question(again, voter, at(start)).await?;
                }
            }
            store.merge_ama_question(again, first, at(start) + 60_000).await?;
        }
        // The off-topic question (no votes) is hidden.
        for &(q, per_mille) in &asked {
            if per_mille == 0 {
                store.set_ama_question_hidden(q, true).await?;
            }
        }
    }
    Ok(())
}
