import type { RouteExample } from './route-example.ts';

/** Examples for the template routes, on the shipped payment-failed and payment-urgent templates. */
export const templateExamples: RouteExample[] = [
  { method: 'GET', path: '/v1/templates', url: () => '/v1/templates', status: 200 },
  {
    method: 'GET',
    path: '/v1/templates/{name}',
    url: () => '/v1/templates/payment-failed',
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/templates/preview',
    url: () => '/v1/templates/preview',
    body: () => ({
      name: 'payment-failed',
      locale: 'de-AT',
      time_zone: 'Europe/Vienna',
      data: { customer_name: 'Grete Huber', amount_due: 4_990, currency: 'EUR' },
    }),
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/templates/test-send',
    url: () => '/v1/templates/test-send',
    body: () => ({ template: 'payment-failed', locale: 'de', channel: 'email', to: 'ops@example.com' }),
    status: 200,
  },
  {
    method: 'PUT',
    path: '/v1/templates/{name}/locales/{locale}',
    url: () => '/v1/templates/payment-urgent/locales/en',
    body: () => ({
      subject: 'Still open: {{ amountDue | money }}',
      text: 'Hello {{ customer.name }}, please pay at {{ payLink }}.',
      html: "{% layout '_layout.html.liquid' %}{% block content %}<p>{{ customer.name }}</p>{% endblock %}",
    }),
    status: 200,
  },
  {
    method: 'GET',
    path: '/v1/templates/{name}/locales/{locale}/versions',
    url: () => '/v1/templates/payment-urgent/locales/en/versions',
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/templates/{name}/locales/{locale}/reset',
    url: () => '/v1/templates/payment-urgent/locales/en/reset',
    status: 200,
  },
];
