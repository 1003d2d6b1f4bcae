import { Group, Text, useMantineTheme } from '@mantine/core';

/** An arched double door: the airlock every agent's traffic passes through. */
export function LogoMark({ size = 26 }: { size?: number }) {
  const theme = useMantineTheme();
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
      <rect x="1" y="1" width="30" height="30" rx="8" fill={theme.colors.indigo[7]} />
      <path
        d="M9 24V13a7 7 0 0 1 14 0v11M16 6v18M6.5 24h19"
        stroke="#fff"
        strokeWidth="2.4"
        strokeLinecap="round"
        fill="none"
      />
    </svg>
  );
}

export function Logo({ size = 26 }: { size?: number }) {
  return (
    <Group gap={8} wrap="nowrap">
      <LogoMark size={size} />
      <Text fw={700} fz={size * 0.68} lh={1} style={{ letterSpacing: '-0.01em' }}>
        Airlock
      </Text>
    </Group>
  );
}

export const TAGLINE = 'Your fleet, fixed by agents — with a human in charge.';
