import { crashSuite } from "../../helpers/crash";

// Crashes (short version: 3 kill points; `npm run test:soak` runs 12).
crashSuite(3);
