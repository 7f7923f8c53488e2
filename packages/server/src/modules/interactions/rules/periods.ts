// Ranking windows: calendar day, ISO week (Monday first), calendar month, all time, as
// 'YYYY-MM-DD' strings in the app's timezone; windows are [start, end). They live in the one
// time-zone helper (lib/localtime.ts), which the points leaderboard shares.
export { ALL_TIME_START, PERIODS, isDate, localDate as dayIn, periodWindow, type Period } from '../../../lib/localtime.ts';
