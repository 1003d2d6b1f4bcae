import { fileURLToPath } from 'node:url';
import { processIo } from './lib/io';
import { run } from './program';

// Both this file and the bundle (dist/airlock.js) sit two levels below apps/, so the same
// relative URL finds the server bundle from source and from the build.
const serverEntry = fileURLToPath(new URL('../../server/dist/main.js', import.meta.url));

const code = await run(process.argv.slice(2), processIo(serverEntry));
process.exitCode = code;
// Let output flush and exit naturally; if something still holds the event loop (a paused stdin,
// a socket kept alive), do not hang the user's shell or script.
setTimeout(() => process.exit(code), 500).unref();
