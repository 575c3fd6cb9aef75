// The TypeScript consumer program of `npm run test:consumer` (scripts/test-consumer.mjs copies it into a fresh
// project outside the repository, where the @xenmem packages come from their tarballs). It must type-check
// against the published .d.ts files (every @ts-expect-error below must be a real error) and run.
import assert from 'node:assert/strict';
import { IFACE_4_6, IFACE_4_7, hvmmemType, hvmmemTypesAt, type HvmmemNameAt } from '@xenmem/abi-types';
import { FrameDecoder, FrameKind, decodeHello, encodeFrame, encodeHello, type SimulatorBackend } from '@xenmem/sim-protocol';
import { Hypervisor, hypervisorForScenario, parseScenarioText, prepareScenario, runScenario, type ScenarioResult } from '@xenmem/hypervisor-sim';
import { DeviceModel, IoreqServer, type IoreqRequest, type MemTypeAt } from '@xenmem/ioreq-client';
import { checkAbi, loadSchemaFile, SCHEMA_FILE } from '@xenmem/schema';
import { captureIo, runCli } from '@xenmem/cli';

// Per-interface-version literal types.
type Names46 = HvmmemNameAt<typeof IFACE_4_6>;
type Names47 = HvmmemNameAt<typeof IFACE_4_7>;
const old: Names46 = 'mmio_write_dm';
// @ts-expect-error mmio_write_dm is hidden from 0x00040700 (Xen 4.7 headers)
const hidden: Names47 = 'mmio_write_dm';
const renamed: Names47 = 'unused';
assert.equal(hvmmemType('mmio_write_dm', IFACE_4_6), 3);
assert.equal(hvmmemType('unused', IFACE_4_7), 3);
// @ts-expect-error unused does not exist before 0x00040700
assert.throws(() => hvmmemType('unused', IFACE_4_6));
void [old, hidden, renamed];
assert.deepEqual(hvmmemTypesAt(0x00040600).map((t) => t.name).slice(0, 4), ['ram_rw', 'ram_ro', 'mmio_dm', 'mmio_write_dm']);

// 1. A scenario through the SDK.
const scenarioText = JSON.stringify({
  xen: '4.22',
  iface: '0x00040600',
  domains: [{ domid: 1, maxGpfn: '0xfffff' }],
  steps: [
    { op: 'set_mem_type', domid: 1, first_pfn: '0x100', nr: 16, type: 'mmio_write_dm', expect: { error: 'EINVAL', changed: 0 } },
    { op: 'get_mem_type', domid: 1, pfn: '0x100', expect: { type: 'ram_rw' } },
  ],
});
const parsed = parseScenarioText(scenarioText, 'json');
assert.ok(parsed.ok, 'the scenario parses');
const prepared = prepareScenario(parsed.doc as Parameters<typeof prepareScenario>[0]);
assert.ok(prepared.ok, prepared.ok ? '' : JSON.stringify(prepared.problems));
const scenarioHv = hypervisorForScenario(prepared.scenario);
const result: ScenarioResult = await runScenario(prepared.scenario, scenarioHv);
assert.equal(result.passed, true, JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
console.log(`scenario: ${result.steps.length} steps passed on Xen ${result.xen} (p2m core: ${scenarioHv.p2mCore.kind})`);

// 2. The device-model client, typed by its interface version.
const hv = new Hypervisor({ release: '4.22' });
await hv.createDomain({ domid: 1, maxGpfn: 0xdffff, vcpus: 2 });
const dm = new DeviceModel({ backend: hv, iface: '4.22' });
const at46 = new DeviceModel({ backend: hv, iface: IFACE_4_6 });
const at47 = new DeviceModel({ backend: hv, iface: '4.7' });
async function neverCalled(): Promise<void> {
  // @ts-expect-error mmio_write_dm is hidden from a 4.7 client
  await at47.setMemType(1, 'mmio_write_dm', 0, 1);
  // @ts-expect-error and from a 4.22 one
  await dm.setMemType(1, 'mmio_write_dm', 0, 1);
}
void neverCalled;
const seen: MemTypeAt<typeof IFACE_4_6> = await at46.getMemType(1, 0x100);
assert.equal(seen.type, 'ram_rw');
await assert.rejects(at46.setMemType(1, 'mmio_write_dm', 0x100, 16), { code: 'EINVAL' });

// 3. An IoreqServer against the in-process simulator, disposed by `await using`.
let serverId: number;
{
  await using server = await IoreqServer.create(dm, 1, { bufioreq: 'atomic' });
  serverId = server.id;
  await server.mapMmio(0xfe000000n, 0xfe000fffn);
  await server.enable();
  const stream: AsyncIterator<IoreqRequest> = server.requests()[Symbol.asyncIterator]();
  const read = hv.guestAccess({ domid: 1, vcpu: 1, kind: 'read', addr: 0xfe000010n, size: 4 });
  const next = await stream.next();
  assert.ok(!next.done);
  const req = next.value;
  assert.ok(!req.buffered);
  assert.equal(req.addr, 0xfe000010n);
  await req.respond(0xcafef00dn);
  const answered = await read;
  assert.equal(answered.value, 0xcafef00dn);
  console.log(`ioreq server ${server.id}: ${req.type} ${req.dir} at 0x${req.addr.toString(16)} answered 0x${(answered.value ?? 0n).toString(16)}`);
}
assert.equal((await hv.inspect(1)).ioreqClaim.owner, null);
await assert.rejects(dm.destroyIoreqServer(1, serverId), { code: 'ENOENT' }); // `await using` closed it

// 4. The schema package finds its own data, and the CLI runs in-process.
const loaded = loadSchemaFile(SCHEMA_FILE);
assert.ok(loaded.ok, 'the shipped schema validates against the shipped JSON Schema');
const check = checkAbi({ git: false });
assert.equal(check.ok, true, JSON.stringify(check));
const io = captureIo();
assert.equal(await runCli(['abi', 'types', '--iface', '0x00040600', '--json'], io), 0);
assert.equal((JSON.parse(io.stdout) as { iface: string }).iface, '0x00040600');

// 5. The daemon protocol: a hello frame through the decoder; the in-process simulator is a SimulatorBackend.
const [hello] = new FrameDecoder().push(encodeFrame(FrameKind.hello, 7, encodeHello({ protocol: 1, caller: 0 })));
assert.deepEqual([hello?.kind, hello?.id, hello && decodeHello(hello.payload)], [0x01, 7, { protocol: 1, caller: 0 }]);
const simulator: SimulatorBackend = hv;
assert.equal(simulator.release, '4.22');

console.log('typescript consumer: ok');
