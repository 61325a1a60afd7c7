#![no_main]
//! Fuzz target `member_import`: see [`namecard::fuzzing::member_import`].
libfuzzer_sys::fuzz_target!(|data: &[u8]| namecard::fuzzing::member_import(data));
