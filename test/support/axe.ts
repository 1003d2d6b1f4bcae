// Colour contrast checked by axe-core in the page under test (issue 8 §2): every text must reach
// WCAG AA (4.5:1, or 3:1 for large text, as axe's color-contrast rule applies it).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
// Read once and evaluated through the DevTools protocol: the app's CSP (script-src 'self') rightly
// refuses an inline <script>, and evaluation is the test driver's own channel, not the page's.
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// The code that runs in the page is kept as plain JavaScript text, like bench/scale.bench.ts does:
// tsx (esbuild keepNames) would wrap named inner functions in a `__name` helper the page lacks, and
// the test tsconfig has no DOM types.

/** Stops transitions and animations, so a fade in progress is not what axe measures. */
const STILL = `(() => {
  if (document.getElementById('airlock-axe-still')) return;
  const style = document.createElement('style');
  style.id = 'airlock-axe-still';
  style.textContent = '*, *::before, *::after { transition: none !important; animation: none !important; }';
  document.head.append(style);
})()`;

/**
 * Runs axe's color-contrast rule (on `scope`, a selector, or the document) and returns its result
 * as JSON, each violation and undecided node with its visible words (`text`; axe's `html` is only
 * the opening tag of a big element).
 *
 * axe stops at "partially obscured" when elements of a layer underneath (the modal that asked for
 * an unlock) overlap the text's box. Such a text still sits on its own ancestors' opaque
 * background, so for those the colours are composited up that chain (`fallback`); anything unusual
 * (an image or gradient, opacity, a colour format this does not read) stays undecided.
 */
const IN_PAGE = `async (scope) => {
  const r = await window.axe.run(scope ?? document, {
    runOnly: { type: 'rule', values: ['color-contrast'] },
    // A one-character text (a restart count, "#4") is real text here, not an icon glyph. Run-time
    // check options are merged into axe's defaults, so the thresholds stay as shipped.
    checks: { 'color-contrast': { options: { ignoreLength: true } } },
  });
  for (const n of [...r.violations, ...r.incomplete].flatMap((v) => v.nodes)) {
    const el = document.querySelector(n.target.join(' '));
    n.text = (el?.textContent ?? '').replace(/\\s+/g, ' ').trim().slice(0, 60);
  }
  const rgba = (c) => {
    const m = /^rgba?\\(([\\d.]+),\\s*([\\d.]+),\\s*([\\d.]+)(?:,\\s*([\\d.]+))?\\)$/.exec(c);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : null;
  };
  const over = (top, base) => [0, 1, 2].map((i) => top[i] * top[3] + base[i] * (1 - top[3])).concat(1);
  const lum = (c) => {
    const [R, G, B] = c.slice(0, 3).map((v) => {
      const x = v / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  const hex = (c) => '#' + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  for (const n of r.incomplete.flatMap((v) => v.nodes)) {
    if (!n.any.some((c) => c.data?.messageKey === 'elmPartiallyObscuring')) continue;
    const el = document.querySelector(n.target.join(' '));
    if (!el) continue;
    const fg = rgba(getComputedStyle(el).color);
    const layers = [];
    let ok = fg !== null;
    for (let e = el; e && ok; e = e.parentElement) {
      const st = getComputedStyle(e);
      if (st.backgroundImage !== 'none' || Number(st.opacity) < 1) ok = false;
      const bg = rgba(st.backgroundColor);
      if (!bg) ok = false;
      else if (bg[3] > 0) layers.push(bg);
      if (bg && bg[3] === 1) break;
    }
    if (!ok || layers.length === 0 || layers[layers.length - 1][3] !== 1) continue;
    const bg = layers.reduceRight((base, top) => over(top, base));
    const text = over(fg, bg);
    const [hi, lo] = [lum(text), lum(bg)].sort((a, b) => b - a);
    n.fallback = { fg: hex(text), bg: hex(bg), ratio: (hi + 0.05) / (lo + 0.05) };
  }
  return JSON.stringify(r);
}`;

export type Scheme = 'light' | 'dark';

export interface ContrastFailure {
  target: string;
  text: string;
  fg: string;
  bg: string;
  ratio: number;
  expected: number;
  fontSize: string;
  fontWeight: string;
}

export interface ContrastReport {
  /** Text nodes that measure below the required ratio. */
  failures: ContrastFailure[];
  /** Nodes axe could not decide (gradient or image behind, overlap): listed so none hide silently. */
  undecided: { target: string; text: string; why: string }[];
  /** Text elements axe measured and found readable. */
  passes: number;
}

interface AxeCheck {
  id: string;
  message: string;
  relatedNodes?: { target: string[] }[];
  data?: {
    fgColor?: string;
    bgColor?: string;
    contrastRatio?: number;
    expectedContrastRatio?: string;
    fontSize?: string;
    fontWeight?: string;
    messageKey?: string;
  } | null;
}
interface AxeNode {
  target: string[];
  html: string;
  any: AxeCheck[];
  /** Added in the page: the node's visible words. */
  text?: string;
  /** Added in the page for partially obscured text: colours composited up its ancestors. */
  fallback?: { fg: string; bg: string; ratio: number };
}
interface AxeResultSet {
  violations: { nodes: AxeNode[] }[];
  incomplete: { nodes: AxeNode[] }[];
  passes: { nodes: AxeNode[] }[];
}

/**
 * Switches the page to a colour scheme through `prefers-color-scheme` (the app's default is
 * "auto", so Mantine follows the media query live, the way a visitor's system setting would).
 */
export async function useScheme(page: Page, scheme: Scheme): Promise<void> {
  await page.emulateMedia({ colorScheme: scheme });
  // A locator, not waitForFunction: that polls with eval, which the app's CSP refuses.
  await page.locator(`html[data-mantine-color-scheme="${scheme}"]`).waitFor({ state: 'attached' });
}

/**
 * Runs axe's color-contrast rule on the document as it is now, or only inside `within` (a CSS
 * selector): with a modal open the page behind sits under the overlay and is not what is read.
 */
export async function measureContrast(page: Page, within?: string): Promise<ContrastReport> {
  // Transitions and the fresh-row flash would be measured mid-fade; axe must see the settled colours.
  await page.evaluate(STILL);
  if (!(await page.evaluate("'axe' in window"))) await page.evaluate(AXE_SOURCE);
  const raw = await page.evaluate<string>(`(${IN_PAGE})(${JSON.stringify(within ?? null)})`);
  const result = JSON.parse(raw) as AxeResultSet;
  const textOf = (n: AxeNode) => n.text ?? '';
  const failures = result.violations.flatMap((v) =>
    v.nodes.map((n): ContrastFailure => {
      const d = n.any.find((c) => c.data?.contrastRatio !== undefined)?.data ?? {};
      return {
        target: n.target.join(' '),
        text: textOf(n),
        fg: d.fgColor ?? '?',
        bg: d.bgColor ?? '?',
        ratio: d.contrastRatio ?? 0,
        expected: Number.parseFloat(d.expectedContrastRatio ?? '4.5'),
        fontSize: d.fontSize ?? '?',
        fontWeight: d.fontWeight ?? '?',
      };
    }),
  );
  // Nodes decided by compositing their own ancestors' backgrounds (see above).
  const composited = result.incomplete.flatMap((v) => v.nodes.filter((n) => n.fallback));
  for (const n of composited) {
    const d = n.any.find((c) => c.data?.expectedContrastRatio)?.data ?? {};
    const expected = Number.parseFloat(d.expectedContrastRatio ?? '4.5');
    if (n.fallback!.ratio >= expected) continue;
    failures.push({
      target: n.target.join(' '),
      text: `${textOf(n)} [composited]`,
      fg: n.fallback!.fg,
      bg: n.fallback!.bg,
      ratio: Math.floor(n.fallback!.ratio * 100) / 100,
      expected,
      fontSize: d.fontSize ?? '?',
      fontWeight: d.fontWeight ?? '?',
    });
  }
  const undecided = result.incomplete.flatMap((v) =>
    v.nodes
      .filter((n) => !n.fallback)
      .map((n) => ({
        target: n.target.join(' '),
        text: textOf(n),
        why: n.any
          .map((c) => {
            const by = (c.relatedNodes ?? []).map((r) => r.target.join(' ')).join(', ');
            return `${c.data?.messageKey ?? c.message}${by ? ` (by ${by})` : ''}`;
          })
          .join('; '),
      })),
  );
  return {
    failures,
    undecided,
    passes:
      result.passes.reduce((sum, p) => sum + p.nodes.length, 0) +
      composited.filter((n) => failures.every((f) => f.target !== n.target.join(' '))).length,
  };
}

/**
 * axe gives up on text over a gradient (`bgGradient`). Text over a gradient between two colours
 * sits on a mix of them, and its contrast lies between the contrasts on the ends, so the element
 * `selector` is painted with each stop in turn and measured again; the original comes back after.
 */
export async function measureOverStops(
  page: Page,
  selector: string,
  stops: readonly string[],
  within?: string,
): Promise<{ stop: string; report: ContrastReport }[]> {
  const out: { stop: string; report: ContrastReport }[] = [];
  for (const stop of stops) {
    const target = JSON.stringify(selector);
    await page.evaluate(`(() => {
      const el = document.querySelector(${target});
      el.dataset.axeSavedBackground = el.style.background;
      el.style.background = ${JSON.stringify(stop)};
    })()`);
    try {
      out.push({ stop, report: await measureContrast(page, within) });
    } finally {
      await page.evaluate(`(() => {
        const el = document.querySelector(${target});
        el.style.background = el.dataset.axeSavedBackground ?? '';
        delete el.dataset.axeSavedBackground;
      })()`);
    }
  }
  return out;
}

export function describeFailures(label: string, failures: readonly ContrastFailure[]): string {
  return [
    `${label}: ${failures.length} text(s) below the required contrast`,
    ...failures.map(
      (f) =>
        `  ${f.ratio.toFixed(2)}:1 < ${f.expected}:1  "${f.text}"  ${f.fg} on ${f.bg}  (${f.fontSize} ${f.fontWeight})  ${f.target}`,
    ),
  ].join('\n');
}

/**
 * Fails listing each text that measures below the required ratio: its words, colours, ratio and
 * selector. Undecided nodes fail too unless `allowUndecided` names why they may be skipped, so a
 * gradient or overlay cannot hide a low-contrast text from the check.
 */
export async function assertContrast(
  page: Page,
  label: string,
  { allowUndecided = [] as string[] } = {},
): Promise<ContrastReport> {
  const report = await measureContrast(page);
  assert.deepEqual(report.failures, [], describeFailures(label, report.failures));
  const unexplained = report.undecided.filter((u) => !allowUndecided.some((why) => u.why.includes(why)));
  assert.deepEqual(
    unexplained,
    [],
    `${label}: axe could not measure ${unexplained.length} text(s):\n${unexplained
      .map((u) => `  "${u.text}"  ${u.why}  ${u.target}`)
      .join('\n')}`,
  );
  return report;
}
