//! `/autobahn-echo`: a test-only route, off unless `gateway.autobahn_echo`
//! is set, that echoes every text and binary message back through the
//! gateway's own RFC 6455 implementation (`ws/`), so a conformance client
//! such as the Autobahn|Testsuite fuzzing client can exercise the reader and
//! framing without a login or rooms (see docs/fuzzing.md). Messages are
//! limited by `gateway.hard_frame_limit_bytes`, like `/ws`.

use crate::ctx::GatewayCtx;
use crate::ws;
use crate::ws::frame::{self, OP_BINARY, OP_CLOSE, OP_PONG, OP_TEXT};
use crate::ws::reader::{FrameReader, Incoming};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

pub(crate) async fn upgrade(State(ctx): State<Arc<GatewayCtx>>, mut req: Request) -> Response {
    let switching = match ws::handshake::answer(req.headers()) {
        Ok(r) => r,
        Err(refused) => return refused.into_response(),
    };
    let Some(on_upgrade) = req.extensions_mut().remove::<hyper::upgrade::OnUpgrade>() else {
        return (StatusCode::BAD_REQUEST, "connection cannot be upgraded").into_response();
    };
    let (chunk, limit) = (ctx.opts.read_buffer_bytes, ctx.opts.hard_frame_limit_bytes);
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            echo(TokioIo::new(upgraded), chunk, limit).await;
        }
    });
    switching
}

/// Echoes messages until the client closes or breaks the protocol, then
/// answers with the close the reader chose (1002, 1007, 1009) or echoes the
/// client's own.
async fn echo<S: AsyncRead + AsyncWrite + Unpin>(io: S, chunk: usize, limit: usize) {
    let (read_half, mut write_half) = tokio::io::split(io);
    let mut reader = FrameReader::new(read_half, chunk, limit);
    loop {
        let out = match reader.next().await {
            Ok(Incoming::Text(text)) => frame::encode(OP_TEXT, text.as_bytes()),
            Ok(Incoming::Binary(bytes)) => frame::encode(OP_BINARY, &bytes),
            Ok(Incoming::Ping(payload)) => frame::encode(OP_PONG, &payload),
            Ok(Incoming::Pong) => continue,
            Ok(Incoming::Close(code)) => {
                let close = match code {
                    Some(code) => frame::close(code, ""),
                    None => frame::encode(OP_CLOSE, b""),
                };
                let _ = write_half.write_all(&close).await;
                break;
            }
            Err(e) => {
                if let Some((code, why)) = e.close() {
                    let _ = write_half.write_all(&frame::close(code, why)).await;
                }
                break;
            }
        };
        if write_half.write_all(&out).await.is_err() {
            return;
        }
    }
    let _ = write_half.shutdown().await;
}
