/**
 * netdev_test.ts — the command line of `--netdev tap:NAME` and `--net ADDR/PREFIX[,GW]`
 * (cli/netdev.ts; a real tap is opened in tests/host/tap_test.ts).
 */
import assert from "node:assert/strict";
import { type Catalog, parseCli as parse, usage, UsageError } from "../../cli/cli.ts";
import { parseNetFlag, withNet } from "../../cli/netdev.ts";
import { image as httpdImage } from "../../images/httpd.ts";
import { DEFAULT_IMAGE, IMAGES } from "../../images/mod.ts";

const catalog: Catalog = { images: IMAGES, defaultImage: DEFAULT_IMAGE };
const parseCli = (args: string[]) => parse(args, catalog);

Deno.test("cli tap: --net takes ADDR/PREFIX with an optional gateway", () => {
  assert.deepEqual(parseNetFlag("10.0.3.2/24"), { addr: "10.0.3.2", mask: "255.255.255.0" });
  assert.deepEqual(parseNetFlag("192.168.7.9/20,192.168.0.1"), {
    addr: "192.168.7.9",
    mask: "255.255.240.0",
    gw: "192.168.0.1",
  });
  assert.equal(parseNetFlag("10.1.2.3/8").mask, "255.0.0.0");
  assert.throws(() => parseNetFlag("10.0.3.2"), /is not ADDR\/PREFIX/);
  assert.throws(() => parseNetFlag("10.0.3.300/24"), /"10\.0\.3\.300" is not an IPv4 address/);
  assert.throws(() => parseNetFlag("10.0.3.2/31"), /outside/);
  assert.throws(() => parseNetFlag("10.0.3.2/24,gw"), /gateway "gw"/);
});

Deno.test("cli tap: --netdev tap:NAME with --net parses; the image's first interface gets the address", () => {
  const o = parseCli(["--netdev", "tap:tap0", "--net", "10.0.3.2/24,10.0.3.1"]);
  assert.equal(o.netdev, "tap");
  assert.equal(o.tap, "tap0");
  const img = withNet(httpdImage, o.net!);
  assert.deepEqual(img.config.net, [{
    if: "vioif0",
    method: "static",
    addr: "10.0.3.2",
    mask: "255.255.255.0",
    gw: "10.0.3.1",
  }]);
  assert.equal(httpdImage.config.net![0].addr, "10.0.2.15", "the image itself is unchanged");
  assert.equal(parseCli(["--netdev", "user"]).tap, undefined);
});

Deno.test("cli tap: tap flags that do not fit get one line naming the flag", () => {
  const cases: [string[], RegExp][] = [
    [["--netdev", "tap:"], /^--netdev: "tap:" is not one of user, none, tap:NAME$/],
    [["--netdev", "tun0"], /^--netdev: "tun0" is not one of/],
    [["--net", "10.0.3.2/24"], /^--net: needs --netdev tap:NAME$/],
    [["--netdev", "tap:tap0", "--net", "x"], /^--net: "x" is not ADDR\/PREFIX/],
    [["--netdev", "tap:tap0", "--hostfwd", "tcp::8080-:80"], /^--hostfwd: needs --netdev user$/],
  ];
  for (const [args, re] of cases) {
    assert.throws(
      () => parseCli(args),
      (e: Error) => e instanceof UsageError && re.test(e.message) && !e.message.includes("\n"),
    );
  }
});

Deno.test("cli tap: the usage text lists --netdev tap:NAME and --net", () => {
  const u = usage(catalog);
  assert.match(u, /--netdev tap:NAME/);
  assert.match(u, /--net ADDR\/PREFIX\[,GW\]/);
});
