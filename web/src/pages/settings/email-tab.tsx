import { Code, Stack, Table, Text, Title } from '@mantine/core';
import { ContactHoursTable } from './contact-hours.tsx';
import { EMAIL_SETTINGS } from './env-settings.ts';

/** Email and contact hours: what sets them and, for contact hours, what the current policies say. */
export function EmailTab() {
  return (
    <Stack gap="lg">
      <Stack gap="xs" component="section" aria-labelledby="email-settings-title">
        <Title order={3} size="h4" id="email-settings-title">
          Email (SMTP)
        </Title>
        <Text size="sm" maw={760}>
          Recoup reads its email settings from environment variables when <Code>recoup start</Code> (or a
          worker) starts. The server does not report them, so this is what each one sets rather than its
          current value: to change one, set it in the service’s environment and restart Recoup. Send yourself
          a test message from any template page to check the result.
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
