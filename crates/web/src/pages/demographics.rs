//! The optional "about you" fields (gender, age band, city tier) as the sign-up form and the
//! settings page ask for them: the same three selects, each with "rather not say" first, and
//! the same words on why they are asked.

use canyu_core::Locale;
use canyu_core::profile::{AgeBand, CityTier, Gender, Profile};
use serde::Deserialize;

pub struct SelectOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub struct Select {
    pub name: &'static str,
    pub label: &'static str,
    pub options: Vec<SelectOption>,
}

/// The three selects, with `profile`'s answers chosen.
pub struct DemographicsFields {
    pub title: &'static str,
    pub why: &'static str,
    pub save: &'static str,
    pub selects: Vec<Select>,
}

/// The fields as a form posts them; empty means "rather not say".
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct DemographicsForm {
    pub gender: String,
    pub age_band: String,
    pub city_tier: String,
}

fn select<T: Copy + PartialEq>(
    name: &'static str,
    label: &'static str,
    all: &[T],
    chosen: Option<T>,
    code: fn(T) -> &'static str,
    text: fn(T, Locale) -> &'static str,
    locale: Locale,
) -> Select {
    let mut options = vec![SelectOption {
        value: "",
        label: locale.pick("不想说", "Rather not say"),
        selected: chosen.is_none(),
    }];
    options.extend(all.iter().map(|v| SelectOption {
        value: code(*v),
        label: text(*v, locale),
        selected: chosen == Some(*v),
    }));
    Select { name, label, options }
}

pub fn fields(locale: Locale, profile: Profile) -> DemographicsFields {
    DemographicsFields {
        title: locale.pick("关于你（选填）", "About you (optional)"),
        why: locale.pick(
            "只用于匿名统计：不会显示在你的主页上，不足 10 人的组合不会被展示或导出。随时可以改回“不想说”。",
            "Used only for anonymous counts: never shown on your profile, and no group of fewer than 10 fans is shown or exported. Change it back to \"rather not say\" any time.",
        ),
        save: locale.pick("保存", "Save"),
        selects: vec![
            select("gender", locale.pick("性别", "Gender"), Gender::ALL, profile.gender, Gender::as_str, Gender::label, locale),
            select("age_band", locale.pick("年龄段", "Age band"), AgeBand::ALL, profile.age_band, AgeBand::as_str, AgeBand::label, locale),
            select("city_tier", locale.pick("所在城市级别", "City tier"), CityTier::ALL, profile.city_tier, CityTier::as_str, CityTier::label, locale),
        ],
    }
}

impl DemographicsForm {
    /// The answers, or 422 `invalid_profile` for a value no select offers.
    pub fn parse(&self) -> canyu_app::AppResult<Profile> {
        canyu_app::accounts::parse_demographics(
            Some(&self.gender),
            Some(&self.age_band),
            Some(&self.city_tier),
        )
    }

    /// What was sent, kept on a refused form as far as it parses.
    pub fn lenient(&self) -> Profile {
        Profile {
            gender: Gender::parse(&self.gender),
            age_band: AgeBand::parse(&self.age_band),
            city_tier: CityTier::parse(&self.city_tier),
        }
    }
}
