//! Time. The library never reads the clock: the CLI reads it once (or takes `--at`) and passes
//! an `EvalTime` down, and the report records it. `UnixTime` is an instant read from evidence
//! (a certificate's or CRL's validity bound, a collateral's issue date) or the evaluation time
//! compared with one; its `Display` is the one place an instant becomes RFC 3339 text.

use std::time::Duration;

use der::DateTime;

use crate::error::ParseError;

/// A UTC instant with second precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct EvalTime(DateTime);

impl EvalTime {
    pub fn from_unix(secs: u64) -> Option<Self> {
        DateTime::from_unix_duration(Duration::from_secs(secs)).ok().map(EvalTime)
    }

    pub fn unix(&self) -> u64 {
        self.0.unix_duration().as_secs()
    }

    pub fn datetime(&self) -> DateTime {
        self.0
    }

    /// The same instant as a `UnixTime`, to compare with times read from evidence.
    pub fn unix_time(&self) -> UnixTime {
        UnixTime(self.unix())
    }
}

impl From<EvalTime> for UnixTime {
    fn from(t: EvalTime) -> Self {
        t.unix_time()
    }
}

/// A UTC instant in whole seconds since 1970-01-01T00:00:00Z. Unlike `EvalTime` it covers every
/// `u64`, so that windows can start at `EPOCH` and end at `MAX` before anything narrows them;
/// `Display` shows RFC 3339 (`2025-07-19T10:00:35Z`), or the seconds for instants after 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(u64);

impl UnixTime {
    /// 1970-01-01T00:00:00Z.
    pub const EPOCH: UnixTime = UnixTime(0);
    /// The last representable second: the end of a window that nothing has narrowed yet.
    pub const MAX: UnixTime = UnixTime(u64::MAX);

    pub const fn from_secs(secs: u64) -> Self {
        UnixTime(secs)
    }

    /// Seconds since the epoch.
    pub const fn secs(self) -> u64 {
        self.0
    }

    /// `secs` seconds later, saturating at `MAX`.
    pub const fn plus_secs(self, secs: u64) -> Self {
        UnixTime(self.0.saturating_add(secs))
    }

    /// `secs` seconds earlier, saturating at `EPOCH`.
    pub const fn minus_secs(self, secs: u64) -> Self {
        UnixTime(self.0.saturating_sub(secs))
    }
}

impl From<DateTime> for UnixTime {
    fn from(t: DateTime) -> Self {
        UnixTime(t.unix_duration().as_secs())
    }
}

impl std::fmt::Display for UnixTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match EvalTime::from_unix(self.0) {
            Some(t) => t.fmt(f),
            None => write!(f, "{} (unix seconds)", self.0),
        }
    }
}

impl std::fmt::Display for EvalTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Parses an RFC 3339 date-time: `2026-03-01T00:00:00Z`, with optional fractional seconds
/// (truncated) and a `±HH:MM` offset.
pub fn parse_rfc3339(text: &str, field: &str) -> Result<EvalTime, ParseError> {
    let bad =
        || ParseError::field(field, "an RFC 3339 time such as 2026-03-01T00:00:00Z", crate::error::describe(text));
    let t = text.trim().to_ascii_uppercase();
    let (base, rest) = t.split_at_checked(19).ok_or_else(bad)?;
    let rest = match rest.strip_prefix('.') {
        Some(frac) => frac.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    let offset_secs: i64 = match rest {
        "Z" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) => {
            let hours: i64 = o.get(1..3).and_then(|h| h.parse().ok()).ok_or_else(bad)?;
            let mins: i64 = o.get(4..6).and_then(|m| m.parse().ok()).ok_or_else(bad)?;
            if o.get(3..4) != Some(":") || hours > 23 || mins > 59 {
                return Err(bad());
            }
            let magnitude = hours.saturating_mul(3600).saturating_add(mins.saturating_mul(60));
            if o.starts_with('-') {
                magnitude.saturating_neg()
            } else {
                magnitude
            }
        }
        _ => return Err(bad()),
    };
    let local: DateTime = format!("{base}Z").parse().map_err(|_| bad())?;
    let local_secs = i64::try_from(local.unix_duration().as_secs()).map_err(|_| bad())?;
    let utc = local_secs.checked_sub(offset_secs).and_then(|s| u64::try_from(s).ok()).ok_or_else(bad)?;
    EvalTime::from_unix(utc).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_zulu_fractions_and_offsets() {
        assert_eq!(parse_rfc3339("2026-03-01T00:00:00Z", "at").unwrap().unix(), 1772323200);
        assert_eq!(parse_rfc3339("2026-03-01T00:00:00.123Z", "at").unwrap().unix(), 1772323200);
        assert_eq!(parse_rfc3339("2026-03-01T01:30:00+01:30", "at").unwrap().unix(), 1772323200);
        assert_eq!(parse_rfc3339("2026-02-28T23:00:00-01:00", "at").unwrap().to_string(), "2026-03-01T00:00:00Z");
        for bad in ["2026-03-01", "2026-13-01T00:00:00Z", "2026-03-01T00:00:00", "x", "2026-03-01T00:00:00+25:00"] {
            assert!(parse_rfc3339(bad, "at").is_err(), "{bad}");
        }
    }

    #[test]
    fn unix_time_shows_rfc3339_and_saturates() {
        let t = parse_rfc3339("2025-07-19T10:00:35Z", "at").unwrap();
        assert_eq!(t.unix_time(), UnixTime::from_secs(1752919235));
        assert_eq!(UnixTime::from(t).to_string(), "2025-07-19T10:00:35Z");
        assert_eq!(UnixTime::from(t.datetime()), t.unix_time());
        assert_eq!(UnixTime::EPOCH.to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(UnixTime::MAX.to_string(), "18446744073709551615 (unix seconds)");
        assert_eq!(UnixTime::MAX.plus_secs(1), UnixTime::MAX);
        assert_eq!(UnixTime::EPOCH.minus_secs(1), UnixTime::EPOCH);
        assert!(t.unix_time().minus_secs(1) < t.unix_time() && t.unix_time() < t.unix_time().plus_secs(1));
    }
}
