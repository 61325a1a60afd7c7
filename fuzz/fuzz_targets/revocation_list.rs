#![no_main]
//! Fuzz target `revocation_list`: see [`namecard::fuzzing::revocation_list`].
libfuzzer_sys::fuzz_target!(|data: &[u8]| namecard::fuzzing::revocation_list(data));
