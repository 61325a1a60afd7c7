#![no_main]
//! Fuzz target `scan_photo`: see [`namecard::fuzzing::scan_photo`].
libfuzzer_sys::fuzz_target!(|data: &[u8]| namecard::fuzzing::scan_photo(data));
