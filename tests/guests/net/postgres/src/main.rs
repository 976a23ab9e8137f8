//! A PostgreSQL round trip with `tokio-postgres_wasi` on tokio_wasi, as in WasmEdge's
//! database examples. `net-postgres postgres://USER:PASS@HOST:PORT/DB TABLE`: connects (SCRAM
//! password authentication), creates TABLE, inserts three rows with a prepared statement,
//! updates one in a transaction, selects them back in order, sums a column on the server,
//! drops TABLE. Prints one line per result; errors are printed as `error: ...` with exit 1.

use std::process::ExitCode;
use tokio_postgres::NoTls;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, table] = args.as_slice() else {
        println!("error: usage: net-postgres postgres://USER:PASS@HOST:PORT/DB TABLE");
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

async fn round_trip(url: &str, table: &str) -> Result<(), tokio_postgres::Error> {
    let (mut client, connection) = tokio_postgres::connect(url, NoTls).await?;
    let driver = tokio::spawn(async move {
        if let Err(e) = connection.await {
            println!("connection error: {e}");
        }
    });
    let version: String = client.query_one("SELECT version()", &[]).await?.get(0);
    println!("server: {}", version.split(',').next().unwrap_or_default());
    client
        .batch_execute(&format!(
            "CREATE TABLE {table} (id INT PRIMARY KEY, name TEXT NOT NULL, amount BIGINT NOT NULL)"
        ))
        .await?;
    let insert = client
        .prepare(&format!("INSERT INTO {table} (id, name, amount) VALUES ($1, $2, $3)"))
        .await?;
    for (id, name, amount) in [(1i32, "one", 10i64), (2, "two", 20), (3, "three ü", 30)] {
        client.execute(&insert, &[&id, &name, &amount]).await?;
    }
    let tx = client.transaction().await?;
    tx.execute(
        &format!("UPDATE {table} SET amount = amount + $1 WHERE id = $2"),
        &[&5i64, &2i32],
    )
    .await?;
    tx.commit().await?;
    for row in client
        .query(&format!("SELECT id, name, amount FROM {table} ORDER BY id"), &[])
        .await?
    {
        let (id, name, amount): (i32, String, i64) = (row.get(0), row.get(1), row.get(2));
        println!("row: {id} {name} {amount}");
    }
    let sum: i64 = client
        .query_one(&format!("SELECT SUM(amount)::BIGINT FROM {table}"), &[])
        .await?
        .get(0);
    println!("sum: {sum}");
    client.batch_execute(&format!("DROP TABLE {table}")).await?;
    drop(client);
    let _ = driver.await;
    println!("done");
    Ok(())
}
