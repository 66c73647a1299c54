//! Creating the rooms through the admin gRPC API.

use anyhow::{Context, bail};
use futures_util::StreamExt;
use roomcast_proto::v1::CreateRoomRequest;
use roomcast_proto::v1::room_admin_service_client::RoomAdminServiceClient;
use std::time::Duration;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;

#[derive(Debug, Default, Clone, Copy)]
pub struct Created {
    pub created: u64,
    pub existing: u64,
}

/// Creates every room in `names` (32 calls in flight); rooms that already
/// exist are fine.
pub async fn create_rooms(
    endpoint: &str,
    token: Option<&str>,
    sdkappid: u64,
    names: &[String],
) -> anyhow::Result<Created> {
    let channel = Channel::from_shared(endpoint.to_string())
        .context("admin endpoint")?
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .connect()
        .await
        .with_context(|| format!("connecting to the admin API at {endpoint}"))?;
    let app: MetadataValue<_> = sdkappid.to_string().parse().context("sdkappid metadata")?;
    let auth: Option<MetadataValue<_>> = token
        .map(|t| format!("Bearer {t}").parse())
        .transpose()
        .context("admin token is not a valid header value")?;
    let client = RoomAdminServiceClient::with_interceptor(channel, move |mut req: tonic::Request<()>| {
        req.metadata_mut().insert("x-roomcast-sdkappid", app.clone());
        if let Some(a) = &auth {
            req.metadata_mut().insert("authorization", a.clone());
        }
        Ok(req)
    });
    let results: Vec<Result<bool, tonic::Status>> = futures_util::stream::iter(names.iter().cloned())
        .map(|name| {
            let mut c = client.clone();
            async move {
                let req = CreateRoomRequest {
                    room_id: name.clone(),
                    name: format!("loadtest {name}"),
                    ..Default::default()
                };
                match c.create_room(req).await {
                    Ok(_) => Ok(true),
                    Err(s) if is_already_exists(&s) => Ok(false),
                    Err(s) => Err(s),
                }
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let mut out = Created::default();
    for r in results {
        match r {
            Ok(true) => out.created += 1,
            Ok(false) => out.existing += 1,
            Err(s) => bail!(
                "creating rooms failed: {} {} (x-roomcast-code {})",
                s.code(),
                s.message(),
                code_of(&s)
            ),
        }
    }
    Ok(out)
}

fn code_of(s: &tonic::Status) -> String {
    s.metadata()
        .get("x-roomcast-code")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string()
}

fn is_already_exists(s: &tonic::Status) -> bool {
    s.code() == tonic::Code::AlreadyExists || code_of(s) == "10025"
}
