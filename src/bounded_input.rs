//! Input read whole (apply's file, the config file) has a size limit, and
//! input over it is refused, never cut at the limit: a file read only in part
//! is a different file (apply `--prune` would deactivate every user listed
//! after the cut).

use std::io::Read;

/// All of `input`, or `None` when it holds more than `max` bytes (only
/// `max + 1` of them are read to tell).
pub fn read_all(input: impl Read, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    input.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

/// `bytes` as a size for messages: "64 MiB", "1 MiB", "512 KiB".
pub fn human_size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_at_the_limit_is_read_and_over_it_is_refused() {
        assert_eq!(read_all(&b"12345"[..], 5).unwrap().unwrap(), b"12345");
        assert_eq!(read_all(&b"123456"[..], 5).unwrap(), None);
        assert_eq!(read_all(std::io::repeat(0), 1 << 20).unwrap(), None);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_size(64 << 20), "64 MiB");
        assert_eq!(human_size(512 << 10), "512 KiB");
        assert_eq!(human_size(1000), "1000 bytes");
    }
}
