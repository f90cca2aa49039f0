import { lazy } from 'react';
import { createBrowserRouter } from 'react-router';
import { Layout } from './components/layout.tsx';
import { LoginPage } from './pages/login.tsx';
import { OverviewPage } from './pages/overview.tsx';

// The login and the overview come with the first load; every other page loads when first opened.
const WhatWorksPage = lazy(() => import('./pages/what-works.tsx'));
const ForecastPage = lazy(() => import('./pages/forecast.tsx'));
const CasesPage = lazy(() => import('./pages/cases/list.tsx'));
const CasePage = lazy(() => import('./pages/cases/detail.tsx'));
const PoliciesPage = lazy(() => import('./pages/policies/index.tsx'));
const TemplatesPage = lazy(() => import('./pages/templates/index.tsx'));
const SettingsPage = lazy(() => import('./pages/settings/index.tsx'));
const NotFoundPage = lazy(() => import('./pages/not-found.tsx'));
const UnknownMessagesPage = lazy(() => import('./pages/unknown-messages.tsx'));

/** Every page of the dashboard and its address. */
export const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  {
    path: '/',
    element: <Layout />,
    children: [
      { index: true, element: <OverviewPage /> },
      { path: 'what-works', element: <WhatWorksPage /> },
      { path: 'forecast', element: <ForecastPage /> },
      { path: 'cases', element: <CasesPage /> },
      { path: 'cases/:id', element: <CasePage /> },
      { path: 'messages/unknown', element: <UnknownMessagesPage /> },
      { path: 'policies/*', element: <PoliciesPage /> },
      { path: 'templates/*', element: <TemplatesPage /> },
      { path: 'settings/*', element: <SettingsPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
