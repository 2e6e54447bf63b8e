// Settling is a lifecycle transition (src/background/state/lifecycle/registration.ts); kept as a
// name here for the modules that hook in (badge, notifications, worker events).
export { onSettled, settle } from './lifecycle';
