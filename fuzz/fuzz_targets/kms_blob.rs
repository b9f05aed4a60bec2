//! libFuzzer entry point of the `kms_blob` target; its body is `trent_fuzz::kms_blob`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    trent_fuzz::kms_blob(data);
});
