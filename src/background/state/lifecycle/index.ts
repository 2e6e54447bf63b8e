// Every transition of a fetch and of its records, each one Dexie transaction guarded by the
// table in transitions.ts: the only code that writes the registrations' and records' state
// (src/background/state/lifecycle/writers.test.ts checks that nothing else does).
export * from './transitions';
export * from './registration';
export * from './records';
export { commitWrites, type HeadWrite, type Write } from './body-writes';
