#!/usr/bin/env node
import { main } from "./main.js";
import { installSignalHandlers } from "./shutdown.js";

installSignalHandlers();

process.exitCode = await main(process.argv);
