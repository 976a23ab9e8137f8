//! Regex benchmark: compile patterns and scan generated log text with the `regex` crate.

use regex::Regex;

fn log_text(lines: usize) -> String {
    let mut x: u32 = 12345;
    let mut s = String::with_capacity(lines * 64);
    for i in 0..lines {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let level = ["INFO", "WARN", "ERROR", "DEBUG"][(x >> 30) as usize];
        s.push_str(&format!(
            "2024-05-{:02} 12:{:02}:{:02} {level} user{}@example.com GET /api/v{}/item/{} {}ms\n",
            1 + i % 28,
            (x >> 8) % 60,
            (x >> 16) % 60,
            x % 1000,
            1 + (x >> 4) % 3,
            x % 100_000,
            (x >> 12) % 2000,
        ));
    }
    s
}

/// Compiles a few patterns and counts matches over 20000 log lines, `n` times.
#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    let text = log_text(20_000);
    let mut total: u64 = 0;
    for _ in 0..n.max(0) {
        let email = Regex::new(r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}").unwrap();
        let slow = Regex::new(r"(?m)^\S+ \S+ (ERROR|WARN) .* (1\d{3})ms$").unwrap();
        let path = Regex::new(r"/api/v([0-9])/item/([0-9]+)").unwrap();
        total += email.find_iter(&text).count() as u64;
        total += slow.captures_iter(&text).count() as u64 * 7;
        for c in path.captures_iter(&text).take(5000) {
            total += c[2].len() as u64;
        }
    }
    total as i64
}
