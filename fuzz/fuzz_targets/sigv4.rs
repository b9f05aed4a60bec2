//! libFuzzer entry point of the `sigv4` target; its body is `trent_fuzz::sigv4`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    trent_fuzz::sigv4(data);
});
