//! The demo catalog: ecosystem categories, products, and how each product's fans talk about it
//! (which topic table it draws from, what its version strings and devices look like).

use crate::rng::Rng;

/// Which topic table a product's posts come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Group {
    Phone,
    Os,
    Car,
    Vacuum,
    Aircon,
    Wearable,
}

impl Group {
    pub(crate) const ALL: [Group; 6] =
        [Group::Phone, Group::Os, Group::Car, Group::Vacuum, Group::Aircon, Group::Wearable];
}

pub(crate) struct CategoryMeta {
    pub slug: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
}

pub(crate) const CATEGORIES: [CategoryMeta; 5] = [
    CategoryMeta { slug: "phone", name_zh: "手机", name_en: "Phones" },
    CategoryMeta { slug: "car", name_zh: "汽车", name_en: "Cars" },
    CategoryMeta { slug: "smart-home", name_zh: "智能家居", name_en: "Smart home" },
    CategoryMeta { slug: "wearable", name_zh: "穿戴", name_en: "Wearables" },
    CategoryMeta { slug: "os", name_zh: "系统", name_en: "Operating system" },
];

pub(crate) struct ProductMeta {
    pub slug: &'static str,
    pub name: &'static str,
    pub category: &'static str,
    pub tagline: &'static str,
    pub group: Group,
    /// Share of the forum's posts, relative to the other products.
    pub weight: u32,
    /// Build-string suffix (phones) or a short model code.
    pub code: &'static str,
    /// Memory sizes, trims or sizes a fan may own.
    pub variants: &'static [&'static str],
}

pub(crate) const PRODUCTS: [ProductMeta; 9] = [
    ProductMeta {
        slug: "xiaomi-15-ultra",
        name: "小米 15 Ultra",
        category: "phone",
        tagline: "徕卡一英寸主摄，影像旗舰再进化",
        group: Group::Phone,
        weight: 14,
        code: "VOACNXM",
        variants: &["12GB+256GB", "16GB+512GB", "16GB+1TB"],
    },
    ProductMeta {
        slug: "redmi-k80",
        name: "Redmi K80",
        category: "phone",
        tagline: "2K 新国屏，性能小钢炮",
        group: Group::Phone,
        weight: 12,
        code: "VOKCNXM",
        variants: &["12GB+256GB", "16GB+512GB", "16GB+1TB"],
    },
    ProductMeta {
        slug: "xiaomi-su7",
        name: "小米 SU7",
        category: "car",
        tagline: "C 级高性能生态科技轿车",
        group: Group::Car,
        weight: 16,
        code: "SU7",
        variants: &["标准版", "Pro", "Max", "Ultra"],
    },
    ProductMeta {
        slug: "xiaomi-yu7",
        name: "小米 YU7",
        category: "car",
        tagline: "豪华高性能 SUV，全家出行更从容",
        group: Group::Car,
        weight: 10,
        code: "YU7",
        variants: &["标准版", "Pro", "Max"],
    },
    ProductMeta {
        slug: "mijia-robot-vacuum",
        name: "米家扫拖机器人",
        category: "smart-home",
        tagline: "全能基站自动集尘，扫拖洗烘解放双手",
        group: Group::Vacuum,
        weight: 8,
        code: "M30",
        variants: &["M30 Pro", "M30S", "2 Pro"],
    },
    ProductMeta {
        slug: "mijia-air-conditioner",
        name: "米家空调 巨省电",
        category: "smart-home",
        tagline: "新一级能效，一晚只需一度电",
        group: Group::Aircon,
        weight: 6,
        code: "KFR",
        variants: &["1.5 匹挂机", "1 匹挂机", "3 匹柜机"],
    },
    ProductMeta {
        slug: "xiaomi-band-9",
        name: "小米手环 9",
        category: "wearable",
        tagline: "21 天超长续航，全天候健康守护",
        group: Group::Wearable,
        weight: 8,
        code: "BAND9",
        variants: &["标准版", "NFC 版"],
    },
    ProductMeta {
        slug: "xiaomi-watch-s4",
        name: "Xiaomi Watch S4",
        category: "wearable",
        tagline: "可换表圈的智能手表，eSIM 独立通话",
        group: Group::Wearable,
        weight: 6,
        code: "WATCHS4",
        variants: &["47mm", "41mm", "eSIM 版"],
    },
    ProductMeta {
        slug: "hyperos",
        name: "Xiaomi HyperOS 澎湃OS",
        category: "os",
        tagline: "人车家全生态操作系统，一个系统连接所有设备",
        group: Group::Os,
        weight: 20,
        code: "",
        variants: &[],
    },
];

/// Phones a HyperOS fan (or a wearable owner) may be using, with their build suffix.
const PHONES: [(&str, &str); 8] = [
    ("小米 14", "UNCCNXM"),
    ("小米 15", "VOCCNXM"),
    ("小米 15 Pro", "VOBCNXM"),
    ("Redmi K70", "UNKCNXM"),
    ("Redmi K80 Pro", "VOMCNXM"),
    ("Redmi Note 14 Pro+", "VOPCNXM"),
    ("小米 MIX Fold 4", "UNVCNXM"),
    ("Redmi Turbo 4", "VOTCNXM"),
];

const MEMORY: [&str; 3] = ["12GB+256GB", "16GB+512GB", "16GB+1TB"];

/// What a fan says about their own setup: the model name for prose, a device line, and the
/// build for that moment.
pub(crate) struct Device {
    pub model: String,
    pub line: String,
    pub code: &'static str,
}

impl ProductMeta {
    /// A device of this product as one fan owns it.
    pub(crate) fn device(&self, rng: &mut Rng) -> Device {
        match self.group {
            Group::Os => {
                let (model, code) = rng.pick(&PHONES);
                Device { model: model.to_string(), line: format!("{model} {}", rng.pick(&MEMORY)), code }
            }
            Group::Wearable => {
                let (phone, _) = rng.pick(&PHONES);
                Device {
                    model: self.name.to_string(),
                    line: format!("{} {}（配对 {phone}）", self.name, rng.pick(self.variants)),
                    code: self.code,
                }
            }
            _ => Device {
                model: self.name.to_string(),
                line: format!("{} {}", self.name, rng.pick(self.variants)),
                code: self.code,
            },
        }
    }

    /// The short version name fans use (`HyperOS 2.0.107`) and the full build string, for the
    /// given week of the demo window: every Friday ships a new build (橙色星期五).
    pub(crate) fn version(&self, week: u32, code: &str) -> (String, String) {
        match self.group {
            Group::Phone | Group::Os => {
                let b = 100 + week;
                (format!("HyperOS 2.0.{b}"), format!("OS2.0.{b}.0.{code}"))
            }
            Group::Car => {
                let (minor, patch) = (5 + week / 6, week % 6);
                (format!("车机 1.{minor}.{patch}"), format!("{code}-1.{minor}.{patch}.{}", 1000 + week * 13))
            }
            Group::Vacuum => {
                let p = 5 + week / 3;
                (format!("固件 4.3.{p}"), format!("4.3.{p}_{}", 1500 + week * 7))
            }
            Group::Aircon => {
                let p = 8 + week / 4;
                (format!("固件 2.1.{p}"), format!("2.1.{p}_{:04}", 200 + week * 3))
            }
            Group::Wearable => {
                if self.code == "BAND9" {
                    (format!("固件 2.3.{}", 93 + week), format!("2.3.{}", 93 + week))
                } else {
                    (format!("固件 1.0.{}", 30 + week), format!("1.0.{}.8", 30 + week))
                }
            }
        }
    }

    /// The labelled environment lines of a bug report.
    pub(crate) fn env_labels(&self) -> (&'static str, &'static str) {
        match self.group {
            Group::Phone | Group::Os => ("机型", "系统版本"),
            Group::Car => ("车型", "车机版本"),
            _ => ("设备", "固件版本"),
        }
    }
}
