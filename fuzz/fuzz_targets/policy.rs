//! libFuzzer entry point of the `policy` target; its body is `trent_fuzz::policy`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    trent_fuzz::policy(data);
});
