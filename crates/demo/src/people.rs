//! The demo's people: an admin, the staff account, two moderators and about 120 fans with
//! believable handles and short Chinese bios.

use crate::rng::Rng;
use crate::{DEMO_STAFF_HANDLE, DemoUser};
use canyu_core::{Millis, Role};
use std::collections::HashSet;

pub(crate) const STAFF: usize = 1;
pub(crate) const MODERATORS: [usize; 2] = [2, 3];
/// Index of the first fan; every user from here on is a fan.
pub(crate) const FIRST_FAN: usize = 4;
pub(crate) const FAN_COUNT: usize = 120;

const HOUR: Millis = 3_600_000;
const DAY: Millis = 24 * HOUR;

/// Handles as fans pick them: pinyin, Chinese nicknames, car owners announcing their city.
const HANDLES: [&str; 84] = [
    "米粉老王",
    "续航焦虑症",
    "su7_owner_bj",
    "极客阿杰",
    "小米之家常客",
    "橙色星期五",
    "搞机少年",
    "发烧友Leo",
    "mi_fan_2011",
    "雷总的迷弟",
    "k80_gamer",
    "夜景爱好者",
    "扫地机救援队",
    "手环不离手",
    "澎湃OS体验官",
    "杭州米粉阿伟",
    "yu7_waiting",
    "深圳车主小林",
    "数码博主大刘",
    "带娃奶爸",
    "程序员老张",
    "摄影师Kevin",
    "跑步的鱼",
    "睡眠困难户",
    "电池医生",
    "刷机狂魔",
    "等等党永不为奴",
    "不吃香菜",
    "猫主子的铲屎官",
    "北漂小赵",
    "chengdu_mifen",
    "广州米粉会",
    "lin_photography",
    "xiaoyu_1998",
    "开发版老用户",
    "内测组成员",
    "su7_ultra_fan",
    "赛道日常客",
    "一定要拿到F码",
    "米家全家桶",
    "智能家居玩家",
    "夏天的风",
    "冬天续航打七折",
    "小爱你好",
    "通知强迫症",
    "桌面洁癖",
    "老米粉2013",
    "miui_since_v5",
    "hyperos_tester",
    "redmi_k_fan",
    "性价比之王",
    "数码小白",
    "理工男阿强",
    "设计师Luna",
    "程序猿007",
    "咖啡续命",
    "早起的虫子",
    "长沙米粉",
    "武汉热干面",
    "西安肉夹馍",
    "上海打工人",
    "宝妈小丽",
    "退休工程师老周",
    "大学生小吴",
    "周末去露营",
    "充电五分钟",
    "信号满格",
    "拍月亮的人",
    "表盘收集者",
    "band9_runner",
    "watch_s4_user",
    "游泳健将",
    "ultra_shooter",
    "pixel_peeper",
    "小米13老用户",
    "车机发烧友",
    "智驾观察员",
    "露营车主",
    "momo-mifen",
    "hao-ge-88",
    "空调开26度",
    "铲屎官二号",
    "bug猎人",
    "dreamer_zhou",
];

const PINYIN: [&str; 16] = [
    "xiaoming", "ajie", "laowang", "dapeng", "xiaomei", "haoge", "zhangwei", "lili", "chenchen", "yangyang",
    "wenwen", "kaikai", "tiantian", "xiaolong", "feifei", "junjun",
];
const CITIES: [&str; 14] = [
    "北京", "上海", "广州", "深圳", "成都", "重庆", "杭州", "南京", "武汉", "西安", "苏州", "郑州", "青岛",
    "厦门",
];
const NICKS: [&str; 12] =
    ["小陈", "阿豪", "老李", "大熊", "小白", "阿飞", "阿珍", "老周", "小鹿", "胖虎", "阿泽", "小雨"];
const OWNER_PREFIX: [&str; 6] = ["su7车主", "yu7车主", "k80用户", "15u用户", "手环9用户", "米家用户"];

const BIOS: [&str; 18] = [
    "{year} 年入坑的老米粉，用过的小米手机能摆满一抽屉",
    "坐标{city}，{device}用户",
    "SU7 车主，每天通勤 {km} 公里",
    "爱折腾，开发版老用户，刷机比吃饭还勤",
    "数码爱好者，偶尔写写测评",
    "带娃奶爸，米家全家桶用户",
    "夜跑爱好者，手环不离手",
    "摄影爱好者，周末喜欢扫街",
    "学生党，性价比至上",
    "程序员，职业病是到处找 bug",
    "设计师，对细节有点强迫症",
    "没有简介，只有热爱 🧡",
    "{city}同城会成员，米粉节常客",
    "喜欢露营和自驾，人车家全生态玩家",
    "养了两只猫，扫地机是家里最忙的成员",
    "退休在家研究智能家居，欢迎交流",
    "内测组成员，每周都在提反馈",
    "从 MIUI V5 一路用到澎湃OS",
];
const DEVICES: [&str; 8] = [
    "小米 15 Ultra",
    "Redmi K80",
    "小米 SU7",
    "小米手环 9",
    "Xiaomi Watch S4",
    "米家扫拖机器人",
    "小米 14",
    "Redmi Note 14 Pro+",
];

fn bio(rng: &mut Rng) -> String {
    let tpl = rng.pick(&BIOS);
    tpl.replace("{year}", &rng.num(2011, 2021).to_string())
        .replace("{city}", rng.pick(&CITIES))
        .replace("{device}", rng.pick(&DEVICES))
        .replace("{km}", &(rng.num(2, 12) * 5).to_string())
}

fn generated_handle(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => format!("{}_{}", rng.pick(&PINYIN), rng.num(7, 2025)),
        1 => format!("{}米粉{}", rng.pick(&CITIES), rng.pick(&NICKS)),
        2 => format!("{}{}", rng.pick(&OWNER_PREFIX), rng.num(1, 999)),
        _ => format!("{}{}", rng.pick(&PINYIN), rng.pick(&["_mi", "-fan", "_hyper", "99", "_bj", "_sh"])),
    }
}

/// The users, admin first, then the staff account, the moderators, and the fans (most active
/// first: `posts` weights authors by position).
pub(crate) fn users(rng: &mut Rng, start: Millis) -> Vec<DemoUser> {
    let mut users = vec![
        DemoUser {
            handle: "canyu_admin".into(),
            role: Role::Admin,
            bio: "社区管理员，负责站点运维与账号安全".into(),
            created_at: start,
        },
        DemoUser {
            handle: DEMO_STAFF_HANDLE.into(),
            role: Role::Staff,
            bio: "小米官方产品经理，负责收集和跟进大家的反馈，橙色星期五见 🧡".into(),
            created_at: start + 10 * 60_000,
        },
        DemoUser {
            handle: "miui_moderator".into(),
            role: Role::Moderator,
            bio: "论坛版主，帮大家整理反馈、合并重复帖，发帖前记得先搜索哦".into(),
            created_at: start + HOUR,
        },
        DemoUser {
            handle: "米家版主阿豪".into(),
            role: Role::Moderator,
            bio: "米家与小米汽车板块版主，智能家居重度玩家".into(),
            created_at: start + 2 * HOUR,
        },
    ];

    // Shuffle the hand-written handles (Fisher–Yates), then top up with generated ones.
    let mut handles: Vec<String> = HANDLES.iter().map(|h| h.to_string()).collect();
    for i in (1..handles.len()).rev() {
        let j = rng.index(i + 1);
        handles.swap(i, j);
    }
    let mut seen: HashSet<String> = users.iter().map(|u| u.handle.clone()).collect();
    seen.extend(handles.iter().cloned());
    while handles.len() < FAN_COUNT {
        let h = generated_handle(rng);
        if seen.insert(h.clone()) {
            // Interleave, so generated handles are not all the least active fans.
            let at = rng.index(handles.len() + 1);
            handles.insert(at, h);
        }
    }
    handles.truncate(FAN_COUNT);

    for (i, handle) in handles.into_iter().enumerate() {
        // The first dozen fans were there on day one; the rest joined over the first 100
        // days, more of them early (the minimum of two draws).
        let created_at = if i < 12 {
            start + 3 * HOUR + rng.between(0, DAY)
        } else {
            let a = rng.between(0, 100 * DAY);
            let b = rng.between(0, 100 * DAY);
            start + 3 * HOUR + a.min(b)
        };
        users.push(DemoUser { handle, role: Role::Fan, bio: bio(rng), created_at });
    }
    users
}
