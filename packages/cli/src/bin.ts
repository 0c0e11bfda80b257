#!/usr/bin/env node
import { processContext } from "./cli-context.js";
import { main } from "./main.js";

process.exitCode = await main(process.argv.slice(2), processContext());
