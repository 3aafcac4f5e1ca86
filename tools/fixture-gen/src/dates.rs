//! Every date the fixtures use, as constants (no clock is ever read).
//!
//! The timeline, chosen so that each time-based scenario fails on exactly one kind of object:
//! certificates 2025-01-01 → 2032/2035/2049; root CRL 2025-11-01 → 2026-11-01; PCK CRL
//! 2025-12-01 → 2026-03-01; TCB Info and QE Identity 2026-01-01 → 2026-01-31 (30 days, as Intel).
//! Evaluation at 2026-01-15 finds everything valid; at 2026-02-15 only the TCB Info and QE
//! Identity have passed nextUpdate; at 2025-12-15 only they are not yet issued.

use der::asn1::{GeneralizedTime, UtcTime};
use der::DateTime;
use x509_cert::time::Time;

use crate::error::Result;

/// A UTC instant, second precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

impl Date {
    pub const fn new(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Date {
        Date { year, month, day, hour, minute, second }
    }

    pub const fn day(year: u16, month: u8, day: u8) -> Date {
        Date::new(year, month, day, 0, 0, 0)
    }

    pub fn datetime(self) -> Result<DateTime> {
        Ok(DateTime::new(self.year, self.month, self.day, self.hour, self.minute, self.second)?)
    }

    /// `2026-01-15T00:00:00Z`, the form Intel's JSON collateral uses.
    pub fn rfc3339(self) -> Result<String> {
        Ok(self.datetime()?.to_string())
    }

    /// X.509 `Time`: UTCTime before 2050, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5).
    pub fn x509(self) -> Result<Time> {
        let datetime = self.datetime()?;
        if self.year < 2050 {
            Ok(Time::UtcTime(UtcTime::from_date_time(datetime)?))
        } else {
            Ok(Time::GeneralTime(GeneralizedTime::from_date_time(datetime)))
        }
    }
}

pub const CERT_NOT_BEFORE: Date = Date::day(2025, 1, 1);
pub const ROOT_NOT_AFTER: Date = Date::new(2049, 12, 31, 23, 59, 59);
pub const CA_NOT_AFTER: Date = Date::day(2035, 1, 1);
pub const LEAF_NOT_AFTER: Date = Date::day(2032, 1, 1);

pub const ROOT_CRL_THIS_UPDATE: Date = Date::day(2025, 11, 1);
pub const ROOT_CRL_NEXT_UPDATE: Date = Date::day(2026, 11, 1);
pub const PCK_CRL_THIS_UPDATE: Date = Date::day(2025, 12, 1);
pub const PCK_CRL_NEXT_UPDATE: Date = Date::day(2026, 3, 1);
pub const REVOCATION_DATE: Date = Date::day(2025, 6, 1);

pub const COLLATERAL_ISSUE_DATE: Date = Date::day(2026, 1, 1);
pub const COLLATERAL_NEXT_UPDATE: Date = Date::day(2026, 1, 31);

/// Evaluation time of every scenario that is not about time.
pub const EVAL_AT: Date = Date::day(2026, 1, 15);
/// After the TCB Info / QE Identity nextUpdate, before every other expiry.
pub const EVAL_EXPIRED_AT: Date = Date::day(2026, 2, 15);
/// Before the TCB Info / QE Identity issueDate, after every other start.
pub const EVAL_EARLY_AT: Date = Date::day(2025, 12, 15);
