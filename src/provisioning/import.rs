//! The import pipeline.
//!
//! Every row is checked before anything is written, and memory stays flat
//! whatever the size of the file, so the input is read twice:
//!
//! 1. **check**: a streaming pass that validates every row and keeps only a
//!    128-bit digest of each email key (for duplicates) and the first
//!    [`MAX_REPORTED_PROBLEMS`] problems; then one scan of the stored emails
//!    finds the rows that conflict with existing users. Standard input is
//!    spooled to an unlinked 0600 temporary file during this pass.
//! 2. **write**: a reader thread parses the rows again into bounded batches, a
//!    fixed pool of hashing threads (one per core, each reusing its own argon2
//!    memory) hashes plain passwords, and this thread puts the batches back in
//!    file order and writes them in one transaction. When there are passwords
//!    to hash, the hashed rows are spooled to an unlinked 0600 file first and
//!    written from there, so that the database's write lock is held for the
//!    write alone, not for minutes of hashing. If the input changed between the
//!    passes, nothing is written.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::hash::Hasher as _;
use std::io::{self, BufRead, Read, Seek, Write};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use salsa20::XSalsa20;
use salsa20::cipher::{KeyIvInit, StreamCipher};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::formats::{Format, GroupRef, Parsed, ParsedRow, ReadError, Record, records};
use super::groups::{GroupPlan, ResolvedGroups};
use crate::access::Permission;
use crate::email_address::{email_key, parse_email};
use crate::error::{Error, Result};
use crate::fields::{FieldSet, FieldValue};
pub use crate::import_report::{
    ImportFailure, ImportProblems, ImportSummary, MAX_REPORTED_PROBLEMS,
};
use crate::password::{
    HashMemory, PasswordHasher, PasswordPolicy, UserAttributes, Validation, make_unusable_password,
};
pub use crate::row_problem::RowProblem;
use crate::storage::{
    BulkAudit, BulkPassword, BulkStore, BulkUser, FieldWrite, OnConflict, TotpSealer,
};
use crate::totp::TotpSecret;
use crate::user::clean_name;

/// The longest plain password accepted, as from every other source.
pub const MAX_PASSWORD_LEN: usize = crate::password::MAX_PASSWORD_CHARS;

/// Rows per batch handed to the hashing threads when no password needs hashing.
const BATCH_ROWS: usize = 256;

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub format: Format,
    pub on_conflict: OnConflict,
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// Whether plain passwords go through the validators (pre-hashed ones cannot).
    pub validation: Validation,
    /// Hashing threads; 0 means one per core.
    pub jobs: usize,
    /// What is imported, for the audit log (`users.csv`, `stdin`).
    pub source: String,
    /// Refuse an import that would deactivate or demote the last lasting superuser.
    pub protect_last_superuser: bool,
    /// Create the groups rows name that neither exist nor are defined by the
    /// file, without permissions (a CSV carries memberships, not groups).
    pub create_groups: bool,
}

/// Where the rows come from. A reader (standard input) is spooled to a
/// temporary file for the second pass.
pub enum ImportInput {
    File(PathBuf),
    Reader(Box<dyn Read + Send>),
}

/// The stages an import reports progress for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The first pass: rows read so far (no total known).
    Checking,
    /// The second pass, when passwords need hashing: rows hashed out of `total`
    /// (nothing is locked yet).
    Hashing,
    /// Rows written out of `total`, in the one transaction.
    Writing,
}

/// Progress reporting, injected by the caller (the command line draws a bar).
/// Called from the importing thread only.
pub trait Progress {
    fn start(&mut self, stage: Stage, total: Option<u64>);
    fn advance(&mut self, rows: u64);
    fn finish(&mut self);
}

/// No progress reporting.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&mut self, _: Stage, _: Option<u64>) {}
    fn advance(&mut self, _: u64) {}
    fn finish(&mut self) {}
}

/// An import whose first pass found nothing wrong: what that pass learnt and
/// the input, ready for the second pass. The manager drives the two passes
/// (`manager/import.rs`), with its rules and its audit record.
pub(crate) struct CheckedImport {
    source: Source,
    checked: Checked,
}

impl CheckedImport {
    /// The first pass: every row checked, then the file as a whole against the
    /// stored users. Rows that stop the import (bad rows; with
    /// [`OnConflict::Fail`], existing users; values of unique fields other users
    /// hold) are one [`Error::Import`].
    pub(crate) fn check(
        input: ImportInput,
        options: &ImportOptions,
        policy: &PasswordPolicy,
        hasher: &PasswordHasher,
        fields: &FieldSet,
        store: &dyn BulkStore,
        progress: &mut dyn Progress,
    ) -> Result<Self> {
        let mut source = Source::new(input)?;
        let checked = check(
            source.first_pass()?,
            options,
            policy,
            hasher,
            fields,
            store,
            progress,
        )?;
        Ok(CheckedImport { source, checked })
    }

    /// Whether a row carries a second factor: the write needs the key that
    /// seals it (loaded only then).
    pub(crate) fn imports_totp(&self) -> bool {
        self.checked.totp > 0
    }

    /// What the import would do, as the first pass counted it: the answer of a
    /// dry run.
    pub(crate) fn summary(&self, options: &ImportOptions) -> ImportSummary {
        let checked = &self.checked;
        let conflicts = checked.conflicts.len() as u64;
        let mut summary = ImportSummary {
            rows: checked.rows,
            created: checked.rows - conflicts,
            updated: 0,
            skipped: 0,
            failed: 0,
            hashed: if options.dry_run { 0 } else { checked.plain },
            groups_created: checked.group_counts.0,
            groups_updated: checked.group_counts.1,
            dry_run: options.dry_run,
        };
        match options.on_conflict {
            OnConflict::Update => summary.updated = conflicts,
            OnConflict::Skip | OnConflict::Fail => summary.skipped = conflicts,
        }
        summary
    }

    /// The second pass: the rows read again, hashed and written in one
    /// transaction with `audit`, or nothing if the input changed in between.
    /// `mfa` seals the rows' second factors ([`CheckedImport::imports_totp`]).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn write(
        mut self,
        options: &ImportOptions,
        fields: &FieldSet,
        hasher: &PasswordHasher,
        mfa: Option<&dyn TotpSealer>,
        store: &mut dyn BulkStore,
        audit: &BulkAudit,
        progress: &mut dyn Progress,
    ) -> Result<ImportSummary> {
        let mut summary = self.summary(options);
        let first_digest = self.source.first_digest.lock().ok().and_then(|d| *d);
        let second = self.source.second_pass()?;
        let (counts, skipped) = write(
            second,
            first_digest,
            self.checked,
            options,
            fields,
            hasher,
            mfa,
            store,
            audit,
            progress,
        )?;
        summary.created = counts.created;
        summary.updated = counts.updated;
        summary.skipped = counts.skipped + skipped;
        summary.groups_created = counts.groups_created;
        summary.groups_updated = counts.groups_updated;
        Ok(summary)
    }
}

/// The input of both passes, with a digest of the bytes of each so that a file
/// changed in between is noticed.
struct Source {
    input: Option<ImportInput>,
    spool: Option<(File, SpoolKey)>,
    path: Option<PathBuf>,
    first_digest: Arc<Mutex<Option<u64>>>,
}

impl Source {
    fn new(input: ImportInput) -> Result<Self> {
        let path = match &input {
            ImportInput::File(p) => Some(p.clone()),
            ImportInput::Reader(_) => None,
        };
        Ok(Source {
            input: Some(input),
            spool: None,
            path,
            first_digest: Arc::new(Mutex::new(None)),
        })
    }

    fn open(path: &PathBuf) -> Result<File> {
        File::open(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))
    }

    fn first_pass(&mut self) -> Result<Digesting<Box<dyn Read + Send>>> {
        let reader: Box<dyn Read + Send> = match self.input.take() {
            Some(ImportInput::File(path)) => Box::new(Self::open(&path)?),
            Some(ImportInput::Reader(reader)) => {
                let spool = tempfile::tempfile().map_err(|e| {
                    Error::io("cannot create a temporary file for standard input", e)
                })?;
                let copy = spool.try_clone().map_err(|e| {
                    Error::io("cannot create a temporary file for standard input", e)
                })?;
                let key = SpoolKey::random();
                let cipher = key.cipher();
                self.spool = Some((spool, key));
                Box::new(Tee {
                    inner: reader,
                    copy,
                    cipher,
                    buf: Vec::new(),
                })
            }
            None => return Err(Error::io("import input", io::Error::other("read twice"))),
        };
        Ok(Digesting::new(reader, self.first_digest.clone()))
    }

    fn second_pass(&mut self) -> Result<Second> {
        let reader: Box<dyn Read + Send> = match (&self.path, self.spool.take()) {
            (Some(path), _) => Box::new(Self::open(path)?),
            (None, Some((mut spool, key))) => {
                spool
                    .flush()
                    .and_then(|_| spool.rewind())
                    .map_err(|e| Error::io("cannot read back the spooled standard input", e))?;
                Box::new(Decrypting {
                    inner: io::BufReader::new(spool),
                    cipher: key.cipher(),
                })
            }
            (None, None) => return Err(Error::io("import input", io::Error::other("no spool"))),
        };
        let digest = Arc::new(Mutex::new(None));
        Ok((Digesting::new(reader, digest.clone()), digest))
    }
}

/// The key of one spool: random, held only in memory, gone with the process.
/// Standard input can hold plain passwords, and the spool is on disk (unlinked,
/// 0600, but a disk keeps what it is given), so it holds only ciphertext.
struct SpoolKey {
    key: zeroize::Zeroizing<[u8; 32]>,
    nonce: [u8; 24],
}

impl SpoolKey {
    fn random() -> Self {
        use rand::RngExt as _;
        let mut rng = rand::rng();
        let mut key = zeroize::Zeroizing::new([0u8; 32]);
        rng.fill(&mut key[..]);
        let mut nonce = [0u8; 24];
        rng.fill(&mut nonce[..]);
        SpoolKey { key, nonce }
    }

    /// A keystream from the start of the spool.
    fn cipher(&self) -> XSalsa20 {
        XSalsa20::new(&(*self.key).into(), &self.nonce.into())
    }
}

/// Copies what is read, encrypted, to the spool file.
struct Tee<R> {
    inner: R,
    copy: File,
    cipher: XSalsa20,
    buf: Vec<u8>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.buf.clear();
        self.buf.extend_from_slice(&buf[..n]);
        self.cipher.apply_keystream(&mut self.buf);
        self.copy.write_all(&self.buf)?;
        Ok(n)
    }
}

/// Reads the spool back in the clear.
struct Decrypting<R> {
    inner: R,
    cipher: XSalsa20,
}

impl<R: Read> Read for Decrypting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.cipher.apply_keystream(&mut buf[..n]);
        Ok(n)
    }
}

/// Hashes the bytes read (SipHash: it detects change, not tampering) and
/// publishes the digest when the input ends.
struct Digesting<R> {
    inner: R,
    hasher: std::hash::DefaultHasher,
    out: Arc<Mutex<Option<u64>>>,
}

impl<R> Digesting<R> {
    fn new(inner: R, out: Arc<Mutex<Option<u64>>>) -> Self {
        Digesting {
            inner,
            hasher: std::hash::DefaultHasher::new(),
            out,
        }
    }
}

impl<R: Read> Read for Digesting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            if let Ok(mut out) = self.out.lock() {
                *out = Some(self.hasher.finish());
            }
        } else {
            self.hasher.write(&buf[..n]);
        }
        Ok(n)
    }
}

/// A plain password, an encoded hash to keep, or neither.
enum RowPassword {
    Plain(SecretString),
    Encoded(String),
    Absent,
}

/// A row that passed every check.
struct ValidRow {
    user: BulkUser,
    password: RowPassword,
    /// The custom fields the row gives (index in the [`FieldSet`], value or
    /// empty); turned into [`BulkUser::fields`] once it is known whether the row
    /// creates a user or updates one.
    given: Vec<(usize, Option<FieldValue>)>,
    /// The groups the row names; turned into [`BulkUser::groups`] once every
    /// group of the file is known.
    groups: Option<Vec<GroupRef>>,
    /// The secret of the row's `totp_uri`; sealed into [`BulkUser::totp`]
    /// once the key is loaded.
    totp: Option<TotpSecret>,
}

/// The longest quoted value a row problem shows, in characters.
const MAX_QUOTED_CHARS: usize = 40;

/// A row problem with each quoted value (`"…"`, as `{:?}` writes them)
/// shortened to [`MAX_QUOTED_CHARS`] and an ellipsis, or, in a row with a plain
/// password, replaced by `(value not shown)`: a cell of a misaligned column
/// could be the password.
fn quote_safely(reason: &str, plain: bool) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut chars = reason.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            out.push(c);
            continue;
        }
        // One unit per character or escape sequence, up to the closing quote.
        let mut units: Vec<String> = Vec::new();
        let mut closed = false;
        while let Some(c) = chars.next() {
            match c {
                '"' => {
                    closed = true;
                    break;
                }
                '\\' => {
                    let mut unit = String::from('\\');
                    match chars.next() {
                        Some('u') => {
                            unit.push('u');
                            for c in chars.by_ref() {
                                unit.push(c);
                                if c == '}' {
                                    break;
                                }
                            }
                        }
                        Some(c) => unit.push(c),
                        None => {}
                    }
                    units.push(unit);
                }
                c => units.push(c.to_string()),
            }
        }
        if !closed {
            // Not a quoted value after all: a stray quote in the text.
            out.push('"');
            units.iter().for_each(|u| out.push_str(u));
        } else if plain {
            out.push_str("(value not shown)");
        } else {
            out.push('"');
            units
                .iter()
                .take(MAX_QUOTED_CHARS)
                .for_each(|u| out.push_str(u));
            if units.len() > MAX_QUOTED_CHARS {
                out.push('…');
            }
            out.push('"');
        }
    }
    out
}

/// 128 bits of SHA-256 of an email key: a set of them is a fraction of the size
/// of the keys themselves, and a collision is out of reach.
fn key_digest(key: &str) -> u128 {
    let hash = Sha256::digest(key.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    u128::from_le_bytes(bytes)
}

/// How much of a row is checked.
#[derive(Clone, Copy)]
enum Checks<'a> {
    /// The first pass: everything, the password validators when given, and
    /// stored hashes against the hasher's cost ceiling.
    All(Option<&'a PasswordPolicy>, &'a PasswordHasher),
    /// The second pass over the same bytes: what changes the row (normalisation),
    /// not what only accepts or refuses it (the validators, the hash formats).
    Normalise,
}

/// The rules every row goes through, the same as `createuser`'s.
fn validate(row: ParsedRow, checks: Checks<'_>) -> std::result::Result<ValidRow, String> {
    let policy = match checks {
        Checks::All(policy, _) => policy,
        Checks::Normalise => None,
    };
    let Some(raw_email) = row.email else {
        return Err("no email (the one required field)".into());
    };
    let email = parse_email(&raw_email).map_err(|e| e.to_string())?;
    let name = |what, value: Option<String>| {
        value
            .map(|n| clean_name(what, &n))
            .transpose()
            .map_err(|e| e.to_string())
    };
    let first_name = name("first_name", row.first_name)?;
    let last_name = name("last_name", row.last_name)?;
    let password = match (row.password, row.password_hash) {
        (Some(_), Some(_)) => {
            return Err("gives both password and password_hash; give one of them".into());
        }
        (Some(plain), None) => {
            let attrs = UserAttributes {
                email: &email,
                first_name: first_name.as_deref().unwrap_or(""),
                last_name: last_name.as_deref().unwrap_or(""),
            };
            check_plain(plain.expose_secret(), policy, &attrs)?;
            RowPassword::Plain(plain)
        }
        (None, Some(hash)) => encoded_password(hash, checks)?,
        (None, None) => RowPassword::Absent,
    };
    let totp = row.totp_uri.map(|uri| imported_totp(&uri)).transpose()?;
    let user = BulkUser {
        email_key: email_key(&email),
        email,
        password: BulkPassword::Absent {
            unusable: String::new(),
        },
        first_name,
        last_name,
        is_active: row.is_active,
        is_staff: row.is_staff,
        is_superuser: row.is_superuser,
        date_joined: row.date_joined,
        last_login: row.last_login,
        email_verified_at: row.email_verified_at,
        fields: Vec::new(),
        groups: None,
        permissions: row.user_permissions.map(|mut permissions| {
            permissions.sort_unstable();
            permissions.dedup();
            permissions
        }),
        must_change_password: row.must_change_password,
        expires_at: row.expires_at.map(Some),
        totp: None,
    };
    Ok(ValidRow {
        user,
        password,
        given: row.fields,
        groups: row.groups,
        totp,
    })
}

/// The secret of a `totp_uri` cell, if it is one sign-ins can verify (SHA1,
/// 6 digits, 30 s, at least 128 bits); the problem says what is wrong and
/// never shows the URI.
fn imported_totp(uri: &SecretString) -> std::result::Result<TotpSecret, String> {
    crate::totp::parse_uri(uri.expose_secret())
        .map(|parsed| parsed.secret)
        .map_err(|e| format!("totp_uri: {e}"))
}

/// A plain password's rules: not blank, not too long, and, given a policy,
/// accepted by the validators.
fn check_plain(
    text: &str,
    policy: Option<&PasswordPolicy>,
    attrs: &UserAttributes<'_>,
) -> std::result::Result<(), String> {
    if text.is_empty() {
        return Err("blank passwords aren't allowed".into());
    }
    if text.chars().count() > MAX_PASSWORD_LEN {
        return Err(format!(
            "password is longer than {MAX_PASSWORD_LEN} characters"
        ));
    }
    if let Some(policy) = policy {
        let problems = policy.validate(text, attrs);
        if !problems.is_empty() {
            return Err(format!(
                "password rejected: {} (or import with --skip-validation)",
                problems.join(" ")
            ));
        }
    }
    Ok(())
}

/// A `password_hash` cell: empty for an unusable password, an
/// unusable-password marker as export writes them, or a hash the hasher can
/// check (in the first pass).
fn encoded_password(hash: String, checks: Checks<'_>) -> std::result::Result<RowPassword, String> {
    if hash.is_empty() {
        return Ok(RowPassword::Encoded(make_unusable_password()));
    }
    if !crate::password::is_usable(&hash) {
        if hash.len() > 128 || hash.chars().any(char::is_control) {
            return Err("password_hash: malformed unusable-password marker".into());
        }
        return Ok(RowPassword::Encoded(hash));
    }
    if let Checks::All(_, hasher) = checks {
        hasher
            .check_stored(&hash)
            .map_err(|e| format!("password_hash: {e}"))?;
    }
    Ok(RowPassword::Encoded(hash))
}

/// A digest of a value of a unique field, for duplicates within the file and
/// clashes with stored users.
fn value_digest(field: &str, canonical: &str) -> u128 {
    key_digest(&format!("{field}\0{canonical}"))
}

/// The custom field values a row writes. A new user gets the values given, else
/// the defaults; an updated one gets the values given (an empty one removes the
/// stored value) and keeps the others.
fn field_writes(
    fields: &FieldSet,
    given: &[(usize, Option<FieldValue>)],
    new_user: bool,
) -> Vec<FieldWrite> {
    let write = |spec: &crate::fields::FieldSpec, value: Option<&FieldValue>| FieldWrite {
        name: spec.name.clone(),
        value: value.map(FieldValue::canonical),
        unique: spec.unique,
    };
    if new_user {
        fields
            .iter()
            .enumerate()
            .filter_map(|(index, spec)| {
                let value = given
                    .iter()
                    .find(|(i, _)| *i == index)
                    .and_then(|(_, v)| v.as_ref())
                    .or(spec.default.as_ref())?;
                Some(write(spec, Some(value)))
            })
            .collect()
    } else {
        given
            .iter()
            .filter_map(|(index, value)| {
                let spec = fields.iter().nth(*index)?;
                Some(write(spec, value.as_ref()))
            })
            .collect()
    }
}

/// A row lacking a required field, which is a problem or not depending on
/// whether the row creates a user or updates one (known after the first pass).
struct RequiredGap {
    line: u64,
    /// As a new user: a required field without value or default.
    if_new: Option<usize>,
    /// As an update: a required field given empty (which would remove its value).
    if_update: Option<usize>,
}

/// The first gap of each kind in a valid row's required fields.
fn required_gap(
    fields: &FieldSet,
    given: &[(usize, Option<FieldValue>)],
    line: u64,
) -> Option<RequiredGap> {
    let mut gap = RequiredGap {
        line,
        if_new: None,
        if_update: None,
    };
    for (index, spec) in fields.iter().enumerate().filter(|(_, f)| f.required) {
        let value = given.iter().find(|(i, _)| *i == index).map(|(_, v)| v);
        let emptied = matches!(value, Some(None));
        let has_value = matches!(value, Some(Some(_)));
        if emptied && gap.if_update.is_none() {
            gap.if_update = Some(index);
        }
        if !has_value && spec.default.is_none() && gap.if_new.is_none() {
            gap.if_new = Some(index);
        }
    }
    (gap.if_new.is_some() || gap.if_update.is_some()).then_some(gap)
}

/// What the first pass learnt.
struct Checked {
    rows: u64,
    /// Digests of the keys of rows whose email is already taken.
    conflicts: HashSet<u128>,
    /// Rows with a plain password that will be hashed.
    plain: u64,
    /// Rows with a `totp_uri`: the key that seals the secrets is needed.
    totp: u64,
    /// The groups the file defines, and the names of their pks.
    groups: ResolvedGroups,
    /// Groups the import would create, and change.
    group_counts: (u64, u64),
}

/// The first pass: every row checked, then the file as a whole against the
/// stored users. Any problem fails the import before anything is written.
fn check(
    input: impl Read + Send,
    options: &ImportOptions,
    policy: &PasswordPolicy,
    hasher: &PasswordHasher,
    fields: &FieldSet,
    store: &dyn BulkStore,
    progress: &mut dyn Progress,
) -> Result<Checked> {
    let policy = (options.validation == Validation::Enforce).then_some(policy);
    let mut groups = GroupPlan::new(store.all_groups()?);
    let mut pass = FirstPass::default();
    progress.start(Stage::Checking, None);
    let read = pass.read_rows(
        input,
        options,
        Checks::All(policy, hasher),
        fields,
        &mut groups,
        progress,
    );
    progress.finish();
    read?;
    if options.create_groups {
        groups.create_missing();
    }
    pass.add_unresolved_groups(&groups);
    // Without gaps in required fields, the problems are known without the store.
    if pass.failed > 0 && pass.gaps.is_empty() {
        return Err(pass.invalid_rows(options));
    }
    let (conflicts, taken) = stored_conflicts(store, &pass.seen)?;
    pass.add_required_gaps(fields, &conflicts, options.on_conflict);
    if pass.failed > 0 {
        return Err(pass.invalid_rows(options));
    }
    if options.on_conflict == OnConflict::Fail && !conflicts.is_empty() {
        return Err(conflicts_failure(taken, conflicts.len() as u64, options));
    }
    check_unique_values(fields, &pass.unique_values, &conflicts, options, store)?;
    Ok(Checked {
        rows: pass.rows,
        plain: pass.plain_to_hash(&conflicts, options.on_conflict),
        totp: pass.totp,
        conflicts,
        group_counts: groups.counts(),
        groups: groups.resolved(),
    })
}

/// What the first pass keeps while it reads: digests and the first problems,
/// so that memory stays flat whatever the size of the file.
#[derive(Default)]
struct FirstPass {
    rows: u64,
    /// The digest of each email key, and the line it is first on.
    seen: HashMap<u128, u64>,
    /// Values of unique fields: digest -> (line, digest of the row's email key).
    unique_values: HashMap<u128, (u64, u128)>,
    /// Rows lacking a required field, by the digest of their email key.
    gaps: HashMap<u128, RequiredGap>,
    /// The digests of the email keys of rows with a plain password.
    plain: HashSet<u128>,
    /// Rows with a `totp_uri`.
    totp: u64,
    /// The first [`MAX_REPORTED_PROBLEMS`] problems, of `failed`.
    problems: Vec<RowProblem>,
    failed: u64,
}

impl FirstPass {
    fn problem(&mut self, line: u64, reason: String) {
        self.failed += 1;
        if self.problems.len() < MAX_REPORTED_PROBLEMS {
            self.problems.push(RowProblem { line, reason });
        }
    }

    /// Reads every record: defines the fixture's groups and checks each row of
    /// users. A record that cannot be read is the last problem looked for.
    fn read_rows(
        &mut self,
        input: impl Read + Send,
        options: &ImportOptions,
        checks: Checks<'_>,
        fields: &FieldSet,
        groups: &mut GroupPlan,
        progress: &mut dyn Progress,
    ) -> Result<()> {
        for record in records(options.format, input, fields) {
            let Record { line, row, plain } = match record {
                Ok(record) => record,
                Err(ReadError::Io(e)) => {
                    return Err(Error::io(format!("cannot read {}", options.source), e));
                }
                Err(ReadError::Broken { line, reason }) => {
                    self.problem(line, quote_safely(&reason, false));
                    break;
                }
            };
            let row = match row {
                // A group of a fixture: not a row of users.
                Ok(Parsed::Group(group)) => {
                    if let Err(reason) = groups.define(group, line) {
                        self.problem(line, quote_safely(&reason, false));
                    }
                    continue;
                }
                Ok(Parsed::User(mut row)) => {
                    groups.add_models(std::mem::take(&mut row.models));
                    Ok(row)
                }
                Err(reason) => Err(reason),
            };
            self.rows += 1;
            progress.advance(1);
            self.check_row(line, row, plain, checks, fields, groups);
        }
        Ok(())
    }

    /// One row of users: its own rules, then its email and unique values
    /// against the rows before it. `plain`: the row has a password column.
    fn check_row(
        &mut self,
        line: u64,
        row: std::result::Result<ParsedRow, String>,
        plain: bool,
        checks: Checks<'_>,
        fields: &FieldSet,
        groups: &mut GroupPlan,
    ) {
        // Duplicates are looked for even in rows that are wrong otherwise.
        let digest = row
            .as_ref()
            .ok()
            .and_then(|r| r.email.as_deref())
            .and_then(|e| parse_email(e).ok())
            .map(|e| key_digest(&email_key(&e)));
        let mut reasons = Vec::new();
        let mut gap = None;
        let mut named = None;
        match row.and_then(|row| validate(row, checks)) {
            Err(reason) => reasons.push(reason),
            Ok(valid) => {
                named = valid.groups;
                self.totp += u64::from(valid.totp.is_some());
                if let Some(digest) = digest {
                    if let RowPassword::Plain(_) = valid.password {
                        self.plain.insert(digest);
                    }
                    self.note_unique_values(fields, &valid.given, line, digest, &mut reasons);
                }
                gap = required_gap(fields, &valid.given, line);
            }
        }
        if let Some(digest) = digest {
            match self.seen.get(&digest) {
                Some(first) => reasons.push(format!(
                    "the email is also on line {first} (emails are compared case-insensitively)"
                )),
                None => {
                    self.seen.insert(digest, line);
                }
            }
        }
        if !reasons.is_empty() {
            self.problem(line, quote_safely(&reasons.join("; "), plain));
            return;
        }
        if let Some(named) = named {
            groups.refer(&named, line);
        }
        if let (Some(gap), Some(digest)) = (gap, digest) {
            self.gaps.insert(digest, gap);
        }
    }

    /// Remembers the row's values of unique fields; one already on an earlier
    /// line is a reason to refuse the row.
    fn note_unique_values(
        &mut self,
        fields: &FieldSet,
        given: &[(usize, Option<FieldValue>)],
        line: u64,
        digest: u128,
        reasons: &mut Vec<String>,
    ) {
        for (index, value) in given {
            let (Some(spec), Some(value)) = (fields.iter().nth(*index), value) else {
                continue;
            };
            if !spec.unique {
                continue;
            }
            let canonical = value.canonical();
            match self
                .unique_values
                .entry(value_digest(&spec.name, &canonical))
            {
                Entry::Occupied(first) => reasons.push(format!(
                    "{}: {canonical:?} is also on line {} (the field is unique)",
                    spec.name,
                    first.get().0
                )),
                Entry::Vacant(slot) => {
                    slot.insert((line, digest));
                }
            }
        }
    }

    /// Rows naming groups defined nowhere, known once the whole file is read.
    fn add_unresolved_groups(&mut self, groups: &GroupPlan) {
        let (unknown, unknown_rows) = groups.unresolved();
        if unknown_rows > 0 {
            self.failed += unknown_rows;
            self.problems.extend(unknown);
            self.problems.sort_by_key(|p| p.line);
            self.problems.truncate(MAX_REPORTED_PROBLEMS);
        }
    }

    /// Whether a missing or emptied required field is a problem depends on the
    /// row creating a user or updating one, known now from the `conflicts`.
    fn add_required_gaps(
        &mut self,
        fields: &FieldSet,
        conflicts: &HashSet<u128>,
        on_conflict: OnConflict,
    ) {
        // Taken: not needed past this point, and one entry per row can be large.
        let gaps = std::mem::take(&mut self.gaps);
        let mut lacking: Vec<(u64, usize, bool)> = gaps
            .iter()
            .filter_map(|(digest, gap)| match conflicts.contains(digest) {
                false => gap.if_new.map(|i| (gap.line, i, true)),
                true if on_conflict == OnConflict::Update => {
                    gap.if_update.map(|i| (gap.line, i, false))
                }
                true => None,
            })
            .collect();
        drop(gaps);
        if lacking.is_empty() {
            return;
        }
        self.failed += lacking.len() as u64;
        lacking.sort_unstable();
        for (line, index, new_user) in lacking.into_iter().take(MAX_REPORTED_PROBLEMS) {
            let name = fields.iter().nth(index).map_or("", |f| f.name.as_str());
            let reason = if new_user {
                format!("{name} is required")
            } else {
                format!("{name} is required, so an empty value cannot remove it")
            };
            self.problems.push(RowProblem { line, reason });
        }
        self.problems.sort_by_key(|p| p.line);
        self.problems.truncate(MAX_REPORTED_PROBLEMS);
    }

    fn invalid_rows(self, options: &ImportOptions) -> Error {
        refused(
            ImportProblems::InvalidRows(self.problems),
            self.rows,
            self.failed,
            options,
        )
    }

    /// Plain passwords the write will hash: not those of rows skipped.
    fn plain_to_hash(&self, conflicts: &HashSet<u128>, on_conflict: OnConflict) -> u64 {
        let plain = match on_conflict {
            OnConflict::Skip => self.plain.difference(conflicts).count(),
            OnConflict::Fail | OnConflict::Update => self.plain.len(),
        };
        plain as u64
    }
}

/// Stored emails that rows of the file give, each with the line of its row.
type Taken = Vec<(u64, String)>;

/// The rows whose email a stored user has: the digests of their keys, and the
/// first [`MAX_REPORTED_PROBLEMS`] stored emails with the line of their row.
fn stored_conflicts(
    store: &dyn BulkStore,
    seen: &HashMap<u128, u64>,
) -> Result<(HashSet<u128>, Taken)> {
    let mut conflicts = HashSet::new();
    let mut taken = Vec::new();
    store.for_each_email(&mut |key, email| {
        let digest = key_digest(key);
        if let Some(&line) = seen.get(&digest) {
            conflicts.insert(digest);
            if taken.len() < MAX_REPORTED_PROBLEMS {
                taken.push((line, email.to_string()));
            }
        }
    })?;
    Ok((conflicts, taken))
}

/// `--on-conflict fail` and emails already taken: named in file order.
fn conflicts_failure(mut taken: Taken, total: u64, options: &ImportOptions) -> Error {
    taken.sort();
    let emails = taken.into_iter().map(|(_, email)| email).collect();
    refused(ImportProblems::Conflicts(emails), 0, total, options)
}

/// Fails when a value of a unique field in the file is held by a stored user
/// other than the row's own (rows skipped as conflicts write nothing).
fn check_unique_values(
    fields: &FieldSet,
    unique_values: &HashMap<u128, (u64, u128)>,
    conflicts: &HashSet<u128>,
    options: &ImportOptions,
    store: &dyn BulkStore,
) -> Result<()> {
    if unique_values.is_empty() {
        return Ok(());
    }
    let mut clashes: Vec<(u64, String)> = Vec::new();
    let mut total = 0u64;
    for spec in fields.iter().filter(|f| f.unique) {
        store.for_each_field_value(&spec.name, &mut |value, key, email| {
            let Some(&(line, row)) = unique_values.get(&value_digest(&spec.name, value)) else {
                return;
            };
            let skipped = options.on_conflict == OnConflict::Skip && conflicts.contains(&row);
            if skipped || key_digest(key) == row {
                return;
            }
            total += 1;
            clashes.push((
                line,
                format!("line {line}: {} = {value} ({email} has it)", spec.name),
            ));
            if clashes.len() > MAX_REPORTED_PROBLEMS {
                clashes.sort();
                clashes.truncate(MAX_REPORTED_PROBLEMS);
            }
        })?;
    }
    if total == 0 {
        return Ok(());
    }
    clashes.sort();
    let clashes = clashes.into_iter().map(|(_, c)| c).collect();
    Err(refused(
        ImportProblems::ValuesTaken(clashes),
        0,
        total,
        options,
    ))
}

/// The import's rows stopped it. `rows` is given for invalid rows only: the
/// summary of the other failures has always counted just the rows at fault.
fn refused(problems: ImportProblems, rows: u64, failed: u64, options: &ImportOptions) -> Error {
    Error::Import(ImportFailure {
        summary: ImportSummary {
            rows,
            failed,
            dry_run: options.dry_run,
            ..ImportSummary::default()
        },
        problems,
    })
}

/// A row on its way to the database.
// Skips are rare and rows travel in batches: boxing every row would cost more.
#[allow(clippy::large_enum_variant)]
enum Pending {
    /// Left out (`--on-conflict skip` of a known conflict): counted, not written.
    Skip,
    /// Hashed by a worker when `plain` is set.
    Row {
        user: BulkUser,
        plain: Option<SecretString>,
    },
}

struct Batch {
    seq: u64,
    items: Vec<Pending>,
    /// The reader failed here: the import must not commit.
    error: Option<Error>,
    last: bool,
}

fn changed(options: &ImportOptions) -> Error {
    Error::io(
        format!("cannot import {}", options.source),
        io::Error::other("the input changed while it was being imported; nothing was imported"),
    )
}

/// The reader thread of the second pass: the rows again, in batches for the
/// hashing threads, and an error in the last batch if the input changed.
#[allow(clippy::too_many_arguments)]
fn read_batches(
    input: impl Read + Send,
    first_digest: Option<u64>,
    second_digest: &Mutex<Option<u64>>,
    checked: &Checked,
    options: &ImportOptions,
    fields: &FieldSet,
    mfa: Option<&dyn TotpSealer>,
    jobs: &SyncSender<Batch>,
) {
    let mut out = Batches {
        jobs,
        seq: 0,
        items: Vec::with_capacity(BATCH_ROWS),
    };
    let mut rows = 0;
    for record in records(options.format, input, fields) {
        let row = match reread(record, checked, options) {
            Ok(Some(row)) => row,
            // The groups of a fixture were read in the first pass.
            Ok(None) => continue,
            Err(error) => {
                out.finish(Some(error));
                return;
            }
        };
        rows += 1;
        let Some(row) = pending(row, checked, options, fields, mfa) else {
            // A second factor the first pass did not see: the input changed.
            out.finish(Some(changed(options)));
            return;
        };
        if !out.push(row) {
            return;
        }
    }
    let same = rows == checked.rows
        && first_digest.is_some()
        && second_digest.lock().ok().and_then(|d| *d) == first_digest;
    out.finish((!same).then(|| changed(options)));
}

/// A record of the second pass as a valid row, its groups named; `None` for a
/// group of a fixture. A row the first pass would refuse means the input changed.
fn reread(
    record: std::result::Result<Record, ReadError>,
    checked: &Checked,
    options: &ImportOptions,
) -> Result<Option<ValidRow>> {
    let valid = match record {
        Ok(Record {
            row: Ok(Parsed::Group(_)),
            ..
        }) => return Ok(None),
        Ok(Record { row, .. }) => row.and_then(|row| match row {
            Parsed::User(row) => validate(row, Checks::Normalise),
            Parsed::Group(_) => Err(String::new()),
        }),
        Err(ReadError::Io(e)) => {
            return Err(Error::io(format!("cannot read {}", options.source), e));
        }
        Err(ReadError::Broken { .. }) => Err(String::new()),
    };
    let Ok(mut valid) = valid else {
        return Err(changed(options));
    };
    if let Some(groups) = valid.groups.take() {
        let Some(names) = checked.groups.names(&groups) else {
            return Err(changed(options));
        };
        valid.user.groups = Some(names);
    }
    Ok(Some(valid))
}

/// What the store gets of a row: nothing for a conflict that `Skip` leaves
/// alone; else the user with its field writes, its second factor sealed by
/// `mfa` and its password, a plain one still to hash. `None`: a second factor
/// and no `mfa` to seal it.
fn pending(
    row: ValidRow,
    checked: &Checked,
    options: &ImportOptions,
    fields: &FieldSet,
    mfa: Option<&dyn TotpSealer>,
) -> Option<Pending> {
    let ValidRow {
        mut user,
        password,
        given,
        totp,
        ..
    } = row;
    let conflict = checked.conflicts.contains(&key_digest(&user.email_key));
    if conflict && options.on_conflict == OnConflict::Skip {
        return Some(Pending::Skip);
    }
    if let Some(secret) = totp {
        user.totp = Some(mfa?.seal_in_transit(&secret, &user.email_key));
    }
    user.fields = field_writes(fields, &given, !conflict);
    let plain = match password {
        RowPassword::Plain(secret) => Some(secret),
        RowPassword::Encoded(hash) => {
            user.password = BulkPassword::Set(hash);
            None
        }
        RowPassword::Absent => {
            user.password = BulkPassword::Absent {
                unusable: make_unusable_password(),
            };
            None
        }
    };
    Some(Pending::Row { user, plain })
}

/// The rows of the second pass, numbered in batches for the hashing threads.
struct Batches<'a> {
    jobs: &'a SyncSender<Batch>,
    seq: u64,
    items: Vec<Pending>,
}

impl Batches<'_> {
    /// False when the workers have stopped (the write ended early).
    fn push(&mut self, item: Pending) -> bool {
        // A row to hash ends its batch, so the threads share out the hashing.
        let needs_hash = matches!(item, Pending::Row { plain: Some(_), .. });
        self.items.push(item);
        if needs_hash || self.items.len() >= BATCH_ROWS {
            let full = std::mem::replace(&mut self.items, Vec::with_capacity(BATCH_ROWS));
            return self.send(full, None, false);
        }
        true
    }

    /// Sends the last batch; with an error, the import must not commit.
    fn finish(mut self, error: Option<Error>) {
        let items = std::mem::take(&mut self.items);
        self.send(items, error, true);
    }

    fn send(&mut self, items: Vec<Pending>, error: Option<Error>, last: bool) -> bool {
        let batch = Batch {
            seq: self.seq,
            items,
            error,
            last,
        };
        self.seq += 1;
        self.jobs.send(batch).is_ok()
    }
}

/// A hashing thread: hashes the plain passwords of each batch with its own memory.
fn hash_batches(jobs: &Mutex<Receiver<Batch>>, done: &SyncSender<Batch>, hasher: &PasswordHasher) {
    let mut memory = HashMemory::default();
    loop {
        let batch = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(mut batch) = batch else { return };
        for item in &mut batch.items {
            if let Pending::Row { user, plain } = item
                && let Some(secret) = plain.take()
            {
                let hash = hasher.hash_with_memory(secret.expose_secret(), &mut memory);
                user.password = BulkPassword::Set(hash);
            }
        }
        if done.send(batch).is_err() {
            return;
        }
    }
}

/// The batches back in file order, one row at a time, for the store.
struct InOrder<'a> {
    done: Receiver<Batch>,
    next: u64,
    waiting: BTreeMap<u64, Batch>,
    current: std::vec::IntoIter<Pending>,
    finished: bool,
    skipped: u64,
    progress: &'a mut dyn Progress,
}

impl Iterator for InOrder<'_> {
    type Item = Result<BulkUser>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.current.next() {
                Some(Pending::Skip) => {
                    self.skipped += 1;
                    self.progress.advance(1);
                    continue;
                }
                Some(Pending::Row { user, .. }) => {
                    self.progress.advance(1);
                    return Some(Ok(user));
                }
                None if self.finished => return None,
                None => {}
            }
            let batch = loop {
                if let Some(batch) = self.waiting.remove(&self.next) {
                    break batch;
                }
                match self.done.recv() {
                    Ok(batch) => {
                        self.waiting.insert(batch.seq, batch);
                    }
                    Err(_) => {
                        self.finished = true;
                        return Some(Err(Error::io(
                            "import",
                            io::Error::other(
                                "the import stopped before its end; nothing was imported",
                            ),
                        )));
                    }
                }
            };
            self.next += 1;
            if let Some(error) = batch.error {
                self.finished = true;
                return Some(Err(error));
            }
            self.finished = batch.last;
            self.current = batch.items.into_iter();
        }
    }
}

/// A row as spooled between hashing and writing: one JSON line. The spool is an
/// unlinked 0600 file and holds hashes, never a plain password.
#[derive(Serialize, serde::Deserialize)]
struct Spooled {
    email: String,
    email_key: String,
    password: Option<String>,
    unusable: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    is_active: Option<bool>,
    is_staff: Option<bool>,
    is_superuser: Option<bool>,
    date_joined: Option<String>,
    last_login: Option<String>,
    email_verified_at: Option<String>,
    /// Custom field writes: (name, value or none to remove, unique).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    fields: Vec<(String, Option<String>, bool)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    groups: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    permissions: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    must_change_password: Option<bool>,
    /// `Some(None)`: set to never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<Option<String>>,
    /// An imported second factor, sealed in transit: (key id, hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    totp: Option<(String, String)>,
}

fn spool_err(e: impl Into<io::Error>) -> Error {
    Error::io("cannot spool the hashed rows to a temporary file", e.into())
}

/// Writes every row to an unlinked temporary file; returns it (rewound) and the count.
fn spool_rows(rows: &mut dyn Iterator<Item = Result<BulkUser>>) -> Result<(File, u64)> {
    let file = tempfile::tempfile().map_err(spool_err)?;
    let mut out = io::BufWriter::new(file);
    let mut count = 0;
    let time = |t: Option<jiff::Timestamp>| t.map(crate::clock::format_timestamp);
    for row in rows {
        let user = row?;
        let (password, unusable) = match user.password {
            BulkPassword::Set(hash) => (Some(hash), None),
            BulkPassword::Absent { unusable } => (None, Some(unusable)),
        };
        let spooled = Spooled {
            email: user.email,
            email_key: user.email_key,
            password,
            unusable,
            first_name: user.first_name,
            last_name: user.last_name,
            is_active: user.is_active,
            is_staff: user.is_staff,
            is_superuser: user.is_superuser,
            date_joined: time(user.date_joined),
            last_login: time(user.last_login),
            email_verified_at: time(user.email_verified_at),
            fields: user
                .fields
                .into_iter()
                .map(|f| (f.name, f.value, f.unique))
                .collect(),
            groups: user.groups,
            permissions: user
                .permissions
                .map(|p| p.iter().map(|p| p.as_str().to_string()).collect()),
            must_change_password: user.must_change_password,
            expires_at: user.expires_at.map(time),
            totp: user
                .totp
                .map(|sealed| (sealed.key_id, data_encoding::HEXLOWER.encode(&sealed.bytes))),
        };
        serde_json::to_writer(&mut out, &spooled).map_err(spool_err)?;
        out.write_all(b"\n").map_err(spool_err)?;
        count += 1;
    }
    let mut file = out.into_inner().map_err(|e| spool_err(e.into_error()))?;
    file.rewind().map_err(spool_err)?;
    Ok((file, count))
}

/// The spooled rows, read back one at a time.
struct Replay<'a> {
    lines: io::Lines<io::BufReader<File>>,
    progress: &'a mut dyn Progress,
}

impl Iterator for Replay<'_> {
    type Item = Result<BulkUser>;

    fn next(&mut self) -> Option<Self::Item> {
        let line = match self.lines.next()? {
            Ok(line) => line,
            Err(e) => return Some(Err(spool_err(e))),
        };
        self.progress.advance(1);
        let spooled: Spooled = match serde_json::from_str(&line) {
            Ok(s) => s,
            Err(e) => return Some(Err(spool_err(e))),
        };
        let time = |t: Option<String>| -> Result<Option<jiff::Timestamp>> {
            t.map(|t| {
                crate::clock::parse_timestamp(&t)
                    .ok_or_else(|| spool_err(io::Error::other("bad timestamp in the spool")))
            })
            .transpose()
        };
        let user = (|| {
            Ok(BulkUser {
                email: spooled.email,
                email_key: spooled.email_key,
                password: match (spooled.password, spooled.unusable) {
                    (Some(hash), _) => BulkPassword::Set(hash),
                    (None, unusable) => BulkPassword::Absent {
                        unusable: unusable.unwrap_or_else(make_unusable_password),
                    },
                },
                first_name: spooled.first_name,
                last_name: spooled.last_name,
                is_active: spooled.is_active,
                is_staff: spooled.is_staff,
                is_superuser: spooled.is_superuser,
                date_joined: time(spooled.date_joined)?,
                last_login: time(spooled.last_login)?,
                email_verified_at: time(spooled.email_verified_at)?,
                fields: spooled
                    .fields
                    .into_iter()
                    .map(|(name, value, unique)| FieldWrite {
                        name,
                        value,
                        unique,
                    })
                    .collect(),
                groups: spooled.groups,
                permissions: spooled
                    .permissions
                    .map(|p| Permission::parse_all(&p))
                    .transpose()?,
                must_change_password: spooled.must_change_password,
                expires_at: spooled.expires_at.map(time).transpose()?,
                totp: spooled
                    .totp
                    .map(|(key_id, hex)| {
                        let bytes = data_encoding::HEXLOWER
                            .decode(hex.as_bytes())
                            .map_err(|_| spool_err(io::Error::other("bad TOTP in the spool")))?;
                        Ok::<_, Error>(crate::sealed::Sealed { key_id, bytes })
                    })
                    .transpose()?,
            })
        })();
        Some(user)
    }
}

/// The input of the second pass and where its digest will be.
type Second = (Digesting<Box<dyn Read + Send>>, Arc<Mutex<Option<u64>>>);

/// The second pass: reader, hashing threads and the store's one transaction.
/// Returns what the store counted and the rows skipped as known conflicts.
#[allow(clippy::too_many_arguments)]
fn write(
    (input, second_digest): Second,
    first_digest: Option<u64>,
    checked: Checked,
    options: &ImportOptions,
    fields: &FieldSet,
    hasher: &PasswordHasher,
    mfa: Option<&dyn TotpSealer>,
    store: &mut dyn BulkStore,
    audit: &BulkAudit,
    progress: &mut dyn Progress,
) -> Result<(crate::storage::BulkCounts, u64)> {
    let workers = match options.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let (job_tx, job_rx) = sync_channel::<Batch>(workers * 2);
    let (done_tx, done_rx) = sync_channel::<Batch>(workers * 2);
    let job_rx = Arc::new(Mutex::new(job_rx));
    std::thread::scope(|scope| {
        let checked = &checked;
        let second_digest = &second_digest;
        scope.spawn(move || {
            read_batches(
                input,
                first_digest,
                second_digest,
                checked,
                options,
                fields,
                mfa,
                &job_tx,
            );
        });
        for _ in 0..workers {
            let jobs = Arc::clone(&job_rx);
            let done = done_tx.clone();
            scope.spawn(move || hash_batches(&jobs, &done, hasher));
        }
        // Only the workers hold these now: when they stop, the reader's sends fail.
        drop(job_rx);
        drop(done_tx);
        let rows = InOrder {
            done: done_rx,
            next: 0,
            waiting: BTreeMap::new(),
            current: Vec::new().into_iter(),
            finished: false,
            skipped: 0,
            progress,
        };
        let sealer = mfa;
        let write = StoreWrite {
            checked,
            options,
            sealer,
            audit,
        };
        if checked.plain == 0 {
            write_streamed(rows, &write, store)
        } else {
            write_spooled(rows, &write, store)
        }
    })
}

/// Nothing to hash: the rows stream straight into the transaction.
fn write_streamed(
    mut rows: InOrder<'_>,
    write: &StoreWrite<'_>,
    store: &mut dyn BulkStore,
) -> Result<(crate::storage::BulkCounts, u64)> {
    rows.progress
        .start(Stage::Writing, Some(write.checked.rows));
    let written = write.store_rows(&mut rows, store);
    let skipped = rows.skipped;
    rows.progress.finish();
    // Dropping the receiver stops the workers and then the reader, if the
    // write ended early.
    drop(rows);
    written.map(|counts| (counts, skipped))
}

/// Hash first, into a spool, so that the write lock is held only for the
/// write (seconds per 100,000 rows), not for the hashing (minutes): other
/// commands queue behind the busy timeout meanwhile.
fn write_spooled(
    mut rows: InOrder<'_>,
    write: &StoreWrite<'_>,
    store: &mut dyn BulkStore,
) -> Result<(crate::storage::BulkCounts, u64)> {
    rows.progress
        .start(Stage::Hashing, Some(write.checked.rows));
    let spooled = spool_rows(&mut rows);
    let skipped = rows.skipped;
    let progress = rows.progress;
    progress.finish();
    drop(rows.done);
    let (spool, count) = spooled?;
    progress.start(Stage::Writing, Some(count));
    let mut replay = Replay {
        lines: io::BufReader::new(spool).lines(),
        progress: &mut *progress,
    };
    let written = write.store_rows(&mut replay, store);
    progress.finish();
    written.map(|counts| (counts, skipped))
}

/// What the store's one transaction is given besides the rows.
struct StoreWrite<'a> {
    checked: &'a Checked,
    options: &'a ImportOptions,
    sealer: Option<&'a dyn TotpSealer>,
    audit: &'a BulkAudit,
}

impl StoreWrite<'_> {
    fn store_rows(
        &self,
        rows: &mut dyn Iterator<Item = Result<BulkUser>>,
        store: &mut dyn BulkStore,
    ) -> Result<crate::storage::BulkCounts> {
        store.bulk_write(
            &self.checked.groups.definitions,
            rows,
            self.options.on_conflict,
            self.options.protect_last_superuser,
            self.audit,
            self.sealer,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(email: &str) -> ParsedRow {
        ParsedRow {
            email: Some(email.into()),
            ..ParsedRow::default()
        }
    }

    #[test]
    fn quoted_values_are_shortened_or_in_a_row_with_a_password_not_shown() {
        let long = "x".repeat(100);
        let reason = format!("is_staff must be true or false, not {long:?}; email \"a\\\"b\"");
        assert_eq!(
            quote_safely(&reason, false),
            format!(
                "is_staff must be true or false, not \"{}…\"; email \"a\\\"b\"",
                "x".repeat(40)
            )
        );
        assert_eq!(
            quote_safely(&reason, true),
            "is_staff must be true or false, not (value not shown); email (value not shown)"
        );
        // Escapes count as one character and are never cut in two.
        let escaped = format!("{:?}", "\u{1b}".repeat(50));
        let shown = quote_safely(&escaped, false);
        assert_eq!(shown, format!("\"{}…\"", "\\u{1b}".repeat(40)));
        assert_eq!(quote_safely("a stray \" quote", true), "a stray \" quote");
    }

    #[test]
    fn rows_follow_the_rules_of_createuser() {
        let policy = PasswordPolicy::default();
        let hasher = PasswordHasher::new(crate::password::Argon2Params::default()).unwrap();
        let ok = validate(
            parsed("  Ada@EXAMPLE.com "),
            Checks::All(Some(&policy), &hasher),
        )
        .unwrap();
        assert_eq!(ok.user.email, "Ada@example.com");
        assert_eq!(ok.user.email_key, "ada@example.com");
        assert!(matches!(ok.password, RowPassword::Absent));
        let err = |row| {
            validate(row, Checks::All(Some(&policy), &hasher))
                .err()
                .unwrap()
        };
        assert_eq!(
            err(ParsedRow::default()),
            "no email (the one required field)"
        );
        let row = ParsedRow {
            password: Some(SecretString::from("x".repeat(MAX_PASSWORD_LEN + 1))),
            ..parsed("a@example.com")
        };
        assert_eq!(err(row), "password is longer than 4096 characters");
        let row = ParsedRow {
            password_hash: Some("!not\u{7}ok".into()),
            ..parsed("a@example.com")
        };
        assert_eq!(
            err(row),
            "password_hash: malformed unusable-password marker"
        );
        let row = ParsedRow {
            password_hash: Some("argon2$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$notbase64!".into()),
            ..parsed("a@example.com")
        };
        assert!(err(row).starts_with("password_hash: malformed argon2 hash"));
        // Pre-hashed passwords are kept; validators do not see them.
        let row = ParsedRow {
            password: Some(SecretString::from("password")),
            ..parsed("a@example.com")
        };
        assert!(validate(row, Checks::All(None, &hasher)).is_ok());
    }

    #[test]
    fn new_users_get_defaults_and_updates_only_what_the_row_gives() {
        let table: toml::Table = "[team]\ntype = \"text\"\nrequired = true\n\
                                  [vip]\ntype = \"boolean\"\ndefault = false\n\
                                  [no]\ntype = \"integer\"\nunique = true\n"
            .parse()
            .unwrap();
        let fields = FieldSet::from_toml(&table).unwrap();
        let shown = |writes: Vec<FieldWrite>| -> Vec<String> {
            writes
                .into_iter()
                .map(|w| format!("{}={:?},{}", w.name, w.value, w.unique))
                .collect()
        };
        let given = vec![(0, Some(FieldValue::Text("Ops".into()))), (2, None)];
        assert_eq!(
            shown(field_writes(&fields, &given, true)),
            ["team=Some(\"Ops\"),false", "vip=Some(\"false\"),false"]
        );
        assert_eq!(
            shown(field_writes(&fields, &given, false)),
            ["team=Some(\"Ops\"),false", "no=None,true"]
        );
        // Required: missing matters for a new user, emptied for an update.
        assert!(required_gap(&fields, &given, 2).is_none());
        let gap = required_gap(&fields, &[], 3).unwrap();
        assert_eq!((gap.line, gap.if_new, gap.if_update), (3, Some(0), None));
        let gap = required_gap(&fields, &[(0, None)], 4).unwrap();
        assert_eq!((gap.if_new, gap.if_update), (Some(0), Some(0)));
    }
}
