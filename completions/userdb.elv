
use builtin;
use str;

set edit:completion:arg-completer[userdb] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'userdb'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'userdb'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand migrate 'Apply pending schema migrations (every command also does on open)'
            cand register 'Register a user (address unverified) and email the verify-email code'
            cand createuser 'Create a user (password from a prompt or a non-argv source)'
            cand createsuperuser 'Create a superuser (staff, superuser, active)'
            cand changepassword 'Change a user''s password'
            cand create-reset-token 'Make a one-time password-reset token for a user (printed once, alone on a line)'
            cand reset-password 'Set a new password with a reset token from `create-reset-token`'
            cand authenticate 'Check a user''s password (from a prompt or a non-argv source)'
            cand list-users 'List users (table, --json or --csv)'
            cand show-user 'Show one user''s fields'
            cand update-user 'Change a user''s names, flags, email, groups or permissions'
            cand delete-user 'Delete a user (and their tokens and codes)'
            cand create-group 'Create a group, with permissions its members hold'
            cand list-groups 'List the groups, with their members count and permissions'
            cand show-group 'Show one group: its permissions and its members'
            cand update-group 'Rename a group or change its permissions'
            cand delete-group 'Delete a group (its members leave it; the users stay)'
            cand has-perm 'Check that a user holds permissions (exit 0 yes, 1 no)'
            cand send-otp 'Email a one-time code to a user through the configured backend'
            cand verify-otp 'Check a one-time code (and use it up); verify-email marks the address verified'
            cand sendtestemail 'Send a test email through the configured backend (as Django''s sendtestemail)'
            cand log 'Show the audit log (changes and security events)'
            cand doctor 'Check the database: integrity, migrations, permissions, emails, hashes, custom fields'
            cand import 'Import users from a file (CSV, JSON Lines or a Django fixture), all or nothing'
            cand apply 'Make the users and groups a TOML file describes (only the differences)'
            cand export 'Export every user (with password hashes) as CSV, JSON Lines or a Django fixture'
            cand backup 'Copy the whole database (WAL included) into one file, mode 0600, while other commands keep running'
            cand copy 'Copy everything into another, empty database (e.g. from SQLite to PostgreSQL)'
            cand issue-token 'Issue an API token to a user (printed once, alone on a line)'
            cand verify-token 'Check an API token (from stdin or USERDB_TOKEN) and print its user'
            cand list-tokens 'List API tokens (of one user, or of everyone)'
            cand revoke-token 'Revoke an API token by id, or every token of a user'
            cand enroll-totp 'Enroll a second factor (TOTP): QR code, a first code, recovery codes'
            cand confirm-totp 'Activate a pending TOTP enrolment with a code from the authenticator'
            cand recovery-codes 'Make a new set of recovery codes (printed once); the old set stops working'
            cand disable-2fa 'Remove a user''s second factor: the operator''s 2FA reset (audited)'
            cand config 'Show the effective configuration and paths (secrets redacted)'
            cand completions 'Print the completion script for a shell'
            cand reference 'Print the command-line reference: a man page or Markdown'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'userdb;migrate'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --check 'Apply nothing; exit 1 if any migration is pending'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;register'= {
            cand --first-name 'The user''s first name'
            cand --last-name 'The user''s last name'
            cand --set 'Set a custom field declared in the config as [fields.NAME] (repeatable; NAME= leaves it empty)'
            cand --password-file 'Read the password from the first line of a file'
            cand --password-env 'Read the password from the environment variable NAME'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --password-stdin 'Read the password from the first line of standard input'
            cand --generate-password 'Generate a strong random password and print it once'
            cand --skip-validation 'Accept a password that fails the validators (length, similarity, common, numeric)'
            cand --no-password 'Give the user an unusable password (password-less sign-in with codes only)'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;createuser'= {
            cand --first-name 'The user''s first name'
            cand --last-name 'The user''s last name'
            cand --set 'Set a custom field declared in the config as [fields.NAME] (repeatable; NAME= leaves it empty)'
            cand --group 'Put the user in this group (repeatable; it must exist, see `list-groups`)'
            cand --must-change-password 'The user must change this password (changepassword, a reset) before a token is issued [default: [password] must_change_on_create]'
            cand --expires-at 'When the account stops working: a date (from its start, UTC), an RFC 3339 time, or never'
            cand --password-file 'Read the password from the first line of a file'
            cand --password-env 'Read the password from the environment variable NAME'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --staff 'Make the user staff (may use the admin)'
            cand --inactive 'Create the user inactive (cannot authenticate)'
            cand --password-stdin 'Read the password from the first line of standard input'
            cand --generate-password 'Generate a strong random password and print it once'
            cand --skip-validation 'Accept a password that fails the validators (length, similarity, common, numeric)'
            cand --no-password 'Give the user an unusable password (they cannot log in with one)'
            cand --if-not-exists 'Exit 0 without change if the user already exists'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;createsuperuser'= {
            cand --email 'The email address [env: USERDB_SUPERUSER_EMAIL when not prompting]'
            cand --first-name 'The user''s first name'
            cand --last-name 'The user''s last name'
            cand --set 'Set a custom field declared in the config as [fields.NAME] (repeatable; NAME= leaves it empty)'
            cand --group 'Put the user in this group (repeatable; it must exist, see `list-groups`)'
            cand --must-change-password 'The user must change this password (changepassword, a reset) before a token is issued [default: [password] must_change_on_create]'
            cand --expires-at 'When the account stops working: a date (from its start, UTC), an RFC 3339 time, or never'
            cand --temporary 'A break-glass superuser that expires by itself after DURATION (8h, 30m); it does not count as the lasting superuser that delete and demote protect'
            cand --password-file 'Read the password from the first line of a file'
            cand --password-env 'Read the password from the environment variable NAME'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --password-stdin 'Read the password from the first line of standard input'
            cand --generate-password 'Generate a strong random password and print it once'
            cand --skip-validation 'Accept a password that fails the validators (length, similarity, common, numeric)'
            cand --if-not-exists 'Exit 0 without change if the user already exists'
            cand --update 'If the user exists, make it a superuser and set the password given (upsert)'
            cand --require-password 'With --no-input, fail (exit 2) instead of giving the new superuser an unusable password when no password is given (an unset CI secret)'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;changepassword'= {
            cand --password-file 'Read the password from the first line of a file'
            cand --password-env 'Read the password from the environment variable NAME'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --password-stdin 'Read the password from the first line of standard input'
            cand --generate-password 'Generate a strong random password and print it once'
            cand --skip-validation 'Accept a password that fails the validators (length, similarity, common, numeric)'
            cand --revoke-tokens 'Also revoke all of the user''s API tokens (in the same transaction)'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;create-reset-token'= {
            cand --expires 'How long the token is valid, at most 7d [default: [password] reset_token_expiry, 24h unless configured]'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;reset-password'= {
            cand --new-password-file 'Read the new password from the first line of a file'
            cand --new-password-env 'Read the new password from the environment variable NAME'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --token-stdin 'Read the token from the first line of standard input'
            cand --new-password-stdin 'Read the new password from the first line of standard input'
            cand --skip-validation 'Accept a password (the new one of a reset, or the one given at an address''s first verification) that fails the validators'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;authenticate'= {
            cand --password-file 'Read the password from the first line of a file'
            cand --password-env 'Read the password from the environment variable NAME'
            cand --token-name 'With --issue-token: a name for the token [default: token-N]'
            cand --expires 'With --issue-token: how long the token is valid (30d, 12h, never) [default: [token] default_expiry]'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --password-stdin 'Read the password from the first line of standard input'
            cand --issue-token 'On success, also issue an API token and print it (once, alone on a line)'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;list-users'= {
            cand --search 'Only users whose email or name contains TEXT (any case)'
            cand --limit 'At most N users'
            cand --offset 'Skip the first N users'
            cand --where 'Only users whose custom field NAME holds VALUE (NAME= for none; repeatable)'
            cand --group 'Only members of this group'
            cand --perm 'Only users who hold this permission now, as has-perm says (active and not expired; superusers hold them all)'
            cand --2fa 'Only users with (yes) or without (no) a confirmed second factor (TOTP); a pending enrolment counts as no'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --staff 'Only staff users'
            cand --superuser 'Only superusers'
            cand --active 'Only active users'
            cand --inactive 'Only inactive users'
            cand --verified 'Only users whose email is verified'
            cand --expired 'Only accounts that have expired (--expires-at, createsuperuser --temporary)'
            cand --csv 'CSV with a header line instead of a table'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;show-user'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;update-user'= {
            cand --email 'A new email address'
            cand --first-name 'A new first name'
            cand --last-name 'A new last name'
            cand --active 'Activate or deactivate (lock) the account'
            cand --staff 'Grant or remove staff status'
            cand --superuser 'Grant or remove superuser status'
            cand --set 'Set a custom field declared in the config as [fields.NAME] (repeatable; NAME= leaves it empty)'
            cand --group 'Put the user in this group (repeatable; it must exist, see `list-groups`)'
            cand --remove-group 'Take the user out of this group (repeatable)'
            cand --grant 'Grant this permission to the user directly (repeatable), e.g. blog.add_post'
            cand --revoke 'Revoke a permission granted to the user directly (repeatable); one held through a group stays until the user leaves the group'
            cand --must-change-password 'Require (true) or stop requiring (false) a password change before tokens'
            cand --expires-at 'When the account stops working: a date (from its start, UTC), an RFC 3339 time, or never'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --unlock 'Lift a sign-in lock ([login]): forget the failed sign-ins'
            cand --force 'Allow deactivating, demoting or setting an expiry on the last lasting superuser (one that does not expire)'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;delete-user'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --force 'Delete even the last lasting superuser (one that does not expire)'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;create-group'= {
            cand --perm 'A permission its members hold (repeatable), app_label.codename, e.g. blog.add_post'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --if-not-exists 'Exit 0 without change if the group already exists (its permissions are left as they are: `apply` makes a whole state)'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;list-groups'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;show-group'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;update-group'= {
            cand --add-perm 'Give the group this permission (repeatable)'
            cand --remove-perm 'Take this permission from the group (repeatable)'
            cand --rename 'A new name for the group (memberships stay)'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;delete-group'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;has-perm'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;send-otp'= {
            cand --purpose 'What the code is for'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;verify-otp'= {
            cand --purpose 'What the code is for'
            cand --token-name 'With --issue-token: a name for the token [default: token-N]'
            cand --expires 'With --issue-token: how long the token is valid (30d, 12h, never) [default: [token] default_expiry]'
            cand --password-file 'Read the password from the first line of a file'
            cand --password-env 'Read the password from the environment variable NAME'
            cand --new-password-file 'Read the new password from the first line of a file'
            cand --new-password-env 'Read the new password from the environment variable NAME'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --code-stdin 'Read the code from the first line of standard input'
            cand --issue-token 'On success, also issue an API token and print it (once, alone on a line)'
            cand --password-stdin 'Read the password from the first line of standard input'
            cand --new-password-stdin 'Read the new password from the first line of standard input'
            cand --skip-validation 'Accept a password (the new one of a reset, or the one given at an address''s first verification) that fails the validators'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;sendtestemail'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;log'= {
            cand --user 'Only rows about this user (also after it was deleted or renamed)'
            cand --event 'Only this event'
            cand --since 'Only rows newer than a duration ago (1h, 7d) or an RFC 3339 time'
            cand --limit 'Only the newest N rows'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;doctor'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;import'= {
            cand --format 'The file''s format [default: from its extension (.csv, .jsonl, .json), else from its first character]'
            cand --on-conflict 'What to do with a row whose email is already taken'
            cand --jobs 'Hashing threads [default: one per core]'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --dry-run 'Check every row and report what would happen; write nothing'
            cand --skip-validation 'Accept plain passwords that fail the validators (pre-hashed ones are never checked)'
            cand --force 'Allow --on-conflict update to deactivate or demote the last lasting superuser (one that does not expire)'
            cand --create-groups 'Create the groups rows name that neither exist nor are defined by the file, without permissions (a CSV carries memberships, not groups)'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;apply'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --dry-run 'Print the plan and change nothing'
            cand --prune 'Deactivate the active users the file does not list (never the last superuser that does not expire)'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;export'= {
            cand --format 'The format [default: from the --output extension (.csv, .jsonl, .json); on stdout, jsonl]'
            cand -o 'Write to FILE (mode 0600, put in place when complete; never the database, a link or a device) instead of stdout'
            cand --output 'Write to FILE (mode 0600, put in place when complete; never the database, a link or a device) instead of stdout'
            cand --model 'The model label of a Django fixture'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --natural 'A Django fixture without pks (as dumpdata --natural-primary): loaddata finds users by email and groups by name, so it updates the right rows of a database whose pks differ'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;backup'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --force 'Replace FILE if it exists (a regular file of yours; never the database itself)'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;copy'= {
            cand --to 'The database to fill: a postgres:// URL or a SQLite file path; migrated first, and it must hold no users, tokens or audit rows'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;issue-token'= {
            cand --name 'A name for the token, unique among the user''s tokens [default: token-N]'
            cand --expires 'How long the token is valid: 30d, 12h, 90m, 3600 (seconds) or never [default: [token] default_expiry, 90d unless configured]'
            cand --scope 'Limit the token to this permission (repeatable); the user must hold it. Without --scope the token carries whatever the user holds at each use'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --if-not-exists 'Exit 0 and print nothing on stdout if the user already has a token of this --name that is not revoked (a re-run of a provisioning script: the token was shown once, the first time)'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;verify-token'= {
            cand --require 'Also require this permission (repeatable): it must be among the token''s scopes (if it has any) and held by its user now'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;list-tokens'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;revoke-token'= {
            cand --all 'Revoke every token of this user instead'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;enroll-totp'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --replace 'Enroll a new authenticator in place of a confirmed one (the old one keeps working until the new one is confirmed)'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;confirm-totp'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;recovery-codes'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;disable-2fa'= {
            cand --reason 'Why (required; written to the audit log with who ran the command)'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --keep-tokens 'Leave the user''s API tokens working (by default they are revoked: whoever lost the authenticator may have lost the tokens with it)'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;config'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;completions'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;reference'= {
            cand --dir 'Write every man page (userdb.1 and one userdb-COMMAND.1 per command) into this folder, e.g. ~/.local/share/man/man1, instead of printing userdb.1'
            cand --db 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]'
            cand --config 'The TOML config file [default: the platform config dir''s config.toml]'
            cand --json 'Machine-readable output on stdout, errors as JSON on stderr'
            cand --no-input 'Never prompt: fail (or use the documented non-interactive default) instead'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'userdb;help'= {
            cand migrate 'Apply pending schema migrations (every command also does on open)'
            cand register 'Register a user (address unverified) and email the verify-email code'
            cand createuser 'Create a user (password from a prompt or a non-argv source)'
            cand createsuperuser 'Create a superuser (staff, superuser, active)'
            cand changepassword 'Change a user''s password'
            cand create-reset-token 'Make a one-time password-reset token for a user (printed once, alone on a line)'
            cand reset-password 'Set a new password with a reset token from `create-reset-token`'
            cand authenticate 'Check a user''s password (from a prompt or a non-argv source)'
            cand list-users 'List users (table, --json or --csv)'
            cand show-user 'Show one user''s fields'
            cand update-user 'Change a user''s names, flags, email, groups or permissions'
            cand delete-user 'Delete a user (and their tokens and codes)'
            cand create-group 'Create a group, with permissions its members hold'
            cand list-groups 'List the groups, with their members count and permissions'
            cand show-group 'Show one group: its permissions and its members'
            cand update-group 'Rename a group or change its permissions'
            cand delete-group 'Delete a group (its members leave it; the users stay)'
            cand has-perm 'Check that a user holds permissions (exit 0 yes, 1 no)'
            cand send-otp 'Email a one-time code to a user through the configured backend'
            cand verify-otp 'Check a one-time code (and use it up); verify-email marks the address verified'
            cand sendtestemail 'Send a test email through the configured backend (as Django''s sendtestemail)'
            cand log 'Show the audit log (changes and security events)'
            cand doctor 'Check the database: integrity, migrations, permissions, emails, hashes, custom fields'
            cand import 'Import users from a file (CSV, JSON Lines or a Django fixture), all or nothing'
            cand apply 'Make the users and groups a TOML file describes (only the differences)'
            cand export 'Export every user (with password hashes) as CSV, JSON Lines or a Django fixture'
            cand backup 'Copy the whole database (WAL included) into one file, mode 0600, while other commands keep running'
            cand copy 'Copy everything into another, empty database (e.g. from SQLite to PostgreSQL)'
            cand issue-token 'Issue an API token to a user (printed once, alone on a line)'
            cand verify-token 'Check an API token (from stdin or USERDB_TOKEN) and print its user'
            cand list-tokens 'List API tokens (of one user, or of everyone)'
            cand revoke-token 'Revoke an API token by id, or every token of a user'
            cand enroll-totp 'Enroll a second factor (TOTP): QR code, a first code, recovery codes'
            cand confirm-totp 'Activate a pending TOTP enrolment with a code from the authenticator'
            cand recovery-codes 'Make a new set of recovery codes (printed once); the old set stops working'
            cand disable-2fa 'Remove a user''s second factor: the operator''s 2FA reset (audited)'
            cand config 'Show the effective configuration and paths (secrets redacted)'
            cand completions 'Print the completion script for a shell'
            cand reference 'Print the command-line reference: a man page or Markdown'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'userdb;help;migrate'= {
        }
        &'userdb;help;register'= {
        }
        &'userdb;help;createuser'= {
        }
        &'userdb;help;createsuperuser'= {
        }
        &'userdb;help;changepassword'= {
        }
        &'userdb;help;create-reset-token'= {
        }
        &'userdb;help;reset-password'= {
        }
        &'userdb;help;authenticate'= {
        }
        &'userdb;help;list-users'= {
        }
        &'userdb;help;show-user'= {
        }
        &'userdb;help;update-user'= {
        }
        &'userdb;help;delete-user'= {
        }
        &'userdb;help;create-group'= {
        }
        &'userdb;help;list-groups'= {
        }
        &'userdb;help;show-group'= {
        }
        &'userdb;help;update-group'= {
        }
        &'userdb;help;delete-group'= {
        }
        &'userdb;help;has-perm'= {
        }
        &'userdb;help;send-otp'= {
        }
        &'userdb;help;verify-otp'= {
        }
        &'userdb;help;sendtestemail'= {
        }
        &'userdb;help;log'= {
        }
        &'userdb;help;doctor'= {
        }
        &'userdb;help;import'= {
        }
        &'userdb;help;apply'= {
        }
        &'userdb;help;export'= {
        }
        &'userdb;help;backup'= {
        }
        &'userdb;help;copy'= {
        }
        &'userdb;help;issue-token'= {
        }
        &'userdb;help;verify-token'= {
        }
        &'userdb;help;list-tokens'= {
        }
        &'userdb;help;revoke-token'= {
        }
        &'userdb;help;enroll-totp'= {
        }
        &'userdb;help;confirm-totp'= {
        }
        &'userdb;help;recovery-codes'= {
        }
        &'userdb;help;disable-2fa'= {
        }
        &'userdb;help;config'= {
        }
        &'userdb;help;completions'= {
        }
        &'userdb;help;reference'= {
        }
        &'userdb;help;help'= {
        }
    ]
    $completions[$command]
}
