# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_userdb_global_optspecs
    string join \n db= config= json no-input h/help V/version
end

function __fish_userdb_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_userdb_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_userdb_using_subcommand
    set -l cmd (__fish_userdb_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c userdb -n "__fish_userdb_needs_command" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_needs_command" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_needs_command" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_needs_command" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_needs_command" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_needs_command" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "migrate" -d 'Apply pending schema migrations (every command also does on open)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "register" -d 'Register a user (address unverified) and email the verify-email code'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "createuser" -d 'Create a user (password from a prompt or a non-argv source)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "createsuperuser" -d 'Create a superuser (staff, superuser, active)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "changepassword" -d 'Change a user\'s password'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "create-reset-token" -d 'Make a one-time password-reset token for a user (printed once, alone on a line)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "reset-password" -d 'Set a new password with a reset token from `create-reset-token`'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "authenticate" -d 'Check a user\'s password (from a prompt or a non-argv source)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "list-users" -d 'List users (table, --json or --csv)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "show-user" -d 'Show one user\'s fields'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "update-user" -d 'Change a user\'s names, flags, email, groups or permissions'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "delete-user" -d 'Delete a user (and their tokens and codes)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "create-group" -d 'Create a group, with permissions its members hold'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "list-groups" -d 'List the groups, with their members count and permissions'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "show-group" -d 'Show one group: its permissions and its members'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "update-group" -d 'Rename a group or change its permissions'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "delete-group" -d 'Delete a group (its members leave it; the users stay)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "has-perm" -d 'Check that a user holds permissions (exit 0 yes, 1 no)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "send-otp" -d 'Email a one-time code to a user through the configured backend'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "verify-otp" -d 'Check a one-time code (and use it up); verify-email marks the address verified'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "sendtestemail" -d 'Send a test email through the configured backend (as Django\'s sendtestemail)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "log" -d 'Show the audit log (changes and security events)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "doctor" -d 'Check the database: integrity, migrations, permissions, emails, hashes, custom fields'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "import" -d 'Import users from a file (CSV, JSON Lines or a Django fixture), all or nothing'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "apply" -d 'Make the users and groups a TOML file describes (only the differences)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "export" -d 'Export every user (with password hashes) as CSV, JSON Lines or a Django fixture'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "backup" -d 'Copy the whole database (WAL included) into one file, mode 0600, while other commands keep running'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "copy" -d 'Copy everything into another, empty database (e.g. from SQLite to PostgreSQL)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "issue-token" -d 'Issue an API token to a user (printed once, alone on a line)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "verify-token" -d 'Check an API token (from stdin or USERDB_TOKEN) and print its user'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "list-tokens" -d 'List API tokens (of one user, or of everyone)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "revoke-token" -d 'Revoke an API token by id, or every token of a user'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "enroll-totp" -d 'Enroll a second factor (TOTP): QR code, a first code, recovery codes'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "confirm-totp" -d 'Activate a pending TOTP enrolment with a code from the authenticator'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "recovery-codes" -d 'Make a new set of recovery codes (printed once); the old set stops working'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "disable-2fa" -d 'Remove a user\'s second factor: the operator\'s 2FA reset (audited)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "config" -d 'Show the effective configuration and paths (secrets redacted)'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "completions" -d 'Print the completion script for a shell'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "reference" -d 'Print the command-line reference: a man page or Markdown'
complete -c userdb -n "__fish_userdb_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c userdb -n "__fish_userdb_using_subcommand migrate" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand migrate" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand migrate" -l check -d 'Apply nothing; exit 1 if any migration is pending'
complete -c userdb -n "__fish_userdb_using_subcommand migrate" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand migrate" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand migrate" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand migrate" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand register" -l first-name -d 'The user\'s first name' -r
complete -c userdb -n "__fish_userdb_using_subcommand register" -l last-name -d 'The user\'s last name' -r
complete -c userdb -n "__fish_userdb_using_subcommand register" -l set -d 'Set a custom field declared in the config as [fields.NAME] (repeatable; NAME= leaves it empty)' -r
complete -c userdb -n "__fish_userdb_using_subcommand register" -l password-file -d 'Read the password from the first line of a file' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand register" -l password-env -d 'Read the password from the environment variable NAME' -r
complete -c userdb -n "__fish_userdb_using_subcommand register" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand register" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand register" -l password-stdin -d 'Read the password from the first line of standard input'
complete -c userdb -n "__fish_userdb_using_subcommand register" -l generate-password -d 'Generate a strong random password and print it once'
complete -c userdb -n "__fish_userdb_using_subcommand register" -l skip-validation -d 'Accept a password that fails the validators (length, similarity, common, numeric)'
complete -c userdb -n "__fish_userdb_using_subcommand register" -l no-password -d 'Give the user an unusable password (password-less sign-in with codes only)'
complete -c userdb -n "__fish_userdb_using_subcommand register" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand register" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand register" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand register" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l first-name -d 'The user\'s first name' -r
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l last-name -d 'The user\'s last name' -r
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l set -d 'Set a custom field declared in the config as [fields.NAME] (repeatable; NAME= leaves it empty)' -r
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l group -d 'Put the user in this group (repeatable; it must exist, see `list-groups`)' -r
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l must-change-password -d 'The user must change this password (changepassword, a reset) before a token is issued [default: [password] must_change_on_create]' -r
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l expires-at -d 'When the account stops working: a date (from its start, UTC), an RFC 3339 time, or never' -r
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l password-file -d 'Read the password from the first line of a file' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l password-env -d 'Read the password from the environment variable NAME' -r
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l staff -d 'Make the user staff (may use the admin)'
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l inactive -d 'Create the user inactive (cannot authenticate)'
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l password-stdin -d 'Read the password from the first line of standard input'
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l generate-password -d 'Generate a strong random password and print it once'
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l skip-validation -d 'Accept a password that fails the validators (length, similarity, common, numeric)'
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l no-password -d 'Give the user an unusable password (they cannot log in with one)'
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l if-not-exists -d 'Exit 0 without change if the user already exists'
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand createuser" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l email -d 'The email address [env: USERDB_SUPERUSER_EMAIL when not prompting]' -r
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l first-name -d 'The user\'s first name' -r
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l last-name -d 'The user\'s last name' -r
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l set -d 'Set a custom field declared in the config as [fields.NAME] (repeatable; NAME= leaves it empty)' -r
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l group -d 'Put the user in this group (repeatable; it must exist, see `list-groups`)' -r
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l must-change-password -d 'The user must change this password (changepassword, a reset) before a token is issued [default: [password] must_change_on_create]' -r
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l expires-at -d 'When the account stops working: a date (from its start, UTC), an RFC 3339 time, or never' -r
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l temporary -d 'A break-glass superuser that expires by itself after DURATION (8h, 30m); it does not count as the lasting superuser that delete and demote protect' -r
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l password-file -d 'Read the password from the first line of a file' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l password-env -d 'Read the password from the environment variable NAME' -r
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l password-stdin -d 'Read the password from the first line of standard input'
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l generate-password -d 'Generate a strong random password and print it once'
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l skip-validation -d 'Accept a password that fails the validators (length, similarity, common, numeric)'
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l if-not-exists -d 'Exit 0 without change if the user already exists'
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l update -d 'If the user exists, make it a superuser and set the password given (upsert)'
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l require-password -d 'With --no-input, fail (exit 2) instead of giving the new superuser an unusable password when no password is given (an unset CI secret)'
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand createsuperuser" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand changepassword" -l password-file -d 'Read the password from the first line of a file' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand changepassword" -l password-env -d 'Read the password from the environment variable NAME' -r
complete -c userdb -n "__fish_userdb_using_subcommand changepassword" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand changepassword" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand changepassword" -l password-stdin -d 'Read the password from the first line of standard input'
complete -c userdb -n "__fish_userdb_using_subcommand changepassword" -l generate-password -d 'Generate a strong random password and print it once'
complete -c userdb -n "__fish_userdb_using_subcommand changepassword" -l skip-validation -d 'Accept a password that fails the validators (length, similarity, common, numeric)'
complete -c userdb -n "__fish_userdb_using_subcommand changepassword" -l revoke-tokens -d 'Also revoke all of the user\'s API tokens (in the same transaction)'
complete -c userdb -n "__fish_userdb_using_subcommand changepassword" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand changepassword" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand changepassword" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand changepassword" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand create-reset-token" -l expires -d 'How long the token is valid, at most 7d [default: [password] reset_token_expiry, 24h unless configured]' -r
complete -c userdb -n "__fish_userdb_using_subcommand create-reset-token" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand create-reset-token" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand create-reset-token" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand create-reset-token" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand create-reset-token" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand create-reset-token" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand reset-password" -l new-password-file -d 'Read the new password from the first line of a file' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand reset-password" -l new-password-env -d 'Read the new password from the environment variable NAME' -r
complete -c userdb -n "__fish_userdb_using_subcommand reset-password" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand reset-password" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand reset-password" -l token-stdin -d 'Read the token from the first line of standard input'
complete -c userdb -n "__fish_userdb_using_subcommand reset-password" -l new-password-stdin -d 'Read the new password from the first line of standard input'
complete -c userdb -n "__fish_userdb_using_subcommand reset-password" -l skip-validation -d 'Accept a password (the new one of a reset, or the one given at an address\'s first verification) that fails the validators'
complete -c userdb -n "__fish_userdb_using_subcommand reset-password" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand reset-password" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand reset-password" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand reset-password" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand authenticate" -l password-file -d 'Read the password from the first line of a file' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand authenticate" -l password-env -d 'Read the password from the environment variable NAME' -r
complete -c userdb -n "__fish_userdb_using_subcommand authenticate" -l token-name -d 'With --issue-token: a name for the token [default: token-N]' -r
complete -c userdb -n "__fish_userdb_using_subcommand authenticate" -l expires -d 'With --issue-token: how long the token is valid (30d, 12h, never) [default: [token] default_expiry]' -r
complete -c userdb -n "__fish_userdb_using_subcommand authenticate" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand authenticate" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand authenticate" -l password-stdin -d 'Read the password from the first line of standard input'
complete -c userdb -n "__fish_userdb_using_subcommand authenticate" -l issue-token -d 'On success, also issue an API token and print it (once, alone on a line)'
complete -c userdb -n "__fish_userdb_using_subcommand authenticate" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand authenticate" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand authenticate" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand authenticate" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l search -d 'Only users whose email or name contains TEXT (any case)' -r
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l limit -d 'At most N users' -r
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l offset -d 'Skip the first N users' -r
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l where -d 'Only users whose custom field NAME holds VALUE (NAME= for none; repeatable)' -r
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l group -d 'Only members of this group' -r
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l perm -d 'Only users who hold this permission now, as has-perm says (active and not expired; superusers hold them all)' -r
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l 2fa -d 'Only users with (yes) or without (no) a confirmed second factor (TOTP); a pending enrolment counts as no' -r
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l staff -d 'Only staff users'
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l superuser -d 'Only superusers'
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l active -d 'Only active users'
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l inactive -d 'Only inactive users'
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l verified -d 'Only users whose email is verified'
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l expired -d 'Only accounts that have expired (--expires-at, createsuperuser --temporary)'
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l csv -d 'CSV with a header line instead of a table'
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand list-users" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand show-user" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand show-user" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand show-user" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand show-user" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand show-user" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand show-user" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l email -d 'A new email address' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l first-name -d 'A new first name' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l last-name -d 'A new last name' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l active -d 'Activate or deactivate (lock) the account' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l staff -d 'Grant or remove staff status' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l superuser -d 'Grant or remove superuser status' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l set -d 'Set a custom field declared in the config as [fields.NAME] (repeatable; NAME= leaves it empty)' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l group -d 'Put the user in this group (repeatable; it must exist, see `list-groups`)' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l remove-group -d 'Take the user out of this group (repeatable)' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l grant -d 'Grant this permission to the user directly (repeatable), e.g. blog.add_post' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l revoke -d 'Revoke a permission granted to the user directly (repeatable); one held through a group stays until the user leaves the group' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l must-change-password -d 'Require (true) or stop requiring (false) a password change before tokens' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l expires-at -d 'When the account stops working: a date (from its start, UTC), an RFC 3339 time, or never' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l unlock -d 'Lift a sign-in lock ([login]): forget the failed sign-ins'
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l force -d 'Allow deactivating, demoting or setting an expiry on the last lasting superuser (one that does not expire)'
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand update-user" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand delete-user" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand delete-user" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand delete-user" -s y -l yes -d 'Do not ask for confirmation'
complete -c userdb -n "__fish_userdb_using_subcommand delete-user" -l force -d 'Delete even the last lasting superuser (one that does not expire)'
complete -c userdb -n "__fish_userdb_using_subcommand delete-user" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand delete-user" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand delete-user" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand delete-user" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand create-group" -l perm -d 'A permission its members hold (repeatable), app_label.codename, e.g. blog.add_post' -r
complete -c userdb -n "__fish_userdb_using_subcommand create-group" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand create-group" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand create-group" -l if-not-exists -d 'Exit 0 without change if the group already exists (its permissions are left as they are: `apply` makes a whole state)'
complete -c userdb -n "__fish_userdb_using_subcommand create-group" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand create-group" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand create-group" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand create-group" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand list-groups" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand list-groups" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand list-groups" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand list-groups" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand list-groups" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand list-groups" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand show-group" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand show-group" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand show-group" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand show-group" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand show-group" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand show-group" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand update-group" -l add-perm -d 'Give the group this permission (repeatable)' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-group" -l remove-perm -d 'Take this permission from the group (repeatable)' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-group" -l rename -d 'A new name for the group (memberships stay)' -r
complete -c userdb -n "__fish_userdb_using_subcommand update-group" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand update-group" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand update-group" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand update-group" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand update-group" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand update-group" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand delete-group" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand delete-group" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand delete-group" -s y -l yes -d 'Do not ask for confirmation'
complete -c userdb -n "__fish_userdb_using_subcommand delete-group" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand delete-group" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand delete-group" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand delete-group" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand has-perm" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand has-perm" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand has-perm" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand has-perm" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand has-perm" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand has-perm" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand send-otp" -l purpose -d 'What the code is for' -r -f -a "verify-email\t''
login\t''
password-reset\t''"
complete -c userdb -n "__fish_userdb_using_subcommand send-otp" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand send-otp" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand send-otp" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand send-otp" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand send-otp" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand send-otp" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l purpose -d 'What the code is for' -r -f -a "verify-email\t''
login\t''
password-reset\t''"
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l token-name -d 'With --issue-token: a name for the token [default: token-N]' -r
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l expires -d 'With --issue-token: how long the token is valid (30d, 12h, never) [default: [token] default_expiry]' -r
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l password-file -d 'Read the password from the first line of a file' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l password-env -d 'Read the password from the environment variable NAME' -r
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l new-password-file -d 'Read the new password from the first line of a file' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l new-password-env -d 'Read the new password from the environment variable NAME' -r
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l code-stdin -d 'Read the code from the first line of standard input'
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l issue-token -d 'On success, also issue an API token and print it (once, alone on a line)'
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l password-stdin -d 'Read the password from the first line of standard input'
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l new-password-stdin -d 'Read the new password from the first line of standard input'
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l skip-validation -d 'Accept a password (the new one of a reset, or the one given at an address\'s first verification) that fails the validators'
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand verify-otp" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand sendtestemail" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand sendtestemail" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand sendtestemail" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand sendtestemail" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand sendtestemail" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand sendtestemail" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand log" -l user -d 'Only rows about this user (also after it was deleted or renamed)' -r
complete -c userdb -n "__fish_userdb_using_subcommand log" -l event -d 'Only this event' -r -f -a "user_created\t'a user was created'
superuser_created\t'a superuser was created'
user_registered\t'a user registered (register)'
user_imported\t'a user was created by an import'
user_updated\t'a user\'s fields were changed'
superuser_updated\t'createsuperuser --update changed a user'
user_deleted\t'a user was deleted'
group_created\t'a group was created'
group_updated\t'a group was renamed or its permissions changed'
group_deleted\t'a group was deleted (its members left it)'
group_joined\t'a user was put in a group'
group_left\t'a user was taken out of a group'
permission_granted\t'a permission was granted to a user directly'
permission_revoked\t'a permission granted directly was revoked'
password_changed\t'a password was set'
reset_token_created\t'an operator made a password-reset token (create-reset-token)'
reset_token_rejected\t'a reset token was wrong, used, expired, replaced or outdated'
password_reset\t'a password was reset with an emailed code or a reset token'
password_upgraded\t'a hash was re-made with today\'s parameters'
login_succeeded\t'a sign-in succeeded'
login_failed\t'a sign-in failed'
login_locked\t'failed sign-ins locked an address'
login_unlocked\t'an operator lifted a lock (update-user --unlock)'
otp_sent\t'a one-time code was sent'
otp_notice_sent\t'a notice went out instead of a code (no account, inactive, registered already)'
otp_send_failed\t'a one-time code could not be delivered'
otp_send_refused\t'a send was refused (cooldown, hourly cap)'
otp_verified\t'a one-time code was right'
otp_failed\t'a one-time code was not accepted'
otp_revoked\t'codes sent before an address was proven or changed were deleted'
token_issued\t'an API token was issued'
token_used\t'an API token was verified'
token_refused\t'a token was not issued'
token_rejected\t'a token was presented and not valid'
token_revoked\t'a token was revoked'
totp_enrolment_started\t'a TOTP enrolment was started (pending until confirmed)'
totp_confirmed\t'a TOTP enrolment was confirmed with a code'
totp_imported\t'an import gave a user a confirmed TOTP secret (an otpauth:// URI)'
second_factor_failed\t'a second factor (TOTP or recovery code) was not accepted'
recovery_code_used\t'a recovery code was used'
recovery_codes_regenerated\t'a new set of recovery codes replaced the old'
second_factor_disabled\t'an operator removed a user\'s second factor'"
complete -c userdb -n "__fish_userdb_using_subcommand log" -l since -d 'Only rows newer than a duration ago (1h, 7d) or an RFC 3339 time' -r
complete -c userdb -n "__fish_userdb_using_subcommand log" -l limit -d 'Only the newest N rows' -r
complete -c userdb -n "__fish_userdb_using_subcommand log" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand log" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand log" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand log" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand log" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c userdb -n "__fish_userdb_using_subcommand log" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand doctor" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand doctor" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand doctor" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand doctor" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand import" -l format -d 'The file\'s format [default: from its extension (.csv, .jsonl, .json), else from its first character]' -r -f -a "csv\t''
jsonl\t''
django\t''"
complete -c userdb -n "__fish_userdb_using_subcommand import" -l on-conflict -d 'What to do with a row whose email is already taken' -r -f -a "fail\t'Import nothing and name the existing users (exit 4)'
skip\t'Leave existing users as they are'
update\t'Give existing users the file\'s values (fields the file leaves out are kept)'"
complete -c userdb -n "__fish_userdb_using_subcommand import" -l jobs -d 'Hashing threads [default: one per core]' -r
complete -c userdb -n "__fish_userdb_using_subcommand import" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand import" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand import" -l dry-run -d 'Check every row and report what would happen; write nothing'
complete -c userdb -n "__fish_userdb_using_subcommand import" -l skip-validation -d 'Accept plain passwords that fail the validators (pre-hashed ones are never checked)'
complete -c userdb -n "__fish_userdb_using_subcommand import" -l force -d 'Allow --on-conflict update to deactivate or demote the last lasting superuser (one that does not expire)'
complete -c userdb -n "__fish_userdb_using_subcommand import" -l create-groups -d 'Create the groups rows name that neither exist nor are defined by the file, without permissions (a CSV carries memberships, not groups)'
complete -c userdb -n "__fish_userdb_using_subcommand import" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand import" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c userdb -n "__fish_userdb_using_subcommand import" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand apply" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand apply" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand apply" -l dry-run -d 'Print the plan and change nothing'
complete -c userdb -n "__fish_userdb_using_subcommand apply" -l prune -d 'Deactivate the active users the file does not list (never the last superuser that does not expire)'
complete -c userdb -n "__fish_userdb_using_subcommand apply" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand apply" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand apply" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand apply" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand export" -l format -d 'The format [default: from the --output extension (.csv, .jsonl, .json); on stdout, jsonl]' -r -f -a "csv\t''
jsonl\t''
django\t''"
complete -c userdb -n "__fish_userdb_using_subcommand export" -s o -l output -d 'Write to FILE (mode 0600, put in place when complete; never the database, a link or a device) instead of stdout' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand export" -l model -d 'The model label of a Django fixture' -r
complete -c userdb -n "__fish_userdb_using_subcommand export" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand export" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand export" -l natural -d 'A Django fixture without pks (as dumpdata --natural-primary): loaddata finds users by email and groups by name, so it updates the right rows of a database whose pks differ'
complete -c userdb -n "__fish_userdb_using_subcommand export" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand export" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand export" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand export" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand backup" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand backup" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand backup" -l force -d 'Replace FILE if it exists (a regular file of yours; never the database itself)'
complete -c userdb -n "__fish_userdb_using_subcommand backup" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand backup" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand backup" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand backup" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand copy" -l to -d 'The database to fill: a postgres:// URL or a SQLite file path; migrated first, and it must hold no users, tokens or audit rows' -r
complete -c userdb -n "__fish_userdb_using_subcommand copy" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand copy" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand copy" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand copy" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand copy" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand copy" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand issue-token" -l name -d 'A name for the token, unique among the user\'s tokens [default: token-N]' -r
complete -c userdb -n "__fish_userdb_using_subcommand issue-token" -l expires -d 'How long the token is valid: 30d, 12h, 90m, 3600 (seconds) or never [default: [token] default_expiry, 90d unless configured]' -r
complete -c userdb -n "__fish_userdb_using_subcommand issue-token" -l scope -d 'Limit the token to this permission (repeatable); the user must hold it. Without --scope the token carries whatever the user holds at each use' -r
complete -c userdb -n "__fish_userdb_using_subcommand issue-token" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand issue-token" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand issue-token" -l if-not-exists -d 'Exit 0 and print nothing on stdout if the user already has a token of this --name that is not revoked (a re-run of a provisioning script: the token was shown once, the first time)'
complete -c userdb -n "__fish_userdb_using_subcommand issue-token" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand issue-token" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand issue-token" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand issue-token" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand verify-token" -l require -d 'Also require this permission (repeatable): it must be among the token\'s scopes (if it has any) and held by its user now' -r
complete -c userdb -n "__fish_userdb_using_subcommand verify-token" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand verify-token" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand verify-token" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand verify-token" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand verify-token" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand verify-token" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand list-tokens" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand list-tokens" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand list-tokens" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand list-tokens" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand list-tokens" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand list-tokens" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand revoke-token" -l all -d 'Revoke every token of this user instead' -r
complete -c userdb -n "__fish_userdb_using_subcommand revoke-token" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand revoke-token" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand revoke-token" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand revoke-token" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand revoke-token" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand revoke-token" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand enroll-totp" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand enroll-totp" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand enroll-totp" -l replace -d 'Enroll a new authenticator in place of a confirmed one (the old one keeps working until the new one is confirmed)'
complete -c userdb -n "__fish_userdb_using_subcommand enroll-totp" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand enroll-totp" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand enroll-totp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c userdb -n "__fish_userdb_using_subcommand enroll-totp" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand confirm-totp" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand confirm-totp" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand confirm-totp" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand confirm-totp" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand confirm-totp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c userdb -n "__fish_userdb_using_subcommand confirm-totp" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand recovery-codes" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand recovery-codes" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand recovery-codes" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand recovery-codes" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand recovery-codes" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c userdb -n "__fish_userdb_using_subcommand recovery-codes" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand disable-2fa" -l reason -d 'Why (required; written to the audit log with who ran the command)' -r
complete -c userdb -n "__fish_userdb_using_subcommand disable-2fa" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand disable-2fa" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand disable-2fa" -l keep-tokens -d 'Leave the user\'s API tokens working (by default they are revoked: whoever lost the authenticator may have lost the tokens with it)'
complete -c userdb -n "__fish_userdb_using_subcommand disable-2fa" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand disable-2fa" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand disable-2fa" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c userdb -n "__fish_userdb_using_subcommand disable-2fa" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand config" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand config" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand config" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand config" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand config" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand config" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand completions" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand completions" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand completions" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand completions" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand completions" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand completions" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand reference" -l dir -d 'Write every man page (userdb.1 and one userdb-COMMAND.1 per command) into this folder, e.g. ~/.local/share/man/man1, instead of printing userdb.1' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand reference" -l db -d 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir\'s userdb.sqlite3]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand reference" -l config -d 'The TOML config file [default: the platform config dir\'s config.toml]' -r -F
complete -c userdb -n "__fish_userdb_using_subcommand reference" -l json -d 'Machine-readable output on stdout, errors as JSON on stderr'
complete -c userdb -n "__fish_userdb_using_subcommand reference" -l no-input -d 'Never prompt: fail (or use the documented non-interactive default) instead'
complete -c userdb -n "__fish_userdb_using_subcommand reference" -s h -l help -d 'Print help'
complete -c userdb -n "__fish_userdb_using_subcommand reference" -s V -l version -d 'Print version'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "migrate" -d 'Apply pending schema migrations (every command also does on open)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "register" -d 'Register a user (address unverified) and email the verify-email code'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "createuser" -d 'Create a user (password from a prompt or a non-argv source)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "createsuperuser" -d 'Create a superuser (staff, superuser, active)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "changepassword" -d 'Change a user\'s password'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "create-reset-token" -d 'Make a one-time password-reset token for a user (printed once, alone on a line)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "reset-password" -d 'Set a new password with a reset token from `create-reset-token`'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "authenticate" -d 'Check a user\'s password (from a prompt or a non-argv source)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "list-users" -d 'List users (table, --json or --csv)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "show-user" -d 'Show one user\'s fields'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "update-user" -d 'Change a user\'s names, flags, email, groups or permissions'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "delete-user" -d 'Delete a user (and their tokens and codes)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "create-group" -d 'Create a group, with permissions its members hold'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "list-groups" -d 'List the groups, with their members count and permissions'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "show-group" -d 'Show one group: its permissions and its members'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "update-group" -d 'Rename a group or change its permissions'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "delete-group" -d 'Delete a group (its members leave it; the users stay)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "has-perm" -d 'Check that a user holds permissions (exit 0 yes, 1 no)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "send-otp" -d 'Email a one-time code to a user through the configured backend'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "verify-otp" -d 'Check a one-time code (and use it up); verify-email marks the address verified'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "sendtestemail" -d 'Send a test email through the configured backend (as Django\'s sendtestemail)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "log" -d 'Show the audit log (changes and security events)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "doctor" -d 'Check the database: integrity, migrations, permissions, emails, hashes, custom fields'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "import" -d 'Import users from a file (CSV, JSON Lines or a Django fixture), all or nothing'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "apply" -d 'Make the users and groups a TOML file describes (only the differences)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "export" -d 'Export every user (with password hashes) as CSV, JSON Lines or a Django fixture'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "backup" -d 'Copy the whole database (WAL included) into one file, mode 0600, while other commands keep running'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "copy" -d 'Copy everything into another, empty database (e.g. from SQLite to PostgreSQL)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "issue-token" -d 'Issue an API token to a user (printed once, alone on a line)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "verify-token" -d 'Check an API token (from stdin or USERDB_TOKEN) and print its user'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "list-tokens" -d 'List API tokens (of one user, or of everyone)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "revoke-token" -d 'Revoke an API token by id, or every token of a user'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "enroll-totp" -d 'Enroll a second factor (TOTP): QR code, a first code, recovery codes'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "confirm-totp" -d 'Activate a pending TOTP enrolment with a code from the authenticator'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "recovery-codes" -d 'Make a new set of recovery codes (printed once); the old set stops working'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "disable-2fa" -d 'Remove a user\'s second factor: the operator\'s 2FA reset (audited)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "config" -d 'Show the effective configuration and paths (secrets redacted)'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "completions" -d 'Print the completion script for a shell'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "reference" -d 'Print the command-line reference: a man page or Markdown'
complete -c userdb -n "__fish_userdb_using_subcommand help; and not __fish_seen_subcommand_from migrate register createuser createsuperuser changepassword create-reset-token reset-password authenticate list-users show-user update-user delete-user create-group list-groups show-group update-group delete-group has-perm send-otp verify-otp sendtestemail log doctor import apply export backup copy issue-token verify-token list-tokens revoke-token enroll-totp confirm-totp recovery-codes disable-2fa config completions reference help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
