import { Text, Tooltip, type TextProps } from '@mantine/core';
import { formatDateTime, formatRelative } from '../lib/format';
import { useNow } from '../lib/use-now';

interface Props extends TextProps {
  value: string | null;
  /** "3 days ago" (default) or the full local time. */
  mode?: 'relative' | 'absolute';
  /** Shown when `value` is null. */
  empty?: string;
}

export function Timestamp({ value, mode = 'relative', empty = 'Never', ...text }: Props) {
  const now = useNow(30_000);
  if (!value) {
    return (
      <Text size="sm" c="dimmed" {...text}>
        {empty}
      </Text>
    );
  }
  const absolute = formatDateTime(value);
  // `now` ticks only every 30 s; a value that just arrived (a host's "since") would read as the
  // future against it, so a re-render also takes the current time.
  const relative = formatRelative(value, Math.max(now, Date.now()));
  return (
    <Tooltip label={mode === 'relative' ? absolute : relative} openDelay={300} withArrow>
      <Text size="sm" component="time" dateTime={value} style={{ whiteSpace: 'nowrap' }} {...text}>
        {mode === 'relative' ? relative : absolute}
      </Text>
    </Tooltip>
  );
}
