import { Anchor, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.ts';
import { useSession } from '../auth/session.tsx';
import { type Column, DataTable } from '../components/data-table.tsx';
import { Empty, ErrorState, Loading } from '../components/page-state.tsx';
import { formatInstant } from '../format/dates.ts';

type Message =
  paths['/v1/messages']['get']['responses']['200']['content']['application/json']['data'][number];

/**
 * Messages a crash interrupted whose channel cannot tell whether they left: the engine never sends them again, so a
 * person resends each one (a new message) or marks it sent (found in the mail server's log).
 */
export default function UnknownMessagesPage() {
  const session = useSession();
  const client = useQueryClient();
  const [busy, setBusy] = useState<string | null>(null);
  const list = useQuery({
    queryKey: ['messages', 'unknown'],
    queryFn: () => unwrap(api.GET('/v1/messages', { params: { query: { status: 'unknown', limit: 100 } } })),
  });
  const act = async (m: Message, verb: 'resend' | 'mark-sent') => {
    setBusy(m.id);
    try {
      const path = verb === 'resend' ? '/v1/messages/{id}/resend' : '/v1/messages/{id}/mark-sent';
      await unwrap(api.POST(path, { params: { path: { id: m.id } } }));
      notifications.show({ message: verb === 'resend' ? 'Sent again' : 'Marked sent', color: 'green' });
    } catch (error) {
      notifications.show({ message: (error as Error).message, color: 'red' });
    } finally {
      setBusy(null);
      await client.invalidateQueries({ queryKey: ['messages', 'unknown'] });
    }
  };
  const columns: Column<Message>[] = [
    { header: 'Began', cell: (m) => formatInstant(m.created_at), csv: (m) => m.created_at },
    {
      header: 'Case',
      cell: (m) => (
        <Anchor component={Link} to={`/cases/${m.case_id}`}>
          {m.case_id}
        </Anchor>
      ),
      csv: (m) => m.case_id,
    },
    { header: 'Step', cell: (m) => m.step_id, csv: (m) => m.step_id },
    { header: 'Subject', cell: (m) => m.subject, csv: (m) => m.subject },
    {
      header: 'Actions',
      cell: (m) =>
        session.can('cases:work') ? (
          <Group gap="xs" wrap="nowrap">
            <Button size="xs" loading={busy === m.id} onClick={() => act(m, 'resend')}>
              Resend
            </Button>
            <Button size="xs" variant="light" disabled={busy === m.id} onClick={() => act(m, 'mark-sent')}>
              Mark sent
            </Button>
          </Group>
        ) : null,
      csv: () => null,
    },
  ];
  return (
    <Stack>
      <Title order={2}>Unknown messages</Title>
      <Text c="dimmed" size="sm">
        A worker stopped while these were being sent, and their channel cannot tell whether they left. Recoup never
        sends them again on its own: resend one (as a new message) or mark it sent if you found it delivered.
      </Text>
      <Card withBorder>
        {list.isPending ? (
          <Loading what="unknown messages" />
        ) : list.isError ? (
          <ErrorState error={list.error} retry={() => list.refetch()} />
        ) : list.data.data.length === 0 ? (
          <Empty title="No unknown messages">Every interrupted send has been settled.</Empty>
        ) : (
          <DataTable
            caption="Messages whose send was interrupted"
            columns={columns}
            rows={list.data.data}
            rowKey={(m) => m.id}
            exportName="unknown-messages"
          />
        )}
      </Card>
    </Stack>
  );
}
