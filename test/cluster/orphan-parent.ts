/**
 * For processes.test.ts: a parent that starts a chat server through
 * `startServer`, prints `{"child":pid}` and waits to be killed, so the test
 * can SIGKILL it and see its child go too.
 */
import { startServer } from "./processes.ts";

const server = await startServer("test/cluster/chat-server.ts", ["--port", "0"]);
process.stdout.write(`${JSON.stringify({ child: server.pid })}\n`);
// Stays alive (the child keeps the event loop busy) until killed.
