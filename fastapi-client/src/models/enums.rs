//! The closed vocabularies of the wire contract.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A social platform a KOL publishes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// `instagram`
    Instagram,
    /// `tiktok`
    Tiktok,
    /// `youtube`
    Youtube,
    /// `twitter`
    Twitter,
}

impl Platform {
    /// Every platform, in the contract's order: the backend's default filter.
    pub const ALL: [Platform; 4] = [Self::Instagram, Self::Tiktok, Self::Youtube, Self::Twitter];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Instagram => "instagram",
            Self::Tiktok => "tiktok",
            Self::Youtube => "youtube",
            Self::Twitter => "twitter",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
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
