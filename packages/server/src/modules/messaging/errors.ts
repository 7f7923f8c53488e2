import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'messaging.template_not_found': true;
    'messaging.template_exists': true;
    'messaging.template_in_use': true;
    'messaging.message_not_found': true;
    'messaging.announcement_not_found': true;
    'messaging.send_not_found': true;
    'messaging.send_not_cancelable': true;
    'messaging.cap_not_found': true;
    'messaging.rule_not_found': true;
    'messaging.delivery_not_found': true;
    'messaging.channel_unavailable': true;
    'messaging.invalid_link': true;
    'messaging.audience_unavailable': true;
  }
}

defineErrors({
  'messaging.template_not_found': [404, '消息模板不存在'],
  'messaging.template_exists': [409, '该模板标识已存在'],
  'messaging.template_in_use': [409, '模板正被触发规则使用，无法删除'],
  'messaging.message_not_found': [404, '消息不存在'],
  'messaging.announcement_not_found': [404, '公告不存在'],
  'messaging.send_not_found': [404, '发送任务不存在'],
  'messaging.send_not_cancelable': [409, '该发送任务已开始或已结束，无法取消'],
  'messaging.cap_not_found': [404, '频控规则不存在'],
  'messaging.rule_not_found': [404, '触发规则不存在'],
  'messaging.delivery_not_found': [404, '投递记录不存在'],
  'messaging.channel_unavailable': [409, '该渠道尚未配置，无法发送'],
  'messaging.invalid_link': [400, '链接无效或已被篡改'],
  'messaging.audience_unavailable': [409, '该受众类型暂不可用'],
});
