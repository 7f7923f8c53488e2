// Realtime: a cross-server hub (PostgreSQL LISTEN/NOTIFY or Redis) and WebSocket/SSE delivery to
// the clients connected to each server. Reusable by any module: publish with toUsers/toApp/toTopic
// (and toOperators for the console's streams), accept client messages with onClientMessage, let
// clients join topics with topicPolicy.
export { createHub, postgresTransport, preferTransport, redisTransport, type Hub, type HubHandler, type Transport } from './hub.ts';
export { createRealtime, type Realtime, type Connection, type ClientEvent, type ClientMessage, type TopicPolicy } from './realtime.ts';
export { realtimeModule, realtimeRoutes } from './routes.ts';
