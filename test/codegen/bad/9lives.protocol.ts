export interface ClientMessages {
  meow: {};
}
