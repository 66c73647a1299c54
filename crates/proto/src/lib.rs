//! Generated protobuf and gRPC types for Roomcast: the public API
//! (`proto/roomcast/v1`) and the internal bus and cluster messages
//! (`proto/roomcast/internal/v1`), with the one conversion between internal
//! messages and roomcast-core's domain types (`convert`).

pub mod v1 {
    #![allow(clippy::all, clippy::pedantic, missing_docs)]
    tonic::include_proto!("roomcast.v1");
}

pub mod internal {
    pub mod v1 {
        #![allow(clippy::all, clippy::pedantic, missing_docs)]
        tonic::include_proto!("roomcast.internal.v1");
    }
}

pub mod convert;

/// Helpers of the generated `serde::Serialize` implementations.
pub mod json {
    use std::collections::{BTreeMap, HashMap};

    /// Serializes a map with its keys in order.
    pub fn sorted_map<S: serde::Serializer>(map: &HashMap<String, String>, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&map.iter().collect::<BTreeMap<_, _>>(), s)
    }
}

/// The encoded `FileDescriptorSet` of the public Roomcast protos, for gRPC
/// reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/roomcast_descriptor.bin"));
