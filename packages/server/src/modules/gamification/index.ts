export { createGamification, type Gamification, type GamificationDeps } from './service/index.ts';
export { wireGamification } from './wire.ts';
export { gamificationRoutes } from './routes/index.ts';
