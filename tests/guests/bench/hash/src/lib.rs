//! Hashing benchmark: SHA-256 over a buffer, chained.

use sha2::{Digest, Sha256};

/// Hashes 1 MiB `n` times, feeding each digest into the next round.
#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    let mut buf = vec![0u8; 1 << 20];
    let mut x: u32 = 7;
    for b in buf.iter_mut() {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        *b = (x >> 16) as u8;
    }
    let mut digest = [0u8; 32];
    for _ in 0..n.max(0) {
        buf[..32].copy_from_slice(&digest);
        digest = Sha256::digest(&buf).into();
    }
    i64::from_le_bytes(digest[..8].try_into().unwrap())
}
