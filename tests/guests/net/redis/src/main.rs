//! A Redis round trip with `redis_wasi` (the redis crate for WasmEdge, blocking, on
//! `wasmedge_wasi_socket`). `net-redis redis://HOST:PORT/ KEY VALUE`: SET KEY VALUE, GET it
//! back, INCR a counter KEY:n twice, RPUSH three items to KEY:list and LRANGE them, DEL all
//! three keys. Prints one line per reply; errors are printed as `error: ...` with exit code 1.

use redis::Commands;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, key, value] = args.as_slice() else {
        println!("error: usage: net-redis redis://HOST:PORT/ KEY VALUE");
        return ExitCode::FAILURE;
    };
    match round_trip(url, key, value) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn round_trip(url: &str, key: &str, value: &str) -> redis::RedisResult<()> {
    let client = redis::Client::open(url)?;
    let mut con = client.get_connection()?;
    let _: () = con.set(key, value)?;
    let got: String = con.get(key)?;
    println!("GET {key} = {got}");
    let counter = format!("{key}:n");
    let _: i64 = con.incr(&counter, 1)?;
    let n: i64 = con.incr(&counter, 41)?;
    println!("INCR {counter} = {n}");
    let list = format!("{key}:list");
    let _: i64 = con.rpush(&list, &["a", "b", "c"])?;
    let items: Vec<String> = con.lrange(&list, 0, -1)?;
    println!("LRANGE {list} = {}", items.join(","));
    let deleted: i64 = con.del(&[key, counter.as_str(), list.as_str()])?;
    println!("DEL = {deleted}");
    Ok(())
}
