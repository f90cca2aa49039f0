import {
  type CSSVariablesResolver,
  createTheme,
  defaultVariantColorsResolver,
  parseThemeColor,
  type VariantColorsResolver,
} from '@mantine/core';

// Mantine's defaults put several texts below WCAG AA's 4.5:1 on white (dimmed grey, the required asterisk,
// light-variant badges and links). Recoup is used all day by collectors, so every text here is shade 8 or darker.

const variantColorResolver: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  if (input.variant !== 'light' && input.variant !== 'subtle' && input.variant !== 'outline') return colors;
  const parsed = parseThemeColor({ color: input.color || input.theme.primaryColor, theme: input.theme });
  if (!parsed.isThemeColor) return colors;
  const light = input.variant === 'light' ? { background: `var(--mantine-color-${parsed.color}-0)` } : {};
  return { ...colors, ...light, color: `var(--mantine-color-${parsed.color}-9)` };
};

/** The dashboard's Mantine theme: teal, and text colours that pass WCAG AA contrast. */
export const theme = createTheme({
  primaryColor: 'teal',
  primaryShade: 9,
  defaultRadius: 'sm',
  variantColorResolver,
  components: {
    Notification: { defaultProps: { closeButtonProps: { 'aria-label': 'Dismiss notification' } } },
    Modal: { defaultProps: { closeButtonProps: { 'aria-label': 'Close dialog' } } },
  },
});

/** CSS variables Mantine derives with too little contrast, set darker. */
export const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': t.colors.gray[7]!,
    '--mantine-color-error': t.colors.red[8]!,
    '--mantine-color-anchor': t.colors.teal[9]!,
    '--mantine-color-placeholder': t.colors.gray[7]!,
  },
  dark: {},
});
