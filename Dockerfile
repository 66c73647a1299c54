# syntax=docker/dockerfile:1
# Roomcast's image: one static-enough binary on a distroless base, as a
# non-root user, no shell. Build from the repository root:
#   docker build -t roomcast:0.1.0 .
# The same image runs every role: `roomcast gateway|control|moderator|standalone`.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
# Dependencies first, so source edits reuse the cached layer.
COPY Cargo.toml Cargo.lock rustfmt.toml ./
COPY proto ./proto
COPY crates ./crates
COPY loadtest ./loadtest
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p roomcast-server \
    && install -D -m 0755 target/release/roomcast /out/roomcast

# glibc, CA certificates, /etc/passwd with `nonroot` (65532); no shell.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/roomcast /usr/local/bin/roomcast
COPY deploy/wordlists /usr/share/roomcast/wordlists
USER 65532:65532
EXPOSE 8080 50051
ENTRYPOINT ["/usr/local/bin/roomcast"]
CMD ["standalone", "--config", "/etc/roomcast/config/roomcast.toml"]
