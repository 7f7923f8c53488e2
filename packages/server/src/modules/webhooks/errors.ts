import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'webhooks.endpoint_not_found': true;
    'webhooks.delivery_not_found': true;
    'webhooks.endpoint_disabled': true;
    'webhooks.delivery_in_progress': true;
  }
}

defineErrors({
  'webhooks.endpoint_not_found': [404, 'Webhook 端点不存在'],
  'webhooks.delivery_not_found': [404, 'Webhook 投递记录不存在'],
  'webhooks.endpoint_disabled': [409, 'Webhook 端点已停用'],
  'webhooks.delivery_in_progress': [409, '该投递正在发送中，请稍后再试'],
});
