//! A MySQL/MariaDB round trip with `mysql_async_wasi` on tokio_wasi, as in WasmEdge's database
//! examples. `net-mysql mysql://USER:PASS@HOST:PORT/DB TABLE`: creates TABLE, inserts three
//! rows in a batch with named parameters, updates one, selects them back in order, sums a
//! column on the server, drops TABLE. Prints one line per result; errors are printed as
//! `error: ...` with exit code 1.

use mysql_async::prelude::*;
use std::process::ExitCode;

#[derive(Debug, PartialEq)]
struct Item {
    id: i32,
    name: String,
    amount: i64,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, table] = args.as_slice() else {
        println!("error: usage: net-mysql mysql://USER:PASS@HOST:PORT/DB TABLE");
        return ExitCode::FAILURE;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    match rt.block_on(round_trip(url, table)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn round_trip(url: &str, table: &str) -> mysql_async::Result<()> {
    let pool = mysql_async::Pool::new(mysql_async::Opts::from_url(url)?);
    let mut conn = pool.get_conn().await?;
    let version: Option<String> = "SELECT VERSION()".first(&mut conn).await?;
    println!("server: {}", version.unwrap_or_default());
    format!("CREATE TABLE {table} (id INT PRIMARY KEY, name TEXT NOT NULL, amount BIGINT NOT NULL)")
        .ignore(&mut conn)
        .await?;
    let items = [(1, "one", 10i64), (2, "two", 20), (3, "three ü", 30)];
    format!("INSERT INTO {table} (id, name, amount) VALUES (:id, :name, :amount)")
        .with(items.iter().map(|(id, name, amount)| {
            params! { "id" => id, "name" => name, "amount" => amount }
        }))
        .batch(&mut conn)
        .await?;
    format!("UPDATE {table} SET amount = amount + ? WHERE id = ?")
        .with((5, 2))
        .ignore(&mut conn)
        .await?;
    let rows = format!("SELECT id, name, amount FROM {table} ORDER BY id")
        .with(())
        .map(&mut conn, |(id, name, amount)| Item { id, name, amount })
        .await?;
    for item in &rows {
        println!("row: {} {} {}", item.id, item.name, item.amount);
    }
    let total: Option<i64> = format!("SELECT CAST(SUM(amount) AS SIGNED) FROM {table}")
        .first(&mut conn)
        .await?;
    println!("sum: {}", total.unwrap_or_default());
    format!("DROP TABLE {table}").ignore(&mut conn).await?;
    drop(conn);
    pool.disconnect().await?;
    println!("done");
    Ok(())
}
