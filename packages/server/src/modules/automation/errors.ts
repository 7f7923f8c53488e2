import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'automation.workflow_not_found': true;
    'automation.run_not_found': true;
    'automation.unknown_event': true;
    'automation.archived': true;
  }
}

defineErrors({
  'automation.workflow_not_found': [404, '自动化流程不存在'],
  'automation.run_not_found': [404, '流程运行记录不存在'],
  'automation.unknown_event': [400, '事件名称无效：领域事件必须在事件目录中'],
  'automation.archived': [409, '流程已归档，不能再修改或启用'],
});
