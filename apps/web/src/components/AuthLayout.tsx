import { Box, Center, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { LogoMark, TAGLINE } from './Logo';
import { ThemeToggle } from './ThemeToggle';

/** The frame for pages shown before anyone is signed in (setup, login). */
export function AuthLayout({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Box className="airlock-auth-bg" pos="relative">
      <Box pos="absolute" top={12} right={12}>
        <ThemeToggle />
      </Box>
      <Center mih="100dvh" p="md">
        <Stack w="100%" maw={400} gap="lg">
          <Stack align="center" gap={6}>
            <LogoMark size={44} />
            <Text fw={700} fz={22} mt={4}>
              Airlock
            </Text>
            <Text size="sm" c="dimmed" ta="center">
              {TAGLINE}
            </Text>
          </Stack>
          <Paper withBorder shadow="sm" p="xl" radius="md">
            <Stack gap={4} mb="lg">
              <Title order={1} fz="h4">
                {title}
              </Title>
              {subtitle && (
                <Text size="sm" c="dimmed">
                  {subtitle}
                </Text>
              )}
            </Stack>
            {children}
          </Paper>
        </Stack>
      </Center>
    </Box>
  );
}
