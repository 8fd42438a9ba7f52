import { runInHwKernel } from "../support/hw.ts";
import { conformance } from "./conformance.ts";

conformance("hw", (body, opts) => runInHwKernel(body, opts).value!);
