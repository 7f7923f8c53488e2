// First start on an empty database: create an owner operator and a default app, and print, once,
// everything a newcomer needs for a first API call.
import { randomBase62 } from './lib/ids.ts';
import type { Services } from './app.ts';
import type { Ctx } from './context.ts';

export type BootstrapResult = { email: string; password: string; appId: string; secretKey: string; publishableKey: string } | null;

export async function bootstrapIfEmpty(services: Services, ctx: Ctx, email = 'owner@canyu.local'): Promise<BootstrapResult> {
  const password = randomBase62(16);
  const r = await services.tenancy.bootstrapIfEmpty(ctx, { email, password, appName: 'My App' });
  if (!r) return null;
  return { email, password: r.operatorCreated ? password : '(unchanged: the account existed)', appId: r.app.id, secretKey: r.secretKey, publishableKey: r.publishableKey };
}

export function bootstrapBanner(b: NonNullable<BootstrapResult>, baseUrl: string): string {
  const line = '─'.repeat(72);
  return [
    line,
    ' Canyu is set up. 首次启动：已创建默认应用与所有者账号。',
    ' This is shown ONCE — save the password and keys now. 以下信息只显示一次，请立即保存。',
    line,
    ` Operator sign-in 运营登录   ${b.email}`,
    `                              password 密码: ${b.password}`,
    ` App 应用 "My App"           ${b.appId}`,
    ` Secret key 服务端密钥       ${b.secretKey}`,
    ` Publishable key 客户端密钥  ${b.publishableKey}`,
    line,
    ' First API call 第一个请求:',
    '',
    `   curl -s -X POST ${baseUrl}/v1/events \\`,
    `     -H "Authorization: Bearer ${b.secretKey}" \\`,
    `     -H "Content-Type: application/json" \\`,
    `     -d '{"events":[{"event_id":"evt-1","user_id":"u1","name":"app.opened"}]}'`,
    '',
    ` Console 运营后台: ${baseUrl}/console/  (sign in with the email and password above 用上面的邮箱和密码登录)`,
    ` API docs 接口文档: ${baseUrl}/docs`,
    line,
  ].join('\n');
}
