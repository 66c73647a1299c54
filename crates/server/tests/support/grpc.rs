//! The standard gRPC services beside the admin API, seen as tools see
//! them: health checks and watches, server reflection (v1 and v1alpha), and
//! the `google.rpc.Status` details of a failed call.

use super::admin::channel;
use std::collections::HashMap;
use std::net::SocketAddr;
use tonic::transport::Channel;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

pub use tonic_health::pb::health_check_response::ServingStatus;

/// The health service names the server reports on.
pub const SERVER: &str = "";
pub const ROOM_ADMIN: &str = "roomcast.v1.RoomAdminService";
pub const MODERATION_ADMIN: &str = "roomcast.v1.ModerationAdminService";
pub const ROOM_CONTROL: &str = "roomcast.internal.v1.RoomControlService";
pub const HEALTH: &str = "grpc.health.v1.Health";

pub async fn health_client(grpc: SocketAddr) -> HealthClient<Channel> {
    HealthClient::new(channel(grpc).await)
}

/// `grpc.health.v1.Health/Check` of `service`.
pub async fn health_check(grpc: SocketAddr, service: &str) -> Result<ServingStatus, tonic::Status> {
    let resp = health_client(grpc)
        .await
        .check(HealthCheckRequest {
            service: service.into(),
        })
        .await?
        .into_inner();
    Ok(ServingStatus::try_from(resp.status).expect("a known serving status"))
}

/// `grpc.health.v1.Health/Watch` of `service`: a stream of its statuses.
pub async fn health_watch(grpc: SocketAddr, service: &str) -> tonic::Streaming<HealthCheckResponse> {
    health_client(grpc)
        .await
        .watch(HealthCheckRequest {
            service: service.into(),
        })
        .await
        .unwrap_or_else(|e| panic!("watch {service:?}: {e:?}"))
        .into_inner()
}

/// The next status a health watch reports, within the harness wait.
pub async fn next_health(watch: &mut tonic::Streaming<HealthCheckResponse>) -> ServingStatus {
    let resp = tokio::time::timeout(super::WAIT, watch.message())
        .await
        .expect("a health update in time")
        .expect("the watch stays open")
        .expect("an update");
    ServingStatus::try_from(resp.status).expect("a known serving status")
}

/// One reflection protocol version's client, asked one question at a time.
macro_rules! reflection_version {
    ($module:ident, $version:ident) => {
        pub mod $module {
            use super::super::admin::channel;
            use std::net::SocketAddr;
            use tonic_reflection::pb::$version::server_reflection_client::ServerReflectionClient;
            use tonic_reflection::pb::$version::server_reflection_request::MessageRequest;
            use tonic_reflection::pb::$version::server_reflection_response::MessageResponse;
            use tonic_reflection::pb::$version::{ServerReflectionRequest, ServerReflectionResponse};

            /// The answer to `request`: a response, or the stream's error status.
            async fn ask(grpc: SocketAddr, request: MessageRequest) -> Result<ServerReflectionResponse, tonic::Status> {
                let mut client = ServerReflectionClient::new(channel(grpc).await);
                let req = ServerReflectionRequest {
                    host: String::new(),
                    message_request: Some(request),
                };
                let mut stream = client
                    .server_reflection_info(futures_util::stream::iter(vec![req]))
                    .await
                    .expect(concat!("reflection ", stringify!($version), " answers"))
                    .into_inner();
                Ok(stream.message().await?.expect("one response"))
            }

            /// The fully qualified names of the services the server lists.
            pub async fn list_services(grpc: SocketAddr) -> Vec<String> {
                let resp = ask(grpc, MessageRequest::ListServices(String::new()))
                    .await
                    .expect("reflection lists services");
                let Some(MessageResponse::ListServicesResponse(list)) = resp.message_response else {
                    panic!("unexpected reflection response {resp:?}");
                };
                list.service.into_iter().map(|s| s.name).collect()
            }

            /// The encoded file descriptors that define `symbol`, or the gRPC
            /// code of the refusal (NOT_FOUND for an unknown symbol), whether
            /// it comes as an error response or as the stream's status.
            pub async fn file_containing_symbol(grpc: SocketAddr, symbol: &str) -> Result<Vec<Vec<u8>>, tonic::Code> {
                let resp = ask(grpc, MessageRequest::FileContainingSymbol(symbol.into()))
                    .await
                    .map_err(|s| s.code())?;
                match resp.message_response {
                    Some(MessageResponse::FileDescriptorResponse(files)) => Ok(files.file_descriptor_proto),
                    Some(MessageResponse::ErrorResponse(e)) => Err(tonic::Code::from(e.error_code)),
                    other => panic!("unexpected reflection response {other:?}"),
                }
            }
        }
    };
}

reflection_version!(reflection_v1, v1);
reflection_version!(reflection_v1alpha, v1alpha);

// ---- google.rpc.Status details ------------------------------------------------------
//
// Written from google/rpc/status.proto and error_details.proto, independently
// of the server's own definitions.

#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
    #[prost(message, repeated, tag = "3")]
    details: Vec<prost_types::Any>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct ErrorInfo {
    #[prost(string, tag = "1")]
    reason: String,
    #[prost(string, tag = "2")]
    domain: String,
    #[prost(map = "string, string", tag = "3")]
    metadata: HashMap<String, String>,
}

/// The `google.rpc.ErrorInfo` a failed call carries in
/// `grpc-status-details-bin`, with the status code and message around it.
#[derive(Debug)]
pub struct ErrorDetails {
    pub code: i32,
    pub message: String,
    pub reason: String,
    pub domain: String,
    pub metadata: HashMap<String, String>,
}

/// Decodes the status details of `status`; panics if there are none or
/// they hold no `google.rpc.ErrorInfo`.
pub fn error_details(status: &tonic::Status) -> ErrorDetails {
    use prost::Message;
    assert!(!status.details().is_empty(), "no status details: {status:?}");
    let rpc = RpcStatus::decode(status.details()).expect("a google.rpc.Status");
    let any = rpc
        .details
        .iter()
        .find(|a| a.type_url == "type.googleapis.com/google.rpc.ErrorInfo")
        .unwrap_or_else(|| panic!("no google.rpc.ErrorInfo in {rpc:?}"));
    let info = ErrorInfo::decode(any.value.as_slice()).expect("a google.rpc.ErrorInfo");
    ErrorDetails {
        code: rpc.code,
        message: rpc.message,
        reason: info.reason,
        domain: info.domain,
        metadata: info.metadata,
    }
}
