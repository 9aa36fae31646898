/**
 * `Server` in the browser build: a placeholder. A game server runs on
 * Node.js; generated protocol files still declare `class <Name>Server extends
 * Server`, and this lets them load in a page. Making one says where to go.
 */
export class Server {
  constructor(..._args: unknown[]) {
    throw new Error("repod: a Server runs on Node.js; in the browser, connect a ConnectionListener to it with a ws:// URL");
  }
}
