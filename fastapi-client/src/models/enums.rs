//! The closed vocabularies of the wire contract.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A social platform a KOL publishes on.
///
/// Forward compatible: a value the backend sends that this client does not
/// know (a platform added after it was built) decodes to
/// [`Platform::Other`] with the value kept, instead of failing the whole
/// response (and counting as a failure against a healthy backend).
/// Requests may only name the known platforms: validation refuses
/// `Other`, since the contract lists four.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    /// `instagram`
    Instagram,
    /// `tiktok`
    Tiktok,
    /// `youtube`
    Youtube,
    /// `twitter`
    Twitter,
    /// A value this client does not know, as the backend sent it.
    Other(String),
}

impl Platform {
    /// Every platform the contract lists, in its order: the backend's
    /// default filter.
    pub const ALL: [Platform; 4] = [Self::Instagram, Self::Tiktok, Self::Youtube, Self::Twitter];

    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Instagram => "instagram",
            Self::Tiktok => "tiktok",
            Self::Youtube => "youtube",
            Self::Twitter => "twitter",
            Self::Other(name) => name,
        }
    }

    /// The platform a wire name stands for; unknown names are
    /// [`Platform::Other`].
    pub fn from_wire(name: &str) -> Self {
        match name {
            "instagram" => Self::Instagram,
            "tiktok" => Self::Tiktok,
            "youtube" => Self::Youtube,
            "twitter" => Self::Twitter,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Whether the contract lists it (anything but [`Platform::Other`]).
    pub fn is_known(&self) -> bool {
        !matches!(self, Self::Other(_))
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for Platform {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Platform {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = Platform;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a platform name")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Platform, E> {
                Ok(Platform::from_wire(name))
            }
        }
        deserializer.deserialize_str(Name)
    }
}

/// What a budget optimisation maximises.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// `reach`: audience size.
    Reach,
    /// `engagement` (the backend's default): interactions.
    #[default]
    Engagement,
    /// `conversions`: sales or sign-ups.
    Conversions,
}

impl Objective {
    /// Every objective, in the contract's order.
    pub const ALL: [Objective; 3] = [Self::Reach, Self::Engagement, Self::Conversions];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Reach => "reach",
            Self::Engagement => "engagement",
            Self::Conversions => "conversions",
        }
    }
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
