import { Route, Routes } from 'react-router';
import NotFoundPage from '../not-found.tsx';
import { TemplatePage } from './template-page.tsx';
import { TemplateList } from './template-list.tsx';

/** Templates: the list at /templates, one template's editor and preview at /templates/:name. */
export default function TemplatesPage() {
  return (
    <Routes>
      <Route index element={<TemplateList />} />
      <Route path=":name" element={<TemplatePage />} />
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}
