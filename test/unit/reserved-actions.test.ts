import { expect, it } from "vitest";
import { RESERVED_ACTIONS as generatorReserved } from "../../codegen/naming.ts";
import { CONTROL_PREFIX, RESERVED_ACTIONS as runtimeReserved } from "../../runtime/constants.ts";

// The generator may not import the runtime (README, Layout), so each keeps its own
// list; a protocol must never be able to declare an action the runtime raises.
it("the generator refuses exactly the actions the runtime reserves", () => {
  expect([...generatorReserved].sort()).toEqual([...runtimeReserved].sort());
  expect(CONTROL_PREFIX).toBe("_");
});
