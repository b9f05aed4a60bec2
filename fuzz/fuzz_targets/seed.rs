//! libFuzzer entry point of the `seed` target; its body is `trent_fuzz::seed`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    trent_fuzz::seed(data);
});
