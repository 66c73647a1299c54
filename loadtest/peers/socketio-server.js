// Minimal socket.io v4 room broadcaster: the socket.io peer for
// roomcast-loadtest (--target socketio). Listens on 127.0.0.1 only.
//
//   PORT=3000 node socketio-server.js
//
// Events: "join" (room name, optional ack) joins the room and acks "ok";
// "msg" ({room, payload}) is emitted as "msg" to every socket in the room,
// the sender included.
"use strict";

const http = require("http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || "127.0.0.1";

const httpServer = http.createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok\n");
    return;
  }
  res.writeHead(404);
  res.end();
});

const io = new Server(httpServer, {
  transports: ["websocket"],
  perMessageDeflate: false,
  serveClient: false,
  maxHttpBufferSize: 1e6,
});

io.on("connection", (socket) => {
  socket.on("join", (room, ack) => {
    if (typeof room === "string") socket.join(room);
    if (typeof ack === "function") ack("ok");
  });
  socket.on("msg", (data) => {
    if (data && typeof data.room === "string") io.to(data.room).emit("msg", data);
  });
});

httpServer.listen(port, host, () => {
  console.log(`socket.io peer listening on ${host}:${port} (pid ${process.pid})`);
});

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    io.close();
    httpServer.close();
    process.exit(0);
  });
}
