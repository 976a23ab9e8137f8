//! JSON benchmark: serialize a document of records, parse it back, and walk it.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Record {
    id: u64,
    name: String,
    score: f64,
    tags: Vec<String>,
    active: bool,
    parent: Option<u64>,
}

fn records(count: usize, seed: u64) -> Vec<Record> {
    let mut x = seed;
    (0..count)
        .map(|i| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            Record {
                id: i as u64,
                name: format!("user-{:x}", x >> 40),
                score: (x >> 11) as f64 / (1u64 << 53) as f64 * 1000.0,
                tags: (0..(x >> 61)).map(|t| format!("tag{t}")).collect(),
                active: x & 1 == 1,
                parent: (i > 0 && x & 2 == 2).then(|| (x >> 33) % i as u64),
            }
        })
        .collect()
}

/// Round-trips `n` documents of 2000 records through JSON text, typed and untyped.
#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    let mut sum: u64 = 0;
    for round in 0..n.max(0) as u64 {
        let recs = records(2000, round);
        let text = serde_json::to_string(&recs).unwrap();
        let back: Vec<Record> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, recs);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let active = value
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["active"].as_bool() == Some(true))
            .count();
        sum = sum.wrapping_mul(31).wrapping_add(text.len() as u64 + active as u64);
    }
    sum as i64
}
