/** The container page's tabs, in order; the open one lives in the URL (`?tab=`). */
export const TABS = [
  'overview',
  'state',
  'stats',
  'ports',
  'networks',
  'mounts',
  'env',
  'labels',
  'logs',
  'shell',
] as const;
export type Tab = (typeof TABS)[number];
export const isTab = (s: string | null): s is Tab => TABS.some((t) => t === s);
