import { crashSuite } from "../helpers/crash";

// Crashes: SIGKILL at 12 points spread over an apply, each followed by an apply that must
// converge with no manual step (`npm run test:soak`; QG_CRASH_POINTS changes the count).
crashSuite(Number(process.env.QG_CRASH_POINTS ?? 12));
