/** Types the bad protocol files import. */

export interface Shared {
  value: string;
}

interface Hidden {
  secret: string;
}

export type Pair = [Shared, Hidden];

export interface HasAction {
  action: string;
  other: number;
}
