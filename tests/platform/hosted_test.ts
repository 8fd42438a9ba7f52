import { runInKernel } from "../support/kernel.ts";
import { conformance } from "./conformance.ts";

conformance("hosted", (body, opts) => runInKernel(body, opts).value!);
