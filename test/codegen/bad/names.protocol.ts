export interface ClientMessages {
  "my-action": {};
  "2fast": {};
  ok: { "my-field": string; action: string; __proto__: number };
  "fine_name": { "also_fine": string };
}
