#![no_main]
//! Fuzz target `scan_upload`: see [`namecard::fuzzing::scan_upload`].
libfuzzer_sys::fuzz_target!(|data: &[u8]| namecard::fuzzing::scan_upload(data));
