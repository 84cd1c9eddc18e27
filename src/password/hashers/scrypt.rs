//! scrypt (Django's `ScryptPasswordHasher`).

use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{Cost, HashError, decimal, decode, malformed, to_u32};

/// Bound on stored hashes: log2 of N.
const MAX_SCRYPT_LOG_N: u32 = 24;
/// Bound on stored hashes: scrypt memory, 128·N·r bytes (4 GiB).
const MAX_SCRYPT_MEMORY: u64 = 4 << 30;
/// Bound on stored hashes: scrypt work, 128·N·r·p bytes mixed (16 GiB).
const MAX_SCRYPT_WORK: u64 = 16 << 30;
/// N·r·p units per second on the reference machine.
const SCRYPT_NRP_PER_SEC: f64 = 3_000_000.0;

/// A parsed `scrypt$...` hash.
#[derive(Debug)]
pub(super) struct ScryptHash<'a> {
    params: scrypt::Params,
    salt: &'a str,
    hash: Vec<u8>,
}

impl ScryptHash<'_> {
    pub(super) fn cost(&self) -> Cost {
        let (n, r, p) = nrp(&self.params);
        Cost {
            memory: memory(&self.params),
            seconds: (n * r * p) as f64 / SCRYPT_NRP_PER_SEC,
        }
    }

    pub(super) fn matches(&self, password: &[u8]) -> Result<bool, HashError> {
        let failed = |reason: String| HashError::Failed {
            algorithm: "scrypt",
            reason,
        };
        // The scrypt crate allocates with `vec!`, which aborts the
        // process when memory is short (a ulimit, a container):
        // try the same amount first, and fail cleanly if it is not there.
        let memory = usize::try_from(memory(&self.params)).unwrap_or(usize::MAX);
        Vec::<u8>::new()
            .try_reserve_exact(memory)
            .map_err(|_| failed(format!("cannot allocate {} MiB", memory >> 20)))?;
        let mut out = Zeroizing::new(vec![0u8; self.hash.len()]);
        scrypt::scrypt(password, self.salt.as_bytes(), &self.params, &mut out)
            .map_err(|err| failed(err.to_string()))?;
        Ok(out.ct_eq(&self.hash).into())
    }
}

/// scrypt's N, r and p.
fn nrp(params: &scrypt::Params) -> (u64, u64, u64) {
    (
        1u64 << params.log_n(),
        u64::from(params.r()),
        u64::from(params.p()),
    )
}

/// Bytes the scrypt crate allocates for one check: V (128·N·r), B (128·r·p)
/// and a block (128·r).
fn memory(params: &scrypt::Params) -> u64 {
    let (n, r, p) = nrp(params);
    128 * r * (n + p + 1)
}

/// `<N>$<salt>$<r>$<p>$<base64 hash>`.
pub(super) fn parse(rest: &str) -> Result<ScryptHash<'_>, HashError> {
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
    let params = scrypt::Params::new(
        log_n,
        to_u32(A, "block size r", r)?,
        to_u32(A, "parallelism p", p)?,
    )
    .map_err(|err| malformed(A, format!("parameters rejected: {err}")))?;
    Ok(ScryptHash { params, salt, hash })
}
