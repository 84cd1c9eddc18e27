//! Durations as users write them: `90s`, `10m`, `12h`, `30d`, a bare number of
//! seconds, or `never` where that makes sense.

use std::time::Duration;

/// Parses a duration; `Ok(None)` is `never`.
pub fn parse_duration(text: &str) -> Result<Option<Duration>, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "{text:?} is not a duration (use e.g. 90s, 10m, 12h, 30d)"
            ));
        }
    };
    let count: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (use e.g. 90s, 10m, 12h, 30d)"))?;
    count
        .checked_mul(scale)
        .filter(|secs| *secs <= 100 * 365 * 86_400)
        .map(|secs| Some(Duration::from_secs(secs)))
        .ok_or_else(|| format!("{text:?} is longer than a hundred years"))
}

/// Parses a duration where `never` is not allowed.
pub fn parse_finite_duration(text: &str) -> Result<Duration, String> {
    parse_duration(text)?.ok_or_else(|| "\"never\" is not allowed here".to_string())
}

/// The shortest exact form of a duration, as [`parse_duration`] reads it.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    for (unit, scale) in [("d", 86_400), ("h", 3600), ("m", 60)] {
        if secs != 0 && secs.is_multiple_of(scale) {
            return format!("{}{unit}", secs / scale);
        }
    }
    format!("{secs}s")
}

/// A wait as people read it: `40s`, `12m`, `12m 5s`, `1h 2m`.
pub fn human_wait(d: Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m {s}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h {m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_unit_or_mean_seconds() {
        assert_eq!(parse_duration("90s"), Ok(Some(Duration::from_secs(90))));
        assert_eq!(parse_duration("10m"), Ok(Some(Duration::from_secs(600))));
        assert_eq!(parse_duration("12h"), Ok(Some(Duration::from_secs(43_200))));
        assert_eq!(
            parse_duration("30d"),
            Ok(Some(Duration::from_secs(2_592_000)))
        );
        assert_eq!(parse_duration("45"), Ok(Some(Duration::from_secs(45))));
        assert_eq!(parse_duration("never"), Ok(None));
    }

    #[test]
    fn anything_else_is_an_error_that_shows_the_form() {
        for bad in [
            "",
            "m",
            "1.5h",
            "-1s",
            "10 m",
            "10w",
            "99999999999999999999d",
            "5000000d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        assert!(parse_finite_duration("never").is_err());
    }

    #[test]
    fn formatting_round_trips() {
        for text in ["90s", "10m", "12h", "30d", "0s"] {
            let d = parse_finite_duration(text).unwrap();
            assert_eq!(format_duration(d), text);
        }
    }
}
