//! The audit log's events: a closed list, so `userdb log --event` can refuse a
//! typo instead of answering "No audit entries." for an event that never exists.

/// Every event the library records, with what it means.
pub const EVENTS: &[(&str, &str)] = &[
    ("user_created", "a user was created"),
    ("superuser_created", "a superuser was created"),
    ("user_registered", "a user registered (register)"),
    ("user_imported", "a user was created by an import"),
    ("user_updated", "a user's fields were changed"),
    (
        "superuser_updated",
        "createsuperuser --update changed a user",
    ),
    ("user_deleted", "a user was deleted"),
    ("group_created", "a group was created"),
    (
        "group_updated",
        "a group was renamed or its permissions changed",
    ),
    ("group_deleted", "a group was deleted (its members left it)"),
    ("group_joined", "a user was put in a group"),
    ("group_left", "a user was taken out of a group"),
    (
        "permission_granted",
        "a permission was granted to a user directly",
    ),
    (
        "permission_revoked",
        "a permission granted directly was revoked",
    ),
    ("password_changed", "a password was set"),
    (
        "reset_token_created",
        "an operator made a password-reset token (create-reset-token)",
    ),
    (
        "reset_token_rejected",
        "a reset token was wrong, used, expired, replaced or outdated",
    ),
    (
        "password_reset",
        "a password was reset with an emailed code or a reset token",
    ),
    (
        "password_upgraded",
        "a hash was re-made with today's parameters",
    ),
    ("login_succeeded", "a sign-in succeeded"),
    ("login_failed", "a sign-in failed"),
    ("login_locked", "failed sign-ins locked an address"),
    (
        "login_unlocked",
        "an operator lifted a lock (update-user --unlock)",
    ),
    ("otp_sent", "a one-time code was sent"),
    (
        "otp_notice_sent",
        "a notice went out instead of a code (no account, inactive, registered already)",
    ),
    ("otp_send_failed", "a one-time code could not be delivered"),
    (
        "otp_send_refused",
        "a send was refused (cooldown, hourly cap)",
    ),
    ("otp_verified", "a one-time code was right"),
    ("otp_failed", "a one-time code was not accepted"),
    (
        "otp_revoked",
        "codes sent before an address was proven or changed were deleted",
    ),
    ("token_issued", "an API token was issued"),
    ("token_used", "an API token was verified"),
    ("token_refused", "a token was not issued"),
    ("token_rejected", "a token was presented and not valid"),
    ("token_revoked", "a token was revoked"),
];

/// The event names alone.
pub fn event_names() -> impl Iterator<Item = &'static str> {
    EVENTS.iter().map(|(name, _)| *name)
}

pub fn is_event(name: &str) -> bool {
    event_names().any(|e| e == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list is only useful while it is complete: every event the source
    /// records (as `audit("…"`, `entry("…"`, `…_event: "…"` or the event of
    /// `insert(…, "…")`) must be in it.
    #[test]
    fn every_event_the_library_records_is_in_the_list() {
        let pattern = regex::Regex::new(
            r#"(?:\b(?:audit|entry)\(\s*|_event: |validation, )"([a-z]+_[a-z_]+)""#,
        )
        .unwrap();
        let mut seen = 0;
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for found in pattern.captures_iter(&text) {
                        seen += 1;
                        assert!(
                            is_event(&found[1]),
                            "{} records {:?}, not in audit::EVENTS",
                            path.display(),
                            &found[1]
                        );
                    }
                }
            }
        }
        assert!(seen > 20, "the pattern found only {seen} events");
    }
}
