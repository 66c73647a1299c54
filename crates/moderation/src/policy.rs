use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of content a dictionary term belongs to.
///
/// Each category carries its own [`Action`], so operators can tune how strict
/// a class of content is without editing the word lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Sexual content.
    Porn,
    /// Politically sensitive content.
    Politics,
    /// Insults and harassment.
    Abuse,
    /// Advertising and spam.
    Ads,
    /// Operator-defined list.
    Custom,
}

impl Category {
    /// Every category, in declaration order.
    pub const ALL: [Category; 5] = [
        Category::Porn,
        Category::Politics,
        Category::Abuse,
        Category::Ads,
        Category::Custom,
    ];

    /// The lowercase name used in configuration and logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::Porn => "porn",
            Category::Politics => "politics",
            Category::Abuse => "abuse",
            Category::Ads => "ads",
            Category::Custom => "custom",
        }
    }

    /// The action applied when configuration does not override it.
    pub const fn default_action(self) -> Action {
        match self {
            Category::Porn | Category::Politics | Category::Custom => Action::Block,
            Category::Abuse | Category::Ads => Action::Mask,
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happens to a message containing a term.
///
/// Variants are declared from weakest to strongest so that the derived `Ord`
/// *is* the precedence rule (`Block > Mask > Flag`) and callers can simply
/// take the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Deliver unchanged; only report the hit.
    Flag,
    /// Deliver with the matched characters replaced by `*`.
    Mask,
    /// Reject the whole message.
    Block,
}

impl Action {
    /// The lowercase name used in configuration and logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Flag => "flag",
            Action::Mask => "mask",
            Action::Block => "block",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The resolved action for every category: defaults plus overrides.
///
/// Resolved once up front so the hot path is an array index, not a map
/// lookup with a fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionTable([Action; Category::ALL.len()]);

impl ActionTable {
    /// Defaults, with `overrides` applied on top.
    pub fn new(overrides: &BTreeMap<Category, Action>) -> Self {
        let mut table = Self::default();
        for (&category, &action) in overrides {
            table.set(category, action);
        }
        table
    }

    /// The action for `category`.
    pub fn get(&self, category: Category) -> Action {
        self.0[category.index()]
    }

    /// Replaces the action for `category`.
    pub fn set(&mut self, category: Category, action: Action) {
        self.0[category.index()] = action;
    }
}

impl Default for ActionTable {
    fn default() -> Self {
        Self(Category::ALL.map(Category::default_action))
    }
}

/// What happens to a Chinese term found across the boundary of two words
/// (`特色情况` holds `色情`), unless the entry is written with `*` on that
/// side (match anywhere).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CrossWord {
    /// Not a hit (default): innocent viewers are not blocked.
    #[default]
    Pass,
    /// Delivered unchanged, reported as a `flag` hit for review.
    Review,
    /// Treated like any other hit (the behaviour without segmentation).
    Block,
}

/// The ads detector: what to do with phone numbers, messaging-app IDs and
/// URLs, each off (`None`) unless configured. Hits are reported in category
/// `ads` with the term `<phone>`, `<contact>` or `<url>`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdsDetector {
    /// Phone numbers: Chinese mobile numbers (also in full-width digits or
    /// Chinese numerals, spaced out), `+` international numbers, and
    /// numbers after a cue such as `电话` or `tel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<Action>,
    /// Messaging-app IDs after a cue (`加`, `V`, `vx`, `wx`, `微`, `qq`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<Action>,
    /// URLs and domains, also obfuscated (`dot com`, `点com`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Action>,
}

impl AdsDetector {
    /// Whether any detector is on.
    pub fn is_enabled(&self) -> bool {
        self.phone.is_some() || self.contact.is_some() || self.url.is_some()
    }
}

/// Screening settings that can differ per app.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScreenPolicy {
    /// Chinese terms across word boundaries.
    pub cross_word: CrossWord,
    /// The ads detector.
    pub ads: AdsDetector,
}

/// Per-app overrides of the default [`ScreenPolicy`]
/// (`[[moderation.apps]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppPolicy {
    /// The SDKAppID.
    pub app: u64,
    /// Overrides `[moderation] cross_word` for this app.
    #[serde(default)]
    pub cross_word: Option<CrossWord>,
    /// Overrides `[moderation] ads` for this app (as a whole).
    #[serde(default)]
    pub ads: Option<AdsDetector>,
}
