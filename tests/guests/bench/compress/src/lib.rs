//! Compression benchmark: deflate then inflate pseudo-random text with miniz_oxide.

use miniz_oxide::deflate::compress_to_vec;
use miniz_oxide::inflate::decompress_to_vec;

/// Text with repetition, like logs: words from a small vocabulary chosen by an LCG.
fn corpus(len: usize, seed: u32) -> Vec<u8> {
    const WORDS: [&str; 16] = [
        "alpha ", "beta ", "gamma ", "delta ", "error ", "warning ", "request ", "id=42 ",
        "GET /index.html ", "200 ", "404 ", "latency=13ms ", "user ", "session ", "\n", "ok ",
    ];
    let mut out = Vec::with_capacity(len + 32);
    let mut x = seed;
    while out.len() < len {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        out.extend_from_slice(WORDS[(x >> 28) as usize].as_bytes());
    }
    out.truncate(len);
    out
}

/// Compresses and decompresses `n` blocks of 256 KiB; returns a checksum of the sizes and bytes.
#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    let mut sum: u64 = 0;
    for i in 0..n.max(0) as u32 {
        let data = corpus(256 * 1024, i);
        let packed = compress_to_vec(&data, 6);
        let unpacked = decompress_to_vec(&packed).expect("round trip");
        assert_eq!(unpacked, data);
        sum = sum.wrapping_mul(31).wrapping_add(packed.len() as u64);
        sum ^= unpacked.iter().step_by(997).map(|b| *b as u64).sum::<u64>();
    }
    sum as i64
}
