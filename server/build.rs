// Builds the small C shim over the system libjpeg-turbo (see csrc/jpeg_shim.c) and links
// -ljpeg. Debian: libjpeg62-turbo-dev provides /usr/include/jpeglib.h and libjpeg.so.
fn main() {
    println!("cargo:rerun-if-changed=csrc/jpeg_shim.c");
    println!("cargo:rerun-if-changed=build.rs");
    cc::Build::new()
        .file("csrc/jpeg_shim.c")
        .opt_level(2)
        .warnings(true)
        .compile("proofroom_jpeg_shim");
    println!("cargo:rustc-link-lib=jpeg");
}
