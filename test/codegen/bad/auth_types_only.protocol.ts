export interface Auth {
  token: string;
}
