#!/usr/bin/env node
// The `repod` command inside this repository (`npm run generate`): the
// generator's own launcher, codegen/bin.js, which runs the TypeScript sources.
// Projects get the command from the @repod/codegen package (codegen/).
import "../codegen/bin.js";
