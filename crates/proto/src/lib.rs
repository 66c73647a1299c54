//! Generated protobuf and gRPC types for Roomcast (`proto/roomcast/v1`).

pub mod v1 {
    #![allow(clippy::all, clippy::pedantic, missing_docs)]
    tonic::include_proto!("roomcast.v1");
}

/// The encoded `FileDescriptorSet` of every Roomcast proto, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/roomcast_descriptor.bin"));
