
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'userdb' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'userdb'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'userdb' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply pending schema migrations (every command also does on open)')
            [CompletionResult]::new('register', 'register', [CompletionResultType]::ParameterValue, 'Register a user (address unverified) and email the verify-email code')
            [CompletionResult]::new('createuser', 'createuser', [CompletionResultType]::ParameterValue, 'Create a user (password from a prompt or a non-argv source)')
            [CompletionResult]::new('createsuperuser', 'createsuperuser', [CompletionResultType]::ParameterValue, 'Create a superuser (staff, superuser, active)')
            [CompletionResult]::new('changepassword', 'changepassword', [CompletionResultType]::ParameterValue, 'Change a user''s password')
            [CompletionResult]::new('create-reset-token', 'create-reset-token', [CompletionResultType]::ParameterValue, 'Make a one-time password-reset token for a user (printed once, alone on a line)')
            [CompletionResult]::new('reset-password', 'reset-password', [CompletionResultType]::ParameterValue, 'Set a new password with a reset token from `create-reset-token`')
            [CompletionResult]::new('authenticate', 'authenticate', [CompletionResultType]::ParameterValue, 'Check a user''s password (from a prompt or a non-argv source)')
            [CompletionResult]::new('list-users', 'list-users', [CompletionResultType]::ParameterValue, 'List users (table, --json or --csv)')
            [CompletionResult]::new('show-user', 'show-user', [CompletionResultType]::ParameterValue, 'Show one user''s fields')
            [CompletionResult]::new('update-user', 'update-user', [CompletionResultType]::ParameterValue, 'Change a user''s names, flags, email, groups or permissions')
            [CompletionResult]::new('delete-user', 'delete-user', [CompletionResultType]::ParameterValue, 'Delete a user (and their tokens and codes)')
            [CompletionResult]::new('create-group', 'create-group', [CompletionResultType]::ParameterValue, 'Create a group, with permissions its members hold')
            [CompletionResult]::new('list-groups', 'list-groups', [CompletionResultType]::ParameterValue, 'List the groups, with their members count and permissions')
            [CompletionResult]::new('show-group', 'show-group', [CompletionResultType]::ParameterValue, 'Show one group: its permissions and its members')
            [CompletionResult]::new('update-group', 'update-group', [CompletionResultType]::ParameterValue, 'Rename a group or change its permissions')
            [CompletionResult]::new('delete-group', 'delete-group', [CompletionResultType]::ParameterValue, 'Delete a group (its members leave it; the users stay)')
            [CompletionResult]::new('has-perm', 'has-perm', [CompletionResultType]::ParameterValue, 'Check that a user holds permissions (exit 0 yes, 1 no)')
            [CompletionResult]::new('send-otp', 'send-otp', [CompletionResultType]::ParameterValue, 'Email a one-time code to a user through the configured backend')
            [CompletionResult]::new('verify-otp', 'verify-otp', [CompletionResultType]::ParameterValue, 'Check a one-time code (and use it up); verify-email marks the address verified')
            [CompletionResult]::new('sendtestemail', 'sendtestemail', [CompletionResultType]::ParameterValue, 'Send a test email through the configured backend (as Django''s sendtestemail)')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show the audit log (changes and security events)')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the database: integrity, migrations, permissions, emails, hashes, custom fields')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import users from a file (CSV, JSON Lines or a Django fixture), all or nothing')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Make the users and groups a TOML file describes (only the differences)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export every user (with password hashes) as CSV, JSON Lines or a Django fixture')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Copy the whole database (WAL included) into one file, mode 0600, while other commands keep running')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy everything into another, empty database (e.g. from SQLite to PostgreSQL)')
            [CompletionResult]::new('issue-token', 'issue-token', [CompletionResultType]::ParameterValue, 'Issue an API token to a user (printed once, alone on a line)')
            [CompletionResult]::new('verify-token', 'verify-token', [CompletionResultType]::ParameterValue, 'Check an API token (from stdin or USERDB_TOKEN) and print its user')
            [CompletionResult]::new('list-tokens', 'list-tokens', [CompletionResultType]::ParameterValue, 'List API tokens (of one user, or of everyone)')
            [CompletionResult]::new('revoke-token', 'revoke-token', [CompletionResultType]::ParameterValue, 'Revoke an API token by id, or every token of a user')
            [CompletionResult]::new('enroll-totp', 'enroll-totp', [CompletionResultType]::ParameterValue, 'Enroll a second factor (TOTP): QR code, a first code, recovery codes')
            [CompletionResult]::new('confirm-totp', 'confirm-totp', [CompletionResultType]::ParameterValue, 'Activate a pending TOTP enrolment with a code from the authenticator')
            [CompletionResult]::new('recovery-codes', 'recovery-codes', [CompletionResultType]::ParameterValue, 'Make a new set of recovery codes (printed once); the old set stops working')
            [CompletionResult]::new('disable-2fa', 'disable-2fa', [CompletionResultType]::ParameterValue, 'Remove a user''s second factor: the operator''s 2FA reset (audited)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the effective configuration and paths (secrets redacted)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for a shell')
            [CompletionResult]::new('reference', 'reference', [CompletionResultType]::ParameterValue, 'Print the command-line reference: a man page or Markdown')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'userdb;migrate' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Apply nothing; exit 1 if any migration is pending')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;register' {
            [CompletionResult]::new('--first-name', '--first-name', [CompletionResultType]::ParameterName, 'The user''s first name')
            [CompletionResult]::new('--last-name', '--last-name', [CompletionResultType]::ParameterName, 'The user''s last name')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set a custom field declared in the config as [fields.NAME] (repeatable; NAME= leaves it empty)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of a file')
            [CompletionResult]::new('--password-env', '--password-env', [CompletionResultType]::ParameterName, 'Read the password from the environment variable NAME')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from the first line of standard input')
            [CompletionResult]::new('--generate-password', '--generate-password', [CompletionResultType]::ParameterName, 'Generate a strong random password and print it once')
            [CompletionResult]::new('--skip-validation', '--skip-validation', [CompletionResultType]::ParameterName, 'Accept a password that fails the validators (length, similarity, common, numeric)')
            [CompletionResult]::new('--no-password', '--no-password', [CompletionResultType]::ParameterName, 'Give the user an unusable password (password-less sign-in with codes only)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;createuser' {
            [CompletionResult]::new('--first-name', '--first-name', [CompletionResultType]::ParameterName, 'The user''s first name')
            [CompletionResult]::new('--last-name', '--last-name', [CompletionResultType]::ParameterName, 'The user''s last name')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set a custom field declared in the config as [fields.NAME] (repeatable; NAME= leaves it empty)')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Put the user in this group (repeatable; it must exist, see `list-groups`)')
            [CompletionResult]::new('--must-change-password', '--must-change-password', [CompletionResultType]::ParameterName, 'The user must change this password (changepassword, a reset) before a token is issued [default: [password] must_change_on_create]')
            [CompletionResult]::new('--expires-at', '--expires-at', [CompletionResultType]::ParameterName, 'When the account stops working: a date (from its start, UTC), an RFC 3339 time, or never')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of a file')
            [CompletionResult]::new('--password-env', '--password-env', [CompletionResultType]::ParameterName, 'Read the password from the environment variable NAME')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--staff', '--staff', [CompletionResultType]::ParameterName, 'Make the user staff (may use the admin)')
            [CompletionResult]::new('--inactive', '--inactive', [CompletionResultType]::ParameterName, 'Create the user inactive (cannot authenticate)')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from the first line of standard input')
            [CompletionResult]::new('--generate-password', '--generate-password', [CompletionResultType]::ParameterName, 'Generate a strong random password and print it once')
            [CompletionResult]::new('--skip-validation', '--skip-validation', [CompletionResultType]::ParameterName, 'Accept a password that fails the validators (length, similarity, common, numeric)')
            [CompletionResult]::new('--no-password', '--no-password', [CompletionResultType]::ParameterName, 'Give the user an unusable password (they cannot log in with one)')
            [CompletionResult]::new('--if-not-exists', '--if-not-exists', [CompletionResultType]::ParameterName, 'Exit 0 without change if the user already exists')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;createsuperuser' {
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'The email address [env: USERDB_SUPERUSER_EMAIL when not prompting]')
            [CompletionResult]::new('--first-name', '--first-name', [CompletionResultType]::ParameterName, 'The user''s first name')
            [CompletionResult]::new('--last-name', '--last-name', [CompletionResultType]::ParameterName, 'The user''s last name')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set a custom field declared in the config as [fields.NAME] (repeatable; NAME= leaves it empty)')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Put the user in this group (repeatable; it must exist, see `list-groups`)')
            [CompletionResult]::new('--must-change-password', '--must-change-password', [CompletionResultType]::ParameterName, 'The user must change this password (changepassword, a reset) before a token is issued [default: [password] must_change_on_create]')
            [CompletionResult]::new('--expires-at', '--expires-at', [CompletionResultType]::ParameterName, 'When the account stops working: a date (from its start, UTC), an RFC 3339 time, or never')
            [CompletionResult]::new('--temporary', '--temporary', [CompletionResultType]::ParameterName, 'A break-glass superuser that expires by itself after DURATION (8h, 30m); it does not count as the lasting superuser that delete and demote protect')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of a file')
            [CompletionResult]::new('--password-env', '--password-env', [CompletionResultType]::ParameterName, 'Read the password from the environment variable NAME')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from the first line of standard input')
            [CompletionResult]::new('--generate-password', '--generate-password', [CompletionResultType]::ParameterName, 'Generate a strong random password and print it once')
            [CompletionResult]::new('--skip-validation', '--skip-validation', [CompletionResultType]::ParameterName, 'Accept a password that fails the validators (length, similarity, common, numeric)')
            [CompletionResult]::new('--if-not-exists', '--if-not-exists', [CompletionResultType]::ParameterName, 'Exit 0 without change if the user already exists')
            [CompletionResult]::new('--update', '--update', [CompletionResultType]::ParameterName, 'If the user exists, make it a superuser and set the password given (upsert)')
            [CompletionResult]::new('--require-password', '--require-password', [CompletionResultType]::ParameterName, 'With --no-input, fail (exit 2) instead of giving the new superuser an unusable password when no password is given (an unset CI secret)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;changepassword' {
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of a file')
            [CompletionResult]::new('--password-env', '--password-env', [CompletionResultType]::ParameterName, 'Read the password from the environment variable NAME')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from the first line of standard input')
            [CompletionResult]::new('--generate-password', '--generate-password', [CompletionResultType]::ParameterName, 'Generate a strong random password and print it once')
            [CompletionResult]::new('--skip-validation', '--skip-validation', [CompletionResultType]::ParameterName, 'Accept a password that fails the validators (length, similarity, common, numeric)')
            [CompletionResult]::new('--revoke-tokens', '--revoke-tokens', [CompletionResultType]::ParameterName, 'Also revoke all of the user''s API tokens (in the same transaction)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;create-reset-token' {
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'How long the token is valid, at most 7d [default: [password] reset_token_expiry, 24h unless configured]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;reset-password' {
            [CompletionResult]::new('--new-password-file', '--new-password-file', [CompletionResultType]::ParameterName, 'Read the new password from the first line of a file')
            [CompletionResult]::new('--new-password-env', '--new-password-env', [CompletionResultType]::ParameterName, 'Read the new password from the environment variable NAME')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the token from the first line of standard input')
            [CompletionResult]::new('--new-password-stdin', '--new-password-stdin', [CompletionResultType]::ParameterName, 'Read the new password from the first line of standard input')
            [CompletionResult]::new('--skip-validation', '--skip-validation', [CompletionResultType]::ParameterName, 'Accept a password (the new one of a reset, or the one given at an address''s first verification) that fails the validators')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;authenticate' {
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of a file')
            [CompletionResult]::new('--password-env', '--password-env', [CompletionResultType]::ParameterName, 'Read the password from the environment variable NAME')
            [CompletionResult]::new('--token-name', '--token-name', [CompletionResultType]::ParameterName, 'With --issue-token: a name for the token [default: token-N]')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'With --issue-token: how long the token is valid (30d, 12h, never) [default: [token] default_expiry]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from the first line of standard input')
            [CompletionResult]::new('--issue-token', '--issue-token', [CompletionResultType]::ParameterName, 'On success, also issue an API token and print it (once, alone on a line)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;list-users' {
            [CompletionResult]::new('--search', '--search', [CompletionResultType]::ParameterName, 'Only users whose email or name contains TEXT (any case)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most N users')
            [CompletionResult]::new('--offset', '--offset', [CompletionResultType]::ParameterName, 'Skip the first N users')
            [CompletionResult]::new('--where', '--where', [CompletionResultType]::ParameterName, 'Only users whose custom field NAME holds VALUE (NAME= for none; repeatable)')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Only members of this group')
            [CompletionResult]::new('--perm', '--perm', [CompletionResultType]::ParameterName, 'Only users who hold this permission now, as has-perm says (active and not expired; superusers hold them all)')
            [CompletionResult]::new('--2fa', '--2fa', [CompletionResultType]::ParameterName, 'Only users with (yes) or without (no) a confirmed second factor (TOTP); a pending enrolment counts as no')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--staff', '--staff', [CompletionResultType]::ParameterName, 'Only staff users')
            [CompletionResult]::new('--superuser', '--superuser', [CompletionResultType]::ParameterName, 'Only superusers')
            [CompletionResult]::new('--active', '--active', [CompletionResultType]::ParameterName, 'Only active users')
            [CompletionResult]::new('--inactive', '--inactive', [CompletionResultType]::ParameterName, 'Only inactive users')
            [CompletionResult]::new('--verified', '--verified', [CompletionResultType]::ParameterName, 'Only users whose email is verified')
            [CompletionResult]::new('--expired', '--expired', [CompletionResultType]::ParameterName, 'Only accounts that have expired (--expires-at, createsuperuser --temporary)')
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'CSV with a header line instead of a table')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;show-user' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;update-user' {
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'A new email address')
            [CompletionResult]::new('--first-name', '--first-name', [CompletionResultType]::ParameterName, 'A new first name')
            [CompletionResult]::new('--last-name', '--last-name', [CompletionResultType]::ParameterName, 'A new last name')
            [CompletionResult]::new('--active', '--active', [CompletionResultType]::ParameterName, 'Activate or deactivate (lock) the account')
            [CompletionResult]::new('--staff', '--staff', [CompletionResultType]::ParameterName, 'Grant or remove staff status')
            [CompletionResult]::new('--superuser', '--superuser', [CompletionResultType]::ParameterName, 'Grant or remove superuser status')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set a custom field declared in the config as [fields.NAME] (repeatable; NAME= leaves it empty)')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Put the user in this group (repeatable; it must exist, see `list-groups`)')
            [CompletionResult]::new('--remove-group', '--remove-group', [CompletionResultType]::ParameterName, 'Take the user out of this group (repeatable)')
            [CompletionResult]::new('--grant', '--grant', [CompletionResultType]::ParameterName, 'Grant this permission to the user directly (repeatable), e.g. blog.add_post')
            [CompletionResult]::new('--revoke', '--revoke', [CompletionResultType]::ParameterName, 'Revoke a permission granted to the user directly (repeatable); one held through a group stays until the user leaves the group')
            [CompletionResult]::new('--must-change-password', '--must-change-password', [CompletionResultType]::ParameterName, 'Require (true) or stop requiring (false) a password change before tokens')
            [CompletionResult]::new('--expires-at', '--expires-at', [CompletionResultType]::ParameterName, 'When the account stops working: a date (from its start, UTC), an RFC 3339 time, or never')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--unlock', '--unlock', [CompletionResultType]::ParameterName, 'Lift a sign-in lock ([login]): forget the failed sign-ins')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Allow deactivating, demoting or setting an expiry on the last lasting superuser (one that does not expire)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;delete-user' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Delete even the last lasting superuser (one that does not expire)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;create-group' {
            [CompletionResult]::new('--perm', '--perm', [CompletionResultType]::ParameterName, 'A permission its members hold (repeatable), app_label.codename, e.g. blog.add_post')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--if-not-exists', '--if-not-exists', [CompletionResultType]::ParameterName, 'Exit 0 without change if the group already exists (its permissions are left as they are: `apply` makes a whole state)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;list-groups' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;show-group' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;update-group' {
            [CompletionResult]::new('--add-perm', '--add-perm', [CompletionResultType]::ParameterName, 'Give the group this permission (repeatable)')
            [CompletionResult]::new('--remove-perm', '--remove-perm', [CompletionResultType]::ParameterName, 'Take this permission from the group (repeatable)')
            [CompletionResult]::new('--rename', '--rename', [CompletionResultType]::ParameterName, 'A new name for the group (memberships stay)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;delete-group' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;has-perm' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;send-otp' {
            [CompletionResult]::new('--purpose', '--purpose', [CompletionResultType]::ParameterName, 'What the code is for')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;verify-otp' {
            [CompletionResult]::new('--purpose', '--purpose', [CompletionResultType]::ParameterName, 'What the code is for')
            [CompletionResult]::new('--token-name', '--token-name', [CompletionResultType]::ParameterName, 'With --issue-token: a name for the token [default: token-N]')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'With --issue-token: how long the token is valid (30d, 12h, never) [default: [token] default_expiry]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of a file')
            [CompletionResult]::new('--password-env', '--password-env', [CompletionResultType]::ParameterName, 'Read the password from the environment variable NAME')
            [CompletionResult]::new('--new-password-file', '--new-password-file', [CompletionResultType]::ParameterName, 'Read the new password from the first line of a file')
            [CompletionResult]::new('--new-password-env', '--new-password-env', [CompletionResultType]::ParameterName, 'Read the new password from the environment variable NAME')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--code-stdin', '--code-stdin', [CompletionResultType]::ParameterName, 'Read the code from the first line of standard input')
            [CompletionResult]::new('--issue-token', '--issue-token', [CompletionResultType]::ParameterName, 'On success, also issue an API token and print it (once, alone on a line)')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from the first line of standard input')
            [CompletionResult]::new('--new-password-stdin', '--new-password-stdin', [CompletionResultType]::ParameterName, 'Read the new password from the first line of standard input')
            [CompletionResult]::new('--skip-validation', '--skip-validation', [CompletionResultType]::ParameterName, 'Accept a password (the new one of a reset, or the one given at an address''s first verification) that fails the validators')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;sendtestemail' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;log' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only rows about this user (also after it was deleted or renamed)')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Only this event')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only rows newer than a duration ago (1h, 7d) or an RFC 3339 time')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Only the newest N rows')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;doctor' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;import' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The file''s format [default: from its extension (.csv, .jsonl, .json), else from its first character]')
            [CompletionResult]::new('--on-conflict', '--on-conflict', [CompletionResultType]::ParameterName, 'What to do with a row whose email is already taken')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Hashing threads [default: one per core]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Check every row and report what would happen; write nothing')
            [CompletionResult]::new('--skip-validation', '--skip-validation', [CompletionResultType]::ParameterName, 'Accept plain passwords that fail the validators (pre-hashed ones are never checked)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Allow --on-conflict update to deactivate or demote the last lasting superuser (one that does not expire)')
            [CompletionResult]::new('--create-groups', '--create-groups', [CompletionResultType]::ParameterName, 'Create the groups rows name that neither exist nor are defined by the file, without permissions (a CSV carries memberships, not groups)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;apply' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Deactivate the active users the file does not list (never the last superuser that does not expire)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The format [default: from the --output extension (.csv, .jsonl, .json); on stdout, jsonl]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to FILE (mode 0600, put in place when complete; never the database, a link or a device) instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to FILE (mode 0600, put in place when complete; never the database, a link or a device) instead of stdout')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model label of a Django fixture')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--natural', '--natural', [CompletionResultType]::ParameterName, 'A Django fixture without pks (as dumpdata --natural-primary): loaddata finds users by email and groups by name, so it updates the right rows of a database whose pks differ')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;backup' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace FILE if it exists (a regular file of yours; never the database itself)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;copy' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The database to fill: a postgres:// URL or a SQLite file path; migrated first, and it must hold no users, tokens or audit rows')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;issue-token' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A name for the token, unique among the user''s tokens [default: token-N]')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'How long the token is valid: 30d, 12h, 90m, 3600 (seconds) or never [default: [token] default_expiry, 90d unless configured]')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Limit the token to this permission (repeatable); the user must hold it. Without --scope the token carries whatever the user holds at each use')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--if-not-exists', '--if-not-exists', [CompletionResultType]::ParameterName, 'Exit 0 and print nothing on stdout if the user already has a token of this --name that is not revoked (a re-run of a provisioning script: the token was shown once, the first time)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;verify-token' {
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'Also require this permission (repeatable): it must be among the token''s scopes (if it has any) and held by its user now')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;list-tokens' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;revoke-token' {
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Revoke every token of this user instead')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;enroll-totp' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Enroll a new authenticator in place of a confirmed one (the old one keeps working until the new one is confirmed)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;confirm-totp' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;recovery-codes' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;disable-2fa' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (required; written to the audit log with who ran the command)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--keep-tokens', '--keep-tokens', [CompletionResultType]::ParameterName, 'Leave the user''s API tokens working (by default they are revoked: whoever lost the authenticator may have lost the tokens with it)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;config' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;completions' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;reference' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write every man page (userdb.1 and one userdb-COMMAND.1 per command) into this folder, e.g. ~/.local/share/man/man1, instead of printing userdb.1')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD) [default: the platform data dir''s userdb.sqlite3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The TOML config file [default: the platform config dir''s config.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout, errors as JSON on stderr')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: fail (or use the documented non-interactive default) instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'userdb;help' {
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply pending schema migrations (every command also does on open)')
            [CompletionResult]::new('register', 'register', [CompletionResultType]::ParameterValue, 'Register a user (address unverified) and email the verify-email code')
            [CompletionResult]::new('createuser', 'createuser', [CompletionResultType]::ParameterValue, 'Create a user (password from a prompt or a non-argv source)')
            [CompletionResult]::new('createsuperuser', 'createsuperuser', [CompletionResultType]::ParameterValue, 'Create a superuser (staff, superuser, active)')
            [CompletionResult]::new('changepassword', 'changepassword', [CompletionResultType]::ParameterValue, 'Change a user''s password')
            [CompletionResult]::new('create-reset-token', 'create-reset-token', [CompletionResultType]::ParameterValue, 'Make a one-time password-reset token for a user (printed once, alone on a line)')
            [CompletionResult]::new('reset-password', 'reset-password', [CompletionResultType]::ParameterValue, 'Set a new password with a reset token from `create-reset-token`')
            [CompletionResult]::new('authenticate', 'authenticate', [CompletionResultType]::ParameterValue, 'Check a user''s password (from a prompt or a non-argv source)')
            [CompletionResult]::new('list-users', 'list-users', [CompletionResultType]::ParameterValue, 'List users (table, --json or --csv)')
            [CompletionResult]::new('show-user', 'show-user', [CompletionResultType]::ParameterValue, 'Show one user''s fields')
            [CompletionResult]::new('update-user', 'update-user', [CompletionResultType]::ParameterValue, 'Change a user''s names, flags, email, groups or permissions')
            [CompletionResult]::new('delete-user', 'delete-user', [CompletionResultType]::ParameterValue, 'Delete a user (and their tokens and codes)')
            [CompletionResult]::new('create-group', 'create-group', [CompletionResultType]::ParameterValue, 'Create a group, with permissions its members hold')
            [CompletionResult]::new('list-groups', 'list-groups', [CompletionResultType]::ParameterValue, 'List the groups, with their members count and permissions')
            [CompletionResult]::new('show-group', 'show-group', [CompletionResultType]::ParameterValue, 'Show one group: its permissions and its members')
            [CompletionResult]::new('update-group', 'update-group', [CompletionResultType]::ParameterValue, 'Rename a group or change its permissions')
            [CompletionResult]::new('delete-group', 'delete-group', [CompletionResultType]::ParameterValue, 'Delete a group (its members leave it; the users stay)')
            [CompletionResult]::new('has-perm', 'has-perm', [CompletionResultType]::ParameterValue, 'Check that a user holds permissions (exit 0 yes, 1 no)')
            [CompletionResult]::new('send-otp', 'send-otp', [CompletionResultType]::ParameterValue, 'Email a one-time code to a user through the configured backend')
            [CompletionResult]::new('verify-otp', 'verify-otp', [CompletionResultType]::ParameterValue, 'Check a one-time code (and use it up); verify-email marks the address verified')
            [CompletionResult]::new('sendtestemail', 'sendtestemail', [CompletionResultType]::ParameterValue, 'Send a test email through the configured backend (as Django''s sendtestemail)')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show the audit log (changes and security events)')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the database: integrity, migrations, permissions, emails, hashes, custom fields')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import users from a file (CSV, JSON Lines or a Django fixture), all or nothing')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Make the users and groups a TOML file describes (only the differences)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export every user (with password hashes) as CSV, JSON Lines or a Django fixture')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Copy the whole database (WAL included) into one file, mode 0600, while other commands keep running')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy everything into another, empty database (e.g. from SQLite to PostgreSQL)')
            [CompletionResult]::new('issue-token', 'issue-token', [CompletionResultType]::ParameterValue, 'Issue an API token to a user (printed once, alone on a line)')
            [CompletionResult]::new('verify-token', 'verify-token', [CompletionResultType]::ParameterValue, 'Check an API token (from stdin or USERDB_TOKEN) and print its user')
            [CompletionResult]::new('list-tokens', 'list-tokens', [CompletionResultType]::ParameterValue, 'List API tokens (of one user, or of everyone)')
            [CompletionResult]::new('revoke-token', 'revoke-token', [CompletionResultType]::ParameterValue, 'Revoke an API token by id, or every token of a user')
            [CompletionResult]::new('enroll-totp', 'enroll-totp', [CompletionResultType]::ParameterValue, 'Enroll a second factor (TOTP): QR code, a first code, recovery codes')
            [CompletionResult]::new('confirm-totp', 'confirm-totp', [CompletionResultType]::ParameterValue, 'Activate a pending TOTP enrolment with a code from the authenticator')
            [CompletionResult]::new('recovery-codes', 'recovery-codes', [CompletionResultType]::ParameterValue, 'Make a new set of recovery codes (printed once); the old set stops working')
            [CompletionResult]::new('disable-2fa', 'disable-2fa', [CompletionResultType]::ParameterValue, 'Remove a user''s second factor: the operator''s 2FA reset (audited)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the effective configuration and paths (secrets redacted)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for a shell')
            [CompletionResult]::new('reference', 'reference', [CompletionResultType]::ParameterValue, 'Print the command-line reference: a man page or Markdown')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'userdb;help;migrate' {
            break
        }
        'userdb;help;register' {
            break
        }
        'userdb;help;createuser' {
            break
        }
        'userdb;help;createsuperuser' {
            break
        }
        'userdb;help;changepassword' {
            break
        }
        'userdb;help;create-reset-token' {
            break
        }
        'userdb;help;reset-password' {
            break
        }
        'userdb;help;authenticate' {
            break
        }
        'userdb;help;list-users' {
            break
        }
        'userdb;help;show-user' {
            break
        }
        'userdb;help;update-user' {
            break
        }
        'userdb;help;delete-user' {
            break
        }
        'userdb;help;create-group' {
            break
        }
        'userdb;help;list-groups' {
            break
        }
        'userdb;help;show-group' {
            break
        }
        'userdb;help;update-group' {
            break
        }
        'userdb;help;delete-group' {
            break
        }
        'userdb;help;has-perm' {
            break
        }
        'userdb;help;send-otp' {
            break
        }
        'userdb;help;verify-otp' {
            break
        }
        'userdb;help;sendtestemail' {
            break
        }
        'userdb;help;log' {
            break
        }
        'userdb;help;doctor' {
            break
        }
        'userdb;help;import' {
            break
        }
        'userdb;help;apply' {
            break
        }
        'userdb;help;export' {
            break
        }
        'userdb;help;backup' {
            break
        }
        'userdb;help;copy' {
            break
        }
        'userdb;help;issue-token' {
            break
        }
        'userdb;help;verify-token' {
            break
        }
        'userdb;help;list-tokens' {
            break
        }
        'userdb;help;revoke-token' {
            break
        }
        'userdb;help;enroll-totp' {
            break
        }
        'userdb;help;confirm-totp' {
            break
        }
        'userdb;help;recovery-codes' {
            break
        }
        'userdb;help;disable-2fa' {
            break
        }
        'userdb;help;config' {
            break
        }
        'userdb;help;completions' {
            break
        }
        'userdb;help;reference' {
            break
        }
        'userdb;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
