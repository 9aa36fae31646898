export interface ClientMessages {
  connected: {};
  disconnected: {};
  error: { text: string };
  socketConnect: {};
  reconnecting: {};
  reconnected: {};
  _ping: {};
  __resume: { token: string };
}
