import { Alert, Button, Center, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { Navigate, useLocation } from 'react-router';
import { ApiProblem } from '../api/client.ts';
import { useSessionState } from '../auth/session.tsx';

/** Email and password sign-in; a signed-in visitor goes straight to where they were headed. */
export function LoginPage() {
  const { session, signIn } = useSessionState();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (session) return <Navigate to={(location.state as { from?: string } | null)?.from ?? '/'} replace />;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email, password);
    } catch (e) {
      setError(
        e instanceof ApiProblem && e.status === 401
          ? 'That email and password do not match a user. Check both, or ask an admin to reset your password.'
          : e instanceof ApiProblem && e.status === 429
            ? 'Too many attempts from this address. Wait a minute, then try again.'
            : (e as Error).message,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <Center mih="100vh" bg="gray.0">
      <main>
        <Paper withBorder shadow="sm" p="xl" w={380}>
          <form onSubmit={submit}>
            <Stack>
              <Title order={1} size="h3">
                Sign in to Recoup
              </Title>
              {error && (
                <Alert color="red" role="alert">
                  {error}
                </Alert>
              )}
              <TextInput
                label="Email"
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
              />
              <PasswordInput
                label="Password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
              />
              <Button type="submit" loading={busy}>
                Sign in
              </Button>
            </Stack>
          </form>
        </Paper>
      </main>
    </Center>
  );
}
