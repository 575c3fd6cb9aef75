/**
 * domainSvg draws the p2m by type, the servers' ranges and the claim. The picture is rendered by a real browser
 * (Debian's chromium, headless) and pixels are compared at the runs, a server range and the legend.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeDmOp, HVMMEM_IOREQ_SERVER } from '@xenmem/abi-types';
import { domainSvg, Hypervisor, p2mColour } from '../../src/index.js';
import { readPng } from './png.js';

async function picture(): Promise<{ svg: string; hv: Hypervisor }> {
  const hv = new Hypervisor({ release: '4.22' });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff });
  const op = async (bytes: Uint8Array) => expect((await hv.dmOp(0, 1, [bytes])).rc).toBe(0);
  await op(encodeDmOp('create_ioreq_server', { handle_bufioreq: 0 }));
  await op(encodeDmOp('map_io_range_to_ioreq_server', { id: 0, type: 1, start: 0x40000000n, end: 0x40ffffffn }));
  await op(encodeDmOp('map_mem_type_to_ioreq_server', { id: 0, type: HVMMEM_IOREQ_SERVER, flags: 2 }));
  await op(encodeDmOp('set_mem_type', { first_pfn: 0x100n, nr: 16, mem_type: 1 }));
  await op(encodeDmOp('set_mem_type', { first_pfn: 0x40000n, nr: 0x1000, mem_type: HVMMEM_IOREQ_SERVER }));
  return { svg: domainSvg(await hv.inspect(1)), hv };
}

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
/** The attributes of the rect carrying `attr="value"`. */
function rectWith(svg: string, attr: string, value: string): { x: number; y: number; w: number; h: number } {
  const m = new RegExp(`<rect ${attr}="${value}"[^>]*x="([0-9.]+)" y="([0-9.]+)" width="([0-9.]+)" height="([0-9.]+)"`).exec(svg);
  if (!m) throw new Error(`no rect with ${attr}="${value}"`);
  return { x: Number(m[1]), y: Number(m[2]), w: Number(m[3]), h: Number(m[4]) };
}

describe('domainSvg', () => {
  it('one rect per p2m run, in gfn order, widths growing with log2 of the run', async () => {
    const { svg } = await picture();
    const runs = [...svg.matchAll(/data-first="(0x[0-9a-f]+)" data-type="([a-z_0-9]+)"/g)].map((m) => [m[1], m[2]]);
    expect(runs).toEqual([
      ['0x0', 'p2m_ram_rw'],
      ['0x100', 'p2m_ram_ro'],
      ['0x110', 'p2m_ram_rw'],
      ['0x40000', 'p2m_ioreq_server'],
      ['0x41000', 'p2m_ram_rw'],
    ]);
    // 16 pages: 1 + 4 units; 0x100 pages: 1 + 8 units.
    expect(rectWith(svg, 'data-first', '0x100').w / rectWith(svg, 'data-first', '0x0').w).toBeCloseTo(5 / 9, 3);
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('HVMMEM_ioreq_server claimed by server');
  });

  it('renders in chromium with the colours at the runs, the server range and the legend', async () => {
    const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
    if (!chromium) {
      if (process.env.CI === 'true') throw new Error('chromium is not installed (apt-get install -y chromium); CI must run this test');
      console.warn('domainSvg browser check skipped: chromium is not installed (apt-get install -y chromium)');
      return;
    }
    const { svg } = await picture();
    const dir = mkdtempSync(join(tmpdir(), 'xenmem-svg-'));
    try {
      const file = join(dir, 'domain.svg');
      writeFileSync(file, svg);
      const height = Number(/height="(\d+)"/.exec(svg)![1]);
      const shot = join(dir, 'shot.png');
      execFileSync(chromium, [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--no-first-run', '--hide-scrollbars', `--user-data-dir=${join(dir, 'profile')}`, `--screenshot=${shot}`, `--window-size=800,${height}`, `file://${file}`,
      ], { stdio: 'ignore', timeout: 60_000 });
      const png = readPng(readFileSync(shot));
      const centre = (r: { x: number; y: number; w: number; h: number }) => png.pixel(Math.round(r.x + r.w / 2), Math.round(r.y + r.h / 2));
      expect(centre(rectWith(svg, 'data-first', '0x0'))).toEqual(rgb(p2mColour(0)));
      expect(centre(rectWith(svg, 'data-first', '0x100'))).toEqual(rgb(p2mColour(3)));
      expect(centre(rectWith(svg, 'data-first', '0x40000'))).toEqual(rgb(p2mColour(15)));
      expect(centre(rectWith(svg, 'data-server', '0'))).toEqual([0, 0, 0]);
      expect(centre(rectWith(svg, 'data-legend', 'p2m_ram_ro'))).toEqual(rgb(p2mColour(3)));
      expect(png.pixel(2, 2)).toEqual([255, 255, 255]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
