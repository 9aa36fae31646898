import type { Missing } from "./nowhere.protocol.ts";
import type { Hidden, Nope, Shared } from "./support/shared.protocol.ts";
import type { Channel } from "repod";
import type { Thing } from "./support/shared";
import Default from "./support/shared.protocol.ts";
import type { Other } from "some-package";

export interface ClientMessages {
  a: { missing: Missing; hidden: Hidden; nope: Nope; shared: Shared };
  b: { channel: Channel; thing: Thing; other: Other };
  c: { unknownName: Unknown; count: Int };
}
