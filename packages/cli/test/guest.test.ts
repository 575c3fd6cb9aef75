/** `xenmem guest …` against a daemon started in the test: outcomes, --json, pending with a short --timeout, rep from a buffer, guest RAM. */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeDmOp, encodeDmOp } from '@xenmem/abi-types';
import { Hypervisor, startDaemon } from '@xenmem/hypervisor-sim';
import { FrameDecoder, FrameKind, WIRE_PROTOCOL_VERSION, decodeJson, encodeFrame, encodeHello, encodeJson, type Frame } from '@xenmem/sim-protocol';
import { runCli } from '../src/cli.js';
import { captureIo } from '../src/io.js';

let dir: string;
let socket: string;
let hv: Hypervisor;
let stop: (() => Promise<void>) | null = null;
const sockets: Socket[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xenmem-guest-'));
  socket = join(dir, 'sock');
  hv = new Hypervisor({ release: '4.22' });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff });
  const daemon = await startDaemon({ socketPath: socket, hypervisor: hv });
  stop = () => daemon.close();
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await stop?.();
  rmSync(dir, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr, json: () => JSON.parse(io.stdout) as unknown };
}
const guest = (kind: string, ...argv: string[]) => run('guest', kind, '--socket', socket, '--domid', '1', ...argv);

/** An ioreq server of domain 0 for ports 0x3f8–0x3ff, enabled. */
async function serialServer(): Promise<number> {
  const create = encodeDmOp('create_ioreq_server', { handle_bufioreq: 0 });
  await hv.dmOp(0, 1, [create]);
  const id = decodeDmOp(create).payload.id as number;
  await hv.dmOp(0, 1, [encodeDmOp('map_io_range_to_ioreq_server', { id, type: 0, start: 0x3f8n, end: 0x3ffn })]);
  await hv.dmOp(0, 1, [encodeDmOp('set_ioreq_server_state', { id, enabled: 1 })]);
  return id;
}

/** A device model over the bare protocol: takes the requests forwarded to domain 0, answers when told. */
async function deviceModel() {
  const s = connect(socket);
  sockets.push(s);
  await new Promise<void>((resolve) => s.once('connect', resolve));
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  s.on('data', (chunk: Buffer) => frames.push(...decoder.push(new Uint8Array(chunk))));
  s.write(encodeFrame(FrameKind.hello, 1, encodeHello({ protocol: WIRE_PROTOCOL_VERSION, caller: 0 })));
  s.write(encodeFrame(FrameKind.setIoreqHandler, 2, encodeJson({ enabled: true })));
  const next = async () => {
    for (let i = 0; i < 200; i++) {
      const at = frames.findIndex((f) => f.kind === FrameKind.ioreqRequest);
      if (at >= 0) return decodeJson(frames.splice(at, 1)[0]!.payload, 'ioreq_request')!;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('no ioreq_request');
  };
  const answer = (id: unknown) => s.write(encodeFrame(FrameKind.ioreqAnswer, 3, encodeJson({ id })));
  // The set_ioreq_handler status has come back once the handler is in place.
  for (let i = 0; i < 200 && !frames.some((f) => f.kind === FrameKind.status); i++) await new Promise((r) => setTimeout(r, 10));
  return { next, answer };
}

describe('xenmem guest', () => {
  it('out/in with no device model: the null handler (writes dropped, reads all ones), exit 0; --json shape', async () => {
    expect(await guest('out', '--port', '0x3f8', '--size', '1', '--value', '0x41')).toMatchObject({ code: 0, stdout: 'null\n', stderr: '' });
    const r = await guest('in', '--port', '0x60', '--size', '2', '--json');
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ outcome: 'null', value: '0xffff', ioreqs: [] });
  });

  it('write-ram / read-ram, and a memory read of RAM sees the bytes', async () => {
    expect(await guest('write-ram', '--gpa', '0x1ffe', '--hex', '48692121')).toMatchObject({ code: 0, stdout: 'wrote 4 bytes at 0x1ffe of domain 1\n' });
    expect((await guest('read-ram', '--gpa', '0x1ffe', '--length', '4', '--json')).json()).toEqual({ domid: 1, gpa: '0x1ffe', hex: '48692121' });
    expect((await guest('read-ram', '--gpa', '0x1fff', '--length', '2')).stdout).toBe('6921\n');
    expect((await guest('read', '--gpa', '0x1ffe', '--size', '4', '--json')).json()).toEqual({ outcome: 'ram', value: '0x21216948', ioreqs: [] });
    expect((await guest('write', '--gpa', '0x2000', '--size', '2', '--value', '0xbeef')).code).toBe(0);
    expect((await guest('read-ram', '--gpa', '0x2000', '--length', '2')).stdout).toBe('efbe\n');
  });

  it('a device model that does not answer within --timeout: pending, exit 1, listed by sim inspect; a second access on the vCPU is refused; a late answer frees it', async () => {
    const id = await serialServer();
    const dm = await deviceModel();
    const r = await guest('out', '--port', '0x3f8', '--size', '1', '--value', '0x41', '--timeout', '0.3', '--json');
    expect(r.code).toBe(1);
    expect(r.json()).toEqual({ outcome: 'pending', value: null, ioreqs: [{ server: id, type: 'pio', dir: 'write', addr: '0x3f8', size: 1, count: 1, data: '0x41', df: false, buffered: false }] });
    expect((await hv.inspect(1)).pending).toEqual([{ vcpu: 0, server: id, request: { server: id, type: 'pio', dir: 'write', addr: 0x3f8n, size: 1, count: 1, data: 0x41n, df: false, buffered: false } }]);
    const again = await guest('in', '--port', '0x3f8', '--size', '1');
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `xenmem guest in: vCPU 0 of domain 1 is blocked on an ioreq to server ${id} (pio write 0x3f8 size 1) that no device model has answered: on Xen it executes nothing until one does\n` +
        `  answer it with a device model, or see it with xenmem sim inspect --socket ${socket} --domid 1\n`,
    );
    // Another vCPU is not blocked (the domain has one: --vcpu 1 is the simulator's refusal, exit 2).
    expect((await guest('in', '--port', '0x60', '--size', '1', '--vcpu', '1')).code).toBe(2);
    dm.answer((await dm.next()).id);
    for (let i = 0; i < 100 && (await hv.inspect(1)).pending?.length; i++) await new Promise((res) => setTimeout(res, 10));
    expect((await hv.inspect(1)).pending).toEqual([]);
    expect((await guest('in', '--port', '0x60', '--size', '1')).stdout).toBe('null 0xff\n');
  });

  it('--count and --buffer-gpa: rep outsb from guest RAM, data_is_ptr requests cut at the buffer page, answered by a device model', async () => {
    const id = await serialServer();
    const dm = await deviceModel();
    await guest('write-ram', '--gpa', '0x1ffe', '--hex', '48692121');
    const pending = guest('out', '--port', '0x3f8', '--size', '1', '--count', '4', '--buffer-gpa', '0x1ffe', '--json');
    const seen = [];
    for (let i = 0; i < 2; i++) {
      const req = await dm.next();
      seen.push(req.request);
      dm.answer(req.id);
    }
    const r = await pending;
    expect(r.code).toBe(0);
    const ioreqs = [
      { server: id, type: 'pio', dir: 'write', addr: '0x3f8', size: 1, count: 2, data: '0x1ffe', df: false, buffered: false, dataIsPtr: true },
      { server: id, type: 'pio', dir: 'write', addr: '0x3f8', size: 1, count: 2, data: '0x2000', df: false, buffered: false, dataIsPtr: true },
    ];
    expect(r.json()).toEqual({ outcome: 'ioreq', value: null, ioreqs });
    expect(seen).toEqual(ioreqs);
  });

  it('XENMEM_SOCKET stands for --socket', async () => {
    vi.stubEnv('XENMEM_SOCKET', socket);
    try {
      expect((await run('guest', 'read-ram', '--domid', '1', '--gpa', '0', '--length', '1')).stdout).toBe('00\n');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it.each([
    [['out', '--port', '0x3f8', '--size', '3', '--value', '1'], "error: option '--size <bytes>' argument '3' is invalid. Allowed choices are 1, 2, 4, 8."],
    [['out', '--port', '0x10000', '--size', '1', '--value', '1'], 'error: option \'--port <port>\' argument \'0x10000\' is invalid. --port: 0x10000 does not fit uint16_t (at most 0xffff)'],
    [['out', '--port', '0x3f8', '--size', '1'], "error: required option '--value <value>' not specified (or give --count and --buffer-gpa)"],
    [['in', '--port', '0x3f8', '--size', '1', '--count', '2'], 'error: --count needs --buffer-gpa (a rep string access takes its data from guest RAM)'],
    [['out', '--port', '0x3f8', '--size', '1', '--buffer-gpa', '0x1000'], 'error: --buffer-gpa needs --count (the number of items)'],
    [['out', '--port', '0x3f8', '--size', '1', '--value', '1', '--count', '2', '--buffer-gpa', '0x1000'], 'error: --value cannot be given with --buffer-gpa (the data comes from guest RAM)'],
    [['in', '--port', '0x3f8', '--size', '1', '--timeout', '0'], 'error: option \'--timeout <seconds>\' argument \'0\' is invalid. --timeout: "0" is not a number of seconds above 0 and at most 3600'],
    [['write-ram', '--gpa', '0', '--hex', 'abc'], 'error: option \'--hex <bytes>\' argument \'abc\' is invalid. --hex: "abc" is not hex digits, two a byte'],
  ])('a bad flag is exit 2 naming it: %j', async (argv, message) => {
    const r = await guest(argv[0]!, ...argv.slice(1));
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(message);
  });

  it('values and ranges the command or the daemon refuse are exit 2 naming the flag or argument', async () => {
    const big = await guest('out', '--port', '0x3f8', '--size', '1', '--value', '0x100');
    expect([big.code, big.stderr]).toEqual([2, 'xenmem guest out: --value "0x100" does not fit --size 1\n']);
    const past = await guest('read-ram', '--gpa', '0xfffff000', '--length', '8193');
    expect(past.code).toBe(2);
    expect(past.stderr).toBe('xenmem guest read-ram: --gpa "0xfffff000" with 8193 bytes runs past the guest\'s RAM (frames 0 … 0xfffff, end 0x100000000)\n');
  });
});
