#!/usr/bin/env node
import { runCli } from './index';
import { endQuietlyOnClosedPipe } from './util/closed-pipe';

endQuietlyOnClosedPipe([process.stdout, process.stderr], (code) => process.exit(code));
process.exitCode = await runCli(process.argv.slice(2));
