/**
 * The test load balancer: round-robin over the backends that accept, bytes
 * both ways untouched (WebSocket included), ends and breaks carried across.
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { freePort } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/wait.ts";
import { type Backend, type LoadBalancer, startLoadBalancer } from "./load-balancer.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A TCP server that greets each connection with its name and echoes what it gets, upper-cased. */
async function namedServer(name: string): Promise<{ backend: Backend; sockets: net.Socket[]; close(): Promise<void> }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
    socket.write(`${name}\n`);
    socket.on("data", (chunk) => socket.write(chunk.toString("latin1").toUpperCase(), "latin1"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  cleanup.push(close);
  return { backend: { host: "127.0.0.1", port: (server.address() as net.AddressInfo).port }, sockets, close };
}

async function balancer(backends: () => readonly Backend[]): Promise<LoadBalancer> {
  const lb = await startLoadBalancer({ backends });
  cleanup.push(() => lb.close());
  return lb;
}

/** A client socket through the balancer that collects what it receives and how it ended. */
function dial(port: number): { socket: net.Socket; text: () => string; ended: () => "open" | "end" | "error" } {
  const socket = net.connect({ host: "127.0.0.1", port });
  let received = "";
  let state: "open" | "end" | "error" = "open";
  socket.on("data", (chunk) => (received += chunk.toString("latin1")));
  socket.on("end", () => (state = state === "open" ? "end" : state));
  socket.on("error", () => (state = "error"));
  cleanup.push(() => void socket.destroy());
  return { socket, text: () => received, ended: () => state };
}

describe("load balancer for tests", () => {
  it("hands connections to the backends in round-robin order", async () => {
    const servers = await Promise.all(["a", "b", "c"].map(namedServer));
    const lb = await balancer(() => servers.map((s) => s.backend));
    const names: string[] = [];
    for (let i = 0; i < 6; i++) {
      const client = dial(lb.port);
      await waitFor(() => client.text().includes("\n"), "a greeting");
      names.push(client.text().trim());
    }
    expect(names).toEqual(["a", "b", "c", "a", "b", "c"]);
    expect(lb.connections()).toBe(6);
    expect(lb.connectionsByBackend()).toEqual(Object.fromEntries(servers.map((s) => [`127.0.0.1:${s.backend.port}`, 2])));
  });

  it("skips a backend that refuses, so its clients land on the next; closes a client no backend takes", async () => {
    const [a, b] = await Promise.all(["a", "b"].map(namedServer));
    const dead: Backend = { host: "127.0.0.1", port: await freePort() };
    let backends: Backend[] = [a!.backend, dead, b!.backend];
    const lb = await balancer(() => backends);
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      const client = dial(lb.port);
      await waitFor(() => client.text().includes("\n"), "a greeting");
      names.push(client.text().trim());
    }
    // a, (dead → b), b, a: the refused turn went to the next backend.
    expect(names).toEqual(["a", "b", "b", "a"]);
    expect(lb.refused()).toBe(0);

    await a!.close();
    await b!.close();
    backends = [dead, a!.backend, b!.backend];
    const client = dial(lb.port);
    await waitFor(() => client.ended() !== "open", "the client to be closed");
    expect(client.text()).toBe("");
    expect(lb.refused()).toBe(1);
  });

  it("carries bytes both ways, in order, a quarter megabyte included", async () => {
    const server = await namedServer("s");
    const lb = await balancer(() => [server.backend]);
    const client = dial(lb.port);
    const payload = Array.from({ length: 1 << 18 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
    client.socket.write(payload);
    await waitFor(() => client.text().length === 2 + payload.length, "the echo");
    expect(client.text()).toBe(`s\n${payload.toUpperCase()}`);
  });

  it("ends the client's connection when its backend closes, and the backend's when the client leaves", async () => {
    const server = await namedServer("s");
    const lb = await balancer(() => [server.backend]);
    const first = dial(lb.port);
    await waitFor(() => server.sockets.length === 1, "the backend connection");
    server.sockets[0]!.end("bye\n");
    await waitFor(() => first.ended() === "end", "the client to see the end");
    expect(first.text()).toBe("s\nbye\n");

    const second = dial(lb.port);
    await waitFor(() => server.sockets.length === 2, "the second backend connection");
    const backendSide = server.sockets[1]!;
    let backendEnded = false;
    backendSide.on("close", () => (backendEnded = true));
    second.socket.end();
    await waitFor(() => backendEnded, "the backend to see the client leave");
    await waitFor(() => lb.connections() === 0, "no connection left");
  });

  it("cutAll breaks every connection on both sides at once", async () => {
    const server = await namedServer("s");
    const lb = await balancer(() => [server.backend]);
    const clients = [dial(lb.port), dial(lb.port)];
    await waitFor(() => server.sockets.length === 2 && clients.every((c) => c.text() === "s\n"), "both connected");
    const backendClosed = server.sockets.map(() => false);
    server.sockets.forEach((socket, i) => socket.on("close", () => (backendClosed[i] = true)));
    lb.cutAll();
    await waitFor(() => clients.every((c) => c.socket.destroyed) && backendClosed.every(Boolean), "both sides closed");
    expect(clients.map((c) => c.ended())).toEqual(["error", "error"]);
    expect(lb.connections()).toBe(0);
  });

  it("carries WebSocket (it is only TCP to the balancer)", async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => wss.once("listening", resolve));
    cleanup.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    wss.on("connection", (ws) => ws.on("message", (data, binary) => ws.send(binary ? data : `echo ${data}`)));
    const lb = await balancer(() => [{ host: "127.0.0.1", port: (wss.address() as net.AddressInfo).port }]);
    const ws = new WebSocket(`ws://127.0.0.1:${lb.port}/`);
    cleanup.push(() => ws.terminate());
    const got: string[] = [];
    ws.on("message", (data) => got.push(String(data)));
    await new Promise<void>((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    ws.send("hello");
    ws.send("world");
    await waitFor(() => got.length === 2, "two echoes");
    expect(got).toEqual(["echo hello", "echo world"]);
  });
});
