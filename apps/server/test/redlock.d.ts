// redlock 5.0.0-beta.2 ships its types (dist/index.d.ts) but its package.json "exports" has no
// "types" condition, so NodeNext resolution does not find them: point the module at them.
declare module "redlock" {
  export {
    default,
    ExecutionError,
    Lock,
    ResourceLockedError,
  } from "../node_modules/redlock/dist/index.js";
}
