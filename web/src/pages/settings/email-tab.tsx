import { Code, Stack, Table, Text, Title } from '@mantine/core';
import { useSession } from '../../auth/session.tsx';
import { ContactHoursTable } from './contact-hours.tsx';
import { EMAIL_SETTINGS } from './env-settings.ts';
import { SmtpSettings } from './smtp-settings.tsx';

/** Email and contact hours: the mail server (admins), what the environment sets, and each policy's hours. */
export function EmailTab() {
  const session = useSession();
  return (
    <Stack gap="lg">
      <Stack gap="xs" component="section" aria-labelledby="email-settings-title">
        <Title order={3} size="h4" id="email-settings-title">
          Email (SMTP)
        </Title>
        {session.can('admin') ? (
          <SmtpSettings />
        ) : (
          <Text size="sm" maw={760}>
            The mail server Recoup sends through is managed by admins.
          </Text>
        )}
      </Stack>
      <Stack gap="xs" component="section" aria-labelledby="email-env-title">
        <Title order={3} size="h4" id="email-env-title">
          Set in the environment
        </Title>
        <Text size="sm" maw={760}>
          Recoup reads these when <Code>recoup start</Code> (or a worker) starts; to change one, set it in the
          service’s environment and restart Recoup.
        </Text>
        <Table withTableBorder striped verticalSpacing="xs">
          <Table.Caption style={{ captionSide: 'top', position: 'absolute', left: -10_000 }}>
            Environment variables for email
          </Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Variable</Table.Th>
              <Table.Th scope="col">Default</Table.Th>
              <Table.Th scope="col">What it sets</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {EMAIL_SETTINGS.map((s) => (
              <Table.Tr key={s.name}>
                <Table.Td>
                  <Code>{s.name}</Code>
                </Table.Td>
                <Table.Td>{s.fallback}</Table.Td>
                <Table.Td>{s.purpose}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Stack>
      <Stack gap="xs" component="section" aria-labelledby="contact-hours-title">
        <Title order={3} size="h4" id="contact-hours-title">
          Contact hours
        </Title>
        <Text size="sm" maw={760}>
          Each policy sets when customers may be contacted, in each customer’s own time zone (daylight saving
          included), and how many messages one customer may get in a period. Outside those hours a reminder
          waits for the next allowed time; it is never dropped.
        </Text>
        <ContactHoursTable />
      </Stack>
    </Stack>
  );
}
