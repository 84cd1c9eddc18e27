//! Time as a dependency, so that expiry and cooldown rules are tested by moving a
//! clock rather than by sleeping.

use jiff::{Timestamp, Unit};

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The real clock, truncated to microseconds: what the database stores.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        truncate(Timestamp::now())
    }
}

/// A clock that always says the same time (tests, and `USERDB_NOW` for the CLI's tests).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        truncate(self.0)
    }
}

/// A clock a test moves by hand (`*clock.0.lock().unwrap() = later`).
#[cfg(test)]
pub(crate) struct MovableClock(pub(crate) std::sync::Mutex<Timestamp>);

#[cfg(test)]
impl Clock for MovableClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

fn truncate(ts: Timestamp) -> Timestamp {
    ts.round(
        jiff::TimestampRound::new()
            .smallest(Unit::Microsecond)
            .mode(jiff::RoundMode::Trunc),
    )
    .unwrap_or(ts)
}

/// The one text form of a timestamp in the database and in output: RFC 3339, UTC,
/// fixed width with microseconds, so that text order is time order.
pub fn format_timestamp(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The one form of a timestamp for people (tables, status lines, audit
/// details): `2026-01-02 03:04:05 UTC`. Machines get [`format_timestamp`].
pub fn human_timestamp(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

/// When an account expires, as `--expires-at` and apply's `expires_at` take it:
/// `never` (`Some(None)`), an RFC 3339 time, or a date, which means its start in
/// UTC (as `useradd --expiredate`). `None` when the text is none of these.
pub fn parse_expiry(text: &str) -> Option<Option<Timestamp>> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("never") {
        return Some(None);
    }
    if let Ok(at) = text.parse::<Timestamp>() {
        return Some(Some(at));
    }
    let date = text.parse::<jiff::civil::Date>().ok()?;
    jiff::tz::Offset::UTC
        .to_timestamp(date.at(0, 0, 0, 0))
        .ok()
        .map(Some)
}

/// Serialises timestamps in [`format_timestamp`]'s form.
pub mod serde_timestamp {
    use jiff::Timestamp;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(ts: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_timestamp(*ts))
    }

    pub mod option {
        use jiff::Timestamp;
        use serde::Serializer;

        pub fn serialize<S: Serializer>(ts: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
            match ts {
                Some(ts) => s.serialize_str(&super::super::format_timestamp(*ts)),
                None => s.serialize_none(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_one_fixed_width_form_that_parses_back() {
        let ts: Timestamp = "2026-11-24T08:47:00.5Z".parse().unwrap();
        let text = format_timestamp(ts);
        assert_eq!(text, "2026-11-24T08:47:00.500000Z");
        assert_eq!(parse_timestamp(&text), Some(ts));
    }

    #[test]
    fn the_clocks_keep_microseconds_only() {
        let ts: Timestamp = "2026-11-24T08:47:00.123456789Z".parse().unwrap();
        assert_eq!(
            format_timestamp(FixedClock(ts).now()),
            "2026-11-24T08:47:00.123456Z"
        );
        assert_eq!(SystemClock.now().subsec_nanosecond() % 1000, 0);
    }
}
