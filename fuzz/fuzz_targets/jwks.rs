#![no_main]
//! Fuzz target `jwks`: see [`namecard::fuzzing::jwks`].
libfuzzer_sys::fuzz_target!(|data: &[u8]| namecard::fuzzing::jwks(data));
