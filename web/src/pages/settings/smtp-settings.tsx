import {
  Alert,
  Button,
  Code,
  Group,
  NativeSelect,
  NumberInput,
  PasswordInput,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { IconDeviceFloppy, IconPlugConnected } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiProblem, api, unwrap } from '../../api/client.ts';
import { ErrorState, Loading } from '../../components/page-state.tsx';
import { formatInstant } from '../../format/dates.ts';
import {
  type EmailSettings,
  SECURITY_OPTIONS,
  SMTP_FIELDS,
  type SmtpDraft,
  type SmtpSecurity,
  portForSecurity,
  smtpFieldError,
  toBody,
  toDraft,
} from './smtp-form.ts';

const SETTINGS_KEY = ['settings', 'email'];

/** The SMTP server Recoup sends through: editable when stored here, read-only when the environment sets it. */
export function SmtpSettings() {
  const settings = useQuery({
    queryKey: SETTINGS_KEY,
    queryFn: () => unwrap(api.GET('/v1/settings/email')),
  });
  if (settings.isPending) return <Loading what="email settings" />;
  if (settings.isError) return <ErrorState error={settings.error} retry={() => void settings.refetch()} />;
  const current = settings.data;
  if (current.source === 'environment') return <EnvironmentSettings settings={current} />;
  return <SmtpForm settings={current} />;
}

/** Why a check failed or that it passed, in words; the field the server blamed also shows it. */
function VerifyOutcome({ verify }: { verify: ReturnType<typeof useVerify> }) {
  if (verify.isSuccess) {
    return (
      <Alert color="teal" role="status" title="Connection verified">
        The server accepted the connection and the sign-in. Nothing was sent.
      </Alert>
    );
  }
  if (!verify.error) return null;
  const problem = verify.error instanceof ApiProblem ? verify.error : null;
  const failed = problem?.status === 502;
  return (
    <Alert color="red" role="alert" title={failed ? 'The mail server check failed' : 'Could not check the server'}>
      {failed ? `The server answered: ${problem?.errors[0]?.reason ?? problem?.message}` : verify.error.message}
    </Alert>
  );
}

function useVerify() {
  return useMutation({
    mutationFn: (body: { settings?: ReturnType<typeof toBody> }) =>
      unwrap(api.POST('/v1/settings/email/verify', { body })),
  });
}

/** The environment's server, shown as it is with the reason it cannot be changed here. */
function EnvironmentSettings({ settings }: { settings: EmailSettings }) {
  const verify = useVerify();
  const security = SECURITY_OPTIONS.find((o) => o.value === settings.security)?.label ?? '—';
  const rows: [string, string][] = [
    ['Host', settings.host ?? '—'],
    ['Port', String(settings.port ?? '—')],
    ['Security', security],
    ['Username', settings.username ?? 'none (no sign-in)'],
    ['Password', settings.password_set ? 'set' : 'not set'],
    ['From', settings.from],
  ];
  return (
    <Stack gap="sm" maw={760}>
      <Text size="sm">
        These settings come from the environment: <Code>RECOUP_SMTP_URL</Code> is set where Recoup runs, and it
        takes precedence over settings saved here, so they are read-only. To change them, change the variable
        and restart Recoup, or remove it to manage the mail server on this page.
      </Text>
      <Table withTableBorder verticalSpacing="xs" maw={560}>
        <Table.Caption style={{ captionSide: 'top', position: 'absolute', left: -10_000 }}>
          Email settings from the environment
        </Table.Caption>
        <Table.Tbody>
          {rows.map(([label, value]) => (
            <Table.Tr key={label}>
              <Table.Th scope="row" w={140}>
                {label}
              </Table.Th>
              <Table.Td>{value}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group>
        <Button
          variant="default"
          leftSection={<IconPlugConnected size={16} aria-hidden />}
          loading={verify.isPending}
          onClick={() => verify.mutate({})}
        >
          Verify connection
        </Button>
      </Group>
      <VerifyOutcome verify={verify} />
    </Stack>
  );
}

/** Where email goes now, in a sentence. */
function SourceText({ settings, who }: { settings: EmailSettings; who: string | null }) {
  if (settings.source === 'outbox') {
    return (
      <Text size="sm" maw={760}>
        No mail server is set, so nothing is sent: every email is written as an .eml file to the outbox folder on
        the server (<Code>RECOUP_OUTBOX_DIR</Code>). Save a server below to start sending. Settings saved here
        are used unless <Code>RECOUP_SMTP_URL</Code> is set in Recoup’s environment, which takes precedence.
      </Text>
    );
  }
  return (
    <Text size="sm" maw={760}>
      Recoup sends email through this server. Saved {formatInstant(settings.updated_at)}
      {who ? ` by ${who}` : ''}; every Recoup process picks up a change within a few seconds, without a
      restart. <Code>RECOUP_SMTP_URL</Code> in Recoup’s environment would take precedence over these.
    </Text>
  );
}

/** The editable form: Save stores it, Verify connection tries the values as typed without saving them. */
function SmtpForm({ settings }: { settings: EmailSettings }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState<SmtpDraft>(() => toDraft(settings));
  const users = useQuery({ queryKey: ['users'], queryFn: () => unwrap(api.GET('/v1/users')) });
  const save = useMutation({
    mutationFn: () => unwrap(api.PUT('/v1/settings/email', { body: toBody(draft) })),
    onSuccess: (saved) => {
      client.setQueryData(SETTINGS_KEY, saved);
      // The password is stored now; the field goes back to "leave empty to keep it".
      setDraft(toDraft(saved));
    },
  });
  const verify = useVerify();
  // Whichever was asked last explains the fields: a check's errors must not linger under a later save.
  const [last, setLast] = useState<'save' | 'verify' | null>(null);
  const error = last === 'save' ? save.error : last === 'verify' ? verify.error : null;
  const set = <K extends keyof SmtpDraft>(field: K, value: SmtpDraft[K]) =>
    setDraft((d) => ({ ...d, [field]: value }));
  const fieldError = (field: keyof SmtpDraft) => smtpFieldError(error, field);
  const [actorKind, actorId] = (settings.updated_by ?? '').split(':', 2);
  const who =
    actorKind === 'user'
      ? (users.data?.data.find((u) => u.id === actorId)?.email ?? 'a user')
      : actorKind === 'api_key'
        ? 'an API key'
        : (settings.updated_by ?? null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    verify.reset();
    setLast('save');
    save.mutate();
  };
  const check = () => {
    save.reset();
    setLast('verify');
    verify.mutate({ settings: toBody(draft) });
  };
  const fields = Object.keys(SMTP_FIELDS) as (keyof SmtpDraft)[];
  const named = error instanceof ApiProblem && fields.some((f) => fieldError(f));
  const saveProblem = last === 'save' && save.error && !named ? save.error.message : null;
  return (
    <Stack gap="sm">
      <SourceText settings={settings} who={who} />
      <form onSubmit={submit} aria-label="Mail server settings" noValidate>
        <Stack gap="sm" maw={760}>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput
              label="Host"
              description="The mail server’s name or address"
              placeholder="smtp.example.com"
              required
              autoComplete="off"
              value={draft.host}
              onChange={(e) => set('host', e.currentTarget.value)}
              error={fieldError('host')}
            />
            <NumberInput
              label="Port"
              description="465 for TLS, 587 for STARTTLS"
              required
              min={1}
              max={65_535}
              allowDecimal={false}
              allowNegative={false}
              value={draft.port}
              onChange={(v) => set('port', typeof v === 'number' ? v : v === '' ? '' : Number(v))}
              error={fieldError('port')}
            />
            <NativeSelect
              label="Security"
              description="How the connection is protected"
              data={SECURITY_OPTIONS.map((o) => ({ value: o.value, label: o.label }))}
              value={draft.security}
              onChange={(e) => {
                const security = e.currentTarget.value as SmtpSecurity;
                setDraft((d) => ({ ...d, security, port: portForSecurity(d.port, d.security, security) }));
              }}
              error={fieldError('security')}
            />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label="Username"
              description="Leave empty if the server takes mail without signing in"
              autoComplete="off"
              value={draft.username}
              onChange={(e) => set('username', e.currentTarget.value)}
              error={fieldError('username')}
            />
            <PasswordInput
              label="Password"
              description={
                settings.password_set
                  ? 'A password is stored. Leave empty to keep the current password.'
                  : 'No password is stored yet.'
              }
              autoComplete="new-password"
              value={draft.password}
              onChange={(e) => set('password', e.currentTarget.value)}
              error={fieldError('password')}
              // Mantine marks only the wrapper of a password field invalid; screen readers need the input marked.
              aria-invalid={fieldError('password') ? true : undefined}
            />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label="From"
              description="The sender of every email, e.g. Acme Billing <billing@acme.com>"
              required
              value={draft.from}
              onChange={(e) => set('from', e.currentTarget.value)}
              error={fieldError('from')}
            />
            <TextInput
              label="Reply-To"
              description="Optional: where replies go, if not to the sender"
              value={draft.replyTo}
              onChange={(e) => set('replyTo', e.currentTarget.value)}
              error={fieldError('replyTo')}
            />
          </SimpleGrid>
          {saveProblem && (
            <Alert color="red" role="alert" title="Not saved">
              {saveProblem}
            </Alert>
          )}
          {save.isSuccess && last === 'save' && (
            <Alert color="teal" role="status" title="Email settings saved">
              New emails go through {save.data.host}:{save.data.port} within a few seconds.
            </Alert>
          )}
          {last === 'verify' && <VerifyOutcome verify={verify} />}
          <Group>
            <Button
              type="submit"
              leftSection={<IconDeviceFloppy size={16} aria-hidden />}
              loading={save.isPending}
            >
              Save email settings
            </Button>
            <Button
              variant="default"
              leftSection={<IconPlugConnected size={16} aria-hidden />}
              loading={verify.isPending}
              onClick={check}
            >
              Verify connection
            </Button>
          </Group>
          <Text size="xs" c="dimmed">
            Verify connection signs in to the server with the values above, without saving them or sending
            anything. To see a real message, send a template test from a template’s page.
          </Text>
        </Stack>
      </form>
    </Stack>
  );
}
