#!/usr/bin/env node
/**
 * The far end of `xenmem bench`'s socket-pingpong floor (src/ioreq-workloads.ts): connects to the Unix
 * socket the benchmark listens on and writes back every byte it reads, until the benchmark closes the
 * connection (then it exits 0). The floor for anything built on Node sockets between two processes.
 *
 *   node bench-pingpong.mjs --socket PATH
 */
import { connect } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { socket: { type: 'string' } } });
const socket = connect(values.socket);
socket.setNoDelay?.(true);
socket.on('data', (chunk) => socket.write(chunk));
socket.on('end', () => socket.end());
socket.on('error', (error) => {
  process.stderr.write(`bench-pingpong: ${error.message}\n`);
  process.exit(1);
});
