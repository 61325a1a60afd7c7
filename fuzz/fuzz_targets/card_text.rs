#![no_main]
//! Fuzz target `card_text`: see [`namecard::fuzzing::card_text`].
libfuzzer_sys::fuzz_target!(|data: &[u8]| namecard::fuzzing::card_text(data));
