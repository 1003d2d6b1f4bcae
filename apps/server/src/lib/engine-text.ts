/**
 * Text that came from an engine or a host (an error message, a refusal's reason) on its way to a
 * host's status or an API answer. Every viewer sees a host's status, and the peer on a socket may be
 * hostile or not Docker at all: it must not be able to paint the page (ANSI), reorder what people
 * read (bidi overrides), hide text (zero-width), or fill the status with megabytes.
 */

/** Longest engine text kept; enough for any real Docker error message. */
export const ENGINE_TEXT_MAX = 300;

/* eslint-disable no-control-regex -- matching control bytes is the point of these patterns */
// ESC-introduced sequences: CSI (colours, cursor moves), OSC (titles, links) up to BEL or ST, and
// the two-byte forms. Removed whole, so their parameters do not survive as visible junk.
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -/]*[0-~]?)/g;
// C0 and C1 controls (newlines and tabs too: a status is one line).
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
/* eslint-enable no-control-regex */
// Bidi embeddings, overrides and isolates; marks; zero-width characters; line and paragraph
// separators; the BOM; interlinear annotation; and lone surrogates (which render as garbage).
const INVISIBLE =
  /[\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * One readable line of at most `max` characters (code points; an ellipsis marks a cut). Returns ''
 * for text with nothing printable, so callers can fall back to a fixed wording.
 */
export function engineText(text: unknown, max: number = ENGINE_TEXT_MAX): string {
  const full = typeof text === 'string' ? text : String(text);
  // A hostile peer's megabyte never goes through the regexes: they run on a bounded prefix.
  const raw = full.slice(0, max * 8);
  const clean = raw
    .replace(ANSI, ' ')
    .replace(CONTROL, ' ')
    .replace(INVISIBLE, '')
    .replace(/\s+/g, ' ')
    .trim();
  const points = Array.from(clean);
  if (points.length > max)
    return `${points
      .slice(0, max - 1)
      .join('')
      .trimEnd()}…`;
  return raw.length < full.length && clean ? `${clean}…` : clean;
}
