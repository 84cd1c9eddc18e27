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
//!
//! One file per algorithm holds its parsing, its bounds on costs read from a
//! stored hash (each lets a legitimate hash through, the strongest published
//! recommendations being well inside, while keeping the worst case to roughly
//! a minute of CPU and at most 4 GiB of memory), its cost estimate and its
//! check; this file holds the dispatch, the ceiling and the hasher.

mod argon2;
mod bcrypt;
mod pbkdf2;
mod scrypt;

use std::time::Duration;

use ::argon2::{Argon2, Block};
use base64::Engine as _;
use base64::engine::GeneralPurpose;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use rand::distr::{Alphanumeric, SampleString};
use zeroize::Zeroizing;

use argon2::ARGON2_HASH_LEN;
pub use argon2::{Argon2Params, HashMemory};
use pbkdf2::Prf;

/// The algorithms [`PasswordHasher::verify`] understands, for error messages.
const SUPPORTED: &str = "argon2, pbkdf2_sha256, pbkdf2_sha1, bcrypt_sha256, bcrypt, scrypt";

/// Django hashers that exist but are not supported here. Only these are named
/// in errors: whatever precedes the first `$` of an arbitrary string could be
/// a plaintext password stored by mistake.
const KNOWN_UNSUPPORTED: &[&str] = &["md5", "sha1", "unsalted_md5", "unsalted_sha1", "crypt"];

/// Django's salt: 22 characters of [a-zA-Z0-9] (≈131 bits, over the 128 its
/// `must_update` asks for).
const SALT_LEN: usize = 22;
/// Length of the random part of Django's unusable-password marker.
const UNUSABLE_SUFFIX_LEN: usize = 40;
/// `--generate-password` length: 24 × log2(62) ≈ 142 bits.
const GENERATED_PASSWORD_LEN: usize = 24;

/// Longest encoded hash accepted; Django's are under 200 bytes.
const MAX_ENCODED_LEN: usize = 4096;

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
    /// The hash is well formed but checking it would cost more than the
    /// configured ceiling ([`HashLimits`]).
    #[error("{algorithm} hash: checking it would {cost}, over the ceiling of {ceiling}")]
    OverCeiling {
        algorithm: &'static str,
        /// e.g. `take about 24.1 s` or `need 4096 MiB of memory`.
        cost: String,
        /// e.g. `1 s ([password] max_hash_time)`.
        ceiling: String,
    },
    /// The key derivation itself failed (e.g. memory could not be allocated).
    #[error("could not compute {algorithm} hash: {reason}")]
    Failed {
        algorithm: &'static str,
        reason: String,
    },
}

pub(super) fn malformed(algorithm: &'static str, reason: impl Into<String>) -> HashError {
    HashError::Malformed {
        algorithm,
        reason: reason.into(),
    }
}

/// The most one check of a stored hash may cost: hashes beyond it are refused
/// at import and not run at login, so a planted hash cannot make each wrong
/// attempt burn seconds of CPU or gigabytes of memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashLimits {
    /// Memory for one check, in MiB (`[password] max_hash_memory`).
    pub max_memory_mib: u64,
    /// Estimated time of one check on the reference machine
    /// (`[password] max_hash_time`).
    pub max_time: Duration,
}

impl Default for HashLimits {
    /// 256 MiB and 1 s: Django's defaults (argon2 m=100 MiB t=2, pbkdf2_sha256
    /// at 1,200,000 iterations, bcrypt 12, scrypt N=2^14 r=8) are well inside.
    fn default() -> Self {
        Self {
            max_memory_mib: 256,
            max_time: Duration::from_secs(1),
        }
    }
}

/// What checking one parsed hash costs: memory in bytes, and seconds estimated
/// for the reference machine (2 cores, release build, one thread: `cargo bench
/// --bench hash_cost` measures each algorithm's `*_PER_SEC` figure). The
/// ceiling on stored hashes is compared with this estimate, since a hash has to
/// be refused before it is run.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cost {
    memory: u64,
    seconds: f64,
}

impl HashLimits {
    /// Whether hashes made at `params` could be checked again under this
    /// ceiling: new hashes must never be ones that logins would refuse.
    pub fn admit_params(&self, params: &Argon2Params) -> Result<(), HashError> {
        let params = params.to_argon2()?;
        self.check("argon2", argon2::cost(&params))
    }

    fn check(&self, algorithm: &'static str, cost: Cost) -> Result<(), HashError> {
        let memory_mib = cost.memory.div_ceil(1 << 20);
        if memory_mib > self.max_memory_mib {
            return Err(HashError::OverCeiling {
                algorithm,
                cost: format!("need {memory_mib} MiB of memory"),
                ceiling: format!("{} MiB ([password] max_hash_memory)", self.max_memory_mib),
            });
        }
        if cost.seconds > self.max_time.as_secs_f64() {
            return Err(HashError::OverCeiling {
                algorithm,
                cost: format!("take about {:.1} s", cost.seconds),
                ceiling: format!(
                    "{} ([password] max_hash_time)",
                    crate::duration::format_duration(self.max_time)
                ),
            });
        }
        Ok(())
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
    limits: HashLimits,
}

impl PasswordHasher {
    /// A hasher producing argon2id hashes at `params`.
    pub fn new(params: Argon2Params) -> Result<Self, HashError> {
        let argon2_params = params.to_argon2()?;
        Ok(Self {
            params,
            argon2: Argon2::new(
                ::argon2::Algorithm::Argon2id,
                ::argon2::Version::V0x13,
                argon2_params,
            ),
            limits: HashLimits::default(),
        })
    }

    /// The same hasher with another ceiling on the cost of stored hashes.
    pub fn with_limits(self, limits: HashLimits) -> Self {
        Self { limits, ..self }
    }

    /// The ceiling on the cost of stored hashes.
    pub fn limits(&self) -> HashLimits {
        self.limits
    }

    /// Like [`algorithm_of`], and also refuses a hash whose check would cost
    /// more than [`limits`](Self::limits): what import accepts.
    pub fn check_stored(&self, encoded: &str) -> Result<&'static str, HashError> {
        if !is_usable(encoded) {
            return Err(HashError::Unusable);
        }
        let parsed = Parsed::parse(encoded)?;
        self.limits.check(parsed.algorithm(), parsed.cost())?;
        Ok(parsed.algorithm())
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
    /// costs are beyond the bounds this module will run or over the ceiling
    /// of [`limits`](Self::limits) (then nothing is computed).
    pub fn verify(&self, password: &str, encoded: &str) -> Result<Verified, HashError> {
        if !is_usable(encoded) {
            return Ok(Verified::NO_MATCH);
        }
        let parsed = Parsed::parse(encoded)?;
        self.limits.check(parsed.algorithm(), parsed.cost())?;
        let matches = parsed.matches(password.as_bytes())?;
        Ok(Verified {
            matches,
            needs_upgrade: matches && self.must_update(&parsed),
        })
    }

    /// Whether a stored hash would be replaced at the next successful check
    /// (Django's `must_update`), without knowing the password. Unusable
    /// passwords never need it.
    pub fn needs_upgrade(&self, encoded: &str) -> Result<bool, HashError> {
        if !is_usable(encoded) {
            return Ok(false);
        }
        Ok(self.must_update(&Parsed::parse(encoded)?))
    }

    /// Does the work of a verify at the current params and discards it, so
    /// that "no such user" takes as long as "wrong password".
    pub fn dummy_verify(&self, password: &str) {
        std::hint::black_box(self.hash(password));
    }

    /// Django's `must_update`: anything but argon2id v19 at exactly our
    /// params, with a 32-byte hash and a salt of at least 128 bits.
    fn must_update(&self, parsed: &Parsed<'_>) -> bool {
        match parsed {
            Parsed::Argon2(hash) => hash.must_update(self.params),
            _ => true,
        }
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

/// A fully parsed and bounds-checked encoded hash.
#[derive(Debug)]
enum Parsed<'a> {
    Argon2(argon2::Argon2Hash),
    Pbkdf2(pbkdf2::Pbkdf2Hash<'a>),
    Bcrypt(bcrypt::BcryptHash<'a>),
    Scrypt(scrypt::ScryptHash<'a>),
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
            "argon2" => argon2::parse(rest).map(Parsed::Argon2),
            "pbkdf2_sha256" => pbkdf2::parse(Prf::Sha256, rest).map(Parsed::Pbkdf2),
            "pbkdf2_sha1" => pbkdf2::parse(Prf::Sha1, rest).map(Parsed::Pbkdf2),
            "bcrypt_sha256" => bcrypt::parse(algorithm, rest, true).map(Parsed::Bcrypt),
            "bcrypt" => bcrypt::parse(algorithm, rest, false).map(Parsed::Bcrypt),
            _ => scrypt::parse(rest).map(Parsed::Scrypt),
        }
    }

    fn algorithm(&self) -> &'static str {
        match self {
            Parsed::Argon2(_) => "argon2",
            Parsed::Pbkdf2(hash) => hash.algorithm(),
            Parsed::Bcrypt(hash) => hash.algorithm(),
            Parsed::Scrypt(_) => "scrypt",
        }
    }

    /// Memory and estimated time of one check (see [`Cost`]).
    fn cost(&self) -> Cost {
        match self {
            Parsed::Argon2(hash) => hash.cost(),
            Parsed::Pbkdf2(hash) => hash.cost(),
            Parsed::Bcrypt(hash) => hash.cost(),
            Parsed::Scrypt(hash) => hash.cost(),
        }
    }

    fn matches(&self, password: &[u8]) -> Result<bool, HashError> {
        match self {
            Parsed::Argon2(hash) => hash.matches(password),
            Parsed::Pbkdf2(hash) => Ok(hash.matches(password)),
            Parsed::Bcrypt(hash) => hash.matches(password),
            Parsed::Scrypt(hash) => hash.matches(password),
        }
    }
}

/// A decimal field as libargon2 reads them: ASCII digits only, no sign, no
/// leading zero; then checked against `min..=max`.
pub(super) fn decimal(
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
pub(super) fn to_u32(
    algorithm: &'static str,
    parameter: &'static str,
    value: u64,
) -> Result<u32, HashError> {
    u32::try_from(value).map_err(|_| HashError::CostOutOfRange {
        algorithm,
        parameter,
        value,
        min: 0,
        max: u64::from(u32::MAX),
    })
}

pub(super) fn decode(
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

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use proptest::prelude::*;
    use sha1::Sha1;
    use sha2::Sha256;

    const VECTORS: &str = include_str!("../../../tests/data/django-hash-vectors.jsonl");

    /// Cheap params for tests that are not about the defaults.
    pub(super) const CHEAP: Argon2Params = Argon2Params {
        memory_cost: 8,
        time_cost: 1,
        parallelism: 1,
    };

    pub(super) fn cheap_hasher() -> PasswordHasher {
        PasswordHasher::new(CHEAP).unwrap()
    }

    struct Vector {
        hasher: String,
        password: String,
        encoded: String,
    }

    fn vectors() -> Vec<Vector> {
        VECTORS
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let value: serde_json::Value = serde_json::from_str(line).unwrap();
                let field = |name: &str| value[name].as_str().unwrap().to_owned();
                Vector {
                    hasher: field("hasher"),
                    password: field("password"),
                    encoded: field("encoded"),
                }
            })
            .collect()
    }

    fn wrong_password(password: &str) -> String {
        if password.is_empty() {
            "x".to_owned()
        } else {
            format!("{password}x")
        }
    }

    /// Every Django vector of `hasher` verifies with its password (and is
    /// flagged for upgrade to our argon2id), and not with a wrong one.
    fn check_django_vectors(hasher: &str) {
        let ours = cheap_hasher();
        let vectors: Vec<Vector> = vectors()
            .into_iter()
            .filter(|v| v.hasher == hasher)
            .collect();
        assert_eq!(vectors.len(), 6, "vectors for {hasher}");
        for v in vectors {
            assert_eq!(algorithm_of(&v.encoded).unwrap(), hasher);
            let right = ours.verify(&v.password, &v.encoded).unwrap();
            assert_eq!(
                right,
                Verified {
                    matches: true,
                    needs_upgrade: true
                },
                "{:?} against {}",
                v.password,
                v.encoded
            );
            let wrong = ours
                .verify(&wrong_password(&v.password), &v.encoded)
                .unwrap();
            assert_eq!(
                wrong,
                Verified::NO_MATCH,
                "wrong password against {}",
                v.encoded
            );
        }
    }

    #[test]
    fn vector_file_covers_five_django_hashers_six_passwords_each() {
        let vectors = vectors();
        assert_eq!(vectors.len(), 30);
        for hasher in [
            "argon2",
            "pbkdf2_sha256",
            "pbkdf2_sha1",
            "bcrypt_sha256",
            "scrypt",
        ] {
            assert_eq!(vectors.iter().filter(|v| v.hasher == hasher).count(), 6);
        }
    }

    #[test]
    fn django_argon2_vectors_verify() {
        check_django_vectors("argon2");
    }

    #[test]
    fn django_pbkdf2_sha256_vectors_verify() {
        check_django_vectors("pbkdf2_sha256");
    }

    #[test]
    fn django_pbkdf2_sha1_vectors_verify() {
        check_django_vectors("pbkdf2_sha1");
    }

    #[test]
    fn django_bcrypt_sha256_vectors_verify() {
        check_django_vectors("bcrypt_sha256");
    }

    #[test]
    fn django_scrypt_vectors_verify() {
        check_django_vectors("scrypt");
    }

    #[test]
    fn django_argon2_hash_at_our_params_needs_no_upgrade() {
        let django_params = Argon2Params {
            memory_cost: 102_400,
            time_cost: 2,
            parallelism: 8,
        };
        let hasher = PasswordHasher::new(django_params).unwrap();
        let v = vectors()
            .into_iter()
            .find(|v| v.hasher == "argon2")
            .unwrap();
        let verified = hasher.verify(&v.password, &v.encoded).unwrap();
        assert_eq!(
            verified,
            Verified {
                matches: true,
                needs_upgrade: false
            }
        );
    }

    /// Checks every segment of `argon2$argon2id$v=19$m=..,t=..,p=..$salt$hash`.
    fn assert_django_argon2_shape(encoded: &str, params: Argon2Params) {
        let fields: Vec<&str> = encoded.split('$').collect();
        assert_eq!(fields.len(), 6, "{encoded}");
        assert_eq!(fields[0], "argon2");
        assert_eq!(fields[1], "argon2id");
        assert_eq!(fields[2], "v=19");
        assert_eq!(
            fields[3],
            format!(
                "m={},t={},p={}",
                params.memory_cost, params.time_cost, params.parallelism
            )
        );
        let is_b64 = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        };
        // 22 bytes and 32 bytes in unpadded base64.
        assert_eq!(fields[4].len(), 30);
        assert_eq!(fields[5].len(), 43);
        assert!(is_b64(fields[4]) && is_b64(fields[5]), "{encoded}");
        let salt = STANDARD_NO_PAD.decode(fields[4]).unwrap();
        assert_eq!(salt.len(), 22);
        assert!(salt.iter().all(u8::is_ascii_alphanumeric), "{salt:?}");
        assert_eq!(STANDARD_NO_PAD.decode(fields[5]).unwrap().len(), 32);
    }

    #[test]
    fn new_hash_has_djangos_exact_shape_verifies_and_is_current() {
        let hasher = PasswordHasher::new(Argon2Params::default()).unwrap();
        let encoded = hasher.hash("correct horse battery staple");
        assert!(encoded.starts_with("argon2$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_django_argon2_shape(&encoded, Argon2Params::default());
        assert_eq!(
            hasher
                .verify("correct horse battery staple", &encoded)
                .unwrap(),
            Verified {
                matches: true,
                needs_upgrade: false
            }
        );
        assert_eq!(
            hasher
                .verify("correct horse battery stapler", &encoded)
                .unwrap(),
            Verified::NO_MATCH
        );
        assert_eq!(algorithm_of(&encoded).unwrap(), "argon2");
    }

    #[test]
    fn needs_upgrade_is_known_without_the_password() {
        let hasher = cheap_hasher();
        assert!(!hasher.needs_upgrade(&hasher.hash("pw")).unwrap());
        assert!(!hasher.needs_upgrade(&make_unusable_password()).unwrap());
        for v in vectors() {
            assert!(hasher.needs_upgrade(&v.encoded).unwrap(), "{}", v.hasher);
        }
        assert!(hasher.needs_upgrade("nonsense$x").is_err());
    }

    #[test]
    fn every_hash_gets_a_fresh_salt() {
        let hasher = cheap_hasher();
        let a = hasher.hash("same");
        let b = hasher.hash("same");
        assert_ne!(a, b);
        assert_django_argon2_shape(&a, CHEAP);
        assert!(hasher.verify("same", &a).unwrap().matches);
        assert!(hasher.verify("same", &b).unwrap().matches);
    }

    #[test]
    fn hash_with_memory_output_verifies_and_memory_is_reusable() {
        let hasher = cheap_hasher();
        let mut memory = HashMemory::for_params(&CHEAP);
        for password in ["one", "two", "", "pässwörd✓"] {
            let encoded = hasher.hash_with_memory(password, &mut memory);
            assert_django_argon2_shape(&encoded, CHEAP);
            let verified = hasher.verify(password, &encoded).unwrap();
            assert!(verified.matches && !verified.needs_upgrade, "{password:?}");
            assert!(!hasher.verify("other", &encoded).unwrap().matches);
        }
    }

    #[test]
    fn hash_memory_grows_when_sized_for_smaller_params() {
        let bigger = Argon2Params {
            memory_cost: 64,
            time_cost: 1,
            parallelism: 2,
        };
        let hasher = PasswordHasher::new(bigger).unwrap();
        let mut memory = HashMemory::for_params(&CHEAP);
        let encoded = hasher.hash_with_memory("pw", &mut memory);
        assert!(hasher.verify("pw", &encoded).unwrap().matches);
        let mut empty = HashMemory::default();
        assert!(
            hasher
                .verify("pw", &hasher.hash_with_memory("pw", &mut empty))
                .unwrap()
                .matches
        );
    }

    #[test]
    fn hash_at_other_params_needs_upgrade_after_a_match() {
        let old = cheap_hasher();
        let new = PasswordHasher::new(Argon2Params {
            memory_cost: 16,
            ..CHEAP
        })
        .unwrap();
        let encoded = old.hash("pw");
        assert_eq!(
            new.verify("pw", &encoded).unwrap(),
            Verified {
                matches: true,
                needs_upgrade: true
            }
        );
        // A mismatch never asks for an upgrade: there is no password to re-hash.
        assert_eq!(new.verify("nope", &encoded).unwrap(), Verified::NO_MATCH);
    }

    #[test]
    fn cheap_pbkdf2_bcrypt_and_scrypt_hashes_verify_and_need_upgrade() {
        let hasher = cheap_hasher();
        let mut sha256 = [0u8; 32];
        ::pbkdf2::pbkdf2_hmac::<Sha256>(b"pw", b"somesalt", 10, &mut sha256);
        let mut sha1 = [0u8; 20];
        ::pbkdf2::pbkdf2_hmac::<Sha1>(b"pw", b"somesalt", 10, &mut sha1);
        let hex = bcrypt::sha256_hex(b"pw");
        let mut scrypt_out = [0u8; 64];
        let scrypt_params = ::scrypt::Params::new(4, 1, 1).unwrap();
        ::scrypt::scrypt(b"pw", b"somesalt", &scrypt_params, &mut scrypt_out).unwrap();
        let cases = [
            (
                "pbkdf2_sha256",
                format!("pbkdf2_sha256$10$somesalt${}", STANDARD.encode(sha256)),
            ),
            (
                "pbkdf2_sha1",
                format!("pbkdf2_sha1$10$somesalt${}", STANDARD.encode(sha1)),
            ),
            (
                "bcrypt_sha256",
                format!(
                    "bcrypt_sha256${}",
                    ::bcrypt::hash(hex.as_slice(), 4).unwrap()
                ),
            ),
            (
                "bcrypt",
                format!("bcrypt${}", ::bcrypt::hash("pw", 4).unwrap()),
            ),
            (
                "scrypt",
                format!("scrypt$16$somesalt$1$1${}", STANDARD.encode(scrypt_out)),
            ),
        ];
        for (algorithm, encoded) in cases {
            assert_eq!(algorithm_of(&encoded).unwrap(), algorithm);
            assert_eq!(
                hasher.verify("pw", &encoded).unwrap(),
                Verified {
                    matches: true,
                    needs_upgrade: true
                },
                "{encoded}"
            );
            assert_eq!(
                hasher.verify("pwx", &encoded).unwrap(),
                Verified::NO_MATCH,
                "{encoded}"
            );
        }
    }

    #[test]
    fn unusable_password_is_django_shaped_and_never_matches() {
        let hasher = cheap_hasher();
        let marker = make_unusable_password();
        assert_eq!(marker.len(), 41);
        assert!(marker.starts_with('!'));
        assert!(marker[1..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(marker, make_unusable_password());
        assert!(!is_usable(&marker));
        for encoded in [marker.as_str(), "!", "!argon2$whatever", ""] {
            if encoded.starts_with('!') {
                assert_eq!(hasher.verify("", encoded).unwrap(), Verified::NO_MATCH);
                assert_eq!(hasher.verify(encoded, encoded).unwrap(), Verified::NO_MATCH);
                assert!(matches!(algorithm_of(encoded), Err(HashError::Unusable)));
            }
        }
        // Like Django, anything not starting with `!` counts as usable.
        assert!(is_usable(""));
        assert!(is_usable("garbage"));
        assert!(is_usable(&cheap_hasher().hash("pw")));
    }

    #[test]
    fn hasher_and_memory_can_be_shared_with_worker_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<PasswordHasher>();
        assert_send_sync::<HashMemory>();
        assert_send_sync::<HashError>();
    }

    #[test]
    fn generated_passwords_are_24_random_alphanumerics() {
        let a = generate_password();
        assert_eq!(a.len(), 24);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a, generate_password());
    }

    #[test]
    fn dummy_verify_does_a_hash_at_the_current_params() {
        cheap_hasher().dummy_verify("anything");
    }

    const SALT: &str = "c2FsdHNhbHQ"; // "saltsalt"
    const HASH: &str = "aGFzaGhhc2g"; // "hashhash"
    const PBKDF2_HASH: &str = "uQ1RWoLHiTEpao0ui7Wt1N2UQRo+sK6VFSCH7pXncMk=";
    const SCRYPT_HASH: &str =
        "dqNz7ALqy2Y1SjgX29y5bwqR2BcUnTc6esLji2bBtEZUdvsgLZE9WhlkMxxUzKZfBQ6r3cjNbrWC9f4NKQP4Lg==";
    const BCRYPT_BODY: &str = "Fquc5ZqcBbk5rcayWeN98.hDEtnNbiDwxT7h6Tgx1/0RBMsJ0.4py";

    fn argon2_with(params: &str) -> String {
        format!("argon2$argon2id$v=19${params}${SALT}${HASH}")
    }

    /// Hostile or broken encoded hashes, each with a check on the error.
    type ErrorCheck = fn(&HashError) -> bool;

    fn hostile() -> Vec<(String, ErrorCheck)> {
        fn unknown(e: &HashError) -> bool {
            matches!(e, HashError::UnknownAlgorithm { name: None })
        }
        fn malformed(e: &HashError) -> bool {
            matches!(e, HashError::Malformed { .. })
        }
        fn cost(e: &HashError) -> bool {
            matches!(e, HashError::CostOutOfRange { .. })
        }
        let s = |x: &str| x.to_owned();
        vec![
            (s(""), unknown),
            (s("$"), unknown),
            (s("$$$"), unknown),
            (s("hunter2"), unknown),
            (s("pa$$word"), unknown),
            (
                s("ARGON2$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"),
                unknown,
            ),
            (s("md5$salt$0123456789abcdef0123456789abcdef"), |e| {
                matches!(e, HashError::UnknownAlgorithm { name: Some("md5") })
            }),
            (s("argon2"), unknown),
            (s("argon2$"), malformed),
            (s("argon2$$$$$"), malformed),
            (
                format!("argon2$argon2id$v=19$m=8,t=1,p=1${SALT}"),
                malformed,
            ),
            (
                format!("argon2$argon2id$v=19$m=8,t=1,p=1${SALT}${HASH}$"),
                malformed,
            ),
            (
                format!("argon2$argon2x$v=19$m=8,t=1,p=1${SALT}${HASH}"),
                malformed,
            ),
            (
                format!("argon2$argon2id$v=20$m=8,t=1,p=1${SALT}${HASH}"),
                malformed,
            ),
            (
                format!("argon2$argon2id$v19$m=8,t=1,p=1${SALT}${HASH}"),
                malformed,
            ),
            (argon2_with("m=4294967295,t=1,p=1"), cost),
            (argon2_with("m=4294967296,t=1,p=1"), cost),
            (argon2_with("m=99999999999999999999999,t=1,p=1"), malformed),
            (argon2_with("m=-8,t=1,p=1"), malformed),
            (argon2_with("m=+8,t=1,p=1"), malformed),
            (argon2_with("m=08,t=1,p=1"), malformed),
            (argon2_with("m=,t=1,p=1"), malformed),
            (argon2_with("m=8,t=0,p=1"), cost),
            (argon2_with("m=8,t=4294967295,p=1"), cost),
            (argon2_with("m=4194304,t=5,p=1"), cost),
            (argon2_with("m=8,t=1,p=0"), cost),
            (argon2_with("m=8,t=1,p=2"), cost),
            (argon2_with("m=8,t=1,p=16777216"), cost),
            (argon2_with("t=1,m=8,p=1"), malformed),
            (argon2_with("m=8,t=1"), malformed),
            (argon2_with("m=8,t=1,p=1,keyid=abc"), malformed),
            (
                format!("argon2$argon2id$v=19$m=8,t=1,p=1$!!!!${HASH}"),
                malformed,
            ),
            (
                format!("argon2$argon2id$v=19$m=8,t=1,p=1$c2FsdA${HASH}"),
                malformed,
            ),
            (
                format!("argon2$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ=${HASH}"),
                malformed,
            ),
            (
                format!("argon2$argon2id$v=19$m=8,t=1,p=1${SALT}$YQ"),
                malformed,
            ),
            (
                format!("argon2$argon2id$v=19$m=8,t=1,p=1${SALT}$"),
                malformed,
            ),
            (
                format!("argon2$argon2id$v=19$m=8,t=1,p=1${SALT}$aGFzaGhhc2h"),
                malformed,
            ),
            (
                s("argon2$\u{fffd}\u{0}$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"),
                malformed,
            ),
            (s("pbkdf2_sha256$1500000$salt"), malformed),
            (format!("pbkdf2_sha256$$salt${PBKDF2_HASH}"), malformed),
            (format!("pbkdf2_sha256$0$salt${PBKDF2_HASH}"), cost),
            (format!("pbkdf2_sha256$100000001$salt${PBKDF2_HASH}"), cost),
            (
                format!("pbkdf2_sha256$18446744073709551616$salt${PBKDF2_HASH}"),
                malformed,
            ),
            (format!("pbkdf2_sha256$-1$salt${PBKDF2_HASH}"), malformed),
            (format!("pbkdf2_sha256$١٢٣$salt${PBKDF2_HASH}"), malformed),
            (format!("pbkdf2_sha256$1000$${PBKDF2_HASH}"), malformed),
            (s("pbkdf2_sha256$1000$salt$not base64!"), malformed),
            (
                s("pbkdf2_sha256$1000$salt$uQ1RWoLHiTEpao0ui7Wt1N2UQRo+sK6VFSCH7pXncMk"),
                malformed,
            ),
            (
                s("pbkdf2_sha256$1000$salt$uQ1RWoLHiTEpao0ui7Wt1N2UQRo+sK6VFSCH7pXncMl="),
                malformed,
            ),
            (
                s("pbkdf2_sha256$1000$salt$AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
                malformed,
            ),
            (format!("pbkdf2_sha1$1000$salt${PBKDF2_HASH}"), malformed),
            (format!("pbkdf2_sha256$1000$salt${PBKDF2_HASH}$"), malformed),
            (
                format!("pbkdf2_sha256$1000${}${PBKDF2_HASH}", "s".repeat(5000)),
                malformed,
            ),
            (s("bcrypt_sha256$$2b$12$short"), malformed),
            (format!("bcrypt_sha256$2b$12${BCRYPT_BODY}"), malformed),
            (format!("bcrypt_sha256$$2b$31${BCRYPT_BODY}"), cost),
            (format!("bcrypt_sha256$$2b$21${BCRYPT_BODY}"), cost),
            (format!("bcrypt$$2b$03${BCRYPT_BODY}"), cost),
            (format!("bcrypt$$2c$12${BCRYPT_BODY}"), malformed),
            (format!("bcrypt$$2b$1a${BCRYPT_BODY}"), malformed),
            (format!("bcrypt$$2b$+4${BCRYPT_BODY}"), malformed),
            (format!("bcrypt$$2b$12x{BCRYPT_BODY}"), malformed),
            (format!("bcrypt$$2b$12${}!", &BCRYPT_BODY[..52]), malformed),
            (format!("bcrypt$$2b$12${}é", &BCRYPT_BODY[..51]), malformed),
            (format!("bcrypt$$2b$12${}", "é".repeat(26)), malformed),
            (format!("bcrypt$$2b$12${}x", &BCRYPT_BODY[..52]), malformed),
            (s("scrypt$16384$salt$8$5"), malformed),
            (format!("scrypt$16383$salt$8$5${SCRYPT_HASH}"), malformed),
            (format!("scrypt$1$salt$8$5${SCRYPT_HASH}"), cost),
            (format!("scrypt$0$salt$8$5${SCRYPT_HASH}"), cost),
            (format!("scrypt$33554432$salt$8$5${SCRYPT_HASH}"), cost),
            (format!("scrypt$16384$salt$0$5${SCRYPT_HASH}"), cost),
            (format!("scrypt$16384$salt$8$0${SCRYPT_HASH}"), cost),
            (format!("scrypt$2$salt$1073741824$1${SCRYPT_HASH}"), cost),
            (format!("scrypt$16384$salt$4096$1${SCRYPT_HASH}"), cost),
            (format!("scrypt$16384$salt$8$4097${SCRYPT_HASH}"), cost),
            (
                format!("scrypt$16384$salt$8$99999999999999999999${SCRYPT_HASH}"),
                malformed,
            ),
            (format!("scrypt$16384$$8$5${SCRYPT_HASH}"), malformed),
            (s("scrypt$16384$salt$8$5$"), malformed),
            (s("scrypt$16384$salt$8$5$%%%"), malformed),
        ]
    }

    #[test]
    fn hostile_hashes_are_precise_errors_never_panics_or_matches() {
        let hasher = cheap_hasher();
        for (encoded, expected) in hostile() {
            let err = algorithm_of(&encoded).unwrap_err();
            assert!(expected(&err), "{encoded:?} gave {err:?}");
            let verified = hasher.verify("password", &encoded);
            assert!(verified.is_err(), "{encoded:?} gave {verified:?}");
        }
    }

    #[test]
    fn error_messages_are_lower_case_one_liners_without_secrets() {
        for (encoded, _) in hostile() {
            let message = algorithm_of(&encoded).unwrap_err().to_string();
            assert!(!message.contains('\n'), "{message}");
            assert!(message.starts_with(|c: char| c.is_lowercase()), "{message}");
            for secret in [
                SALT,
                HASH,
                PBKDF2_HASH,
                BCRYPT_BODY,
                "hunter",
                "pa$",
                "somesalt",
            ] {
                assert!(!message.contains(secret), "{message}");
            }
        }
        assert_eq!(
            algorithm_of("pa$$word").unwrap_err().to_string(),
            "unknown password hash algorithm (supported: argon2, pbkdf2_sha256, pbkdf2_sha1, \
             bcrypt_sha256, bcrypt, scrypt)"
        );
        assert_eq!(
            algorithm_of("sha1$salt$abc").unwrap_err().to_string(),
            "unknown password hash algorithm `sha1` (supported: argon2, pbkdf2_sha256, \
             pbkdf2_sha1, bcrypt_sha256, bcrypt, scrypt)"
        );
        assert_eq!(
            algorithm_of(&argon2_with("m=4294967295,t=1,p=1"))
                .unwrap_err()
                .to_string(),
            "argon2 hash: memory cost (KiB) 4294967295 is out of range (8..=4194304)"
        );
        assert_eq!(
            algorithm_of(&format!("scrypt$16383$salt$8$5${SCRYPT_HASH}"))
                .unwrap_err()
                .to_string(),
            "malformed scrypt hash: work factor N is not a power of two"
        );
    }

    #[test]
    fn a_hash_at_the_cost_bounds_is_still_accepted() {
        // Accepted by the parser; not run (it would take a while).
        assert_eq!(
            algorithm_of(&argon2_with("m=4194304,t=4,p=1")).unwrap(),
            "argon2"
        );
        assert_eq!(
            algorithm_of(&format!("pbkdf2_sha256$100000000$salt${PBKDF2_HASH}")).unwrap(),
            "pbkdf2_sha256"
        );
        assert_eq!(
            algorithm_of(&format!("bcrypt$$2b$20${BCRYPT_BODY}")).unwrap(),
            "bcrypt"
        );
        assert_eq!(
            algorithm_of(&format!("scrypt$16777216$salt$2$4${SCRYPT_HASH}")).unwrap(),
            "scrypt"
        );
    }

    /// Django's current default parameters (Django 6: pbkdf2_sha256 at
    /// 1,200,000 iterations; argon2 m=102400 t=2 p=8; bcrypt 12; scrypt
    /// N=2^14 r=8 p=1), each with a hash of the right shape.
    fn django_defaults() -> [String; 5] {
        [
            argon2_with("m=102400,t=2,p=8"),
            format!("pbkdf2_sha256$1200000$salt${PBKDF2_HASH}"),
            format!("bcrypt$$2b$12${BCRYPT_BODY}"),
            format!("bcrypt_sha256$$2b$12${BCRYPT_BODY}"),
            format!("scrypt$16384$salt$8$1${SCRYPT_HASH}"),
        ]
    }

    #[test]
    fn djangos_default_costs_are_well_inside_the_default_ceiling() {
        let half = HashLimits {
            max_memory_mib: 128,
            max_time: Duration::from_millis(500),
        };
        let hasher = cheap_hasher().with_limits(half);
        for encoded in django_defaults() {
            assert!(hasher.check_stored(&encoded).is_ok(), "{encoded}");
        }
    }

    #[test]
    fn hashes_over_the_ceiling_are_refused_without_being_run() {
        let hasher = cheap_hasher();
        for (encoded, over) in [
            (argon2_with("m=4194304,t=1,p=1"), "need 4096 MiB of memory"),
            (argon2_with("m=262144,t=8,p=1"), "take about"),
            (
                format!("pbkdf2_sha256$100000000$salt${PBKDF2_HASH}"),
                "take about",
            ),
            (format!("bcrypt$$2b$20${BCRYPT_BODY}"), "take about"),
            (
                format!("scrypt$16777216$salt$1$1${SCRYPT_HASH}"),
                "need 2049 MiB of memory",
            ),
            (
                format!("scrypt$131072$salt$8$64${SCRYPT_HASH}"),
                "take about",
            ),
        ] {
            let err = hasher.check_stored(&encoded).unwrap_err();
            assert!(
                matches!(err, HashError::OverCeiling { .. }),
                "{encoded}: {err:?}"
            );
            let message = err.to_string();
            assert!(message.contains(over), "{message}");
            assert!(message.contains("[password] max_hash_"), "{message}");
            for secret in [SALT, HASH, PBKDF2_HASH, BCRYPT_BODY, SCRYPT_HASH] {
                assert!(!message.contains(secret), "{message}");
            }
            // Refused before any key derivation: these would take seconds to
            // minutes (or gigabytes) if they ran.
            assert!(matches!(
                hasher.verify("pw", &encoded),
                Err(HashError::OverCeiling { .. })
            ));
        }
    }

    #[test]
    fn a_raised_ceiling_accepts_what_the_default_refuses() {
        let encoded = format!("bcrypt$$2b$16${BCRYPT_BODY}");
        assert!(cheap_hasher().check_stored(&encoded).is_err());
        let raised = cheap_hasher().with_limits(HashLimits {
            max_memory_mib: 256,
            max_time: Duration::from_secs(10),
        });
        assert_eq!(raised.check_stored(&encoded).unwrap(), "bcrypt");
    }

    #[test]
    fn the_ceiling_is_inclusive() {
        let exact = argon2_with("m=262144,t=1,p=1");
        assert!(cheap_hasher().check_stored(&exact).is_ok());
        let over = argon2_with("m=262145,t=1,p=1");
        assert!(cheap_hasher().check_stored(&over).is_err());
    }

    /// Strings that look like each format but are cut short or garbled.
    fn near_miss() -> impl Strategy<Value = String> {
        let prefixes = prop::sample::select(vec![
            "argon2$argon2id$v=19$",
            "argon2$argon2i$m=8,t=1,p=1$",
            "pbkdf2_sha256$",
            "pbkdf2_sha1$1000$",
            "bcrypt_sha256$$2b$",
            "bcrypt$$2b$04$",
            "scrypt$16$",
            "",
        ]);
        (prefixes, "[0-9a-zA-Z$=,+/.!é_ -]{0,70}").prop_map(|(p, tail)| format!("{p}{tail}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn algorithm_of_never_panics(encoded in "\\PC{0,100}") {
            let _ = algorithm_of(&encoded);
        }

        #[test]
        fn algorithm_of_never_panics_on_near_misses(encoded in near_miss()) {
            let _ = algorithm_of(&encoded);
        }

        /// verify runs only on hashes algorithm_of rejected, so no KDF ever
        /// runs here; it must reject the same strings.
        #[test]
        fn verify_rejects_whatever_algorithm_of_rejects(
            encoded in prop_oneof![near_miss(), "\\PC{0,100}"],
        ) {
            let rejected = algorithm_of(&encoded);
            prop_assume!(rejected.is_err());
            let verified = cheap_hasher().verify("pw", &encoded);
            if is_usable(&encoded) {
                prop_assert!(verified.is_err(), "{:?}", verified);
            } else {
                prop_assert_eq!(verified.ok(), Some(Verified::NO_MATCH));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Changing any one character of a valid cheap hash never panics and
        /// never still matches.
        #[test]
        fn a_garbled_hash_never_matches(index in 0usize..200, replacement in "[0-9a-zA-Z$=,+/]") {
            let hasher = cheap_hasher();
            let encoded = hasher.hash("pw");
            let index = index % encoded.len();
            prop_assume!(encoded[index..=index] != replacement);
            let garbled = format!("{}{replacement}{}", &encoded[..index], &encoded[index + 1..]);
            if let Ok(verified) = hasher.verify("pw", &garbled) {
                prop_assert!(!verified.matches, "{}", garbled);
            }
        }

        #[test]
        fn any_password_round_trips(password in "\\PC{0,40}") {
            let hasher = cheap_hasher();
            let encoded = hasher.hash(&password);
            prop_assert!(hasher.verify(&password, &encoded).unwrap().matches);
            let wrong = format!("{password}x");
            prop_assert!(!hasher.verify(&wrong, &encoded).unwrap().matches);
        }
    }
}
