import type { ContainerDetail, ContainerSummary } from '@airlock/contract/fleet';

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  return keys.every((k) => Object.hasOwn(bo, k) && sameJson(ao[k], bo[k]));
}

/**
 * A stream row merged into an open detail view, or null when the row says nothing the view does
 * not already show. Only a real change may lead to a refetch: the stream repeats rows (after an
 * action, a resync, a reconnect), and answering every repeat with a request is how a page ends up
 * asking hundreds of times a second.
 */
export function mergeSummary(detail: ContainerDetail, row: ContainerSummary): ContainerDetail | null {
  const changed = (Object.keys(row) as (keyof ContainerSummary)[]).some((k) => !sameJson(detail[k], row[k]));
  return changed ? { ...detail, ...row } : null;
}
