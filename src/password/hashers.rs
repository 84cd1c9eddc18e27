//! Password hashes in Django's `<algorithm>$...` encodings.
//!
//! New hashes are always argon2id, encoded exactly as Django's
//! `Argon2PasswordHasher` writes them, so a Django project accepts them and
//! does not re-hash them. Every hasher Django ships in `PASSWORD_HASHERS`
//! (argon2, pbkdf2_sha256, pbkdf2_sha1, bcrypt_sha256, bcrypt, scrypt) can be
//! verified. Encoded hashes are parsed here by hand: the formats are simple,
//! and it lets every rejection say exactly which part is wrong. Costs read
//! from a stored hash are bounded before any work is done, so a planted hash
//! cannot hang or exhaust the process.

use std::fmt;

use argon2::{Argon2, Block, Params};
use base64::Engine as _;
use base64::alphabet;
use base64::engine::GeneralPurpose;
use base64::engine::general_purpose::{NO_PAD, STANDARD, STANDARD_NO_PAD};
use rand::distr::{Alphanumeric, SampleString};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The algorithms [`PasswordHasher::verify`] understands, for error messages.
const SUPPORTED: &str = "argon2, pbkdf2_sha256, pbkdf2_sha1, bcrypt_sha256, bcrypt, scrypt";

/// Django hashers that exist but are not supported here. Only these are named
/// in errors: whatever precedes the first `$` of an arbitrary string could be
/// a plaintext password stored by mistake.
const KNOWN_UNSUPPORTED: &[&str] = &[
    "md5",
    "sha1",
    "unsalted_md5",
    "unsalted_sha1",
    "crypt",
    "pbkdf2",
];

/// Django's salt: 22 characters of [a-zA-Z0-9] (≈131 bits, over the 128 its
/// `must_update` asks for).
const SALT_LEN: usize = 22;
/// Length of the random part of Django's unusable-password marker.
const UNUSABLE_SUFFIX_LEN: usize = 40;
/// `--generate-password` length: 24 × log2(62) ≈ 142 bits.
const GENERATED_PASSWORD_LEN: usize = 24;
/// argon2 output length Django uses (argon2-cffi's default).
const ARGON2_HASH_LEN: usize = 32;

// Bounds on costs read from stored hashes. Each lets a legitimate hash through
// (the strongest published recommendations are well inside) while keeping the
// worst case to roughly a minute of CPU and at most 4 GiB of memory.
/// Longest encoded hash accepted; Django's are under 200 bytes.
const MAX_ENCODED_LEN: usize = 4096;
/// argon2 memory, in KiB (4 GiB).
const MAX_ARGON2_MEMORY_KIB: u64 = 4 * 1024 * 1024;
/// argon2 memory × passes, in KiB (16 GiB of block processing).
const MAX_ARGON2_WORK_KIB: u64 = 16 * 1024 * 1024;
const MAX_PBKDF2_ITERATIONS: u64 = 100_000_000;
const MAX_BCRYPT_COST: u64 = 20;
const MAX_SCRYPT_LOG_N: u32 = 24;
/// scrypt memory, 128·N·r bytes (4 GiB).
const MAX_SCRYPT_MEMORY: u64 = 4 << 30;
/// scrypt work, 128·N·r·p bytes mixed (16 GiB).
const MAX_SCRYPT_WORK: u64 = 16 << 30;

/// bcrypt's own base64 (the one the `bcrypt` crate decodes with).
const BCRYPT_BASE64: GeneralPurpose = GeneralPurpose::new(&alphabet::BCRYPT, NO_PAD);

/// Why a hash could not be made, parsed or checked.
///
/// Messages never contain the password, and name an encoded hash only by its
/// algorithm.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// The text before the first `$` is not a supported algorithm. `name` is
    /// set only for Django hashers that exist but are not supported.
    #[error(
        "unknown password hash algorithm{} (supported: {SUPPORTED})",
        .name.map(|n| format!(" `{n}`")).unwrap_or_default()
    )]
    UnknownAlgorithm { name: Option<&'static str> },
    /// The hash names a supported algorithm but does not follow its format.
    #[error("malformed {algorithm} hash: {reason}")]
    Malformed {
        algorithm: &'static str,
        reason: String,
    },
    /// A cost parameter is outside what argon2/scrypt/... allow or what this
    /// module is willing to run.
    #[error("{algorithm} hash: {parameter} {value} is out of range ({min}..={max})")]
    CostOutOfRange {
        algorithm: &'static str,
        parameter: &'static str,
        value: u64,
        min: u64,
        max: u64,
    },
    /// The configured argon2 parameters cannot be used for new hashes.
    #[error("invalid argon2 parameters: {reason}")]
    InvalidParams { reason: String },
    /// The string is Django's unusable-password marker (`!...`), not a hash.
    #[error("an unusable password marker is not a password hash")]
    Unusable,
    /// The key derivation itself failed (e.g. memory could not be allocated).
    #[error("could not compute {algorithm} hash: {reason}")]
    Failed {
        algorithm: &'static str,
        reason: String,
    },
}

fn malformed(algorithm: &'static str, reason: impl Into<String>) -> HashError {
    HashError::Malformed {
        algorithm,
        reason: reason.into(),
    }
}

/// argon2 cost settings for new hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub memory_cost: u32,
    /// Number of passes.
    pub time_cost: u32,
    /// Number of lanes.
    pub parallelism: u32,
}

impl Default for Argon2Params {
    /// OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        Self {
            memory_cost: 19 * 1024,
            time_cost: 2,
            parallelism: 1,
        }
    }
}

impl Argon2Params {
    /// Checks the parameters against argon2's limits, and against the bounds
    /// applied to stored hashes (so every hash made can also be verified).
    pub fn validate(&self) -> Result<(), HashError> {
        self.to_argon2().map(drop)
    }

    fn to_argon2(self) -> Result<Params, HashError> {
        let params = Params::new(
            self.memory_cost,
            self.time_cost,
            self.parallelism,
            Some(ARGON2_HASH_LEN),
        )
        .map_err(|err| HashError::InvalidParams {
            reason: err.to_string(),
        })?;
        let memory = u64::from(self.memory_cost);
        if memory > MAX_ARGON2_MEMORY_KIB {
            return Err(HashError::InvalidParams {
                reason: format!(
                    "memory cost {memory} KiB is over the {MAX_ARGON2_MEMORY_KIB} KiB limit"
                ),
            });
        }
        let work = memory * u64::from(self.time_cost);
        if work > MAX_ARGON2_WORK_KIB {
            return Err(HashError::InvalidParams {
                reason: format!(
                    "memory × time cost {work} KiB is over the {MAX_ARGON2_WORK_KIB} KiB limit"
                ),
            });
        }
        Ok(params)
    }
}

/// Reusable argon2 working memory, for callers hashing many passwords in a row
/// (e.g. bulk import workers) who want to avoid one large allocation per hash.
#[derive(Clone, Default)]
pub struct HashMemory {
    blocks: Vec<Block>,
}

impl HashMemory {
    /// Memory sized for hashing at `params`; empty if the params are invalid
    /// (it grows on first use if ever too small).
    pub fn for_params(params: &Argon2Params) -> Self {
        let count = params.to_argon2().map_or(0, |p| p.block_count());
        Self {
            blocks: vec![Block::new(); count],
        }
    }
}

impl fmt::Debug for HashMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashMemory")
            .field("kib", &self.blocks.len())
            .finish()
    }
}

/// Outcome of [`PasswordHasher::verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The password matches the hash.
    pub matches: bool,
    /// The hash should be replaced by a fresh [`PasswordHasher::hash`] of the
    /// (correct) password. Always false when `matches` is false.
    pub needs_upgrade: bool,
}

impl Verified {
    const NO_MATCH: Self = Self {
        matches: false,
        needs_upgrade: false,
    };
}

/// Hashes new passwords with argon2id and verifies any Django hash.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Argon2Params,
    argon2: Argon2<'static>,
}

impl PasswordHasher {
    /// A hasher producing argon2id hashes at `params`.
    pub fn new(params: Argon2Params) -> Result<Self, HashError> {
        let argon2_params = params.to_argon2()?;
        Ok(Self {
            params,
            argon2: Argon2::new(
                argon2::Algorithm::Argon2id,
                argon2::Version::V0x13,
                argon2_params,
            ),
        })
    }

    /// The parameters new hashes are made with.
    pub fn params(&self) -> Argon2Params {
        self.params
    }

    /// Hashes `password` as Django's `Argon2PasswordHasher` would:
    /// `argon2$argon2id$v=19$m=..,t=..,p=..$<salt>$<hash>`.
    ///
    /// # Panics
    /// Only if the password is over 4 GiB long (argon2's limit).
    pub fn hash(&self, password: &str) -> String {
        self.hash_with_memory(password, &mut HashMemory::default())
    }

    /// Like [`hash`](Self::hash), reusing `memory` (grown if too small).
    ///
    /// # Panics
    /// Only if the password is over 4 GiB long (argon2's limit).
    pub fn hash_with_memory(&self, password: &str, memory: &mut HashMemory) -> String {
        let salt = Alphanumeric.sample_string(&mut rand::rng(), SALT_LEN);
        let needed = self.argon2.params().block_count();
        if memory.blocks.len() < needed {
            memory.blocks.resize(needed, Block::new());
        }
        let mut out = Zeroizing::new([0u8; ARGON2_HASH_LEN]);
        // The params, salt and output length were all validated up front, so
        // argon2 can only object to a password longer than u32::MAX bytes.
        if let Err(err) = self.argon2.hash_password_into_with_memory(
            password.as_bytes(),
            salt.as_bytes(),
            out.as_mut_slice(),
            &mut memory.blocks,
        ) {
            panic!("argon2 rejected a password: {err}");
        }
        let Argon2Params {
            memory_cost,
            time_cost,
            parallelism,
        } = self.params;
        format!(
            "argon2$argon2id$v=19$m={memory_cost},t={time_cost},p={parallelism}${}${}",
            STANDARD_NO_PAD.encode(salt.as_bytes()),
            STANDARD_NO_PAD.encode(out.as_slice()),
        )
    }

    /// Checks `password` against an encoded hash in any supported format.
    ///
    /// An unusable-password marker (anything starting with `!`) never
    /// matches. A malformed or unsupported hash is an error, as is one whose
    /// costs are beyond the bounds this module will run.
    pub fn verify(&self, password: &str, encoded: &str) -> Result<Verified, HashError> {
        if !is_usable(encoded) {
            return Ok(Verified::NO_MATCH);
        }
        let parsed = Parsed::parse(encoded)?;
        let matches = parsed.matches(password.as_bytes())?;
        Ok(Verified {
            matches,
            needs_upgrade: matches && self.must_update(&parsed),
        })
    }

    /// Does the work of a verify at the current params and discards it, so
    /// that "no such user" takes as long as "wrong password".
    pub fn dummy_verify(&self, password: &str) {
        std::hint::black_box(self.hash(password));
    }

    /// Django's `must_update`: anything but argon2id v19 at exactly our
    /// params, with a 32-byte hash and a salt of at least 128 bits.
    fn must_update(&self, parsed: &Parsed<'_>) -> bool {
        let Parsed::Argon2(hash) = parsed else {
            return true;
        };
        let current = Argon2Params {
            memory_cost: hash.params.m_cost(),
            time_cost: hash.params.t_cost(),
            parallelism: hash.params.p_cost(),
        };
        hash.variant != argon2::Algorithm::Argon2id
            || hash.version != argon2::Version::V0x13
            || current != self.params
            || hash.hash.len() != ARGON2_HASH_LEN
            || hash.salt.len() < SALT_LEN
    }
}

/// Django's unusable password: `!` and 40 random alphanumerics.
pub fn make_unusable_password() -> String {
    let mut marker = String::with_capacity(1 + UNUSABLE_SUFFIX_LEN);
    marker.push('!');
    Alphanumeric.append_string(&mut rand::rng(), &mut marker, UNUSABLE_SUFFIX_LEN);
    marker
}

/// False for Django's unusable-password markers. Like Django, any other string
/// counts as usable, well-formed or not.
pub fn is_usable(encoded: &str) -> bool {
    !encoded.starts_with('!')
}

/// Checks that `encoded` is a well-formed hash in a supported format, with
/// decodable salt and digest and costs within bounds, without running it.
/// Returns Django's name for the algorithm.
pub fn algorithm_of(encoded: &str) -> Result<&'static str, HashError> {
    if !is_usable(encoded) {
        return Err(HashError::Unusable);
    }
    Parsed::parse(encoded).map(|parsed| parsed.algorithm())
}

/// A random password of 24 characters from [a-zA-Z0-9] (≈142 bits).
pub fn generate_password() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), GENERATED_PASSWORD_LEN)
}

#[derive(Debug)]
struct Argon2Hash {
    variant: argon2::Algorithm,
    version: argon2::Version,
    params: Params,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

#[derive(Debug, Clone, Copy)]
enum Prf {
    Sha256,
    Sha1,
}

impl Prf {
    fn algorithm(self) -> &'static str {
        match self {
            Prf::Sha256 => "pbkdf2_sha256",
            Prf::Sha1 => "pbkdf2_sha1",
        }
    }

    fn digest_len(self) -> usize {
        match self {
            Prf::Sha256 => 32,
            Prf::Sha1 => 20,
        }
    }
}

/// A fully parsed and bounds-checked encoded hash.
#[derive(Debug)]
enum Parsed<'a> {
    Argon2(Argon2Hash),
    Pbkdf2 {
        prf: Prf,
        iterations: u32,
        salt: &'a str,
        hash: Vec<u8>,
    },
    Bcrypt {
        /// `bcrypt_sha256`: the password is SHA-256'd and hex-encoded first.
        prehash: bool,
        /// The `$2b$<cost>$<salt><hash>` part, already validated.
        mcf: &'a str,
    },
    Scrypt {
        params: scrypt::Params,
        salt: &'a str,
        hash: Vec<u8>,
    },
}

impl<'a> Parsed<'a> {
    fn parse(encoded: &'a str) -> Result<Self, HashError> {
        let Some((name, rest)) = encoded.split_once('$') else {
            return Err(HashError::UnknownAlgorithm { name: None });
        };
        let algorithm = match name {
            "argon2" => "argon2",
            "pbkdf2_sha256" => "pbkdf2_sha256",
            "pbkdf2_sha1" => "pbkdf2_sha1",
            "bcrypt_sha256" => "bcrypt_sha256",
            "bcrypt" => "bcrypt",
            "scrypt" => "scrypt",
            _ => {
                let name = KNOWN_UNSUPPORTED.iter().copied().find(|&n| n == name);
                return Err(HashError::UnknownAlgorithm { name });
            }
        };
        if encoded.len() > MAX_ENCODED_LEN {
            return Err(malformed(
                algorithm,
                format!("longer than {MAX_ENCODED_LEN} bytes"),
            ));
        }
        match algorithm {
            "argon2" => parse_argon2(rest).map(Parsed::Argon2),
            "pbkdf2_sha256" => parse_pbkdf2(Prf::Sha256, rest),
            "pbkdf2_sha1" => parse_pbkdf2(Prf::Sha1, rest),
            "bcrypt_sha256" => parse_bcrypt(algorithm, rest, true),
            "bcrypt" => parse_bcrypt(algorithm, rest, false),
            _ => parse_scrypt(rest),
        }
    }

    fn algorithm(&self) -> &'static str {
        match self {
            Parsed::Argon2(_) => "argon2",
            Parsed::Pbkdf2 { prf, .. } => prf.algorithm(),
            Parsed::Bcrypt { prehash: true, .. } => "bcrypt_sha256",
            Parsed::Bcrypt { prehash: false, .. } => "bcrypt",
            Parsed::Scrypt { .. } => "scrypt",
        }
    }

    fn matches(&self, password: &[u8]) -> Result<bool, HashError> {
        let failed = |reason: String| HashError::Failed {
            algorithm: self.algorithm(),
            reason,
        };
        match self {
            Parsed::Argon2(argon) => {
                let context = Argon2::new(argon.variant, argon.version, argon.params.clone());
                let mut out = Zeroizing::new(vec![0u8; argon.hash.len()]);
                context
                    .hash_password_into(password, &argon.salt, &mut out)
                    .map_err(|err| failed(err.to_string()))?;
                Ok(out.ct_eq(&argon.hash).into())
            }
            Parsed::Pbkdf2 {
                prf,
                iterations,
                salt,
                hash,
            } => {
                let mut out = Zeroizing::new(vec![0u8; hash.len()]);
                match prf {
                    Prf::Sha256 => {
                        pbkdf2::pbkdf2_hmac::<Sha256>(password, salt.as_bytes(), *iterations, &mut out)
                    }
                    Prf::Sha1 => {
                        pbkdf2::pbkdf2_hmac::<Sha1>(password, salt.as_bytes(), *iterations, &mut out)
                    }
                }
                Ok(out.ct_eq(hash).into())
            }
            Parsed::Bcrypt { prehash: true, mcf } => {
                let hex = sha256_hex(password);
                bcrypt::verify(hex.as_slice(), mcf).map_err(|err| failed(err.to_string()))
            }
            Parsed::Bcrypt {
                prehash: false,
                mcf,
            } => {
                // bcrypt only reads the first 72 bytes; hashes made by Django
                // with bcrypt < 5 were made that way, so verify them that way.
                bcrypt::verify(password, mcf).map_err(|err| failed(err.to_string()))
            }
            Parsed::Scrypt { params, salt, hash } => {
                let mut out = Zeroizing::new(vec![0u8; hash.len()]);
                scrypt::scrypt(password, salt.as_bytes(), params, &mut out)
                    .map_err(|err| failed(err.to_string()))?;
                Ok(out.ct_eq(hash).into())
            }
        }
    }
}

/// Lower-case hex of SHA-256(password), as `bcrypt_sha256` feeds to bcrypt.
fn sha256_hex(password: &[u8]) -> Zeroizing<[u8; 64]> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digest = Zeroizing::new([0u8; 32]);
    digest.copy_from_slice(&Sha256::digest(password));
    let mut hex = Zeroizing::new([0u8; 64]);
    for (pair, byte) in hex.chunks_exact_mut(2).zip(digest.iter()) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0x0f)];
    }
    hex
}

/// A decimal field as libargon2 reads them: ASCII digits only, no sign, no
/// leading zero; then checked against `min..=max`.
fn decimal(
    algorithm: &'static str,
    parameter: &'static str,
    text: &str,
    min: u64,
    max: u64,
) -> Result<u64, HashError> {
    if text.is_empty() {
        return Err(malformed(algorithm, format!("{parameter} is empty")));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(
            algorithm,
            format!("{parameter} is not a decimal number"),
        ));
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(malformed(
            algorithm,
            format!("{parameter} has a leading zero"),
        ));
    }
    let value: u64 = text
        .parse()
        .map_err(|_| malformed(algorithm, format!("{parameter} is too large")))?;
    if !(min..=max).contains(&value) {
        return Err(HashError::CostOutOfRange {
            algorithm,
            parameter,
            value,
            min,
            max,
        });
    }
    Ok(value)
}

/// Casts a value already range-checked to fit in u32.
fn to_u32(algorithm: &'static str, parameter: &'static str, value: u64) -> Result<u32, HashError> {
    u32::try_from(value).map_err(|_| HashError::CostOutOfRange {
        algorithm,
        parameter,
        value,
        min: 0,
        max: u64::from(u32::MAX),
    })
}

fn decode(
    algorithm: &'static str,
    what: &str,
    engine: &GeneralPurpose,
    engine_name: &str,
    text: &str,
) -> Result<Vec<u8>, HashError> {
    engine
        .decode(text)
        .map_err(|_| malformed(algorithm, format!("{what} is not valid {engine_name}")))
}

/// `argon2id$v=19$m=..,t=..,p=..$salt$hash`, or Django's oldest form
/// without `v=` (argon2 version 0x10).
fn parse_argon2(rest: &str) -> Result<Argon2Hash, HashError> {
    const A: &str = "argon2";
    let fields: Vec<&str> = rest.split('$').collect();
    let (variant, version, params, salt, hash) = match fields.as_slice() {
        &[variant, version, params, salt, hash] => (variant, Some(version), params, salt, hash),
        &[variant, params, salt, hash] if !params.starts_with("v=") => {
            (variant, None, params, salt, hash)
        }
        _ => {
            return Err(malformed(
                A,
                format!(
                    "expected `argon2$<variant>$v=19$m=<kib>,t=<passes>,p=<lanes>$<salt>$<hash>`, \
                     found {} fields after `argon2`",
                    fields.len()
                ),
            ));
        }
    };
    let variant = match variant {
        "argon2id" => argon2::Algorithm::Argon2id,
        "argon2i" => argon2::Algorithm::Argon2i,
        "argon2d" => argon2::Algorithm::Argon2d,
        _ => {
            return Err(malformed(
                A,
                "variant is not argon2id, argon2i or argon2d",
            ));
        }
    };
    let version = match version {
        None => argon2::Version::V0x10,
        Some(field) => {
            let Some(number) = field.strip_prefix("v=") else {
                return Err(malformed(A, "version field is not `v=<number>`"));
            };
            match decimal(A, "version", number, 0, u64::from(u32::MAX))? {
                16 => argon2::Version::V0x10,
                19 => argon2::Version::V0x13,
                other => {
                    return Err(malformed(
                        A,
                        format!("version {other} is not 19 or 16"),
                    ));
                }
            }
        }
    };

    let costs: Vec<&str> = params.split(',').collect();
    let &[m, t, p] = costs.as_slice() else {
        return Err(malformed(A, "parameters are not `m=<kib>,t=<passes>,p=<lanes>`"));
    };
    let (Some(m), Some(t), Some(p)) = (
        m.strip_prefix("m="),
        t.strip_prefix("t="),
        p.strip_prefix("p="),
    ) else {
        return Err(malformed(A, "parameters are not `m=<kib>,t=<passes>,p=<lanes>`"));
    };
    // argon2 needs at least 8 KiB per lane, so the memory bound caps lanes.
    let p = decimal(
        A,
        "parallelism",
        p,
        u64::from(Params::MIN_P_COST),
        u64::from(Params::MAX_P_COST).min(MAX_ARGON2_MEMORY_KIB / 8),
    )?;
    let m = decimal(A, "memory cost (KiB)", m, 8 * p, MAX_ARGON2_MEMORY_KIB)?;
    let t = decimal(A, "time cost", t, 1, u64::from(u32::MAX))?;
    let work = m * t;
    if work > MAX_ARGON2_WORK_KIB {
        return Err(HashError::CostOutOfRange {
            algorithm: A,
            parameter: "memory × time cost (KiB)",
            value: work,
            min: 8,
            max: MAX_ARGON2_WORK_KIB,
        });
    }

    let salt = decode(A, "salt", &STANDARD_NO_PAD, "unpadded base64", salt)?;
    if salt.len() < argon2::MIN_SALT_LEN {
        return Err(malformed(
            A,
            format!("salt is shorter than {} bytes", argon2::MIN_SALT_LEN),
        ));
    }
    let hash = decode(A, "hash", &STANDARD_NO_PAD, "unpadded base64", hash)?;
    if hash.len() < Params::MIN_OUTPUT_LEN {
        return Err(malformed(
            A,
            format!("hash is shorter than {} bytes", Params::MIN_OUTPUT_LEN),
        ));
    }
    let params = Params::new(
        to_u32(A, "memory cost (KiB)", m)?,
        to_u32(A, "time cost", t)?,
        to_u32(A, "parallelism", p)?,
        Some(hash.len()),
    )
    .map_err(|err| malformed(A, format!("parameters rejected: {err}")))?;
    Ok(Argon2Hash {
        variant,
        version,
        params,
        salt,
        hash,
    })
}

/// `<iterations>$<salt>$<base64 hash>`.
fn parse_pbkdf2(prf: Prf, rest: &str) -> Result<Parsed<'_>, HashError> {
    let a = prf.algorithm();
    let fields: Vec<&str> = rest.split('$').collect();
    let &[iterations, salt, hash] = fields.as_slice() else {
        return Err(malformed(
            a,
            format!(
                "expected `{a}$<iterations>$<salt>$<hash>`, found {} fields after `{a}`",
                fields.len()
            ),
        ));
    };
    let iterations = decimal(a, "iterations", iterations, 1, MAX_PBKDF2_ITERATIONS)?;
    if salt.is_empty() {
        return Err(malformed(a, "salt is empty"));
    }
    let hash = decode(a, "hash", &STANDARD, "padded base64", hash)?;
    if hash.len() != prf.digest_len() {
        return Err(malformed(
            a,
            format!(
                "hash is {} bytes, expected {}",
                hash.len(),
                prf.digest_len()
            ),
        ));
    }
    Ok(Parsed::Pbkdf2 {
        prf,
        iterations: to_u32(a, "iterations", iterations)?,
        salt,
        hash,
    })
}

/// `$2b$<cost>$<22 salt chars><31 hash chars>` (Django writes `$2b$`; `$2a$`
/// and `$2y$` come from other bcrypt implementations and mean the same).
fn parse_bcrypt<'a>(
    algorithm: &'static str,
    mcf: &'a str,
    prehash: bool,
) -> Result<Parsed<'a>, HashError> {
    // Checked first so that the byte slicing below is on char boundaries.
    if !mcf.is_ascii() {
        return Err(malformed(algorithm, "contains non-ASCII characters"));
    }
    if mcf.len() != 60 {
        return Err(malformed(
            algorithm,
            format!(
                "expected `{algorithm}$$2b$<cost>$<53 characters>`, found {} bytes after `{algorithm}$`",
                mcf.len()
            ),
        ));
    }
    if !matches!(&mcf[..4], "$2a$" | "$2b$" | "$2y$") {
        return Err(malformed(
            algorithm,
            "bcrypt prefix is not `$2b$`, `$2a$` or `$2y$`",
        ));
    }
    if &mcf[6..7] != "$" {
        return Err(malformed(algorithm, "cost is not two digits followed by `$`"));
    }
    // bcrypt writes the cost as exactly two digits, so "04" is fine here.
    let cost = &mcf[4..6];
    if !cost.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(algorithm, "cost is not a decimal number"));
    }
    let cost = cost.parse().unwrap_or(u64::MAX);
    if !(4..=MAX_BCRYPT_COST).contains(&cost) {
        return Err(HashError::CostOutOfRange {
            algorithm,
            parameter: "cost",
            value: cost,
            min: 4,
            max: MAX_BCRYPT_COST,
        });
    }
    let mut salt = [0u8; 16];
    let mut hash = [0u8; 23];
    if !matches!(BCRYPT_BASE64.decode_slice(&mcf[7..29], &mut salt), Ok(16)) {
        return Err(malformed(algorithm, "salt is not valid bcrypt base64"));
    }
    if !matches!(BCRYPT_BASE64.decode_slice(&mcf[29..], &mut hash), Ok(23)) {
        return Err(malformed(algorithm, "hash is not valid bcrypt base64"));
    }
    Ok(Parsed::Bcrypt { prehash, mcf })
}

/// `<N>$<salt>$<r>$<p>$<base64 hash>`.
fn parse_scrypt(rest: &str) -> Result<Parsed<'_>, HashError> {
    const A: &str = "scrypt";
    let fields: Vec<&str> = rest.split('$').collect();
    let &[n, salt, r, p, hash] = fields.as_slice() else {
        return Err(malformed(
            A,
            format!(
                "expected `scrypt$<N>$<salt>$<r>$<p>$<hash>`, found {} fields after `scrypt`",
                fields.len()
            ),
        ));
    };
    let n = decimal(A, "work factor N", n, 2, 1 << MAX_SCRYPT_LOG_N)?;
    if !n.is_power_of_two() {
        return Err(malformed(A, "work factor N is not a power of two"));
    }
    let r = decimal(A, "block size r", r, 1, u64::from(u32::MAX))?;
    let p = decimal(A, "parallelism p", p, 1, u64::from(u32::MAX))?;
    // scrypt's own limit (RFC 7914: p ≤ (2^32 − 1)·32 / (128·r)).
    let rp = r * p;
    if rp >= 1 << 30 {
        return Err(HashError::CostOutOfRange {
            algorithm: A,
            parameter: "r × p",
            value: rp,
            min: 1,
            max: (1 << 30) - 1,
        });
    }
    let memory = 128 * n * r;
    if memory > MAX_SCRYPT_MEMORY {
        return Err(HashError::CostOutOfRange {
            algorithm: A,
            parameter: "memory 128·N·r (bytes)",
            value: memory,
            min: 256,
            max: MAX_SCRYPT_MEMORY,
        });
    }
    let work = memory.saturating_mul(p);
    if work > MAX_SCRYPT_WORK {
        return Err(HashError::CostOutOfRange {
            algorithm: A,
            parameter: "work 128·N·r·p (bytes)",
            value: work,
            min: 256,
            max: MAX_SCRYPT_WORK,
        });
    }
    if salt.is_empty() {
        return Err(malformed(A, "salt is empty"));
    }
    let hash = decode(A, "hash", &STANDARD, "padded base64", hash)?;
    if hash.is_empty() {
        return Err(malformed(A, "hash is empty"));
    }
    let log_n = u8::try_from(n.trailing_zeros()).unwrap_or(u8::MAX);
    let params = scrypt::Params::new(log_n, to_u32(A, "block size r", r)?, to_u32(A, "parallelism p", p)?)
        .map_err(|err| malformed(A, format!("parameters rejected: {err}")))?;
    Ok(Parsed::Scrypt { params, salt, hash })
}
