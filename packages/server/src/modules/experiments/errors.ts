import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'experiments.not_found': true;
    'experiments.key_taken': true;
    'experiments.not_running': true;
    'experiments.locked': true;
  }
}

defineErrors({
  'experiments.not_found': [404, '实验不存在'],
  'experiments.key_taken': [409, '该实验标识已被使用'],
  'experiments.not_running': [409, '实验未在运行'],
  'experiments.locked': [409, '实验开始后不能修改分组、留出比例和目标'],
});
