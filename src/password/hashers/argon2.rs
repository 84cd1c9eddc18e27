//! argon2 (Django's `Argon2PasswordHasher`): the parameters new hashes are made
//! with, and the stored `argon2$...` form.

use std::fmt;

use argon2::{Argon2, Block, Params};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{Cost, HashError, SALT_LEN, decimal, decode, malformed, to_u32};

/// argon2 output length Django uses (argon2-cffi's default).
pub(super) const ARGON2_HASH_LEN: usize = 32;
/// Bound on stored hashes: argon2 memory, in KiB (4 GiB).
const MAX_ARGON2_MEMORY_KIB: u64 = 4 * 1024 * 1024;
/// Bound on stored hashes: argon2 memory × passes, in KiB (16 GiB of block
/// processing).
const MAX_ARGON2_WORK_KIB: u64 = 16 * 1024 * 1024;
/// KiB of blocks filled per second on the reference machine (memory × passes;
/// lanes run in turn).
const ARGON2_KIB_PER_SEC: f64 = 1_100_000.0;

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

    pub(super) fn to_argon2(self) -> Result<Params, HashError> {
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
    pub(super) blocks: Vec<Block>,
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

/// A parsed `argon2$...` hash.
#[derive(Debug)]
pub(super) struct Argon2Hash {
    variant: argon2::Algorithm,
    version: argon2::Version,
    params: Params,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

impl Argon2Hash {
    pub(super) fn cost(&self) -> Cost {
        cost(&self.params)
    }

    pub(super) fn matches(&self, password: &[u8]) -> Result<bool, HashError> {
        let context = Argon2::new(self.variant, self.version, self.params.clone());
        let mut out = Zeroizing::new(vec![0u8; self.hash.len()]);
        context
            .hash_password_into(password, &self.salt, &mut out)
            .map_err(|err| HashError::Failed {
                algorithm: "argon2",
                reason: err.to_string(),
            })?;
        Ok(out.ct_eq(&self.hash).into())
    }

    /// Django's `must_update` for argon2: false only for argon2id v19 at
    /// exactly `params`, with a 32-byte hash and a salt of at least 128 bits.
    pub(super) fn must_update(&self, params: Argon2Params) -> bool {
        let current = Argon2Params {
            memory_cost: self.params.m_cost(),
            time_cost: self.params.t_cost(),
            parallelism: self.params.p_cost(),
        };
        self.variant != argon2::Algorithm::Argon2id
            || self.version != argon2::Version::V0x13
            || current != params
            || self.hash.len() != ARGON2_HASH_LEN
            || self.salt.len() < SALT_LEN
    }
}

pub(super) fn cost(params: &Params) -> Cost {
    let kib = u64::from(params.m_cost());
    Cost {
        memory: kib * 1024,
        seconds: (kib * u64::from(params.t_cost())) as f64 / ARGON2_KIB_PER_SEC,
    }
}

/// `argon2id$v=19$m=..,t=..,p=..$salt$hash`, or Django's oldest form
/// without `v=` (argon2 version 0x10).
pub(super) fn parse(rest: &str) -> Result<Argon2Hash, HashError> {
    const A: &str = "argon2";
    let fields: Vec<&str> = rest.split('$').collect();
    let (variant, version, params, salt, hash) = match *fields.as_slice() {
        [variant, version, params, salt, hash] => (variant, Some(version), params, salt, hash),
        [variant, params, salt, hash] if !params.starts_with("v=") => {
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
            return Err(malformed(A, "variant is not argon2id, argon2i or argon2d"));
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
                    return Err(malformed(A, format!("version {other} is not 19 or 16")));
                }
            }
        }
    };

    let costs: Vec<&str> = params.split(',').collect();
    let &[m, t, p] = costs.as_slice() else {
        return Err(malformed(
            A,
            "parameters are not `m=<kib>,t=<passes>,p=<lanes>`",
        ));
    };
    let (Some(m), Some(t), Some(p)) = (
        m.strip_prefix("m="),
        t.strip_prefix("t="),
        p.strip_prefix("p="),
    ) else {
        return Err(malformed(
            A,
            "parameters are not `m=<kib>,t=<passes>,p=<lanes>`",
        ));
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

#[cfg(test)]
mod tests {
    use super::super::tests::{CHEAP, cheap_hasher};
    use super::super::{PasswordHasher, Verified};
    use super::*;
    use base64::Engine as _;

    #[test]
    fn default_params_are_owasp() {
        assert_eq!(
            Argon2Params::default(),
            Argon2Params {
                memory_cost: 19_456,
                time_cost: 2,
                parallelism: 1
            }
        );
        assert!(Argon2Params::default().validate().is_ok());
    }

    #[test]
    fn hash_memory_for_invalid_params_is_empty_and_debug_is_short() {
        let invalid = Argon2Params {
            memory_cost: 0,
            ..CHEAP
        };
        assert_eq!(
            format!("{:?}", HashMemory::for_params(&invalid)),
            "HashMemory { kib: 0 }"
        );
        assert_eq!(
            format!("{:?}", HashMemory::for_params(&CHEAP)),
            "HashMemory { kib: 8 }"
        );
    }

    /// An argon2 hash made directly with the argon2 crate, in Django's layout.
    fn argon2_encoded(
        variant: argon2::Algorithm,
        version: Option<argon2::Version>,
        salt: &[u8],
        hash_len: usize,
        password: &str,
    ) -> String {
        let params = Params::new(8, 1, 1, Some(hash_len)).unwrap();
        let context = Argon2::new(variant, version.unwrap_or(argon2::Version::V0x10), params);
        let mut out = vec![0u8; hash_len];
        context
            .hash_password_into(password.as_bytes(), salt, &mut out)
            .unwrap();
        let version = match version {
            Some(argon2::Version::V0x13) => "v=19$",
            Some(argon2::Version::V0x10) => "v=16$",
            None => "",
        };
        format!(
            "argon2${}${version}m=8,t=1,p=1${}${}",
            variant.as_str(),
            STANDARD_NO_PAD.encode(salt),
            STANDARD_NO_PAD.encode(out)
        )
    }

    #[test]
    fn argon2i_argon2d_and_versionless_hashes_verify_and_need_upgrade() {
        let hasher = cheap_hasher();
        let salt = b"abcdefghijklmnopqrstuv";
        let upgrade = Verified {
            matches: true,
            needs_upgrade: true,
        };
        for (variant, version) in [
            (argon2::Algorithm::Argon2i, Some(argon2::Version::V0x13)),
            (argon2::Algorithm::Argon2d, Some(argon2::Version::V0x13)),
            (argon2::Algorithm::Argon2id, Some(argon2::Version::V0x10)),
            // Django's oldest format: no `v=` segment means version 0x10.
            (argon2::Algorithm::Argon2i, None),
        ] {
            let encoded = argon2_encoded(variant, version, salt, 32, "pw");
            assert_eq!(hasher.verify("pw", &encoded).unwrap(), upgrade, "{encoded}");
            assert!(!hasher.verify("pW", &encoded).unwrap().matches, "{encoded}");
        }
        // The versionless form really is 0x10: read as v=19 it does not match.
        let legacy = argon2_encoded(argon2::Algorithm::Argon2i, None, salt, 32, "pw");
        let as_v19 = legacy.replacen("argon2i$", "argon2i$v=19$", 1);
        assert!(!hasher.verify("pw", &as_v19).unwrap().matches);
    }

    #[test]
    fn argon2id_with_short_salt_or_other_hash_length_needs_upgrade() {
        let hasher = cheap_hasher();
        let v19 = Some(argon2::Version::V0x13);
        let short_salt = argon2_encoded(
            argon2::Algorithm::Argon2id,
            v19,
            b"abcdefghijklmnopqrstu",
            32,
            "pw",
        );
        let long_hash = argon2_encoded(
            argon2::Algorithm::Argon2id,
            v19,
            b"abcdefghijklmnopqrstuv",
            64,
            "pw",
        );
        let current = argon2_encoded(
            argon2::Algorithm::Argon2id,
            v19,
            b"abcdefghijklmnopqrstuv",
            32,
            "pw",
        );
        assert!(hasher.verify("pw", &short_salt).unwrap().needs_upgrade);
        assert!(hasher.verify("pw", &long_hash).unwrap().needs_upgrade);
        assert!(!hasher.verify("pw", &current).unwrap().needs_upgrade);
    }

    #[test]
    fn invalid_argon2_params_are_rejected() {
        let cases = [
            Argon2Params {
                memory_cost: 7,
                ..CHEAP
            },
            Argon2Params {
                time_cost: 0,
                ..CHEAP
            },
            Argon2Params {
                parallelism: 0,
                ..CHEAP
            },
            // Fewer than 8 KiB per lane.
            Argon2Params {
                memory_cost: 15,
                parallelism: 2,
                ..CHEAP
            },
            // Over what verify would accept back.
            Argon2Params {
                memory_cost: u32::MAX,
                ..CHEAP
            },
            Argon2Params {
                memory_cost: 1 << 20,
                time_cost: 17,
                parallelism: 1,
            },
        ];
        for params in cases {
            assert!(
                matches!(params.validate(), Err(HashError::InvalidParams { .. })),
                "{params:?}"
            );
            assert!(PasswordHasher::new(params).is_err(), "{params:?}");
        }
        let err = Argon2Params {
            memory_cost: 7,
            ..CHEAP
        }
        .validate()
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argon2 parameters: memory cost is too small"
        );
    }
}
