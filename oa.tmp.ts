import { startTestApp } from './packages/server/src/testing/app.ts';
const t = await startTestApp();
const doc = (await t.inject({ method: 'GET', url: '/openapi.json' })).json();
console.log(Object.keys(doc.paths).filter((p: string) => p.includes('realtime')), JSON.stringify(doc.paths['/v1/realtime/sse']?.get?.security));
await t.close();
