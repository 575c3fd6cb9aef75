// The plain ESM JavaScript consumer program of `npm run test:consumer` (see consumer.ts): no types, no build.
import assert from 'node:assert/strict';
import { IFACE_4_6, hvmmemType, hvmmemTypesAt } from '@xenmem/abi-types';
import { FrameKind, encodeFrame } from '@xenmem/sim-protocol';
import { Hypervisor, hypervisorForScenario, parseScenarioText, prepareScenario, runScenario } from '@xenmem/hypervisor-sim';
import { DeviceModel, IoreqServer } from '@xenmem/ioreq-client';
import { checkAbi, loadSchemaFile, SCHEMA_FILE } from '@xenmem/schema';
import { captureIo, runCli } from '@xenmem/cli';

assert.equal(hvmmemType('mmio_write_dm', IFACE_4_6), 3);
assert.equal(hvmmemTypesAt('4.7')[3].name, 'unused');

// A scenario through the SDK (YAML this time).
const parsed = parseScenarioText(
  ['xen: "4.22"', 'iface: "0x00040600"', 'domains: [{ domid: 1, maxGpfn: 0xfffff }]', 'steps:',
    '  - { op: set_mem_type, domid: 1, first_pfn: 0x100, nr: 16, type: mmio_write_dm, expect: { error: EINVAL, changed: 0 } }',
    '  - { op: get_mem_type, domid: 1, pfn: 0x100, expect: { type: ram_rw } }'].join('\n'),
  'yaml',
);
assert.ok(parsed.ok, JSON.stringify(parsed.problems));
const prepared = prepareScenario(parsed.doc);
assert.ok(prepared.ok, JSON.stringify(prepared.problems));
const scenarioHv = hypervisorForScenario(prepared.scenario);
const result = await runScenario(prepared.scenario, scenarioHv);
assert.equal(result.passed, true);
console.log(`scenario: ${result.steps.length} steps passed on Xen ${result.xen} (p2m core: ${scenarioHv.p2mCore.kind})`);

// An IoreqServer against the in-process simulator.
const hv = new Hypervisor({ release: '4.22' });
await hv.createDomain({ domid: 1, maxGpfn: 0xdffff, vcpus: 2 });
const dm = new DeviceModel({ backend: hv, iface: '4.22' });
const server = await IoreqServer.create(dm, 1);
try {
  await server.mapPort(0x3f8, 0x3ff);
  await server.enable();
  const stream = server.requests()[Symbol.asyncIterator]();
  const out = hv.guestAccess({ domid: 1, vcpu: 0, kind: 'out', addr: 0x3f8n, size: 1, value: 0x41n });
  const { value: req } = await stream.next();
  assert.equal(req.type, 'pio');
  assert.equal(req.data, 0x41n);
  await req.respond();
  assert.equal((await out).outcome, 'ioreq');
  console.log(`ioreq server ${server.id}: ${req.type} ${req.dir} at 0x${req.addr.toString(16)} data 0x${req.data.toString(16)}`);
} finally {
  await server.close();
}

assert.ok(loadSchemaFile(SCHEMA_FILE).ok);
assert.equal(checkAbi({ git: false }).ok, true);
const io = captureIo();
assert.equal(await runCli(['demo', '--json'], io), 0);
assert.ok(io.stdout.length > 0);

assert.deepEqual([...encodeFrame(FrameKind.notify, 1)], [5, 0, 0, 0, 0x16, 1, 0, 0, 0]);

console.log('javascript consumer: ok');
