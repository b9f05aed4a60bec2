//! libFuzzer entry point of the `aws_json` target; its body is `trent_fuzz::aws_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    trent_fuzz::aws_json(data);
});
