//! QR rendering benchmarks (placeholder while the module is written).
fn main() {}
