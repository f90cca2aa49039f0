import { Alert, Button, CopyButton, Group, Text, TextInput } from '@mantine/core';
import { IconCheck, IconCopy, IconKey } from '@tabler/icons-react';

interface OneTimeSecretProps {
  readonly label: string;
  readonly secret: string;
  /** What the secret is for and where it goes. */
  readonly children?: React.ReactNode;
}

/** A secret the server shows only once: read-only, selectable, with a copy button and a plain warning. */
export function OneTimeSecret({ label, secret, children }: OneTimeSecretProps) {
  return (
    <Alert color="blue" icon={<IconKey aria-hidden />} title="Copy it now: it is shown only this once">
      {children && (
        <Text size="sm" mb="xs">
          {children}
        </Text>
      )}
      <Group align="flex-end" gap="xs" wrap="nowrap">
        <TextInput
          label={label}
          readOnly
          value={secret}
          data-testid="one-time-secret"
          onFocus={(e) => e.currentTarget.select()}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          style={{ flex: 1 }}
        />
        <CopyButton value={secret} timeout={2_000}>
          {({ copied, copy }) => (
            <Button
              variant="default"
              onClick={copy}
              leftSection={copied ? <IconCheck size={14} aria-hidden /> : <IconCopy size={14} aria-hidden />}
              aria-label={copied ? `${label} copied` : `Copy ${label.toLowerCase()}`}
            >
              {copied ? 'Copied' : 'Copy'}
            </Button>
          )}
        </CopyButton>
      </Group>
    </Alert>
  );
}
