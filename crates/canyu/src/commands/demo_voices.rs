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
