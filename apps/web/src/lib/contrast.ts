// WCAG contrast arithmetic for the theme (issue 8 §2): the theme picks, per colour, the first shade
// that reads at 4.5:1 on the surfaces it is drawn on, instead of trusting fixed shade numbers.
// Kept free of Mantine so it runs in plain unit tests.

export type Rgb = readonly [number, number, number];

/** #rgb, #rrggbb, rgb() and rgba() (alpha ignored: the theme's colours are opaque). */
export function parseColor(color: string): Rgb {
  const c = color.trim();
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(c);
  if (short) return [short[1]!, short[2]!, short[3]!].map((h) => parseInt(h + h, 16)) as unknown as Rgb;
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})(?:[0-9a-f]{2})?$/i.exec(c);
  if (long) return [long[1]!, long[2]!, long[3]!].map((h) => parseInt(h, 16)) as unknown as Rgb;
  const fn = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(c);
  if (fn) return [Number(fn[1]), Number(fn[2]), Number(fn[3])];
  throw new Error(`not a colour the contrast helper reads: ${color}`);
}

export function toHex([r, g, b]: Rgb): string {
  return `#${[r, g, b]
    .map((v) =>
      Math.round(Math.min(255, Math.max(0, v)))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

/** Relative luminance as WCAG 2 defines it. */
export function luminance(color: string): number {
  const [r, g, b] = parseColor(color).map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as unknown as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `amount` (0–1) of the way from `color` to `target`: the same hue, darker or lighter. */
export function mix(color: string, target: string, amount: number): string {
  const from = parseColor(color);
  const to = parseColor(target);
  return toHex(from.map((v, i) => v + (to[i]! - v) * amount) as unknown as Rgb);
}

/** AA for normal text is 4.5:1; a little headroom so rounding in a browser cannot tip it under. */
export const AA_TEXT = 4.55;

/** True when `fg` reads at `min` on every one of `backgrounds`. */
export function readsOn(fg: string, backgrounds: readonly string[], min = AA_TEXT): boolean {
  return backgrounds.every((bg) => contrastRatio(fg, bg) >= min);
}

/**
 * The first of `candidates` that reads on every background; when none does, the last candidate
 * moved toward `toward` (black or white) in 5 % steps until it does. Always returns a colour.
 */
export function firstReadable(
  candidates: readonly string[],
  backgrounds: readonly string[],
  toward: '#000000' | '#ffffff',
  min = AA_TEXT,
): string {
  const hit = candidates.find((c) => readsOn(c, backgrounds, min));
  if (hit) return hit;
  const last = candidates[candidates.length - 1]!;
  for (let step = 1; step <= 20; step++) {
    const c = mix(last, toward, step * 0.05);
    if (readsOn(c, backgrounds, min)) return c;
  }
  return toward;
}
