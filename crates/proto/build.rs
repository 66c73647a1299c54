//! Compiles `proto/roomcast/v1/*.proto` (the public API) and
//! `proto/roomcast/internal/v1/*.proto` (bus and cluster messages) with
//! protox, so building needs no system `protoc`. Only the public files'
//! descriptor set is kept for gRPC reflection: internal messages are not
//! advertised.
//!
//! The public messages also derive `serde::Serialize` with their proto JSON
//! names (lowerCamelCase): `roomcast admin` prints replies as JSON.

use std::path::PathBuf;

const PUBLIC: &[&str] = &[
    "roomcast/v1/common.proto",
    "roomcast/v1/admin.proto",
    "roomcast/v1/moderation.proto",
];

const INTERNAL: &[&str] = &[
    "roomcast/internal/v1/bus.proto",
    "roomcast/internal/v1/error.proto",
    "roomcast/internal/v1/submit.proto",
    "roomcast/internal/v1/control.proto",
];

const SORTED_MAP: &str = "#[serde(serialize_with = \"crate::json::sorted_map\")]";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    for f in PUBLIC.iter().chain(INTERNAL) {
        println!("cargo:rerun-if-changed={}", root.join(f).display());
    }
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let public = protox::compile(PUBLIC, [&root])?;
    std::fs::write(
        out.join("roomcast_descriptor.bin"),
        prost::Message::encode_to_vec(&public),
    )?;
    let all = protox::compile(PUBLIC.iter().chain(INTERNAL), [&root])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .type_attribute(
            ".roomcast.v1",
            "#[derive(serde::Serialize)]\n#[serde(rename_all = \"camelCase\")]",
        )
        // Map fields print with sorted keys, so the output is stable.
        .field_attribute(".roomcast.v1.Room.custom", SORTED_MAP)
        .field_attribute(".roomcast.v1.CreateRoomRequest.custom", SORTED_MAP)
        .field_attribute(".roomcast.v1.ModifyRoomRequest.custom", SORTED_MAP)
        // Bus payloads are shared across members without copying.
        .bytes(".roomcast.internal.v1.RoomEvent")
        .bytes(".roomcast.internal.v1.SubmitRequest.msg_body_json")
        .compile_fds(all)?;
    Ok(())
}
