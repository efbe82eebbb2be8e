//! Delivery and attempt states, numbered as Svix numbers them on the wire.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Success = 0,
    Pending = 1,
    Fail = 2,
    Sending = 3,
    Canceled = 4,
}

impl DeliveryStatus {
    pub fn from_i16(n: i16) -> Self {
        match n {
            0 => Self::Success,
            1 => Self::Pending,
            2 => Self::Fail,
            3 => Self::Sending,
            _ => Self::Canceled,
        }
    }
    pub fn parse(n: i64) -> Option<Self> {
        (0..=4).contains(&n).then(|| Self::from_i16(n as i16))
    }
    pub fn as_i16(self) -> i16 {
        self as i16
    }
    pub fn text(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Pending => "pending",
            Self::Fail => "fail",
            Self::Sending => "sending",
            Self::Canceled => "canceled",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Trigger {
    Scheduled = 0,
    Manual = 1,
}
