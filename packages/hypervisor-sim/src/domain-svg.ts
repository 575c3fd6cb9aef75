/**
 * A picture of a domain as SVG text: its p2m by type along the gfn axis, the ioreq servers' MMIO ranges under
 * it, the claimed type (HVMMEM_ioreq_server's owner) marked, and a legend. Pure: an inspection in, a string out.
 *
 * The gfn axis is run-scaled for huge domains: each run of one p2m type gets a width of 1 + log2(its length)
 * units, so a one-page run beside a million-page run stays visible; the labels under the bar give each run's
 * first gfn, so the axis stays readable although it is not linear. A server's range is placed within the runs
 * it covers by linear interpolation inside each run.
 */
import type { DomainInspection, P2mRunView } from '@xenmem/sim-protocol';

/** Fill colour of each p2m type number (the legend names the types at the release); other numbers are grey. */
export const P2M_TYPE_COLOURS: Readonly<Record<number, string>> = {
  0: '#4caf50',
  1: '#c8e6c9',
  2: '#9e9e9e',
  3: '#2196f3',
  4: '#ff9800',
  5: '#795548',
  6: '#607d8b',
  7: '#9c27b0',
  8: '#00bcd4',
  9: '#ffeb3b',
  10: '#e91e63',
  11: '#3f51b5',
  12: '#8bc34a',
  13: '#ff5722',
  14: '#cddc39',
  15: '#f44336',
};
const OTHER = '#bdbdbd';
const WIDTH = 800;
const MARGIN = 20;
const BAR_Y = 40;
const BAR_H = 60;
const SERVER_H = 14;

/** The fill colour for a p2m type number. */
export function p2mColour(type: number): string {
  return P2M_TYPE_COLOURS[type] ?? OTHER;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const hexGfn = (n: bigint) => `0x${n.toString(16)}`;

/** Where each run sits on the run-scaled axis: x and width in pixels. */
function layoutRuns(runs: readonly P2mRunView[]): { run: P2mRunView; x: number; w: number }[] {
  const units = runs.map((r) => 1 + Math.log2(Number(r.count)));
  const total = units.reduce((a, b) => a + b, 0) || 1;
  const scale = (WIDTH - 2 * MARGIN) / total;
  let x = MARGIN;
  return runs.map((run, i) => {
    const w = units[i]! * scale;
    const placed = { run, x, w };
    x += w;
    return placed;
  });
}

/** The x of a gfn on the run-scaled axis (linear inside its run). */
function gfnX(placed: ReturnType<typeof layoutRuns>, gfn: bigint): number {
  for (const p of placed) {
    if (gfn >= p.run.first && gfn < p.run.first + p.run.count) return p.x + (Number(gfn - p.run.first) / Number(p.run.count)) * p.w;
  }
  return gfn < (placed[0]?.run.first ?? 0n) ? MARGIN : WIDTH - MARGIN;
}

/** The domain as a standalone SVG document (800 px wide; height grows with the number of servers and types). */
export function domainSvg(view: DomainInspection): string {
  const placed = layoutRuns(view.p2m);
  const servers = view.servers ?? [];
  const out: string[] = [];
  const serversY = BAR_Y + BAR_H + 30;
  const legendY = serversY + servers.length * (SERVER_H + 6) + 20;
  const types = [...new Map(view.p2m.map((r) => [r.type, r.name])).entries()].sort((a, b) => a[0] - b[0]);
  const height = legendY + types.length * 18 + 30;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  const claim = view.ioreqClaim.owner === null ? 'no claim' : `HVMMEM_ioreq_server claimed by server ${view.ioreqClaim.owner} (flags ${view.ioreqClaim.flags}, ${view.ioreqClaim.entryCount} pages)`;
  out.push(`<text x="${MARGIN}" y="20" font-size="13">domain ${view.domid}: max gfn ${hexGfn(BigInt(view.maxGpfn))}, ${view.vcpus} vCPU(s), ${esc(claim)}; run widths grow with log2(pages)</text>`);
  for (const p of placed) {
    const claimed = view.ioreqClaim.owner !== null && p.run.name === 'p2m_ioreq_server';
    out.push(
      `<rect data-first="${hexGfn(p.run.first)}" data-type="${esc(p.run.name)}" x="${p.x.toFixed(2)}" y="${BAR_Y}" width="${p.w.toFixed(2)}" height="${BAR_H}" fill="${p2mColour(p.run.type)}"${claimed ? ' stroke="#000000" stroke-width="3" stroke-dasharray="6 3"' : ''}><title>${esc(p.run.name)}: ${hexGfn(p.run.first)} + ${p.run.count}</title></rect>`,
    );
  }
  // First-gfn labels, skipping one that would overlap the previous.
  let lastLabel = -Infinity;
  for (const p of placed) {
    if (p.x - lastLabel < 60) continue;
    out.push(`<text x="${p.x.toFixed(2)}" y="${BAR_Y + BAR_H + 14}">${hexGfn(p.run.first)}</text>`);
    lastLabel = p.x;
  }
  servers.forEach((s, i) => {
    const y = serversY + i * (SERVER_H + 6);
    out.push(`<text x="${MARGIN}" y="${y - 2}">server ${s.id} (emulator ${s.emulator}${s.enabled ? '' : ', disabled'}${view.ioreqClaim.owner === s.id ? ', owns the claim' : ''})</text>`);
    for (const [start, end] of s.ranges.memory) {
      const x0 = gfnX(placed, BigInt(start) >> 12n);
      const x1 = gfnX(placed, (BigInt(end) >> 12n) + 1n);
      out.push(`<rect data-server="${s.id}" x="${x0.toFixed(2)}" y="${y}" width="${Math.max(2, x1 - x0).toFixed(2)}" height="${SERVER_H}" fill="#000000"><title>server ${s.id}: MMIO ${start} … ${end}</title></rect>`);
    }
  });
  types.forEach(([type, name], i) => {
    const y = legendY + i * 18;
    out.push(`<rect data-legend="${esc(name)}" x="${MARGIN}" y="${y}" width="14" height="14" fill="${p2mColour(type)}"/>`);
    out.push(`<text x="${MARGIN + 20}" y="${y + 11}">${esc(name)} (${type})${view.ioreqClaim.owner !== null && name === 'p2m_ioreq_server' ? ' — claimed (dashed outline)' : ''}</text>`);
  });
  out.push('</svg>', '');
  return out.join('\n');
}
