import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client.ts';
import { ReadableColours } from './contrast.tsx';
import { notifySuccess } from './notify.tsx';
import type { VersionSummary } from './types.ts';

/** Makes an older version active again (stored as a new version), after saying what that does. */
export function ActivateButton({
  version,
  onActivated,
}: {
  version: VersionSummary;
  onActivated: (v: number) => void;
}) {
  const [opened, { open, close }] = useDisclosure(false);
  const client = useQueryClient();
  const activate = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/v1/policy-versions/{id}/activate', { params: { path: { id: version.id } } })),
    onSuccess: async (row) => {
      close();
      notifySuccess(
        `${row.name} v${version.version} is active again`,
        `Stored as v${row.version}; new cases start on it, running cases keep their version.`,
      );
      await client.invalidateQueries({ queryKey: ['policies'] });
      onActivated(row.version);
    },
  });
  return (
    <>
      <Button size="compact-xs" variant="default" onClick={open} aria-label={`Activate v${version.version}`}>
        Activate
      </Button>
      <Modal opened={opened} onClose={close} title={`Activate ${version.name} v${version.version}?`}>
        <ReadableColours>
          <Stack>
            <Text size="sm">
              Its steps are stored again as a new version, which new cases start on. Running cases keep the
              version they started on. Its text is checked again first, in case a template it sends has gone
              since.
            </Text>
            {activate.isError && (
              <Text size="sm" c="red.9" role="alert">
                {(activate.error as Error).message}
              </Text>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Keep the current version
              </Button>
              <Button loading={activate.isPending} onClick={() => activate.mutate()}>
                Activate v{version.version}
              </Button>
            </Group>
          </Stack>
        </ReadableColours>
      </Modal>
    </>
  );
}
