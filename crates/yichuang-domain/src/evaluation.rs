//! 好差评: the five levels, stored by meaning and never by number (GB/T 39046 and provincial
//! interfaces number them in opposite orders), the channels and the indicators.

use serde::{Deserialize, Serialize};

/// An evaluation level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 非常满意.
    VerySatisfied,
    /// 满意.
    Satisfied,
    /// 基本满意.
    BasicallySatisfied,
    /// 不满意.
    Dissatisfied,
    /// 非常不满意.
    VeryDissatisfied,
}

impl Level {
    /// Every level, best first.
    pub const ALL: [Self; 5] = [
        Self::VerySatisfied,
        Self::Satisfied,
        Self::BasicallySatisfied,
        Self::Dissatisfied,
        Self::VeryDissatisfied,
    ];

    /// Stable code (the stored value).
    pub fn code(self) -> &'static str {
        match self {
            Self::VerySatisfied => "very_satisfied",
            Self::Satisfied => "satisfied",
            Self::BasicallySatisfied => "basically_satisfied",
            Self::Dissatisfied => "dissatisfied",
            Self::VeryDissatisfied => "very_dissatisfied",
        }
    }

    /// Parses a stable code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }

    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::VerySatisfied => "非常满意",
            Self::Satisfied => "满意",
            Self::BasicallySatisfied => "基本满意",
            Self::Dissatisfied => "不满意",
            Self::VeryDissatisfied => "非常不满意",
        }
    }

    /// A bad review (差评) opens a rectification order.
    pub fn is_bad(self) -> bool {
        matches!(self, Self::Dissatisfied | Self::VeryDissatisfied)
    }
}

/// Where an evaluation was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The tablet at the window.
    Pad,
    /// The web portal.
    Web,
    /// A phone app or mini program.
    Mobile,
    /// An SMS link.
    Sms,
    /// A QR code on a notice.
    Qr,
    /// A phone call-back.
    Phone,
}

impl Channel {
    /// Parses a stable code.
    pub fn parse(code: &str) -> Option<Self> {
        Some(match code {
            "pad" => Self::Pad,
            "web" => Self::Web,
            "mobile" => Self::Mobile,
            "sms" => Self::Sms,
            "qr" => Self::Qr,
            "phone" => Self::Phone,
            _ => return None,
        })
    }

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Pad => "pad",
            Self::Web => "web",
            Self::Mobile => "mobile",
            Self::Sms => "sms",
            Self::Qr => "qr",
            Self::Phone => "phone",
        }
    }
}

/// On-site indicators (现场评价指标): code and Chinese name.
pub const ONSITE_INDICATORS: [(&str, &str); 3] = [
    ("efficiency", "服务效率"),
    ("competence", "服务水平"),
    ("attitude", "服务态度"),
];

/// Online indicators (网上评价指标, besides 整体满意度 which is the overall level): code and
/// Chinese name.
pub const ONLINE_INDICATORS: [(&str, &str); 4] = [
    ("efficiency", "办事效率"),
    ("guide_accuracy", "办事指南精确度"),
    ("convenience", "办事便捷度"),
    ("usability", "平台操作性"),
];

impl Channel {
    /// Whether the channel is online (web, phone app, SMS link, QR code) rather than on site.
    pub fn is_online(self) -> bool {
        matches!(self, Self::Web | Self::Mobile | Self::Sms | Self::Qr)
    }

    /// The indicators asked on this channel.
    pub fn indicators(self) -> &'static [(&'static str, &'static str)] {
        if self.is_online() {
            &ONLINE_INDICATORS
        } else {
            &ONSITE_INDICATORS
        }
    }

    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pad => "窗口评价器",
            Self::Web => "网上",
            Self::Mobile => "移动端",
            Self::Sms => "短信",
            Self::Qr => "二维码",
            Self::Phone => "电话回访",
        }
    }
}

/// Share of evaluations that are not bad reviews (满意率 = 非常满意 + 满意 + 基本满意 over all),
/// or `None` when there are none.
pub fn satisfaction_rate(counts: &[(Level, i64)]) -> Option<f64> {
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    let good: i64 = counts
        .iter()
        .filter(|(l, _)| !l.is_bad())
        .map(|(_, n)| n)
        .sum();
    #[allow(clippy::cast_precision_loss)]
    (total > 0).then(|| good as f64 / total as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_trip_by_meaning() {
        for l in Level::ALL {
            assert_eq!(Level::parse(l.code()), Some(l));
        }
        assert!(Level::Dissatisfied.is_bad() && !Level::BasicallySatisfied.is_bad());
        assert_eq!(
            serde_json::to_string(&Level::VeryDissatisfied).unwrap(),
            "\"very_dissatisfied\""
        );
    }
}
