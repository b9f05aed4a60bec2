//! libFuzzer entry point of the `aws_query_form` target; its body is `trent_fuzz::aws_query_form`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    trent_fuzz::aws_query_form(data);
});
