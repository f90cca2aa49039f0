import { Box } from '@mantine/core';
import type { CSSProperties, ReactNode } from 'react';

// At 14px, white on the theme's teal-8 buttons (3.9:1), Mantine's "dimmed" gray-6 (3.3:1) and its error red-6
// (3.6:1) all fall below WCAG AA's 4.5:1. Input descriptions, inline errors and the save button carry this
// editor's meaning, so within these pages they get the next darker shades (custom properties inherit).
const READABLE = {
  '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
  '--mantine-color-error': 'var(--mantine-color-red-9)',
  '--mantine-color-teal-filled': 'var(--mantine-color-teal-9)',
  '--mantine-color-teal-filled-hover': '#066649',
  '--mantine-primary-color-filled': 'var(--mantine-color-teal-9)',
  '--mantine-primary-color-filled-hover': '#066649',
} as CSSProperties;

/** Wraps the policies pages (and their dialogs, which render outside them) so text meets WCAG AA contrast. */
export function ReadableColours({ children }: { children: ReactNode }) {
  return <Box style={READABLE}>{children}</Box>;
}
