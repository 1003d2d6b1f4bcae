import {
  createTheme,
  defaultVariantColorsResolver,
  isVirtualColor,
  localStorageColorSchemeManager,
  parseThemeColor,
  type CSSVariablesResolver,
  type MantineTheme,
  type VariantColorsResolver,
} from '@mantine/core';
import { AA_TEXT, contrastRatio, firstReadable, mix } from './lib/contrast';

// Filled badges and buttons keep their own colour and take white text, or black where no shade of
// the hue carries white at 4.5:1 (yellow, orange): the text colour comes from a per-scheme variable.
const variantColorResolver: VariantColorsResolver = (input) => {
  const result = defaultVariantColorsResolver(input);
  const parsed = parseThemeColor({ color: input.color ?? input.theme.primaryColor, theme: input.theme });
  if (input.variant === 'filled' && parsed.isThemeColor && parsed.shade === undefined) {
    return { ...result, color: `var(--airlock-color-${parsed.color}-filled-text)` };
  }
  return result;
};

export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  // System fonts only: the deck is self-hosted and must render without reaching a font CDN.
  fontFamily:
    'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace:
    'ui-monospace, "JetBrains Mono", "SF Mono", Menlo, Consolas, "Liberation Mono", monospace',
  headings: { fontWeight: '600' },
  cursorType: 'pointer',
  variantColorResolver,
});

export const colorSchemeManager = localStorageColorSchemeManager({ key: 'airlock-color-scheme' });

const WHITE = '#ffffff';
const BLACK = '#000000';

/**
 * Mantine's stock shades put text at 2.5–4.3:1 in places (red on a red row, the amber badge, grey
 * subtitles, white on indigo-6). This resolver keeps every hue and only moves each role (text,
 * light-variant text, outline, filled background, dimmed) to the first shade, or the first step
 * darker (light theme) or lighter (dark theme), that reads at 4.5:1 on every surface the role is
 * drawn on: the body, papers and stripes, its own tint, and the red tint of a failing row.
 */
export const cssVariablesResolver: CSSVariablesResolver = (t: MantineTheme) => {
  const light: Record<string, string> = {};
  const dark: Record<string, string> = {};
  const shades = (name: string) => t.colors[name]!;
  const gray = shades('gray');
  const darkGray = shades('dark');
  const primary = shades(t.primaryColor);
  // Mantine's dark-scheme tint for a colour: its darkest shade halfway to black (light-hover: 30 %).
  const darkTint = (name: string, amount = 0.5) => mix(shades(name)[9], BLACK, amount);

  const lightSurfaces = [t.white, gray[0], gray[1], shades('red')[1]];
  const darkSurfaces = [darkGray[7], darkGray[6], darkTint('red')];

  for (const name of Object.keys(t.colors)) {
    const c = t.colors[name]!;
    if (isVirtualColor(c)) continue;

    // Light scheme: from the stock shade toward 9, then darker still.
    const text = firstReadable([c[6], c[7], c[8], c[9]], [...lightSurfaces, c[1]], BLACK);
    light[`--mantine-color-${name}-text`] = text;
    light[`--mantine-color-${name}-outline`] = text;
    light[`--mantine-color-${name}-light-color`] = firstReadable([c[9]], [c[1], c[2]], BLACK);
    const lightFilled = [c[6], c[7], c[8], c[9]].findIndex((s) => contrastRatio(s, WHITE) >= AA_TEXT);
    if (lightFilled >= 0) {
      const shade = 6 + lightFilled;
      light[`--mantine-color-${name}-filled`] = c[shade]!;
      light[`--mantine-color-${name}-filled-hover`] = shade === 9 ? mix(c[9], BLACK, 0.1) : c[shade + 1]!;
      light[`--airlock-color-${name}-filled-text`] = WHITE;
    } else {
      light[`--airlock-color-${name}-filled-text`] = BLACK;
    }

    // Dark scheme: from the stock shade 4 toward 0, then lighter still.
    const darkText = firstReadable([c[4], c[3], c[2], c[1], c[0]], [...darkSurfaces, darkTint(name)], WHITE);
    dark[`--mantine-color-${name}-text`] = darkText;
    dark[`--mantine-color-${name}-outline`] = darkText;
    dark[`--mantine-color-${name}-light-color`] = firstReadable(
      [c[0]],
      [darkTint(name), darkTint(name, 0.3)],
      WHITE,
    );
    const darkFilled = [c[8], c[9]].findIndex((s) => contrastRatio(s, WHITE) >= AA_TEXT);
    if (darkFilled >= 0) {
      const shade = 8 + darkFilled;
      dark[`--mantine-color-${name}-filled`] = c[shade]!;
      dark[`--mantine-color-${name}-filled-hover`] = shade === 9 ? mix(c[9], BLACK, 0.1) : c[9];
      dark[`--airlock-color-${name}-filled-text`] = WHITE;
    } else {
      dark[`--airlock-color-${name}-filled-text`] = BLACK;
    }
  }

  // Subtitles, descriptions, timestamps and placeholders: grey, but readable on every surface,
  // including the primary tint behind the sign-in card and the red tint of a failing container.
  const dimmedLight = firstReadable([gray[6]], [...lightSurfaces, primary[1], shades('yellow')[1]], BLACK);
  const dimmedDark = firstReadable(
    [darkGray[2]],
    [...darkSurfaces, darkGray[5], darkTint(t.primaryColor)],
    WHITE,
  );
  Object.assign(light, {
    '--mantine-color-dimmed': dimmedLight,
    '--mantine-color-placeholder': dimmedLight,
    '--mantine-color-anchor': light[`--mantine-color-${t.primaryColor}-text`]!,
    '--mantine-color-error': light['--mantine-color-red-text']!,
    '--mantine-color-success': light['--mantine-color-teal-text']!,
  });
  Object.assign(dark, {
    '--mantine-color-dimmed': dimmedDark,
    '--mantine-color-placeholder': dimmedDark,
    '--mantine-color-anchor': dark[`--mantine-color-${t.primaryColor}-text`]!,
    '--mantine-color-error': dark['--mantine-color-red-text']!,
    '--mantine-color-success': dark['--mantine-color-teal-text']!,
  });
  return { variables: {}, light, dark };
};
