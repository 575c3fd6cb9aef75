import { describe, expect, it, vi } from 'vitest';
import { parseArgv } from '../src/argv.js';

describe('argv → command and options', () => {
  it.each([
    [['abi', 'types'], { command: 'abi types', options: { json: false } }],
    [['abi', 'types', '--iface', '0x00040600', '--json'], { command: 'abi types', options: { iface: '0x00040600', json: true } }],
    [['abi', 'types', '--json', '--iface=4.7'], { command: 'abi types', options: { iface: '4.7', json: true } }],
    [['abi', 'diff', '4.6', '4.7'], { command: 'abi diff', options: { from: '4.6', to: '4.7', json: false } }],
    [['abi', 'diff', '0x00040600', '0x00040700', '--json'], { command: 'abi diff', options: { from: '0x00040600', to: '0x00040700', json: true } }],
    [['abi', 'layout', 'set_mem_type'], { command: 'abi layout', options: { struct: 'set_mem_type', json: false } }],
    [['abi', 'layout', 'ioreq', '--xen', '4.9', '--json'], { command: 'abi layout', options: { struct: 'ioreq', xen: '4.9', json: true } }],
    [['abi', 'check'], { command: 'abi check', options: { json: false } }],
    [['abi', 'check', 'new.json', '--base', 'old.json', '--json'], { command: 'abi check', options: { base: 'old.json', next: 'new.json', json: true } }],
    [['compat', '--iface', '4.6'], { command: 'compat', options: { iface: '4.6', json: false } }],
    [['compat', '--iface', '4.6', '--xen', '4.22', '--json'], { command: 'compat', options: { iface: '4.6', xen: '4.22', json: true } }],
    [['demo'], { command: 'demo', options: { json: false } }],
    [['demo', '--json'], { command: 'demo', options: { json: true } }],
    [['run', 'examples/a.json'], { command: 'run', options: { scenario: 'examples/a.json', json: false } }],
    [['run', 'a.yaml', '--xen', '4.8', '--iface', '0x00040600', '--json'], { command: 'run', options: { scenario: 'a.yaml', xen: '4.8', iface: '0x00040600', json: true } }],
    [['run', '--socket', '/tmp/x.sock', 'a.json'], { command: 'run', options: { scenario: 'a.json', socket: '/tmp/x.sock', json: false } }],
    // gen
    [['gen', '--target', 'go', '--out', 'gen/go'], { command: 'gen', options: { generator: { target: 'go' }, out: 'gen/go', check: false, pluginTimeoutMs: 30_000 } }],
    [
      ['gen', '--out', 'd', '--target', 'c', '--schema', 'my.json', '--check'],
      { command: 'gen', options: { generator: { target: 'c' }, out: 'd', schema: 'my.json', check: true, pluginTimeoutMs: 30_000 } },
    ],
    [
      ['gen', '--target', 'go', '--out', 'd', '--iface', '263680', '--check'],
      { command: 'gen', options: { generator: { target: 'go' }, out: 'd', iface: '263680', check: true, pluginTimeoutMs: 30_000 } },
    ],
    [
      ['gen', '--plugin', 'python3 plug.py', '--out', 'd', '--iface', '4.6', '--plugin-timeout', '2.5'],
      { command: 'gen', options: { generator: { plugin: 'python3 plug.py' }, out: 'd', iface: '4.6', check: false, pluginTimeoutMs: 2500 } },
    ],
    // guest
    [['guest', 'out', '--socket', 's', '--domid', '1', '--port', '0x3f8', '--size', '1', '--value', '0x41'], { command: 'guest', options: { kind: 'out', socket: 's', domid: 1, addr: 0x3f8n, size: 1, vcpu: 0, value: 0x41n, timeoutMs: 10_000, json: false } }],
    [
      ['guest', 'in', '--socket', 's', '--domid', '2', '--port', '0xcfc', '--size', '4', '--vcpu', '1', '--timeout', '0.5', '--json'],
      { command: 'guest', options: { kind: 'in', socket: 's', domid: 2, addr: 0xcfcn, size: 4, vcpu: 1, timeoutMs: 500, json: true } },
    ],
    [
      ['guest', 'out', '--socket', 's', '--domid', '1', '--port', '0x3f8', '--size', '1', '--count', '16', '--buffer-gpa', '0x1000'],
      { command: 'guest', options: { kind: 'out', socket: 's', domid: 1, addr: 0x3f8n, size: 1, vcpu: 0, count: 16, buffer: 0x1000n, timeoutMs: 10_000, json: false } },
    ],
    [['guest', 'write', '--socket', 's', '--domid', '1', '--gpa', '0xfed00000', '--size', '8', '--value', '0xffffffffffffffff'], { command: 'guest', options: { kind: 'write', socket: 's', domid: 1, addr: 0xfed00000n, size: 8, vcpu: 0, value: 0xffffffffffffffffn, timeoutMs: 10_000, json: false } }],
    [['guest', 'read', '--socket', 's', '--domid', '1', '--gpa', '4096', '--size', '2'], { command: 'guest', options: { kind: 'read', socket: 's', domid: 1, addr: 0x1000n, size: 2, vcpu: 0, timeoutMs: 10_000, json: false } }],
    [['guest', 'write-ram', '--socket', 's', '--domid', '1', '--gpa', '0x10', '--hex', 'ABcd'], { command: 'guest write-ram', options: { socket: 's', domid: 1, gpa: 0x10n, hex: 'abcd', json: false } }],
    [['guest', 'read-ram', '--socket', 's', '--domid', '1', '--gpa', '0x10', '--length', '4', '--json'], { command: 'guest read-ram', options: { socket: 's', domid: 1, gpa: 0x10n, length: 4, json: true } }],
    // sim
    [['sim', 'serve', '--socket', '/tmp/x.sock'], { command: 'sim serve', options: { socket: '/tmp/x.sock', domains: [] } }],
    [['sim', 'serve', '--socket', 's', '--state', 'st.json'], { command: 'sim serve', options: { socket: 's', domains: [], state: 'st.json' } }],
    [['sim', 'serve', '--socket', 's', '--no-shm'], { command: 'sim serve', options: { socket: 's', domains: [], shm: false } }],
    [['sim', 'serve', '--socket', 's', '--shm-poll-us', '200'], { command: 'sim serve', options: { socket: 's', domains: [], shmPollUs: 200 } }],
    [['sim', 'serve', '--socket', 's', '--xenstore', '/tmp/xs'], { command: 'sim serve', options: { socket: 's', domains: [], xenstore: '/tmp/xs' } }],
    // xs
    [['xs', 'read', '--socket', 's', '/local/domain/0/domid'], { command: 'xs read', options: { socket: 's', path: '/local/domain/0/domid', json: false } }],
    [['xs', 'read', 'domid', '--socket', 's', '--json'], { command: 'xs read', options: { socket: 's', path: 'domid', json: true } }],
    [['xs', 'write', '--socket', 's', '/a', ''], { command: 'xs write', options: { socket: 's', path: '/a', value: '', json: false } }],
    [['xs', 'write', '--socket', 's', 'device-model/1/state', 'running', '--json'], { command: 'xs write', options: { socket: 's', path: 'device-model/1/state', value: 'running', json: true } }],
    [['xs', 'ls', '--socket', 's', '/'], { command: 'xs ls', options: { socket: 's', path: '/', json: false } }],
    [['xs', 'rm', '--socket', 's', '/a', '--json'], { command: 'xs rm', options: { socket: 's', path: '/a', json: true } }],
    [['xs', 'watch', '--socket', 's', '@introduceDomain'], { command: 'xs watch', options: { socket: 's', path: '@introduceDomain', json: false } }],
    [['xs', 'watch', '--socket', 's', '/a', '--count', '3', '--json'], { command: 'xs watch', options: { socket: 's', path: '/a', count: 3, json: true } }],
    [
      ['sim', 'serve', '--socket', 's', '--xen', '4.8', '--domain', 'domid=1,max-gpfn=0xfffff', '--domain', 'domid=2,max-gpfn=4095,hap=off,hvm=on,vcpus=4,dm=1', '--trace', 't.jsonl'],
      { command: 'sim serve', options: { socket: 's', xen: '4.8', domains: [{ domid: 1, maxGpfn: 0xfffff }, { domid: 2, maxGpfn: 4095, hap: false, hvm: true, vcpus: 4, dm: 1 }], trace: 't.jsonl' } },
    ],
    [['sim', 'create-domain', '--socket', 's', '--domid', '1', '--max-gpfn', '0xfffff'], { command: 'sim create-domain', options: { socket: 's', domain: { domid: 1, maxGpfn: 0xfffff }, json: false } }],
    [
      ['sim', 'create-domain', '--socket', 's', '--domid', '0x2', '--max-gpfn', '255', '--hap', 'off', '--hvm', 'on', '--vcpus', '2', '--dm', '7', '--json'],
      { command: 'sim create-domain', options: { socket: 's', domain: { domid: 2, maxGpfn: 255, hap: false, hvm: true, vcpus: 2, dm: 7 }, json: true } },
    ],
    [['sim', 'destroy-domain', '--socket', 's', '--domid', '1'], { command: 'sim destroy-domain', options: { socket: 's', domid: 1, json: false } }],
    [['sim', 'inspect', '--domid', '1', '--json', '--socket', 's'], { command: 'sim inspect', options: { socket: 's', domid: 1, json: true } }],
    // dm: global flags before or after the op, Xen's names in kebab-case, aliases
    [
      ['dm', '--socket', 's', 'set-mem-type', '--domid', '1', '--first-pfn', '0x100', '--nr', '16', '--mem-type', 'ram_ro'],
      { command: 'dm', options: { op: 'set-mem-type', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, firstPfn: 0x100n, nr: 16, memType: 'ram_ro' } } },
    ],
    [
      ['dm', 'set-mem-type', '--socket', 's', '--caller', '5', '--iface', '4.6', '--domid', '1', '--first-pfn', '256', '--nr', '0x10', '--type', '3', '--json'],
      { command: 'dm', options: { op: 'set-mem-type', backend: 'socket', socket: 's', caller: 5, iface: '4.6', json: true, args: { domid: 1, firstPfn: 256n, nr: 16, memType: 3 } } },
    ],
    [['dm', '--socket', 's', 'get-mem-type', '--domid', '1', '--pfn', '0xffffffffffffffff', '--json'], { command: 'dm', options: { op: 'get-mem-type', backend: 'socket', socket: 's', caller: 0, json: true, args: { domid: 1, pfn: 0xffffffffffffffffn } } }],
    [['dm', '--socket', 's', 'create-ioreq-server', '--domid', '1', '--handle-bufioreq', 'atomic'], { command: 'dm', options: { op: 'create-ioreq-server', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, handleBufioreq: 'atomic' } } }],
    [['dm', '--socket', 's', 'create', '--domid', '1'], { command: 'dm', options: { op: 'create-ioreq-server', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, handleBufioreq: 'off' } } }],
    [['dm', '--socket', 's', 'get-info', '--domid', '1', '--id', '0', '--gfns', 'off'], { command: 'dm', options: { op: 'get-ioreq-server-info', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, id: 0, gfns: false } } }],
    [
      ['dm', '--socket', 's', 'map-io-range-to-ioreq-server', '--domid', '1', '--id', '0', '--type', 'memory', '--start', '0xf0000000', '--end', '0xf0000fff'],
      { command: 'dm', options: { op: 'map-io-range-to-ioreq-server', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, id: 0, type: 'memory', start: 0xf0000000n, end: 0xf0000fffn } } },
    ],
    [['dm', '--socket', 's', 'unmap-io-range', '--domid', '1', '--id', '0', '--type', 'port', '--start', '0xcf8', '--end', '0xcff'], { command: 'dm', options: { op: 'unmap-io-range-from-ioreq-server', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, id: 0, type: 'port', start: 0xcf8n, end: 0xcffn } } }],
    [['dm', '--socket', 's', 'map-pcidev', '--domid', '1', '--id', '0', '--bus', '0', '--device', '3', '--function', '0'], { command: 'dm', options: { op: 'map-pcidev-to-ioreq-server', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, id: 0, segment: 0, bus: 0, device: 3, function: 0 } } }],
    [['dm', '--socket', 's', 'unmap-pcidev-from-ioreq-server', '--domid', '1', '--id', '0', '--segment', '1', '--bus', '2', '--device', '3', '--function', '4'], { command: 'dm', options: { op: 'unmap-pcidev-from-ioreq-server', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, id: 0, segment: 1, bus: 2, device: 3, function: 4 } } }],
    [['dm', '--socket', 's', 'map-mem-type-to-ioreq-server', '--domid', '1', '--id', '0', '--flags', 'write'], { command: 'dm', options: { op: 'map-mem-type-to-ioreq-server', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, id: 0, type: 'ioreq_server', flags: 'write' } } }],
    [['dm', '--socket', 's', 'map-mem-type', '--domid', '1', '--id', '0', '--type', '4', '--flags', 'none'], { command: 'dm', options: { op: 'map-mem-type-to-ioreq-server', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, id: 0, type: 4, flags: 0 } } }],
    [['dm', '--socket', 's', 'set-ioreq-server-state', '--domid', '1', '--id', '0', '--enabled', 'on'], { command: 'dm', options: { op: 'set-ioreq-server-state', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, id: 0, enabled: true } } }],
    [['dm', '--socket', 's', 'set-state', '--domid', '1', '--id', '0', '--enabled', 'off'], { command: 'dm', options: { op: 'set-ioreq-server-state', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, id: 0, enabled: false } } }],
    [['dm', '--socket', 's', 'destroy-ioreq-server', '--domid', '1', '--id', '2'], { command: 'dm', options: { op: 'destroy-ioreq-server', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, id: 2 } } }],
    [['dm', '--socket', 's', 'set-pci-intx-level', '--domid', '1', '--bus', '0', '--device', '3', '--intx', '0', '--level', '1'], { command: 'dm', options: { op: 'set-pci-intx-level', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, segment: 0, bus: 0, device: 3, intx: 0, level: 1 } } }],
    [['dm', '--socket', 's', 'set-isa-irq-level', '--domid', '1', '--irq', '4', '--level', '0'], { command: 'dm', options: { op: 'set-isa-irq-level', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, isaIrq: 4, level: 0 } } }],
    [['dm', '--socket', 's', 'set-pci-link-route', '--domid', '1', '--link', '2', '--isa-irq', '11'], { command: 'dm', options: { op: 'set-pci-link-route', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, link: 2, isaIrq: 11 } } }],
    [['dm', '--socket', 's', 'inject-msi', '--domid', '1', '--addr', '0xfee00000', '--data', '0x4041'], { command: 'dm', options: { op: 'inject-msi', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, addr: 0xfee00000n, data: 0x4041 } } }],
    [['dm', '--socket', 's', 'track-dirty-vram', '--domid', '1', '--first-pfn', '0xa0', '--nr', '32'], { command: 'dm', options: { op: 'track-dirty-vram', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, firstPfn: 0xa0n, nr: 32 } } }],
    [['dm', '--socket', 's', 'modified-memory', '--domid', '1', '--first-pfn', '0xa0', '--nr', '1'], { command: 'dm', options: { op: 'modified-memory', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, firstPfn: 0xa0n, nr: 1 } } }],
    [
      ['dm', '--socket', 's', 'inject-event', '--domid', '1', '--vcpu', '0', '--vector', '14', '--type', 'hw_exc', '--error-code', '2', '--extra', '0x1000'],
      { command: 'dm', options: { op: 'inject-event', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, vcpu: 0, vector: 14, type: 'hw_exc', errorCode: 2, insnLen: 0, cr2: 0x1000n } } },
    ],
    [['dm', '--socket', 's', 'remote-shutdown', '--domid', '1', '--reason', '0'], { command: 'dm', options: { op: 'remote-shutdown', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, reason: 0 } } }],
    [['dm', '--socket', 's', 'shutdown', '--domid', '1', '--reason', '1'], { command: 'dm', options: { op: 'remote-shutdown', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, reason: 1 } } }],
    [['dm', '--socket', 's', 'relocate-memory', '--domid', '1', '--size', '4', '--src-gfn', '0x100', '--dst-gfn', '0x200'], { command: 'dm', options: { op: 'relocate-memory', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, size: 4, srcGfn: 0x100n, dstGfn: 0x200n } } }],
    [['dm', '--socket', 's', 'pin-memory-cacheattr', '--domid', '1', '--start', '0', '--end', '0xff', '--type', 'wb'], { command: 'dm', options: { op: 'pin-memory-cacheattr', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, start: 0n, end: 0xffn, type: 'wb' } } }],
    [['dm', '--socket', 's', 'set-irq-level', '--domid', '1', '--irq', '40', '--level', '1'], { command: 'dm', options: { op: 'set-irq-level', backend: 'socket', socket: 's', caller: 0, json: false, args: { domid: 1, irq: 40, level: 1 } } }],
    [['sim', 'exec', '--socket', 's', 'qemu'], { command: 'sim exec', options: { socket: 's', caller: 0, command: ['qemu'] } }],
    [['sim', 'exec', '--socket', 's', '--caller', '3', '--', 'qemu', '-xen-domid', '1', '--socket', 'x'], { command: 'sim exec', options: { socket: 's', caller: 3, command: ['qemu', '-xen-domid', '1', '--socket', 'x'] } }],
    [['sim', 'exec', '--socket', 's', 'qemu', '-S', '--caller', '4'], { command: 'sim exec', options: { socket: 's', caller: 0, command: ['qemu', '-S', '--caller', '4'] } }],
    [['dm', '--socket', 's', 'nr-vcpus', '--domid', '1', '--json'], { command: 'dm', options: { op: 'nr-vcpus', backend: 'socket', socket: 's', caller: 0, json: true, args: { domid: 1 } } }],
  ])('%j', (argv, expected) => {
    expect(parseArgv(argv)).toEqual(expected);
  });

  it.each([
    [[], 2, /Usage: xenmem/],
    [['abi'], 2, /Usage: xenmem abi/],
    [['frobnicate'], 2, /unknown command 'frobnicate'/],
    [['abi', 'types', '--iface'], 2, /option '--iface <version>' argument missing/],
    [['abi', 'types', '--bogus'], 2, /unknown option '--bogus'/],
    [['abi', 'diff', '4.6'], 2, /missing required argument 'ifaceB'/],
    [['compat'], 2, /required option '--iface <version>' not specified/],
    [['abi', 'layout'], 2, /missing required argument 'struct'/],
    [['run'], 2, /missing required argument 'scenario'/],
    [['sim', 'serve'], 2, /required option '--socket <path>' not specified/],
    [['sim', 'serve', '--socket', 's', '--domain', 'domid=1'], 2, /key "max-gpfn" is missing/],
    [['sim', 'serve', '--socket', 's', '--domain', 'domid=1,max-gpfn=0xff,colour=red'], 2, /key "colour" is not one of domid, max-gpfn, hap, hvm, vcpus, dm/],
    [['sim', 'serve', '--socket', 's', '--domain', 'domid=1,max-gpfn=0xff,hap=yes'], 2, /key "hap": "yes" is not on or off/],
    [['sim', 'serve', '--socket', 's', '--domain', 'domid=1,max-gpfn=0x100000000'], 2, /key "max-gpfn": 0x100000000 does not fit uint32_t/],
    [['sim', 'serve', '--socket', 's', '--shm-poll-us', '1001'], 2, /--shm-poll-us: 1001 is above 1000 \(µs\)/],
    [['sim', 'serve', '--socket', 's', '--shm-poll-us', '-5'], 2, /--shm-poll-us/],
    [['sim', 'exec', '--socket', 's'], 2, /missing required argument 'command'/],
    [['sim', 'exec', 'true'], 2, /required option '--socket <path>' not specified/],
    [['sim', 'exec', '--socket', 's', '--caller', '0x10000', 'true'], 2, /--caller: 0x10000 does not fit uint16_t/],
    [['sim', 'create-domain', '--socket', 's', '--domid', '1'], 2, /required option '--max-gpfn <pfn>' not specified/],
    [['sim', 'create-domain', '--socket', 's', '--domid', '0x10000', '--max-gpfn', '1'], 2, /--domid: 0x10000 does not fit uint16_t/],
    [['sim', 'inspect', '--socket', 's', '--domid', 'one'], 2, /--domid: "one" is not a decimal or 0x… integer/],
    [['dm', '--backend', 'host', '--socket', 's', 'get-mem-type', '--domid', '1', '--pfn', '0'], 2, /option '--backend host' cannot be used with '--socket'/],
    [['dm', 'get-mem-type', '--backend', 'host', '--socket', 's', '--domid', '1', '--pfn', '0'], 2, /option '--backend host' cannot be used with '--socket'/],
    [['dm', '--backend', 'socket', 'get-mem-type', '--domid', '1', '--pfn', '0'], 2, /option '--backend socket' needs '--socket <path>' \(or XENMEM_SOCKET\)/],
    [['dm', '--backend', 'xen', 'get-mem-type', '--domid', '1', '--pfn', '0'], 2, /argument 'xen' is invalid. Allowed choices are host, socket/],
    [['dm', '--socket', 's', 'set-mem-type', '--domid', '1', '--first-pfn', '0x100', '--nr', '16'], 2, /required option '--mem-type <mem-type>' not specified/],
    [['dm', '--socket', 's', 'set-mem-type', '--domid', '1', '--first-pfn', '1', '--nr', '1', '--mem-type', 'ram_ro', '--type', 'ram_rw'], 2, /options '--mem-type' and '--type' are the same; give one/],
    [['dm', '--socket', 's', 'map-io-range', '--domid', '1', '--id', '0', '--type', 'mmio', '--start', '0', '--end', '1'], 2, /"mmio" is not one of port, memory, pci/],
    [['dm', '--socket', 's', 'create-ioreq-server', '--domid', '1', '--handle-bufioreq', 'yes'], 2, /"yes" is not one of off, legacy, atomic or a number/],
    [['dm', '--socket', 's', 'get-mem-type', '--domid', '1', '--pfn', '0x10000000000000000'], 2, /does not fit 64 bits/],
    [['dm', '--socket', 's', 'frob'], 2, /unknown command 'frob'/],
    [['xs', 'read', '--socket', 's'], 2, /missing required argument 'path'/],
    [['xs', 'read', '/a'], 2, /required option '--socket <path>' not specified/],
    [['xs', 'write', '--socket', 's', '/a'], 2, /missing required argument 'value'/],
    [['xs', 'watch', '--socket', 's', '/a', '--count', 'many'], 2, /--count: "many" is not a decimal or 0x… integer/],
    [['xs', 'cat', '--socket', 's', '/a'], 2, /unknown command 'cat'/],
    [['gen', '--target', 'go'], 2, /required option '--out <dir>' not specified/],
    [['gen', '--out', 'd'], 2, /give exactly one of '--target <name>' and '--plugin <command>'/],
    [['gen', '--out', 'd', '--target', 'c', '--plugin', 'p'], 2, /give exactly one of '--target <name>' and '--plugin <command>'/],
    [['gen', '--out', 'd', '--target', 'ocaml'], 2, /argument 'ocaml' is invalid. Allowed choices are c, rust, ts, docs, go, python/],
    [['gen', '--out', 'd', '--target', 'c', '--plugin-timeout', '5'], 2, /'--plugin-timeout' applies to '--plugin' only/],
    [['gen', '--out', 'd', '--plugin', 'p', '--plugin-timeout', '0'], 2, /--plugin-timeout: "0" is not a number of seconds above 0 and at most 3600/],
    [['gen', '--out', 'd', '--plugin', '  '], 2, /'--plugin' is empty/],
  ])('%j is a usage error (exit %i)', (argv, exit, stderr) => {
    const r = parseArgv(argv);
    expect(r).toMatchObject({ exit });
    expect('stderr' in r && r.stderr).toMatch(stderr);
  });

  it('--help prints help with examples on stdout and exits 0', () => {
    const r = parseArgv(['--help']);
    expect(r).toMatchObject({ exit: 0, stderr: '' });
    expect('stdout' in r && r.stdout).toMatch(/Examples:\n  xenmem abi types --iface 0x00040600/);
  });
});

describe('xenmem dm --backend host|socket: which backend, with and without XENMEM_SOCKET', () => {
  const GET = ['get-mem-type', '--domid', '1', '--pfn', '0'];
  const options = (where: Record<string, unknown>) => ({ command: 'dm', options: { op: 'get-mem-type', ...where, caller: 0, json: false, args: { domid: 1, pfn: 0n } } });
  it.each([
    // [argv, XENMEM_SOCKET, the backend chosen]
    [['dm', ...GET], undefined, { backend: 'host' }],
    [['dm', ...GET], '/tmp/env.sock', { backend: 'socket', socket: '/tmp/env.sock' }],
    [['dm', '--socket', 's', ...GET], undefined, { backend: 'socket', socket: 's' }],
    [['dm', '--socket', 's', ...GET], '/tmp/env.sock', { backend: 'socket', socket: 's' }],
    [['dm', '--backend', 'host', ...GET], undefined, { backend: 'host' }],
    // An explicit --backend host ignores XENMEM_SOCKET.
    [['dm', '--backend', 'host', ...GET], '/tmp/env.sock', { backend: 'host' }],
    [['dm', ...GET, '--backend', 'host'], '/tmp/env.sock', { backend: 'host' }],
    [['dm', '--backend', 'socket', ...GET], '/tmp/env.sock', { backend: 'socket', socket: '/tmp/env.sock' }],
    [['dm', '--backend=socket', '--socket', 's', ...GET], undefined, { backend: 'socket', socket: 's' }],
  ])('%j with XENMEM_SOCKET=%s', (argv, env, where) => {
    const saved = process.env.XENMEM_SOCKET;
    if (env === undefined) delete process.env.XENMEM_SOCKET;
    else process.env.XENMEM_SOCKET = env;
    try {
      expect(parseArgv(argv)).toEqual(options(where));
    } finally {
      if (saved === undefined) delete process.env.XENMEM_SOCKET;
      else process.env.XENMEM_SOCKET = saved;
    }
  });
});

describe('xenmem sim serve: XENMEM_SOCKET stands for --socket, as in the commands that talk to the daemon', () => {
  it.each([
    // [argv, XENMEM_SOCKET, the socket served, or the usage error]
    [['sim', 'serve'], '/tmp/env.sock', '/tmp/env.sock'],
    [['sim', 'serve', '--socket', 's'], '/tmp/env.sock', 's'],
    [['sim', 'serve', '--socket', 's'], undefined, 's'],
    [['sim', 'serve'], undefined, /required option '--socket <path>' not specified/],
  ])('%j with XENMEM_SOCKET=%s', (argv, env, expected) => {
    vi.stubEnv('XENMEM_SOCKET', env);
    try {
      const r = parseArgv(argv);
      const fromEnv = !argv.includes('--socket');
      if (typeof expected === 'string') expect(r).toEqual({ command: 'sim serve', options: { socket: expected, ...(fromEnv && { socketFromEnv: true }), domains: [] } });
      else expect(r).toMatchObject({ exit: 2, stdout: '', stderr: expect.stringMatching(expected) });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('its help says so', () => {
    const r = parseArgv(['sim', 'serve', '--help'], { columns: 400 });
    expect('stdout' in r && r.stdout.replace(/\s+/g, ' ')).toContain('--socket <path> where to create the Unix socket (a stale socket there is replaced) (required) (env: XENMEM_SOCKET)');
  });
});
