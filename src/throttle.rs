//! Login throttling (NIST SP 800-63B §5.2.2; django-axes): after `max_failures`
//! consecutive failed sign-ins to an address, each further attempt waits for a
//! lock that doubles with every failure, from `lockout` up to `max_lockout`. The
//! counts live in the database (every command is a new process); the rule is here.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// `[login]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSettings {
    /// Failures in a row allowed before the first lock.
    pub max_failures: u32,
    /// The first lock; each further failure doubles it.
    pub lockout: Duration,
    /// The longest lock: an address opens again by itself at most this long after
    /// its last failure.
    pub max_lockout: Duration,
}

/// With the defaults a guesser gets at most [`DEFAULT_GUESSES_PER_DAY`] guesses
/// at one address in any day (and 24 a day after the first).
impl Default for LoginSettings {
    fn default() -> Self {
        LoginSettings {
            max_failures: 10,
            lockout: Duration::from_secs(60),
            max_lockout: Duration::from_secs(3600),
        }
    }
}

/// The most guesses the default settings allow at one address in 24 hours (see
/// the test that simulates a guesser).
pub const DEFAULT_GUESSES_PER_DAY: u32 = 38;

/// Failure rows quiet for this long (or `max_lockout`, if longer) are forgotten.
pub const FORGET_AFTER: Duration = Duration::from_secs(86_400);

impl LoginSettings {
    /// The lock that follows the `failures`-th failure in a row, if any.
    pub fn lock_for(&self, failures: u32) -> Option<Duration> {
        let beyond = failures.checked_sub(self.max_failures)?;
        let lock = 2u32
            .checked_pow(beyond)
            .and_then(|factor| self.lockout.checked_mul(factor))
            .unwrap_or(self.max_lockout);
        Some(lock.min(self.max_lockout))
    }

    /// When the address is locked until after the `failures`-th failure at `now`.
    pub fn locked_until(&self, failures: u32, now: Timestamp) -> Option<Timestamp> {
        let lock = SignedDuration::try_from(self.lock_for(failures)?).ok()?;
        Some(now.saturating_add(lock).unwrap_or(now))
    }

    /// Failure rows last touched before this are forgotten.
    pub fn forget_before(&self, now: Timestamp) -> Timestamp {
        let keep = SignedDuration::try_from(FORGET_AFTER.max(self.max_lockout))
            .unwrap_or(SignedDuration::MAX);
        now.saturating_sub(keep).unwrap_or(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_starts_after_max_failures_doubles_and_is_capped() {
        let s = LoginSettings::default();
        let minutes = |f| s.lock_for(f).map(|d| d.as_secs() / 60);
        assert_eq!(minutes(9), None);
        assert_eq!(minutes(10), Some(1));
        assert_eq!(minutes(11), Some(2));
        assert_eq!(minutes(15), Some(32));
        assert_eq!(minutes(16), Some(60));
        assert_eq!(minutes(u32::MAX), Some(60));
    }

    /// A guesser who tries again the moment each lock ends, for 24 hours.
    #[test]
    fn the_defaults_allow_at_most_the_documented_guesses_a_day() {
        let s = LoginSettings::default();
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let end = start
            .saturating_add(SignedDuration::from_hours(24))
            .unwrap();
        let (mut now, mut failures) = (start, 0u32);
        while now < end {
            failures += 1;
            if let Some(until) = s.locked_until(failures, now) {
                now = until;
            }
        }
        assert_eq!(failures, DEFAULT_GUESSES_PER_DAY);
        assert!(failures <= 100);
    }
}
