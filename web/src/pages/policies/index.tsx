import { Route, Routes } from 'react-router';
import NotFoundPage from '../not-found.tsx';
import { ReadableColours } from './contrast.tsx';
import { PolicyEditPage } from './edit-page.tsx';
import { PolicyListPage } from './list.tsx';
import { PolicyPage } from './policy-page.tsx';

/** Policies: the list, one policy with its versions and diff, and the step editor for a new version. */
export default function PoliciesPage() {
  return (
    <ReadableColours>
      <Routes>
        <Route index element={<PolicyListPage />} />
        <Route path=":name" element={<PolicyPage />} />
        <Route path=":name/edit" element={<PolicyEditPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </ReadableColours>
  );
}
