/**
 * QEMU as a Xen device model for the tests: Debian's qemu-system-xen from the project-local package cache
 * (scripts/deb-cache.mjs), or an installed /usr/libexec/xen-qemu-system-i386; the command lines the tests
 * start it with; and a QMP client for libxl's `-S` + `cont` start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { checkQemuXen, DEB_ROOT, DebCacheError } from '../../../scripts/deb-cache.mjs';

/** The QEMU binary a test runs, with what it needs in its environment and on its command line. */
export interface Qemu {
  binary: string;
  /** LD_LIBRARY_PATH for its libraries (empty for an installed QEMU). */
  libraryPath: string;
  /** `-L` directories: the VGA BIOS (seabios) and keymaps, for the cached tree. */
  dataDirs: string[];
  /** Its `--version` line. */
  version: string;
  /** The qemu-system-xen package version (from the cache's manifest, or dpkg-query). */
  packageVersion: string;
}

const INSTALLED = '/usr/libexec/xen-qemu-system-i386';

/** The QEMU to test, or why there is none. */
export function findQemu(): Qemu | { unavailable: string } {
  try {
    const q = checkQemuXen({ log: () => {} });
    return { binary: q.binary, libraryPath: q.libraryPath, dataDirs: [join(DEB_ROOT, 'usr/share/seabios'), join(DEB_ROOT, 'usr/share/qemu')], version: q.version, packageVersion: q.packageVersion ?? 'unknown' };
  } catch (e) {
    if (!(e instanceof DebCacheError)) throw e;
    if (!existsSync(INSTALLED)) return { unavailable: `${e.message}; and no ${INSTALLED} is installed` };
    const version = spawnSync(INSTALLED, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
    const pkg = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'qemu-system-xen'], { encoding: 'utf8' }).stdout.trim();
    return { binary: INSTALLED, libraryPath: '', dataDirs: [], version, packageVersion: pkg || 'unknown' };
  }
}

/** The minimal command line: no defaults, no display, 64 MiB, the first UART into `serial`. */
export function minimalArgs(domid: number, serial: string): string[] {
  return ['-xen-domid', String(domid), '-machine', 'xenfv', '-nodefaults', '-no-user-config', '-display', 'none', '-m', '64', '-serial', `file:${serial}`];
}

/**
 * libxl 4.17's command line for `type="hvm" memory=72 vcpus=1` (tools/libs/light/libxl_dm.c
 * libxl__build_device_model_args_new() @ RELEASE-4.17.0): stopped (-S) until QMP `cont` on a control socket,
 * cirrus VGA with 8 MiB, no network; -m is memory minus the video RAM. libxl's VNC server and its second QMP
 * socket for libxenstat are left out (nothing here connects to them); a serial file is added.
 */
export function libxlArgs(domid: number, qmp: string, serial: string, dataDirs: string[]): string[] {
  return [
    '-xen-domid', String(domid), '-no-shutdown',
    '-chardev', `socket,id=libxl-cmd,path=${qmp},server=on,wait=off`, '-S', '-mon', 'chardev=libxl-cmd,mode=control',
    '-nodefaults', '-no-user-config', '-name', `g${domid}`, '-display', 'none',
    '-device', 'cirrus-vga,vgamem_mb=8', '-boot', 'order=cda', '-net', 'none',
    '-machine', 'xenfv,suppress-vmdesc=on', '-m', '64', '-serial', `file:${serial}`,
    ...dataDirs.flatMap((d) => ['-L', d]),
  ];
}

/**
 * Connects to a QMP socket, negotiates capabilities and runs `commands` in order: their `return` values.
 * Events QEMU sends in between are skipped.
 */
export function qmp(path: string, commands: string[]): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const results: unknown[] = [];
    const queue = ['qmp_capabilities', ...commands];
    let buffer = '';
    let greeted = false;
    const send = () => socket.write(`${JSON.stringify({ execute: queue[0] })}\n`);
    socket.on('error', reject);
    socket.on('data', (b: Buffer) => {
      buffer += b.toString();
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const msg = JSON.parse(buffer.slice(0, nl)) as { QMP?: unknown; return?: unknown; error?: { desc: string }; event?: string };
        buffer = buffer.slice(nl + 1);
        if (msg.QMP !== undefined && !greeted) (greeted = true), send();
        else if (msg.error) (socket.destroy(), reject(new Error(`QMP ${queue[0]}: ${msg.error.desc}`)));
        else if ('return' in msg) {
          if (queue.shift() !== 'qmp_capabilities') results.push(msg.return);
          if (queue.length) send();
          else (socket.end(), resolve(results));
        }
      }
    });
  });
}
