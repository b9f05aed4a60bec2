//! libFuzzer entry point of the `esdk_header` target; its body is `trent_fuzz::esdk_header`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    trent_fuzz::esdk_header(data);
});
