//! The smallest real command: used to measure start-up time.
fn main() {
    println!("Hello, world!");
}
