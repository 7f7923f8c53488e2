import { defineErrors } from '../http/errors.ts';

declare module '../http/errors.ts' {
  interface ErrorCodes {
    'realtime.unknown_topic': true;
    'realtime.unknown_message': true;
    'realtime.bad_message': true;
    'realtime.forbidden_topic': true;
    'realtime.too_many_topics': true;
    'realtime.no_websocket': true;
  }
}

defineErrors({
  'realtime.unknown_topic': [400, '不支持的订阅主题'],
  'realtime.unknown_message': [400, '不支持的消息类型'],
  'realtime.bad_message': [400, '消息格式错误'],
  'realtime.forbidden_topic': [403, '无权订阅该主题'],
  'realtime.too_many_topics': [400, '订阅的主题过多'],
  'realtime.no_websocket': [400, '该地址不支持 WebSocket 连接'],
});
