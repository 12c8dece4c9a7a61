//! What a fan may say about themselves, and only if they want to: gender, age band and the tier
//! of the city they live in (一线 … 四线及以下). Each is optional, asked for in settings and
//! at registration, and used only as counts (insights, review panels) with a k-anonymity floor.
//! Bands rather than birthdays and tiers rather than cities, so no answer identifies anyone.

use crate::Locale;

macro_rules! profile_field {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $code:literal, $zh:literal, $en:literal;)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code,)* }
            }

            /// The code as the API and forms send it; `None` for anything else.
            pub fn parse(raw: &str) -> Option<$name> {
                match raw.trim() { $($code => Some($name::$variant),)* _ => None }
            }

            pub fn label(self, locale: Locale) -> &'static str {
                match self { $($name::$variant => locale.pick($zh, $en),)* }
            }
        }
    };
}

profile_field! {
    /// Self-declared gender; `unsaid` is never stored (the field is simply empty).
    Gender {
        Female = "female", "女", "Female";
        Male = "male", "男", "Male";
        Other = "other", "其他", "Other";
    }
}

profile_field! {
    /// Self-declared age band.
    AgeBand {
        Under18 = "under_18", "18 岁以下", "Under 18";
        From18To24 = "18_24", "18–24 岁", "18-24";
        From25To34 = "25_34", "25–34 岁", "25-34";
        From35To44 = "35_44", "35–44 岁", "35-44";
        From45To54 = "45_54", "45–54 岁", "45-54";
        From55 = "55_plus", "55 岁及以上", "55 and over";
    }
}

profile_field! {
    /// The tier of the city a fan lives in, as Chinese market research groups cities.
    CityTier {
        Tier1 = "tier1", "一线城市", "Tier-1 city";
        NewTier1 = "new_tier1", "新一线城市", "New tier-1 city";
        Tier2 = "tier2", "二线城市", "Tier-2 city";
        Tier3 = "tier3", "三线城市", "Tier-3 city";
        Tier4Plus = "tier4_plus", "四线及以下", "Tier-4 or smaller";
        Abroad = "abroad", "海外", "Outside China";
    }
}

/// A fan's answers; each `None` when they chose not to say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    pub gender: Option<Gender>,
    pub age_band: Option<AgeBand>,
    pub city_tier: Option<CityTier>,
}

impl Profile {
    /// Reads the three fields as forms and the API send them: empty (or absent) means "not
    /// said"; anything else must be one of the codes. Returns the first field that is wrong.
    pub fn parse(
        gender: Option<&str>,
        age_band: Option<&str>,
        city_tier: Option<&str>,
    ) -> Result<Profile, &'static str> {
        fn field<T>(
            raw: Option<&str>,
            name: &'static str,
            parse: fn(&str) -> Option<T>,
        ) -> Result<Option<T>, &'static str> {
            match raw.map(str::trim) {
                None | Some("") => Ok(None),
                Some(code) => parse(code).map(Some).ok_or(name),
            }
        }
        Ok(Profile {
            gender: field(gender, "gender", Gender::parse)?,
            age_band: field(age_band, "age_band", AgeBand::parse)?,
            city_tier: field(city_tier, "city_tier", CityTier::parse)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_blank_means_unsaid() {
        for g in Gender::ALL {
            assert_eq!(Gender::parse(g.as_str()), Some(*g));
        }
        for a in AgeBand::ALL {
            assert_eq!(AgeBand::parse(a.as_str()), Some(*a));
        }
        for t in CityTier::ALL {
            assert_eq!(CityTier::parse(t.as_str()), Some(*t));
        }
        assert_eq!(Profile::parse(None, Some(""), Some(" ")), Ok(Profile::default()));
        assert_eq!(
            Profile::parse(Some("female"), Some("25_34"), Some("new_tier1")),
            Ok(Profile {
                gender: Some(Gender::Female),
                age_band: Some(AgeBand::From25To34),
                city_tier: Some(CityTier::NewTier1)
            })
        );
        assert_eq!(Profile::parse(Some("f"), None, None), Err("gender"));
        assert_eq!(Profile::parse(None, Some("30"), None), Err("age_band"));
        assert_eq!(Profile::parse(None, None, Some("beijing")), Err("city_tier"));
    }
}
