//! Compiles `proto/roomcast/v1/*.proto` with protox, so building needs no
//! system `protoc`. The encoded descriptor set is kept for gRPC reflection.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let files = [
        "roomcast/v1/common.proto",
        "roomcast/v1/admin.proto",
        "roomcast/v1/bus.proto",
        "roomcast/v1/cluster.proto",
        "roomcast/v1/moderation.proto",
    ];
    for f in &files {
        println!("cargo:rerun-if-changed={}", root.join(f).display());
    }
    let fds = protox::compile(files, [&root])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("roomcast_descriptor.bin"), prost::Message::encode_to_vec(&fds))?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // Bus payloads are shared across members without copying.
        .bytes(".roomcast.v1.RoomEvent")
        .compile_fds(fds)?;
    Ok(())
}
