// Time-series line charts in SVG (createElementNS only; colours come from app.css classes).
import { h, s, fmtDateTime } from './dom.js';

const clock = (ms, seconds) => new Date(ms).toLocaleTimeString(undefined,
  seconds ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' });

function niceStep(range, ticks) {
  const raw = range / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
  return step * mag;
}

// Byte axes step in powers of two of MiB/GiB so labels read well.
function niceByteStep(range, ticks) {
  const raw = range / ticks;
  let step = 1;
  while (step < raw) step *= 2;
  return step;
}

/**
 * lineChart({points: [{t, v}], format, limit, limitLabel, label, bytes})
 *   points: oldest first; v may be null (gap). t in ms.
 *   limit: draws a dashed line (0/null = none).
 */
export function lineChart({ points, format, limit = 0, limitLabel = 'limit', label = '', bytes = false, width = 640 }) {
  // Drawn at the container's pixel width so text keeps its size.
  const W = Math.max(300, Math.round(width) || 640), H = 220, L = 72, R = 16, T = 14, B = 28;
  const pw = W - L - R, ph = H - T - B;
  const vals = points.filter((p) => p.v !== null && p.v !== undefined);
  if (vals.length < 2) {
    return h('div', { class: 'chart-empty' }, vals.length ? 'Collecting data… (one sample so far)' : 'No samples yet.');
  }
  const t0 = points[0].t, t1 = points[points.length - 1].t;
  const span = Math.max(1, t1 - t0);
  const dmax = Math.max(...vals.map((p) => p.v));
  // The limit is drawn when it is within reach of the data; far above it, it would flatten the line.
  const limitOnScale = limit && limit <= Math.max(dmax, 1e-9) * 4;
  let vmax = Math.max(dmax, limitOnScale ? limit : 0);
  if (vmax <= 0) vmax = bytes ? 1024 * 1024 : 1;
  const step = bytes ? niceByteStep(vmax * 1.1, 4) : niceStep(vmax * 1.1, 4);
  const top = Math.ceil((vmax * 1.08) / step) * step;
  const x = (t) => L + ((t - t0) / span) * pw;
  const y = (v) => T + ph - (v / top) * ph;

  const last = vals[vals.length - 1];
  const summary = `${label}: ${format(last.v)} now${limit ? `, ${limitLabel} ${format(limit)}` : ''}; ` +
    `${vals.length} samples from ${fmtDateTime(t0)} to ${fmtDateTime(t1)}`;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': summary,
    preserveAspectRatio: 'xMidYMid meet' });
  svg.appendChild(s('title', null, summary));

  // grid + y labels
  for (let v = 0; v <= top + step / 2; v += step) {
    const yy = y(v);
    svg.appendChild(s('line', { class: 'grid-line', x1: L, x2: W - R, y1: yy, y2: yy }));
    svg.appendChild(s('text', { class: 'axis-text', x: L - 8, y: yy + 4, 'text-anchor': 'end' }, format(v)));
  }
  // x labels: ~5 evenly spaced times
  const seconds = span < 10 * 60 * 1000;
  const n = Math.max(2, Math.min(6, Math.floor(pw / (seconds ? 120 : 90)) + 1));
  for (let i = 0; i < n; i++) {
    const t = t0 + (span * i) / (n - 1);
    svg.appendChild(s('text', { class: 'axis-text', x: x(t), y: H - 8,
      'text-anchor': i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle' }, clock(t, seconds)));
  }

  // line and area, broken at gaps
  const segments = [];
  let cur = [];
  for (const p of points) {
    if (p.v === null || p.v === undefined) { if (cur.length) segments.push(cur); cur = []; } else cur.push(p);
  }
  if (cur.length) segments.push(cur);
  for (const seg of segments) {
    const d = seg.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
    if (seg.length > 1) {
      const area = `${d} L${x(seg[seg.length - 1].t).toFixed(1)},${y(0)} L${x(seg[0].t).toFixed(1)},${y(0)} Z`;
      svg.appendChild(s('path', { class: 'area', d: area }));
    }
    svg.appendChild(s('path', { class: 'line', d: seg.length > 1 ? d : `${d} l0.1,0` }));
  }

  if (limitOnScale) {
    const yy = y(limit);
    svg.appendChild(s('line', { class: 'limit', x1: L, x2: W - R, y1: yy, y2: yy }));
    svg.appendChild(s('text', { class: 'limit-text', x: W - R - 4, y: yy - 5, 'text-anchor': 'end' },
      `${limitLabel} ${format(limit)}`));
  } else if (limit) {
    svg.appendChild(s('text', { class: 'limit-text', x: W - R - 4, y: T + 10, 'text-anchor': 'end' },
      `${limitLabel} ${format(limit)} (above the scale)`));
  }

  // hover: nearest sample, a cursor line and a tooltip
  const cursor = s('line', { class: 'cursor', x1: 0, x2: 0, y1: T, y2: T + ph, visibility: 'hidden' });
  const dot = s('circle', { class: 'cursor-dot', r: 4, cx: 0, cy: 0, visibility: 'hidden' });
  const tipBg = s('rect', { class: 'tip-bg', rx: 4, width: 150, height: 36, x: 0, y: 0, visibility: 'hidden' });
  const tip1 = s('text', { class: 'tip-text', x: 0, y: 0, visibility: 'hidden' });
  const tip2 = s('text', { class: 'tip-text', x: 0, y: 0, visibility: 'hidden' });
  const overlay = s('rect', { class: 'overlay', x: L, y: T, width: pw, height: ph });
  svg.append(cursor, dot, tipBg, tip1, tip2, overlay);
  const show = (vis) => [cursor, dot, tipBg, tip1, tip2].forEach((e) => e.setAttribute('visibility', vis));
  overlay.addEventListener('pointerleave', () => show('hidden'));
  overlay.addEventListener('pointermove', (ev) => {
    const box = svg.getBoundingClientRect();
    const px = ((ev.clientX - box.left) / box.width) * W;
    const tt = t0 + ((px - L) / pw) * span;
    let best = null;
    for (const p of points) if (p.v !== null && p.v !== undefined && (!best || Math.abs(p.t - tt) < Math.abs(best.t - tt))) best = p;
    if (!best) return;
    const cx = x(best.t), cy = y(best.v);
    cursor.setAttribute('x1', cx); cursor.setAttribute('x2', cx);
    dot.setAttribute('cx', cx); dot.setAttribute('cy', cy);
    const tx = cx + 160 > W - R ? cx - 158 : cx + 8;
    const ty = Math.max(T, Math.min(cy - 18, T + ph - 36));
    tipBg.setAttribute('x', tx); tipBg.setAttribute('y', ty);
    tip1.setAttribute('x', tx + 8); tip1.setAttribute('y', ty + 15); tip1.textContent = format(best.v);
    tip2.setAttribute('x', tx + 8); tip2.setAttribute('y', ty + 29); tip2.textContent = fmtDateTime(best.t);
    show('visible');
  });
  return h('div', { class: 'chart-wrap' }, svg);
}
