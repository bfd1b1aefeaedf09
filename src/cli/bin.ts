#!/usr/bin/env node
import { main } from "./main.js";
import { installSignalHandlers } from "./shutdown.js";

installSignalHandlers();
// A reader that goes away (`mailwarden … | head`) is not a failure: the rest of the output is dropped and the command
// finishes what it was doing (a containment is never cut short by a closed pipe). Other stdout errors still throw.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE" && e.code !== "ERR_STREAM_DESTROYED") throw e;
});

process.exitCode = await main(process.argv);
